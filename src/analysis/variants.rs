//! Variants of a scenario for stress tests: `--vary KEY=SPEC` parsed, and applied to the
//! scenario's TOML text.
//!
//! A KEY is a path into the file: `demand.growth_annual`, `vendors.Budget.max_fte`,
//! `strategies."Dual source".capacity_buffer`, `demand.events[0].multiplier`. Vendors and
//! strategies are addressed by name (quoted when the name has dots or spaces) or by
//! index, events by index. A SPEC is a list (`60,80,100`, or multiples `1x,1.5x`) or a
//! range with a number of evenly spaced steps: `20..120:6` (absolute) or `0.5x..2x:7`
//! (multiples of the value in the file).
//!
//! A variant is made by editing the parsed TOML tree and writing it back as text, which
//! the caller then validates with the same rules as any scenario file; so no variant can
//! hold a value a file could not. A multiple of an uncertain (D) value scales its
//! location (`min`, `mode`, `max`, `mean`, `median`) and keeps its spread (`sd`,
//! `sigma`); an absolute value replaces it with that fixed number.

use std::fmt;

use toml::{Table, Value};

/// Most levels one `--vary` may ask for.
pub const MAX_LEVELS: usize = 50;

/// Fields read as whole numbers: a multiple of one is rounded to the nearest integer.
const INTEGER_FIELDS: [&str; 15] = [
    "horizon_months",
    "trials",
    "seed",
    "start_month",
    "month",
    "duration_months",
    "initial_fte",
    "min_fte",
    "max_fte",
    "max_hires_per_month",
    "max_release_per_month",
    "hiring_lead_months",
    "ramp_months",
    "disruption_months",
    "due_diligence_candidates",
];

/// Location parameters of a (D) table, scaled by a multiple.
const LOCATION_FIELDS: [&str; 5] = ["min", "mode", "max", "mean", "median"];

/// A refused `--vary`: the message names the KEY, SPEC or value at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaryError(pub String);

impl fmt::Display for VaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VaryError {}

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

/// One value a KEY takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Level {
    /// This number.
    Absolute(f64),
    /// This multiple of the value in the file.
    Multiple(f64),
}

impl Level {
    /// The number as given: the value, or the multiple.
    pub fn number(self) -> f64 {
        match self {
            Level::Absolute(x) | Level::Multiple(x) => x,
        }
    }

    /// Short label: `80`, `1.5x`.
    pub fn label(self) -> String {
        match self {
            Level::Absolute(x) => plain(x),
            Level::Multiple(m) => format!("{}x", plain(m)),
        }
    }
}

/// A number without noise digits: `0.75`, not `0.7500000000000001`.
fn plain(x: f64) -> String {
    let rounded = tidy(x);
    format!("{rounded}")
}

/// `x` rounded to 12 significant digits, so evenly spaced steps print cleanly.
fn tidy(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 11 - x.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits.clamp(-300, 300));
    (x * scale).round() / scale
}

/// A parsed `--vary KEY=SPEC`.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    /// The KEY.
    pub key: KeyPath,
    /// The SPEC as written.
    pub spec: String,
    /// The values it takes, in order.
    pub levels: Vec<Level>,
}

/// Parse `KEY=SPEC`.
pub fn parse_vary(text: &str) -> Result<Vary, VaryError> {
    let Some((key, spec)) = text.split_once('=') else {
        return Err(VaryError(format!(
            "--vary {text}: expected KEY=SPEC, e.g. vendors.Budget.max_fte=60,80,100"
        )));
    };
    let key = parse_key(key.trim())?;
    let levels = parse_spec(spec.trim()).map_err(|why| {
        VaryError(format!(
            "--vary {text}: bad SPEC \"{}\" for {}: {why}",
            spec.trim(),
            key.text
        ))
    })?;
    Ok(Vary {
        key,
        spec: spec.trim().to_string(),
        levels,
    })
}

