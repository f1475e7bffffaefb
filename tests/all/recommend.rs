//! The recommendation ([`outsim::recommend`]) on scenarios with nothing random, where
//! the answer is known by hand: its figures are the rows of `pairs.csv` to the bit, it
//! reads correctly when it is the lowest rate card, when it is not, when nothing meets
//! the objectives and when none are set, and `summary.json` and the workbook's
//! Recommendation sheet carry the same figures.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

use outsim::charts::format::money_affixes;
use outsim::output::{csv, json, xlsx};
use outsim::recommend::{Basis, Comparison, Recommendation, recommend};
use outsim::results::Results;
use outsim::scenario::Scenario;

use super::common::{Frozen, frozen_teams, run};

/// Five months of a flat demand of 1,000 units and three strategies on vendors whose
/// staff is frozen:
///
/// - `Lean`: 8 heads at 800 (8 a unit on the rate card, the cheapest): 800 units a
///   month, so the backlog grows by 200 a month (200, 400, 600, ...).
/// - `Staffed`: 10 heads at 1,000 (10 a unit): no backlog.
/// - `Plush`: 12 heads at 1,000 (10 a unit, listed after `Staffed`): no backlog, dearer.
///
/// `objectives` is the whole `[objectives]` table, or nothing.
fn text(lean_fte: u32, objectives: &str) -> String {
    let team = |strategy, vendor, rate, heads| Frozen {
        strategy,
        vendor,
        rate,
        units: 100.0,
        heads,
    };
    frozen_teams(
        "recommend",
        &[
            team("Lean", "Low", 800.0, lean_fte),
            team("Staffed", "Ten", 1000.0, 10),
            team("Plush", "Twelve", 1000.0, 12),
        ],
        &format!("{objectives}\n"),
    )
}

