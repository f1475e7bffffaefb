//! `risk_vs_cost`: each strategy as a point, expected NPV cost against the chance of
//! meeting every objective, with a bar reaching its CVaR95 (the mean of the worst 5% of
//! futures). The shaded band is where objectives are met at the stated confidence; the
//! cheapest strategy and the best-value one (cheapest among those in the band) are
//! tagged, so the trade-off reads at a glance.

use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, RGBColor, WHITE};

use super::axes;
use super::axes::Plot;
use super::canvas::{self, Canvas, Drawn, Failure, Font, Rect, size};
use super::format::{format_count, format_probability};
use super::legend::{self, Key, LegendEntry, Mark};
use super::palette::{AXIS, INK, MUTED};
use super::panel::{Axis, Panel};
use super::{ChartData, RunChart};

/// Tint of the region where objectives are met.
const ZONE: RGBColor = RGBColor(0xE6, 0xF2, 0xEA);
/// Text on that region.
const ZONE_INK: RGBColor = RGBColor(0x2E, 0x6B, 0x45);
/// Radius of a strategy's point.
const POINT_R: f64 = 15.0;

/// The `risk_vs_cost` chart.
pub(crate) const CHART: RunChart = RunChart {
    stem: "risk_vs_cost",
    title: "Risk against cost: the chance of meeting the objectives, by expected cost",
    reading: "Up is more reliable, left is cheaper; the best value is the leftmost point in the shaded band.",
    draw,
};

/// Tag shown with a strategy's label.
fn tag(d: &ChartData, s: usize) -> Option<&'static str> {
    let cheapest = d.results.cheapest() == Some(s);
    let best = d.results.best_value() == Some(s);
    match (cheapest, best) {
        (true, true) => Some("CHEAPEST & BEST VALUE"),
        (true, false) => Some("CHEAPEST"),
        (false, true) => Some("BEST VALUE"),
        (false, false) => None,
    }
}

/// A label placed near a point: its box, and whether it sits far enough away to need a
/// leader line.
struct Placed {
    rect: Rect,
    leader: bool,
}

/// Find a place for a `w` x `h` label near `point` (whose bar ends at `bar_end`) that
/// stays in `bounds` and clears `obstacles`; `None` if every candidate collides.
fn place(
    point: (f64, f64),
    bar_end: f64,
    w: f64,
    h: f64,
    bounds: &Rect,
    obstacles: &[Rect],
) -> Option<Placed> {
    let (x, y) = point;
    let gap = POINT_R + 10.0;
    let mut candidates: Vec<(f64, f64, bool)> = Vec::new();
    for k in 0..=6 {
        let off = gap + 40.0 * k as f64;
        let leader = k > 0;
        for x0 in [x - w / 2.0, x - 10.0, x - w + 10.0] {
            candidates.push((x0, y - off - h, leader));
            candidates.push((x0, y + off, leader));
        }
        if k == 0 {
            candidates.push((bar_end + 18.0, y - h / 2.0, false));
            candidates.push((x - gap - w, y - h / 2.0, false));
        }
    }
    candidates.into_iter().find_map(|(x0, y0, leader)| {
        // Slide sideways into the bounds rather than give up at an edge.
        let x0 = x0.min(bounds.x1 - w).max(bounds.x0);
        let rect = Rect {
            x0,
            y0,
            x1: x0 + w,
            y1: y0 + h,
        };
        (rect.inside(bounds) && obstacles.iter().all(|o| !o.overlaps(&rect)))
            .then_some(Placed { rect, leader })
    })
}

/// Nudge points whose bars would lie on top of each other (same height, overlapping
/// spans) into lanes a few pixels apart, so every bar stays visible. Only the drawing
/// moves, by at most three lanes; the values in labels and legend are exact.
fn dodge(points: &mut [(f64, f64)], bar_ends: &[f64], rect: &Rect) -> bool {
    const LANE: f64 = 15.0;
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| points[a].0.total_cmp(&points[b].0));
    let mut placed: Vec<(f64, f64, f64)> = Vec::new(); // (y, x0, x1)
    let mut moved = false;
    for &s in &order {
        let (x, y) = points[s];
        let clashes = |yy: f64| {
            placed.iter().any(|&(py, x0, x1)| {
                (py - yy).abs() < LANE * 0.9 && x <= x1 + 8.0 && bar_ends[s] >= x0 - 8.0
            })
        };
        let lanes = [0.0, -1.0, 1.0, -2.0, 2.0, -3.0, 3.0];
        let chosen = lanes
            .iter()
            .map(|k| y + k * LANE)
            .find(|&yy| yy >= rect.y0 + POINT_R && yy <= rect.y1 - POINT_R && !clashes(yy))
            .unwrap_or(y);
        moved |= chosen != y;
        points[s].1 = chosen;
        placed.push((chosen, x - POINT_R, bar_ends[s]));
    }
    moved
}

fn draw(c: &Canvas, d: &ChartData) -> Drawn {
    let area = canvas::frame(c, CHART.title, &subtitle(d), &d.footnote)?;
    draw_in(c, d, area)
}

