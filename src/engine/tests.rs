//! The engine's entry point: what [`run`] hands back, how it stops, and that none of its
//! options changes a simulated number.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::*;

/// Reference case 1 (`tests/reference/r1_single_vendor.toml`), cut to 12 months.
const SCENARIO: &str = include_str!("../../tests/reference/r1_single_vendor.toml");

fn scenario() -> Scenario {
    let text = SCENARIO.replace("horizon_months = 24", "horizon_months = 12");
    Scenario::from_toml_str(&text, Path::new("r1.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// The error of a sink that refuses everything.
#[derive(Debug, thiserror::Error)]
#[error("the disk is full")]
struct DiskFull;

struct Refuse {
    calls: usize,
}

impl TrialSink for Refuse {
    fn accept(&mut self, _: u64, _: &[TrialMetrics]) -> Result<(), SinkError> {
        self.calls += 1;
        Err(Box::new(DiskFull))
    }
}

/// A run of 2^50 trials whose sink fails at once stops after its first chunks with the
/// sink's own error. Before trials stopped being reserved for up front, the run asked
/// for 2^53 bytes per column before simulating anything and the process aborted.
#[test]
fn a_failing_sink_stops_a_huge_run_with_its_own_error() {
    let scenario = scenario();
    let mut sink = Refuse { calls: 0 };
    let result = run(&scenario, RunOptions::new(1 << 50, 1).sink(&mut sink));
    match result {
        Err(RunError::Sink(e)) => assert!(e.downcast_ref::<DiskFull>().is_some(), "{e}"),
        other => panic!("expected the sink's error, got {other:?}"),
    }
    assert_eq!(sink.calls, 1);
}

#[test]
fn a_set_cancel_flag_stops_the_run() {
    let scenario = scenario();
    let cancel = AtomicBool::new(true);
    let result = run(&scenario, RunOptions::new(5_000, 1).cancel(&cancel));
    assert!(matches!(result, Err(RunError::Cancelled)), "{result:?}");
}

#[test]
fn options_that_only_observe_change_no_simulated_number() {
    let scenario = scenario();
    let trials = 3 * BLOCK_TRIALS as u64 + 7;
    let plain = run(&scenario, RunOptions::new(trials, 9)).unwrap_or_else(|e| panic!("{e}"));
    let finished = std::sync::atomic::AtomicU64::new(0);
    let progress = |n: u64| {
        finished.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    };
    let mut sink = Collect::default();
    let observed = run(
        &scenario,
        RunOptions::new(trials, 9)
            .threads(3)
            .progress(&progress)
            .sink(&mut sink)
            .collect_inputs(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(finished.into_inner(), trials);
    let bits = |columns: &[Vec<f64>]| -> Vec<Vec<u64>> {
        columns
            .iter()
            .map(|c| c.iter().map(|x| x.to_bits()).collect())
            .collect()
    };
    assert_eq!(bits(&plain.costs), bits(&observed.costs));
    assert_eq!(bits(&plain.service), bits(&observed.service));
    assert_eq!(plain.sums, observed.sums);
    assert!(plain.inputs.is_empty());
    assert_eq!(observed.inputs.len() as u64, trials);
    let strategies = scenario.strategies.len();
    assert_eq!(sink.0.len() as u64, trials * strategies as u64);
    for (k, m) in sink.0.iter().enumerate() {
        assert_eq!(
            m.cost_npv.to_bits(),
            plain.costs[k % strategies][k / strategies].to_bits()
        );
    }
}

#[test]
fn collected_inputs_are_those_of_each_trial_in_trial_order() {
    let scenario = scenario();
    let trials = BLOCK_TRIALS as u64 + 3;
    let raw = run(&scenario, RunOptions::new(trials, 4).collect_inputs())
        .unwrap_or_else(|e| panic!("{e}"));
    let plan = Plan::new(&scenario);
    let mut ws = Workspace::new(&plan);
    let mut metrics = vec![TrialMetrics::default(); plan.strategy_count()];
    let mut months = vec![MonthPoint::default(); plan.strategy_count() * plan.horizon()];
    for trial in [0, 1, 2, trials / 2, trials - 1] {
        simulate_trial(&plan, 4, trial, &mut ws, &mut metrics, &mut months);
        assert_eq!(raw.inputs[trial as usize], ws.inputs, "trial {trial}");
    }
}

#[test]
fn zero_threads_means_rayon_s_default() {
    // rayon treats 0 threads as "choose for me": the run must not fail or differ.
    let scenario = scenario();
    let a = run(&scenario, RunOptions::new(100, 2).threads(0)).unwrap_or_else(|e| panic!("{e}"));
    let b = run(&scenario, RunOptions::new(100, 2)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.sums, b.sums);
}
