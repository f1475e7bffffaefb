//! Variants of a scenario for stress tests: `--vary KEY=SPEC` parsed, and applied to the
//! scenario's TOML text.
//!
//! A KEY is a path into the file: `demand.growth_annual`, `vendors.Budget.max_fte`,
//! `strategies."Dual source".capacity_buffer`, `demand.events[0].multiplier`. Vendors and
//! strategies are addressed by name (quoted when the name has dots or spaces) or by
//! index, currencies by code (`currencies.INR.volatility_annual`), a strategy's exit
//! rules by the vendor they leave (`strategies.Dual.exits.LowCostCo.for_months`) or by
//! index, events, phases and volume tiers by index. A SPEC is a list (`60,80,100`, or multiples `1x,1.5x`) or a
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

use crate::scenario::text::quoted;

/// Most levels one `--vary` may ask for.
pub const MAX_LEVELS: usize = 50;

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

/// A refused `--vary`: the message names the KEY, SPEC or value at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaryError(pub String);

impl fmt::Display for VaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VaryError {}

pub use crate::scenario::key::{KeyPath, Segment};

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

/// The field a KEY reaches, with every entry of a list addressed by its index:
/// `vendors."Budget Co".max_fte` and `vendors[0].max_fte` both resolve to
/// `vendors[0].max_fte` when Budget Co is the first vendor. Two KEYs reach the same
/// field exactly when their resolved fields are equal, or one holds the other (a whole
/// uncertain value and one of its parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    segments: Vec<Segment>,
}

impl Field {
    /// Whether setting `self` also sets `other`: the same field, or a table holding it.
    pub fn covers(&self, other: &Field) -> bool {
        other.segments.starts_with(&self.segments)
    }

    /// The field's shape: its path with every index written `[]`
    /// (`vendors[].max_fte`), as listed in what can be varied.
    fn shape(&self) -> String {
        let mut out = String::new();
        for seg in &self.segments {
            match seg {
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Segment::Index(_) => out.push_str("[]"),
            }
        }
        out
    }

