//! What a run produces: per-trial outputs, per-strategy summaries, pairwise comparisons
//! and month-by-month bands (`docs/model.md`, "Per strategy, over trials").
//!
//! These are plain data, built from the engine's [`RawRun`] by the pure functions of
//! [`crate::stats`]; tables, charts and reports render them. A run keeps, per trial and
//! strategy, only the NPV cost and the service level (16 bytes), whose percentiles and
//! pairwise differences need every value; every other per-trial output is summed by
//! block as it is produced and reaches disk only through the engine's trial sink.

use rayon::prelude::*;
use serde::Serialize;

use crate::engine::{MonthlySketches, RawRun, StrategySums, TRIAL_METRICS, TrialMetrics};
use crate::scenario::{Sampling, Scenario};
use crate::stats::{self, sketch::QuantileSketch};

/// Everything a run produced for one scenario.
#[derive(Debug, Clone)]
pub struct Results {
    /// Trials run.
    pub trials: u64,
    /// Seed used.
    pub seed: u64,
    /// Months simulated.
    pub horizon: usize,
    /// Strategy names, in file order.
    pub strategies: Vec<String>,
    /// NPV cost of every trial, one vector per strategy, in trial order.
    pub costs: Vec<Vec<f64>>,
    /// Service level of every trial, one vector per strategy, in trial order.
    pub service: Vec<Vec<f64>>,
    /// One summary per strategy, in file order.
    pub summary: Vec<StrategySummary>,
    /// Every ordered pair of distinct strategies.
    pub pairs: Vec<PairSummary>,
    /// Month-by-month bands, strategy-major.
    pub monthly: Vec<MonthlyRow>,
    /// The backlog, in months of demand, beyond which a month breaks (V2.7), when the
    /// scenario sets that objective: "what breaks first" then reads breaks instead of
    /// shortfalls.
    pub max_backlog_months: Option<f64>,
    /// How the per-trial inputs were sampled; under Latin hypercube sampling standard
    /// errors and pairwise intervals come from block means (`stats::standard_error`).
    pub sampling: Sampling,
    /// The realised Spearman correlation of each `[[correlations]]` entry over the run,
    /// in file order (`None` where an input did not vary); empty without correlations.
    pub realised_correlations: Vec<Option<f64>>,
    /// Per strategy, month and vendor of the strategy, the share of trials in which the
    /// vendor is active (V2.6); strategy-major, then month, then vendor.
    pub monthly_vendors: Vec<MonthlyVendorRow>,
    /// Per strategy and each of its vendors (strategy by strategy, vendors in order of
    /// first mention), what exits and failures did; empty without sourcing over time.
    pub vendor_exits: Vec<VendorExits>,
}

/// What exits and failures did to one vendor of one strategy over the run's futures
/// (`docs/model.md`, "Exits and failures per vendor").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VendorExits {
    /// Index into [`Results::strategies`].
    #[serde(skip)]
    pub strategy: usize,
    /// Vendor name.
    pub vendor: String,
    /// Share of futures in which the strategy's exit rule left the vendor.
    pub p_left: f64,
    /// Share of futures in which the vendor failed while the strategy used it.
    pub p_failed: f64,
    /// When it was left: P10, P50 and P90 of the month (nearest rank); `None` if never.
    pub left_month: Option<MonthSpread>,
    /// Mean over the futures in which it was left of what leaving cost (releases of
    /// every head and the exit fee, undiscounted); 0 if never left.
    pub left_cost_mean: f64,
    /// When it failed; `None` if it never did.
    pub failed_month: Option<MonthSpread>,
    /// Per month `t` at index `t - 1` (the whole horizon): futures in which it was left
    /// in `t`.
    #[serde(skip)]
    pub left_by_month: Vec<u64>,
    /// Per month: futures in which it failed in `t`.
    #[serde(skip)]
    pub failed_by_month: Vec<u64>,
}

/// When events happened over the futures of a run ([`crate::stats::months`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MonthSpread {
    /// Month by which 10% of the events had happened.
    pub p10: u32,
    /// Median month.
    pub p50: u32,
    /// Month by which 90% had happened.
    pub p90: u32,
    /// First month of the shortest run of months holding at least half the events.
    pub most_often_from: u32,
    /// Last month of that run.
    pub most_often_to: u32,
}

