//! Model v2's engine (MODEL.md V2.1-V2.4, V2.6): the general month loop against version
//! 1's, reference agreement of the exact case, and hand-computed mechanisms.

use std::path::{Path, PathBuf};

use outsim::engine::{MonthPoint, Plan, TrialMetrics, Workspace, simulate_trial};
use outsim::scenario::Scenario;

/// Every trial's outputs and month points of `plan`, trial by trial.
fn simulate(plan: &Plan, seed: u64, trials: u64) -> Vec<(Vec<TrialMetrics>, Vec<MonthPoint>)> {
    let strategies = plan.strategy_count();
    let mut ws = Workspace::new(plan);
    (0..trials)
        .map(|trial| {
            let mut metrics = vec![TrialMetrics::default(); strategies];
            let mut months = vec![MonthPoint::default(); strategies * plan.horizon()];
            simulate_trial(plan, seed, trial, &mut ws, &mut metrics, &mut months);
            (metrics, months)
        })
        .collect()
}

/// The version 1 scenarios of the repository: the examples and the reference cases.
fn version_1_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["scenarios", "tests/reference"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).expect("folder exists"))
        .map(|entry| entry.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// The general month loop, forced on version 1 scenarios, gives the results of version
/// 1's tuned loops to the bit: every per-trial output and every month point.
#[test]
fn the_general_loop_gives_version_1_results_to_the_bit() {
    let mut compared = 0;
    for path in version_1_files() {
        let scenario = Scenario::load(&path).expect("scenario is valid");
        if scenario.uses_v2_sourcing() {
            continue;
        }
        let tuned = Plan::new(&scenario);
        let general = Plan::general(&scenario);
        assert!(!tuned.is_general() && general.is_general());
        let a = simulate(&tuned, 17, 24);
        let b = simulate(&general, 17, 24);
        for (trial, ((ma, pa), (mb, pb))) in a.iter().zip(&b).enumerate() {
            // Debug prints every float's shortest round-trip form: equal text, equal bits.
            assert_eq!(
                format!("{ma:?}"),
                format!("{mb:?}"),
                "{}: trial {trial}",
                path.display()
            );
            assert_eq!(
                format!("{pa:?}"),
                format!("{pb:?}"),
                "{}: trial {trial}",
                path.display()
            );
        }
        compared += 1;
    }
    assert!(compared >= 4, "only {compared} version 1 files compared");
}
