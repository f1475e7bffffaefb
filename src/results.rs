//! What a run produces: per-trial outputs, per-strategy summaries, pairwise comparisons
//! and month-by-month bands (`docs/model.md`, "Per strategy, over trials").
//!
//! These are plain data, built from the engine's outputs by the pure functions of
//! [`crate::stats`]; tables, charts and reports render them.

use serde::Serialize;

use crate::engine::RunConfig;
use crate::engine::trial::{MonthPoint, TrialMetrics};
use crate::scenario::Scenario;
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
    /// Per-trial outputs, trial-major: trial `t`, strategy `s` at `t * S + s`.
    pub metrics: Vec<TrialMetrics>,
    /// One summary per strategy, in file order.
    pub summary: Vec<StrategySummary>,
    /// Every ordered pair of distinct strategies.
    pub pairs: Vec<PairSummary>,
    /// Month-by-month bands, strategy-major.
    pub monthly: Vec<MonthlyRow>,
}

/// One strategy over all trials. Costs are of `cost_npv` unless named otherwise.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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

/// Streaming month-by-month statistics: five sketches and a shortfall count per
/// strategy and month. Mergeable, with results independent of merge order.
#[derive(Debug, Clone)]
pub struct MonthlyAccumulator {
    horizon: usize,
    trials: u64,
    sketches: Vec<[QuantileSketch; 5]>,
    shortfall: Vec<u64>,
}

impl MonthlyAccumulator {
    /// Empty accumulator for `strategies` x `horizon` months.
    pub fn new(strategies: usize, horizon: usize) -> Self {
        let empty = || std::array::from_fn(|_| QuantileSketch::new());
        MonthlyAccumulator {
            horizon,
            trials: 0,
            sketches: (0..strategies * horizon).map(|_| empty()).collect(),
            shortfall: vec![0; strategies * horizon],
        }
    }

    /// Add one trial's points (strategy-major, `horizon` per strategy).
    pub fn add_trial(&mut self, points: &[MonthPoint]) {
        self.trials += 1;
        for (i, p) in points.iter().enumerate() {
            let s = &mut self.sketches[i];
            s[0].add(p.demand);
            s[1].add(p.capacity);
            s[2].add(p.backlog);
            s[3].add(p.heads);
            s[4].add(p.cumulative_cost);
            self.shortfall[i] += u64::from(p.shortfall);
        }
    }

    /// Add everything `other` holds.
    pub fn merge(&mut self, other: &MonthlyAccumulator) {
        self.trials += other.trials;
        for (mine, theirs) in self.sketches.iter_mut().zip(&other.sketches) {
            for k in 0..5 {
                mine[k].merge(&theirs[k]);
            }
        }
        for (a, b) in self.shortfall.iter_mut().zip(&other.shortfall) {
            *a += b;
        }
    }

    fn rows(&self) -> Vec<MonthlyRow> {
        let band = |s: &QuantileSketch| Band {
            p10: s.quantile(0.1),
            p50: s.quantile(0.5),
            p90: s.quantile(0.9),
        };
        self.sketches
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let heads = band(&s[3]);
                MonthlyRow {
                    strategy: i / self.horizon,
                    month: (i % self.horizon) as u32 + 1,
                    demand: band(&s[0]),
                    capacity: band(&s[1]),
                    backlog: band(&s[2]),
                    heads: Band {
                        p10: heads.p10.round(),
                        p50: heads.p50.round(),
                        p90: heads.p90.round(),
                    },
                    cumulative_cost: band(&s[4]),
                    p_shortfall: if self.trials > 0 {
                        self.shortfall[i] as f64 / self.trials as f64
                    } else {
                        0.0
                    },
                }
            })
            .collect()
    }
}