impl MonthSpread {
    /// The spread of a histogram of event months; `None` without events.
    pub fn of(counts: &[u64]) -> Option<MonthSpread> {
        let q = |p| stats::months::month_quantile(counts, p);
        let (from, to) = stats::months::busiest_run(counts)?;
        Some(MonthSpread {
            p10: q(0.1)?,
            p50: q(0.5)?,
            p90: q(0.9)?,
            most_often_from: from,
            most_often_to: to,
        })
    }
}

/// One vendor of one strategy in one month: how often it is active.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyVendorRow {
    /// Index into [`Results::strategies`].
    pub strategy: usize,
    /// Month, 1-based.
    pub month: u32,
    /// Vendor name.
    pub vendor: String,
    /// Share of trials in which the vendor has a positive share and has not failed.
    pub p_active: f64,
}

/// One strategy over all trials. Costs are of `cost_npv` unless named otherwise.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StrategySummary {
    /// Strategy name.
    pub strategy: String,
    /// Trials summarised.
    pub trials: u64,
    /// Mean NPV cost.
    pub cost_mean: f64,
    /// Standard deviation of NPV cost.
    pub cost_sd: f64,
    /// Standard error of the mean NPV cost.
    pub cost_se: f64,
    /// 5th percentile of NPV cost.
    pub cost_p5: f64,
    /// Median NPV cost.
    pub cost_p50: f64,
    /// 95th percentile of NPV cost.
    pub cost_p95: f64,
    /// Mean of the worst 5% of NPV costs.
    pub cost_cvar95: f64,
    /// Mean cost per unit (undiscounted).
    pub cost_per_unit_mean: f64,
    /// Mean service level.
    pub service_level_mean: f64,
    /// 5th percentile of service level.
    pub service_level_p5: f64,
    /// Mean defect rate.
    pub defect_rate_mean: f64,
    /// Mean leavers.
    pub leavers_mean: f64,
    /// Mean hires.
    pub hires_mean: f64,
    /// Mean incidents.
    pub incidents_mean: f64,
    /// Mean shortfall months.
    pub shortfall_months_mean: f64,
    /// Share of trials with at least one shortfall month.
    pub p_shortfall: f64,
    /// Mean final backlog.
    pub final_backlog_mean: f64,
    /// Share of trials meeting every objective.
    pub p_objectives_met: f64,
    /// `p_objectives_met >= confidence`.
    pub meets_objectives: bool,
    /// Mean labor cost.
    pub labor_mean: f64,
    /// Mean onboarding cost.
    pub onboarding_mean: f64,
    /// Mean setup cost.
    pub setup_mean: f64,
    /// Mean oversight cost.
    pub oversight_mean: f64,
    /// Mean defect cost.
    pub defects_mean: f64,
    /// Mean delay cost.
    pub delay_mean: f64,
    /// Mean incident losses.
    pub incidents_cost_mean: f64,
    /// Mean SLA credits.
    pub credits_mean: f64,
    /// Mean undiscounted total cost.
    pub cost_total_mean: f64,
    /// First month in which more than half the trials are short of capacity, if any.
    pub first_shortfall_month: Option<u32>,
    /// Early end of a 95% interval for that month: the first month whose P(shortfall)
    /// could exceed one half (upper Wilson bound above 0.5).
    pub first_shortfall_month_ci_low: Option<u32>,
    /// Late end: the first month whose P(shortfall) surely exceeds one half (lower
    /// Wilson bound above 0.5).
    pub first_shortfall_month_ci_high: Option<u32>,
    /// Mean take-or-pay top-ups to minimum monthly fees (V2.1).
    pub commitment_mean: f64,
    /// Mean cost of heads released (V2.1).
    pub releases_mean: f64,
    /// Mean knowledge-transfer cost during transitions (V2.3).
    pub transition_mean: f64,
    /// Mean exit fees (V2.3).
    pub exit_mean: f64,
    /// Mean number of vendors left by an exit or lost to a failure.
    pub exits_mean: f64,
    /// Mean month of the first exit or failure, counting 0 for trials without one.
    pub first_exit_month_mean: f64,
    /// Share of trials with at least one exit or failure.
    pub p_exit: f64,
    /// Mean discounted cash paid: the NPV cost without defects and delay (V2.6).
    pub cash_mean: f64,
    /// 95th percentile of the discounted cash paid, from a quantile sketch (within
    /// 0.4% of the order statistic, [`crate::stats::sketch::RELATIVE_ACCURACY`]).
    pub cash_p95: f64,
    /// Mean discounted economic cost, defects and delay, which no invoice shows:
    /// `cost_mean - cash_mean`.
    pub economic_mean: f64,
    /// Mean months whose backlog exceeds `max_backlog_months` of demand (V2.7).
    pub break_months_mean: f64,
    /// Share of trials with at least one month that breaks.
    pub p_break: f64,
    /// First month in which more than half the trials break, if any.
    pub first_break_month: Option<u32>,
    /// Early end of its 95% interval: the first month whose P(break) could exceed one
    /// half (upper Wilson bound above 0.5).
    pub first_break_month_ci_low: Option<u32>,
    /// Late end: the first month whose P(break) surely exceeds one half (lower Wilson
    /// bound above 0.5).
    pub first_break_month_ci_high: Option<u32>,
    /// Mean of every per-trial output, in the order of [`TRIAL_METRICS`] (not a column:
    /// the columns above name the ones the tables show).
    #[serde(skip)]
    pub means: Vec<f64>,
}

