//! Which uncertain inputs drive cost and service: global rank correlations from one run,
//! and one-at-a-time swings.
//!
//! **Global.** One run of the scenario records, per trial, every input drawn for it
//! ([`TrialInputs`]: growth, each vendor's attrition, defect rate and escalation, and the
//! counts of shocks, disruptions and incident losses). For each input and strategy,
//! Spearman's rank correlation ([`super::rank::spearman`]) with the trial's NPV cost and
//! service level measures how strongly the output moves with that input while every
//! other input varies too, so interactions and correlations between inputs are included.
//! Inputs that do not vary are left out rather than reported as undefined.
//!
//! **Currencies and failures** (MODEL.md V2.2, V2.3). A scenario with sourcing over
//! time also records each currency's index at the horizon and each vendor's failure
//! month (for vendors with `failure_rate_per_year > 0`), drawn from the currency and
//! failure streams the run already uses, so recording them changes no simulated number.
//! They are ranked only, never swung: an index moves every month and a failure month
//! is an event, so no single value stands for "the input at its P10". A failure month
//! is ranked over the trials in which the vendor fails within the horizon only
//! ([`InputKind::ranks_only_where_present`]): there, does failing later cost less?
//!
//! **Correlated inputs.** An input that `[[correlations]]` ties to others (MODEL.md
//! V2.5) moves with its partners, so its rank correlation with an output includes their
//! effect too: two correlated inputs can both rank high though only one acts. Each
//! input lists its partners ([`InputSensitivity::correlated_with`]); the CSV and the
//! report say so. Its swing fixes it alone: the partners keep their own distributions.
//!
//! **One at a time.** Each drawn input is fixed at its own P10 and then its P90
//! ([`crate::model::dist::Sampler::quantile`]) with everything else random, and the
//! scenario re-run with the same seed and trials; the median NPV cost at each end gives a
//! tornado bar. Counts are not drawn directly, so their swing scales the underlying rate
//! (`demand.shocks.rate_per_year`, a vendor's `disruption_rate_per_year` or
//! `incident_rate_per_year`) so that the expected count, or the expected incident loss,
//! equals the P10 or P90 observed in the base run.

use super::rank::{pearson, ranks, spearman, varies};
use crate::engine::{self, RunError, RunOptions, TrialInputs};
use crate::model::dist::Dist;
use crate::results::Results;
use crate::scenario::{InputId, Scenario};
use crate::stats;

/// Lower and upper probabilities of a one-at-a-time swing.
pub const SWING_LOW: f64 = 0.1;
/// Upper probability of a swing.
pub const SWING_HIGH: f64 = 0.9;

/// An uncertain input recorded per trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// Annual demand growth.
    Growth,
    /// Number of demand shocks.
    Shocks,
    /// A vendor's annual attrition (index into the vendors).
    Attrition(usize),
    /// A vendor's defect rate.
    DefectRate(usize),
    /// A vendor's annual price escalation.
    Escalation(usize),
    /// Number of disruptions that started at a vendor.
    Disruptions(usize),
    /// A vendor's total incident loss at full rate.
    IncidentLoss(usize),
    /// A currency's index at the horizon (index into `[[currencies]]`; V2.2). Ranked
    /// only: it moves every month, so no single value can be swung.
    CurrencyIndex(usize),
    /// A vendor's failure month (V2.3), ranked over the trials in which the vendor fails
    /// within the horizon only ([`InputKind::ranks_only_where_present`]).
    FailureMonth(usize),
}

impl InputKind {
    /// The input's value in one trial.
    pub fn value(self, inputs: &TrialInputs) -> f64 {
        let get = |v: &[f64], i: usize| v.get(i).copied().unwrap_or(0.0);
        match self {
            InputKind::Growth => inputs.growth,
            InputKind::Shocks => inputs.shocks as f64,
            InputKind::Attrition(v) => inputs.vendor_draws.get(v).map_or(0.0, |d| d[0]),
            InputKind::DefectRate(v) => inputs.vendor_draws.get(v).map_or(0.0, |d| d[1]),
            InputKind::Escalation(v) => inputs.vendor_draws.get(v).map_or(0.0, |d| d[2]),
            InputKind::Disruptions(v) => inputs.disruptions.get(v).map_or(0.0, |&n| n as f64),
            InputKind::IncidentLoss(v) => get(&inputs.incident_loss, v),
            InputKind::CurrencyIndex(c) => inputs.currency_index.get(c).copied().unwrap_or(1.0),
            InputKind::FailureMonth(v) => inputs.failure_month.get(v).map_or(0.0, |&m| m as f64),
        }
    }

