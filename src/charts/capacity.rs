//! `capacity_fan`: per strategy, demand against capacity month by month. Each panel shows
//! the P10-P90 band and the median line (not the mean) of both, on one shared scale, with
//! the roadmap's demand steps marked; where the coloured capacity line dips under the
//! grey demand line, work piles up.

use plotters::style::Color;
use plotters::style::text_anchor::{HPos, VPos};

use super::axes::{self, Plot, Ticks};
use super::canvas::{self, Canvas, Drawn, Font, Rect, size};
use super::format::format_quantity_tick;
use super::legend::{self, Key, LegendEntry};
use super::palette::{self, AXIS, DEMAND, GRID, MUTED};
use super::{ChartData, RunChart};

/// The `capacity_fan` chart.
pub(crate) const CHART: RunChart = RunChart {
    stem: "capacity_fan",
    title: "Capacity against demand: where each strategy keeps up, month by month",
    reading: "Where the coloured capacity line falls under the grey demand line, backlog builds.",
    draw,
};

/// Rows and columns of the panel grid for `n` panels on a wide page.
fn grid(n: usize) -> (usize, usize) {
    match n {
        0 | 1 => (1, 1),
        2 => (1, 2),
        3 => (1, 3),
        4 => (2, 2),
        5 | 6 => (2, 3),
        7 | 8 => (2, 4),
        9 => (3, 3),
        10..=12 => (3, 4),
        _ => {
            let cols = 5;
            (n.div_ceil(cols), cols)
        }
    }
}

/// The closed outline of a band between `lower` and `upper` lines.
fn band(lower: &[(f64, f64)], upper: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = upper.to_vec();
    pts.extend(lower.iter().rev());
    pts
}

