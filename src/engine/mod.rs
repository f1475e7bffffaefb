//! The Monte Carlo driver: runs trials in parallel and reduces them deterministically.
//!
//! Lifecycle: a validated [`Scenario`] becomes a [`trial::Plan`]; trials are cut into
//! fixed-size blocks of [`BLOCK_TRIALS`] in trial order, and blocks into chunks that
//! rayon runs on its current thread pool. Each worker thread keeps one
//! [`trial::Workspace`] and one set of month-by-month sketches for the whole run. A
//! block returns its trials' outputs and its sums over them (taken in trial order);
//! chunks are then handed, in trial order, to a [`Tally`] that keeps only what the
//! summaries need (each trial's NPV cost and service level, and sums by block, added in
//! block order) and to a [`TrialSink`] that may write every per-trial output, while the
//! next chunk is already being simulated. Sketches merge with integer counts, so they do
//! not depend on which thread saw which trial: results are byte-identical on any number
//! of threads, and memory stays at a few tens of bytes per trial and strategy however
//! many trials run. Progress leaves through a callback, and a cancel flag is checked
//! between blocks; the engine does no I/O of its own.

pub mod streams;
pub mod trial;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::results::{BlockSums, MonthlyAccumulator, Results, Tally};
use crate::scenario::Scenario;
use crate::stats;
use trial::{
    MonthPoint, Plan, TrialInputs, TrialMetrics, Workspace, simulate_trial, simulate_trials,
};

/// Trials per block: large enough to amortise per-block work, small enough to balance
/// load, report progress and react to a cancel request often. Sums are taken per block,
/// so the figures of a run depend on this constant and on nothing about threads.
pub const BLOCK_TRIALS: usize = 1024;

/// Upper bound on the per-trial outputs held by one chunk in flight, in bytes.
const CHUNK_BYTES: usize = 24 << 20;

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

/// Why a streaming run stopped before it finished.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// The cancel flag was set.
    #[error("the run was cancelled")]
    Cancelled,
    /// The [`TrialSink`] failed (e.g. a disk error while writing per-trial outputs).
    #[error("{0}")]
    Sink(String),
}

impl From<Cancelled> for RunError {
    fn from(_: Cancelled) -> Self {
        RunError::Cancelled
    }
}

/// Receives every trial's outputs, in trial order, a chunk at a time: `metrics` holds
/// trials `first_trial..`, one [`TrialMetrics`] per strategy per trial (trial-major).
pub trait TrialSink: Send {
    /// Take one chunk. An error stops the run.
    fn accept(&mut self, first_trial: u64, metrics: &[TrialMetrics]) -> Result<(), String>;
}

/// A sink that keeps nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Discard;

impl TrialSink for Discard {
    fn accept(&mut self, _: u64, _: &[TrialMetrics]) -> Result<(), String> {
        Ok(())
    }
}

/// A sink that keeps every per-trial output in memory (about 160 bytes per trial and
/// strategy): for small runs, tests and analyses that need more than the summaries.
#[derive(Debug, Clone, Default)]
pub struct Collect(pub Vec<TrialMetrics>);

impl TrialSink for Collect {
    fn accept(&mut self, _: u64, metrics: &[TrialMetrics]) -> Result<(), String> {
        self.0.extend_from_slice(metrics);
        Ok(())
    }
}

/// Run every trial of `scenario` and summarise. `progress` is called with the number of
/// trials just finished, from worker threads.
pub fn run(scenario: &Scenario, config: RunConfig, progress: &(dyn Fn(u64) + Sync)) -> Results {
    let never = AtomicBool::new(false);
    match run_cancellable(scenario, config, progress, &never) {
        Ok(results) => results,
        Err(Cancelled) => unreachable!("the cancel flag is never set"),
    }
}

/// As [`run`], also returning every trial's outputs (trial-major, one per strategy).
pub fn run_collect(scenario: &Scenario, config: RunConfig) -> (Results, Vec<TrialMetrics>) {
    let never = AtomicBool::new(false);
    let mut sink = Collect::default();
    match run_streaming(scenario, config, &|_| {}, &never, &mut sink) {
        Ok(results) => (results, sink.0),
        Err(e) => unreachable!("neither cancelled nor a failing sink: {e}"),
    }
}

