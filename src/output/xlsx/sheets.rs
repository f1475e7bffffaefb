//! The workbook's sheets, one function each, built from the `Book` context.

use rust_xlsxwriter::{Format, FormatAlign, Worksheet, XlsxError};

use super::super::OutputError;
use super::super::csv::{monthly_rows, neutralise};
use super::cells::number_cell;
use super::charts::{cost_curve_chart, risk_chart};
use super::{ASSUMPTIONS, COST_CURVE, CURVE_POINTS, MONTHLY, PAIRS, RECOMMENDATION, SUMMARY};
use super::{Book, Widths, col_num, money_number_format, row_num, write_table};
use super::{Cell, ColumnKind};
use crate::charts::format::money_affixes;
use crate::model::dist::Sampler;
use crate::stats;

/// Summary: one row per strategy, then the risk-against-cost chart and the S-curve.
pub(super) fn summary_sheet(book: &Book<'_>) -> Result<Worksheet, OutputError> {
    let fail = |e: XlsxError| OutputError::Workbook(e.to_string());
    let mut sheet = Worksheet::new();
    sheet.set_name(SUMMARY).map_err(fail)?;
    let placed = write_table(book, &mut sheet, &book.results.summary, 1)?;
    let below = placed.rows + 2;
    if let Some(chart) = risk_chart(book, &placed) {
        sheet.insert_chart(below, 0, &chart).map_err(fail)?;
    }
    sheet
        .insert_chart(below, 8, &cost_curve_chart(book))
        .map_err(fail)?;
    Ok(sheet)
}

/// Pairs: every ordered pair of strategies.
pub(super) fn pairs_sheet(book: &Book<'_>) -> Result<Worksheet, OutputError> {
    let mut sheet = Worksheet::new();
    sheet
        .set_name(PAIRS)
        .map_err(|e| OutputError::Workbook(e.to_string()))?;
    write_table(book, &mut sheet, &book.results.pairs, 2)?;
    Ok(sheet)
}

/// Monthly: P10/P50/P90 per strategy and month.
pub(super) fn monthly_sheet(book: &Book<'_>) -> Result<Worksheet, OutputError> {
    let mut sheet = Worksheet::new();
    sheet
        .set_name(MONTHLY)
        .map_err(|e| OutputError::Workbook(e.to_string()))?;
    write_table(book, &mut sheet, &monthly_rows(book.results), 2)?;
    Ok(sheet)
}

/// One row of the Assumptions sheet: where the value comes from, its key, the value and
/// how it is shown; amounts in another currency than the scenario's name it.
struct AssumptionRow {
    section: &'static str,
    parameter: String,
    value: Cell,
    kind: ColumnKind,
    currency: Option<String>,
}

impl AssumptionRow {
    fn new(
        section: &'static str,
        parameter: impl Into<String>,
        value: Cell,
        kind: ColumnKind,
    ) -> Self {
        AssumptionRow {
            section,
            parameter: neutralise(&parameter.into()).into_owned(),
            value,
            kind,
            currency: None,
        }
    }

    /// A number shown as `kind`.
    fn number(
        section: &'static str,
        parameter: impl Into<String>,
        x: f64,
        kind: ColumnKind,
    ) -> Self {
        Self::new(section, parameter, number_cell(x), kind)
    }

    /// Text, neutralised.
    fn text(section: &'static str, parameter: impl Into<String>, text: &str) -> Self {
        Self::new(
            section,
            parameter,
            Cell::Text(neutralise(text).into_owned()),
            ColumnKind::General,
        )
    }

    /// An uncertain value: its number when it is fixed, else its distribution as text.
    fn sampler(
        section: &'static str,
        parameter: impl Into<String>,
        s: &Sampler,
        kind: ColumnKind,
    ) -> Self {
        let d = s.dist();
        if d.is_uncertain() {
            Self::text(section, parameter, &d.describe())
        } else {
            Self::number(section, parameter, d.location(), kind)
        }
    }
}