    /// The last key on the path: the field's name in its table.
    fn name(&self) -> &str {
        self.segments
            .iter()
            .rev()
            .find_map(|s| match s {
                Segment::Key(k) => Some(k.as_str()),
                Segment::Index(_) => None,
            })
            .unwrap_or("")
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.segments.iter().enumerate() {
            match seg {
                Segment::Key(k) if i == 0 => f.write_str(k)?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Numeric model inputs a KEY may vary, by shape (`[]` stands for any index; vendors and
/// strategies may also be named). Text, switches (true/false), and the run's own
/// settings (`trials`, `seed`) are not model inputs a number can set.
const NUMBER_FIELDS: [&str; 73] = [
    "scenario.horizon_months",
    "scenario.discount_rate_annual",
    "demand.base_per_month",
    "demand.volatility_monthly",
    "demand.seasonality[]",
    "demand.start_month",
    "demand.events[].month",
    "demand.events[].multiplier",
    "demand.shocks.rate_per_year",
    "demand.shocks.duration_months",
    "costs.manager_hourly_cost",
    "costs.defect_cost_per_unit",
    "costs.delay_cost_per_unit_month",
    "vendors[].rate_per_fte_month",
    "vendors[].setup_cost",
    "vendors[].onboarding_cost_per_hire",
    "vendors[].units_per_fte_month",
    "vendors[].initial_fte",
    "vendors[].min_fte",
    "vendors[].max_fte",
    "vendors[].max_hires_per_month",
    "vendors[].max_release_per_month",
    "vendors[].hiring_lead_months",
    "vendors[].ramp_months",
    "vendors[].ramp_productivity",
    "vendors[].overlap_hours",
    "vendors[].disruption_rate_per_year",
    "vendors[].disruption_capacity_loss",
    "vendors[].disruption_months",
    "vendors[].incident_rate_per_year",
    "vendors[].sla_target",
    "vendors[].sla_credit_per_point",
    "vendors[].sla_credit_cap",
    "vendors[].release_cost_per_head",
    "vendors[].exit_fee",
    "vendors[].transition_months",
    "vendors[].transition_productivity",
    "vendors[].knowledge_transfer_cost",
    "vendors[].failure_rate_per_year",
    "vendors[].contract.price_per_unit",
    "vendors[].contract.min_monthly_fee",
    "vendors[].contract.escalation_cap",
    "vendors[].contract.volume_tiers[].from",
    "vendors[].contract.volume_tiers[].discount",
    "currencies[].drift_annual",
    "currencies[].volatility_annual",
    "strategies[].capacity_buffer",
    "strategies[].oversight_hours_per_fte",
    "strategies[].allocation[].share",
    "strategies[].phases[].month",
    "strategies[].phases[].allocation[].share",
    "strategies[].exits[].when_service_below",
    "strategies[].exits[].for_months",
    "strategies[].exits[].notice_months",
    "assumptions.timezone_defect_penalty",
    "assumptions.cultural_training_effect",
    "assumptions.cultural_training_cost_per_month",
    "assumptions.oversight_quality_max",
    "assumptions.oversight_scale_hours",
    "assumptions.micromanagement_threshold_hours",
    "assumptions.micromanagement_productivity_loss",
    "assumptions.micromanagement_attrition_increase",
    "assumptions.new_hire_defect_multiplier",
    "assumptions.ip_protection_effect",
    "assumptions.ip_protection_cost_per_month",
    "assumptions.due_diligence_candidates",
    "assumptions.due_diligence_cost",
    "assumptions.backlog_clear_months",
    "objectives.min_service_level",
    "objectives.max_cost_per_unit",
    "objectives.max_defect_rate",
    "objectives.max_backlog_months",
    "objectives.confidence",
];

/// Uncertain (D) model inputs: varied whole, or by one parameter of their distribution.
const UNCERTAIN_FIELDS: [&str; 6] = [
    "demand.growth_annual",
    "demand.shocks.size",
    "vendors[].price_escalation_annual",
    "vendors[].attrition_annual",
    "vendors[].defect_rate",
    "vendors[].incident_loss",
];

/// Parameters of a (D) table a KEY may vary.
const PARAMETERS: [&str; 7] = ["min", "mode", "max", "mean", "sd", "median", "sigma"];

/// Whether a field of this shape is a numeric model input.
fn is_variable(shape: &str) -> bool {
    NUMBER_FIELDS.contains(&shape)
        || UNCERTAIN_FIELDS.contains(&shape)
        || shape.rsplit_once('.').is_some_and(|(parent, param)| {
            UNCERTAIN_FIELDS.contains(&parent) && PARAMETERS.contains(&param)
        })
}

/// What can be varied, grouped by table, for the message refusing another KEY.
pub fn variable_fields() -> String {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let uncertain = UNCERTAIN_FIELDS.iter().map(|f| (f, "*"));
    let numbers = NUMBER_FIELDS.iter().map(|f| (f, ""));
    let mut all: Vec<(&&str, &str)> = numbers.chain(uncertain).collect();
    // Keep the file's table order, uncertain values among their table's numbers.
    let table_order = |f: &str| {
        NUMBER_FIELDS
            .iter()
            .position(|n| n.rsplit_once('.').map(|p| p.0) == f.rsplit_once('.').map(|p| p.0))
            .unwrap_or(usize::MAX)
    };
    all.sort_by_key(|(f, _)| table_order(f));
    for (field, mark) in all {
        let (parent, name) = field.rsplit_once('.').unwrap_or(("", field));
        let parent = parent.replace("[]", "[N]");
        let name = format!("{}{mark}", name.replace("[]", "[N]"));
        match groups.last_mut() {
            Some((p, names)) if *p == parent => names.push(name),
            _ => groups.push((parent, vec![name])),
        }
    }
    let mut out: Vec<String> = groups
        .into_iter()
        .map(|(parent, names)| format!("{parent}.{{{}}}", names.join(", ")))
        .collect();
    out.push(format!(
        "* uncertain values, whole or one parameter ({}), e.g. demand.growth_annual.mean",
        PARAMETERS.join(", ")
    ));
    out.push("vendors and strategies by name or index, e.g. vendors.Budget.max_fte or vendors[0].max_fte; currencies by code, e.g. currencies.INR.volatility_annual; exit rules by vendor or index".into());
    out.join("; ")
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
    fn set(&mut self, field: &Field, level: Level) -> Result<(), String> {
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
        let new = match level {
            Level::Absolute(x) => number(x),
            Level::Multiple(m) => scaled(slot, m, field.name())?,
        };
        *slot = new;
        Ok(())
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

/// The field each of `varies` reaches in `doc`; refused when one is not a model input
/// or two reach the same field (by name and by index, or a whole uncertain value and
/// one of its parameters), naming both KEYs.
pub fn resolve_all(doc: &Document, varies: &[Vary]) -> Result<Vec<Field>, VaryError> {
    let fields = varies
        .iter()
        .map(|v| doc.resolve(&v.key))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, a) in fields.iter().enumerate() {
        for (j, b) in fields.iter().enumerate().skip(i + 1) {
            if a.covers(b) || b.covers(a) {
                let (ka, kb) = (&varies[i].key.text, &varies[j].key.text);
                let why = if a == b {
                    format!("both reach {a}")
                } else {
                    let (whole, part) = if a.covers(b) { (a, b) } else { (b, a) };
                    format!("{whole} holds {part}")
                };
                return Err(VaryError(format!(
                    "--vary {ka} and --vary {kb} set the same field ({why}); vary each field once"
                )));
            }
        }
    }
    Ok(fields)
}

/// Every combination of the levels of `varies`, first KEY slowest: the level indices of
/// each cell and its scenario text. KEYs are resolved first ([`resolve_all`]); errors
/// name the KEY and value; the texts still need validating.
pub fn grid_texts(text: &str, varies: &[Vary]) -> Result<Vec<(Vec<usize>, String)>, VaryError> {
    let base = Document::parse(text)?;
    let fields = resolve_all(&base, varies)?;
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
            for ((v, field), &i) in varies.iter().zip(&fields).zip(&cell) {
                doc.set(field, v.levels[i]).map_err(|why| {
                    VaryError(format!("{}={}: {why}", v.key.text, v.levels[i].label()))
                })?;
            }
            Ok((cell, doc.to_text()?))
        })
        .collect()
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

    /// Resolve `key` in `doc` and set it to `level`.
    fn put(doc: &mut Document, key: &str, level: Level) -> Result<(), VaryError> {
        let field = doc.resolve(&parse_key(key)?)?;
        doc.apply(&field, level)
    }

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
        put(
            &mut doc,
            "vendors.\"Budget Co\".max_fte",
            Level::Multiple(0.75),
        )
        .unwrap();
        assert_eq!(get(&doc, &["vendors", "0", "max_fte"]), Value::Integer(68));
        put(&mut doc, "demand.growth_annual", Level::Multiple(2.0)).unwrap();
        assert_eq!(
            get(&doc, &["demand", "growth_annual", "mean"]),
            Value::Float(0.4)
        );
        assert_eq!(
            get(&doc, &["demand", "growth_annual", "sd"]),
            Value::Float(0.1)
        );
        put(&mut doc, "vendors[0].defect_rate", Level::Multiple(2.0)).unwrap();
        assert_eq!(
            get(&doc, &["vendors", "0", "defect_rate", "mean"]),
            Value::Float(0.1)
        );
        put(
            &mut doc,
            "demand.events[0].multiplier",
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
        let e = put(&mut doc, "vendors.Nope.max_fte", Level::Absolute(1.0)).unwrap_err();
        assert!(
            e.0.contains("no vendor named \"Nope\"") && e.0.contains("Budget Co"),
            "{e}"
        );
        let e = put(&mut doc, "demand.events[3].month", Level::Absolute(1.0)).unwrap_err();
        assert!(e.0.contains("[3]"), "{e}");
        let e = put(&mut doc, "nosuch.key", Level::Absolute(1.0)).unwrap_err();
        assert!(e.0.contains("nosuch"), "{e}");
        let e = put(&mut doc, "vendors[0].min_fte", Level::Multiple(2.0)).unwrap_err();
        assert!(e.0.contains("not set in the file"), "{e}");
        let e = put(&mut doc, "vendors[0].name", Level::Multiple(2.0)).unwrap_err();
        assert!(e.0.contains("not a numeric model input"), "{e}");
    }

    /// Every table a KEY can reach, with one entry in each list.
    const FULL: &str = r#"
[scenario]
name = "Full"
horizon_months = 12

[demand]
base_per_month = 1000
seasonality = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
growth_annual = { dist = "normal", mean = 0.2, sd = 0.1 }

[[demand.events]]
month = 6
multiplier = 1.5
label = "Launch"

[demand.shocks]
rate_per_year = 1

[costs]

[[currencies]]
code = "INR"

[[vendors]]
name = "Budget Co"
rate_per_fte_month = 1000
units_per_fte_month = 100
max_fte = 90
attrition_annual = { dist = "uniform", min = 0.1, max = 0.2 }

[vendors.contract]
volume_tiers = [{ from = 10, discount = 0.1 }]

[[vendors]]
name = "Other"
rate_per_fte_month = 1000
units_per_fte_month = 100
max_fte = 90

[[strategies]]
name = "Dual source"
allocation = [{ vendor = "Budget Co", share = 1.0 }]

[[strategies.phases]]
month = 6
allocation = [{ vendor = "Budget Co", share = 1.0 }]

[[strategies.exits]]
vendor = "Budget Co"
when_service_below = 0.5
fallback = "Other"

[assumptions]

[objectives]
"#;

    fn varies(keys: &[&str]) -> Vec<Vary> {
        keys.iter()
            .map(|k| parse_vary(&format!("{k}=1,2")).unwrap_or_else(|e| panic!("{e}")))
            .collect()
    }

    #[test]
    fn keys_that_reach_the_same_field_are_refused_naming_both() {
        let doc = Document::parse(FULL).unwrap();
        for pair in [
            ["vendors.\"Budget Co\".max_fte", "vendors[0].max_fte"],
            [
                "strategies[0].capacity_buffer",
                "strategies.\"Dual source\".capacity_buffer",
            ],
            [
                "vendors[0].attrition_annual",
                "vendors.\"Budget Co\".attrition_annual.min",
            ],
            ["demand.growth_annual.mean", "demand.growth_annual"],
            ["demand.events[0].month", "demand.\"events\"[0].\"month\""],
        ] {
            let e = resolve_all(&doc, &varies(&pair)).unwrap_err();
            assert!(e.0.contains(pair[0]) && e.0.contains(pair[1]), "{e}");
        }
        for pair in [
            ["vendors[0].max_fte", "vendors[0].min_fte"],
            ["demand.growth_annual.mean", "demand.growth_annual.sd"],
            ["demand.events[0].month", "demand.events[0].multiplier"],
        ] {
            let fields = resolve_all(&doc, &varies(&pair)).unwrap_or_else(|e| panic!("{e}"));
            assert_ne!(fields[0], fields[1]);
        }
    }

    #[test]
    fn keys_that_are_not_model_inputs_are_refused_listing_what_can_be_varied() {
        let doc = Document::parse(FULL).unwrap();
        for key in [
            "scenario.trials",
            "scenario.seed",
            "scenario.name",
            "scenario.currency",
            "scenario.description",
            "demand.unit",
            "demand.events[0].label",
            "demand.growth_annual.dist",
            "vendors[0].name",
            "vendors.\"Budget Co\".kind",
            "strategies[0].overflow",
            "strategies[0].allocation[0].vendor",
            "strategies[0]",
            "vendors",
        ] {
            let e = doc.resolve(&parse_key(key).unwrap()).unwrap_err();
            assert!(
                e.0.contains(key)
                    && e.0.contains("what can be varied")
                    && e.0.contains("vendors[N].{"),
                "{e}"
            );
        }
    }

    /// The list of what can be varied names only keys the validator reads: set to text,
    /// each is refused for its type, never as an unknown key.
    #[test]
    fn every_variable_field_is_read_by_the_validator() {
        let base = Document::parse(FULL).unwrap();
        for shape in NUMBER_FIELDS.iter().chain(&UNCERTAIN_FIELDS) {
            let key = shape.replace("[]", "[0]");
            let field = base
                .resolve(&parse_key(&key).unwrap())
                .unwrap_or_else(|e| panic!("{e}"));
            let mut doc = base.clone();
            doc.apply(&field, Level::Absolute(0.0))
                .unwrap_or_else(|e| panic!("{e}"));
            let text = doc.to_text().unwrap().replace(
                &format!("\n{} = 0\n", field.name()),
                &format!("\n{} = \"x\"\n", field.name()),
            );
            let issues = match crate::scenario::Scenario::from_toml_str(
                &text,
                std::path::Path::new("f.toml"),
            ) {
                Ok(_) => panic!("{key} = \"x\" was accepted"),
                Err(e) => e.issues().to_vec(),
            };
            let issue = issues
                .iter()
                .find(|i| i.key == key)
                .unwrap_or_else(|| panic!("{key}: {issues:?}"));
            // A seasonality value set to 0 is out of range; every other field is text.
            assert!(
                issue.message.contains("expected") || shape.ends_with("[]"),
                "{key}: {}",
                issue.message
            );
        }
    }

    #[test]
    fn v2_inputs_are_reached_by_code_by_vendor_and_by_index() {
        let doc = Document::parse(FULL).unwrap();
        for (key, field) in [
            (
                "currencies.INR.volatility_annual",
                "currencies[0].volatility_annual",
            ),
            (
                "strategies.\"Dual source\".exits.\"Budget Co\".when_service_below",
                "strategies[0].exits[0].when_service_below",
            ),
            (
                "strategies.\"Dual source\".phases[0].month",
                "strategies[0].phases[0].month",
            ),
            (
                "strategies[0].phases[0].allocation[0].share",
                "strategies[0].phases[0].allocation[0].share",
            ),
            (
                "vendors.\"Budget Co\".contract.volume_tiers[0].discount",
                "vendors[0].contract.volume_tiers[0].discount",
            ),
            (
                "vendors.\"Budget Co\".contract.escalation_cap",
                "vendors[0].contract.escalation_cap",
            ),
            (
                "vendors.Other.failure_rate_per_year",
                "vendors[1].failure_rate_per_year",
            ),
            (
                "objectives.max_backlog_months",
                "objectives.max_backlog_months",
            ),
        ] {
            let resolved = doc
                .resolve(&parse_key(key).unwrap())
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(resolved.to_string(), field);
        }
        let e = doc
            .resolve(&parse_key("currencies.EUR.drift_annual").unwrap())
            .unwrap_err();
        assert!(
            e.0.contains("no currency named \"EUR\"") && e.0.contains("\"INR\""),
            "{e}"
        );
        let e = doc
            .resolve(&parse_key("strategies[0].exits.Other.for_months").unwrap())
            .unwrap_err();
        assert!(e.0.contains("\"Budget Co\""), "{e}");
        // A contract table the vendor does not have cannot be reached.
        let e = doc
            .resolve(&parse_key("vendors.Other.contract.min_monthly_fee").unwrap())
            .unwrap_err();
        assert!(e.0.contains("contract"), "{e}");
    }

    #[test]
    fn v2_variants_are_validated_like_any_file() {
        let check = |vary: &str| -> Vec<Result<(), String>> {
            grid_texts(FULL, &[parse_vary(vary).unwrap()])
                .unwrap_or_else(|e| panic!("{e}"))
                .into_iter()
                .map(|(_, text)| {
                    crate::scenario::Scenario::from_toml_str(&text, std::path::Path::new("f.toml"))
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                })
                .collect()
        };
        let r = check("vendors[0].transition_productivity=0.5,1.5");
        assert!(r[0].is_ok(), "{r:?}");
        assert!(
            r[1].as_ref()
                .is_err_and(|e| e.contains("vendors[0].transition_productivity")),
            "{r:?}"
        );
        let r = check("strategies[0].phases[0].month=1.5x,3x");
        assert!(r[0].is_ok(), "{r:?}");
        assert!(
            r[1].as_ref()
                .is_err_and(|e| e.contains("after the horizon (12 months)")),
            "{r:?}"
        );
        let r = check("vendors[0].contract.volume_tiers[0].discount=0.2,1");
        assert!(r[0].is_ok() && r[1].is_err(), "{r:?}");
        let r = check("vendors[0].failure_rate_per_year=0,0.5");
        assert!(r.iter().all(Result::is_ok), "{r:?}");
    }

    #[test]
    fn multiples_of_phase_months_and_run_lengths_stay_whole() {
        let mut doc = Document::parse(FULL).unwrap();
        put(
            &mut doc,
            "strategies[0].phases[0].month",
            Level::Multiple(1.5),
        )
        .unwrap();
        assert_eq!(
            get(&doc, &["strategies", "0", "phases", "0", "month"]),
            Value::Integer(9)
        );
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