    /// Whether the input is ranked over the trials in which it happened only: a
    /// vendor's failure month, 0 in the trials without a failure. A future without a
    /// failure is not a failure after the horizon (month H + 1): counting it as one
    /// would mostly measure *whether* the vendor failed, which the failure rate's
    /// stress keys show better, and would tie most trials at one rank.
    pub fn ranks_only_where_present(self) -> bool {
        matches!(self, InputKind::FailureMonth(_))
    }

    /// Whether the input is a count (or a sum over a count) rather than a drawn value.
    pub fn is_count(self) -> bool {
        matches!(
            self,
            InputKind::Shocks | InputKind::Disruptions(_) | InputKind::IncidentLoss(_)
        )
    }
}

/// A one-at-a-time swing of one input.
#[derive(Debug, Clone, PartialEq)]
pub struct Swing {
    /// The input's value at the low end (its P10).
    pub low: f64,
    /// The input's value at the high end (its P90).
    pub high: f64,
    /// Each strategy's median NPV cost with the input at `low`.
    pub p50_low: Vec<f64>,
    /// Each strategy's median NPV cost with the input at `high`.
    pub p50_high: Vec<f64>,
}

/// What the analysis found for one input.
#[derive(Debug, Clone, PartialEq)]
pub struct InputSensitivity {
    /// Which input.
    pub kind: InputKind,
    /// Where it comes from in the scenario, e.g. `vendors.A.attrition_annual`.
    pub key: String,
    /// Short label for charts, e.g. `A attrition`.
    pub label: String,
    /// Per strategy: Spearman's rho with NPV cost (`None` if the cost is constant, or
    /// for a currency index or failure month that cannot act on the strategy: no vendor
    /// of it bills in that currency, or it never names that vendor).
    pub rho_cost: Vec<Option<f64>>,
    /// Per strategy: Spearman's rho with service level.
    pub rho_service: Vec<Option<f64>>,
    /// The one-at-a-time swing, if the input can be swung.
    pub swing: Option<Swing>,
    /// The keys of the inputs `[[correlations]]` ties this one to (MODEL.md V2.5), in
    /// file order. When there are any, the input's rank correlations include its
    /// partners' effect on the output; its swing moves it alone.
    pub correlated_with: Vec<String>,
}

/// Sensitivity of one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    /// Scenario name.
    pub scenario_name: String,
    /// Currency label.
    pub currency: String,
    /// Trials of every run.
    pub trials: u64,
    /// Seed of every run.
    pub seed: u64,
    /// Strategy names.
    pub strategies: Vec<String>,
    /// Each strategy's median NPV cost in the base run.
    pub base_p50: Vec<f64>,
    /// Every input that varies, in scenario order.
    pub inputs: Vec<InputSensitivity>,
}

impl Sensitivity {
    /// Inputs in order of their influence on strategy `s`: widest swing first, then
    /// largest |rho| with cost (inputs without a swing after those with one).
    pub fn ranked(&self, s: usize) -> Vec<&InputSensitivity> {
        let mut out: Vec<&InputSensitivity> = self.inputs.iter().collect();
        out.sort_by(|a, b| {
            let width = |i: &InputSensitivity| {
                i.swing
                    .as_ref()
                    .map_or(-1.0, |w| (w.p50_high[s] - w.p50_low[s]).abs())
            };
            let rho = |i: &InputSensitivity| i.rho_cost[s].map_or(0.0, f64::abs);
            width(b)
                .total_cmp(&width(a))
                .then(rho(b).total_cmp(&rho(a)))
        });
        out
    }

    /// Inputs ordered by |Spearman rho| with strategy `s`'s NPV cost, largest first.
    pub fn ranked_by_correlation(&self, s: usize) -> Vec<&InputSensitivity> {
        let mut out: Vec<&InputSensitivity> = self.inputs.iter().collect();
        out.sort_by(|a, b| {
            let rho = |i: &InputSensitivity| i.rho_cost[s].map_or(-1.0, f64::abs);
            rho(b).total_cmp(&rho(a))
        });
        out
    }
}

