//! Agreement with an independent implementation of the model, under the tolerance rule
//! of the reference cases:
//! `|mean - expected| <= 4 sd sqrt(1/n + 1/200000) + 0.005 |expected| + 1e-9`.

use outsim::engine::TrialMetrics;
use outsim::results::Results;
use outsim::scenario::Scenario;
use outsim::stats::mean;

use super::common::{reference, run_collect};

const TRIALS: u64 = 20_000;

/// The mean over trials of one per-trial output of strategy `s`, from every trial's
/// outputs (`metrics`, trial-major); `None` for an output of the reference that outsim
/// does not compute yet (version 2's cash and exit figures).
fn metric(results: &Results, metrics: &[TrialMetrics], s: usize, name: &str) -> Option<f64> {
    let get: fn(&TrialMetrics) -> f64 = match name {
        "cost" => |m| m.cost_npv,
        "cost_per_unit" => |m| m.cost_per_unit,
        "service_level" => |m| m.service_level,
        "defect_rate" => |m| m.defect_rate,
        "leavers" => |m| m.leavers as f64,
        "hires" => |m| m.hires as f64,
        "incidents" => |m| m.incidents as f64,
        "shortfall_months" => |m| m.shortfall_months as f64,
        "p_shortfall" => |m| f64::from(u8::from(m.shortfall_months > 0)),
        "final_backlog" => |m| m.final_backlog,
        "p_objectives_met" => |m| f64::from(u8::from(m.objectives_met)),
        "labor" => |m| m.labor,
        "onboarding" => |m| m.onboarding,
        "setup" => |m| m.setup,
        "oversight" => |m| m.oversight,
        "defects" => |m| m.defects,
        "delay" => |m| m.delay,
        "incidents_cost" => |m| m.incidents_cost,
        "credits" => |m| m.credits,
        _ => return None,
    };
    let column: Vec<f64> = metrics
        .iter()
        .skip(s)
        .step_by(results.strategies.len())
        .map(get)
        .collect();
    Some(mean(&column))
}

fn check(name: &str, seed: u64) {
    let scenario =
        Scenario::load(&reference(&format!("{name}.toml"))).expect("reference scenario is valid");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(reference(&format!("{name}.expected.json")))
            .expect("expected figures exist"),
    )
    .expect("expected figures are JSON");
    let ref_trials = expected["trials"].as_f64().expect("trials");
    let (results, trials) = run_collect(&scenario, TRIALS, seed);
    let mut failures = Vec::new();
    let mut checked = 0;
    for (s, strategy) in results.strategies.iter().enumerate() {
        let metrics = expected["metrics"][strategy]
            .as_object()
            .expect("every strategy has expected figures");
        for (key, fig) in metrics {
            let want = fig["mean"].as_f64().expect("mean");
            let sd = fig["sd"].as_f64().expect("sd");
            let Some(got) = metric(&results, &trials, s, key) else {
                continue;
            };
            let tol = 4.0 * sd * (1.0 / TRIALS as f64 + 1.0 / ref_trials).sqrt()
                + 0.005 * want.abs()
                + 1e-9;
            checked += 1;
            if (got - want).abs() > tol {
                failures.push(format!(
                    "{strategy} / {key}: outsim {got}, reference {want}, tolerance {tol}"
                ));
            }
        }
        // The summary table must report the means the per-trial outputs give (summed
        // block by block, so equal up to rounding).
        let summary = serde_json::to_value(&results.summary[s]).expect("summary");
        for (key, column) in [
            ("cost_mean", "cost"),
            ("cost_per_unit_mean", "cost_per_unit"),
            ("service_level_mean", "service_level"),
            ("defect_rate_mean", "defect_rate"),
            ("leavers_mean", "leavers"),
            ("hires_mean", "hires"),
            ("incidents_mean", "incidents"),
            ("shortfall_months_mean", "shortfall_months"),
            ("p_shortfall", "p_shortfall"),
            ("final_backlog_mean", "final_backlog"),
            ("p_objectives_met", "p_objectives_met"),
            ("labor_mean", "labor"),
            ("onboarding_mean", "onboarding"),
            ("setup_mean", "setup"),
            ("oversight_mean", "oversight"),
            ("defects_mean", "defects"),
            ("delay_mean", "delay"),
            ("incidents_cost_mean", "incidents_cost"),
            ("credits_mean", "credits"),
        ] {
            let reported = summary[key].as_f64().expect("a number");
            let direct = metric(&results, &trials, s, column).expect("a metric of outsim");
            assert!(
                (reported - direct).abs() <= 1e-12 * direct.abs().max(1.0),
                "{strategy} {key}: summary {reported}, per-trial mean {direct}"
            );
        }
    }
    assert!(
        checked >= 19 * results.strategies.len(),
        "only {checked} figures compared"
    );
    assert!(
        failures.is_empty(),
        "{name}: disagreement with the reference:\n{}",
        failures.join("\n")
    );
}

#[test]
fn single_vendor_agrees_with_the_reference() {
    check("r1_single_vendor", 2024);
}

#[test]
fn dual_source_agrees_with_the_reference() {
    check("r2_dual_source", 2024);
}

#[test]
fn correlated_inputs_agree_with_the_reference() {
    check("r5_correlated_inputs", 2024);
}
