//! `cost_breakdown`: the mean cost of each strategy split into labor, onboarding, setup,
//! oversight, defects, delay and incidents, with SLA credits drawn below zero. Labor
//! (heads times the rate: it moves with volume and rework) is grey; everything coloured
//! is what a rate card leaves out, so the hidden costs of the cheapest rate card show at
//! a glance.

use plotters::style::Color;
use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{self, Plot};
use super::canvas::{self, Canvas, Drawn, Font, Rect, size};
use super::format::{format_months, format_percent};
use super::legend::{self, Key, LegendEntry};
use super::palette::{AXIS, COMPONENTS, INK};
use super::{ChartData, RunChart};
use crate::results::StrategySummary;

/// The `cost_breakdown` chart.
pub(crate) const CHART: RunChart = RunChart {
    stem: "cost_breakdown",
    title: "What each strategy really costs: mean cost by component",
    reading: "Grey is labor; every coloured segment is a cost the rate card does not show.",
    draw,
};

/// Mean undiscounted cost components of a strategy, in [`COMPONENTS`] order; credits
/// are the last and count against the total.
pub(crate) fn components(s: &StrategySummary) -> [f64; 8] {
    [
        s.labor_mean,
        s.onboarding_mean,
        s.setup_mean,
        s.oversight_mean,
        s.defects_mean,
        s.delay_mean,
        s.incidents_cost_mean,
        s.credits_mean,
    ]
}

/// The strategy with the smallest mean labor bill. Not the cheapest rate card
/// ([`crate::verdict::cheapest_rate_card`]): labor grows with volume and rework, so a dearer
/// rate with better first-time quality can bill less labor.
pub(crate) fn cheapest_on_labor(summary: &[StrategySummary]) -> Option<usize> {
    summary
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.labor_mean.total_cmp(&b.1.labor_mean))
        .map(|(i, _)| i)
}

/// Share of a strategy's total that is not labor (net of credits).
pub(crate) fn hidden_share(s: &StrategySummary) -> f64 {
    let total = s.cost_total_mean;
    if total.abs() > 0.0 {
        (total - s.labor_mean) / total
    } else {
        0.0
    }
}