/// A name as a KEY segment: bare when it can be, quoted otherwise.
fn key_name(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        name.to_string()
    } else {
        format!("\"{name}\"")
    }
}

/// Every candidate input of `scenario`, with its KEY and label: vendors only if some
/// strategy uses them.
fn candidates(scenario: &Scenario) -> Vec<(InputKind, String, String)> {
    let mut out = vec![
        (
            InputKind::Growth,
            "demand.growth_annual".to_string(),
            "Demand growth".to_string(),
        ),
        (
            InputKind::Shocks,
            "demand.shocks (count)".to_string(),
            "Demand shocks (count)".to_string(),
        ),
    ];
    for (c, currency) in scenario.currencies.iter().enumerate() {
        out.push((
            InputKind::CurrencyIndex(c),
            format!("currencies.{}.index (at horizon)", key_name(&currency.code)),
            format!("{} index at horizon", currency.code),
        ));
    }
    for (v, vendor) in scenario.vendors.iter().enumerate() {
        let used = scenario
            .strategies
            .iter()
            .any(|s| s.allocation.iter().any(|a| a.vendor == v));
        let named = used
            || scenario.strategies.iter().any(|s| {
                s.phases
                    .iter()
                    .any(|p| p.allocation.iter().any(|a| a.vendor == v))
                    || s.exits.iter().any(|e| e.fallback == v)
            });
        if named && vendor.failure_rate_per_year > 0.0 {
            out.push((
                InputKind::FailureMonth(v),
                format!(
                    "vendors.{}.failure_month (futures with a failure)",
                    key_name(&vendor.name)
                ),
                format!("{} failure month", vendor.name),
            ));
        }
        if !used {
            continue;
        }
        let k = format!("vendors.{}", key_name(&vendor.name));
        let n = &vendor.name;
        out.extend([
            (
                InputKind::Attrition(v),
                format!("{k}.attrition_annual"),
                format!("{n} attrition"),
            ),
            (
                InputKind::DefectRate(v),
                format!("{k}.defect_rate"),
                format!("{n} defect rate"),
            ),
            (
                InputKind::Escalation(v),
                format!("{k}.price_escalation_annual"),
                format!("{n} price escalation"),
            ),
            (
                InputKind::Disruptions(v),
                format!("{k}.disruptions (count)"),
                format!("{n} disruptions (count)"),
            ),
            (
                InputKind::IncidentLoss(v),
                format!("{k}.incident_loss (total)"),
                format!("{n} incident losses"),
            ),
        ]);
    }
    out
}

/// Whether strategy `s` names vendor `v`: in its allocation, a phase or an exit rule.
fn names_vendor(scenario: &Scenario, s: usize, v: usize) -> bool {
    scenario.strategies.get(s).is_some_and(|t| {
        t.allocation.iter().any(|a| a.vendor == v)
            || t.phases
                .iter()
                .any(|p| p.allocation.iter().any(|a| a.vendor == v))
            || t.exits.iter().any(|e| e.fallback == v || e.vendor == v)
    })
}

/// Whether `kind` can act on strategy `s` at all: a failure month only on a strategy
/// that names the vendor, a currency index only on one that names a vendor billing in
/// it. Elsewhere its rank correlation would be noise, so it is not given.
fn acts_on(scenario: &Scenario, kind: InputKind, s: usize) -> bool {
    match kind {
        InputKind::FailureMonth(v) => names_vendor(scenario, s, v),
        InputKind::CurrencyIndex(c) => scenario
            .vendors
            .iter()
            .enumerate()
            .any(|(v, x)| x.currency == Some(c) && names_vendor(scenario, s, v)),
        _ => true,
    }
}

