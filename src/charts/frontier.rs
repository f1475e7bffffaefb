//! `frontier`: each evaluation of `outsim optimize` as a point, its cost (the statistic
//! minimised) against the chance of meeting every objective. The non-dominated frontier
//! (no plan both cheaper and more likely to meet them) is drawn as a line, the best plan
//! ringed, and the dashed line at the file's confidence reads as "what it costs to be
//! that sure": the leftmost frontier point above it.

use std::sync::atomic::AtomicBool;

use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, WHITE};

use super::canvas::{self, Canvas, Drawn, Font, Rect, size};
use super::format::{format_count, format_money, format_probability};
use super::legend::{self, Key, LegendEntry};
use super::palette::{INK, MUTED, strategy_color};
use super::panel::{Axis, Panel};
use super::{ChartError, ChartFile, ImageFormat, Page, axes, render_named};
use crate::analysis::optimize::Optimized;

/// The chart's title.
const TITLE: &str = "Cost against confidence: every plan searched, and the frontier";
/// Radius of an evaluation's point.
const POINT_R: f64 = 9.0;

/// Render `frontier.<format>` for each of `formats` from an optimize run.
///
/// # Errors
///
/// [`ChartError::NoData`] if the run holds no evaluation; otherwise as the other charts.
pub fn render_frontier(
    run: &Optimized,
    formats: &[ImageFormat],
) -> Result<Vec<ChartFile>, ChartError> {
    if run.evaluations.is_empty() {
        return Err(ChartError::NoData);
    }
    let pages = [("frontier".to_string(), FrontierPage { run })];
    render_named(&pages, formats, &AtomicBool::new(false))
}

/// The frontier chart of one run, as a page.
struct FrontierPage<'a> {
    run: &'a Optimized,
}

impl Page for FrontierPage<'_> {
    fn title(&self) -> String {
        TITLE.to_string()
    }
    fn draw(&self, c: &Canvas) -> Drawn {
        draw(c, self.run)
    }
}

/// Draw the whole page.
fn draw(c: &Canvas, run: &Optimized) -> Drawn {
    let money = |v: f64| format_money(v, &run.currency);
    let best = &run.evaluations[run.best];
    let subtitle = format!(
        "Best plan: {} {} with P(objectives met) {} while searching {}. Line: the non-dominated frontier.",
        run.objective.name(),
        money(best.cost),
        format_probability(best.p_objectives_met),
        run.strategy
    );
    let footnote = format!(
        "{} · {} · {} evaluations · {} trials each · seed {} · outsim {}",
        run.scenario_name,
        run.strategy,
        format_count(run.evaluations.len() as u64),
        format_count(run.trials),
        run.seed,
        env!("CARGO_PKG_VERSION")
    );
    let area = canvas::frame(c, TITLE, &subtitle, &footnote)?;
    let frontier_color = strategy_color(0);
    let point_color = MUTED;
    let entries = vec![
        LegendEntry {
            label: "Plan searched".to_string(),
            detail: None,
            color: point_color,
            key: Key::Swatch,
        },
        LegendEntry {
            label: "Frontier".to_string(),
            detail: Some("no plan is cheaper and as sure".to_string()),
            color: frontier_color,
            key: Key::Swatch,
        },
        LegendEntry {
            label: "Best plan".to_string(),
            detail: Some(money(best.cost)),
            color: INK,
            key: Key::Swatch,
        },
    ];
    let legend_w = legend::legend_width(&entries, 440.0).max(300.0);
    let (lo, hi) = axes::extent(run.evaluations.iter().map(|e| (e.cost, e.cost)));
    let (x_lo, x_hi) = axes::padded_range(lo, hi, 0.1);
    let x_ticks = axes::money_ticks(x_lo, x_hi, 7, &run.currency);
    let currency = if run.currency.is_empty() {
        "money"
    } else {
        run.currency.as_str()
    };
    let x = Axis::new(
        (x_lo, x_hi),
        x_ticks,
        format!("{} ({currency})", run.objective.name()),
    );
    let y = Axis::new(
        (-8.0, 105.0),
        axes::percent_ticks(),
        "Futures meeting every objective",
    );
    let panel = Panel::beside_legend(&area, legend_w, x, y);
    let (plot, rect) = (&panel.plot, panel.rect());
    panel.axes(c)?;

    // The confidence line: what it costs to be that sure.
    let cy = plot.y.at(100.0 * run.confidence);
    c.dashed((rect.x0, cy), (rect.x1, cy), INK.to_rgba(), 2.5, 14.0)?;
    let text = format!(
        "What it costs to be {} sure",
        format_probability(run.confidence)
    );
    let font = Font::new(size::SMALL)
        .bold()
        .color(INK)
        .anchor(HPos::Left, VPos::Bottom);
    c.text(&text, (rect.x0 + 12.0, cy - 8.0), &font)?;

    for e in &run.evaluations {
        let p = plot.at(e.cost, 100.0 * e.p_objectives_met);
        c.circle(p, POINT_R, point_color.mix(0.55), None)?;
    }
    let frontier: Vec<(f64, f64)> = run
        .frontier()
        .iter()
        .map(|&i| {
            let e = &run.evaluations[i];
            plot.at(e.cost, 100.0 * e.p_objectives_met)
        })
        .collect();
    c.series_line(&frontier, frontier_color, 4.0)?;
    for &p in &frontier {
        c.circle(p, POINT_R, frontier_color.to_rgba(), Some((WHITE, 2.0)))?;
    }
    let bp = plot.at(best.cost, 100.0 * best.p_objectives_met);
    c.circle(bp, POINT_R + 8.0, WHITE.to_rgba(), Some((INK, 4.0)))?;
    c.circle(bp, POINT_R, frontier_color.to_rgba(), Some((WHITE, 2.0)))?;
    // The tag sits below-right of the ring on a white box, so the dashed line under it
    // does not strike it through.
    let tag_font = Font::new(size::SMALL).bold().color(INK);
    let (tx, ty) = (bp.0 + POINT_R + 14.0, bp.1 + 8.0);
    let backing = Rect {
        x0: tx - 4.0,
        y0: ty - 2.0,
        x1: tx + canvas::text_width("BEST PLAN", &tag_font) + 4.0,
        y1: ty + size::SMALL + 6.0,
    };
    c.rect(backing, WHITE.mix(0.85))?;
    c.text("BEST PLAN", (tx, ty), &tag_font)?;
    panel.finish(c)?;
    legend::legend(c, &entries, panel.legend_x(), rect.y0, legend_w)?;
    Ok(())
}
