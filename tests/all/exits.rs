//! What exits and failures did, per vendor: a hand-computed one-trial case checked in
//! `summary.json`, `exits.csv` and the report's words, and the same bytes on one and
//! three threads.

use std::path::Path;

use outsim::engine::{self, RunOptions};
use outsim::output::csv;
use outsim::results::Results;
use outsim::scenario::Scenario;
use polars::prelude::DataType;
use polars_io::SerReader;
use polars_io::prelude::ParquetReader;

use crate::common::{outsim, reference, stderr};

/// Two strategies over five months, one trial.
///
/// "Leave A": A (10 heads of 50 units: capacity 500) serves 1000 a month, so its
/// service is 0.5 in month 1 and 500 / 1500 in month 2: two months below 0.9 trigger
/// its exit at the end of month 2, and after a month's notice A is left in month 4.
/// Leaving releases its 10 heads at 50 each (500) and pays the exit fee (700): 1,200.
///
/// "Lose C": C fails in month 1 with certainty (1,200 failures a year: a month without
/// one has probability exp(-100)). It was active then, so it counts as failed in month
/// 1; a failure pays no release or exit fee. B is never left and never fails.
///
/// No vendor bills in EUR; its index, without volatility, is `1.12^(5 / 12)` at the
/// horizon, and `trials.parquet` records it with C's failure month.
const CASE: &str = r#"
[scenario]
name = "exits case"
horizon_months = 5
trials = 1
seed = 1

[demand]
base_per_month = 1000

[[currencies]]
code = "EUR"
drift_annual = 0.12
volatility_annual = 0.0

[[vendors]]
name = "A"
rate_per_fte_month = 2000
units_per_fte_month = 50
initial_fte = 10
max_fte = 10
release_cost_per_head = 50
exit_fee = 700

[[vendors]]
name = "B"
rate_per_fte_month = 3000
units_per_fte_month = 100
initial_fte = 0
max_fte = 20
max_hires_per_month = 10
onboarding_cost_per_hire = 100
setup_cost = 5000

[[vendors]]
name = "C"
rate_per_fte_month = 2000
units_per_fte_month = 100
initial_fte = 10
max_fte = 10
failure_rate_per_year = 1200

[[strategies]]
name = "Leave A"
allocation = [{ vendor = "A", share = 1.0 }]

[[strategies.exits]]
vendor = "A"
when_service_below = 0.9
for_months = 2
fallback = "B"
notice_months = 1

[[strategies]]
name = "Lose C"
allocation = [{ vendor = "C", share = 0.5 }, { vendor = "B", share = 0.5 }]
"#;

