//! Fuzz target: scenario text -> parse and validate -> a short simulation.
//!
//! Any text must either be refused with issues, or become a scenario whose simulation
//! finishes with finite, self-consistent numbers. Trials are capped at a few; the
//! horizon and every other value are used as validated.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use outsim::engine::{TRIAL_METRICS, self, MonthPoint, Plan, RunOptions, TrialMetrics, Workspace, simulate_trial};
use outsim::results::Results;
use outsim::scenario::Scenario;

/// Trials simulated per input.
const TRIALS: u64 = 2;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scenario) = Scenario::from_toml_str(text, Path::new("fuzz.toml")) else {
        return;
    };
    let plan = Plan::new(&scenario);
    let strategies = plan.strategy_count();
    let horizon = plan.horizon();
    let mut ws = Workspace::new(&plan);
    let mut metrics = vec![TrialMetrics::default(); strategies];
    let mut months = vec![MonthPoint::default(); strategies * horizon];
    for trial in 0..TRIALS {
        simulate_trial(
            &plan,
            scenario.meta.seed,
            trial,
            &mut ws,
            &mut metrics,
            &mut months,
        );
        for (s, m) in metrics.iter().enumerate() {
            check_metrics(&scenario, s, m);
            let max_heads: f64 = scenario.strategies[s]
                .allocation
                .iter()
                .map(|a| f64::from(scenario.vendors[a.vendor].max_fte))
                .sum();
            for p in &months[s * horizon..(s + 1) * horizon] {
                for (name, x) in [
                    ("demand", p.demand),
                    ("capacity", p.capacity),
                    ("backlog", p.backlog),
                    ("heads", p.heads),
                    ("cumulative_cost", p.cumulative_cost),
                ] {
                    assert!(x.is_finite() && x >= 0.0, "month {name} = {x}");
                }
                assert!(
                    p.heads <= max_heads,
                    "heads {} above max_fte {max_heads}",
                    p.heads
                );
            }
        }
    }
    // The whole pipeline, statistics included, on the same few trials.
    let raw = engine::run(&scenario, RunOptions::new(TRIALS, scenario.meta.seed))
        .unwrap_or_else(|e| panic!("a run with no sink and no cancel flag stopped: {e}"));
    let results = Results::new(&scenario, raw);
    if let Some(figure) = results.first_non_finite() {
        panic!("not finite: {figure}");
    }
});

fn check_metrics(scenario: &Scenario, s: usize, m: &TrialMetrics) {
    let name = &scenario.strategies[s].name;
    for (field, x) in TRIAL_METRICS.iter().map(|x| (x.name, (x.value)(m))) {
        assert!(x.is_finite(), "{name}: {field} = {x}");
    }
    assert!(
        (0.0..=1.0).contains(&m.service_level),
        "{name}: service level {}",
        m.service_level
    );
    assert!(
        (0.0..=1.0).contains(&m.defect_rate),
        "{name}: defect rate {}",
        m.defect_rate
    );
    assert!(m.final_backlog >= 0.0);
    let parts =
        m.labor + m.onboarding + m.setup + m.oversight + m.defects + m.delay + m.incidents_cost
            - m.credits;
    let scale = m.labor
        + m.onboarding
        + m.setup
        + m.oversight
        + m.defects
        + m.delay
        + m.incidents_cost
        + m.credits;
    assert!(
        (m.cost_total - parts).abs() <= 1e-9 * scale + 1e-9,
        "{name}: cost_total {} but components add to {parts}",
        m.cost_total
    );
}
