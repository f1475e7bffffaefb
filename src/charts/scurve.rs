//! `cost_scurve`: the cumulative distribution of NPV cost, one S-curve per strategy, with
//! the median (P50) and P95 marked. Reading up from a budget gives the chance of staying
//! within it; the further left and steeper a curve, the cheaper and surer the strategy.

use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, WHITE};

use super::axes::{self, Plot};
use super::canvas::{self, Canvas, Drawn, Font, size};
use super::format::format_count;
use super::legend::{self, Key, LegendEntry, Mark};
use super::palette::{AXIS, MUTED};
use super::panel::{Axis, Panel};
use super::{ChartData, RunChart};

/// Points per curve: enough for a smooth line at 1920 pixels.
const CURVE_POINTS: usize = 400;
/// The x axis ends at the largest P99.5, so one extreme future cannot squash the rest.
const RIGHT_TAIL: f64 = 0.995;

/// The `cost_scurve` chart.
pub(crate) const CHART: RunChart = RunChart {
    stem: "cost_scurve",
    title: "NPV cost S-curve: the chance each strategy stays within a given cost",
    reading: "Read up from a budget to the chance of staying within it; a curve further left and steeper is cheaper and surer.",
    draw,
};

/// Points of the curve of strategy `s` within `x_lo..x_hi`, in data units (cost, %).
fn curve(data: &ChartData, s: usize, x_lo: f64, x_hi: f64) -> Vec<(f64, f64)> {
    let sorted = &data.sorted_costs[s];
    let raw: Vec<(f64, f64)> = (0..=CURVE_POINTS)
        .map(|k| {
            let p = k as f64 / CURVE_POINTS as f64;
            (crate::stats::quantile_sorted(sorted, p), 100.0 * p)
        })
        .collect();
    clip_x(&raw, x_lo, x_hi)
}

/// The part of a curve, increasing in x, that lies within `lo..=hi`, cut exactly at the
/// edges.
fn clip_x(points: &[(f64, f64)], lo: f64, hi: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(points.len());
    for (i, &(x, y)) in points.iter().enumerate() {
        if x < lo {
            continue;
        }
        if let Some(&(px, py)) = i.checked_sub(1).map(|j| &points[j]) {
            if px < lo && x > px {
                out.push((lo, py + (y - py) * (lo - px) / (x - px)));
            }
            if x > hi {
                if px <= hi && x > px {
                    out.push((hi, py + (y - py) * (hi - px) / (x - px)));
                }
                break;
            }
        } else if x > hi {
            break;
        }
        out.push((x, y));
    }
    out
}

fn draw(c: &Canvas, d: &ChartData) -> Drawn {
    let n = d.count();
    let lo = (0..n)
        .map(|s| d.cost_quantile(s, 0.0))
        .fold(f64::INFINITY, f64::min);
    let tail = (0..n)
        .map(|s| d.cost_quantile(s, RIGHT_TAIL))
        .fold(f64::NEG_INFINITY, f64::max);
    let max = (0..n)
        .map(|s| d.cost_quantile(s, 1.0))
        .fold(f64::NEG_INFINITY, f64::max);
    let (x_lo, x_hi) = axes::padded_range(lo, tail, 0.03);
    let cut = max > x_hi;
    let subtitle = format!(
        "Share of {} simulated futures in which each strategy's NPV cost is at or below the amount on the x axis. \
         Dots mark the median (P50), diamonds the P95{}.",
        format_count(d.results.trials),
        if cut {
            "; the costliest futures run off the right edge"
        } else {
            ""
        }
    );
    let area = canvas::frame(c, CHART.title, &subtitle, &d.footnote)?;

    let summary = &d.results.summary;
    let scale = d.money_scale(summary.iter().flat_map(|x| [x.cost_p50, x.cost_p95]));
    let entries: Vec<LegendEntry> = (0..n)
        .map(|s| LegendEntry {
            label: d.name(s).to_string(),
            detail: Some(format!(
                "P50 {}  ·  P95 {}",
                scale.format(summary[s].cost_p50),
                scale.format(summary[s].cost_p95)
            )),
            color: d.colors[s],
            key: Key::Line,
        })
        .collect();
    let legend_w = legend::legend_width(&entries, 470.0).max(300.0);

    let x_ticks = axes::money_ticks(x_lo, x_hi, 7, &d.scenario.meta.currency);
    let x_axis = Axis::new(
        (x_lo, x_hi),
        x_ticks,
        format!("NPV cost ({})", d.currency()),
    );
    let y_axis = Axis::new(
        (0.0, 100.0),
        axes::percent_ticks(),
        "Share of futures at or below this cost",
    );
    let panel = Panel::beside_legend(&area, legend_w, x_axis, y_axis);
    panel.axes(c)?;
    draw_reference_levels(c, &panel.plot)?;
    draw_curves(c, d, &panel.plot)?;
    draw_markers(c, d, &panel.plot)?;
    panel.finish(c)?;

    let lx = panel.legend_x();
    let bottom = legend::legend(c, &entries, lx, panel.rect().y0, legend_w)?;
    legend::marker_key(
        c,
        (lx, bottom),
        area.y1,
        &[(Mark::Dot, "median (P50)"), (Mark::Diamond, "P95")],
    )
}

/// Each strategy's S-curve, cut at the plot's edges.
fn draw_curves(c: &Canvas, d: &ChartData, plot: &Plot) -> Drawn {
    for s in 0..d.count() {
        let pts: Vec<(f64, f64)> = curve(d, s, plot.x.lo, plot.x.hi)
            .into_iter()
            .map(|(x, y)| plot.at(x, y))
            .collect();
        c.series_line(&pts, d.colors[s], 5.0)?;
    }
    Ok(())
}

/// Dashed lines across the plot at the 50% and 95% levels, labelled.
fn draw_reference_levels(c: &Canvas, plot: &Plot) -> Drawn {
    let rect = plot.rect;
    // Reference levels.
    let ref_font = Font::new(size::SMALL)
        .bold()
        .color(MUTED)
        .anchor(HPos::Left, VPos::Bottom);
    for (level, label) in [(50.0, "P50"), (95.0, "P95")] {
        let y = plot.y.at(level);
        c.dashed((rect.x0, y), (rect.x1, y), AXIS.to_rgba(), 2.0, 12.0)?;
        c.text(label, (rect.x0 + 10.0, y - 6.0), &ref_font)?;
    }

    Ok(())
}

/// Each strategy's P50 (dot) and P95 (diamond) on its curve, where they are in range.
fn draw_markers(c: &Canvas, d: &ChartData, plot: &Plot) -> Drawn {
    let (x_lo, x_hi) = (plot.x.lo, plot.x.hi);
    for s in 0..d.count() {
        let summary = &d.results.summary[s];
        let color = d.colors[s].to_rgba();
        let outline = Some((WHITE, 3.0));
        if (x_lo..=x_hi).contains(&summary.cost_p50) {
            c.circle(plot.at(summary.cost_p50, 50.0), 11.0, color, outline)?;
        }
        if (x_lo..=x_hi).contains(&summary.cost_p95) {
            c.diamond(plot.at(summary.cost_p95, 95.0), 14.0, color, outline)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::clip_x;

    #[test]
    fn clipping_cuts_at_both_edges() {
        let pts = [(0.0, 0.0), (10.0, 50.0), (20.0, 100.0)];
        let out = clip_x(&pts, 5.0, 15.0);
        assert_eq!(out, vec![(5.0, 25.0), (10.0, 50.0), (15.0, 75.0)]);
        assert_eq!(clip_x(&pts, 0.0, 20.0), pts.to_vec());
    }
}
