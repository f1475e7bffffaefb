//! The Monte Carlo driver: runs trials in parallel and reduces them deterministically.
//!
//! Lifecycle: a validated [`Scenario`] becomes a [`trial::Plan`]; trials are cut into
//! fixed-size blocks in trial order; rayon runs the blocks on its current thread pool,
//! each block with its own [`trial::Workspace`]; each trial writes its outputs into its
//! own place of one pre-sized vector, and its month-by-month points into the block's
//! sketches. Sketches merge with integer counts, and every sum over trials is taken in
//! trial order afterwards, so results are byte-identical on any number of threads.
//! Progress leaves through a callback, and a cancel flag is checked between blocks; the
//! engine does no I/O.

pub mod streams;
pub mod trial;

use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::results::{MonthlyAccumulator, Results};
use crate::scenario::Scenario;
use crate::stats;
use trial::{MonthPoint, Plan, TrialInputs, TrialMetrics, Workspace, simulate_trial};

/// Trials per block: large enough to amortise workspace set-up, small enough to balance
/// load, report progress and react to a cancel request often.
pub const BLOCK_TRIALS: usize = 1024;

/// How many trials to run and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunConfig {
    /// Number of trials, >= 1.
    pub trials: u64,
    /// Seed of every random stream.
    pub seed: u64,
}

impl RunConfig {
    /// The trial count and seed written in the scenario file.
    pub fn from_scenario(scenario: &Scenario) -> Self {
        RunConfig {
            trials: scenario.meta.trials,
            seed: scenario.meta.seed,
        }
    }
}

/// The run was cancelled before it finished. Not an error of the inputs: nothing of the
/// run should be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the run was cancelled")]
pub struct Cancelled;

/// Run every trial of `scenario` and summarise. `progress` is called with the number of
/// trials just finished, from worker threads.
pub fn run(scenario: &Scenario, config: RunConfig, progress: &(dyn Fn(u64) + Sync)) -> Results {
    let never = AtomicBool::new(false);
    match run_cancellable(scenario, config, progress, &never) {
        Ok(results) => results,
        Err(Cancelled) => unreachable!("the cancel flag is never set"),
    }
}

/// As [`run`], stopping early with [`Cancelled`] once `cancel` is set.
pub fn run_cancellable(
    scenario: &Scenario,
    config: RunConfig,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<Results, Cancelled> {
    let plan = Plan::new(scenario);
    let (metrics, monthly) = run_range(
        &plan,
        config.seed,
        0,
        config.trials,
        progress,
        cancel,
        &|_, _| {},
    )?;
    Ok(Results::new(scenario, config, metrics, &monthly))
}

/// As [`run`], also handing each trial's uncertain inputs to `on_inputs(trial, inputs)`
/// (from worker threads, in no particular order), for sensitivity analysis.
pub fn run_with_inputs(
    scenario: &Scenario,
    config: RunConfig,
    progress: &(dyn Fn(u64) + Sync),
    on_inputs: &(dyn Fn(u64, &TrialInputs) + Sync),
) -> Results {
    let plan = Plan::new(scenario);
    let never = AtomicBool::new(false);
    match run_range(
        &plan,
        config.seed,
        0,
        config.trials,
        progress,
        &never,
        on_inputs,
    ) {
        Ok((metrics, monthly)) => Results::new(scenario, config, metrics, &monthly),
        Err(Cancelled) => unreachable!("the cancel flag is never set"),
    }
}

/// Simulate trials `start..end` of `plan`: per-trial outputs in trial order, and the
/// month-by-month sketches.
fn run_range(
    plan: &Plan,
    seed: u64,
    start: u64,
    end: u64,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
    on_inputs: &(dyn Fn(u64, &TrialInputs) + Sync),
) -> Result<(Vec<TrialMetrics>, MonthlyAccumulator), Cancelled> {
    let strategies = plan.strategy_count();
    let horizon = plan.horizon();
    let trials = end.saturating_sub(start) as usize;
    let mut metrics = vec![TrialMetrics::default(); trials * strategies];
    let monthly = metrics
        .par_chunks_mut(BLOCK_TRIALS * strategies)
        .enumerate()
        .map(|(block, out)| {
            if cancel.load(Ordering::Relaxed) {
                return Err(Cancelled);
            }
            let mut ws = Workspace::new(plan);
            let mut acc = MonthlyAccumulator::new(strategies, horizon);
            let mut months = vec![MonthPoint::default(); strategies * horizon];
            for (k, slot) in out.chunks_mut(strategies).enumerate() {
                let trial = start + (block * BLOCK_TRIALS + k) as u64;
                simulate_trial(plan, seed, trial, &mut ws, slot, &mut months);
                on_inputs(trial, &ws.inputs);
                acc.add_trial(&months);
            }
            progress((out.len() / strategies) as u64);
            Ok(acc)
        })
        .try_reduce(
            || MonthlyAccumulator::new(strategies, horizon),
            |mut a, b| {
                a.merge(&b);
                Ok(a)
            },
        )?;
    if cancel.load(Ordering::Relaxed) {
        return Err(Cancelled);
    }
    Ok((metrics, monthly))
}

/// Settings of a precision-targeted run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecisionTarget {
    /// Largest accepted 95% CI half-width, relative to the mean (e.g. 0.005).
    pub relative: f64,
    /// Trials of the first batch.
    pub first_batch: u64,
    /// Stop here even if the target is not reached.
    pub max_trials: u64,
}