impl StrategySummary {
    /// The mean of the per-trial output named `name` in [`TRIAL_METRICS`], if there is
    /// one.
    pub fn mean(&self, name: &str) -> Option<f64> {
        self.means.get(metric_index(name)?).copied()
    }
}

/// One component of the cost: a per-trial output in currency that adds to the month's
/// cost (MODEL.md V2.8 rule 1), or, for SLA credits, is subtracted from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostComponent {
    /// Its name in [`TRIAL_METRICS`].
    pub name: &'static str,
    /// Its label in tables and charts.
    pub label: &'static str,
    /// Whether it is paid to someone (cash), or one of the client's economic costs,
    /// defects and delay, which no invoice shows (V2.6).
    pub cash: bool,
    /// Whether it is subtracted from the cost (SLA credits).
    pub subtracted: bool,
    /// Whether it comes with model v2 (commitment, transition, releases, exit fees):
    /// tables show those only when a strategy has them.
    pub model_v2: bool,
}

const fn component(name: &'static str, label: &'static str) -> CostComponent {
    CostComponent {
        name,
        label,
        cash: true,
        subtracted: false,
        model_v2: false,
    }
}

const fn component_v2(name: &'static str, label: &'static str) -> CostComponent {
    CostComponent {
        model_v2: true,
        ..component(name, label)
    }
}

/// Every cost component, in the order tables and the cost-breakdown chart list them:
/// version 1's first (labor, then what a rate card leaves out), model v2's after them,
/// credits last. Every output of [`TRIAL_METRICS`] in currency except the totals
/// (`cost_npv`, `cost_total`, `cash_npv`) is one.
pub const COST_COMPONENTS: &[CostComponent] = &[
    component("labor", "Labor"),
    component("onboarding", "Onboarding"),
    component("setup", "Setup"),
    component("oversight", "Oversight"),
    CostComponent {
        cash: false,
        ..component("defects", "Defects")
    },
    CostComponent {
        cash: false,
        ..component("delay", "Delay")
    },
    component("incidents_cost", "Incidents"),
    component_v2("commitment", "Commitment"),
    component_v2("transition", "Transition"),
    component_v2("releases", "Releases"),
    component_v2("exit", "Exit fees"),
    CostComponent {
        subtracted: true,
        ..component("credits", "SLA credits")
    },
];

impl CostComponent {
    /// The component's mean (undiscounted, as a positive amount even when subtracted)
    /// in a strategy's summary.
    pub fn mean(&self, s: &StrategySummary) -> f64 {
        s.mean(self.name).unwrap_or(0.0)
    }

    /// Whether tables of `summary`'s strategies show the component: always for those
    /// of version 1, for model v2's only when a strategy has them (non-zero mean).
    pub fn shown(&self, summary: &[StrategySummary]) -> bool {
        !self.model_v2 || summary.iter().any(|s| self.mean(s) != 0.0)
    }
}

