//! Key paths such as `vendors."Low Cost.Co".defect_rate`: how a `--vary` KEY of `stress`
//! and a `[[correlations]]` entry name a field of a scenario file. Dotted parts, a name
//! with a dot or a space in double quotes, and `[n]` indices.

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A table key, or the name of an entry of an array of tables.
    Key(String),
    /// A position in an array, 0-based.
    Index(usize),
}

/// A parsed KEY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPath {
    /// The KEY as written.
    pub text: String,
    /// Its steps.
    pub segments: Vec<Segment>,
}

/// Parse a KEY such as `strategies."Dual source".capacity_buffer` or `demand.events[0].month`.
pub fn parse_key(text: &str) -> Result<KeyPath, String> {
    let bad = |why: &str| format!("bad KEY \"{text}\": {why}");
    if text.is_empty() {
        return Err(bad("it is empty; give a path such as demand.growth_annual"));
    }
    let mut segments = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    loop {
        // One dotted part: a quoted or bare name, then any [n] indices.
        if i < chars.len() && chars[i] == '"' {
            let close = chars[i + 1..]
                .iter()
                .position(|&c| c == '"')
                .ok_or_else(|| bad("a quoted name is not closed"))?;
            let name: String = chars[i + 1..i + 1 + close].iter().collect();
            segments.push(Segment::Key(name));
            i += close + 2;
        } else {
            let start = i;
            while i < chars.len() && !matches!(chars[i], '.' | '[' | '"') {
                i += 1;
            }
            let name: String = chars[start..i].iter().collect();
            let name = name.trim();
            if !name.is_empty() {
                segments.push(Segment::Key(name.to_string()));
            } else if i >= chars.len() || chars[i] != '[' {
                return Err(bad("it has an empty part"));
            }
        }
        while i < chars.len() && chars[i] == '[' {
            let close = chars[i..]
                .iter()
                .position(|&c| c == ']')
                .ok_or_else(|| bad("a [ is not closed"))?;
            let inner: String = chars[i + 1..i + close].iter().collect();
            let index = inner
                .trim()
                .parse::<usize>()
                .map_err(|_| bad(&format!("[{inner}] is not an index such as [0]")))?;
            segments.push(Segment::Index(index));
            i += close + 1;
        }
        if i >= chars.len() {
            break;
        }
        if chars[i] != '.' {
            return Err(bad(&format!("unexpected '{}'", chars[i])));
        }
        i += 1;
        if i >= chars.len() {
            return Err(bad("it ends with a dot"));
        }
    }
    Ok(KeyPath {
        text: text.to_string(),
        segments,
    })
}
