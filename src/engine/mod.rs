//! The Monte Carlo driver: runs trials in parallel and reduces them deterministically.
//!
//! Lifecycle: a validated [`Scenario`] becomes a [`trial::Plan`]; trials are cut into
//! fixed-size blocks in trial order; rayon runs the blocks on its current thread pool,
//! each block with its own [`trial::Workspace`]; each trial writes its outputs into its
//! own place of one pre-sized vector, and its month-by-month points into the block's
//! sketches. Sketches merge with integer counts, and every sum over trials is taken in
//! trial order afterwards, so results are byte-identical on any number of threads.
//! Progress leaves through a callback; the engine does no I/O.

pub mod streams;
pub mod trial;

use rayon::prelude::*;

use crate::results::{MonthlyAccumulator, Results};
use crate::scenario::Scenario;
use trial::{MonthPoint, Plan, TrialInputs, TrialMetrics, Workspace, simulate_trial};

/// Trials per block: large enough to amortise workspace set-up, small enough to balance
/// load and report progress often.
pub const BLOCK_TRIALS: usize = 256;

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

/// Run every trial of `scenario` and summarise. `progress` is called with the number of
/// trials just finished, from worker threads.
pub fn run(scenario: &Scenario, config: RunConfig, progress: &(dyn Fn(u64) + Sync)) -> Results {
    run_with_inputs(scenario, config, progress, |_, _| {})
}

/// As [`run`], also handing each trial's uncertain inputs to `on_inputs(trial, inputs)`
/// (from worker threads, in no particular order), for sensitivity analysis.
pub fn run_with_inputs(
    scenario: &Scenario,
    config: RunConfig,
    progress: &(dyn Fn(u64) + Sync),
    on_inputs: impl Fn(u64, &TrialInputs) + Sync,
) -> Results {
    let plan = Plan::new(scenario);
    let strategies = plan.strategy_count();
    let horizon = plan.horizon();
    let trials = config.trials as usize;
    let mut metrics = vec![TrialMetrics::default(); trials * strategies];
    let monthly = metrics
        .par_chunks_mut(BLOCK_TRIALS * strategies)
        .enumerate()
        .map(|(block, out)| {
            let mut ws = Workspace::new(&plan);
            let mut acc = MonthlyAccumulator::new(strategies, horizon);
            let mut months = vec![MonthPoint::default(); strategies * horizon];
            for (k, slot) in out.chunks_mut(strategies).enumerate() {
                let trial = (block * BLOCK_TRIALS + k) as u64;
                simulate_trial(&plan, config.seed, trial, &mut ws, slot, &mut months);
                on_inputs(trial, &ws.inputs);
                acc.add_trial(&months);
            }
            progress((out.len() / strategies) as u64);
            acc
        })
        .reduce(
            || MonthlyAccumulator::new(strategies, horizon),
            |mut a, b| {
                a.merge(&b);
                a
            },
        );
    Results::new(scenario, config, metrics, &monthly)
}
