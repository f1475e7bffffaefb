//! The levers of a search: `--search KEY[=SPEC]` read into [`Lever`]s of the strategy,
//! checked against the file, and the validated [`SearchPlan`].

use std::path::Path;

use super::{Objective, OptimizeError};
use crate::analysis::variants::{Document, Segment, parse_key};
use crate::scenario::Scenario;

/// Switches a search may flip.
const SWITCHES: [&str; 4] = [
    "ip_protection",
    "due_diligence",
    "cultural_training",
    "overflow",
];

/// Numbers a search may move within a range.
const NUMBERS: [&str; 2] = ["capacity_buffer", "oversight_hours_per_fte"];

/// Numbers of an exit rule (MODEL.md V2.3) a search may move within a range.
const EXIT_NUMBERS: [&str; 3] = ["when_service_below", "for_months", "notice_months"];

/// Keys read as whole numbers: their levers take whole values.
const WHOLE: [&str; 2] = ["for_months", "notice_months"];

/// The values `staffing` may take.
pub(super) const STAFFING: [&str; 2] = ["reactive", "planned"];

/// Allocation shares are rounded to this many parts of 1.
pub(super) const SHARE_PARTS: f64 = 1000.0;

/// Continuous levers are rounded to this many steps of their range.
pub(super) const RANGE_STEPS: f64 = 10_000.0;
/// What a lever is.
#[derive(Debug, Clone, PartialEq)]
pub enum LeverKind {
    /// A number in `low..=high`.
    Number {
        /// Lowest value.
        low: f64,
        /// Highest value.
        high: f64,
    },
    /// A true/false switch.
    Switch,
    /// `staffing`: reactive or planned.
    Staffing,
    /// The shares over these vendors, on the simplex.
    Allocation {
        /// Vendor names, in the strategy's allocation order.
        vendors: Vec<String>,
    },
}

/// Where a lever's value is set.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// The strategy's own key, the lever's name.
    Strategy,
    /// A key of one of the strategy's exit rules.
    Exit {
        /// Index of the rule in the strategy's `exits`.
        rule: usize,
        /// The rule's key, e.g. `when_service_below`.
        key: String,
    },
}

/// One lever of the strategy searched.
#[derive(Debug, Clone, PartialEq)]
pub struct Lever {
    /// The key it sets, relative to the strategy: `capacity_buffer`,
    /// `exits[0].when_service_below`.
    pub name: String,
    /// What it is.
    pub kind: LeverKind,
    /// Where its value is set.
    pub target: Target,
}

impl Lever {
    /// Whether it takes whole values only (an exit rule's months).
    pub(super) fn is_whole(&self) -> bool {
        matches!(&self.target, Target::Exit { key, .. } if WHOLE.contains(&key.as_str()))
    }

    /// Coordinates it takes in the search box.
    pub(super) fn dimensions(&self) -> usize {
        match &self.kind {
            LeverKind::Allocation { vendors } => vendors.len(),
            _ => 1,
        }
    }

    /// Whether its coordinates are discrete.
    pub(super) fn is_discrete(&self) -> bool {
        matches!(self.kind, LeverKind::Switch | LeverKind::Staffing)
    }

    /// Column names in `optimize.csv`.
    pub fn columns(&self) -> Vec<String> {
        match &self.kind {
            LeverKind::Allocation { vendors } => {
                vendors.iter().map(|v| format!("allocation.{v}")).collect()
            }
            _ => vec![self.name.clone()],
        }
    }
}