/// A trial's cost components added up, as [`COST_COMPONENTS`] lists them: their sum
/// with credits subtracted (which `cost_total` must equal, to rounding), and the sum of
/// their sizes (the scale of that rounding).
pub fn components_sum(m: &TrialMetrics) -> (f64, f64) {
    let values = m.values();
    COST_COMPONENTS
        .iter()
        .filter_map(|c| Some((c, values[metric_index(c.name)?])))
        .fold((0.0, 0.0), |(sum, scale), (c, x)| {
            let signed = if c.subtracted { -x } else { x };
            (sum + signed, scale + x.abs())
        })
}

/// The index in [`TRIAL_METRICS`] of the per-trial output named `name`.
pub fn metric_index(name: &str) -> Option<usize> {
    TRIAL_METRICS.iter().position(|m| m.name == name)
}

/// Strategy `a` against strategy `b` over the same trials.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PairSummary {
    /// First strategy.
    pub strategy_a: String,
    /// Second strategy.
    pub strategy_b: String,
    /// Share of trials where a's NPV cost is lower.
    pub p_a_cheaper: f64,
    /// Mean of a's NPV cost minus b's.
    pub mean_diff: f64,
    /// Lower end of the 95% CI of `mean_diff`.
    pub diff_ci_low: f64,
    /// Upper end.
    pub diff_ci_high: f64,
}

/// 10th, 50th and 90th percentiles over trials.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Band {
    /// 10th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
}

/// One strategy in one month, over trials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthlyRow {
    /// Index into [`Results::strategies`].
    pub strategy: usize,
    /// Month, 1-based.
    pub month: u32,
    /// Demand.
    pub demand: Band,
    /// Capacity.
    pub capacity: Band,
    /// Backlog at month end.
    pub backlog: Band,
    /// Heads paid (percentiles rounded to whole heads).
    pub heads: Band,
    /// Undiscounted cumulative cost.
    pub cumulative_cost: Band,
    /// Share of trials short of capacity this month.
    pub p_shortfall: f64,
    /// Share of trials in which this month broke (V2.7).
    pub p_break: f64,
}

impl Results {
    /// Summarise a run of `scenario` from everything the engine kept. Whatever else the
    /// run carried ([`RawRun::inputs`], [`RawRun::precision`]) should be taken from it
    /// first.
    pub fn new(scenario: &Scenario, raw: RawRun) -> Self {
        let strategies: Vec<String> = scenario.strategies.iter().map(|s| s.name.clone()).collect();
        let monthly = monthly_rows(&raw.monthly);
        let monthly_vendors = monthly_vendor_rows(scenario, &raw);
        let vendor_exits = vendor_exits(scenario, &raw);
        let confidence = scenario.objectives.as_ref().map_or(0.9, |o| o.confidence);
        let sums = raw.sums;
        let mut results = Results {
            trials: raw.trials,
            seed: raw.seed,
            horizon: scenario.horizon(),
            strategies,
            costs: raw.costs,
            service: raw.service,
            summary: Vec::new(),
            pairs: Vec::new(),
            monthly,
            max_backlog_months: scenario
                .objectives
                .as_ref()
                .and_then(|o| o.max_backlog_months),
            sampling: raw.sampling,
            realised_correlations: raw.realised_correlations,
            monthly_vendors,
            vendor_exits,
        };
        // Strategies and pairs are summarised in parallel; each figure is computed by
        // one task in a fixed order, so the results do not depend on the threads.
        results.summary = sums
            .par_iter()
            .enumerate()
            .map(|(s, sums)| results.summarise(s, sums, confidence))
            .collect();
        let n = results.costs.len();
        let ordered: Vec<(usize, usize)> = (0..n)
            .flat_map(|a| (0..n).filter(move |&b| b != a).map(move |b| (a, b)))
            .collect();
        results.pairs = ordered
            .par_iter()
            .map(|&(a, b)| {
                let d = stats::paired_difference_in_blocks(
                    &results.costs[a],
                    &results.costs[b],
                    results.lhs_block(),
                );
                PairSummary {
                    strategy_a: results.strategies[a].clone(),
                    strategy_b: results.strategies[b].clone(),
                    p_a_cheaper: d.p_a_lower,
                    mean_diff: d.mean_diff,
                    diff_ci_low: d.ci_low,
                    diff_ci_high: d.ci_high,
                }
            })
            .collect();
        results
    }