/// `scenario` with `kind` fixed at `value` (a drawn input), or with its rate scaled by
/// `factor` (a count); `None` if the input cannot be swung.
fn with_input(scenario: &Scenario, kind: InputKind, value: f64, factor: f64) -> Option<Scenario> {
    let mut out = scenario.clone();
    let fix = |sampler: &mut crate::model::dist::Sampler| -> Option<()> {
        *sampler = Dist::Fixed(value).into_sampler(sampler.range()).ok()?;
        Some(())
    };
    match kind {
        InputKind::Growth => fix(&mut out.demand.growth_annual)?,
        InputKind::Attrition(v) => fix(&mut out.vendors.get_mut(v)?.attrition_annual)?,
        InputKind::DefectRate(v) => fix(&mut out.vendors.get_mut(v)?.defect_rate)?,
        InputKind::Escalation(v) => fix(&mut out.vendors.get_mut(v)?.price_escalation_annual)?,
        InputKind::Shocks => out.demand.shocks.rate_per_year *= factor,
        InputKind::Disruptions(v) => out.vendors.get_mut(v)?.disruption_rate_per_year *= factor,
        InputKind::IncidentLoss(v) => out.vendors.get_mut(v)?.incident_rate_per_year *= factor,
        InputKind::CurrencyIndex(_) | InputKind::FailureMonth(_) => return None,
    }
    Some(out)
}

/// The keys of the inputs `[[correlations]]` ties `kind` to, in file order.
fn partners(scenario: &Scenario, kind: InputKind) -> Vec<String> {
    let id = match kind {
        InputKind::Growth => InputId::Growth,
        InputKind::Attrition(v) => InputId::Attrition(v),
        InputKind::DefectRate(v) => InputId::DefectRate(v),
        InputKind::Escalation(v) => InputId::Escalation(v),
        _ => return Vec::new(),
    };
    scenario
        .correlations
        .iter()
        .filter_map(|c| match c.between {
            [a, b] if a == id => Some(b.key(scenario)),
            [a, b] if b == id => Some(a.key(scenario)),
            _ => None,
        })
        .collect()
}

/// The two swing scenarios of an input and its values at each end, or `None` if it is
/// fixed in the file (a drawn input) or never occurred (a count).
fn swing_plan(
    scenario: &Scenario,
    kind: InputKind,
    column: &[f64],
) -> Option<(f64, f64, Scenario, Scenario)> {
    let sampler = match kind {
        InputKind::Growth => Some(&scenario.demand.growth_annual),
        InputKind::Attrition(v) => Some(&scenario.vendors[v].attrition_annual),
        InputKind::DefectRate(v) => Some(&scenario.vendors[v].defect_rate),
        InputKind::Escalation(v) => Some(&scenario.vendors[v].price_escalation_annual),
        // Ranked only (MODEL.md V2.2, V2.3): never swung one at a time.
        InputKind::CurrencyIndex(_) | InputKind::FailureMonth(_) => return None,
        _ => None,
    };
    match sampler {
        Some(sampler) => {
            if !sampler.dist().is_uncertain() {
                return None;
            }
            let (lo, hi) = (sampler.quantile(SWING_LOW), sampler.quantile(SWING_HIGH));
            Some((
                lo,
                hi,
                with_input(scenario, kind, lo, 1.0)?,
                with_input(scenario, kind, hi, 1.0)?,
            ))
        }
        None => {
            let mean = stats::mean(column);
            if mean <= 0.0 || !mean.is_finite() {
                return None;
            }
            let sorted = stats::sorted(column);
            let lo = stats::quantile_sorted(&sorted, SWING_LOW);
            let hi = stats::quantile_sorted(&sorted, SWING_HIGH);
            Some((
                lo,
                hi,
                with_input(scenario, kind, 0.0, lo / mean)?,
                with_input(scenario, kind, 0.0, hi / mean)?,
            ))
        }
    }
}

/// Number of engine runs [`analyse`] will make (the base run plus two per swing), for
/// progress bars. Cheap: no simulation.
pub fn planned_runs(scenario: &Scenario) -> u64 {
    let swings = candidates(scenario)
        .iter()
        .filter(|(k, _, _)| !k.is_count())
        .filter(|(k, _, _)| {
            let s = match *k {
                InputKind::Growth => &scenario.demand.growth_annual,
                InputKind::Attrition(v) => &scenario.vendors[v].attrition_annual,
                InputKind::DefectRate(v) => &scenario.vendors[v].defect_rate,
                InputKind::Escalation(v) => &scenario.vendors[v].price_escalation_annual,
                _ => return false,
            };
            s.dist().is_uncertain()
        })
        .count() as u64;
    let counts = candidates(scenario)
        .iter()
        .filter(|(k, _, _)| match *k {
            InputKind::Shocks => scenario.demand.shocks.rate_per_year > 0.0,
            InputKind::Disruptions(v) => scenario.vendors[v].disruption_rate_per_year > 0.0,
            InputKind::IncidentLoss(v) => scenario.vendors[v].incident_rate_per_year > 0.0,
            _ => false,
        })
        .count() as u64;
    1 + 2 * (swings + counts)
}

