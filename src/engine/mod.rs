//! The Monte Carlo engine: runs a validated scenario's trials in parallel and reduces
//! them deterministically into a [`RawRun`].
//!
//! # Lifecycle
//!
//! 1. **Options.** The caller describes the run with [`RunOptions`]: trials and seed (or
//!    a [`PrecisionTarget`] that decides the trial count), the worker threads, and what
//!    should leave the engine while it runs: progress counts, every trial's outputs
//!    through a [`TrialSink`], each trial's uncertain inputs. A cancel flag may stop it.
//! 2. **Plan.** [`run`] turns the validated [`Scenario`] into a [`Plan`]: what does not
//!    change between trials (calendar, discount factors, each strategy's [`levers`] and
//!    every per-vendor constant of the month loop).
//! 3. **Trials.** Trials are cut into fixed-size blocks of [`BLOCK_TRIALS`] in trial
//!    order, and blocks into chunks that rayon runs on the run's thread pool. Each worker
//!    thread keeps one [`Workspace`] and one set of month-by-month sketches for the whole
//!    run; [`simulate_trial`] fills a trial's [`TrialMetrics`] (one per strategy) and
//!    [`MonthPoint`]s from random streams addressed by `(seed, trial, purpose, index)`
//!    ([`streams`]).
//! 4. **Reduction.** A block returns its trials' outputs and its sums over them (taken
//!    in trial order); chunks are then handed, in trial order, to a tally that keeps only
//!    what the summaries need (each trial's NPV cost and service level, and sums by
//!    block, added in block order) and to the [`TrialSink`], while the next chunk is
//!    already being simulated. Sketches merge with integer counts, so they do not depend
//!    on which thread saw which trial.
//! 5. **Raw run.** [`run`] returns a [`RawRun`]; `Results::new` of the results layer turns
//!    it into the summaries that tables, charts and the report render.
//!
//! Results are byte-identical on any number of threads, and memory stays at a few tens
//! of bytes per trial and strategy however many trials run (the per-trial columns grow
//! as trials finish; nothing is reserved up front). Progress leaves through a callback,
//! the cancel flag is checked between blocks, and the engine does no I/O of its own.

mod counts;
mod lanes;
pub mod levers;
mod month;
mod moves;
mod outputs;
mod plan;
mod sourcing;
pub mod streams;
mod tally;
mod trial;
mod whole;
mod workspace;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::scenario::{Sampling, Scenario};
use crate::stats;
pub use outputs::{MetricInfo, MetricKind, MonthPoint, TRIAL_METRICS, TrialInputs, TrialMetrics};
pub use plan::Plan;
use tally::{BlockSums, MonthlyAccumulator, Tally};
pub use tally::{MonthlySketches, StrategySums, VendorEvents};
pub use trial::simulate_trial;
use trial::simulate_trials;
pub use workspace::Workspace;

/// Trials per block: large enough to amortise per-block work, small enough to balance
/// load, report progress and react to a cancel request often. Sums are taken per block,
/// so the figures of a run depend on this constant and on nothing about threads.
pub const BLOCK_TRIALS: usize = 1024;

/// Upper bound on the per-trial outputs held by one chunk in flight, in bytes.
const CHUNK_BYTES: usize = 24 << 20;

/// How to run a scenario: every knob of [`run`] in one value.
///
/// Build it with [`RunOptions::new`] (or [`RunOptions::from_scenario`]) and the
/// builder methods; everything but the trial count and seed is optional.
pub struct RunOptions<'a> {
    /// Number of trials (ignored when [`RunOptions::precision`] is set).
    pub trials: u64,
    /// Seed of every random stream.
    pub seed: u64,
    /// Worker threads: `None` runs on the current rayon pool (the global one unless the
    /// caller installed another); `Some(n)` builds a pool of `n` threads for the run.
    pub threads: Option<usize>,
    /// Run in batches until this precision is reached, instead of a fixed trial count.
    pub precision: Option<PrecisionTarget>,
    /// Stops the run with [`RunError::Cancelled`] once set (checked between blocks).
    pub cancel: Option<&'a AtomicBool>,
    /// Called with the number of trials just finished, from worker threads.
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
    /// Receives every trial's outputs, in trial order.
    pub sink: Option<&'a mut dyn TrialSink>,
    /// Keep every trial's uncertain inputs in [`RawRun::inputs`], for sensitivity
    /// analysis (a few dozen bytes per trial and vendor).
    pub collect_inputs: bool,
    /// How the per-trial inputs are sampled, overriding the scenario's `sampling`;
    /// `None` keeps the scenario's.
    pub sampling: Option<Sampling>,
}