    /// The first summary, pairwise or month-by-month figure that is not finite, named;
    /// `None` when every one is.
    pub fn first_non_finite(&self) -> Option<String> {
        for s in &self.summary {
            let json = match serde_json::to_value(s) {
                Ok(json) => json,
                Err(e) => return Some(format!("{}: {e}", s.strategy)),
            };
            let fields = json.as_object().into_iter().flatten();
            for (key, x) in fields.filter_map(|(k, v)| Some((k, v.as_f64()?))) {
                if !x.is_finite() {
                    return Some(format!("{}: {key} = {x}", s.strategy));
                }
            }
        }
        for p in &self.pairs {
            for x in [p.p_a_cheaper, p.mean_diff, p.diff_ci_low, p.diff_ci_high] {
                if !x.is_finite() {
                    return Some(format!("pair {} - {}: {x}", p.strategy_a, p.strategy_b));
                }
            }
        }
        for row in &self.monthly {
            for band in [
                row.demand,
                row.capacity,
                row.backlog,
                row.heads,
                row.cumulative_cost,
            ] {
                if !(band.p10.is_finite() && band.p50.is_finite() && band.p90.is_finite()) {
                    return Some(format!(
                        "month {} of strategy {}: {band:?}",
                        row.month, row.strategy
                    ));
                }
            }
        }
        None
    }

    /// NPV costs of strategy `s`, in trial order.
    pub fn costs_of(&self, s: usize) -> &[f64] {
        &self.costs[s]
    }

    /// Service levels of strategy `s`, in trial order.
    pub fn service_of(&self, s: usize) -> &[f64] {
        &self.service[s]
    }

    /// Month-by-month rows of strategy `s`.
    pub fn monthly_of(&self, s: usize) -> &[MonthlyRow] {
        &self.monthly[s * self.horizon..(s + 1) * self.horizon]
    }

    /// The block size of a Latin hypercube run, `None` under random sampling.
    fn lhs_block(&self) -> Option<usize> {
        (self.sampling == Sampling::Lhs).then_some(crate::engine::BLOCK_TRIALS)
    }

    fn summarise(&self, s: usize, sums: &StrategySums, confidence: f64) -> StrategySummary {
        let cost = &self.costs[s];
        let sorted_cost = stats::sorted(cost);
        let service = &self.service[s];
        let sorted_service = stats::sorted(service);
        let n = cost.len() as f64;
        let mean_of = |sum: f64| if n > 0.0 { sum / n } else { 0.0 };
        let means: Vec<f64> = (0..TRIAL_METRICS.len())
            .map(|i| mean_of(sums.sum(i)))
            .collect();
        let mean = |name: &str| metric_index(name).map_or(0.0, |i| means[i]);
        let share =
            |name: &str| metric_index(name).map_or(0.0, |i| mean_of(sums.positive(i) as f64));
        let cost_sd = stats::sd(cost);
        let cost_mean = stats::mean(cost);
        let p_met = share("objectives_met");
        let months = self.monthly_of(s);
        let (first_shortfall_month, first_shortfall_month_ci_low, first_shortfall_month_ci_high) =
            self.first_month(months, |r| r.p_shortfall);
        let (first_break_month, first_break_month_ci_low, first_break_month_ci_high) =
            self.first_month(months, |r| r.p_break);
        StrategySummary {
            strategy: self.strategies[s].clone(),
            trials: self.trials,
            cost_mean,
            cost_sd,
            cost_se: match stats::block_standard_error(cost, self.lhs_block()) {
                Some(se) => se,
                None if n > 0.0 => cost_sd / n.sqrt(),
                None => 0.0,
            },
            cost_p5: stats::quantile_sorted(&sorted_cost, 0.05),
            cost_p50: stats::quantile_sorted(&sorted_cost, 0.5),
            cost_p95: stats::quantile_sorted(&sorted_cost, 0.95),
            cost_cvar95: stats::cvar_upper_sorted(&sorted_cost, 0.95),
            cost_per_unit_mean: mean("cost_per_unit"),
            service_level_mean: stats::mean(service),
            service_level_p5: stats::quantile_sorted(&sorted_service, 0.05),
            defect_rate_mean: mean("defect_rate"),
            leavers_mean: mean("leavers"),
            hires_mean: mean("hires"),
            incidents_mean: mean("incidents"),
            shortfall_months_mean: mean("shortfall_months"),
            p_shortfall: share("shortfall_months"),
            final_backlog_mean: mean("final_backlog"),
            p_objectives_met: p_met,
            meets_objectives: p_met >= confidence,
            labor_mean: mean("labor"),
            onboarding_mean: mean("onboarding"),
            setup_mean: mean("setup"),
            oversight_mean: mean("oversight"),
            defects_mean: mean("defects"),
            delay_mean: mean("delay"),
            incidents_cost_mean: mean("incidents_cost"),
            credits_mean: mean("credits"),
            cost_total_mean: mean("cost_total"),
            first_shortfall_month,
            first_shortfall_month_ci_low,
            first_shortfall_month_ci_high,
            commitment_mean: mean("commitment"),
            releases_mean: mean("releases"),
            transition_mean: mean("transition"),
            exit_mean: mean("exit"),
            exits_mean: mean("exits"),
            first_exit_month_mean: mean("first_exit_month"),
            p_exit: share("exits"),
            cash_mean: mean("cash_npv"),
            cash_p95: sums.cash().quantile(0.95),
            break_months_mean: mean("break_months"),
            p_break: share("break_months"),
            first_break_month,
            first_break_month_ci_low,
            first_break_month_ci_high,
            economic_mean: cost_mean - mean("cash_npv"),
            means,
        }
    }