/// Run the base scenario recording every trial's inputs, then every swing, all with
/// `options` (its sink, if any, receives the base run's trials). Returns the base run's
/// results and the analysis. Deterministic on any thread count: the engine hands the
/// inputs back in trial order and every statistic is taken in trial order.
///
/// Cost: `1 + 2k` runs of the scenario for `k` swung inputs, plus O(m n log n) for the
/// rank correlations of `m` inputs over `n` trials.
///
/// # Errors
///
/// The first run that stops ([`RunError`]).
pub fn analyse(
    scenario: &Scenario,
    options: RunOptions<'_>,
) -> Result<(Results, Sensitivity), RunError> {
    let swings = options.for_another_run();
    let (trials, seed) = (options.trials, options.seed);
    let mut raw = engine::run(scenario, options.collect_inputs())?;
    let inputs: Vec<TrialInputs> = std::mem::take(&mut raw.inputs);
    let results = Results::new(scenario, raw);
    let strategies = results.strategies.len();
    let cost_ranks: Vec<Vec<f64>> = (0..strategies)
        .map(|s| ranks(results.costs_of(s)))
        .collect();
    let service_ranks: Vec<Vec<f64>> = (0..strategies)
        .map(|s| ranks(results.service_of(s)))
        .collect();
    let mut found = Vec::new();
    for (kind, key, label) in candidates(scenario) {
        let column: Vec<f64> = inputs.iter().map(|i| kind.value(i)).collect();
        if !varies(&column) {
            continue;
        }
        let (rho_cost, rho_service) = if kind.ranks_only_where_present() {
            // Over the trials in which the input happened only, ranked among them.
            let present: Vec<usize> = (0..column.len()).filter(|&t| column[t] > 0.0).collect();
            let pick =
                |values: &[f64]| -> Vec<f64> { present.iter().map(|&t| values[t]).collect() };
            let months = pick(&column);
            if !varies(&months) {
                continue;
            }
            let rho = |s: usize, values: &[f64]| {
                spearman(&months, &pick(values)).filter(|_| acts_on(scenario, kind, s))
            };
            (
                (0..strategies)
                    .map(|s| rho(s, results.costs_of(s)))
                    .collect(),
                (0..strategies)
                    .map(|s| rho(s, results.service_of(s)))
                    .collect(),
            )
        } else {
            let input_ranks = ranks(&column);
            let rho = |s: usize, r: &[f64]| {
                pearson(&input_ranks, r).filter(|_| acts_on(scenario, kind, s))
            };
            (
                cost_ranks
                    .iter()
                    .enumerate()
                    .map(|(s, r)| rho(s, r))
                    .collect(),
                service_ranks
                    .iter()
                    .enumerate()
                    .map(|(s, r)| rho(s, r))
                    .collect(),
            )
        };
        let swing = swing_plan(scenario, kind, &column)
            .map(|(low, high, at_low, at_high)| {
                let p50 = |sc: &Scenario| -> Result<Vec<f64>, RunError> {
                    let raw = engine::run(sc, swings.for_another_run())?;
                    let summary = Results::new(sc, raw).summary;
                    Ok(summary.iter().map(|x| x.cost_p50).collect())
                };
                Ok::<_, RunError>(Swing {
                    low,
                    high,
                    p50_low: p50(&at_low)?,
                    p50_high: p50(&at_high)?,
                })
            })
            .transpose()?;
        found.push(InputSensitivity {
            kind,
            key,
            label,
            rho_cost,
            rho_service,
            swing,
            correlated_with: partners(scenario, kind),
        });
    }
    let sensitivity = Sensitivity {
        scenario_name: scenario.meta.name.clone(),
        currency: scenario.meta.currency.clone(),
        trials,
        seed,
        strategies: results.strategies.clone(),
        base_p50: results.summary.iter().map(|x| x.cost_p50).collect(),
        inputs: found,
    };
    Ok((results, sensitivity))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const TEXT: &str = r#"
[scenario]
name = "Sens"
horizon_months = 12
trials = 400
seed = 5

[demand]
base_per_month = 1000
growth_annual = { dist = "uniform", min = 0.0, max = 1.0 }

[[vendors]]
name = "A"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 10
max_fte = 40
attrition_annual = { dist = "uniform", min = 0.10, max = 0.11 }

[[strategies]]
name = "Only A"
allocation = [{ vendor = "A", share = 1.0 }]
"#;

    #[test]
    fn the_input_that_carries_the_uncertainty_ranks_first() {
        let scenario =
            Scenario::from_toml_str(TEXT, Path::new("s.toml")).unwrap_or_else(|e| panic!("{e}"));
        let (_, sens) =
            analyse(&scenario, RunOptions::new(400, 5)).unwrap_or_else(|e| panic!("{e}"));
        let top = sens.ranked(0)[0];
        assert_eq!(top.kind, InputKind::Growth);
        let rho = top.rho_cost[0].unwrap_or(0.0);
        assert!(rho > 0.8, "rho = {rho}");
        // Constant inputs (defect rate, escalation, counts) are left out.
        assert!(
            sens.inputs
                .iter()
                .all(|i| matches!(i.kind, InputKind::Growth | InputKind::Attrition(0)))
        );
        let swing = top.swing.as_ref().map(|w| w.p50_high[0] - w.p50_low[0]);
        assert!(swing.is_some_and(|w| w > 0.0));
        assert_eq!(planned_runs(&scenario), 5);
        let csv = String::from_utf8(
            crate::output::csv::sensitivity(&sens).unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            csv.lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("Only A,1,demand.growth_annual,"))
        );
    }

    /// One vendor billed in a volatile currency with nothing else uncertain but the
    /// failure of a cheap second source: the bill follows the index, so cost rises with
    /// the index at the horizon; the later the cheap vendor fails, the longer its share
    /// is billed at its lower rate, so among the futures where it fails cost falls as
    /// the failure month rises.
    const V2: &str = r#"