/// The chart's plot and legend in `area`, for this page and for the board slide.
pub(super) fn draw_in(c: &Canvas, d: &ChartData, area: Rect) -> Drawn {
    let n = d.count();
    let r = d.results;
    let scale = d.money_scale(r.summary.iter().map(|x| x.cost_cvar95));
    let entries: Vec<LegendEntry> = (0..n)
        .map(|s| LegendEntry {
            label: d.name(s).to_string(),
            detail: Some(format!(
                "met {}  ·  CVaR95 {}",
                format_probability(r.summary[s].p_objectives_met),
                scale.format(r.summary[s].cost_cvar95)
            )),
            color: d.colors[s],
            key: Key::Swatch,
        })
        .collect();
    let legend_w = legend::legend_width(&entries, 440.0).max(300.0);
    let (x_axis, y_axis) = axes_of(d);
    let panel = Panel::beside_legend(&area, legend_w, x_axis, y_axis);
    let (plot, rect) = (&panel.plot, panel.rect());
    let confidence = d.scenario.objectives.as_ref().map(|o| o.confidence);
    // The zone is tinted under the grid, its edge drawn over it.
    if let Some(confidence) = confidence {
        let zone = Rect {
            y1: plot.y.at(100.0 * confidence),
            ..rect
        };
        c.rect(zone, ZONE.to_rgba())?;
    }
    panel.axes(c)?;
    let mut obstacles: Vec<Rect> = Vec::new();
    if let Some(confidence) = confidence {
        obstacles.push(draw_zone_edge(c, plot, confidence)?);
    }

    let bar_ends: Vec<f64> = r
        .summary
        .iter()
        .map(|s| plot.x.at(s.cost_cvar95.max(s.cost_mean)))
        .collect();
    let mut points: Vec<(f64, f64)> = r
        .summary
        .iter()
        .map(|s| plot.at(s.cost_mean, 100.0 * s.p_objectives_met))
        .collect();
    let dodged = dodge(&mut points, &bar_ends, &rect);
    for (&(x, y), &end) in points.iter().zip(&bar_ends) {
        obstacles.push(Rect {
            x0: x - POINT_R - 4.0,
            y0: y - POINT_R - 4.0,
            x1: end + 6.0,
            y1: y + POINT_R + 4.0,
        });
    }
    draw_marks(c, d, &points, &bar_ends)?;
    draw_labels(c, d, &rect, &points, &bar_ends, obstacles)?;
    panel.finish(c)?;

    let lx = panel.legend_x();
    let bottom = legend::legend(c, &entries, lx, rect.y0, legend_w)?;
    let mut marks = vec![(Mark::Whisker, "bar: mean to CVaR95")];
    if r.best_value().is_some() {
        marks.push((Mark::Ring, "ring: best value"));
    }
    if dodged {
        marks.push((Mark::Note, "points at one height nudged apart"));
    }
    legend::marker_key(c, (lx, bottom), area.y1, &marks)
}

/// Expected cost across, from the cheapest mean to the dearest CVaR95; the share of
/// futures meeting the objectives up, with a little room above 100% and below 0% so
/// points on the edge stay whole.
fn axes_of(d: &ChartData) -> (Axis, Axis) {
    let summary = &d.results.summary;
    let (lo, hi) = axes::extent(
        summary
            .iter()
            .map(|s| (s.cost_mean, s.cost_cvar95.max(s.cost_mean))),
    );
    let (x_lo, x_hi) = axes::padded_range(lo, hi, 0.1);
    let x_ticks = axes::money_ticks(x_lo, x_hi, 7, &d.scenario.meta.currency);
    let cost = format!("Expected NPV cost ({})", d.currency());
    let met = "Futures meeting every objective";
    (
        Axis::new((x_lo, x_hi), x_ticks, cost),
        Axis::new((-8.0, 105.0), axes::percent_ticks(), met),
    )
}

/// The dashed edge of the zone where objectives are met at `confidence`, labelled;
/// returns the label's box, which strategy labels must clear.
fn draw_zone_edge(c: &Canvas, plot: &Plot, confidence: f64) -> Result<Rect, Failure> {
    let rect = plot.rect;
    let y = plot.y.at(100.0 * confidence);
    c.dashed((rect.x0, y), (rect.x1, y), ZONE_INK.to_rgba(), 2.5, 14.0)?;
    let text = format!(
        "Meets objectives in at least {} of futures",
        format_probability(confidence)
    );
    let font = Font::new(size::SMALL)
        .bold()
        .color(ZONE_INK)
        .anchor(HPos::Left, VPos::Bottom);
    let w = canvas::text_width(&text, &font);
    c.text(&text, (rect.x0 + 12.0, y - 8.0), &font)?;
    Ok(Rect {
        x0: rect.x0 + 8.0,
        y0: y - 8.0 - size::SMALL,
        x1: rect.x0 + 16.0 + w,
        y1: y - 4.0,
    })
}