fn json_of(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_hand_computed_exit_and_failure_are_named_in_every_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("case.toml"), CASE).expect("written");
    let out = outsim(
        dir.path(),
        &["run", "case.toml", "--out", "out", "--format", "svg"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = dir.path().join("out/case");

    let file = json_of(&folder.join("summary.json"));
    let summary = &file["strategies"];
    let leave = &summary[0]["exits"];
    assert_eq!(summary[0]["strategy"], "Leave A");
    assert_eq!(leave[0]["vendor"], "A");
    assert_eq!(leave[0]["p_left"], 1.0);
    assert_eq!(leave[0]["p_failed"], 0.0);
    assert_eq!(leave[0]["left_month"]["p10"], 4);
    assert_eq!(leave[0]["left_month"]["p50"], 4);
    assert_eq!(leave[0]["left_month"]["p90"], 4);
    assert_eq!(leave[0]["left_month"]["most_often_from"], 4);
    assert_eq!(leave[0]["left_month"]["most_often_to"], 4);
    assert_eq!(leave[0]["left_cost_mean"], 1200.0);
    assert!(leave[0]["failed_month"].is_null());
    // The fallback, B, is the strategy's second vendor: never left, never failed.
    assert_eq!(leave[1]["vendor"], "B");
    assert_eq!(
        (&leave[1]["p_left"], &leave[1]["p_failed"]),
        (&0.0.into(), &0.0.into())
    );
    let lose = &summary[1]["exits"];
    assert_eq!(lose[0]["vendor"], "C");
    assert_eq!(lose[0]["p_failed"], 1.0);
    assert_eq!(lose[0]["p_left"], 0.0);
    assert_eq!(lose[0]["failed_month"]["p50"], 1);
    assert_eq!(lose[0]["left_cost_mean"], 0.0);
    // The fields of summary.csv are all still there.
    assert!(summary[0]["cost_mean"].is_number() && summary[0]["p_exit"] == 1.0);

    let exits = std::fs::read_to_string(folder.join("exits.csv")).expect("exits.csv");
    let lines: Vec<&str> = exits.lines().collect();
    assert_eq!(
        lines[0],
        "strategy,vendor,p_left,p_failed,left_month_p10,left_month_p50,left_month_p90,\
         left_cost_mean,failed_month_p10,failed_month_p50,failed_month_p90"
    );
    assert_eq!(lines[1], "Leave A,A,1,0,4,4,4,1200,,,");
    assert_eq!(lines[2], "Leave A,B,0,0,,,,0,,,");
    assert_eq!(lines[3], "Lose C,C,0,1,,,,0,1,1,1");
    assert_eq!(lines[4], "Lose C,B,0,0,,,,0,,,");
    assert_eq!(lines.len(), 5);

    let page = std::fs::read_to_string(folder.join("report.html")).expect("report.html");
    let at = page
        .find("<section id=\"exits\"")
        .expect("an exits section");
    let section = &page[at..at + page[at..].find("</section>").expect("closed")];
    assert!(
        section.contains(
            "A was left in 100% of futures, most often in month 4; leaving cost $1.2k on average."
        ),
        "{section}"
    );
    assert!(
        section.contains("C failed in 100% of futures, most often in month 1."),
        "{section}"
    );
    assert!(!section.contains("B was left") && !section.contains("B failed"));

    let frame = ParquetReader::new(
        std::fs::File::open(folder.join("trials.parquet")).expect("trials.parquet"),
    )
    .finish()
    .expect("read");
    let column = |name: &str| -> Vec<f64> {
        frame
            .column(name)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .cast(&DataType::Float64)
            .expect("f64")
            .f64()
            .expect("f64")
            .into_no_null_iter()
            .collect()
    };
    // One row per strategy of the one trial.
    assert_eq!(column("vendors.C.failure_month"), [1.0, 1.0]);
    let index = 1.12f64.powf(5.0 / 12.0);
    for x in column("currencies.EUR.index_at_horizon") {
        assert!((x - index).abs() < 1e-12, "{x} against {index}");
    }
    assert!(
        frame.column("vendors.A.failure_month").is_err(),
        "A cannot fail"
    );
}

/// The per-vendor tallies are summed block by block in trial order: three blocks of
/// the reference case with exits and failures give the same results, and the same
/// `exits.csv`, on one and on three threads.
#[test]
fn vendor_exits_do_not_depend_on_threads() {
    let text = std::fs::read_to_string(reference("r4_sourcing_over_time.toml")).expect("r4");
    let scenario = Scenario::from_toml_str(&text, Path::new("r4.toml")).expect("valid");
    let run = |threads: usize| {
        let raw = engine::run(&scenario, RunOptions::new(2_500, 7).threads(threads))
            .unwrap_or_else(|e| panic!("{e}"));
        Results::new(&scenario, raw)
    };
    let (one, three) = (run(1), run(3));
    assert!(
        one.vendor_exits.iter().any(|v| v.p_left > 0.0)
            && one.vendor_exits.iter().any(|v| v.p_failed > 0.0),
        "the case has both exits and failures"
    );
    assert_eq!(
        format!("{:?}", one.vendor_exits),
        format!("{:?}", three.vendor_exits)
    );
    let bytes = |r: &Results| csv::exits(r).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bytes(&one), bytes(&three));
    // Each vendor's months add up to its count of futures.
    for v in &one.vendor_exits {
        let left: u64 = v.left_by_month.iter().sum();
        let failed: u64 = v.failed_by_month.iter().sum();
        assert_eq!(left as f64 / 2_500.0, v.p_left);
        assert_eq!(failed as f64 / 2_500.0, v.p_failed);
        assert_eq!(v.left_by_month.len(), 36);
    }
}
