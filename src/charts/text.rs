//! Measuring, shortening and wrapping chart text, in time linear in the text's length.
//!
//! Every string a scenario carries (names, labels, currency, unit) ends up on a chart, and
//! none is trusted to be short or printable. Three rules keep any input safe and fast:
//!
//! - **At most [`MAX_CHARS`] characters of one line are ever looked at.** No line on a
//!   1920-pixel page holds more, so the rest is cut (and an ellipsis shown) before any
//!   measuring; a megabyte-long name costs what a 500-character one does.
//! - **Widths are measured in one pass.** A text's width is the sum of its glyph advances
//!   plus kerning, exactly as plotters' `ab_glyph` engine lays it out, so the widths of
//!   every prefix come out of one walk over the characters. Shortening keeps the longest
//!   prefix that fits with its ellipsis; wrapping adds word after word to a line while the
//!   running width allows. Both are O(n) in the characters looked at, where cutting and
//!   re-measuring each candidate would be O(n²).
//! - **Characters XML cannot carry are replaced** ([`printable`]): control characters
//!   become U+FFFD (tab, line feed and carriage return a space), so an SVG stays
//!   well-formed whatever a name holds. plotters' SVG backend escapes `<`, `>`, `&` and
//!   quotes itself.

use std::sync::OnceLock;

use ab_glyph::{Font as _, FontRef, GlyphId, PxScaleFont, ScaleFont};

use super::canvas::Font;
use super::font::{BOLD, REGULAR};

/// Most characters of one line of chart text that are measured or drawn.
pub(crate) const MAX_CHARS: usize = 512;

/// The ellipsis that marks shortened text.
const ELLIPSIS: char = '…';

/// The embedded faces, parsed once.
fn faces() -> Option<&'static (FontRef<'static>, FontRef<'static>)> {
    static FACES: OnceLock<Option<(FontRef<'static>, FontRef<'static>)>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            let regular = FontRef::try_from_slice(REGULAR).ok()?;
            let bold = FontRef::try_from_slice(BOLD).ok()?;
            Some((regular, bold))
        })
        .as_ref()
}

/// A pen that walks along a line of text and tracks how far it has come, glyph advance
/// by glyph advance with kerning, summed in `f32` in the order plotters' `ab_glyph`
/// engine sums them, so widths agree with plotters' to the pixel.
#[derive(Clone)]
struct Pen {
    face: Option<PxScaleFont<&'static FontRef<'static>>>,
    /// Advance per character when the font is missing: a generous estimate.
    fallback: f32,
    previous: Option<GlyphId>,
    x: f32,
}

impl Pen {
    fn new(font: &Font) -> Self {
        let face = faces().map(|(regular, bold)| {
            let face = if font.bold { bold } else { regular };
            face.as_scaled(font.size as f32)
        });
        Pen {
            face,
            fallback: 0.62 * font.size as f32,
            previous: None,
            x: 0.0,
        }
    }

    /// The width so far, truncated to whole pixels as plotters reports it.
    fn width(&self) -> f64 {
        f64::from(self.x.trunc())
    }

    /// Add `c`; returns the width so far.
    fn push(&mut self, c: char) -> f64 {
        match &self.face {
            Some(face) => {
                let id = face.glyph_id(c);
                self.x += face.h_advance(id);
                if let Some(previous) = self.previous {
                    self.x += face.kern(previous, id);
                }
                self.previous = Some(id);
            }
            None => self.x += self.fallback,
        }
        self.width()
    }

    /// The width if `c` were added, leaving the pen where it is.
    fn width_with(&self, c: char) -> f64 {
        self.clone().push(c)
    }
}

/// `c` as it may appear in chart text: XML 1.0 cannot carry most control characters
/// (not even as references), so tab, line feed and carriage return become a space and
/// every other control character or non-character U+FFFD.
fn printable_char(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => ' ',
        c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
        c => c,
    }
}

/// `text` with every character XML cannot carry replaced (see [`printable_char`]).
pub(crate) fn printable(text: &str) -> String {
    text.chars().map(printable_char).collect()
}

/// The characters of `text` that chart text ever uses: the first [`MAX_CHARS`], made
/// printable; and whether any were left off.
fn capped(text: &str) -> (Vec<char>, bool) {
    let mut chars: Vec<char> = Vec::with_capacity(text.len().min(MAX_CHARS));
    let mut rest = text.chars();
    for c in rest.by_ref().take(MAX_CHARS) {
        chars.push(printable_char(c));
    }
    (chars, rest.next().is_some())
}

/// Width of `text` set in `font`, in logical pixels, as plotters lays it out (only the
/// first [`MAX_CHARS`] characters count: no more are ever drawn). O(n) in those.
pub(crate) fn text_width(text: &str, font: &Font) -> f64 {
    let mut pen = Pen::new(font);
    for c in text.chars().take(MAX_CHARS) {
        pen.push(printable_char(c));
    }
    pen.width()
}

/// `text` shortened with an ellipsis until it fits `max_width`, and made printable.
///
/// The result is the longest prefix (not ending in white space) whose width with the
/// ellipsis fits, or the ellipsis alone; text over [`MAX_CHARS`] characters is always
/// shortened. One pass over at most [`MAX_CHARS`] characters.
pub(crate) fn fit(text: &str, font: &Font, max_width: f64) -> String {
    let (chars, cut) = capped(text);
    fit_chars(&chars, cut, font, max_width)
}