/// The subtitle: the best value in words, or why there is none.
fn subtitle(d: &ChartData) -> String {
    let r = d.results;
    match (d.scenario.objectives.as_ref(), r.best_value()) {
        (None, _) => format!(
            "No objectives are set, so every future counts as meeting them. Point: expected NPV cost over {} futures; \
             bar: out to CVaR95, the mean cost of the worst 5%.",
            format_count(r.trials)
        ),
        (Some(_), Some(b)) => format!(
            "Best value: {} meets the objectives in {} of futures at {} expected. \
             Bars reach CVaR95, the mean NPV cost of the worst 5% of futures.",
            d.name(b),
            format_probability(r.summary[b].p_objectives_met),
            d.money(r.summary[b].cost_mean)
        ),
        (Some(o), None) => format!(
            "No strategy meets the objectives in at least {} of futures. \
             Bars reach CVaR95, the mean NPV cost of the worst 5% of futures.",
            format_probability(o.confidence)
        ),
    }
}

/// Each strategy's bar (mean to CVaR95) and, on top, its point; the best value ringed.
fn draw_marks(c: &Canvas, d: &ChartData, points: &[(f64, f64)], bar_ends: &[f64]) -> Drawn {
    let n = d.count();
    // Bars first, then points on top.
    for s in 0..n {
        let (x, y) = points[s];
        let color = d.colors[s];
        c.series_line(&[(x, y), (bar_ends[s], y)], color, 5.0)?;
        c.series_line(
            &[(bar_ends[s], y - 13.0), (bar_ends[s], y + 13.0)],
            color,
            5.0,
        )?;
    }
    for (s, &(x, y)) in points.iter().enumerate() {
        if tag(d, s).is_some_and(|t| t.contains("BEST")) {
            c.circle((x, y), POINT_R + 9.0, WHITE.to_rgba(), Some((INK, 4.0)))?;
        }
        c.circle((x, y), POINT_R, d.colors[s].to_rgba(), Some((WHITE, 3.0)))?;
    }

    Ok(())
}

/// Strategy names, with their tags, placed near their points clear of every mark in
/// `obstacles` and inside `rect`; a name with no free place is left to the legend.
fn draw_labels(
    c: &Canvas,
    d: &ChartData,
    rect: &Rect,
    points: &[(f64, f64)],
    bar_ends: &[f64],
    mut obstacles: Vec<Rect>,
) -> Drawn {
    let n = d.count();
    // Labels: name, and the tag where there is one; placed clear of points and bars.
    let name_font = Font::new(size::SMALL + 1.0).bold();
    let tag_font = Font::new(size::SMALL - 1.0).bold().color(MUTED);
    let bounds = Rect {
        x0: rect.x0 + 4.0,
        y0: rect.y0 + 4.0,
        x1: rect.x1 - 4.0,
        y1: rect.y1 - 4.0,
    };
    // Tagged strategies are labelled first, so they get the best spots.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&s| tag(d, s).is_none());
    let mut labels: Vec<(usize, String, Placed)> = Vec::new();
    for s in order {
        let name = canvas::fit(d.name(s), &name_font, 380.0);
        let w = canvas::text_width(&name, &name_font).max(
            tag(d, s)
                .map(|t| canvas::text_width(t, &tag_font))
                .unwrap_or(0.0),
        ) + 8.0;
        let h = if tag(d, s).is_some() { 58.0 } else { 32.0 };
        if let Some(placed) = place(points[s], bar_ends[s], w, h, &bounds, &obstacles) {
            obstacles.push(placed.rect);
            labels.push((s, name, placed));
        }
    }
    // Leader lines under every label, then the labels.
    for (s, _, placed) in &labels {
        if placed.leader {
            let pr = placed.rect;
            let (x, y) = points[*s];
            let (ty, from) = if pr.y1 < y {
                (pr.y1, y - POINT_R - 3.0)
            } else {
                (pr.y0, y + POINT_R + 3.0)
            };
            c.line(
                &[(x, from), (canvas::clamp_within(x, pr.x0, pr.x1), ty)],
                AXIS.to_rgba(),
                2.0,
            )?;
        }
    }
    for (s, name, placed) in &labels {
        let pr = placed.rect;
        c.rect(pr, WHITE.mix(0.85))?;
        c.text(name, (pr.x0 + 4.0, pr.y0 + 3.0), &name_font.color(INK))?;
        if let Some(t) = tag(d, *s) {
            c.text(t, (pr.x0 + 4.0, pr.y0 + 32.0), &tag_font)?;
        }
    }

    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_avoids_obstacles_and_stays_inside() {
        let bounds = Rect {
            x0: 0.0,
            y0: 0.0,
            x1: 1000.0,
            y1: 800.0,
        };
        let blocker = Rect {
            x0: 400.0,
            y0: 300.0,
            x1: 600.0,
            y1: 400.0,
        };
        let placed = place((500.0, 420.0), 520.0, 150.0, 30.0, &bounds, &[blocker]);
        let placed = placed.expect("a place exists");
        assert!(placed.rect.inside(&bounds));
        assert!(!placed.rect.overlaps(&blocker));
    }
}