/// Parse a KEY such as `strategies."Dual source".capacity_buffer` or `demand.events[0].month`.
pub fn parse_key(text: &str) -> Result<KeyPath, VaryError> {
    let bad = |why: &str| VaryError(format!("bad KEY \"{text}\": {why}"));
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

/// Parse one number of a SPEC, with an optional `x` marking a multiple.
fn parse_level(text: &str) -> Result<Level, String> {
    let t = text.trim();
    let (body, multiple) = match t.strip_suffix(['x', 'X', '×']) {
        Some(b) => (b.trim(), true),
        None => (t, false),
    };
    let x: f64 = body
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite())
        .ok_or_else(|| format!("\"{t}\" is not a number"))?;
    Ok(if multiple {
        Level::Multiple(x)
    } else {
        Level::Absolute(x)
    })
}

/// Parse a SPEC: `60,80,100`, `1x,1.5x`, `20..120:6` or `0.5x..2x:7`.
pub fn parse_spec(text: &str) -> Result<Vec<Level>, String> {
    const FORMS: &str =
        "expected a list (60,80,100) or a range with steps (0.5x..2x:7 or 20..120:6)";
    if text.is_empty() {
        return Err(format!("it is empty; {FORMS}"));
    }
    let levels = if let Some((range, steps)) = text.split_once("..").map(|(a, rest)| {
        let (b, n) = rest.rsplit_once(':').unwrap_or((rest, ""));
        ((a, b), n)
    }) {
        let (a, b) = range;
        if steps.trim().is_empty() {
            return Err(format!("the range has no number of steps; {FORMS}"));
        }
        let n: usize = steps
            .trim()
            .parse()
            .map_err(|_| format!("\"{steps}\" is not a whole number of steps"))?;
        if !(2..=MAX_LEVELS).contains(&n) {
            return Err(format!("{n} steps: a range needs 2 to {MAX_LEVELS} steps"));
        }
        let (lo, hi) = (parse_level(a)?, parse_level(b)?);
        let kind_matches = matches!(
            (lo, hi),
            (Level::Absolute(_), Level::Absolute(_)) | (Level::Multiple(_), Level::Multiple(_))
        );
        if !kind_matches {
            return Err("both ends of a range must be multiples (x) or both absolute".into());
        }
        let (x0, x1) = (lo.number(), hi.number());
        (0..n)
            .map(|k| {
                let x = tidy(x0 + (x1 - x0) * k as f64 / (n - 1) as f64);
                match lo {
                    Level::Absolute(_) => Level::Absolute(x),
                    Level::Multiple(_) => Level::Multiple(x),
                }
            })
            .collect::<Vec<_>>()
    } else {
        let items: Vec<&str> = text.split(',').collect();
        if items.iter().any(|i| i.trim().is_empty()) {
            return Err(format!("the list has an empty item; {FORMS}"));
        }
        items
            .into_iter()
            .map(parse_level)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{e}; {FORMS}"))?
    };
    if levels.len() > MAX_LEVELS {
        return Err(format!(
            "{} values: at most {MAX_LEVELS} are allowed",
            levels.len()
        ));
    }
    for (i, a) in levels.iter().enumerate() {
        if levels[..i].contains(a) {
            return Err(format!("the value {} is given twice", a.label()));
        }
    }
    Ok(levels)
}

/// A scenario file's TOML tree, to be edited into variants.
#[derive(Debug, Clone)]
pub struct Document {
    root: Value,
}

/// What kind of entry an array of tables holds, for messages.
fn entity(array_key: &str) -> &str {
    match array_key {
        "vendors" => "vendor",
        "strategies" => "strategy",
        "events" => "event",
        "allocation" => "allocation entry",
        other => other,
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "text",
        Value::Integer(_) | Value::Float(_) => "a number",
        Value::Boolean(_) => "true/false",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "a list",
        Value::Table(_) => "a table",
    }
}