impl<'a> RunOptions<'a> {
    /// `trials` trials from `seed`, on the current thread pool, with nothing else.
    pub fn new(trials: u64, seed: u64) -> Self {
        RunOptions {
            trials,
            seed,
            threads: None,
            precision: None,
            cancel: None,
            progress: None,
            sink: None,
            collect_inputs: false,
            sampling: None,
        }
    }

    /// The trial count and seed written in the scenario file.
    pub fn from_scenario(scenario: &Scenario) -> Self {
        RunOptions::new(scenario.meta.trials, scenario.meta.seed)
    }

    /// Run on a pool of `threads` worker threads built for the run.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// Run to a precision target instead of a fixed trial count.
    pub fn precision(mut self, target: PrecisionTarget) -> Self {
        self.precision = Some(target);
        self
    }

    /// Stop once `flag` is set.
    pub fn cancel(mut self, flag: &'a AtomicBool) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// Report finished trials to `progress`.
    pub fn progress(mut self, progress: &'a (dyn Fn(u64) + Sync)) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Hand every trial's outputs to `sink`.
    pub fn sink(mut self, sink: &'a mut dyn TrialSink) -> Self {
        self.sink = Some(sink);
        self
    }

    /// Keep every trial's uncertain inputs.
    pub fn collect_inputs(mut self) -> Self {
        self.collect_inputs = true;
        self
    }

    /// Sample the per-trial inputs as `sampling` says, whatever the scenario's
    /// `sampling`.
    pub fn sampling(mut self, sampling: Sampling) -> Self {
        self.sampling = Some(sampling);
        self
    }

    /// The same trials, seed, threads, precision target, cancel flag and progress, for
    /// another run (of a variant, say): without the sink and without collecting inputs.
    pub fn for_another_run(&self) -> RunOptions<'a> {
        RunOptions {
            trials: self.trials,
            seed: self.seed,
            threads: self.threads,
            precision: self.precision,
            cancel: self.cancel,
            progress: self.progress,
            sink: None,
            collect_inputs: false,
            sampling: self.sampling,
        }
    }
}

impl std::fmt::Debug for RunOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("trials", &self.trials)
            .field("seed", &self.seed)
            .field("threads", &self.threads)
            .field("precision", &self.precision)
            .field("cancel", &self.cancel)
            .field("progress", &self.progress.is_some())
            .field("sink", &self.sink.is_some())
            .field("collect_inputs", &self.collect_inputs)
            .field("sampling", &self.sampling)
            .finish()
    }
}

/// What a run produced, before any summary: the per-trial values the summaries need in
/// full, sums of the others, month-by-month sketches, and what was asked for besides.
/// `Results::new` of the results layer summarises it.
#[derive(Debug, Clone)]
pub struct RawRun {
    /// Trials run.
    pub trials: u64,
    /// Seed used.
    pub seed: u64,
    /// NPV cost of every trial, one vector per strategy, in trial order.
    pub costs: Vec<Vec<f64>>,
    /// Service level of every trial, one vector per strategy, in trial order.
    pub service: Vec<Vec<f64>>,
    /// Sums over trials of every other output, one per strategy.
    pub sums: Vec<StrategySums>,
    /// Month-by-month sketches.
    pub monthly: MonthlySketches,
    /// Every trial's uncertain inputs, in trial order, when
    /// [`RunOptions::collect_inputs`] was set; empty otherwise.
    pub inputs: Vec<TrialInputs>,
    /// What a precision-targeted run achieved; `None` for a fixed trial count.
    pub precision: Option<PrecisionOutcome>,
    /// How the per-trial inputs were sampled.
    pub sampling: Sampling,
    /// The realised Spearman rank correlation of each of the scenario's
    /// `[[correlations]]` over the run's trials, in file order; `None` where an input
    /// did not vary.
    pub realised_correlations: Vec<Option<f64>>,
    /// Per strategy and each of its vendors, in how many trials the vendor is active
    /// month by month (V2.6).
    pub vendors_active: Vec<VendorActive>,
}

/// One vendor of one strategy: in how many trials it is active (a positive share, not
/// failed), month by month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorActive {
    /// Index of the strategy.
    pub strategy: usize,
    /// Index of the vendor in the scenario.
    pub vendor: usize,
    /// Per month, trials in which the vendor is active.
    pub trials: Vec<u64>,
}