fn draw(c: &Canvas, d: &ChartData) -> Drawn {
    let n = d.count();
    let r = d.results;
    let horizon = r.horizon;
    let unit = &d.scenario.demand.unit;
    let subtitle = format!(
        "{} a month across simulated futures: lines are medians, bands run from P10 to P90. \
         Dashed verticals mark roadmap steps; “short” means capacity below the work waiting in most futures.",
        capitalise(unit)
    );
    let area = canvas::frame(c, CHART.title, &subtitle, &d.footnote)?;

    let entries = vec![
        LegendEntry {
            label: "Demand: median and P10–P90 band".to_string(),
            detail: None,
            color: DEMAND,
            key: Key::Line,
        },
        LegendEntry {
            label: "Capacity: median and P10–P90 band, in each strategy's colour".to_string(),
            detail: None,
            color: d.colors[0],
            key: Key::Line,
        },
    ];
    let legend_bottom = legend::legend_rows(c, &entries, area.x0, area.y0 - 6.0, area.w())?;

    let y_max = (0..n)
        .flat_map(|s| r.monthly_of(s).iter())
        .map(|m| m.demand.p90.max(m.capacity.p90))
        .fold(0.0, f64::max);
    let (_, y_hi) = axes::nice_range(0.0, y_max.max(1.0), 5);
    let label_font = Font::new(size::SMALL);
    let y_ticks = Ticks::nice(0.0, y_hi, 4, |v, step| format_quantity_tick(v, step, y_hi));
    let (rows, cols) = grid(n);
    let x_ticks = axes::month_ticks(horizon, if cols >= 4 { 4 } else { 6 });
    let y_label_w = y_ticks.max_width(&label_font);

    let left = area.x0 + size::AXIS_TITLE + 24.0 + y_label_w + 16.0;
    let top = legend_bottom + 10.0;
    let bottom = area.y1 - 64.0;
    let gap_x = 40.0;
    let header = 62.0;
    let x_space = 40.0;
    let panel_w = (area.x1 - left - gap_x * (cols as f64 - 1.0)) / cols as f64;
    let panel_h = (bottom - top) / rows as f64;

    let name_font = Font::new(size::SMALL + 2.0)
        .bold()
        .anchor(HPos::Left, VPos::Top);
    let detail_font = Font::new(size::SMALL - 2.0)
        .color(MUTED)
        .anchor(HPos::Left, VPos::Top);
    let tick_font = Font::new(size::SMALL).color(MUTED);
    let event_font = Font::new(size::SMALL - 4.0)
        .color(MUTED)
        .anchor(HPos::Left, VPos::Top);

    for s in 0..n {
        let (row, col) = (s / cols, s % cols);
        let x0 = left + col as f64 * (panel_w + gap_x);
        let y0 = top + row as f64 * panel_h;
        let rect = Rect {
            x0,
            y0: y0 + header,
            x1: x0 + panel_w,
            y1: y0 + panel_h - x_space,
        };
        let plot = Plot::new(rect, (1.0, horizon.max(2) as f64), (0.0, y_hi));
        let color = d.colors[s];

        // Header: colour chip, name, and when capacity falls short.
        c.rect(
            Rect {
                x0,
                y0: y0 + 4.0,
                x1: x0 + 22.0,
                y1: y0 + 26.0,
            },
            color.to_rgba(),
        )?;
        c.text(
            &canvas::fit(d.name(s), &name_font, panel_w - 32.0),
            (x0 + 32.0, y0 + 2.0),
            &name_font,
        )?;
        let detail = match r.summary[s].first_shortfall_month {
            Some(m) => format!("short of capacity from month {m}"),
            None => "capacity keeps up".to_string(),
        };
        c.text(
            &canvas::fit(&detail, &detail_font, panel_w),
            (x0, y0 + 32.0),
            &detail_font,
        )?;

        // Grid and ticks.
        for (v, label) in y_ticks.values.iter().zip(&y_ticks.labels) {
            let y = plot.y.at(*v);
            c.line(&[(rect.x0, y), (rect.x1, y)], GRID.to_rgba(), 1.5)?;
            if col == 0 {
                c.text(
                    label,
                    (rect.x0 - 12.0, y),
                    &tick_font.anchor(HPos::Right, VPos::Center),
                )?;
            }
        }
        let last_in_column = s + cols >= n;
        for (v, label) in x_ticks.values.iter().zip(&x_ticks.labels) {
            let x = plot.x.at(*v);
            c.line(&[(x, rect.y1), (x, rect.y1 + 6.0)], AXIS.to_rgba(), 2.0)?;
            if last_in_column {
                c.text(
                    label,
                    (x, rect.y1 + 10.0),
                    &tick_font.anchor(HPos::Center, VPos::Top),
                )?;
            }
        }

        // Bands and medians.
        let rows_of = r.monthly_of(s);
        let line = |f: &dyn Fn(&crate::results::MonthlyRow) -> f64| -> Vec<(f64, f64)> {
            rows_of
                .iter()
                .map(|m| plot.at(f64::from(m.month), f(m).clamp(0.0, y_hi)))
                .collect()
        };
        let demand_lo = line(&|m| m.demand.p10);
        let demand_hi = line(&|m| m.demand.p90);
        let cap_lo = line(&|m| m.capacity.p10);
        let cap_hi = line(&|m| m.capacity.p90);
        c.polygon(&band(&demand_lo, &demand_hi), DEMAND.mix(0.16))?;
        let band_alpha = if palette::luminance(color) < 0.05 {
            0.16
        } else {
            0.28
        };
        c.polygon(&band(&cap_lo, &cap_hi), color.mix(band_alpha))?;
        c.line(&line(&|m| m.demand.p50), DEMAND.to_rgba(), 3.5)?;
        c.series_line(&line(&|m| m.capacity.p50), color, 4.0)?;
        if horizon == 1 {
            let demand = plot.at(1.0, rows_of[0].demand.p50.clamp(0.0, y_hi));
            c.circle(demand, 10.0, DEMAND.to_rgba(), None)?;
            let capacity = plot.at(1.0, rows_of[0].capacity.p50.clamp(0.0, y_hi));
            c.circle(capacity, 7.0, color.to_rgba(), None)?;
        }

        // Roadmap steps, labels staggered so neighbours do not collide.
        let mut label_right = [f64::NEG_INFINITY; 2];
        for event in &d.scenario.demand.events {
            let x = plot.x.at(f64::from(event.month));
            if !(rect.x0..=rect.x1).contains(&x) {
                continue;
            }
            c.dashed((x, rect.y0), (x, rect.y1), MUTED.mix(0.9), 2.0, 9.0)?;
            let room = rect.x1 - x - 10.0;
            if room < 40.0 {
                continue;
            }
            let text = canvas::fit(&event.label, &event_font, room.min(panel_w * 0.6));
            let w = canvas::text_width(&text, &event_font);
            if let Some(level) = (0..2).find(|&l| label_right[l] < x) {
                let y = rect.y0 + 6.0 + 26.0 * level as f64;
                c.rect(
                    Rect {
                        x0: x + 4.0,
                        y0: y - 2.0,
                        x1: x + 10.0 + w,
                        y1: y + 22.0,
                    },
                    plotters::style::WHITE.mix(0.85),
                )?;
                c.text(&text, (x + 7.0, y), &event_font)?;
                label_right[level] = x + 12.0 + w;
            }
        }
        axes::axis_lines(c, &plot)?;
    }

    // Shared axis titles.
    let title_font = Font::new(size::AXIS_TITLE);
    c.text(
        &format!("{} per month", capitalise(unit)),
        (area.x0, 0.5 * (top + bottom)),
        &title_font.anchor(HPos::Center, VPos::Top).vertical(),
    )?;
    c.text(
        "Month",
        (0.5 * (left + area.x1), bottom + 14.0),
        &title_font.anchor(HPos::Center, VPos::Top),
    )?;
    Ok(())
}

/// `text` with its first letter in upper case.
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_hold_every_panel() {
        for n in 1..=20 {
            let (r, c) = grid(n);
            assert!(r * c >= n, "{n} panels in {r}x{c}");
        }
    }
}