    /// The first of `months` in which more than half the trials have the property whose
    /// share `p` gives, with the early and late ends of its 95% interval: the first
    /// month whose share could exceed one half (upper Wilson bound above 0.5) and the
    /// first whose share surely does (lower bound above 0.5).
    fn first_month(
        &self,
        months: &[MonthlyRow],
        p: impl Fn(&MonthlyRow) -> f64,
    ) -> (Option<u32>, Option<u32>, Option<u32>) {
        let wilson = |r: &MonthlyRow| stats::wilson_interval(p(r), self.trials);
        let first =
            |holds: &dyn Fn(&MonthlyRow) -> bool| months.iter().find(|r| holds(r)).map(|r| r.month);
        (
            first(&|r| p(r) > 0.5),
            first(&|r| wilson(r).1 > 0.5),
            first(&|r| wilson(r).0 > 0.5),
        )
    }

    /// The strategy that meets the objectives at the least mean NPV cost, if any.
    pub fn best_value(&self) -> Option<usize> {
        self.summary
            .iter()
            .enumerate()
            .filter(|(_, s)| s.meets_objectives)
            .min_by(|a, b| a.1.cost_mean.total_cmp(&b.1.cost_mean))
            .map(|(i, _)| i)
    }

    /// The strategy with the least mean NPV cost.
    pub fn cheapest(&self) -> Option<usize> {
        self.summary
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.cost_mean.total_cmp(&b.1.cost_mean))
            .map(|(i, _)| i)
    }
}

/// The month-by-month bands of every strategy, strategy-major.
/// The rows of [`Results::monthly_vendors`] from the run's counts.
fn monthly_vendor_rows(scenario: &Scenario, raw: &RawRun) -> Vec<MonthlyVendorRow> {
    let trials = raw.trials.max(1) as f64;
    let mut rows = Vec::new();
    let mut at = 0;
    while at < raw.vendors_active.len() {
        let strategy = raw.vendors_active[at].strategy;
        let end = raw.vendors_active[at..]
            .iter()
            .position(|v| v.strategy != strategy)
            .map_or(raw.vendors_active.len(), |n| at + n);
        let vendors = &raw.vendors_active[at..end];
        let horizon = vendors.first().map_or(0, |v| v.trials.len());
        for i in 0..horizon {
            for v in vendors {
                rows.push(MonthlyVendorRow {
                    strategy,
                    month: i as u32 + 1,
                    vendor: scenario
                        .vendors
                        .get(v.vendor)
                        .map_or_else(String::new, |x| x.name.clone()),
                    p_active: v.trials[i] as f64 / trials,
                });
            }
        }
        at = end;
    }
    rows
}