/// What a precision-targeted run achieved.
#[derive(Debug, Clone, PartialEq)]
pub struct PrecisionOutcome {
    /// Trials run.
    pub trials: u64,
    /// Whether every figure reached the target.
    pub reached: bool,
    /// The widest relative 95% half-width among the figures checked.
    pub worst_relative_half_width: f64,
    /// The figure with that half-width.
    pub worst_figure: String,
}

/// Run in deterministic batches (the first of `first_batch` trials, then doubling the
/// total) until the 95% CI half-width of every strategy's mean NPV cost, and of every
/// pairwise mean difference, is at most `relative` of its mean, or `max_trials` is
/// reached. The batch schedule depends only on the inputs, so the answer is the same on
/// any number of threads; trials are the same trials a fixed-count run of that size
/// would simulate.
pub fn run_to_precision(
    scenario: &Scenario,
    seed: u64,
    target: PrecisionTarget,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<(Results, PrecisionOutcome), Cancelled> {
    let plan = Plan::new(scenario);
    let strategies = plan.strategy_count();
    let mut metrics: Vec<TrialMetrics> = Vec::new();
    let mut monthly = MonthlyAccumulator::new(strategies, plan.horizon());
    let mut done = 0u64;
    let mut next = target.first_batch.clamp(1, target.max_trials.max(1));
    loop {
        let (batch, acc) = run_range(&plan, seed, done, next, progress, cancel, &|_, _| {})?;
        metrics.extend(batch);
        monthly.merge(&acc);
        done = next;
        let (worst, figure) = worst_relative_half_width(&metrics, strategies, scenario);
        let reached = worst <= target.relative;
        if reached || done >= target.max_trials {
            let results = Results::new(
                scenario,
                RunConfig { trials: done, seed },
                metrics,
                &monthly,
            );
            let outcome = PrecisionOutcome {
                trials: done,
                reached,
                worst_relative_half_width: worst,
                worst_figure: figure,
            };
            return Ok((results, outcome));
        }
        next = (done * 2).min(target.max_trials);
    }
}

/// The widest relative 95% half-width among strategy means and pairwise differences of
/// NPV cost. A difference is measured against the larger of the two strategies' means,
/// since a difference near zero has no useful relative precision of its own.
fn worst_relative_half_width(
    metrics: &[TrialMetrics],
    strategies: usize,
    scenario: &Scenario,
) -> (f64, String) {
    let column = |s: usize| -> Vec<f64> {
        metrics
            .iter()
            .skip(s)
            .step_by(strategies)
            .map(|m| m.cost_npv)
            .collect()
    };
    let costs: Vec<Vec<f64>> = (0..strategies).map(column).collect();
    let n = costs.first().map_or(0, Vec::len) as f64;
    let half = |values: &[f64]| {
        if n > 1.0 {
            stats::Z95 * stats::sd(values) / n.sqrt()
        } else {
            f64::INFINITY
        }
    };
    let relative = |h: f64, scale: f64| {
        if scale > 0.0 {
            h / scale
        } else if h > 0.0 {
            f64::INFINITY
        } else {
            0.0
        }
    };
    let mut worst = (0.0, String::new());
    let means: Vec<f64> = costs.iter().map(|c| stats::mean(c).abs()).collect();
    for (s, c) in costs.iter().enumerate() {
        let r = relative(half(c), means[s]);
        if r > worst.0 || worst.1.is_empty() {
            worst = (
                r,
                format!("mean cost of \"{}\"", scenario.strategies[s].name),
            );
        }
    }
    for a in 0..strategies {
        for b in (a + 1)..strategies {
            let diffs: Vec<f64> = costs[a].iter().zip(&costs[b]).map(|(x, y)| x - y).collect();
            let r = relative(half(&diffs), means[a].max(means[b]));
            if r > worst.0 {
                worst = (
                    r,
                    format!(
                        "difference \"{}\" - \"{}\"",
                        scenario.strategies[a].name, scenario.strategies[b].name
                    ),
                );
            }
        }
    }
    worst
}