/// The scenario of [`text`], run for 20 trials, and its recommendation.
fn recommended(lean_fte: u32, objectives: &str) -> (Scenario, Results, Recommendation) {
    let scenario = Scenario::from_toml_str(&text(lean_fte, objectives), Path::new("r.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let results = run(&scenario, 20, 7);
    let currency = money_affixes(&scenario.meta.currency).into();
    let rec = recommend(&scenario, &results, &currency).expect("strategies were simulated");
    (scenario, results, rec)
}

/// The row of `pairs.csv` for (`a`, `b`), as written.
fn pairs_row(results: &Results, a: &str, b: &str) -> Vec<String> {
    let bytes = csv::pairs(results).unwrap_or_else(|e| panic!("{e}"));
    let mut reader = ::csv::ReaderBuilder::new().from_reader(bytes.as_slice());
    reader
        .records()
        .map(|r| {
            r.expect("a record")
                .iter()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .find(|r| r[0] == a && r[1] == b)
        .unwrap_or_else(|| panic!("no pair {a} - {b}"))
}

/// `c` holds, to the bit, the row of `pairs.csv` with the recommendation first.
fn assert_from_pairs_csv(results: &Results, rec: &Recommendation, c: &Comparison) {
    let row = pairs_row(results, &rec.strategy, &c.strategy);
    let parse = |i: usize| row[i].parse::<f64>().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parse(2).to_bits(), c.p_cheaper.to_bits(), "p_a_cheaper");
    assert_eq!(parse(3).to_bits(), c.mean_diff.to_bits(), "mean_diff");
    assert_eq!(parse(4).to_bits(), c.diff_ci_low.to_bits(), "diff_ci_low");
    assert_eq!(parse(5).to_bits(), c.diff_ci_high.to_bits(), "diff_ci_high");
}

const BACKLOG: &str = "[objectives]\nmax_backlog_months = 0.5\nconfidence = 0.8\n";

#[test]
fn a_recommendation_dearer_than_the_lowest_rate_card_says_so_with_pairs_csv_figures() {
    let (_, results, rec) = recommended(8, BACKLOG);
    // Lean breaks in month 3 (600 waiting > 500); Staffed and Plush never do.
    assert_eq!(rec.basis, Basis::MeetsObjectives);
    assert_eq!(rec.strategy, "Staffed");
    assert_eq!(rec.lowest_rate_card.as_deref(), Some("Lean"));
    let versus = rec.versus_lowest_rate_card.as_ref().expect("Lean differs");
    assert_eq!(versus.strategy, "Lean");
    assert!(versus.mean_diff > 0.0, "Staffed pays for two more heads");
    assert_from_pairs_csv(&results, &rec, versus);
    let runner_up = rec
        .versus_runner_up
        .as_ref()
        .expect("Plush also meets them");
    assert_eq!(runner_up.strategy, "Plush");
    assert!(runner_up.mean_diff < 0.0);
    assert_eq!(runner_up.p_cheaper, 1.0);
    assert_from_pairs_csv(&results, &rec, runner_up);
    assert_eq!(rec.p_objectives_met, Some(1.0));
    assert_eq!(rec.confidence_target, Some(0.8));
    let t = &rec.text;
    assert!(
        t.starts_with(
            "Recommended: \"Staffed\". It meets the objectives in 100% of futures (target 80%)"
        ),
        "{t}"
    );
    assert!(
        t.contains("Against the lowest rate card, \"Lean\", it costs "),
        "{t}"
    );
    assert!(t.contains(" more on average"), "{t}");
    assert!(t.contains("is cheaper in 0% of futures"), "{t}");
    assert!(
        t.contains("Against the runner-up that also meets the objectives, \"Plush\""),
        "{t}"
    );
    assert!(t.contains("is cheaper in 100% of futures"), "{t}");
    assert!(t.contains("Cost of risk (CVaR95 minus mean): "), "{t}");
}

#[test]
fn a_recommendation_that_is_the_lowest_rate_card_says_so() {
    // With ten heads at 800, Lean keeps up and is the cheapest on every count.
    let (_, results, rec) = recommended(10, BACKLOG);
    assert_eq!(rec.strategy, "Lean");
    assert_eq!(rec.lowest_rate_card.as_deref(), Some("Lean"));
    assert_eq!(rec.versus_lowest_rate_card, None);
    let runner_up = rec
        .versus_runner_up
        .as_ref()
        .expect("Staffed meets them too");
    assert_eq!(runner_up.strategy, "Staffed");
    assert_from_pairs_csv(&results, &rec, runner_up);
    assert!(
        rec.text.contains("It is also the lowest rate card."),
        "{}",
        rec.text
    );
    assert!(
        !rec.text.contains("Against the lowest rate card"),
        "{}",
        rec.text
    );
}

#[test]
fn when_nothing_meets_the_objectives_the_closest_and_the_failing_objective_are_named() {
    // No strategy costs under 5 a unit (Lean's heads alone cost 6.40): each meets the
    // objectives in no future, so the closest is the cheapest, Lean, whose backlog also
    // breaks the limit in every future.
    let objectives =
        "[objectives]\nmax_cost_per_unit = 5\nmax_backlog_months = 0.5\nconfidence = 0.8\n";
    let (_, results, rec) = recommended(8, objectives);
    assert!(results.summary.iter().all(|s| s.p_objectives_met == 0.0));
    assert_eq!(rec.basis, Basis::NoneMeetsObjectives);
    assert_eq!(rec.strategy, "Lean");
    assert_eq!(rec.versus_runner_up, None);
    let failing = rec.failing_objective.as_ref().expect("an objective fails");
    assert_eq!(failing.objective, "max_backlog_months");
    assert_eq!(failing.p_fails, Some(1.0));
    let t = &rec.text;
    assert!(
        t.starts_with(
            "No strategy meets the objectives in 80% of futures. The closest is \"Lean\", \
             meeting them in 0% of futures"
        ),
        "{t}"
    );
    assert!(
        t.contains(
            "; the backlog limit (max_backlog_months) fails most often, in 100% of futures."
        ),
        "{t}"
    );
    assert!(t.contains("It is also the lowest rate card."), "{t}");

    // Without the backlog limit, only the cost per unit fails, known as a mean.
    let objectives = "[objectives]\nmax_cost_per_unit = 5\nconfidence = 0.8\n";
    let (_, _, rec) = recommended(8, objectives);
    let failing = rec.failing_objective.as_ref().expect("an objective fails");
    assert_eq!(failing.objective, "max_cost_per_unit");
    assert_eq!(failing.p_fails, None);
    assert!(
        rec.text.contains(
            "the cost per unit (max_cost_per_unit) fails most often: its mean breaches the limit."
        ),
        "{}",
        rec.text
    );
}

#[test]
fn without_objectives_the_recommendation_is_on_cost_alone() {
    let (_, results, rec) = recommended(8, "");
    assert_eq!(rec.basis, Basis::NoObjectives);
    // Lean is the cheapest in cash, but its backlog costs nothing without a delay
    // price: it has the least mean cost.
    let cheapest = results.cheapest().expect("strategies");
    assert_eq!(rec.index, cheapest);
    assert_eq!(rec.p_objectives_met, None);
    assert_eq!(rec.confidence_target, None);
    assert!(
        rec.text
            .starts_with("No objectives are set, so the recommendation is on cost alone: \""),
        "{}",
        rec.text
    );
    let runner_up = rec.versus_runner_up.as_ref().expect("a runner-up on cost");
    assert!(
        rec.text.contains("Against the runner-up, \""),
        "{}",
        rec.text
    );
    assert_from_pairs_csv(&results, &rec, runner_up);
}

#[test]
fn summary_json_carries_the_recommendation_as_text_and_fields() {
    let (scenario, results, rec) = recommended(8, BACKLOG);
    let bytes = json::summary(&scenario, &results).unwrap_or_else(|e| panic!("{e}"));
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("summary.json");
    let r = &json["recommendation"];
    assert_eq!(r["text"].as_str(), Some(rec.text.as_str()));
    assert_eq!(r["strategy"].as_str(), Some("Staffed"));
    assert_eq!(r["basis"].as_str(), Some("meets_objectives"));
    assert_eq!(r["p_objectives_met"].as_f64(), rec.p_objectives_met);
    assert_eq!(r["confidence_target"].as_f64(), Some(0.8));
    assert_eq!(r["lowest_rate_card"].as_str(), Some("Lean"));
    let versus = rec.versus_lowest_rate_card.as_ref().expect("Lean differs");
    let v = &r["versus_lowest_rate_card"];
    assert_eq!(v["strategy"].as_str(), Some("Lean"));
    assert_eq!(v["mean_diff"].as_f64(), Some(versus.mean_diff));
    assert_eq!(v["diff_ci_low"].as_f64(), Some(versus.diff_ci_low));
    assert_eq!(v["diff_ci_high"].as_f64(), Some(versus.diff_ci_high));
    assert_eq!(v["p_cheaper"].as_f64(), Some(versus.p_cheaper));
    assert_eq!(r["versus_runner_up"]["strategy"].as_str(), Some("Plush"));
    assert_eq!(
        r["cost_of_risk"].as_f64(),
        Some(rec.cost_cvar95 - rec.cost_mean)
    );
    assert_eq!(r["cash_mean"].as_f64(), Some(rec.cash_mean));
    assert_eq!(r["economic_mean"].as_f64(), Some(rec.economic_mean));
    assert_eq!(json["strategies"].as_array().map(Vec::len), Some(3));
}

#[test]
fn the_workbooks_recommendation_sheet_equals_summary_json() {
    let (scenario, results, _) = recommended(8, BACKLOG);
    let bytes = json::summary(&scenario, &results).unwrap_or_else(|e| panic!("{e}"));
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("summary.json");
    let r = &json["recommendation"];
    let book = xlsx::workbook(&scenario, &results).unwrap_or_else(|e| panic!("{e}"));
    let mut book: Xlsx<Cursor<Vec<u8>>> =
        open_workbook_from_rs(Cursor::new(book)).expect("calamine opens results.xlsx");
    let range = book
        .worksheet_range("Recommendation")
        .expect("a Recommendation sheet");
    // Column A names each field as summary.json does (`versus_runner_up.mean_diff`),
    // column B holds its value.
    let mut checked = 0;
    let table = range
        .rows()
        .skip_while(|row| row.first() != Some(&Data::String("field".to_string())))
        .skip(1);
    for row in table {
        let Some(Data::String(key)) = row.first() else {
            continue;
        };
        let expected = key.split('.').fold(r, |value, part| &value[part]);
        match row.get(1) {
            Some(Data::Float(x)) => assert_eq!(expected.as_f64(), Some(*x), "{key}"),
            Some(Data::String(s)) => assert_eq!(expected.as_str(), Some(s.as_str()), "{key}"),
            Some(Data::Empty) | None => assert!(expected.is_null(), "{key}: {expected}"),
            other => panic!("{key}: {other:?}"),
        }
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} fields");
}
