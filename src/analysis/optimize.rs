//! `outsim optimize`: the cheapest plan that still meets the objectives with the
//! confidence asked (a chance constraint), found by searching one strategy's levers.
//!
//! The lifecycle: [`plan`] turns the `--search KEY[=SPEC]` texts into [`Lever`]s of the
//! strategy named (refusing, naming it, any KEY that does not exist or cannot be
//! searched, and any empty range) and checks both corners of the box give valid
//! scenarios; [`optimize`] then searches and re-simulates the best plans. Nothing here
//! writes files or prints: the command line renders [`Optimized`].
//!
//! **Levers.** `capacity_buffer` and `oversight_hours_per_fte` are numbers in a range;
//! `ip_protection`, `due_diligence`, `cultural_training` and `overflow` are switches and
//! `staffing` a choice (discrete dimensions); `allocation` is the strategy's shares on
//! the simplex: one weight per vendor in 0..=1, normalised to shares that sum to 1 and
//! rounded to thousandths; a vendor whose share rounds to 0 is dropped from the
//! allocation, so it pays no setup. Every candidate is written into the scenario's text
//! with [`crate::analysis::variants`] and validated like any file, so none can hold a
//! value a file could not.
//!
//! **Objective.** Minimise the cost statistic (mean, P95 or CVaR95 of NPV cost) subject
//! to P(objectives met) ≥ `confidence`. The search minimises `cost + penalty × shortfall`
//! where the shortfall is how far P(objectives met) falls below `confidence` and the
//! penalty is 100 times the starting strategy's cost, so a shortfall of one point costs
//! as much as the plan itself. The best plan is chosen lexicographically: the cheapest
//! feasible one, else the one nearest feasibility.
//!
//! **Search.** Every candidate runs the same trials with the same seed (common random
//! numbers), only its own strategy. The starting strategy is evaluated first, then a
//! Latin hypercube over the whole box (a quarter of the budget), then argmin's
//! Nelder–Mead (Nelder and Mead 1965) over the continuous levers with the discrete ones
//! held at the incumbent's values, then single flips of each discrete lever, restarting
//! Nelder–Mead from any flip that improves, until the budget of evaluations is spent or
//! nothing improves. Nelder–Mead was chosen because it needs no derivatives (the
//! objective is a step function of the trials) and few evaluations per step; argmin is
//! well kept and pure Rust. Candidates are cached by their decoded values, so a point
//! seen twice costs one simulation. The search is deterministic: the hypercube is drawn
//! from the seed, and the engine's results do not depend on the thread count.
//!
//! **Guard against optimising the noise.** The starting strategy, the best plan and the
//! runner-up are re-simulated together on fresh trials (seed + 1), and the verdict is
//! on those figures.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use argmin::core::{CostFunction, Executor};
use argmin::solver::neldermead::NelderMead;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use toml::{Table, Value};

use super::variants::{Document, Segment, parse_key};
use crate::engine::{self, RunError, RunOptions};
use crate::results::{Results, StrategySummary};
use crate::scenario::Scenario;

/// Default evaluations of a search.
pub const DEFAULT_EVALUATIONS: usize = 200;

/// Most trials an evaluation runs by default (the file's trials, capped).
pub const DEFAULT_TRIALS_CAP: u64 = 10_000;

/// Switches a search may flip.
const SWITCHES: [&str; 4] = [
    "ip_protection",
    "due_diligence",
    "cultural_training",
    "overflow",
];

/// Numbers a search may move within a range.
const NUMBERS: [&str; 2] = ["capacity_buffer", "oversight_hours_per_fte"];

/// The values `staffing` may take.
const STAFFING: [&str; 2] = ["reactive", "planned"];

/// Allocation shares are rounded to this many parts of 1.
const SHARE_PARTS: f64 = 1000.0;

/// Continuous levers are rounded to this many steps of their range.
const RANGE_STEPS: f64 = 10_000.0;

/// What `optimize` cannot do, and why.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OptimizeError {
    /// The input is invalid (a KEY, SPEC, strategy, or no objectives). Fatal; nothing
    /// was simulated.
    #[error("{0}")]
    Invalid(String),
    /// A run stopped (interrupted, or a worker failed). Fatal.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The optimiser failed for a reason of its own. Fatal.
    #[error("the search failed: {0}")]
    Solver(String),
}