/// The vendors of every strategy (in order of first mention: allocation, phases, exit
/// fallbacks) with their active trials per month, from a run's counts.
fn vendors_active(plan: &Plan, monthly: &MonthlySketches) -> Vec<VendorActive> {
    let h = plan.horizon;
    let mut at = 0;
    let mut out = Vec::new();
    for (si, sp) in plan.strategies.iter().enumerate() {
        for slot in &sp.slots {
            let trials = if plan.general {
                (0..h)
                    .map(|i| monthly.active.get(at + i).copied().unwrap_or(0))
                    .collect()
            } else {
                vec![monthly.trials; h]
            };
            at += h;
            out.push(VendorActive {
                strategy: si,
                vendor: slot.vendor,
                trials,
            });
        }
    }
    out
}

/// What a [`TrialSink`] may fail with: any error of the sink's own boundary.
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// Why a run stopped before it finished. Every variant is fatal to the run: nothing of
/// it should be kept.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The cancel flag was set. Not an error of the inputs.
    #[error("the run was cancelled")]
    Cancelled,
    /// The [`TrialSink`] failed (e.g. a disk error while writing per-trial outputs).
    #[error("{0}")]
    Sink(SinkError),
    /// The worker threads asked for could not be started.
    #[error("cannot start {threads} worker thread(s): {source}")]
    ThreadPool {
        /// Threads asked for.
        threads: usize,
        /// What rayon reported.
        source: rayon::ThreadPoolBuildError,
    },
}

/// The cancel flag was seen while simulating a block.
struct Cancelled;

impl From<Cancelled> for RunError {
    fn from(_: Cancelled) -> Self {
        RunError::Cancelled
    }
}

/// Receives every trial's outputs, in trial order, a chunk at a time: `metrics` holds
/// trials `first_trial..`, one [`TrialMetrics`] per strategy per trial (trial-major).
pub trait TrialSink: Send {
    /// Take one chunk. An error stops the run with [`RunError::Sink`].
    fn accept(&mut self, first_trial: u64, metrics: &[TrialMetrics]) -> Result<(), SinkError>;

    /// Whether the sink takes each trial's inputs drawn once per trial too
    /// ([`TrialSink::accept_inputs`]); `false` unless the sink says otherwise.
    fn wants_inputs(&self) -> bool {
        false
    }

    /// Take the inputs drawn once per trial of the trials of the next
    /// [`TrialSink::accept`]: trial-major, one value per input in the order of
    /// `InputId::all` (growth, then each vendor's attrition, defect rate and
    /// escalation, before due diligence). Called only when [`TrialSink::wants_inputs`].
    fn accept_inputs(&mut self, first_trial: u64, inputs: &[f64]) -> Result<(), SinkError> {
        let _ = (first_trial, inputs);
        Ok(())
    }

    /// Take what exits and failures did in the trials of the next
    /// [`TrialSink::accept`], summed over them: per strategy, per vendor in order of
    /// first mention ([`StrategySums::vendor_events`]; empty without sourcing over
    /// time). Called for every block, before [`TrialSink::accept`].
    fn accept_events(
        &mut self,
        first_trial: u64,
        events: &[&[VendorEvents]],
    ) -> Result<(), SinkError> {
        let _ = (first_trial, events);
        Ok(())
    }
}

/// A sink that keeps nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Discard;

impl TrialSink for Discard {
    fn accept(&mut self, _: u64, _: &[TrialMetrics]) -> Result<(), SinkError> {
        Ok(())
    }
}

/// A sink that keeps every per-trial output in memory (about 160 bytes per trial and
/// strategy): for small runs, tests and analyses that need more than the summaries.
#[derive(Debug, Clone, Default)]
pub struct Collect(pub Vec<TrialMetrics>);

impl TrialSink for Collect {
    fn accept(&mut self, _: u64, metrics: &[TrialMetrics]) -> Result<(), SinkError> {
        self.0.extend_from_slice(metrics);
        Ok(())
    }
}

/// Run `scenario` as `options` say and return its raw outputs.
///
/// With a [`PrecisionTarget`], trials run in deterministic batches (the first of
/// `first_batch` trials, then doubling the total) until the 95% CI half-width of every
/// strategy's mean NPV cost, and of every pairwise mean difference, is at most
/// `relative` of its mean, or `max_trials` is reached. The batch schedule depends only
/// on the inputs, so the answer is the same on any number of threads; every batch
/// starts on a block boundary, so the results are exactly those of a fixed-count run of
/// the same number of trials.
///
/// # Errors
///
/// [`RunError::Cancelled`] once the cancel flag is set, [`RunError::Sink`] when the
/// sink fails, [`RunError::ThreadPool`] when the threads asked for cannot start.
pub fn run(scenario: &Scenario, options: RunOptions<'_>) -> Result<RawRun, RunError> {
    run_from(scenario, options, 0)
}

