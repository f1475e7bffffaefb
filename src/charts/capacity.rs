//! `capacity_fan`: per strategy, demand against capacity month by month. Each panel shows
//! the P10-P90 band and the median line (not the mean) of both, on one shared scale, with
//! the roadmap's demand steps marked on every panel and each strategy's phase starts on
//! its own; where the coloured capacity line dips under the grey demand line, work
//! piles up. A strip along the month axis shows when, over the futures, the strategy
//! left a vendor by an exit rule or lost one to a failure.

use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, WHITE};

use super::axes::{self, Plot, Ticks};
use super::canvas::{self, Canvas, Drawn, Font, Rect, size};
use super::format::format_quantity_tick;
use super::legend::{self, Key, LegendEntry};
use super::palette::{self, AXIS, DEMAND, GRID, INK, MUTED};
use super::{ChartData, RunChart};
use crate::results::MonthlyRow;

/// The `capacity_fan` chart.
pub(crate) const CHART: RunChart = RunChart {
    stem: "capacity_fan",
    title: "Capacity against demand: where each strategy keeps up, month by month",
    reading: "Where the coloured capacity line falls under the grey demand line, backlog builds.",
    draw,
};

/// A dashed vertical line at a month with a label: a roadmap step, or a strategy's
/// phase start.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MonthMarker {
    /// The month marked, 1 for the first; months off the chart are skipped.
    pub month: u32,
    /// What happens then, shortened to the room it has.
    pub label: String,
    /// The one strategy whose panel shows the marker; `None` for every panel.
    pub strategy: Option<usize>,
}

/// The roadmap's demand steps, marked on every panel.
fn roadmap(d: &ChartData) -> Vec<MonthMarker> {
    d.scenario
        .demand
        .events
        .iter()
        .map(|event| MonthMarker {
            month: event.month,
            label: event.label.clone(),
            strategy: None,
        })
        .collect()
}

/// Each strategy's planned phase starts, on its own panel, labelled with the vendors
/// the phase uses. Strategies are matched to the results by name.
fn phase_starts(d: &ChartData) -> Vec<MonthMarker> {
    let vendors = &d.scenario.vendors;
    (0..d.count())
        .filter_map(|s| {
            let strategy = d.scenario.strategies.iter().find(|t| t.name == d.name(s))?;
            Some(strategy.phases.iter().map(move |phase| {
                let names: Vec<&str> = phase
                    .allocation
                    .iter()
                    .filter_map(|a| vendors.get(a.vendor).map(|v| v.name.as_str()))
                    .collect();
                MonthMarker {
                    month: phase.month,
                    label: format!("phase: {}", names.join(", ")),
                    strategy: Some(s),
                }
            }))
        })
        .flatten()
        .collect()
}

fn draw(c: &Canvas, d: &ChartData) -> Drawn {
    let mut markers = roadmap(d);
    markers.extend(phase_starts(d));
    markers.sort_by_key(|m| m.month);
    draw_with_markers(c, d, &markers)
}

