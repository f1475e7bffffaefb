//! The rules every text field of a scenario file obeys, and how user text and numbers
//! are shown in messages.
//!
//! Names, labels and units reach terminal tables, chart titles, CSV cells, file names
//! and the HTML report. A control character in one of them (ESC, BEL, CR, NUL, a bidi
//! override) would retitle the terminal, clear the screen, break a table row or show
//! text in another order than it is stored, so validation refuses them; a length limit
//! keeps every table and chart readable. The same concern applies to messages: a value
//! from the file is echoed escaped and shortened ([`quoted`]), and a number in an
//! exponent form when it is very large or very small ([`short_number`]).

pub use crate::model::dist::short_number;

/// Most characters of a name (scenario, vendor, strategy) or an event label.
pub const MAX_NAME_CHARS: usize = 200;
/// Most characters of a currency or unit label.
pub const MAX_UNIT_CHARS: usize = 16;
/// Most characters of a description.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// Characters of user text kept in a message before it is cut with `…`.
const MESSAGE_CHARS: usize = 60;

/// What a text field holds, which sets its length limit and the characters it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A name that identifies something (scenario, vendor, strategy), or a word from a
    /// fixed set (`kind`, `dist`): one line, no surrounding spaces.
    Name,
    /// A roadmap event label: one line.
    Label,
    /// A currency or unit label: one short line.
    Unit,
    /// Free text that may span lines: line feeds and tabs are kept.
    Description,
}

impl TextKind {
    /// Most characters (not bytes) the field may hold.
    pub fn max_chars(self) -> usize {
        match self {
            TextKind::Name | TextKind::Label => MAX_NAME_CHARS,
            TextKind::Unit => MAX_UNIT_CHARS,
            TextKind::Description => MAX_DESCRIPTION_CHARS,
        }
    }

    /// Whether `c` may appear in a field of this kind.
    pub fn allows(self, c: char) -> bool {
        match self {
            TextKind::Description if c == '\n' || c == '\t' => true,
            _ => !is_refused_char(c),
        }
    }
}

/// Whether `c` is refused in scenario text: a control character (Unicode category Cc),
/// a bidi embedding, override or isolate (U+202A–U+202E, U+2066–U+2069), or a line or
/// paragraph separator (U+2028, U+2029).
pub fn is_refused_char(c: char) -> bool {
    c.is_control()
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
        || c == '\u{2028}'
        || c == '\u{2029}'
}

/// Check `text` against the rules of `kind`; the message says what is wrong.
pub(crate) fn check(text: &str, kind: TextKind) -> Result<(), String> {
    if let Some((at, c)) = text.chars().enumerate().find(|&(_, c)| !kind.allows(c)) {
        let allowed = if kind == TextKind::Description {
            "; only line feeds (\\n) and tabs (\\t) are allowed here"
        } else {
            ""
        };
        return Err(format!(
            "holds the control character {} at character {}: control characters, bidi overrides and line separators are refused{allowed}",
            c.escape_unicode(),
            at + 1
        ));
    }
    let count = text.chars().count();
    if count > kind.max_chars() {
        return Err(format!(
            "is {count} characters long; at most {} are allowed",
            kind.max_chars()
        ));
    }
    if kind == TextKind::Name && text.trim() != text {
        return Err(format!(
            "{} begins or ends with spaces; remove them",
            quoted(text)
        ));
    }
    Ok(())
}

/// User text as shown in a message: in quotes, with control characters and quotes
/// escaped, and cut after 60 characters with `…`.
pub fn quoted(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(MESSAGE_CHARS).collect();
    let more = if chars.next().is_some() { "…" } else { "" };
    format!("{head:?}{more}")
}

/// Text for a message with every refused character escaped (`\u{1b}`), cut after
/// `max_chars` characters with `…`. For messages from other libraries that may echo
/// parts of the file.
pub fn escaped(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max_chars {
            out.push('…');
            break;
        }
        if is_refused_char(c) && c != '\n' {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_messages_stay_short_and_read_back() {
        for (x, shown) in [
            (1e308, "1e308"),
            (-1.5e300, "-1.5e300"),
            (5e-324, "5e-324"),
            (1e15, "1000000000000000"),
            (0.25, "0.25"),
            (1500.0, "1500"),
            (0.0, "0"),
            (1e-9, "1e-9"),
        ] {
            assert_eq!(short_number(x), shown);
            assert_eq!(short_number(x).parse::<f64>(), Ok(x));
        }
        assert!(short_number(-f64::MAX).len() < 30);
    }

    #[test]
    fn quoted_text_escapes_controls_and_is_cut() {
        assert_eq!(quoted("Budget"), "\"Budget\"");
        assert_eq!(quoted("a\u{1b}[2Jb"), "\"a\\u{1b}[2Jb\"");
        assert_eq!(quoted("\u{202e}x"), "\"\\u{202e}x\"");
        let long = "x".repeat(1000);
        assert_eq!(quoted(&long).chars().count(), 60 + 3);
        assert_eq!(escaped("a\u{7}b\nc", 100), "a\\u{7}b\nc");
        assert_eq!(escaped("abcdef", 3), "abc…");
    }

    #[test]
    fn descriptions_keep_line_feeds_and_tabs_only() {
        assert!(check("a\nb\tc", TextKind::Description).is_ok());
        assert!(check("a\r\nb", TextKind::Description).is_err());
        assert!(check("a\nb", TextKind::Label).is_err());
        assert!(check("a\u{2028}b", TextKind::Description).is_err());
    }

    #[test]
    fn limits_count_characters_not_bytes() {
        assert!(check(&"é".repeat(200), TextKind::Name).is_ok());
        assert!(check(&"é".repeat(201), TextKind::Name).is_err());
        assert!(check(&"€".repeat(16), TextKind::Unit).is_ok());
        assert!(check(&"€".repeat(17), TextKind::Unit).is_err());
        assert!(check(" Budget", TextKind::Name).is_err());
        assert!(check(" Step ", TextKind::Label).is_ok());
    }
}