/// Run only trials `trials` of the run that `options` describe (its
/// [`RunOptions::trials`] is ignored, and so is a precision target): one shard of a
/// run split over machines. `trials.start` must be a multiple of [`BLOCK_TRIALS`], so
/// that the blocks are those of the whole run; `trials.end` should be a multiple too,
/// or the whole run's last trial. The sink receives exactly the blocks a whole run
/// would hand it for these trials; of the [`RawRun`] returned only the month-by-month
/// sketches ([`RawRun::monthly`]) are needed besides, and [`replay`] puts the shards
/// back together.
///
/// # Errors
///
/// As [`run`].
pub fn run_trials(
    scenario: &Scenario,
    mut options: RunOptions<'_>,
    trials: std::ops::Range<u64>,
) -> Result<RawRun, RunError> {
    options.precision = None;
    options.trials = trials.end.max(trials.start);
    run_from(scenario, options, trials.start)
}

/// [`run`] from trial `start`, on the threads `options` ask for.
fn run_from(scenario: &Scenario, options: RunOptions<'_>, start: u64) -> Result<RawRun, RunError> {
    match options.threads {
        None => run_on_current_pool(scenario, options, start),
        Some(threads) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|source| RunError::ThreadPool { threads, source })?;
            pool.install(|| run_on_current_pool(scenario, options, start))
        }
    }
}

/// The plan of `scenario` with the sampling `options` ask for, and that sampling.
fn plan_for(scenario: &Scenario, override_sampling: Option<Sampling>) -> (Plan<'_>, Sampling) {
    let mut plan = Plan::new(scenario);
    if let Some(sampling) = override_sampling {
        plan.lhs = sampling == Sampling::Lhs;
    }
    let sampling = if plan.lhs {
        Sampling::Lhs
    } else {
        Sampling::Random
    };
    (plan, sampling)
}

/// The raw run of a finished tally: the per-run figures that need every trial
/// (realised correlations, active vendors) computed from what the blocks left.
fn finish_run(
    plan: &Plan,
    tally: Tally,
    trials: u64,
    seed: u64,
    inputs: Vec<TrialInputs>,
    correlated: &[f64],
    sampling: Sampling,
) -> RawRun {
    let mut raw = tally.into_run(trials, seed);
    raw.inputs = inputs;
    raw.sampling = sampling;
    raw.realised_correlations = realised_correlations(plan, correlated);
    raw.vendors_active = vendors_active(plan, &raw.monthly);
    raw
}

/// One block of trials as a shard stored it: what the engine handed its sink.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplayBlock {
    /// Index of the block's first trial.
    pub first_trial: u64,
    /// Number of trials of the block.
    pub trials: u64,
    /// The trials' outputs, trial-major, one per strategy per trial.
    pub metrics: Vec<TrialMetrics>,
    /// The inputs drawn once per trial, trial-major ([`TrialSink::accept_inputs`]).
    pub input_values: Vec<f64>,
    /// Per strategy, what exits and failures did to each vendor over the block's
    /// trials ([`TrialSink::accept_events`]).
    pub events: Vec<Vec<VendorEvents>>,
}