/// [`fit`] for characters already capped and printable; `cut` if some were left off.
fn fit_chars(chars: &[char], cut: bool, font: &Font, max_width: f64) -> String {
    let mut pen = Pen::new(font);
    // The longest prefix that fits with an ellipsis after it: `best` characters.
    let mut best = 0;
    let mut seen = 0;
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && !chars[i - 1].is_whitespace() && pen.width_with(ELLIPSIS) <= max_width {
            best = i;
        }
        seen = i + 1;
        // Far past the width no longer prefix can fit: kerning is a pixel or two.
        if pen.push(c) > max_width + 2.0 * font.size {
            break;
        }
    }
    let all = seen == chars.len();
    if all && !cut && pen.width() <= max_width {
        return chars.iter().collect();
    }
    if all
        && chars.last().is_some_and(|c| !c.is_whitespace())
        && pen.width_with(ELLIPSIS) <= max_width
    {
        best = chars.len();
    }
    let mut out: String = chars[..best].iter().collect();
    out.push(ELLIPSIS);
    out
}

/// `text` broken at white space into at most `max_lines` lines of at most `max_width`,
/// made printable; the last line is shortened with an ellipsis if the text does not fit,
/// and so is a single word wider than a line.
///
/// O(n) in the characters of the lines shown (at most `max_lines` x [`MAX_CHARS`]):
/// each word is measured once, or twice if it moves to the next line.
pub(crate) fn wrap(text: &str, font: &Font, max_width: f64, max_lines: usize) -> Vec<String> {
    let max_lines = max_lines.clamp(1, 64);
    let mut lines: Vec<String> = Vec::new();
    let mut current: Vec<char> = Vec::new();
    // Whether the line's last word was cut at MAX_CHARS: nothing may follow it.
    let mut current_cut = false;
    let mut pen = Pen::new(font);
    let mut words = text.split_whitespace();
    // Every line but the last holds whole words.
    while lines.len() + 1 < max_lines {
        let Some(word) = words.next() else { break };
        let (chars, cut) = capped(word);
        if !current.is_empty() {
            let mut trial = pen.clone();
            let mut width = trial.push(' ');
            for &c in &chars {
                width = trial.push(c);
            }
            if !current_cut && width <= max_width {
                current.push(' ');
                current.extend(chars);
                pen = trial;
                current_cut = cut;
                continue;
            }
            lines.push(fit_chars(&current, current_cut, font, max_width));
            current.clear();
            pen = Pen::new(font);
        }
        for &c in &chars {
            pen.push(c);
        }
        current.extend(chars);
        current_cut = cut;
    }
    // The last line takes what is left, as far as it can ever be shown.
    let mut cut = current_cut;
    if !cut {
        for word in words {
            if current.len() >= MAX_CHARS {
                cut = true;
                break;
            }
            if !current.is_empty() {
                current.push(' ');
            }
            let (chars, word_cut) = capped(word);
            current.extend(chars);
            if word_cut {
                cut = true;
                break;
            }
        }
    }
    if current.len() > MAX_CHARS {
        current.truncate(MAX_CHARS);
        cut = true;
    }
    if !current.is_empty() {
        lines.push(fit_chars(&current, cut, font, max_width));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font() -> Font {
        super::super::font::ensure_registered().expect("font");
        Font::new(20.0)
    }

    #[test]
    fn widths_match_plotters_layout() {
        let font = font();
        for text in ["Nearshore + in-house", "AV Wa To", "ρ −0.25", ""] {
            let desc = plotters::style::FontDesc::new(
                plotters::style::FontFamily::Name(super::super::font::FAMILY),
                20.0,
                plotters::style::FontStyle::Normal,
            );
            let ((x0, _), (x1, _)) = desc.layout_box(text).expect("layout");
            assert_eq!(text_width(text, &font), f64::from(x1 - x0), "{text:?}");
        }
    }

    #[test]
    fn fitting_keeps_the_longest_prefix_that_fits() {
        let font = font();
        let text = "a very long strategy name indeed";
        let max = 150.0;
        let fitted = fit(text, &font, max);
        assert!(fitted.ends_with('…'));
        assert!(text_width(&fitted, &font) <= max);
        // One more character would not fit.
        let kept = fitted.trim_end_matches('…').chars().count();
        let longer: String = text.chars().take(kept + 1).collect::<String>() + "…";
        assert!(text_width(longer.trim_end(), &font) > max || longer.contains(" …"));
        assert_eq!(fit("short", &font, 500.0), "short");
        assert_eq!(fit("wide", &font, 1.0), "…");
    }

    #[test]
    fn wrapping_respects_width_and_lines() {
        let font = font();
        let lines = wrap("one two three four five six seven", &font, 120.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| text_width(l, &font) <= 120.0));
        assert!(lines[1].ends_with('…'));
        assert_eq!(
            wrap("one two", &font, 1000.0, 3),
            vec!["one two".to_string()]
        );
        assert!(wrap("", &font, 100.0, 2).is_empty());
    }

    #[test]
    fn huge_text_is_cut_before_it_is_measured() {
        let font = font();
        let name = "x".repeat(1 << 20);
        let fitted = fit(&name, &font, 1e9);
        assert_eq!(fitted.chars().count(), MAX_CHARS + 1);
        assert!(fitted.ends_with('…'));
        let words = "word ".repeat(200_000);
        let lines = wrap(&words, &font, 300.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| text_width(l, &font) <= 300.0));
    }

    #[test]
    fn control_characters_become_printable() {
        assert_eq!(
            printable("a\tb\u{0}c\u{1b}\u{FFFF}"),
            "a b\u{FFFD}c\u{FFFD}\u{FFFD}"
        );
        let font = font();
        assert_eq!(fit("a\u{7}b", &font, 500.0), "a\u{FFFD}b");
    }
}
