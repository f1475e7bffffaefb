//! `outsim optimize`: the cheapest plan that still meets the objectives with the
//! confidence asked (a chance constraint), found by searching one strategy's levers.
//!
//! The lifecycle: [`plan`] turns the `--search KEY[=SPEC]` texts into [`Lever`]s of the
//! strategy named (refusing, naming it, any KEY that does not exist or cannot be
//! searched, and any empty range) and checks both corners of the box give valid
//! scenarios; [`optimize`] then searches and re-simulates the best plans. Nothing here
//! writes files or prints: the command line renders [`Optimized`].
//!
//! The code follows that path: `levers` reads the KEYs into the [`SearchPlan`],
//! `candidate` turns a point of the search box into lever values and a validated
//! scenario, `search` runs the search and `recheck` the re-simulation and `best.toml`.
//!
//! **Levers.** `capacity_buffer` and `oversight_hours_per_fte` are numbers in a range;
//! `ip_protection`, `due_diligence`, `cultural_training` and `overflow` are switches and
//! `staffing` a choice (discrete dimensions); an exit rule's `when_service_below` and its
//! whole `for_months` and `notice_months` (`exits[0].for_months`, the rule also named by
//! the vendor it leaves) are numbers in a range; `allocation` is the strategy's shares on
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

mod candidate;
mod levers;
mod recheck;
mod search;

use crate::engine::RunError;
use crate::results::StrategySummary;

pub use candidate::describe;
pub use levers::{Lever, LeverKind, LeverValue, SearchPlan, Target, plan, same_searches};
pub use search::{candidate_key, optimize, optimize_with, simulate_batch, start_batch};

/// Default evaluations of a search.
pub const DEFAULT_EVALUATIONS: usize = 200;

/// Most trials an evaluation runs by default (the file's trials, capped).
pub const DEFAULT_TRIALS_CAP: u64 = 10_000;
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