/// Assumptions: the run's settings, demand, each vendor's rate card and staffing, the
/// objectives and `[assumptions]`, one value a row (the report lists every parameter).
pub(super) fn assumptions_sheet(book: &Book<'_>) -> Result<Worksheet, OutputError> {
    use super::ColumnKind::{General, Money, Quantity, Share, Whole};
    use AssumptionRow as Row;
    let fail = |e: XlsxError| OutputError::Workbook(e.to_string());
    let scenario = book.scenario;
    let meta = &scenario.meta;
    let mut rows = vec![
        Row::text("scenario", "name", &meta.name),
        Row::text("scenario", "currency", &meta.currency),
        Row::number(
            "scenario",
            "horizon_months",
            f64::from(meta.horizon_months),
            Whole,
        ),
        Row::number(
            "scenario",
            "discount_rate_annual",
            meta.discount_rate_annual,
            Share,
        ),
        Row::number("run", "trials", book.results.trials as f64, Whole),
        // A seed can exceed the integers a spreadsheet holds exactly: written as text.
        Row::text("run", "seed", &book.results.seed.to_string()),
        Row::number(
            "demand",
            "base_per_month",
            scenario.demand.base_per_month,
            Quantity,
        ),
        Row::sampler(
            "demand",
            "growth_annual",
            &scenario.demand.growth_annual,
            Share,
        ),
        Row::number(
            "demand",
            "volatility_monthly",
            scenario.demand.volatility_monthly,
            Share,
        ),
    ];
    for v in &scenario.vendors {
        // A vendor priced in another currency (MODEL.md V2.2) shows its own code.
        let currency = v
            .currency
            .and_then(|i| scenario.currencies.get(i))
            .map(|c| c.code.clone());
        let key = |field: &str| format!("{}.{field}", v.name);
        let money = |field: &str, x: f64| {
            let mut row = Row::number("vendors", key(field), x, Money);
            row.currency.clone_from(&currency);
            row
        };
        rows.extend([
            money("rate_per_fte_month", v.rate_per_fte_month),
            money("setup_cost", v.setup_cost),
            money("onboarding_cost_per_hire", v.onboarding_cost_per_hire),
        ]);
        rows.extend([
            Row::number(
                "vendors",
                key("units_per_fte_month"),
                v.units_per_fte_month,
                Quantity,
            ),
            Row::number(
                "vendors",
                key("initial_fte"),
                f64::from(v.initial_fte),
                Whole,
            ),
            Row::number("vendors", key("min_fte"), f64::from(v.min_fte), Whole),
            Row::number("vendors", key("max_fte"), f64::from(v.max_fte), Whole),
            Row::sampler(
                "vendors",
                key("price_escalation_annual"),
                &v.price_escalation_annual,
                Share,
            ),
            Row::sampler(
                "vendors",
                key("attrition_annual"),
                &v.attrition_annual,
                Share,
            ),
            Row::sampler("vendors", key("defect_rate"), &v.defect_rate, Share),
        ]);
    }
    match &scenario.objectives {
        Some(o) => {
            let optional = [
                ("min_service_level", o.min_service_level, Share),
                (
                    "max_cost_per_unit",
                    o.max_cost_per_unit,
                    ColumnKind::MoneyPerUnit,
                ),
                ("max_defect_rate", o.max_defect_rate, Share),
                ("max_backlog_months", o.max_backlog_months, General),
            ];
            for (key, value, kind) in optional {
                if let Some(v) = value {
                    rows.push(Row::number("objectives", key, v, kind));
                }
            }
            rows.push(Row::number("objectives", "confidence", o.confidence, Share));
        }
        None => rows.push(Row::text(
            "objectives",
            "(none)",
            "no objectives: success is undefined",
        )),
    }
    for (key, value) in scenario.assumptions.entries() {
        let kind = if key.ends_with("_cost") || key.ends_with("_cost_per_month") {
            Money
        } else {
            General
        };
        rows.push(Row::number("assumptions", key, value, kind));
    }

    let mut sheet = Worksheet::new();
    sheet.set_name(ASSUMPTIONS).map_err(fail)?;
    let mut widths = Widths(Vec::new());
    for (col, name) in ["section", "parameter", "value"].iter().enumerate() {
        let c = col_num(col).map_err(fail)?;
        sheet
            .write_string_with_format(0, c, *name, &book.formats.header)
            .map_err(fail)?;
        widths.fit(col, name.len() + 2);
    }
    for (i, row) in rows.iter().enumerate() {
        let r = row_num(i + 1).map_err(fail)?;
        sheet.write_string(r, 0, row.section).map_err(fail)?;
        sheet.write_string(r, 1, &row.parameter).map_err(fail)?;
        match (&row.value, &row.currency) {
            (Cell::Number(x), Some(code)) => {
                let format = Format::new().set_num_format(money_number_format(code, "#,##0"));
                sheet
                    .write_number_with_format(r, 2, *x, &format)
                    .map_err(fail)?;
            }
            (cell, _) => book
                .write_cell(&mut sheet, r, 2, cell, row.kind)
                .map_err(fail)?,
        }
        let affixes = row.currency.as_ref().map_or(0, |c| c.chars().count() + 1);
        widths.fit(0, row.section.len());
        widths.fit(1, row.parameter.chars().count());
        widths.fit(2, book.shown_width(&row.value, row.kind) + affixes);
    }
    let last_row = row_num(rows.len()).map_err(fail)?;
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    sheet.autofilter(0, 0, last_row, 2).map_err(fail)?;
    widths.apply(&mut sheet).map_err(fail)?;
    Ok(sheet)
}