/// Put a run split into shards ([`run_trials`]) back together: `blocks` are every
/// block of the run in trial order, `monthly` every shard's month-by-month sketches
/// (in any order). The blocks go through the same reduction, and the same sink calls,
/// as in [`run`], so the result is that of one run of `options.trials` trials to the
/// bit. Nothing is simulated.
///
/// # Errors
///
/// [`RunError::Sink`] when reading a block fails (its error is passed on) or the sink
/// fails; [`RunError::Cancelled`] once the cancel flag is set.
pub fn replay(
    scenario: &Scenario,
    options: RunOptions<'_>,
    blocks: impl Iterator<Item = Result<ReplayBlock, SinkError>>,
    monthly: impl IntoIterator<Item = MonthlySketches>,
) -> Result<RawRun, RunError> {
    let (plan, sampling) = plan_for(scenario, options.sampling);
    let strategies = plan.strategy_count();
    let mut tally = Tally::new(strategies, plan.horizon());
    let mut discard = Discard;
    let sink: &mut dyn TrialSink = match options.sink {
        Some(sink) => sink,
        None => &mut discard,
    };
    let wants_inputs = sink.wants_inputs();
    let members: &[usize] = plan.copula.as_ref().map_or(&[], |(m, _)| m);
    let mut correlated = Vec::new();
    let mut trials = 0;
    for block in blocks {
        if options.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Err(RunError::Cancelled);
        }
        let block = block.map_err(RunError::Sink)?;
        let mut sums = BlockSums::new(strategies);
        if strategies > 0 {
            for trial in block.metrics.chunks_exact(strategies) {
                sums.add_trial(trial);
            }
        }
        sums.set_events(block.events);
        let per_trial = block.input_values.len() / (block.trials.max(1) as usize);
        if per_trial > 0 {
            for trial in block.input_values.chunks_exact(per_trial) {
                correlated.extend(
                    members
                        .iter()
                        .map(|&i| trial.get(i).copied().unwrap_or(0.0)),
                );
            }
        }
        tally.add_block(&block.metrics, &sums);
        sink.accept_events(block.first_trial, &sums.events())
            .map_err(RunError::Sink)?;
        if wants_inputs {
            sink.accept_inputs(block.first_trial, &block.input_values)
                .map_err(RunError::Sink)?;
        }
        sink.accept(block.first_trial, &block.metrics)
            .map_err(RunError::Sink)?;
        trials += block.trials;
        if let Some(progress) = options.progress {
            progress(block.trials);
        }
    }
    for sketches in monthly {
        tally.merge_monthly(MonthlyAccumulator::from_sketches(sketches));
    }
    Ok(finish_run(
        &plan,
        tally,
        trials,
        options.seed,
        Vec::new(),
        &correlated,
        sampling,
    ))
}

fn run_on_current_pool(
    scenario: &Scenario,
    options: RunOptions<'_>,
    start: u64,
) -> Result<RawRun, RunError> {
    let (plan, sampling) = plan_for(scenario, options.sampling);
    let mut tally = Tally::new(plan.strategy_count(), plan.horizon());
    let never = AtomicBool::new(false);
    let mut discard = Discard;
    let sink: &mut dyn TrialSink = match options.sink {
        Some(sink) => sink,
        None => &mut discard,
    };
    let hooks = Hooks {
        progress: options.progress.unwrap_or(&|_| {}),
        cancel: options.cancel.unwrap_or(&never),
        collect_inputs: options.collect_inputs,
        input_values: sink.wants_inputs(),
    };
    let seed = options.seed;
    let mut inputs = Vec::new();
    let mut correlated = Vec::new();
    let Some(target) = options.precision else {
        let trials = options.trials;
        run_range(
            &plan,
            seed,
            start,
            trials,
            &hooks,
            &mut tally,
            sink,
            &mut inputs,
            &mut correlated,
        )?;
        let done = trials.saturating_sub(start);
        return Ok(finish_run(
            &plan,
            tally,
            done,
            seed,
            inputs,
            &correlated,
            sampling,
        ));
    };
    let max_trials = target.max_trials.max(1);
    let first = target
        .first_batch
        .max(1)
        .next_multiple_of(BLOCK_TRIALS as u64);
    let mut done = 0u64;
    let mut next = first.min(max_trials);
    loop {
        run_range(
            &plan,
            seed,
            done,
            next,
            &hooks,
            &mut tally,
            sink,
            &mut inputs,
            &mut correlated,
        )?;
        done = next;
        let block = plan.lhs.then_some(BLOCK_TRIALS);
        let (worst, figure) = worst_relative_half_width(tally.costs(), scenario, block);
        let reached = worst <= target.relative;
        if reached || done >= max_trials {
            let mut raw = finish_run(&plan, tally, done, seed, inputs, &correlated, sampling);
            raw.precision = Some(PrecisionOutcome {
                trials: done,
                reached,
                worst_relative_half_width: worst,
                worst_figure: figure,
            });
            return Ok(raw);
        }
        next = (done * 2).min(max_trials);
    }
}

/// The realised Spearman correlation of each `[[correlations]]` entry, from the
/// correlated inputs of every trial (`values`, trial-major in the copula's order).
/// `O(k n log n)` for `k` correlated inputs over `n` trials.
fn realised_correlations(plan: &Plan, values: &[f64]) -> Vec<Option<f64>> {
    let Some((members, _)) = &plan.copula else {
        return Vec::new();
    };
    let k = members.len();
    let column = |input: usize| -> Vec<f64> {
        let at = members.iter().position(|&m| m == input).unwrap_or(0);
        values.iter().skip(at).step_by(k).copied().collect()
    };
    plan.scenario()
        .correlations
        .iter()
        .map(|c| {
            let [a, b] = c.between.map(|id| column(id.index()));
            stats::rank::spearman(&a, &b)
        })
        .collect()
}

