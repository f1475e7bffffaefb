//! The workbook's native charts, drawn from its cells so a finance user can restyle
//! them: the risk-against-cost view and the cost S-curve.

use rust_xlsxwriter::{
    Chart, ChartDataLabel, ChartDataLabelPosition, ChartFormat, ChartLegendPosition, ChartLine,
    ChartMarker, ChartMarkerType, ChartSolidFill, ChartType, Color,
};

use super::{Book, COST_CURVE, CURVE_POINTS, Placed, SUMMARY};
use crate::charts::palette::strategy_color;

/// Mean NPV cost against P(objectives met), one point per strategy named in the legend:
/// the cheaper and surer strategies sit to the left and at the top. `None` when the
/// summary lacks either column.
pub(super) fn risk_chart(book: &Book<'_>, summary: &Placed) -> Option<Chart> {
    let name = summary.column("strategy")?;
    let cost = summary.column("cost_mean")?;
    let met = summary.column("p_objectives_met")?;
    let mut chart = Chart::new(ChartType::Scatter);
    chart.title().set_name("Risk against cost");
    chart
        .x_axis()
        .set_name("Mean NPV cost")
        .set_num_format(book.money_format());
    chart
        .y_axis()
        .set_name("P(objectives met)")
        .set_num_format("0%")
        .set_min(0.0)
        .set_max(1.0);
    chart.legend().set_position(ChartLegendPosition::Bottom);
    for (s, row) in (1..=summary.rows).enumerate() {
        let color = series_color(s);
        chart
            .add_series()
            .set_name((SUMMARY, row, name))
            .set_categories((SUMMARY, row, cost, row, cost))
            .set_values((SUMMARY, row, met, row, met))
            .set_marker(
                ChartMarker::new()
                    .set_type(ChartMarkerType::Circle)
                    .set_size(9)
                    .set_format(
                        ChartFormat::new()
                            .set_solid_fill(ChartSolidFill::new().set_color(color))
                            .set_border(ChartLine::new().set_color(color)),
                    ),
            )
            .set_data_label(
                ChartDataLabel::new()
                    .show_series_name()
                    .set_position(ChartDataLabelPosition::Right),
            );
    }
    chart.set_width(640).set_height(400);
    Some(chart)
}

/// The cost S-curve: for each strategy, the share of futures whose NPV cost is at most
/// each amount, drawn from the `Cost curve` sheet.
pub(super) fn cost_curve_chart(book: &Book<'_>) -> Chart {
    let mut chart = Chart::new(ChartType::ScatterStraight);
    chart.title().set_name("Cost S-curve");
    chart
        .x_axis()
        .set_name("NPV cost")
        .set_num_format(book.money_format());
    chart
        .y_axis()
        .set_name("Share of futures at or below the cost")
        .set_num_format("0%")
        .set_min(0.0)
        .set_max(1.0);
    chart.legend().set_position(ChartLegendPosition::Bottom);
    let last = CURVE_POINTS + 1;
    for s in 0..book.results.strategies.len() {
        let Ok(col) = u16::try_from(s + 1) else {
            break;
        };
        chart
            .add_series()
            .set_name((COST_CURVE, 0, col))
            .set_categories((COST_CURVE, 1, col, last, col))
            .set_values((COST_CURVE, 1, 0, last, 0))
            .set_format(
                ChartFormat::new()
                    .set_line(ChartLine::new().set_color(series_color(s)).set_width(2.25)),
            );
    }
    chart.set_width(640).set_height(400);
    chart
}

/// The colour of the strategy at position `s`, as in the PNG and SVG charts.
pub(super) fn series_color(s: usize) -> Color {
    let plotters::style::RGBColor(r, g, b) = strategy_color(s);
    Color::RGB(u32::from(r) << 16 | u32::from(g) << 8 | u32::from(b))
}