/// A lever's value in one candidate.
#[derive(Debug, Clone, PartialEq)]
pub enum LeverValue {
    /// A number.
    Number(f64),
    /// A switch.
    Switch(bool),
    /// A `staffing` value.
    Staffing(&'static str),
    /// A share per vendor of the lever (0: dropped).
    Shares(Vec<f64>),
}

impl LeverValue {
    /// The values as table cells, one per column of the lever.
    pub fn cells(&self) -> Vec<String> {
        match self {
            LeverValue::Number(x) => vec![format!("{x}")],
            LeverValue::Switch(b) => vec![b.to_string()],
            LeverValue::Staffing(s) => vec![(*s).to_string()],
            LeverValue::Shares(shares) => shares.iter().map(|s| format!("{s}")).collect(),
        }
    }
}

/// A validated search, ready to run.
#[derive(Debug, Clone)]
pub struct SearchPlan {
    /// The file's scenario, validated.
    pub scenario: Scenario,
    /// The strategy searched.
    pub strategy: String,
    /// Its index in the file.
    pub strategy_index: usize,
    /// The levers, in the order given.
    pub levers: Vec<Lever>,
    /// The statistic minimised.
    pub objective: Objective,
    /// The confidence the chance constraint asks (the file's).
    pub confidence: f64,
    pub(super) document: Document,
    pub(super) path: std::path::PathBuf,
    pub(super) start: Vec<LeverValue>,
}
/// Split `KEY[=SPEC]`.
fn split_search(text: &str) -> (&str, Option<&str>) {
    match text.split_once('=') {
        Some((key, spec)) => (key.trim(), Some(spec.trim())),
        None => (text.trim(), None),
    }
}

/// Whether two lists of `--search` options name the same levers over the same ranges
/// in the same order, however they are spaced or their numbers written (`0..0.5` and
/// ` 0 .. 0.50`); compared as text when one does not parse.
pub fn same_searches(a: &[String], b: &[String]) -> bool {
    let parsed = |list: &[String]| {
        list.iter()
            .map(|search| {
                let (key, spec) = split_search(search);
                let range = spec.map(|spec| parse_range(key, spec)).transpose()?;
                Ok((key.to_string(), range))
            })
            .collect::<Result<Vec<_>, OptimizeError>>()
    };
    match (parsed(a), parsed(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// A range `low..high`; refused when empty or not numbers.
fn parse_range(key: &str, spec: &str) -> Result<(f64, f64), OptimizeError> {
    let invalid = |why: &str| {
        OptimizeError::Invalid(format!(
            "--search {key}={spec}: {why} (give a range, e.g. {key}=0..0.8)"
        ))
    };
    let (low, high) = spec
        .split_once("..")
        .ok_or_else(|| invalid("not a range"))?;
    let number = |t: &str| t.trim().parse::<f64>().ok().filter(|x| x.is_finite());
    let (Some(low), Some(high)) = (number(low), number(high)) else {
        return Err(invalid("the range's ends are not numbers"));
    };
    if low >= high {
        return Err(invalid(
            "the range is empty: its low end must be below its high end",
        ));
    }
    Ok((low, high))
}

/// What can be searched, for messages.
fn searchable() -> String {
    let mut all: Vec<&str> = vec!["allocation"];
    all.extend(NUMBERS);
    all.extend(SWITCHES);
    all.push("staffing");
    all.extend([
        "exits[N].when_service_below",
        "exits[N].for_months",
        "exits[N].notice_months",
    ]);
    all.join(", ")
}

/// The lever a search KEY names, relative to the strategy (`capacity_buffer`,
/// `exits[0].for_months`, an exit rule also by the vendor it leaves) or in the full form
/// of `--vary` (`strategies.NAME.capacity_buffer`, by name or index), and where it is
/// set. An exit rule's lever is named by the rule's index.
fn lever_name(
    document: &Document,
    scenario: &Scenario,
    key: &str,
    strategy: &str,
    strategy_index: usize,
) -> Result<(String, Target), OptimizeError> {
    let invalid = |why: String| OptimizeError::Invalid(format!("--search {key}: {why}"));
    let path = parse_key(key).map_err(|e| invalid(e.to_string()))?;
    let rest = match path.segments.first() {
        Some(Segment::Key(k)) if k == "strategies" && path.segments.len() > 1 => {
            let mut full = match &path.segments[1] {
                Segment::Key(name)
                    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    format!("strategies.{name}")
                }
                Segment::Key(name) => format!("strategies.{name:?}"),
                Segment::Index(i) => format!("strategies[{i}]"),
            };
            for segment in &path.segments[2..] {
                match segment {
                    Segment::Key(k) => {
                        full.push('.');
                        full.push_str(k);
                    }
                    Segment::Index(i) => full.push_str(&format!("[{i}]")),
                }
            }
            let named = match &path.segments[1] {
                Segment::Key(name) => name == strategy,
                Segment::Index(i) => *i == strategy_index,
            };
            if !named {
                return Err(invalid(format!(
                    "the search changes strategy {strategy} only (write the KEY relative to it, e.g. capacity_buffer); {full} is not one of its levers"
                )));
            }
            &path.segments[2..]
        }
        _ => &path.segments[..],
    };
    match rest {
        [Segment::Key(name)] => {
            if NUMBERS.contains(&name.as_str()) {
                // The same check as `--vary`: the field is a numeric model input.
                let full = parse_key(&format!("strategies[{strategy_index}].{name}"))
                    .map_err(|e| invalid(e.to_string()))?;
                document
                    .resolve(&full)
                    .map_err(|e| invalid(e.to_string()))?;
            }
            if name == "allocation"
                || NUMBERS.contains(&name.as_str())
                || SWITCHES.contains(&name.as_str())
                || name == "staffing"
            {
                Ok((name.clone(), Target::Strategy))
            } else {
                Err(invalid(format!(
                    "{name} is not a lever a search can set; levers: {}",
                    searchable()
                )))
            }
        }
        [Segment::Key(exits), rule, Segment::Key(field)] if exits == "exits" => {
            let rules = &scenario.strategies[strategy_index].exits;
            let vendor_name = |v: usize| scenario.vendors[v].name.as_str();
            let index = match rule {
                Segment::Index(i) if *i < rules.len() => *i,
                Segment::Index(i) => {
                    return Err(invalid(format!(
                        "strategy {strategy} has {} exit rule(s), so exits[{i}] does not exist (indices start at 0)",
                        rules.len()
                    )));
                }
                Segment::Key(vendor) => rules
                    .iter()
                    .position(|r| vendor_name(r.vendor) == vendor)
                    .ok_or_else(|| {
                        let leaves: Vec<&str> =
                            rules.iter().map(|r| vendor_name(r.vendor)).collect();
                        invalid(format!(
                            "strategy {strategy} has no exit rule leaving {vendor} (its rules leave: {})",
                            if leaves.is_empty() { "none".to_string() } else { leaves.join(", ") }
                        ))
                    })?,
            };
            if !EXIT_NUMBERS.contains(&field.as_str()) {
                return Err(invalid(format!(
                    "{field} is not a number of an exit rule a search can set; an exit rule's levers: {}",
                    EXIT_NUMBERS.join(", ")
                )));
            }
            Ok((
                format!("exits[{index}].{field}"),
                Target::Exit {
                    rule: index,
                    key: field.clone(),
                },
            ))
        }
        _ => Err(invalid(format!(
            "not a lever of the strategy; levers: {} (allocation searches every share at once)",
            searchable()
        ))),
    }
}

/// Build and validate a search of `strategy` in `text` (the file at `path`) over
/// `searches` (`KEY[=SPEC]`; empty: the default levers). Nothing is simulated.
///
/// # Errors
///
/// [`OptimizeError::Invalid`], naming the KEY, SPEC, strategy or missing objectives.
pub fn plan(
    text: &str,
    path: &Path,
    strategy: &str,
    searches: &[String],
    objective: Objective,
) -> Result<SearchPlan, OptimizeError> {
    let scenario =
        Scenario::from_toml_str(text, path).map_err(|e| OptimizeError::Invalid(e.to_string()))?;
    let Some(strategy_index) = scenario.strategies.iter().position(|s| s.name == strategy) else {
        let names: Vec<&str> = scenario
            .strategies
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        return Err(OptimizeError::Invalid(format!(
            "--strategy {strategy}: the file has no such strategy (it has: {})",
            names.join(", ")
        )));
    };
    let Some(objectives) = &scenario.objectives else {
        return Err(OptimizeError::Invalid(
            "the file sets no [objectives]: there is nothing to constrain, so the cheapest plan is simply the one that buys least; add [objectives] (e.g. min_service_level) and their confidence"
                .into(),
        ));
    };
    let confidence = objectives.confidence;
    let document = Document::parse(text).map_err(|e| OptimizeError::Invalid(e.to_string()))?;
    let chosen = &scenario.strategies[strategy_index];
    let vendors: Vec<String> = chosen
        .allocation
        .iter()
        .map(|a| scenario.vendors[a.vendor].name.clone())
        .collect();
    let defaults: Vec<String>;
    let searches = if searches.is_empty() {
        let buffer_high = (chosen.capacity_buffer * 2.0).max(0.8);
        let oversight_high = (chosen.oversight_hours_per_fte * 2.0).max(6.0);
        let mut all = Vec::new();
        if vendors.len() > 1 {
            all.push("allocation".to_string());
        }
        all.push(format!("capacity_buffer=0..{buffer_high}"));
        all.push(format!("oversight_hours_per_fte=0..{oversight_high}"));
        all.extend(SWITCHES.iter().map(|s| s.to_string()));
        // Each exit rule's threshold around its value, and how long it must hold.
        for (i, rule) in chosen.exits.iter().enumerate() {
            let threshold = rule.when_service_below;
            let low = ((threshold - 0.2).max(0.0) * 1000.0).round() / 1000.0;
            let high = ((threshold + 0.1).min(1.0) * 1000.0).round() / 1000.0;
            all.push(format!("exits[{i}].when_service_below={low}..{high}"));
            let months_high = (rule.for_months * 2).clamp(6, 600);
            all.push(format!("exits[{i}].for_months=1..{months_high}"));
        }
        defaults = all;
        &defaults[..]
    } else {
        searches
    };
    let mut levers: Vec<Lever> = Vec::new();
    for search in searches {
        let (key, spec) = split_search(search);
        let (name, target) = lever_name(&document, &scenario, key, strategy, strategy_index)?;
        if levers.iter().any(|l| l.name == name) {
            return Err(OptimizeError::Invalid(format!(
                "--search {key}: {name} is searched twice; give each lever once"
            )));
        }
        let whole = matches!(&target, Target::Exit { key, .. } if WHOLE.contains(&key.as_str()));
        let kind = if NUMBERS.contains(&name.as_str()) || matches!(target, Target::Exit { .. }) {
            let Some(spec) = spec else {
                return Err(OptimizeError::Invalid(format!(
                    "--search {key}: a number needs a range, e.g. {key}={}",
                    if whole { "1..6" } else { "0..0.8" }
                )));
            };
            let (low, high) = parse_range(key, spec)?;
            if whole && (low.fract() != 0.0 || high.fract() != 0.0) {
                return Err(OptimizeError::Invalid(format!(
                    "--search {key}={spec}: {name} is a whole number of months, so the range's ends must be whole (e.g. {key}=1..6)"
                )));
            }
            LeverKind::Number { low, high }
        } else {
            if let Some(spec) = spec {
                return Err(OptimizeError::Invalid(format!(
                    "--search {key}={spec}: {name} takes no range; write --search {key}"
                )));
            }
            match name.as_str() {
                "allocation" if vendors.len() < 2 => {
                    return Err(OptimizeError::Invalid(format!(
                        "--search {key}: strategy {strategy} allocates to one vendor, so there are no shares to search"
                    )));
                }
                "allocation" => LeverKind::Allocation {
                    vendors: vendors.clone(),
                },
                "staffing" => LeverKind::Staffing,
                _ => LeverKind::Switch,
            }
        };
        levers.push(Lever { name, kind, target });
    }
    let start = levers
        .iter()
        .map(|l| match (&l.kind, &l.target) {
            (LeverKind::Number { .. }, Target::Exit { rule, key }) => {
                let rule = &chosen.exits[*rule];
                LeverValue::Number(match key.as_str() {
                    "when_service_below" => rule.when_service_below,
                    "for_months" => f64::from(rule.for_months),
                    _ => f64::from(rule.notice_months),
                })
            }
            (LeverKind::Number { .. }, Target::Strategy) => {
                LeverValue::Number(match l.name.as_str() {
                    "capacity_buffer" => chosen.capacity_buffer,
                    _ => chosen.oversight_hours_per_fte,
                })
            }
            (LeverKind::Switch, _) => LeverValue::Switch(match l.name.as_str() {
                "ip_protection" => chosen.ip_protection,
                "due_diligence" => chosen.due_diligence,
                "cultural_training" => chosen.cultural_training,
                _ => chosen.overflow,
            }),
            (LeverKind::Staffing, _) => LeverValue::Staffing(match chosen.staffing {
                crate::scenario::Staffing::Reactive => STAFFING[0],
                crate::scenario::Staffing::Planned => STAFFING[1],
            }),
            (LeverKind::Allocation { .. }, _) => {
                LeverValue::Shares(chosen.allocation.iter().map(|a| a.share).collect())
            }
        })
        .collect();
    let plan = SearchPlan {
        strategy: strategy.to_string(),
        strategy_index,
        levers,
        objective,
        confidence,
        document,
        path: path.to_path_buf(),
        start,
        scenario,
    };
    // Both corners of the box must be valid scenarios, so no candidate is refused later.
    for corner in [0.0, 1.0] {
        let point = vec![corner; plan.dimensions()];
        let values = plan.decode(&point);
        plan.candidate_scenario(&values).map_err(|why| {
            OptimizeError::Invalid(format!(
                "{}: the search box reaches an invalid scenario ({}): {why}",
                path.display(),
                plan.describe(&values)
            ))
        })?;
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_must_not_be_empty() {
        assert!(parse_range("capacity_buffer", "0.5..0.5").is_err());
        assert!(parse_range("capacity_buffer", "0.8..0.1").is_err());
        assert!(parse_range("capacity_buffer", "a..1").is_err());
        assert_eq!(
            parse_range("capacity_buffer", "0..0.8").ok(),
            Some((0.0, 0.8))
        );
    }
}