/// As [`run`], stopping early with [`Cancelled`] once `cancel` is set.
pub fn run_cancellable(
    scenario: &Scenario,
    config: RunConfig,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<Results, Cancelled> {
    run_streaming(scenario, config, progress, cancel, &mut Discard).map_err(|_| Cancelled)
}

/// As [`run_cancellable`], handing every trial's outputs to `sink` in trial order.
pub fn run_streaming(
    scenario: &Scenario,
    config: RunConfig,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
    sink: &mut dyn TrialSink,
) -> Result<Results, RunError> {
    let plan = Plan::new(scenario);
    let mut tally = Tally::new(plan.strategy_count(), plan.horizon());
    let hooks = Hooks {
        progress,
        cancel,
        on_inputs: &|_, _| {},
    };
    run_range(
        &plan,
        config.seed,
        0,
        config.trials,
        &hooks,
        &mut tally,
        sink,
    )?;
    Ok(Results::new(scenario, config, tally))
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
    let mut tally = Tally::new(plan.strategy_count(), plan.horizon());
    let hooks = Hooks {
        progress,
        cancel: &never,
        on_inputs,
    };
    match run_range(
        &plan,
        config.seed,
        0,
        config.trials,
        &hooks,
        &mut tally,
        &mut Discard,
    ) {
        Ok(()) => Results::new(scenario, config, tally),
        Err(e) => unreachable!("neither cancelled nor a failing sink: {e}"),
    }
}

/// The callbacks of a run.
struct Hooks<'a> {
    progress: &'a (dyn Fn(u64) + Sync),
    cancel: &'a AtomicBool,
    on_inputs: &'a (dyn Fn(u64, &TrialInputs) + Sync),
}

/// What one worker thread keeps for the whole run.
struct ThreadState {
    ws: Workspace,
    /// For the second trial of a pair ([`simulate_trials`]), when the plan pairs trials.
    ws_next: Option<Workspace>,
    monthly: MonthlyAccumulator,
    months: Vec<MonthPoint>,
    months_next: Vec<MonthPoint>,
}

/// One finished block: its trials' outputs (trial-major) and its sums.
struct Block {
    first_trial: u64,
    metrics: Vec<TrialMetrics>,
    sums: BlockSums,
}

/// Simulate trials `start..end` of `plan` into `tally` and `sink`. `start` should be a
/// multiple of [`BLOCK_TRIALS`] so that blocks, and hence sums, line up with those of a
/// run from trial 0.
fn run_range(
    plan: &Plan,
    seed: u64,
    start: u64,
    end: u64,
    hooks: &Hooks,
    tally: &mut Tally,
    sink: &mut dyn TrialSink,
) -> Result<(), RunError> {
    let strategies = plan.strategy_count();
    let horizon = plan.horizon();
    let threads = rayon::current_num_threads().max(1);
    let states: Vec<Mutex<Option<ThreadState>>> = (0..threads).map(|_| Mutex::new(None)).collect();
    let block_bytes = BLOCK_TRIALS * strategies.max(1) * std::mem::size_of::<TrialMetrics>();
    let chunk_blocks = (CHUNK_BYTES / block_bytes).clamp(2 * threads, 16 * threads);
    let chunk_trials = (chunk_blocks * BLOCK_TRIALS) as u64;
    // Blocks' output buffers, reused once delivered (fresh large allocations would cost
    // a page fault and a zeroed page every 4 KiB).
    let spare: Mutex<Vec<Vec<TrialMetrics>>> = Mutex::new(Vec::new());
    tally.reserve(end.saturating_sub(start));

    let simulate_block = |first: u64, last: u64| -> Result<Block, Cancelled> {
        if hooks.cancel.load(Ordering::Relaxed) {
            return Err(Cancelled);
        }
        let slot = rayon::current_thread_index().unwrap_or(0) % threads;
        let mut guard = states[slot].lock().unwrap_or_else(|p| p.into_inner());
        let state = guard.get_or_insert_with(|| {
            let pairs = plan.pairs_trials();
            ThreadState {
                ws: Workspace::new(plan),
                ws_next: pairs.then(|| Workspace::new(plan)),
                monthly: MonthlyAccumulator::new(strategies, horizon),
                months: vec![MonthPoint::default(); strategies * horizon],
                months_next: vec![
                    MonthPoint::default();
                    if pairs { strategies * horizon } else { 0 }
                ],
            }
        });
        let n = (last - first) as usize;
        let mut metrics = spare
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .unwrap_or_default();
        metrics.clear();
        metrics.resize(n * strategies, TrialMetrics::default());
        let mut sums = BlockSums::new(strategies);
        // Trials in order, two at a time when the plan pairs trials; each trial's outputs
        // are handed on in trial order either way.
        let s = strategies;
        let mut k = 0;
        while s > 0 && k < n {
            let trial = first + k as u64;
            let ThreadState {
                ws,
                ws_next,
                monthly,
                months,
                months_next,
            } = &mut *state;
            let mut hand_on = |trial: u64, ws: &Workspace, points: &[MonthPoint], out: &[_]| {
                (hooks.on_inputs)(trial, &ws.inputs);
                monthly.add_trial(points);
                sums.add_trial(out);
            };
            match ws_next {
                Some(ws_next) if k + 1 < n => {
                    let (out, out_next) = metrics[k * s..(k + 2) * s].split_at_mut(s);
                    simulate_trials(
                        plan,
                        seed,
                        trial,
                        [ws, ws_next],
                        [out, out_next],
                        [months, months_next],
                    );
                    hand_on(trial, ws, months, out);
                    hand_on(trial + 1, ws_next, months_next, out_next);
                    k += 2;
                }
                _ => {
                    let out = &mut metrics[k * s..(k + 1) * s];
                    simulate_trial(plan, seed, trial, ws, out, months);
                    hand_on(trial, ws, months, out);
                    k += 1;
                }
            }
        }
        drop(guard);
        (hooks.progress)(n as u64);
        Ok(Block {
            first_trial: first,
            metrics,
            sums,
        })
    };
    let simulate_chunk = |from: u64| -> Result<Vec<Block>, Cancelled> {
        let to = (from + chunk_trials).min(end);
        let blocks = (to - from).div_ceil(BLOCK_TRIALS as u64);
        (0..blocks)
            .into_par_iter()
            .map(|b| {
                let first = from + b * BLOCK_TRIALS as u64;
                simulate_block(first, (first + BLOCK_TRIALS as u64).min(to))
            })
            .collect()
    };
    let mut deliver = |blocks: Vec<Block>| -> Result<(), RunError> {
        for block in blocks {
            tally.add_block(&block.metrics, &block.sums);
            sink.accept(block.first_trial, &block.metrics)
                .map_err(RunError::Sink)?;
            spare
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(block.metrics);
        }
        Ok(())
    };

    // Each chunk is simulated while the one before it is tallied and written.
    let mut pending: Option<Vec<Block>> = None;
    let mut from = start;
    while from < end {
        let previous = pending.take();
        let (simulated, delivered) = rayon::join(
            || simulate_chunk(from),
            || previous.map_or(Ok(()), &mut deliver),
        );
        delivered?;
        pending = Some(simulated?);
        from = (from + chunk_trials).min(end);
    }
    if let Some(last) = pending {
        deliver(last)?;
    }
    if hooks.cancel.load(Ordering::Relaxed) {
        return Err(RunError::Cancelled);
    }
    for state in states {
        if let Some(state) = state.into_inner().unwrap_or_else(|p| p.into_inner()) {
            tally.merge_monthly(state.monthly);
        }
    }
    Ok(())
}