/// Cost curve: NPV cost at each whole percentile (0 to 100) of each strategy's trials,
/// the data block of the S-curve.
pub(super) fn cost_curve_sheet(book: &Book<'_>) -> Result<Worksheet, OutputError> {
    let fail = |e: XlsxError| OutputError::Workbook(e.to_string());
    let results = book.results;
    let mut sheet = Worksheet::new();
    sheet.set_name(COST_CURVE).map_err(fail)?;
    let mut widths = Widths(Vec::new());
    sheet
        .write_string_with_format(0, 0, "share_of_futures", &book.formats.header)
        .map_err(fail)?;
    widths.fit(0, "share_of_futures".len() + 2);
    for q in 0..=CURVE_POINTS {
        let share = f64::from(q) / f64::from(CURVE_POINTS);
        sheet
            .write_number_with_format(q + 1, 0, share, &book.formats.share)
            .map_err(fail)?;
    }
    for (s, name) in results.strategies.iter().enumerate() {
        let col = col_num(s + 1).map_err(fail)?;
        let name = neutralise(name);
        sheet
            .write_string_with_format(0, col, &*name, &book.formats.header)
            .map_err(fail)?;
        widths.fit(s + 1, name.chars().count());
        let sorted = stats::sorted(results.costs_of(s));
        for q in 0..=CURVE_POINTS {
            let cost = stats::quantile_sorted(&sorted, f64::from(q) / f64::from(CURVE_POINTS));
            let cell = number_cell(cost);
            book.write_cell(&mut sheet, q + 1, col, &cell, ColumnKind::Money)
                .map_err(fail)?;
            widths.fit(s + 1, book.shown_width(&cell, ColumnKind::Money));
        }
    }
    sheet.set_freeze_panes(1, 1).map_err(fail)?;
    widths.apply(&mut sheet).map_err(fail)?;
    Ok(sheet)
}

