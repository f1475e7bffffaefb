//! `cost_breakdown`: the mean cost of each strategy split into labor, onboarding, setup,
//! oversight, defects, delay and incidents, with SLA credits drawn below zero. Labor
//! (heads times the rate: it moves with volume and rework) is grey; everything coloured
//! is what a rate card leaves out, so the hidden costs of the cheapest rate card show at
//! a glance.

use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, WHITE};

use super::axes::{self, Plot};
use super::canvas::{self, Canvas, Drawn, Failure, Font, Rect, size};
use super::format::{format_months, format_percent};
use super::legend::{self, Key, LegendEntry};
use super::palette::{AXIS, COMPONENTS, INK, MUTED};
use super::panel::{Axis, Panel};
use super::{ChartData, RunChart};
use crate::results::StrategySummary;

/// The `cost_breakdown` chart.
pub(crate) const CHART: RunChart = RunChart {
    stem: "cost_breakdown",
    title: "What each strategy really costs: mean cost by component",
    reading: "Grey is labor; every coloured segment is a cost the rate card does not show.",
    draw,
};

/// Index of SLA credits, the last component, which counts against the total.
const CREDITS: usize = COMPONENTS.len() - 1;

/// One value per component, in [`COMPONENTS`] order.
pub(crate) type Parts = [f64; COMPONENTS.len()];

/// Mean undiscounted cost components of a strategy, in [`COMPONENTS`] order, read from
/// the results' cost components ([`crate::results::COST_COMPONENTS`], matched by
/// label); credits are the last and count against the total.
pub(crate) fn components(s: &StrategySummary) -> Parts {
    COMPONENTS.map(|(label, _)| {
        crate::results::COST_COMPONENTS
            .iter()
            .find(|c| c.label == label)
            .map_or(0.0, |c| c.mean(s))
    })
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

/// What a cost component is, for charts that tell money paid out from costs that are
/// real but never invoiced (MODEL.md v2: cash against economic cost).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CostNature {
    /// Money paid out: invoices, fees, salaries.
    Cash,
    /// A cost borne but not paid out, such as the value of delayed work.
    Economic,
}

/// The nature of each component, in [`COMPONENTS`] order.
pub(crate) type Natures = [CostNature; COMPONENTS.len()];

fn draw(c: &Canvas, d: &ChartData) -> Drawn {
    draw_marked(c, d, Some(&natures()))
}

/// The nature of each of [`COMPONENTS`], from the results' cost components
/// ([`crate::results::COST_COMPONENTS`], matched by label): defects and delay are
/// economic, everything else is cash.
pub(crate) fn natures() -> Natures {
    COMPONENTS.map(|(label, _)| {
        let cash = crate::results::COST_COMPONENTS
            .iter()
            .find(|c| c.label == label)
            .is_none_or(|c| c.cash);
        if cash {
            CostNature::Cash
        } else {
            CostNature::Economic
        }
    })
}