/// Settings of a precision-targeted run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrecisionTarget {
    /// Largest accepted 95% CI half-width, relative to the mean (e.g. 0.005).
    pub relative: f64,
    /// Trials of the first batch (rounded up to whole blocks of [`BLOCK_TRIALS`], so
    /// that every batch starts on a block boundary).
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
/// any number of threads; every batch starts on a block boundary, so the results are
/// exactly those of a fixed-count run of the same number of trials.
pub fn run_to_precision(
    scenario: &Scenario,
    seed: u64,
    target: PrecisionTarget,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
    sink: &mut dyn TrialSink,
) -> Result<(Results, PrecisionOutcome), RunError> {
    let plan = Plan::new(scenario);
    let strategies = plan.strategy_count();
    let mut tally = Tally::new(strategies, plan.horizon());
    let hooks = Hooks {
        progress,
        cancel,
        on_inputs: &|_, _| {},
    };
    let max_trials = target.max_trials.max(1);
    let first = target
        .first_batch
        .max(1)
        .next_multiple_of(BLOCK_TRIALS as u64);
    let mut done = 0u64;
    let mut next = first.min(max_trials);
    loop {
        run_range(&plan, seed, done, next, &hooks, &mut tally, sink)?;
        done = next;
        let (worst, figure) = worst_relative_half_width(tally.costs(), scenario);
        let reached = worst <= target.relative;
        if reached || done >= max_trials {
            let results = Results::new(scenario, RunConfig { trials: done, seed }, tally);
            let outcome = PrecisionOutcome {
                trials: done,
                reached,
                worst_relative_half_width: worst,
                worst_figure: figure,
            };
            return Ok((results, outcome));
        }
        next = (done * 2).min(max_trials);
    }
}

/// The widest relative 95% half-width among strategy means and pairwise differences of
/// NPV cost (`costs[s]` holds strategy `s`'s costs in trial order). A difference is
/// measured against the larger of the two strategies' means, since a difference near
/// zero has no useful relative precision of its own.
fn worst_relative_half_width(costs: &[Vec<f64>], scenario: &Scenario) -> (f64, String) {
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
    let mut diffs = Vec::with_capacity(n as usize);
    for a in 0..costs.len() {
        for b in (a + 1)..costs.len() {
            diffs.clear();
            diffs.extend(costs[a].iter().zip(&costs[b]).map(|(x, y)| x - y));
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