/// The cost statistic minimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// Mean NPV cost.
    Mean,
    /// 95th percentile of NPV cost.
    P95,
    /// Mean of the worst 5% of NPV costs.
    Cvar95,
}

impl Objective {
    /// The statistic in a strategy's summary.
    pub fn value(self, s: &StrategySummary) -> f64 {
        match self {
            Objective::Mean => s.cost_mean,
            Objective::P95 => s.cost_p95,
            Objective::Cvar95 => s.cost_cvar95,
        }
    }

    /// Name for tables and titles.
    pub fn name(self) -> &'static str {
        match self {
            Objective::Mean => "mean NPV cost",
            Objective::P95 => "P95 NPV cost",
            Objective::Cvar95 => "CVaR95 NPV cost",
        }
    }
}

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

/// One lever of the strategy searched.
#[derive(Debug, Clone, PartialEq)]
pub struct Lever {
    /// The strategy's key it sets, e.g. `capacity_buffer`.
    pub name: String,
    /// What it is.
    pub kind: LeverKind,
}

impl Lever {
    /// Coordinates it takes in the search box.
    fn dimensions(&self) -> usize {
        match &self.kind {
            LeverKind::Allocation { vendors } => vendors.len(),
            _ => 1,
        }
    }

    /// Whether its coordinates are discrete.
    fn is_discrete(&self) -> bool {
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
    document: Document,
    path: std::path::PathBuf,
    start: Vec<LeverValue>,
}

/// One simulated candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Each lever's value.
    pub values: Vec<LeverValue>,
    /// Mean NPV cost.
    pub cost_mean: f64,
    /// P95 NPV cost.
    pub cost_p95: f64,
    /// CVaR95 NPV cost.
    pub cost_cvar95: f64,
    /// The statistic minimised.
    pub cost: f64,
    /// Share of trials meeting every objective.
    pub p_objectives_met: f64,
    /// `p_objectives_met >= confidence`.
    pub feasible: bool,
}

/// A plan re-simulated on fresh trials.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The strategy's name in `best.toml` and the re-simulation.
    pub name: String,
    /// Index of the plan in [`Optimized::evaluations`] (`None`: the starting strategy).
    pub evaluation: Option<usize>,
    /// The statistic minimised.
    pub cost: f64,
    /// Mean NPV cost.
    pub cost_mean: f64,
    /// Half-width of the 95% confidence interval of the mean NPV cost.
    pub cost_mean_half_width: f64,
    /// Share of trials meeting every objective.
    pub p_objectives_met: f64,
    /// Half-width of its 95% (Wald) confidence interval.
    pub p_half_width: f64,
    /// Whether it meets the objectives with the confidence asked.
    pub feasible: bool,
}

/// A finished search.
#[derive(Debug, Clone)]
pub struct Optimized {
    /// Scenario name.
    pub scenario_name: String,
    /// Currency label.
    pub currency: String,
    /// The strategy searched.
    pub strategy: String,
    /// The levers.
    pub levers: Vec<Lever>,
    /// The statistic minimised.
    pub objective: Objective,
    /// The confidence asked.
    pub confidence: f64,
    /// Trials of every evaluation and of the re-simulation.
    pub trials: u64,
    /// Seed of every evaluation.
    pub seed: u64,
    /// Seed of the re-simulation (`seed + 1`).
    pub recheck_seed: u64,
    /// Evaluations asked for.
    pub budget: usize,
    /// Every evaluation, in the order run (the first is the starting strategy).
    pub evaluations: Vec<Evaluation>,
    /// Index of the best plan in `evaluations`.
    pub best: usize,
    /// Index of the runner-up, if another plan was evaluated.
    pub runner_up: Option<usize>,
    /// The starting strategy, the best plan and the runner-up on fresh trials.
    pub recheck: Vec<Checked>,
    /// The scenario with the best plan added beside the original strategy, its trials
    /// and seed those of the re-simulation: `outsim run` on it reproduces the comparison.
    pub best_toml: String,
}

impl Optimized {
    /// The best plan's re-simulation.
    pub fn best_checked(&self) -> Option<&Checked> {
        self.recheck
            .iter()
            .find(|c| c.evaluation == Some(self.best))
    }

