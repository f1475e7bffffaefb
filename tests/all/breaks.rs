//! The breaking point (MODEL.md V2.7), worked out by hand on a scenario with nothing
//! random: a month breaks when its month-end backlog exceeds `max_backlog_months` of
//! that month's demand; `break_months` counts such months, `objectives_met` needs none,
//! and the summary's `p_break`, `first_break_month` (with its interval) and the
//! month-by-month `p_break` follow; "what breaks first" reads breaks when the key is set.

use std::path::Path;

use outsim::analysis::stress;
use outsim::analysis::variants::parse_vary;
use outsim::engine::RunOptions;
use outsim::output::csv;
use outsim::report::{Breaking, breaks_first};
use outsim::scenario::Scenario;

use super::common::{Frozen, frozen_teams, run_collect};

/// Five months of a flat demand of 1,000 units, and three strategies on vendors whose
/// staff is frozen (`initial_fte = min_fte = max_fte`, so no hiring and no release):
///
/// - `Short`: 8 heads x 100 units = 800 a month, so the backlog grows by 200 a month:
///   200, 400, 600, 800, 1,000.
/// - `Edge`: 6 heads x 125 = 750 a month: backlog 250, 500, 750, 1,000, 1,250.
/// - `Enough`: 10 heads x 100 = 1,000 a month: no backlog.
///
/// `objectives` is the `[objectives]` table's body.
fn text(objectives: &str) -> String {
    let team = |strategy, vendor, units, heads| Frozen {
        strategy,
        vendor,
        rate: 1000.0,
        units,
        heads,
    };
    frozen_teams(
        "breaks",
        &[
            team("Short", "Eight", 100.0, 8),
            team("Edge", "Six", 125.0, 6),
            team("Enough", "Ten", 100.0, 10),
        ],
        &format!("[objectives]\n{objectives}\n"),
    )
}