/// A number as TOML: an integer when it is whole, so integer fields accept it.
fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::Integer(x as i64)
    } else {
        Value::Float(x)
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

impl Document {
    /// Parse scenario text; syntax errors are reported by the caller's validation.
    pub fn parse(text: &str) -> Result<Document, VaryError> {
        let table: Table = toml::from_str(text)
            .map_err(|e| VaryError(format!("the scenario is not valid TOML: {e}")))?;
        Ok(Document {
            root: Value::Table(table),
        })
    }

    /// The document as TOML text.
    pub fn to_text(&self) -> Result<String, VaryError> {
        toml::to_string(&self.root)
            .map_err(|e| VaryError(format!("cannot write the edited scenario: {e}")))
    }

    /// Set `key` to `level`, naming the KEY and the value in any error.
    pub fn apply(&mut self, key: &KeyPath, level: Level) -> Result<(), VaryError> {
        let at = |why: String| VaryError(format!("{}={}: {why}", key.text, level.label()));
        let Some((last, parents)) = key.segments.split_last() else {
            return Err(at("the KEY is empty".into()));
        };
        let mut cur = &mut self.root;
        let mut walked = String::new();
        let mut last_key = String::new();
        for seg in parents {
            cur = step(cur, seg, &walked, &last_key).map_err(at)?;
            match seg {
                Segment::Key(k) => {
                    walked = if walked.is_empty() {
                        k.clone()
                    } else {
                        format!("{walked}.{k}")
                    };
                    last_key = k.clone();
                }
                Segment::Index(i) => walked.push_str(&format!("[{i}]")),
            }
        }
        let field = match last {
            Segment::Key(k) => k.clone(),
            Segment::Index(_) => last_key.clone(),
        };
        let slot: Option<&mut Value> = match (cur, last) {
            (Value::Table(t), Segment::Key(k)) => {
                if !t.contains_key(k) {
                    if let Level::Multiple(_) = level {
                        return Err(at(format!(
                            "{} is not set in the file, so there is no value to multiply; give absolute values",
                            key.text
                        )));
                    }
                    t.insert(k.clone(), Value::Integer(0));
                }
                t.get_mut(k)
            }
            (Value::Array(a), Segment::Index(i)) => {
                let n = a.len();
                let slot = a.get_mut(*i);
                if slot.is_none() {
                    return Err(at(format!(
                        "{walked} has {n} entries, so [{i}] does not exist"
                    )));
                }
                slot
            }
            (other, Segment::Key(k)) => {
                return Err(at(format!(
                    "{} is {}, so it has no key \"{k}\"",
                    if walked.is_empty() {
                        "the file"
                    } else {
                        &walked
                    },
                    kind_of(other)
                )));
            }
            (other, Segment::Index(i)) => {
                return Err(at(format!(
                    "{walked} is {}, so [{i}] does not exist",
                    kind_of(other)
                )));
            }
        };
        let Some(slot) = slot else {
            return Err(at("the KEY does not exist".into()));
        };
        let new = match level {
            Level::Absolute(x) => number(x),
            Level::Multiple(m) => scaled(slot, m, &field).map_err(at)?,
        };
        *slot = new;
        Ok(())
    }
}

/// One step down the tree.
fn step<'v>(
    cur: &'v mut Value,
    seg: &Segment,
    walked: &str,
    array_key: &str,
) -> Result<&'v mut Value, String> {
    let here = if walked.is_empty() {
        "the file"
    } else {
        walked
    };
    match (cur, seg) {
        (Value::Table(t), Segment::Key(k)) => {
            if !t.contains_key(k) {
                let known: Vec<&str> = t.keys().map(String::as_str).collect();
                return Err(format!(
                    "{here} has no \"{k}\" (it has: {})",
                    known.join(", ")
                ));
            }
            t.get_mut(k).ok_or_else(|| format!("{here} has no \"{k}\""))
        }
        (Value::Array(a), Segment::Index(i)) => {
            let n = a.len();
            a.get_mut(*i).ok_or_else(|| {
                format!("{here} has {n} entries, so [{i}] does not exist (indices start at 0)")
            })
        }
        (Value::Array(a), Segment::Key(name)) => {
            let names: Vec<String> = a
                .iter()
                .filter_map(|v| v.get("name").and_then(Value::as_str).map(str::to_string))
                .collect();
            let what = entity(array_key);
            if names.is_empty() {
                return Err(format!(
                    "{here} entries have no names; address them by index, e.g. {here}[0]"
                ));
            }
            let found = a
                .iter()
                .position(|v| v.get("name").and_then(Value::as_str) == Some(name.as_str()));
            match found {
                Some(i) => Ok(&mut a[i]),
                None => Err(format!(
                    "no {what} named \"{name}\" ({what} names: {})",
                    names
                        .iter()
                        .map(|n| format!("\"{n}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        (other, Segment::Key(k)) => Err(format!(
            "{here} is {}, so it has no key \"{k}\"",
            kind_of(other)
        )),
        (other, Segment::Index(i)) => Err(format!(
            "{here} is {}, so [{i}] does not exist",
            kind_of(other)
        )),
    }
}

/// `value` times `m`: a number, or the location of a (D) table.
fn scaled(value: &Value, m: f64, field: &str) -> Result<Value, String> {
    match value {
        Value::Integer(_) | Value::Float(_) => {
            let x = as_f64(value).unwrap_or(0.0) * m;
            let x = if matches!(value, Value::Integer(_)) && INTEGER_FIELDS.contains(&field) {
                x.round()
            } else {
                tidy(x)
            };
            Ok(number(x))
        }
        Value::Table(t) if t.contains_key("dist") => {
            let mut t = t.clone();
            let mut any = false;
            for k in LOCATION_FIELDS {
                if let Some(v) = t.get(k).and_then(as_f64) {
                    t.insert(k.to_string(), number(tidy(v * m)));
                    any = true;
                }
            }
            if !any {
                return Err(
                    "the distribution has no location (min, mode, max, mean or median) to scale"
                        .into(),
                );
            }
            Ok(Value::Table(t))
        }
        other => Err(format!(
            "the value in the file is {}, not a number to multiply",
            kind_of(other)
        )),
    }
}

/// Every combination of the levels of `varies`, first KEY slowest: the level indices of
/// each cell and its scenario text. Errors name the KEY and value; the texts still need
/// validating.
pub fn grid_texts(text: &str, varies: &[Vary]) -> Result<Vec<(Vec<usize>, String)>, VaryError> {
    let base = Document::parse(text)?;
    let mut cells: Vec<Vec<usize>> = vec![Vec::new()];
    for v in varies {
        cells = cells
            .into_iter()
            .flat_map(|c| {
                (0..v.levels.len()).map(move |i| {
                    let mut c = c.clone();
                    c.push(i);
                    c
                })
            })
            .collect();
    }
    cells
        .into_iter()
        .map(|cell| {
            let mut doc = base.clone();
            for (v, &i) in varies.iter().zip(&cell) {
                doc.apply(&v.key, v.levels[i])?;
            }
            Ok((cell, doc.to_text()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
[demand]
base_per_month = 1000
growth_annual = { dist = "normal", mean = 0.2, sd = 0.1 }

[[demand.events]]
month = 6
multiplier = 1.5

[[vendors]]
name = "Budget Co"
max_fte = 90
defect_rate = { dist = "beta", mean = 0.05, sd = 0.02 }

[[strategies]]
name = "Dual source"
capacity_buffer = 0.1
"#;

    fn get(doc: &Document, path: &[&str]) -> Value {
        let mut v = &doc.root;
        for p in path {
            v = match p.parse::<usize>() {
                Ok(i) => &v[i],
                Err(_) => &v[*p],
            };
        }
        v.clone()
    }

    #[test]
    fn keys_parse_names_quotes_and_indices() {
        let k = parse_key("strategies.\"Dual source\".capacity_buffer").unwrap();
        assert_eq!(
            k.segments,
            vec![
                Segment::Key("strategies".into()),
                Segment::Key("Dual source".into()),
                Segment::Key("capacity_buffer".into())
            ]
        );
        let k = parse_key("demand.events[0].multiplier").unwrap();
        assert_eq!(k.segments[2], Segment::Index(0));
        assert!(parse_key("demand..x").is_err());
        assert!(parse_key("demand.").is_err());
        assert!(parse_key("vendors[a]").is_err());
        assert!(parse_key("").is_err());
    }

    #[test]
    fn specs_parse_lists_and_ranges() {
        assert_eq!(
            parse_spec("60,80,100").unwrap(),
            vec![
                Level::Absolute(60.0),
                Level::Absolute(80.0),
                Level::Absolute(100.0)
            ]
        );
        let r = parse_spec("0.5x..2x:7").unwrap();
        assert_eq!(r.len(), 7);
        assert_eq!(r[0], Level::Multiple(0.5));
        assert_eq!(r[1], Level::Multiple(0.75));
        assert_eq!(r[6], Level::Multiple(2.0));
        assert_eq!(parse_spec("20..120:6").unwrap()[1], Level::Absolute(40.0));
        for bad in [
            "", "abc", "1,,2", "1..2", "1..2:1", "1..2:x", "1x..2:3", "1,1", "1..2:500",
        ] {
            assert!(parse_spec(bad).is_err(), "{bad} was accepted");
        }
        assert!(parse_vary("no-equals").is_err());
        let e = parse_vary("demand.growth_annual=zz").unwrap_err();
        assert!(
            e.0.contains("demand.growth_annual") && e.0.contains("zz"),
            "{e}"
        );
    }

    #[test]
    fn multiples_scale_numbers_and_locations() {
        let mut doc = Document::parse(TEXT).unwrap();
        doc.apply(
            &parse_key("vendors.\"Budget Co\".max_fte").unwrap(),
            Level::Multiple(0.75),
        )
        .unwrap();
        assert_eq!(get(&doc, &["vendors", "0", "max_fte"]), Value::Integer(68));
        doc.apply(
            &parse_key("demand.growth_annual").unwrap(),
            Level::Multiple(2.0),
        )
        .unwrap();
        assert_eq!(
            get(&doc, &["demand", "growth_annual", "mean"]),
            Value::Float(0.4)
        );
        assert_eq!(
            get(&doc, &["demand", "growth_annual", "sd"]),
            Value::Float(0.1)
        );
        doc.apply(
            &parse_key("vendors[0].defect_rate").unwrap(),
            Level::Multiple(2.0),
        )
        .unwrap();
        assert_eq!(
            get(&doc, &["vendors", "0", "defect_rate", "mean"]),
            Value::Float(0.1)
        );
        doc.apply(
            &parse_key("demand.events[0].multiplier").unwrap(),
            Level::Absolute(2.0),
        )
        .unwrap();
        assert_eq!(
            get(&doc, &["demand", "events", "0", "multiplier"]),
            Value::Integer(2)
        );
        assert!(doc.to_text().unwrap().contains("Budget Co"));
    }

    #[test]
    fn bad_keys_name_what_is_missing() {
        let mut doc = Document::parse(TEXT).unwrap();
        let e = doc
            .apply(
                &parse_key("vendors.Nope.max_fte").unwrap(),
                Level::Absolute(1.0),
            )
            .unwrap_err();
        assert!(
            e.0.contains("no vendor named \"Nope\"") && e.0.contains("Budget Co"),
            "{e}"
        );
        let e = doc
            .apply(
                &parse_key("demand.events[3].month").unwrap(),
                Level::Absolute(1.0),
            )
            .unwrap_err();
        assert!(e.0.contains("[3]"), "{e}");
        let e = doc
            .apply(&parse_key("nosuch.key").unwrap(), Level::Absolute(1.0))
            .unwrap_err();
        assert!(e.0.contains("nosuch"), "{e}");
        let e = doc
            .apply(
                &parse_key("vendors[0].min_fte").unwrap(),
                Level::Multiple(2.0),
            )
            .unwrap_err();
        assert!(e.0.contains("not set in the file"), "{e}");
        let e = doc
            .apply(&parse_key("vendors[0].name").unwrap(), Level::Multiple(2.0))
            .unwrap_err();
        assert!(e.0.contains("text"), "{e}");
    }

    #[test]
    fn grids_are_first_key_slowest() {
        let varies = [
            parse_vary("vendors[0].max_fte=10,20").unwrap(),
            parse_vary("demand.base_per_month=1x,2x,3x").unwrap(),
        ];
        let cells = grid_texts(TEXT, &varies).unwrap();
        let idx: Vec<Vec<usize>> = cells.iter().map(|c| c.0.clone()).collect();
        assert_eq!(
            idx,
            vec![
                vec![0, 0],
                vec![0, 1],
                vec![0, 2],
                vec![1, 0],
                vec![1, 1],
                vec![1, 2]
            ]
        );
        assert!(cells[5].1.contains("base_per_month = 3000"));
    }
}