    /// Indices of the evaluations on the non-dominated frontier (no other is both
    /// cheaper and at least as likely to meet the objectives), cheapest first.
    pub fn frontier(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.evaluations.len()).collect();
        order.sort_by(|&a, &b| {
            let (ea, eb) = (&self.evaluations[a], &self.evaluations[b]);
            ea.cost
                .total_cmp(&eb.cost)
                .then(eb.p_objectives_met.total_cmp(&ea.p_objectives_met))
        });
        let mut frontier = Vec::new();
        let mut best_p = f64::NEG_INFINITY;
        for i in order {
            if self.evaluations[i].p_objectives_met > best_p {
                best_p = self.evaluations[i].p_objectives_met;
                frontier.push(i);
            }
        }
        frontier
    }
}

/// Split `KEY[=SPEC]`.
fn split_search(text: &str) -> (&str, Option<&str>) {
    match text.split_once('=') {
        Some((key, spec)) => (key.trim(), Some(spec.trim())),
        None => (text.trim(), None),
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
    all.join(", ")
}

/// The strategy's own key a search KEY names: `capacity_buffer` as written, or the full
/// form `strategies.NAME.capacity_buffer` (by name or index).
fn lever_name(
    document: &Document,
    key: &str,
    strategy: &str,
    strategy_index: usize,
) -> Result<String, OptimizeError> {
    let invalid = |why: String| OptimizeError::Invalid(format!("--search {key}: {why}"));
    let path = parse_key(key).map_err(|e| invalid(e.to_string()))?;
    let rest = match path.segments.first() {
        Some(Segment::Key(k)) if k == "strategies" && path.segments.len() > 1 => {
            let full = format!(
                "strategies[{strategy_index}].{}",
                path.segments[2..]
                    .iter()
                    .map(|s| match s {
                        Segment::Key(k) => k.clone(),
                        Segment::Index(i) => format!("[{i}]"),
                    })
                    .collect::<Vec<_>>()
                    .join(".")
            );
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
                Ok(name.clone())
            } else {
                Err(invalid(format!(
                    "{name} is not a lever a search can set; levers: {}",
                    searchable()
                )))
            }
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
        defaults = all;
        &defaults[..]
    } else {
        searches
    };
    let mut levers: Vec<Lever> = Vec::new();
    for search in searches {
        let (key, spec) = split_search(search);
        let name = lever_name(&document, key, strategy, strategy_index)?;
        if levers.iter().any(|l| l.name == name) {
            return Err(OptimizeError::Invalid(format!(
                "--search {key}: {name} is searched twice; give each lever once"
            )));
        }
        let kind = if NUMBERS.contains(&name.as_str()) {
            let Some(spec) = spec else {
                return Err(OptimizeError::Invalid(format!(
                    "--search {key}: a number needs a range, e.g. {key}=0..0.8"
                )));
            };
            let (low, high) = parse_range(key, spec)?;
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
        levers.push(Lever { name, kind });
    }
    let start = levers
        .iter()
        .map(|l| match &l.kind {
            LeverKind::Number { .. } => LeverValue::Number(match l.name.as_str() {
                "capacity_buffer" => chosen.capacity_buffer,
                _ => chosen.oversight_hours_per_fte,
            }),
            LeverKind::Switch => LeverValue::Switch(match l.name.as_str() {
                "ip_protection" => chosen.ip_protection,
                "due_diligence" => chosen.due_diligence,
                "cultural_training" => chosen.cultural_training,
                _ => chosen.overflow,
            }),
            LeverKind::Staffing => LeverValue::Staffing(match chosen.staffing {
                crate::scenario::Staffing::Reactive => STAFFING[0],
                crate::scenario::Staffing::Planned => STAFFING[1],
            }),
            LeverKind::Allocation { .. } => {
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

impl SearchPlan {
    /// Coordinates of the search box.
    fn dimensions(&self) -> usize {
        self.levers.iter().map(Lever::dimensions).sum()
    }

    /// Which coordinates are discrete.
    fn discrete(&self) -> Vec<bool> {
        self.levers
            .iter()
            .flat_map(|l| std::iter::repeat_n(l.is_discrete(), l.dimensions()))
            .collect()
    }

    /// The lever values at a point of the box (coordinates clamped to 0..=1).
    fn decode(&self, point: &[f64]) -> Vec<LeverValue> {
        let mut at = 0;
        let mut values = Vec::with_capacity(self.levers.len());
        for lever in &self.levers {
            let n = lever.dimensions();
            let u: Vec<f64> = point[at..at + n]
                .iter()
                .map(|x| if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) })
                .collect();
            at += n;
            values.push(match &lever.kind {
                LeverKind::Number { low, high } => {
                    let step = (u[0] * RANGE_STEPS).round() / RANGE_STEPS;
                    LeverValue::Number(tidy(low + step * (high - low)))
                }
                LeverKind::Switch => LeverValue::Switch(u[0] >= 0.5),
                LeverKind::Staffing => LeverValue::Staffing(STAFFING[usize::from(u[0] >= 0.5)]),
                LeverKind::Allocation { .. } => LeverValue::Shares(shares(&u)),
            });
        }
        values
    }

    /// The point of the box holding `values` (the inverse of [`SearchPlan::decode`]).
    fn encode(&self, values: &[LeverValue]) -> Vec<f64> {
        let mut point = Vec::with_capacity(self.dimensions());
        for (lever, value) in self.levers.iter().zip(values) {
            match (&lever.kind, value) {
                (LeverKind::Number { low, high }, LeverValue::Number(x)) => {
                    point.push(((x - low) / (high - low)).clamp(0.0, 1.0));
                }
                (_, LeverValue::Switch(b)) => point.push(if *b { 0.75 } else { 0.25 }),
                (_, LeverValue::Staffing(s)) => {
                    point.push(if *s == STAFFING[1] { 0.75 } else { 0.25 });
                }
                (_, LeverValue::Shares(s)) => point.extend(s.iter().map(|x| x.clamp(0.0, 1.0))),
                _ => point.extend(std::iter::repeat_n(0.5, lever.dimensions())),
            }
        }
        point
    }

    /// `KEY=value, ...` of a candidate, for messages and the terminal.
    pub fn describe(&self, values: &[LeverValue]) -> String {
        describe(&self.levers, values)
    }

    /// Set `values` on the strategy at `index` of `document`.
    fn apply(
        &self,
        document: &mut Document,
        index: usize,
        values: &[LeverValue],
    ) -> Result<(), String> {
        let strategy = document
            .strategies_mut()
            .and_then(|s| s.get_mut(index))
            .and_then(Value::as_table_mut)
            .ok_or_else(|| "the strategy is missing from the file".to_string())?;
        for (lever, value) in self.levers.iter().zip(values) {
            let new = match (value, &lever.kind) {
                (LeverValue::Number(x), _) => Value::Float(*x),
                (LeverValue::Switch(b), _) => Value::Boolean(*b),
                (LeverValue::Staffing(s), _) => Value::String((*s).to_string()),
                (LeverValue::Shares(shares), LeverKind::Allocation { vendors }) => Value::Array(
                    vendors
                        .iter()
                        .zip(shares)
                        .filter(|(_, s)| **s > 0.0)
                        .map(|(vendor, share)| {
                            let mut entry = Table::new();
                            entry.insert("vendor".into(), Value::String(vendor.clone()));
                            entry.insert("share".into(), Value::Float(*share));
                            Value::Table(entry)
                        })
                        .collect(),
                ),
                (LeverValue::Shares(_), _) => {
                    return Err("shares of a lever that is no allocation".into());
                }
            };
            strategy.insert(lever.name.clone(), new);
        }
        Ok(())
    }

    /// The document with a copy of the strategy per `(name, values)` appended.
    fn with_copies(&self, plans: &[(String, &[LeverValue])]) -> Result<Document, String> {
        let mut document = self.document.clone();
        for (name, values) in plans {
            let strategies = document
                .strategies_mut()
                .ok_or_else(|| "the file has no strategies".to_string())?;
            let mut copy = strategies
                .get(self.strategy_index)
                .cloned()
                .ok_or_else(|| "the strategy is missing from the file".to_string())?;
            if let Some(t) = copy.as_table_mut() {
                t.insert("name".into(), Value::String(name.clone()));
            }
            strategies.push(copy);
            let index = strategies.len() - 1;
            self.apply(&mut document, index, values)?;
        }
        Ok(document)
    }

    /// The scenario running only the strategy with `values`, validated as any file.
    fn candidate_scenario(&self, values: &[LeverValue]) -> Result<Scenario, String> {
        let mut document = self.document.clone();
        self.apply(&mut document, self.strategy_index, values)?;
        let text = document.to_text().map_err(|e| e.to_string())?;
        let mut scenario = Scenario::from_toml_str(&text, &self.path).map_err(|e| {
            let issues: Vec<String> = e
                .issues()
                .iter()
                .map(|i| format!("`{}` {}", i.key, i.message))
                .collect();
            if issues.is_empty() {
                e.to_string()
            } else {
                issues.join("; ")
            }
        })?;
        let kept = scenario.strategies.swap_remove(self.strategy_index);
        scenario.strategies = vec![kept];
        Ok(scenario)
    }

    /// A name for a new strategy, unlike every name in the file.
    fn fresh_name(&self, suffix: &str) -> String {
        let taken = |n: &str| self.scenario.strategies.iter().any(|s| s.name == n);
        let mut name = format!("{} ({suffix})", self.strategy);
        let mut k = 2;
        while taken(&name) {
            name = format!("{} ({suffix} {k})", self.strategy);
            k += 1;
        }
        name
    }
}

/// `KEY=value, ...` of a candidate.
pub fn describe(levers: &[Lever], values: &[LeverValue]) -> String {
    levers
        .iter()
        .zip(values)
        .map(|(lever, value)| match (value, &lever.kind) {
            (LeverValue::Shares(shares), LeverKind::Allocation { vendors }) => format!(
                "allocation={}",
                vendors
                    .iter()
                    .zip(shares)
                    .map(|(v, s)| format!("{v}:{s}"))
                    .collect::<Vec<_>>()
                    .join("/")
            ),
            _ => format!("{}={}", lever.name, value.cells().join("")),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Weights in 0..=1 as shares in thousandths summing to 1 (all zero: equal shares); the
/// largest share absorbs the rounding.
fn shares(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    let n = weights.len();
    let raw: Vec<f64> = if total > 0.0 {
        weights.iter().map(|w| w / total).collect()
    } else {
        vec![1.0 / n as f64; n]
    };
    let mut parts: Vec<i64> = raw
        .iter()
        .map(|s| (s * SHARE_PARTS).round() as i64)
        .collect();
    let excess: i64 = parts.iter().sum::<i64>() - SHARE_PARTS as i64;
    let largest = (0..n)
        .max_by(|&a, &b| parts[a].cmp(&parts[b]).then(b.cmp(&a)))
        .unwrap_or(0);
    parts[largest] -= excess;
    parts.iter().map(|p| *p as f64 / SHARE_PARTS).collect()
}

/// `x` rounded to 10 significant digits, so range steps print cleanly.
fn tidy(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 9 - x.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits.clamp(-300, 300));
    (x * scale).round() / scale
}

/// Why the search stopped evaluating.
enum Stop {
    /// The budget of evaluations is spent.
    Budget,
    /// A run stopped.
    Run(RunError),
    /// A candidate was not a valid scenario.
    Invalid(String),
}

/// The state every evaluation shares: the cache and the record.
struct Evaluator<'p, 'o> {
    plan: &'p SearchPlan,
    options: &'p RunOptions<'o>,
    budget: usize,
    penalty: RefCell<f64>,
    evaluations: RefCell<Vec<Evaluation>>,
    cache: RefCell<HashMap<String, usize>>,
    stop: RefCell<Option<Stop>>,
}

impl Evaluator<'_, '_> {
    /// The penalised objective of a candidate (cost + penalty × shortfall).
    fn score(&self, e: &Evaluation) -> f64 {
        e.cost + *self.penalty.borrow() * (self.plan.confidence - e.p_objectives_met).max(0.0)
    }

    /// Evaluate the candidate at `point` (cached); `None` once the search must stop.
    fn evaluate(&self, point: &[f64]) -> Option<usize> {
        let values = self.plan.decode(point);
        let key = format!("{values:?}");
        if let Some(&i) = self.cache.borrow().get(&key) {
            return Some(i);
        }
        if self.stop.borrow().is_some() {
            return None;
        }
        if self.evaluations.borrow().len() >= self.budget {
            *self.stop.borrow_mut() = Some(Stop::Budget);
            return None;
        }
        let scenario = match self.plan.candidate_scenario(&values) {
            Ok(s) => s,
            Err(why) => {
                let text = format!("{}: {why}", self.plan.describe(&values));
                *self.stop.borrow_mut() = Some(Stop::Invalid(text));
                return None;
            }
        };
        let raw = match engine::run(&scenario, self.options.for_another_run()) {
            Ok(raw) => raw,
            Err(e) => {
                *self.stop.borrow_mut() = Some(Stop::Run(e));
                return None;
            }
        };
        let summary = Results::new(&scenario, raw).summary.swap_remove(0);
        let evaluation = Evaluation {
            values,
            cost_mean: summary.cost_mean,
            cost_p95: summary.cost_p95,
            cost_cvar95: summary.cost_cvar95,
            cost: self.plan.objective.value(&summary),
            p_objectives_met: summary.p_objectives_met,
            feasible: summary.p_objectives_met >= self.plan.confidence,
        };
        let mut evaluations = self.evaluations.borrow_mut();
        if evaluations.is_empty() {
            *self.penalty.borrow_mut() = 100.0 * evaluation.cost.abs().max(1.0);
        }
        evaluations.push(evaluation);
        let i = evaluations.len() - 1;
        self.cache.borrow_mut().insert(key, i);
        Some(i)
    }

    /// The best evaluation so far: cheapest feasible, else nearest feasibility.
    fn ranked(&self) -> Vec<usize> {
        rank(&self.evaluations.borrow())
    }
}

/// Evaluation indices best first: feasible ones by cost, then infeasible ones by
/// P(objectives met) (higher first) and cost; ties keep the order run.
fn rank(evaluations: &[Evaluation]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..evaluations.len()).collect();
    order.sort_by(|&a, &b| {
        let (ea, eb) = (&evaluations[a], &evaluations[b]);
        eb.feasible
            .cmp(&ea.feasible)
            .then_with(|| {
                if ea.feasible {
                    std::cmp::Ordering::Equal
                } else {
                    eb.p_objectives_met.total_cmp(&ea.p_objectives_met)
                }
            })
            .then(ea.cost.total_cmp(&eb.cost))
            .then(a.cmp(&b))
    });
    order
}

/// The problem Nelder–Mead sees: the continuous coordinates, the discrete ones fixed.
struct Continuous<'e, 'p, 'o> {
    evaluator: &'e Evaluator<'p, 'o>,
    /// The incumbent point; its continuous coordinates are replaced.
    base: Vec<f64>,
    /// Indices of the continuous coordinates.
    free: Vec<usize>,
}

impl CostFunction for Continuous<'_, '_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, param: &Self::Param) -> Result<Self::Output, argmin::core::Error> {
        let mut point = self.base.clone();
        for (&i, &x) in self.free.iter().zip(param) {
            point[i] = x;
        }
        match self.evaluator.evaluate(&point) {
            Some(i) => Ok(self
                .evaluator
                .score(&self.evaluator.evaluations.borrow()[i])),
            None => Err(argmin::core::Error::msg("the search stopped")),
        }
    }
}

/// A Latin hypercube of `n` points in `dimensions` coordinates, drawn from `seed`.
fn latin_hypercube(n: usize, dimensions: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x6f70_7469_6d69_7a65);
    let mut points = vec![vec![0.0; dimensions]; n];
    for d in 0..dimensions {
        let mut strata: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            strata.swap(i, j);
        }
        for (point, stratum) in points.iter_mut().zip(strata) {
            let jitter: f64 = rng.random();
            point[d] = (stratum as f64 + jitter) / n as f64;
        }
    }
    points
}