impl Results {
    /// Summarise the per-trial outputs of a run.
    pub fn new(
        scenario: &Scenario,
        config: RunConfig,
        metrics: Vec<TrialMetrics>,
        monthly: &MonthlyAccumulator,
    ) -> Self {
        let strategies: Vec<String> = scenario.strategies.iter().map(|s| s.name.clone()).collect();
        let monthly = monthly.rows();
        let confidence = scenario.objectives.as_ref().map_or(0.9, |o| o.confidence);
        let mut results = Results {
            trials: config.trials,
            seed: config.seed,
            horizon: scenario.horizon(),
            strategies,
            metrics,
            summary: Vec::new(),
            pairs: Vec::new(),
            monthly,
        };
        results.summary = (0..results.strategies.len())
            .map(|s| results.summarise(s, confidence))
            .collect();
        let costs: Vec<Vec<f64>> = (0..results.strategies.len())
            .map(|s| results.column(s, |m| m.cost_npv))
            .collect();
        for a in 0..costs.len() {
            for b in 0..costs.len() {
                if a != b {
                    let d = stats::paired_difference(&costs[a], &costs[b]);
                    results.pairs.push(PairSummary {
                        strategy_a: results.strategies[a].clone(),
                        strategy_b: results.strategies[b].clone(),
                        p_a_cheaper: d.p_a_lower,
                        mean_diff: d.mean_diff,
                        diff_ci_low: d.ci_low,
                        diff_ci_high: d.ci_high,
                    });
                }
            }
        }
        results
    }

    /// One per-trial output of strategy `s`, in trial order.
    pub fn column(&self, s: usize, f: impl Fn(&TrialMetrics) -> f64) -> Vec<f64> {
        let n = self.strategies.len();
        self.metrics
            .iter()
            .skip(s)
            .step_by(n.max(1))
            .map(f)
            .collect()
    }

    /// The per-trial outputs of strategy `s`, in trial order.
    pub fn trials_of(&self, s: usize) -> impl Iterator<Item = &TrialMetrics> {
        self.metrics
            .iter()
            .skip(s)
            .step_by(self.strategies.len().max(1))
    }

    /// Month-by-month rows of strategy `s`.
    pub fn monthly_of(&self, s: usize) -> &[MonthlyRow] {
        &self.monthly[s * self.horizon..(s + 1) * self.horizon]
    }

    fn summarise(&self, s: usize, confidence: f64) -> StrategySummary {
        let col = |f: fn(&TrialMetrics) -> f64| self.column(s, f);
        let cost = col(|m| m.cost_npv);
        let sorted_cost = stats::sorted(&cost);
        let service = col(|m| m.service_level);
        let sorted_service = stats::sorted(&service);
        let n = cost.len() as f64;
        let cost_sd = stats::sd(&cost);
        let p_met = stats::mean(&col(|m| f64::from(u8::from(m.objectives_met))));
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
            cost_mean: stats::mean(&cost),
            cost_sd,
            cost_se: if n > 0.0 { cost_sd / n.sqrt() } else { 0.0 },
            cost_p5: stats::quantile_sorted(&sorted_cost, 0.05),
            cost_p50: stats::quantile_sorted(&sorted_cost, 0.5),
            cost_p95: stats::quantile_sorted(&sorted_cost, 0.95),
            cost_cvar95: stats::cvar_upper_sorted(&sorted_cost, 0.95),
            cost_per_unit_mean: stats::mean(&col(|m| m.cost_per_unit)),
            service_level_mean: stats::mean(&service),
            service_level_p5: stats::quantile_sorted(&sorted_service, 0.05),
            defect_rate_mean: stats::mean(&col(|m| m.defect_rate)),
            leavers_mean: stats::mean(&col(|m| m.leavers as f64)),
            hires_mean: stats::mean(&col(|m| m.hires as f64)),
            incidents_mean: stats::mean(&col(|m| m.incidents as f64)),
            shortfall_months_mean: stats::mean(&col(|m| m.shortfall_months as f64)),
            p_shortfall: stats::mean(&col(|m| if m.shortfall_months > 0 { 1.0 } else { 0.0 })),
            final_backlog_mean: stats::mean(&col(|m| m.final_backlog)),
            p_objectives_met: p_met,
            meets_objectives: p_met >= confidence,
            labor_mean: stats::mean(&col(|m| m.labor)),
            onboarding_mean: stats::mean(&col(|m| m.onboarding)),
            setup_mean: stats::mean(&col(|m| m.setup)),
            oversight_mean: stats::mean(&col(|m| m.oversight)),
            defects_mean: stats::mean(&col(|m| m.defects)),
            delay_mean: stats::mean(&col(|m| m.delay)),
            incidents_cost_mean: stats::mean(&col(|m| m.incidents_cost)),
            credits_mean: stats::mean(&col(|m| m.credits)),
            cost_total_mean: stats::mean(&col(|m| m.cost_total)),
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
