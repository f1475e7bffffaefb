//! A scenario file's TOML tree, edited into variants: a KEY resolved to its [`Field`],
//! a level set on it, and the tree written back as text.

use toml::{Table, Value};

use super::fields::{Field, is_variable, variable_fields};
use super::spec::tidy;
use super::{KeyPath, Level, Segment, VaryError};
use crate::scenario::text::quoted;

/// Fields read as whole numbers: a multiple of one is rounded to the nearest integer.
const INTEGER_FIELDS: [&str; 16] = [
    "horizon_months",
    "start_month",
    "month",
    "duration_months",
    "transition_months",
    "for_months",
    "notice_months",
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

/// A scenario file's TOML tree, to be edited into variants.
#[derive(Debug, Clone)]
pub struct Document {
    pub(super) root: Value,
}

/// What kind of entry an array of tables holds, for messages.
fn entity(array_key: &str) -> &str {
    match array_key {
        "vendors" => "vendor",
        "strategies" => "strategy",
        "events" => "event",
        "allocation" => "allocation entry",
        "currencies" => "currency",
        "phases" => "phase",
        "exits" => "exit rule",
        "volume_tiers" => "volume tier",
        other => other,
    }
}

/// The key that names an entry of an array of tables: a currency by its `code`, an
/// exit rule by the `vendor` it leaves (one rule per vendor), anything else by `name`.
fn naming_key(array_key: &str) -> &'static str {
    match array_key {
        "currencies" => "code",
        "exits" => "vendor",
        _ => "name",
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

    /// The field `key` reaches, vendors and strategies by index; refused, naming the
    /// KEY, when the path does not exist or the field is not a numeric model input. The
    /// last key may be absent from the file (a default the variant then sets).
    pub fn resolve(&self, key: &KeyPath) -> Result<Field, VaryError> {
        let at = |why: String| VaryError(format!("--vary {}: {why}", key.text));
        let mut cur = &self.root;
        let mut segments = Vec::with_capacity(key.segments.len());
        let mut walked = String::new();
        let mut last_key = String::new();
        for (i, seg) in key.segments.iter().enumerate() {
            let last = i + 1 == key.segments.len();
            if let (true, Value::Table(t), Segment::Key(k)) = (last, cur, seg) {
                if !t.contains_key(k) {
                    segments.push(seg.clone());
                    break;
                }
            }
            let (next, resolved) = step(cur, seg, &walked, &last_key).map_err(at)?;
            cur = next;
            match &resolved {
                Segment::Key(k) => {
                    walked = if walked.is_empty() {
                        k.clone()
                    } else {
                        format!("{walked}.{k}")
                    };
                    last_key = k.clone();
                }
                Segment::Index(n) => walked.push_str(&format!("[{n}]")),
            }
            segments.push(resolved);
        }
        let field = Field { segments };
        if field.segments.is_empty() {
            return Err(at("the KEY is empty".into()));
        }
        if !is_variable(&field.shape()) {
            return Err(at(format!(
                "{field} is not a numeric model input; what can be varied: {}",
                variable_fields()
            )));
        }
        Ok(field)
    }

    /// Set `field` (from [`Document::resolve`]) to `level`, naming the field and the
    /// value in any error.
    pub fn apply(&mut self, field: &Field, level: Level) -> Result<(), VaryError> {
        self.set(field, level)
            .map_err(|why| VaryError(format!("{field}={}: {why}", level.label())))
    }

    /// [`Document::apply`], with the error saying only what is wrong.
    pub(super) fn set(&mut self, field: &Field, level: Level) -> Result<(), String> {
        let Some((last, parents)) = field.segments.split_last() else {
            return Err("the KEY is empty".into());
        };
        let mut cur = &mut self.root;
        for seg in parents {
            cur = match (cur, seg) {
                (Value::Table(t), Segment::Key(k)) => t.get_mut(k),
                (Value::Array(a), Segment::Index(i)) => a.get_mut(*i),
                _ => None,
            }
            .ok_or_else(|| "the field does not exist".to_string())?;
        }
        let slot = match (cur, last) {
            (Value::Table(t), Segment::Key(k)) => {
                if !t.contains_key(k) {
                    if let Level::Multiple(_) = level {
                        return Err(
                            "it is not set in the file, so there is no value to multiply; give absolute values"
                                .to_string(),
                        );
                    }
                    t.insert(k.clone(), Value::Integer(0));
                }
                t.get_mut(k)
            }
            (Value::Array(a), Segment::Index(i)) => a.get_mut(*i),
            _ => None,
        }
        .ok_or_else(|| "the field does not exist".to_string())?;
        let was_uncertain = matches!(slot, Value::Table(t) if t.contains_key("dist"));
        let new = match level {
            Level::Absolute(x) => number(x),
            Level::Multiple(m) => scaled(slot, m, field.name())?,
        };
        *slot = new;
        if was_uncertain && matches!(level, Level::Absolute(_)) {
            self.drop_correlations(field);
        }
        Ok(())
    }

    /// Remove every `[[correlations]]` entry that names `field`, now a fixed number: a
    /// fixed value has no ranks to correlate, so in this variant its correlations no
    /// longer apply. Removing all of one input's entries leaves a principal submatrix
    /// of the file's correlation matrix, which stays a valid one.
    fn drop_correlations(&mut self, field: &Field) {
        let names_field = |entry: &Value| {
            let Some(Value::Array(between)) = entry.get("between") else {
                return false;
            };
            between.iter().any(|key| {
                key.as_str()
                    .and_then(|text| super::parse_key(text).ok())
                    .and_then(|path| self.resolve(&path).ok())
                    .is_some_and(|f| f == *field)
            })
        };
        let Value::Table(root) = &self.root else {
            return;
        };
        let Some(Value::Array(entries)) = root.get("correlations") else {
            return;
        };
        let keep: Vec<Value> = entries
            .iter()
            .filter(|e| !names_field(e))
            .cloned()
            .collect();
        if let Value::Table(root) = &mut self.root {
            if keep.is_empty() {
                root.remove("correlations");
            } else {
                root.insert("correlations".to_string(), Value::Array(keep));
            }
        }
    }
}

/// One step down the tree, and the step with a named list entry replaced by its index.
fn step<'v>(
    cur: &'v Value,
    seg: &Segment,
    walked: &str,
    array_key: &str,
) -> Result<(&'v Value, Segment), String> {
    let here = if walked.is_empty() {
        "the file"
    } else {
        walked
    };
    match (cur, seg) {
        (Value::Table(t), Segment::Key(k)) => match t.get(k) {
            Some(v) => Ok((v, seg.clone())),
            None => {
                let known: Vec<&str> = t.keys().map(String::as_str).collect();
                Err(format!(
                    "{here} has no {} (it has: {})",
                    quoted(k),
                    known.join(", ")
                ))
            }
        },
        (Value::Array(a), Segment::Index(i)) => {
            let n = a.len();
            a.get(*i).map(|v| (v, seg.clone())).ok_or_else(|| {
                format!("{here} has {n} entries, so [{i}] does not exist (indices start at 0)")
            })
        }
        (Value::Array(a), Segment::Key(name)) => {
            let name_key = naming_key(array_key);
            let names: Vec<&str> = a
                .iter()
                .filter_map(|v| v.get(name_key).and_then(Value::as_str))
                .collect();
            let what = entity(array_key);
            if names.is_empty() {
                return Err(format!(
                    "{here} entries have no names; address them by index, e.g. {here}[0]"
                ));
            }
            let found = a
                .iter()
                .position(|v| v.get(name_key).and_then(Value::as_str) == Some(name.as_str()));
            match found {
                Some(i) => Ok((&a[i], Segment::Index(i))),
                None => Err(format!(
                    "no {what} named {} ({what} names: {})",
                    quoted(name),
                    names
                        .iter()
                        .map(|n| quoted(n))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
        (other, Segment::Key(k)) => Err(format!(
            "{here} is {}, so it has no key {}",
            kind_of(other),
            quoted(k)
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

impl Document {
    /// The `[[strategies]]` entries, for `outsim optimize` to copy a strategy and set its
    /// levers (switches and whole allocations, which a `--vary` cannot set).
    pub fn strategies_mut(&mut self) -> Option<&mut Vec<Value>> {
        match &mut self.root {
            Value::Table(t) => t.get_mut("strategies").and_then(Value::as_array_mut),
            _ => None,
        }
    }

    /// The top-level table `name` (e.g. `scenario`), for `outsim optimize` to set the
    /// run's own settings (`trials`, `seed`) of the file it writes.
    pub fn table_mut(&mut self, name: &str) -> Option<&mut Table> {
        match &mut self.root {
            Value::Table(t) => t.get_mut(name).and_then(Value::as_table_mut),
            _ => None,
        }
    }
}