/// The chart with each component marked by its nature where `natures` is given:
/// economic costs hatched, with a legend entry for each nature. With `None`, or when
/// every component has one nature, nothing is marked.
pub(crate) fn draw_marked(c: &Canvas, d: &ChartData, natures: Option<&Natures>) -> Drawn {
    let natures = natures.filter(|n| n.iter().any(|k| *k != n[0]));
    let n = d.count();
    let area = canvas::frame(c, CHART.title, &subtitle(d), &d.footnote)?;
    let parts: Vec<Parts> = d.results.summary.iter().map(components).collect();
    let legend_bottom = legend::legend_rows(
        c,
        &legend_entries(natures, &parts),
        area.x0,
        area.y0 - 6.0,
        area.w(),
    )?;

    let summary = &d.results.summary;
    let scale = d.money_scale(summary.iter().map(|s| s.cost_total_mean));
    let totals: Vec<String> = summary
        .iter()
        .map(|s| {
            format!(
                "{}  ({} beyond labor)",
                scale.format(s.cost_total_mean),
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
    let panel = Panel::rows(
        &area,
        names_w,
        legend_bottom + 16.0,
        total_w + 24.0,
        x_axis(d, &parts),
        n,
    );
    panel.axes(c)?;
    let row_h = panel.row_height();
    let half = (row_h * 0.32).min(40.0);
    for s in 0..n {
        let cy = panel.row_center(s);
        panel.row_label(c, s, d.name(s), d.colors[s], names_w)?;
        let end = draw_bar(c, d, &panel.plot, &parts[s], natures, (cy, half))?;
        c.text(
            &canvas::fit(&totals[s], &total_font, total_w),
            (end + 14.0, cy),
            &total_font,
        )?;
    }
    // Zero line.
    let (rect, x0) = (panel.rect(), panel.plot.x.at(0.0));
    c.line(&[(x0, rect.y0), (x0, rect.y1)], AXIS.to_rgba(), 2.0)?;
    panel.finish(c)
}

/// The line under the title: how much of the cheapest rate card's cost is not labor.
fn subtitle(d: &ChartData) -> String {
    let n = d.count();
    let summary = &d.results.summary;
    match crate::verdict::cheapest_rate_card(d.scenario) {
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
    }
}

/// Whether component `k` is keyed: always for those of version 1, for model v2's
/// (commitment, transition, releases, exit fees) only when some strategy has them.
fn keyed(k: usize, parts: &[Parts]) -> bool {
    !(FIRST_V2..CREDITS).contains(&k) || parts.iter().any(|p| p[k] != 0.0)
}

/// Index of the first of model v2's components (commitment), after incidents.
const FIRST_V2: usize = 7;

/// One swatch per component keyed ([`keyed`]) and, when components are marked, one per
/// nature.
fn legend_entries(natures: Option<&Natures>, parts: &[Parts]) -> Vec<LegendEntry> {
    let mut entries: Vec<LegendEntry> = COMPONENTS
        .iter()
        .enumerate()
        .filter(|&(k, _)| keyed(k, parts))
        .map(|(k, (label, color))| LegendEntry {
            label: if *label == "SLA credits" {
                "SLA credits (reduce cost)".to_string()
            } else {
                (*label).to_string()
            },
            detail: None,
            color: *color,
            key: match natures {
                Some(n) if n[k] == CostNature::Economic => Key::Hatched,
                _ => Key::Swatch,
            },
        })
        .collect();
    if natures.is_some() {
        for (label, key) in [
            ("plain: cash paid out", Key::Swatch),
            ("hatched: economic cost, not paid out", Key::Hatched),
        ] {
            entries.push(LegendEntry {
                label: label.to_string(),
                detail: None,
                color: MUTED,
                key,
            });
        }
    }
    entries
}

/// The money axis: from the largest credits below zero to the largest gross cost.
fn x_axis(d: &ChartData, parts: &[Parts]) -> Axis {
    let gross = |p: &Parts| p[..CREDITS].iter().map(|v| v.max(0.0)).sum::<f64>();
    let hi = parts.iter().map(gross).fold(0.0, f64::max);
    let lo = parts
        .iter()
        .map(|p| -p[CREDITS].max(0.0))
        .fold(0.0, f64::min);
    let span = (hi - lo).max(1.0);
    let x_lo = if lo < 0.0 { lo - 0.02 * span } else { 0.0 };
    let x_hi = hi.max(1.0) + 0.02 * span;
    let title = format!(
        "Mean cost over {}, undiscounted ({})",
        format_months(d.results.horizon as u64),
        d.currency()
    );
    let ticks = axes::money_ticks(x_lo, x_hi, 7, &d.scenario.meta.currency);
    Axis::new((x_lo, x_hi), ticks, title)
}

/// One strategy's stacked bar centred on `cy`, `half` high either side: costs from zero
/// rightwards, credits leftwards, values written in segments wide enough, economic
/// costs hatched where `natures` marks them. Returns the bar's right end.
fn draw_bar(
    c: &Canvas,
    d: &ChartData,
    plot: &Plot,
    parts: &Parts,
    natures: Option<&Natures>,
    (cy, half): (f64, f64),
) -> Result<f64, Failure> {
    let value_font = Font::new(size::SMALL - 2.0)
        .color(INK)
        .anchor(HPos::Center, VPos::Center);
    let mut at = 0.0;
    let mut segments: Vec<(f64, f64, usize)> = Vec::new();
    for (k, value) in parts[..CREDITS].iter().enumerate() {
        let v = value.max(0.0);
        if v > 0.0 {
            segments.push((at, at + v, k));
            at += v;
        }
    }
    let credits = parts[CREDITS].max(0.0);
    if credits > 0.0 {
        segments.push((-credits, 0.0, CREDITS));
    }
    for &(a, b, k) in &segments {
        let seg = Rect {
            x0: plot.x.at(a),
            y0: cy - half,
            x1: plot.x.at(b),
            y1: cy + half,
        };
        c.rect(seg, COMPONENTS[k].1.to_rgba())?;
        if natures.is_some_and(|n| n[k] == CostNature::Economic) {
            c.hatch(seg, WHITE.mix(0.75), 2.5, 14.0)?;
        }
        let label = d.money(if k == CREDITS { -(b - a) } else { b - a });
        if seg.w() >= canvas::text_width(&label, &value_font) + 14.0 && half >= 14.0 {
            c.text(&label, (0.5 * (seg.x0 + seg.x1), cy), &value_font)?;
        }
    }
    // Thin white seams between segments keep neighbours apart.
    for &(a, _, _) in segments.iter().skip(1) {
        let x = plot.x.at(a);
        c.line(&[(x, cy - half), (x, cy + half)], WHITE.to_rgba(), 2.0)?;
    }
    Ok(plot.x.at(at.max(0.0)))
}

#[cfg(test)]
mod tests {
    use super::CostNature::{Cash, Economic};
    use super::*;
    use crate::charts::fixtures;

    /// The chart marks what the results call economic, defects and delay, and only those.
    #[test]
    fn the_results_mark_defects_and_delay_as_economic() {
        for ((label, _), nature) in COMPONENTS.iter().zip(natures()) {
            let economic = ["Defects", "Delay"].contains(label);
            assert_eq!(nature == Economic, economic, "{label}");
        }
        assert_eq!(COMPONENTS[FIRST_V2].0, "Commitment");
        // Every cost component of the results has a colour here.
        for c in crate::results::COST_COMPONENTS {
            assert!(
                COMPONENTS.iter().any(|(label, _)| *label == c.label),
                "{}",
                c.label
            );
        }
    }

    /// The chart of a three-strategy fixture run, components marked by `natures`.
    fn svg(natures: Option<&Natures>) -> String {
        let (scenario, results) = fixtures::run(3, 50);
        let data = ChartData::new(&scenario, &results);
        fixtures::svg_of(|c| draw_marked(c, &data, natures))
    }

    /// Model v2's components are keyed only when a strategy has them.
    #[test]
    fn model_v2_components_show_when_used() {
        let (scenario, mut results) = fixtures::run(3, 50);
        let draw = |results: &crate::results::Results| {
            let data = ChartData::new(&scenario, results);
            fixtures::svg_of(|c| draw_marked(c, &data, None))
        };
        assert!(!draw(&results).contains("Exit fees"));
        let exit = crate::results::metric_index("exit").expect("exit is an output");
        results.summary[1].means[exit] = 0.1 * results.summary[1].cost_total_mean;
        let svg = draw(&results);
        assert!(svg.contains("Exit fees"));
        assert!(!svg.contains("Commitment"));
    }

    #[test]
    fn economic_costs_are_hatched_and_keyed_when_marked() {
        let plain = svg(None);
        assert!(!plain.contains("economic cost"));
        assert_eq!(
            svg(Some(&[Cash; COMPONENTS.len()])),
            plain,
            "one nature for every component marks nothing"
        );
        let marked = svg(Some(&natures()));
        assert!(marked.contains("plain: cash paid out"));
        assert!(marked.contains("hatched: economic cost, not paid out"));
        // Defects and delay are hatched in every bar that has them, and in their keys.
        let lines = |svg: &str| svg.matches("<polyline").count();
        assert!(
            lines(&marked) > lines(&plain) + 20,
            "{} lines marked, {} plain",
            lines(&marked),
            lines(&plain)
        );
    }
}