/// Run Nelder–Mead over the continuous coordinates from `start`; returns when it
/// converges or the search must stop.
fn nelder_mead(
    evaluator: &Evaluator<'_, '_>,
    start: &[f64],
    free: &[usize],
) -> Result<(), OptimizeError> {
    if free.is_empty() {
        return Ok(());
    }
    let origin: Vec<f64> = free.iter().map(|&i| start[i].clamp(0.0, 1.0)).collect();
    let mut simplex = vec![origin.clone()];
    for k in 0..origin.len() {
        let mut vertex = origin.clone();
        vertex[k] = if vertex[k] + 0.25 <= 1.0 {
            vertex[k] + 0.25
        } else {
            vertex[k] - 0.25
        };
        simplex.push(vertex);
    }
    let tolerance = 1e-6 * *evaluator.penalty.borrow() / 100.0;
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(tolerance)
        .map_err(|e| OptimizeError::Solver(e.to_string()))?;
    let problem = Continuous {
        evaluator,
        base: start.to_vec(),
        free: free.to_vec(),
    };
    let outcome = Executor::new(problem, solver)
        .configure(|state| state.max_iters(evaluator.budget as u64 * 4))
        .run();
    match (outcome, evaluator.stop.borrow().as_ref()) {
        (Ok(_), _) | (Err(_), Some(Stop::Budget)) => Ok(()),
        (Err(_), Some(_)) => Ok(()), // reported by the caller
        (Err(e), None) => Err(OptimizeError::Solver(e.to_string())),
    }
}