/// [`Results::vendor_exits`] from the run's sums: the vendors of each strategy are
/// those of [`RawRun::vendors_active`], in the same order as the sums' vendor events.
fn vendor_exits(scenario: &Scenario, raw: &RawRun) -> Vec<VendorExits> {
    let trials = raw.trials.max(1) as f64;
    let horizon = scenario.horizon();
    let padded = |counts: &[u64]| {
        let mut out = counts.to_vec();
        out.resize(horizon.max(counts.len()), 0);
        out
    };
    let mut out = Vec::new();
    for (si, sums) in raw.sums.iter().enumerate() {
        let events = sums.vendor_events();
        if events.is_empty() {
            continue;
        }
        let vendors = raw.vendors_active.iter().filter(|v| v.strategy == si);
        for (v, e) in vendors.zip(events) {
            out.push(VendorExits {
                strategy: si,
                vendor: scenario
                    .vendors
                    .get(v.vendor)
                    .map_or_else(String::new, |x| x.name.clone()),
                p_left: e.left as f64 / trials,
                p_failed: e.failed as f64 / trials,
                left_month: MonthSpread::of(&e.left_months),
                left_cost_mean: if e.left > 0 {
                    e.leave_cost / e.left as f64
                } else {
                    0.0
                },
                failed_month: MonthSpread::of(&e.failed_months),
                left_by_month: padded(&e.left_months),
                failed_by_month: padded(&e.failed_months),
            });
        }
    }
    out
}

fn monthly_rows(monthly: &MonthlySketches) -> Vec<MonthlyRow> {
    let band = |s: &QuantileSketch| Band {
        p10: s.quantile(0.1),
        p50: s.quantile(0.5),
        p90: s.quantile(0.9),
    };
    let horizon = monthly.horizon.max(1);
    let share = |count: u64| {
        if monthly.trials > 0 {
            count as f64 / monthly.trials as f64
        } else {
            0.0
        }
    };
    monthly
        .sketches
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let heads = band(&s[3]);
            MonthlyRow {
                strategy: i / horizon,
                month: (i % horizon) as u32 + 1,
                demand: band(&monthly.sketches[i % horizon][0]),
                capacity: band(&s[1]),
                backlog: band(&s[2]),
                heads: Band {
                    p10: heads.p10.round(),
                    p50: heads.p50.round(),
                    p90: heads.p90.round(),
                },
                cumulative_cost: band(&s[4]),
                p_shortfall: share(monthly.shortfall[i]),
                p_break: share(monthly.broke.get(i).copied().unwrap_or(0)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every per-trial output in currency but the totals is a cost component, once.
    #[test]
    fn every_currency_output_but_the_totals_is_a_component() {
        let mut outputs: Vec<&str> = TRIAL_METRICS
            .iter()
            .filter(|m| m.unit == "currency")
            .map(|m| m.name)
            .filter(|name| !["cost_npv", "cost_total", "cash_npv"].contains(name))
            .collect();
        let mut components: Vec<&str> = COST_COMPONENTS.iter().map(|c| c.name).collect();
        outputs.sort_unstable();
        components.sort_unstable();
        assert_eq!(outputs, components);
        let economic: Vec<&str> = COST_COMPONENTS
            .iter()
            .filter(|c| !c.cash)
            .map(|c| c.name)
            .collect();
        assert_eq!(economic, ["defects", "delay"]);
    }

    /// A summary's means are read by name from the registry's order.
    #[test]
    fn a_mean_is_read_by_its_name() {
        let means: Vec<f64> = (0..TRIAL_METRICS.len()).map(|i| i as f64).collect();
        let s = StrategySummary {
            means,
            ..Default::default()
        };
        for (i, m) in TRIAL_METRICS.iter().enumerate() {
            assert_eq!(s.mean(m.name), Some(i as f64));
        }
        assert_eq!(s.mean("no such output"), None);
        let labor = COST_COMPONENTS[0];
        assert_eq!(labor.mean(&s), s.mean("labor").unwrap_or(f64::NAN));
        assert!(labor.shown(std::slice::from_ref(&s)));
        let exit = COST_COMPONENTS.iter().find(|c| c.name == "exit");
        let exit = exit.expect("exit fees are a component");
        assert!(exit.shown(std::slice::from_ref(&s)), "a non-zero mean");
        let none = StrategySummary {
            means: vec![0.0; TRIAL_METRICS.len()],
            ..Default::default()
        };
        assert!(!exit.shown(std::slice::from_ref(&none)));
        assert!(labor.shown(std::slice::from_ref(&none)));
    }
}