/// The chart with `markers` on the panels they belong to.
pub(crate) fn draw_with_markers(c: &Canvas, d: &ChartData, markers: &[MonthMarker]) -> Drawn {
    let unit = &d.scenario.demand.unit;
    let subtitle = format!(
        "{} a month across simulated futures: lines are medians, bands run from P10 to P90. \
         Dashed verticals mark roadmap steps and the strategy's phase starts; “short” means capacity below the work waiting in most futures.",
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
    let exits: Vec<Vec<u64>> = (0..d.count()).map(|s| exit_months(d, s)).collect();
    let mut entries = entries;
    if exits.iter().any(|e| e.iter().any(|&n| n > 0)) {
        entries.push(LegendEntry {
            label: "Exits and failures: strip along the month axis, darker where more futures lose a vendor".to_string(),
            detail: None,
            color: INK,
            key: Key::Swatch,
        });
    }
    let legend_bottom = legend::legend_rows(c, &entries, area.x0, area.y0 - 6.0, area.w())?;
    let grid = Grid::new(d, &area, legend_bottom + 10.0);
    for (s, exits) in exits.iter().enumerate() {
        let plot = grid.plot(s, d.results.horizon);
        draw_header(c, d, s, &grid)?;
        draw_ticks(c, &grid, s, &plot)?;
        draw_bands(c, d, s, &plot)?;
        let mine = markers.iter().filter(|m| m.strategy.is_none_or(|t| t == s));
        draw_markers(c, &plot, mine)?;
        draw_exit_strip(c, &plot, exits)?;
        axes::axis_lines(c, &plot)?;
    }
    // Axis titles shared by every panel.
    let title_font = Font::new(size::AXIS_TITLE);
    c.text(
        &format!("{} per month", capitalise(unit)),
        (area.x0, 0.5 * (grid.top + grid.bottom)),
        &title_font.anchor(HPos::Center, VPos::Top).vertical(),
    )?;
    c.text(
        "Month",
        (0.5 * (grid.left + area.x1), grid.bottom + 14.0),
        &title_font.anchor(HPos::Center, VPos::Top),
    )
}

/// Horizontal gap between panels.
const GAP_X: f64 = 40.0;
/// Room above a panel's plot for the strategy's name and status.
const HEADER: f64 = 62.0;
/// Room under a panel's plot for month labels.
const X_SPACE: f64 = 40.0;

/// The small multiples: one panel per strategy in rows and columns, sharing one scale.
struct Grid {
    /// Panels.
    count: usize,
    /// Columns of panels.
    cols: usize,
    /// Left edge of the first column's plots.
    left: f64,
    /// Top of the first row.
    top: f64,
    /// Bottom of the last row.
    bottom: f64,
    /// One panel's width and height, header and month labels included.
    panel: (f64, f64),
    /// Top of the shared value axis.
    y_hi: f64,
    /// Value ticks, labelled on the first column.
    y_ticks: Ticks,
    /// Month ticks, labelled under the last panel of each column.
    x_ticks: Ticks,
}

impl Grid {
    /// The grid for `d`'s strategies in `area` below `top`.
    fn new(d: &ChartData, area: &Rect, top: f64) -> Self {
        let count = d.count();
        let y_max = (0..count)
            .flat_map(|s| d.results.monthly_of(s).iter())
            .map(|m| m.demand.p90.max(m.capacity.p90))
            .fold(0.0, f64::max);
        let (_, y_hi) = axes::nice_range(0.0, y_max.max(1.0), 5);
        let y_ticks = Ticks::nice(0.0, y_hi, 4, |v, step| format_quantity_tick(v, step, y_hi));
        let (rows, cols) = shape(count);
        let x_ticks = axes::month_ticks(d.results.horizon, if cols >= 4 { 4 } else { 6 });
        let y_label_w = y_ticks.max_width(&Font::new(size::SMALL));
        let left = area.x0 + size::AXIS_TITLE + 24.0 + y_label_w + 16.0;
        let bottom = area.y1 - 64.0;
        let panel_w = (area.x1 - left - GAP_X * (cols as f64 - 1.0)) / cols as f64;
        let panel_h = (bottom - top) / rows as f64;
        Grid {
            count,
            cols,
            left,
            top,
            bottom,
            panel: (panel_w, panel_h),
            y_hi,
            y_ticks,
            x_ticks,
        }
    }

    /// Top-left corner of panel `s`.
    fn corner(&self, s: usize) -> (f64, f64) {
        let (row, col) = (s / self.cols, s % self.cols);
        (
            self.left + col as f64 * (self.panel.0 + GAP_X),
            self.top + row as f64 * self.panel.1,
        )
    }

    /// The plot of panel `s` over months 1 to `horizon`.
    fn plot(&self, s: usize, horizon: usize) -> Plot {
        let (x0, y0) = self.corner(s);
        let rect = Rect {
            x0,
            y0: y0 + HEADER,
            x1: x0 + self.panel.0,
            y1: y0 + self.panel.1 - X_SPACE,
        };
        Plot::new(rect, (1.0, horizon.max(2) as f64), (0.0, self.y_hi))
    }
}

/// Rows and columns of the panel grid for `n` panels on a wide page.
fn shape(n: usize) -> (usize, usize) {
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

/// Panel `s`'s header: colour chip, name, and when capacity falls short.
fn draw_header(c: &Canvas, d: &ChartData, s: usize, grid: &Grid) -> Drawn {
    let (x0, y0) = grid.corner(s);
    let width = grid.panel.0;
    let chip = Rect {
        x0,
        y0: y0 + 4.0,
        x1: x0 + 22.0,
        y1: y0 + 26.0,
    };
    c.rect(chip, d.colors[s].to_rgba())?;
    let name_font = Font::new(size::SMALL + 2.0).bold();
    c.text(
        &canvas::fit(d.name(s), &name_font, width - 32.0),
        (x0 + 32.0, y0 + 2.0),
        &name_font,
    )?;
    let detail = match d.results.summary[s].first_shortfall_month {
        Some(m) => format!("short of capacity from month {m}"),
        None => "capacity keeps up".to_string(),
    };
    let detail_font = Font::new(size::SMALL - 2.0).color(MUTED);
    c.text(
        &canvas::fit(&detail, &detail_font, width),
        (x0, y0 + 32.0),
        &detail_font,
    )
}

/// Grid lines and tick marks of panel `s`; value labels on the first column, month
/// labels under the last panel of each column.
fn draw_ticks(c: &Canvas, grid: &Grid, s: usize, plot: &Plot) -> Drawn {
    let rect = plot.rect;
    let font = Font::new(size::SMALL).color(MUTED);
    c.grid(
        rect,
        ((plot.x.lo, plot.x.hi), &[]),
        ((plot.y.lo, plot.y.hi), &grid.y_ticks.values),
        GRID,
        1.5,
    )?;
    if s % grid.cols == 0 {
        let font = font.anchor(HPos::Right, VPos::Center);
        for (v, label) in grid.y_ticks.values.iter().zip(&grid.y_ticks.labels) {
            c.text(label, (rect.x0 - 12.0, plot.y.at(*v)), &font)?;
        }
    }
    let last_in_column = s + grid.cols >= grid.count;
    for (v, label) in grid.x_ticks.values.iter().zip(&grid.x_ticks.labels) {
        let x = plot.x.at(*v);
        c.line(&[(x, rect.y1), (x, rect.y1 + 6.0)], AXIS.to_rgba(), 2.0)?;
        if last_in_column {
            let font = font.anchor(HPos::Center, VPos::Top);
            c.text(label, (x, rect.y1 + 10.0), &font)?;
        }
    }
    Ok(())
}

/// The closed outline of a band between `lower` and `upper` lines.
fn band(lower: &[(f64, f64)], upper: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = upper.to_vec();
    pts.extend(lower.iter().rev());
    pts
}

/// Strategy `s`'s demand and capacity: P10-P90 bands, then median lines (dots for a
/// one-month horizon).
fn draw_bands(c: &Canvas, d: &ChartData, s: usize, plot: &Plot) -> Drawn {
    let rows = d.results.monthly_of(s);
    let y_hi = plot.y.hi;
    let line = |f: &dyn Fn(&MonthlyRow) -> f64| -> Vec<(f64, f64)> {
        rows.iter()
            .map(|m| plot.at(f64::from(m.month), f(m).clamp(0.0, y_hi)))
            .collect()
    };
    let color = d.colors[s];
    let demand = band(&line(&|m| m.demand.p10), &line(&|m| m.demand.p90));
    c.polygon(&demand, DEMAND.mix(0.16))?;
    let band_alpha = if palette::luminance(color) < 0.05 {
        0.16
    } else {
        0.28
    };
    let capacity = band(&line(&|m| m.capacity.p10), &line(&|m| m.capacity.p90));
    c.polygon(&capacity, color.mix(band_alpha))?;
    c.line(&line(&|m| m.demand.p50), DEMAND.to_rgba(), 3.5)?;
    c.series_line(&line(&|m| m.capacity.p50), color, 4.0)?;
    if let [only] = rows {
        let demand = plot.at(1.0, only.demand.p50.clamp(0.0, y_hi));
        c.circle(demand, 10.0, DEMAND.to_rgba(), None)?;
        let capacity = plot.at(1.0, only.capacity.p50.clamp(0.0, y_hi));
        c.circle(capacity, 7.0, color.to_rgba(), None)?;
    }
    Ok(())
}

/// Dashed verticals at the `markers`' months, labels staggered on two levels so
/// neighbours do not collide; a label with no room is left out, its line kept.
fn draw_markers<'m>(
    c: &Canvas,
    plot: &Plot,
    markers: impl Iterator<Item = &'m MonthMarker>,
) -> Drawn {
    let rect = plot.rect;
    let font = Font::new(size::SMALL - 4.0).color(MUTED);
    let mut label_right = [f64::NEG_INFINITY; 2];
    for marker in markers {
        let x = plot.x.at(f64::from(marker.month));
        if marker.month == 0 || !(rect.x0..=rect.x1).contains(&x) {
            continue;
        }
        c.dashed((x, rect.y0), (x, rect.y1), MUTED.mix(0.9), 2.0, 9.0)?;
        let room = rect.x1 - x - 10.0;
        if room < 40.0 {
            continue;
        }
        let text = canvas::fit(&marker.label, &font, room.min(rect.w() * 0.6));
        let w = canvas::text_width(&text, &font);
        if let Some(level) = (0..2).find(|&l| label_right[l] < x) {
            let y = rect.y0 + 6.0 + 26.0 * level as f64;
            let backing = Rect {
                x0: x + 4.0,
                y0: y - 2.0,
                x1: x + 10.0 + w,
                y1: y + 22.0,
            };
            c.rect(backing, WHITE.mix(0.85))?;
            c.text(&text, (x + 7.0, y), &font)?;
            label_right[level] = x + 12.0 + w;
        }
    }
    Ok(())
}

/// Per month of strategy `s` (month `t` at index `t - 1`), the futures in which one
/// of its vendors was left by an exit rule or failed, over all its vendors.
fn exit_months(d: &ChartData, s: usize) -> Vec<u64> {
    let mut counts = vec![0; d.results.horizon];
    for v in d.results.vendor_exits.iter().filter(|v| v.strategy == s) {
        let months = v.left_by_month.iter().zip(&v.failed_by_month);
        for (count, (left, failed)) in counts.iter_mut().zip(months) {
            *count += left + failed;
        }
    }
    counts
}

/// Height of the strip of exit months along the bottom of a panel's plot.
const EXIT_STRIP: f64 = 14.0;

/// The spread of exit and failure months along the bottom of a panel: one cell per
/// month with any, darker where more futures lose a vendor then (the busiest month
/// darkest). Nothing for a strategy that never loses one.
fn draw_exit_strip(c: &Canvas, plot: &Plot, counts: &[u64]) -> Drawn {
    let most = counts.iter().copied().max().unwrap_or(0);
    if most == 0 {
        return Ok(());
    }
    let rect = plot.rect;
    for (i, &n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
        let month = i as f64 + 1.0;
        let x0 = plot.x.at(month - 0.5).max(rect.x0);
        let x1 = plot.x.at(month + 0.5).min(rect.x1);
        let cell = Rect {
            x0,
            y0: rect.y1 - EXIT_STRIP,
            x1,
            y1: rect.y1,
        };
        c.rect(cell, INK.mix(0.12 + 0.68 * n as f64 / most as f64))?;
    }
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
    use crate::charts::fixtures;
    use crate::scenario::Scenario;

    /// The x coordinate of the first SVG text element that starts with `text`.
    fn x_of(svg: &str, text: &str) -> f64 {
        let end = svg
            .find(&format!(">\n{text}"))
            .unwrap_or_else(|| panic!("no text {text}"));
        let start = svg[..end].rfind("<text").expect("a text element");
        let x = svg[start..end]
            .split("x=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("an x attribute");
        x.parse().expect("a number")
    }

    #[test]
    fn markers_show_on_their_own_panels_within_the_horizon() {
        let (scenario, results) = fixtures::run(3, 50);
        let data = ChartData::new(&scenario, &results);
        let marker = |month, label: &str, strategy| MonthMarker {
            month,
            label: label.to_string(),
            strategy,
        };
        let markers = [
            marker(18, "Phase 2 starts", None),
            marker(24, "Exit LowCostCo", Some(1)),
            marker(37, "After the horizon", None),
            marker(0, "Before the start", None),
        ];
        let svg = fixtures::svg_of(|c| draw_with_markers(c, &data, &markers));
        let shown = |svg: &str, text: &str| svg.matches(&format!("\n{text}\n</text>")).count();
        assert_eq!(shown(&svg, "Phase 2 starts"), 3, "one per panel");
        assert_eq!(shown(&svg, "Exit LowCostCo"), 1);
        assert!(!svg.contains("After the horizon") && !svg.contains("Before the start"));
        // The exit is on the second strategy's panel, right of its start.
        let exit = x_of(&svg, "Exit LowCostCo");
        let (first, second, third) = (
            x_of(&svg, data.name(0)),
            x_of(&svg, data.name(1)),
            x_of(&svg, "Dual source"),
        );
        assert!(first < second && second < exit && exit < third, "{exit}");
        // Without markers, nothing is marked; the chart marks the roadmap's steps.
        let bare = fixtures::svg_of(|c| draw_with_markers(c, &data, &[]));
        assert!(!bare.contains("EU launch"));
        let chart = fixtures::svg_of(|c| draw(c, &data));
        assert_eq!(shown(&chart, "EU launch"), 3);
    }

    #[test]
    fn phase_starts_are_marked_on_their_strategys_panel_only() {
        let text = fixtures::scenario_text(3).replacen(
            "\n[objectives]",
            "\n[[strategies.phases]]\nmonth = 12\n\
             allocation = [{ vendor = \"LowCostCo\", share = 0.5 }, { vendor = \"NearCo\", share = 0.5 }]\n\
             \n[objectives]",
            1,
        );
        let text = text.replacen(
            "\n[[strategies]]\nname = \"Dual",
            "\n[[strategies.phases]]\nmonth = 20\n\
             allocation = [{ vendor = \"LowCostCo\", share = 1.0 }]\n\
             \n[[strategies]]\nname = \"Dual",
            1,
        );
        let scenario = Scenario::from_toml_str(&text, std::path::Path::new("test.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        let raw = crate::engine::run(&scenario, crate::engine::RunOptions::new(20, 1))
            .unwrap_or_else(|e| panic!("{e}"));
        let results = crate::results::Results::new(&scenario, raw);
        let data = ChartData::new(&scenario, &results);
        let markers = phase_starts(&data);
        assert_eq!(markers.len(), 2, "{markers:?}");
        let svg = fixtures::svg_of(|c| draw(c, &data));
        let shown = |text: &str| svg.matches(&format!("\n{text}\n</text>")).count();
        assert_eq!(shown("phase: LowCostCo, NearCo"), 1);
        assert_eq!(shown("phase: LowCostCo"), 1);
        // Each on its own strategy's panel: right of its name, left of the next.
        let (nearshore, dual) = (
            x_of(&svg, "phase: LowCostCo\n"),
            x_of(&svg, "phase: LowCostCo,"),
        );
        assert!(x_of(&svg, data.name(1)) < nearshore && nearshore < x_of(&svg, "Dual source"));
        assert!(x_of(&svg, "Dual source") < dual);
    }

    /// The strip of exit months is drawn, with its legend entry, only for runs in
    /// which some strategy loses a vendor: one cell per month with an exit or failure.
    #[test]
    fn exit_months_are_shown_only_where_vendors_are_lost() {
        let text = std::fs::read_to_string("tests/reference/r4_sourcing_over_time.toml")
            .unwrap_or_else(|e| panic!("{e}"));
        let scenario = Scenario::from_toml_str(&text, std::path::Path::new("r4.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        let raw = crate::engine::run(&scenario, crate::engine::RunOptions::new(300, 1))
            .unwrap_or_else(|e| panic!("{e}"));
        let results = crate::results::Results::new(&scenario, raw);
        let data = ChartData::new(&scenario, &results);
        let months: Vec<Vec<u64>> = (0..data.count()).map(|s| exit_months(&data, s)).collect();
        let total: u64 = months.iter().flatten().sum();
        let expected: u64 = results
            .vendor_exits
            .iter()
            .map(|v| {
                v.left_by_month
                    .iter()
                    .chain(&v.failed_by_month)
                    .sum::<u64>()
            })
            .sum();
        assert!(total > 0 && total == expected, "{total} {expected}");
        let svg = fixtures::svg_of(|c| draw(c, &data));
        assert!(svg.contains("Exits and failures: strip"));
        let (plain, plain_results) = fixtures::run(2, 20);
        let plain_data = ChartData::new(&plain, &plain_results);
        assert!((0..2).all(|s| exit_months(&plain_data, s).iter().all(|&n| n == 0)));
        let bare = fixtures::svg_of(|c| draw(c, &plain_data));
        assert!(!bare.contains("Exits and failures"));
    }

    #[test]
    fn grids_hold_every_panel() {
        for n in 1..=20 {
            let (r, c) = shape(n);
            assert!(r * c >= n, "{n} panels in {r}x{c}");
        }
    }
}