/// The scenario of [`text`].
fn scenario(objectives: &str) -> Scenario {
    Scenario::from_toml_str(&text(objectives), Path::new("breaks.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_month_breaks_when_its_backlog_exceeds_the_tolerated_months_of_demand() {
    // The limit is 0.5 x 1,000 = 500 units. Short: 600, 800 and 1,000 exceed it (months
    // 3 to 5), 3 months. Edge: 500 in month 2 equals it, which does not break; 750,
    // 1,000 and 1,250 do (months 3 to 5), 3 months. Enough: never.
    let scenario = scenario("max_backlog_months = 0.5");
    let (results, trials) = run_collect(&scenario, 20, 1);
    assert_eq!(trials.len(), 60);
    for trial in trials.chunks_exact(3) {
        assert_eq!(
            trial.iter().map(|m| m.break_months).collect::<Vec<_>>(),
            [3, 3, 0]
        );
        // A break fails the objectives; the strategy without one meets them.
        assert_eq!(
            trial.iter().map(|m| m.objectives_met).collect::<Vec<_>>(),
            [false, false, true]
        );
    }
    let backlog: Vec<f64> = results
        .monthly_of(1)
        .iter()
        .map(|r| r.backlog.p50)
        .collect();
    assert_eq!(backlog, [250.0, 500.0, 750.0, 1000.0, 1250.0]);
    for s in [0, 1] {
        let p: Vec<f64> = results.monthly_of(s).iter().map(|r| r.p_break).collect();
        assert_eq!(p, [0.0, 0.0, 1.0, 1.0, 1.0], "{}", results.strategies[s]);
    }
    assert!(results.monthly_of(2).iter().all(|r| r.p_break == 0.0));

    // Every trial is the same, so P(break) is 0 up to month 2 and 1 from month 3. Over
    // 20 trials, Wilson's 95% bounds are 0 to 3.84 / 23.84 = 0.16 for a share of 0 and
    // 20 / 23.84 = 0.84 to 1 for a share of 1: month 3 is both the first month that
    // could and the first that surely passes one half.
    let short = &results.summary[0];
    assert_eq!(short.break_months_mean, 3.0);
    assert_eq!(short.p_break, 1.0);
    assert_eq!(short.first_break_month, Some(3));
    assert_eq!(short.first_break_month_ci_low, Some(3));
    assert_eq!(short.first_break_month_ci_high, Some(3));
    assert_eq!(short.p_objectives_met, 0.0);
    let enough = &results.summary[2];
    assert_eq!(enough.break_months_mean, 0.0);
    assert_eq!(enough.p_break, 0.0);
    assert_eq!(enough.first_break_month, None);
    assert_eq!(enough.p_objectives_met, 1.0);

    // What breaks first: Short and Edge both from month 3; the first in file order.
    assert_eq!(Breaking::of(&results), Breaking::Backlog(0.5));
    assert_eq!(breaks_first(&results), Some(0));
    assert_eq!(
        Breaking::of(&results).first_text(short),
        "month 3 (95% CI 3)"
    );
}

#[test]
fn without_the_key_nothing_breaks_and_shortfalls_say_what_breaks_first() {
    // The same backlogs, no `max_backlog_months`: no month breaks, the objectives (only
    // a loose service level here) do not look at the backlog, and "what breaks first"
    // is the first month short of capacity in most futures: month 1 for Short and Edge.
    let scenario = scenario("min_service_level = 0.1");
    let (results, trials) = run_collect(&scenario, 20, 1);
    assert!(trials.iter().all(|m| m.break_months == 0));
    assert!(trials.iter().all(|m| m.objectives_met));
    for s in &results.summary {
        assert_eq!(s.p_break, 0.0);
        assert_eq!(s.first_break_month, None);
    }
    assert_eq!(Breaking::of(&results), Breaking::Shortfall);
    assert_eq!(breaks_first(&results), Some(0));
    assert_eq!(results.summary[0].first_shortfall_month, Some(1));
}

#[test]
fn monthly_csv_carries_p_break() {
    let scenario = scenario("max_backlog_months = 0.5");
    let (results, _) = run_collect(&scenario, 20, 1);
    let bytes = csv::monthly(&results).unwrap_or_else(|e| panic!("{e}"));
    let mut reader = ::csv::Reader::from_reader(bytes.as_slice());
    let header = reader.headers().expect("a header").clone();
    let at = header
        .iter()
        .position(|h| h == "p_break")
        .expect("a p_break column");
    assert_eq!(at, header.len() - 1, "new columns come last");
    let short: Vec<String> = reader
        .records()
        .map(|r| r.expect("a row"))
        .filter(|r| &r[0] == "Short")
        .map(|r| r[at].to_string())
        .collect();
    assert_eq!(short, ["0", "0", "1", "1", "1"]);
}

#[test]
fn stress_names_the_first_cell_and_strategy_that_break() {
    // At 800 units a month, Short keeps up and Edge's backlog grows by 50 a month to
    // 250, under the 400 tolerated: nothing breaks. At 1,000, Short and Edge break from
    // month 3 (see above), and Short comes first in file order.
    let body = text("max_backlog_months = 0.5");
    let vary = parse_vary("demand.base_per_month=800,1000").unwrap_or_else(|e| panic!("{e}"));
    let plan =
        stress::plan(&body, Path::new("breaks.toml"), &[vary]).unwrap_or_else(|e| panic!("{e}"));
    let grid = stress::run(&plan, RunOptions::new(20, 1)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(grid.max_backlog_months, Some(0.5));
    assert!(grid.cells[0].summary.iter().all(|s| s.p_break == 0.0));
    assert_eq!(grid.breaks_first(), Some((1, 0, 3)));
    let table = csv::stress(&grid).unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8(table).expect("UTF-8");
    let header = text.lines().next().expect("a header");
    assert!(header.ends_with(
        ",p_break,first_break_month,first_break_month_ci_low,first_break_month_ci_high"
    ));
}