/// Recommendation: the paragraph, then every figure of `summary.json`'s
/// `recommendation` as a row: its field (a dotted path for a comparison's figures,
/// `versus_runner_up.mean_diff`), its value in the field's format and what it means.
pub(super) fn recommendation_sheet(book: &Book<'_>) -> Result<Worksheet, OutputError> {
    let fail = |e: XlsxError| OutputError::Workbook(e.to_string());
    let mut sheet = Worksheet::new();
    sheet.set_name(RECOMMENDATION).map_err(fail)?;
    let Some(rec) = crate::recommend::recommend(
        book.scenario,
        book.results,
        &money_affixes(&book.scenario.meta.currency).into(),
    ) else {
        return Ok(sheet);
    };
    let wrapped = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    sheet
        .write_string_with_format(0, 0, "Recommendation", &book.formats.header)
        .map_err(fail)?;
    sheet
        .merge_range(1, 0, 1, 2, &neutralise(&rec.text), &wrapped)
        .map_err(fail)?;
    // About 100 characters a line across the merged columns, 15 points a line.
    let lines = rec.text.chars().count().div_ceil(100).max(1);
    sheet
        .set_row_height(1, 15.0 * lines as f64 + 4.0)
        .map_err(fail)?;
    let value = serde_json::to_value(&rec).map_err(|e| OutputError::Workbook(e.to_string()))?;
    let mut fields = Vec::new();
    flatten("", &value, &mut fields);
    let mut widths = Widths(Vec::new());
    for (col, name) in ["field", "value", "meaning"].iter().enumerate() {
        sheet
            .write_string_with_format(3, col_num(col).map_err(fail)?, *name, &book.formats.header)
            .map_err(fail)?;
        widths.fit(col, name.len() + 2);
    }
    for (i, (key, field)) in fields.iter().enumerate() {
        let r = row_num(i + 4).map_err(fail)?;
        let leaf = key.rsplit('.').next().unwrap_or(key);
        let kind = recommendation_kind(leaf);
        sheet.write_string(r, 0, key).map_err(fail)?;
        widths.fit(0, key.chars().count());
        let cell = match field {
            serde_json::Value::Number(n) => n.as_f64().map_or(Cell::Empty, number_cell),
            serde_json::Value::String(text) => Cell::Text(neutralise(text).into_owned()),
            serde_json::Value::Bool(b) => Cell::Bool(*b),
            _ => Cell::Empty,
        };
        book.write_cell(&mut sheet, r, 1, &cell, kind)
            .map_err(fail)?;
        widths.fit(1, book.shown_width(&cell, kind).min(40));
        let meaning = recommendation_meaning(leaf);
        sheet.write_string(r, 2, meaning).map_err(fail)?;
        widths.fit(2, meaning.chars().count());
    }
    widths.fit(0, 24);
    widths.fit(2, 60);
    widths.apply(&mut sheet).map_err(fail)?;
    sheet.set_freeze_panes(4, 0).map_err(fail)?;
    Ok(sheet)
}

/// The leaves of `value`, each with its dotted path; the paragraph (`text`) is left out,
/// being above the table.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, serde_json::Value)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, field) in map {
                if prefix.is_empty() && key == "text" {
                    continue;
                }
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, field, out);
            }
        }
        leaf => out.push((prefix.to_string(), leaf.clone())),
    }
}

/// How a recommendation field is shown: by the summary's naming rules
/// ([`ColumnKind::of`]), with the fields those rules do not name.
fn recommendation_kind(leaf: &str) -> ColumnKind {
    match leaf {
        "cost_of_risk" => ColumnKind::Money,
        "confidence_target" => ColumnKind::Share,
        "index" => ColumnKind::Whole,
        _ => ColumnKind::of(leaf),
    }
}

/// What a recommendation field means, in words.
fn recommendation_meaning(leaf: &str) -> &'static str {
    match leaf {
        "basis" => "why: meets_objectives, none_meets_objectives or no_objectives",
        "strategy" => "the strategy (the recommended one, or the one compared with)",
        "index" => "its position among the scenario's strategies, from 0",
        "p_objectives_met" => "share of futures meeting every objective",
        "confidence_target" => "the share of futures the objectives ask for",
        "lowest_rate_card" => "the strategy with the cheapest rate card",
        "mean_diff" => "mean NPV cost of the recommendation minus the other's",
        "diff_ci_low" => "lower end of the 95% interval of that difference",
        "diff_ci_high" => "upper end of the 95% interval of that difference",
        "p_cheaper" => "share of futures in which the recommendation costs less",
        "cost_mean" => "mean NPV cost",
        "cost_cvar95" => "mean NPV cost of the worst 5% of futures",
        "cost_of_risk" => "CVaR95 minus the mean: what the bad futures add",
        "cash_mean" => "mean NPV paid to vendors and staff",
        "economic_mean" => "mean cost on no invoice: defects and delay",
        "objective" => "the objective failed most often",
        "p_fails" => "share of futures failing it (empty: known only as a mean)",
        "failing_objective" | "versus_lowest_rate_card" | "versus_runner_up" => "none",
        _ => "",
    }
}