/// Search `plan` with at most `budget` evaluations, every one on `options`' trials and
/// seed, then re-simulate the starting strategy, the best plan and the runner-up on
/// fresh trials (seed + 1). Deterministic on any number of threads.
///
/// # Errors
///
/// [`OptimizeError::Run`] when a run stops (e.g. interrupted); [`OptimizeError::Invalid`]
/// if a candidate is not a valid scenario; [`OptimizeError::Solver`] if argmin fails.
pub fn optimize(
    plan: &SearchPlan,
    budget: usize,
    options: RunOptions<'_>,
) -> Result<Optimized, OptimizeError> {
    let budget = budget.max(1);
    let evaluator = Evaluator {
        plan,
        options: &options,
        budget,
        penalty: RefCell::new(1.0),
        evaluations: RefCell::new(Vec::new()),
        cache: RefCell::new(HashMap::new()),
        stop: RefCell::new(None),
    };
    let start = plan.encode(&plan.start);
    let discrete = plan.discrete();
    let free: Vec<usize> = (0..discrete.len()).filter(|&i| !discrete[i]).collect();
    let mut points: Vec<Vec<f64>> = vec![start];
    let dimensions = plan.dimensions();
    let sample = (budget / 4)
        .max(dimensions + 1)
        .min(budget.saturating_sub(1));
    points.extend(latin_hypercube(sample, dimensions, options.seed));
    let mut at_point: Vec<(Vec<f64>, usize)> = Vec::new();
    for point in points {
        match evaluator.evaluate(&point) {
            Some(i) => at_point.push((point, i)),
            None => break,
        }
    }
    let point_of = |i: usize, at_point: &[(Vec<f64>, usize)]| {
        at_point
            .iter()
            .find(|(_, j)| *j == i)
            .map(|(p, _)| p.clone())
            .unwrap_or_else(|| plan.encode(&evaluator.evaluations.borrow()[i].values))
    };
    let best_score = |ev: &Evaluator<'_, '_>| {
        ev.ranked()
            .first()
            .map(|&i| (i, ev.score(&ev.evaluations.borrow()[i])))
    };
    let mut incumbent = best_score(&evaluator);
    while let Some((best, score)) = incumbent {
        if evaluator.stop.borrow().is_some() {
            break;
        }
        let from = point_of(best, &at_point);
        nelder_mead(&evaluator, &from, &free)?;
        // Then each discrete lever flipped at the incumbent.
        let (now, _) = best_score(&evaluator).unwrap_or((best, score));
        let here = plan.encode(&evaluator.evaluations.borrow()[now].values);
        for d in (0..dimensions).filter(|&d| discrete[d]) {
            let mut flipped = here.clone();
            flipped[d] = 1.0 - flipped[d];
            if let Some(i) = evaluator.evaluate(&flipped) {
                at_point.push((flipped, i));
            }
        }
        let next = best_score(&evaluator);
        match next {
            Some((i, s)) if s < score && i != best => incumbent = Some((i, s)),
            _ => break,
        }
    }
    match evaluator.stop.borrow_mut().take() {
        Some(Stop::Run(e)) => return Err(OptimizeError::Run(e)),
        Some(Stop::Invalid(why)) => return Err(OptimizeError::Invalid(why)),
        Some(Stop::Budget) | None => {}
    }
    let evaluations = evaluator.evaluations.into_inner();
    let order = rank(&evaluations);
    let best = order[0];
    let runner_up = order.get(1).copied();
    recheck(plan, options, budget, evaluations, best, runner_up)
}

