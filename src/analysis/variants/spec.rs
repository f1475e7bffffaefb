//! `--vary KEY=SPEC` read: the KEY's path and the levels of its SPEC.

use super::{KeyPath, VaryError};

/// Most levels one `--vary` may ask for.
pub const MAX_LEVELS: usize = 50;

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
pub(super) fn tidy(x: f64) -> f64 {
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
    crate::scenario::key::parse_key(text).map_err(VaryError)
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