/// The callbacks and switches of a run.
struct Hooks<'a> {
    progress: &'a (dyn Fn(u64) + Sync),
    cancel: &'a AtomicBool,
    collect_inputs: bool,
    /// Hand each trial's input values to the sink.
    input_values: bool,
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

/// One finished block: its trials' outputs (trial-major), its sums and, when asked
/// for, its trials' inputs.
struct Block {
    first_trial: u64,
    metrics: Vec<TrialMetrics>,
    sums: BlockSums,
    inputs: Vec<TrialInputs>,
    /// The trials' inputs drawn once per trial, trial-major, when the sink wants them.
    input_values: Vec<f64>,
    /// The trials' correlated inputs, trial-major, in the copula's order.
    correlated: Vec<f64>,
}

/// Simulate trials `start..end` of `plan` into `tally` and `sink` (and their inputs
/// into `inputs` when the hooks ask for them). `start` should be a multiple of
/// [`BLOCK_TRIALS`] so that blocks, and hence sums, line up with those of a run from
/// trial 0.
#[allow(clippy::too_many_arguments)]
fn run_range(
    plan: &Plan,
    seed: u64,
    start: u64,
    end: u64,
    hooks: &Hooks,
    tally: &mut Tally,
    sink: &mut dyn TrialSink,
    inputs: &mut Vec<TrialInputs>,
    correlated: &mut Vec<f64>,
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
        // Latin hypercube sampling stratifies over exactly this block's trials.
        state.ws.begin_block(first, n);
        if let Some(ws_next) = &mut state.ws_next {
            ws_next.begin_block(first, n);
        }
        let mut metrics = spare
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .unwrap_or_default();
        metrics.clear();
        metrics.resize(n * strategies, TrialMetrics::default());
        let mut sums = BlockSums::new(strategies);
        let mut block_inputs = Vec::new();
        let mut input_values = Vec::new();
        let mut correlated = Vec::new();
        let members: &[usize] = plan.copula.as_ref().map_or(&[], |(m, _)| m);
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
            let mut hand_on = |_trial: u64, ws: &Workspace, points: &[MonthPoint], out: &[_]| {
                if hooks.collect_inputs {
                    block_inputs.push(ws.inputs.clone());
                }
                if hooks.input_values {
                    input_values.extend_from_slice(&ws.input_values);
                    ws.inputs
                        .push_sourcing_values(plan.scenario, &mut input_values);
                }
                correlated.extend(members.iter().map(|&i| ws.input_values[i]));
                monthly.add_trial(points);
                if plan.general {
                    monthly.add_active(ws.sourcing.iter().flat_map(|g| g.active.iter()));
                    sums.add_events(&ws.sourcing);
                }
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
            inputs: block_inputs,
            input_values,
            correlated,
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
            sink.accept_events(block.first_trial, &block.sums.events())
                .map_err(RunError::Sink)?;
            if hooks.input_values {
                sink.accept_inputs(block.first_trial, &block.input_values)
                    .map_err(RunError::Sink)?;
            }
            sink.accept(block.first_trial, &block.metrics)
                .map_err(RunError::Sink)?;
            inputs.extend(block.inputs);
            correlated.extend_from_slice(&block.correlated);
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

/// The widest relative 95% half-width among strategy means and pairwise differences of
/// NPV cost (`costs[s]` holds strategy `s`'s costs in trial order). A difference is
/// measured against the larger of the two strategies' means, since a difference near
/// zero has no useful relative precision of its own.
///
/// Under Latin hypercube sampling (`block` is the engine's block size) the half-widths
/// come from the spread of block means once there are enough blocks
/// ([`stats::standard_error`]).
fn worst_relative_half_width(
    costs: &[Vec<f64>],
    scenario: &Scenario,
    block: Option<usize>,
) -> (f64, String) {
    let n = costs.first().map_or(0, Vec::len) as f64;
    let half = |values: &[f64]| {
        if let Some(se) = stats::block_standard_error(values, block) {
            stats::Z95 * se
        } else if n > 1.0 {
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

#[cfg(test)]
mod tests;
