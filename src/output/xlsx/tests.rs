//! Unit tests of the workbook: column formats, the row serializer and the bytes.

use super::*;
use crate::results::{PairSummary, StrategySummary};

#[test]
fn columns_take_their_format_from_their_names() {
    for (name, kind) in [
        ("strategy", ColumnKind::General),
        ("trials", ColumnKind::Whole),
        ("cost_mean", ColumnKind::Money),
        ("cost_cvar95", ColumnKind::Money),
        ("cost_per_unit_mean", ColumnKind::MoneyPerUnit),
        ("labor_mean", ColumnKind::Money),
        ("cash_npv_mean", ColumnKind::Money),
        ("service_level_p5", ColumnKind::Share),
        ("defect_rate_mean", ColumnKind::Share),
        ("p_shortfall", ColumnKind::Share),
        ("p_a_cheaper", ColumnKind::Share),
        ("leavers_mean", ColumnKind::Quantity),
        ("final_backlog_mean", ColumnKind::Quantity),
        ("first_shortfall_month_ci_low", ColumnKind::Month),
        ("mean_diff", ColumnKind::Money),
        ("diff_ci_high", ColumnKind::Money),
        ("month", ColumnKind::Month),
        ("heads_p90", ColumnKind::Whole),
        ("cumulative_cost_p50", ColumnKind::Money),
        ("capacity_p10", ColumnKind::Quantity),
        ("something_new", ColumnKind::General),
    ] {
        assert_eq!(ColumnKind::of(name), kind, "{name}");
    }
}

#[test]
fn amounts_are_formatted_in_the_scenario_currency() {
    assert_eq!(money_number_format("USD", "#,##0"), "\"$\"#,##0");
    assert_eq!(money_number_format("EUR", "#,##0.00"), "\"€\"#,##0.00");
    assert_eq!(money_number_format("SEK", "#,##0"), "#,##0\" SEK\"");
    assert_eq!(money_number_format("", "#,##0"), "#,##0");
    assert_eq!(money_number_format("a\"b", "#,##0"), "#,##0\" ab\"");
    assert_eq!(
        money_axis_format("USD", 26_469_368.7),
        "\"$\"#,##0.0,,\"M\""
    );
    assert_eq!(money_axis_format("SEK", 2.5e9), "#,##0.0,,,\"B SEK\"");
    assert_eq!(money_axis_format("EUR", 85_000.0), "\"€\"#,##0,\"k\"");
    assert_eq!(money_axis_format("", 9_999.0), "#,##0");
    assert_eq!(money_axis_format("USD", f64::NAN), "\"$\"#,##0");
}

#[test]
fn every_field_of_a_row_becomes_a_named_cell_in_order() {
    let summary = StrategySummary {
        strategy: "=1+2".to_string(),
        cost_mean: f64::NAN,
        cost_p95: f64::INFINITY,
        meets_objectives: true,
        first_shortfall_month: Some(4),
        ..StrategySummary::default()
    };
    let cells = row_cells(&summary).expect("a flat row");
    let json = serde_json::to_value(&summary).expect("json");
    let names: Vec<&str> = cells.iter().map(|(name, _)| *name).collect();
    let json_names: Vec<&str> = json
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, json_names, "the same fields as summary.json");
    let cell = |name: &str| {
        cells
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, c)| c.clone())
    };
    assert_eq!(names[0], "strategy");
    assert_eq!(cell("strategy"), Some(Cell::Text("'=1+2".to_string())));
    assert_eq!(cell("cost_mean"), Some(Cell::Empty));
    assert_eq!(cell("cost_p95"), Some(Cell::Text("inf".to_string())));
    assert_eq!(cell("meets_objectives"), Some(Cell::Bool(true)));
    assert_eq!(cell("first_shortfall_month"), Some(Cell::Number(4.0)));
    assert_eq!(cell("first_shortfall_month_ci_low"), Some(Cell::Empty));
    let pair = row_cells(&PairSummary::default()).expect("a flat row");
    assert_eq!(pair.len(), 6);
}

#[test]
fn tables_larger_than_a_sheet_are_refused_before_they_are_written() {
    assert!(
        fits(1024, 600).is_ok(),
        "1024 x 1023 pairs and a header fit"
    );
    assert!(fits(1025, 12).is_err(), "1025 x 1024 pairs do not");
    assert!(fits(600, 1747).is_ok());
    assert!(
        fits(600, 1748).is_err(),
        "600 x 1748 monthly rows do not fit"
    );
    let message = fits(2000, 1)
        .map(|()| String::new())
        .unwrap_or_else(|e| e.to_string());
    assert!(
        message.contains("--no-xlsx") && message.contains(PAIRS),
        "{message}"
    );
    assert!(fits(usize::MAX, usize::MAX).is_err());
}

#[test]
fn a_value_that_is_not_a_struct_is_refused() {
    assert!(matches!(row_cells(&1.5), Err(OutputError::Workbook(_))));
    assert!(matches!(row_cells(&vec![1]), Err(OutputError::Workbook(_))));
}