[scenario]
name = "Currency and failure"
horizon_months = 24
trials = 400
seed = 3

[demand]
base_per_month = 1000

[[currencies]]
code = "INR"
drift_annual = 0.0
volatility_annual = 0.5

[[vendors]]
name = "Abroad"
currency = "INR"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 5
max_fte = 40

[[vendors]]
name = "Cheap"
rate_per_fte_month = 200
units_per_fte_month = 100
initial_fte = 5
max_fte = 40
failure_rate_per_year = 1.0

[[strategies]]
name = "Both"
allocation = [{ vendor = "Abroad", share = 0.5 }, { vendor = "Cheap", share = 0.5 }]

[[strategies]]
name = "Abroad only"
allocation = [{ vendor = "Abroad", share = 1.0 }]
"#;

    #[test]
    fn currencies_and_failures_are_ranked_and_never_swung() {
        let scenario =
            Scenario::from_toml_str(V2, Path::new("v2.toml")).unwrap_or_else(|e| panic!("{e}"));
        let (_, sens) =
            analyse(&scenario, RunOptions::new(400, 3)).unwrap_or_else(|e| panic!("{e}"));
        let find = |kind| {
            sens.inputs
                .iter()
                .find(|i| i.kind == kind)
                .unwrap_or_else(|| panic!("{kind:?} is listed"))
        };
        let index = find(InputKind::CurrencyIndex(0));
        assert_eq!(index.key, "currencies.INR.index (at horizon)");
        let rho = index.rho_cost[0].unwrap_or(0.0);
        assert!(rho > 0.6, "cost rises with the index: rho = {rho}");
        assert!(index.swing.is_none());
        let failure = find(InputKind::FailureMonth(1));
        assert_eq!(
            failure.key,
            "vendors.Cheap.failure_month (futures with a failure)"
        );
        assert!(failure.swing.is_none());
        // A strategy without the vendor has no rank for its failure month.
        assert_eq!((failure.rho_cost[1], failure.rho_service[1]), (None, None));
        assert!(
            index.rho_cost[1].is_some_and(|r| r > 0.6),
            "{:?}",
            index.rho_cost
        );
        // With a steady currency only the failure month is left to move the cost.
        let steady = Scenario::from_toml_str(
            &V2.replace("volatility_annual = 0.5", "volatility_annual = 0.0"),
            Path::new("v2.toml"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let (_, steady) =
            analyse(&steady, RunOptions::new(400, 3)).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            steady
                .inputs
                .iter()
                .all(|i| i.kind != InputKind::CurrencyIndex(0)),
            "a constant index is left out"
        );
        let failure = steady
            .inputs
            .iter()
            .find(|i| i.kind == InputKind::FailureMonth(1))
            .unwrap_or_else(|| panic!("listed"));
        let rho = failure.rho_cost[0].unwrap_or(0.0);
        assert!(rho < -0.8, "a later failure costs less: rho = {rho}");
        // The vendor that cannot fail has no failure month.
        assert!(
            sens.inputs
                .iter()
                .all(|i| i.kind != InputKind::FailureMonth(0))
        );
        // Neither is swung: one base run only.
        assert_eq!(planned_runs(&scenario), 1);
    }

    /// Over the failing trials only: the same value as Spearman's rho computed by hand
    /// on those trials' months and costs.
    #[test]
    fn failure_months_rank_over_the_failing_futures_only() {
        let scenario =
            Scenario::from_toml_str(V2, Path::new("v2.toml")).unwrap_or_else(|e| panic!("{e}"));
        let mut raw = engine::run(&scenario, RunOptions::new(400, 3).collect_inputs())
            .unwrap_or_else(|e| panic!("{e}"));
        let inputs = std::mem::take(&mut raw.inputs);
        let results = Results::new(&scenario, raw);
        let (months, costs): (Vec<f64>, Vec<f64>) = inputs
            .iter()
            .zip(results.costs_of(0))
            .filter(|(i, _)| i.failure_month[1] > 0)
            .map(|(i, &c)| (i.failure_month[1] as f64, c))
            .unzip();
        assert!(months.len() > 100 && months.len() < 400, "{}", months.len());
        let (_, sens) =
            analyse(&scenario, RunOptions::new(400, 3)).unwrap_or_else(|e| panic!("{e}"));
        let failure = sens
            .inputs
            .iter()
            .find(|i| i.kind == InputKind::FailureMonth(1))
            .unwrap_or_else(|| panic!("listed"));
        assert_eq!(failure.rho_cost[0], spearman(&months, &costs));
    }

    /// A version 1 file has no currency or failure inputs; a version 2 example lists
    /// every currency and every vendor that can fail.
    #[test]
    fn only_version_2_files_list_currencies_and_failures() {
        let kinds = |scenario: &Scenario| -> Vec<InputKind> {
            candidates(scenario)
                .into_iter()
                .map(|(k, _, _)| k)
                .collect()
        };
        let v1 =
            Scenario::from_toml_str(TEXT, Path::new("s.toml")).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            kinds(&v1)
                .iter()
                .all(|k| !matches!(k, InputKind::CurrencyIndex(_) | InputKind::FailureMonth(_)))
        );
        let path = Path::new("scenarios/claims_transition.toml");
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
        let v2 = Scenario::from_toml_str(&text, path).unwrap_or_else(|e| panic!("{e}"));
        let listed = kinds(&v2);
        for c in 0..v2.currencies.len() {
            assert!(listed.contains(&InputKind::CurrencyIndex(c)));
        }
        let failing: Vec<usize> = (0..v2.vendors.len())
            .filter(|&v| v2.vendors[v].failure_rate_per_year > 0.0)
            .collect();
        assert!(!v2.currencies.is_empty() && !failing.is_empty());
        for v in failing {
            assert!(listed.contains(&InputKind::FailureMonth(v)));
        }
        // A short run of the example ranks them from the recorded draws.
        let (_, sens) = analyse(&v2, RunOptions::new(200, 1)).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            sens.inputs
                .iter()
                .any(|i| matches!(i.kind, InputKind::CurrencyIndex(_)))
        );
        assert!(
            sens.inputs
                .iter()
                .any(|i| matches!(i.kind, InputKind::FailureMonth(_)))
        );
    }

    #[test]
    fn keys_quote_names_that_need_it() {
        assert_eq!(key_name("A"), "A");
        assert_eq!(key_name("Low Cost"), "\"Low Cost\"");
    }
}