fn draw(c: &Canvas, d: &ChartData) -> Drawn {
    let n = d.count();
    let summary = &d.results.summary;
    let subtitle = match crate::verdict::cheapest_rate_card(d.scenario) {
        Some(s) if n > 1 && s < n => format!(
            "“{}” has the cheapest rate card, yet {} of its mean total ({}) is cost beyond labor. \
             Grey is labor, which grows with volume and rework; colours are what a rate card \
             leaves out. Undiscounted means over {}.",
            d.name(s),
            format_percent(hidden_share(&summary[s]), 0),
            d.money(summary[s].cost_total_mean - summary[s].labor_mean),
            format_months(d.results.horizon as u64)
        ),
        _ => format!(
            "Grey is labor, which grows with volume and rework; colours are what a rate card \
             leaves out. Undiscounted means over {}.",
            format_months(d.results.horizon as u64)
        ),
    };
    let area = canvas::frame(c, CHART.title, &subtitle, &d.footnote)?;

    let entries: Vec<LegendEntry> = COMPONENTS
        .iter()
        .map(|(label, color)| LegendEntry {
            label: if *label == "SLA credits" {
                "SLA credits (reduce cost)".to_string()
            } else {
                (*label).to_string()
            },
            detail: None,
            color: *color,
            key: Key::Swatch,
        })
        .collect();
    let legend_bottom = legend::legend_rows(c, &entries, area.x0, area.y0 - 6.0, area.w())?;

    let parts: Vec<[f64; 8]> = summary.iter().map(components).collect();
    let gross = |p: &[f64; 8]| p[..7].iter().map(|v| v.max(0.0)).sum::<f64>();
    let hi = parts.iter().map(gross).fold(0.0, f64::max);
    let lo = parts.iter().map(|p| -p[7].max(0.0)).fold(0.0, f64::min);
    let span = (hi - lo).max(1.0);
    let x_lo = if lo < 0.0 { lo - 0.02 * span } else { 0.0 };
    let x_hi = hi.max(1.0) + 0.02 * span;

    let totals: Vec<String> = summary
        .iter()
        .map(|s| {
            format!(
                "{}  ({} beyond labor)",
                d.money(s.cost_total_mean),
                format_percent(hidden_share(s), 0)
            )
        })
        .collect();
    let total_font = Font::new(size::SMALL + 1.0)
        .bold()
        .anchor(HPos::Left, VPos::Center);
    // Totals beside the bars take at most a quarter of the page; longer ones are
    // shortened.
    let total_w = totals
        .iter()
        .map(|t| canvas::text_width(t, &total_font))
        .fold(0.0, f64::max)
        .min(0.25 * area.w());
    let names_w = legend::row_label_width((0..n).map(|s| d.name(s).to_string()), 360.0);
    let rect = axes::plot_beside_names(&area, names_w, legend_bottom + 16.0, total_w + 24.0);
    let plot = Plot::new(rect, (x_lo, x_hi), (0.0, n as f64));
    let x_ticks = axes::money_ticks(x_lo, x_hi, 7, &d.scenario.meta.currency);
    axes::x_axis(c, &plot, &x_ticks, true)?;

    let row_h = rect.h() / n as f64;
    let half = (row_h * 0.32).min(40.0);
    let value_font = Font::new(size::SMALL - 2.0)
        .color(INK)
        .anchor(HPos::Center, VPos::Center);
    for s in 0..n {
        let cy = rect.y0 + row_h * (s as f64 + 0.5);
        let lines = if row_h >= 72.0 { 2 } else { 1 };
        legend::row_label(c, d.name(s), d.colors[s], rect.x0, cy, names_w, lines)?;
        let mut at = 0.0;
        let mut segments: Vec<(f64, f64, usize)> = Vec::new();
        for (k, value) in parts[s][..7].iter().enumerate() {
            let v = value.max(0.0);
            if v > 0.0 {
                segments.push((at, at + v, k));
                at += v;
            }
        }
        let credits = parts[s][7].max(0.0);
        if credits > 0.0 {
            segments.push((-credits, 0.0, 7));
        }
        for &(a, b, k) in &segments {
            let seg = Rect {
                x0: plot.x.at(a),
                y0: cy - half,
                x1: plot.x.at(b),
                y1: cy + half,
            };
            c.rect(seg, COMPONENTS[k].1.to_rgba())?;
            let label = d.money(if k == 7 { -(b - a) } else { b - a });
            if seg.w() >= canvas::text_width(&label, &value_font) + 14.0 && half >= 14.0 {
                c.text(&label, (0.5 * (seg.x0 + seg.x1), cy), &value_font)?;
            }
        }
        // Thin white seams between segments keep neighbours apart.
        for &(a, _, _) in segments.iter().skip(1) {
            let x = plot.x.at(a);
            c.line(
                &[(x, cy - half), (x, cy + half)],
                plotters::style::WHITE.to_rgba(),
                2.0,
            )?;
        }
        c.text(
            &canvas::fit(&totals[s], &total_font, total_w),
            (plot.x.at(at.max(0.0)) + 14.0, cy),
            &total_font,
        )?;
    }
    // Zero line.
    let x0 = plot.x.at(0.0);
    c.line(&[(x0, rect.y0), (x0, rect.y1)], AXIS.to_rgba(), 2.0)?;
    axes::axis_lines(c, &plot)?;
    axes::axis_titles(
        c,
        &plot,
        &format!(
            "Mean cost over {}, undiscounted ({})",
            format_months(d.results.horizon as u64),
            d.currency()
        ),
        "",
        0.0,
    )?;
    Ok(())
}
