//! `cumulative_cost_fan`: cumulative undiscounted cost over the horizon, the median line
//! and P10-P90 band of each strategy on one axis, so where the strategies' spending
//! paths cross, and how fast their uncertainty widens, is visible.

use plotters::style::Color;

use super::axes::{self, Plot};
use super::canvas::{self, Canvas, Drawn};
use super::format::format_count;
use super::legend::{self, Key, LegendEntry};
use super::panel::{Axis, Panel};
use super::{ChartData, RunChart};
use crate::results::Band;

/// The `cumulative_cost_fan` chart.
pub(crate) const CHART: RunChart = RunChart {
    stem: "cumulative_cost_fan",
    title: "Cumulative cost over time: each strategy's spending path and its uncertainty",
    reading: "Where paths cross, the cheaper strategy changes; wide bands mean uncertain spending.",
    draw,
};

fn draw(c: &Canvas, d: &ChartData) -> Drawn {
    let r = d.results;
    let subtitle = format!(
        "Cumulative cost, undiscounted, across {} simulated futures: lines are medians, bands run from P10 to P90. \
         The legend gives month {}'s median, with P10–P90 in brackets.",
        format_count(r.trials),
        r.horizon
    );
    let area = canvas::frame(c, CHART.title, &subtitle, &d.footnote)?;
    let entries = legend_entries(d);
    let legend_w = legend::legend_width(&entries, 480.0).max(300.0);
    let (x_axis, y_axis) = axes_of(d);
    let panel = Panel::beside_legend(&area, legend_w, x_axis, y_axis);
    panel.axes(c)?;
    draw_paths(c, d, &panel.plot)?;
    panel.finish(c)?;
    legend::legend(c, &entries, panel.legend_x(), panel.rect().y0, legend_w)?;
    Ok(())
}

/// One entry per strategy with its last month's median and P10-P90.
fn legend_entries(d: &ChartData) -> Vec<LegendEntry> {
    let horizon = d.results.horizon;
    let last = |s: usize| d.results.monthly_of(s).last().map(|m| m.cumulative_cost);
    let scale = d.money_scale(
        (0..d.count())
            .filter_map(last)
            .flat_map(|b| [b.p50, b.p10, b.p90]),
    );
    (0..d.count())
        .map(|s| LegendEntry {
            label: d.name(s).to_string(),
            detail: last(s).map(|b| {
                format!(
                    "month {horizon}: {}  ({}–{})",
                    scale.format(b.p50),
                    scale.format(b.p10),
                    scale.format(b.p90)
                )
            }),
            color: d.colors[s],
            key: Key::Line,
        })
        .collect()
}

/// Months across, without grid lines; money up, covering every band.
fn axes_of(d: &ChartData) -> (Axis, Axis) {
    let r = d.results;
    let months = || (0..d.count()).flat_map(|s| r.monthly_of(s).iter());
    let y_max = months().map(|m| m.cumulative_cost.p90).fold(0.0, f64::max);
    let y_min = months().map(|m| m.cumulative_cost.p10).fold(0.0, f64::min);
    let (y_lo, y_hi) = axes::nice_range(y_min, y_max.max(1.0), 6);
    let y_ticks = axes::money_ticks(y_lo, y_hi, 6, &d.scenario.meta.currency);
    let y_title = format!("Cumulative cost ({})", d.currency());
    let x_ticks = axes::month_ticks(r.horizon, 8);
    let x_range = (1.0, r.horizon.max(2) as f64);
    (
        Axis::new(x_range, x_ticks, "Month").without_grid(),
        Axis::new((y_lo, y_hi), y_ticks, y_title),
    )
}

/// Every strategy's P10-P90 band, under every median line; band edges only where few
/// strategies leave room for them.
fn draw_paths(c: &Canvas, d: &ChartData, plot: &Plot) -> Drawn {
    let n = d.count();
    let series = |s: usize, f: &dyn Fn(&Band) -> f64| -> Vec<(f64, f64)> {
        let pts: Vec<(f64, f64)> = d
            .results
            .monthly_of(s)
            .iter()
            .map(|m| plot.at(f64::from(m.month), f(&m.cumulative_cost)))
            .collect();
        canvas::thin(&pts, 600)
    };
    // Bands under all lines, lightest first so overlaps stay readable.
    let band_alpha = if n > 4 { 0.10 } else { 0.16 };
    for s in 0..n {
        let mut outline = series(s, &|b| b.p90);
        outline.extend(series(s, &|b| b.p10).into_iter().rev());
        c.polygon(&outline, d.colors[s].mix(band_alpha))?;
    }
    // Band edges help with a few strategies and clutter with many.
    if n <= 3 {
        for s in 0..n {
            let color = d.colors[s];
            c.series_line(&series(s, &|b| b.p10), color, 1.5)?;
            c.series_line(&series(s, &|b| b.p90), color, 1.5)?;
        }
    }
    for s in 0..n {
        let line = series(s, &|b| b.p50);
        c.series_line(&line, d.colors[s], 5.0)?;
        if line.len() == 1 {
            c.circle(line[0], 8.0, d.colors[s].to_rgba(), None)?;
        }
    }
    Ok(())
}
