//! Agreement with an independent implementation of the model, under the tolerance rule
//! of the reference cases:
//! `|mean - expected| <= 4 sd sqrt(1/n + 1/200000) + 0.005 |expected| + 1e-9` (a 0/1
//! metric whose expected mean is exactly 0 or 1 takes the sd of a proportion of
//! 3/200000); the exact cases, in which nothing is random, to rounding:
//! `|mean - expected| <= 1e-9 max(|expected|, 1)`.

use outsim::engine::{MetricInfo, TRIAL_METRICS, TrialMetrics};
use outsim::results::Results;
use outsim::scenario::Scenario;
use outsim::stats::mean;

use super::common::{reference, run_collect};

const TRIALS: u64 = 20_000;

/// How the reference names a per-trial figure in outsim's registry: `cost` and `cash` are
/// the NPVs, `p_*` a 0/1 indicator of an output being positive, the rest by name.
fn figure(name: &str) -> Option<(&'static MetricInfo, bool)> {
    let (metric, indicator) = match name {
        "cost" => ("cost_npv", false),
        "cash" => ("cash_npv", false),
        "p_shortfall" => ("shortfall_months", true),
        "p_objectives_met" => ("objectives_met", true),
        "p_exit" => ("exits", true),
        "p_break" => ("break_months", true),
        other => (other, false),
    };
    TRIAL_METRICS
        .iter()
        .find(|m| m.name == metric)
        .map(|m| (m, indicator))
}

/// The mean over trials of one per-trial figure of strategy `s` ([`figure`]), from every
/// trial's outputs (`metrics`, trial-major).
fn metric(results: &Results, metrics: &[TrialMetrics], s: usize, name: &str) -> f64 {
    let Some((info, indicator)) = figure(name) else {
        panic!("the reference names a metric outsim does not have: {name}")
    };
    let column: Vec<f64> = metrics
        .iter()
        .skip(s)
        .step_by(results.strategies.len())
        .map(|m| {
            let x = (info.value)(m);
            if indicator {
                f64::from(u8::from(x > 0.0))
            } else {
                x
            }
        })
        .collect();
    mean(&column)
}

/// The reference's name of the per-trial figure whose mean a summary column reports:
/// `cost_mean` is `cost`, `cash_mean` is `cash`, `X_mean` is `X`, `p_*` as it is.
fn figure_of_column(column: &str) -> Option<String> {
    let name = match column {
        "cost_mean" => "cost".to_string(),
        "cash_mean" => "cash".to_string(),
        c if c.starts_with("p_") => c.to_string(),
        c => c.strip_suffix("_mean")?.to_string(),
    };
    figure(&name).map(|_| name)
}

/// How a reference case is compared.
#[derive(Clone, Copy)]
enum Agreement {
    /// Within the statistical tolerance, at this many trials.
    Within(u64),
    /// To rounding: nothing in the case is random.
    Exact,
}

fn check(name: &str, seed: u64) {
    check_case(name, seed, Agreement::Within(TRIALS));
}

fn check_case(name: &str, seed: u64, agreement: Agreement) {
    let scenario =
        Scenario::load(&reference(&format!("{name}.toml"))).expect("reference scenario is valid");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(reference(&format!("{name}.expected.json")))
            .expect("expected figures exist"),
    )
    .expect("expected figures are JSON");
    let ref_trials = expected["trials"].as_f64().expect("trials");
    let n = match agreement {
        Agreement::Within(n) => n,
        Agreement::Exact => 3,
    };
    let (results, trials) = run_collect(&scenario, n, seed);
    let mut failures = Vec::new();
    let mut checked = 0;
    for (s, strategy) in results.strategies.iter().enumerate() {
        let metrics = expected["metrics"][strategy]
            .as_object()
            .expect("every strategy has expected figures");
        for (key, fig) in metrics {
            let want = fig["mean"].as_f64().expect("mean");
            let sd = fig["sd"].as_f64().expect("sd");
            let got = metric(&results, &trials, s, key);
            let tol = match agreement {
                Agreement::Exact => 1e-9 * want.abs().max(1.0),
                Agreement::Within(n) => {
                    let sd = if sd == 0.0 && (want == 0.0 || want == 1.0) {
                        let p: f64 = 3.0 / 200_000.0;
                        (p * (1.0 - p)).sqrt()
                    } else {
                        sd
                    };
                    4.0 * sd * (1.0 / n as f64 + 1.0 / ref_trials).sqrt()
                        + 0.005 * want.abs()
                        + 1e-9
                }
            };
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
        let mut compared = 0;
        for (key, value) in summary.as_object().expect("a summary is an object") {
            let Some(column) = figure_of_column(key) else {
                continue;
            };
            let reported = value.as_f64().expect("a number");
            let direct = metric(&results, &trials, s, &column);
            compared += 1;
            assert!(
                (reported - direct).abs() <= 1e-12 * direct.abs().max(1.0),
                "{strategy} {key}: summary {reported}, per-trial mean {direct}"
            );
        }
        // The 20 means of version 1; the six means, `p_exit` and `cash_mean` of V2.6.
        assert!(compared >= 20 + 8, "only {compared} summary means compared");
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
fn breaking_point_agrees_with_the_reference_to_rounding() {
    check_case("r7_breaks_exact", 7, Agreement::Exact);
}

#[test]
fn exact_case_agrees_with_the_reference_to_rounding() {
    check_case("r6_exact", 6, Agreement::Exact);
}

#[test]
fn contracts_and_currency_agree_with_the_reference() {
    check_case("r3_contracts_currency", 2024, Agreement::Within(100_000));
}

#[test]
fn sourcing_over_time_agrees_with_the_reference() {
    check_case("r4_sourcing_over_time", 2024, Agreement::Within(100_000));
}

#[test]
fn correlated_inputs_agree_with_the_reference() {
    check("r5_correlated_inputs", 2024);
}