/// Re-simulate the starting strategy, `best` and `runner_up` on fresh trials and write
/// `best.toml`.
fn recheck(
    plan: &SearchPlan,
    options: RunOptions<'_>,
    budget: usize,
    evaluations: Vec<Evaluation>,
    best: usize,
    runner_up: Option<usize>,
) -> Result<Optimized, OptimizeError> {
    let invalid = |why: String| OptimizeError::Invalid(format!("{}: {why}", plan.path.display()));
    let best_name = plan.fresh_name("optimised");
    let runner_name = plan.fresh_name("runner-up");
    let mut copies: Vec<(String, &[LeverValue])> =
        vec![(best_name.clone(), &evaluations[best].values)];
    if let Some(r) = runner_up {
        copies.push((runner_name.clone(), &evaluations[r].values));
    }
    let recheck_seed = options.seed.wrapping_add(1);
    // best.toml: the file, the optimised strategy beside the original, the run settings
    // of the re-simulation.
    let mut best_document = plan.with_copies(&copies[..1]).map_err(invalid)?;
    if let Some(meta) = best_document.table_mut("scenario") {
        meta.insert("trials".into(), Value::Integer(options.trials as i64));
        meta.insert("seed".into(), Value::Integer(recheck_seed as i64));
    }
    let best_toml = best_document
        .to_text()
        .map_err(|e| invalid(e.to_string()))?;
    let text = plan
        .with_copies(&copies)
        .and_then(|d| d.to_text().map_err(|e| e.to_string()))
        .map_err(invalid)?;
    let mut scenario =
        Scenario::from_toml_str(&text, &plan.path).map_err(|e| invalid(e.to_string()))?;
    let original = plan.strategy_index;
    let keep: Vec<usize> = std::iter::once(original)
        .chain(plan.scenario.strategies.len()..scenario.strategies.len())
        .collect();
    scenario.strategies = keep
        .iter()
        .map(|&i| scenario.strategies[i].clone())
        .collect();
    let mut fresh = options.for_another_run();
    fresh.seed = recheck_seed;
    let raw = engine::run(&scenario, fresh)?;
    let summary = Results::new(&scenario, raw).summary;
    let which = [Some(None), Some(Some(best)), runner_up.map(Some)];
    let recheck = summary
        .iter()
        .zip(which.iter().flatten())
        .map(|(s, &evaluation)| {
            let n = s.trials.max(1) as f64;
            let p = s.p_objectives_met;
            Checked {
                name: s.strategy.clone(),
                evaluation,
                cost: plan.objective.value(s),
                cost_mean: s.cost_mean,
                cost_mean_half_width: 1.96 * s.cost_se,
                p_objectives_met: p,
                p_half_width: 1.96 * (p * (1.0 - p) / n).sqrt(),
                feasible: s.meets_objectives,
            }
        })
        .collect();
    Ok(Optimized {
        scenario_name: plan.scenario.meta.name.clone(),
        currency: plan.scenario.meta.currency.clone(),
        strategy: plan.strategy.clone(),
        levers: plan.levers.clone(),
        objective: plan.objective,
        confidence: plan.confidence,
        trials: options.trials,
        seed: options.seed,
        recheck_seed,
        budget,
        evaluations,
        best,
        runner_up,
        recheck,
        best_toml,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_sum_to_one_and_drop_a_vendor_at_zero() {
        let s = shares(&[0.0, 0.3, 0.6]);
        assert_eq!(s[0], 0.0);
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert_eq!(shares(&[0.0, 0.0]), vec![0.5, 0.5]);
        let s = shares(&[1.0, 1.0, 1.0]);
        assert_eq!(
            s.iter().map(|x| (x * 1000.0).round() as i64).sum::<i64>(),
            1000
        );
    }

    #[test]
    fn a_latin_hypercube_has_one_point_per_stratum_on_every_axis() {
        let points = latin_hypercube(8, 3, 7);
        for d in 0..3 {
            let mut strata: Vec<usize> = points.iter().map(|p| (p[d] * 8.0) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..8).collect::<Vec<_>>());
        }
    }

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
