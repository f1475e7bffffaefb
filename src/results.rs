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

use crate::engine::{MonthlySketches, RawRun, StrategySums, Summed};
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
    /// How the per-trial inputs were sampled; under Latin hypercube sampling standard
    /// errors and pairwise intervals come from block means (`stats::standard_error`).
    pub sampling: Sampling,
    /// The realised Spearman correlation of each `[[correlations]]` entry over the run,
    /// in file order (`None` where an input did not vary); empty without correlations.
    pub realised_correlations: Vec<Option<f64>>,
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
}

impl Results {
    /// Summarise a run of `scenario` from everything the engine kept. Whatever else the
    /// run carried ([`RawRun::inputs`], [`RawRun::precision`]) should be taken from it
    /// first.
    pub fn new(scenario: &Scenario, raw: RawRun) -> Self {
        let strategies: Vec<String> = scenario.strategies.iter().map(|s| s.name.clone()).collect();
        let monthly = monthly_rows(&raw.monthly);
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
            sampling: raw.sampling,
            realised_correlations: raw.realised_correlations,
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
        let share = |count: u64| mean_of(count as f64);
        let cost_sd = stats::sd(cost);
        let p_met = share(sums.objectives_met);
        let months = self.monthly_of(s);
        let first_shortfall_month = months.iter().find(|r| r.p_shortfall > 0.5).map(|r| r.month);
        let wilson = |p: f64| stats::wilson_interval(p, self.trials);
        let first_shortfall_month_ci_low = months
            .iter()
            .find(|r| wilson(r.p_shortfall).1 > 0.5)
            .map(|r| r.month);
        let first_shortfall_month_ci_high = months
            .iter()
            .find(|r| wilson(r.p_shortfall).0 > 0.5)
            .map(|r| r.month);
        StrategySummary {
            strategy: self.strategies[s].clone(),
            trials: self.trials,
            cost_mean: stats::mean(cost),
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
            cost_per_unit_mean: mean_of(sums.sum(Summed::CostPerUnit)),
            service_level_mean: stats::mean(service),
            service_level_p5: stats::quantile_sorted(&sorted_service, 0.05),
            defect_rate_mean: mean_of(sums.sum(Summed::DefectRate)),
            leavers_mean: share(sums.leavers),
            hires_mean: share(sums.hires),
            incidents_mean: share(sums.incidents),
            shortfall_months_mean: share(sums.shortfall_months),
            p_shortfall: share(sums.any_shortfall),
            final_backlog_mean: mean_of(sums.sum(Summed::FinalBacklog)),
            p_objectives_met: p_met,
            meets_objectives: p_met >= confidence,
            labor_mean: mean_of(sums.sum(Summed::Labor)),
            onboarding_mean: mean_of(sums.sum(Summed::Onboarding)),
            setup_mean: mean_of(sums.sum(Summed::Setup)),
            oversight_mean: mean_of(sums.sum(Summed::Oversight)),
            defects_mean: mean_of(sums.sum(Summed::Defects)),
            delay_mean: mean_of(sums.sum(Summed::Delay)),
            incidents_cost_mean: mean_of(sums.sum(Summed::IncidentsCost)),
            credits_mean: mean_of(sums.sum(Summed::Credits)),
            cost_total_mean: mean_of(sums.sum(Summed::CostTotal)),
            first_shortfall_month,
            first_shortfall_month_ci_low,
            first_shortfall_month_ci_high,
        }
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
fn monthly_rows(monthly: &MonthlySketches) -> Vec<MonthlyRow> {
    let band = |s: &QuantileSketch| Band {
        p10: s.quantile(0.1),
        p50: s.quantile(0.5),
        p90: s.quantile(0.9),
    };
    let horizon = monthly.horizon.max(1);
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
                p_shortfall: if monthly.trials > 0 {
                    monthly.shortfall[i] as f64 / monthly.trials as f64
                } else {
                    0.0
                },
            }
        })
        .collect()
}
