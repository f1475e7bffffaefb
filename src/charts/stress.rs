//! Stress charts: what a varied KEY does to each strategy.
//!
//! With one `--vary`, `stress_lines` draws the chosen metric against the KEY's levels,
//! one line per strategy; filled markers meet the objectives, hollow ones miss them, and
//! a dashed line in the strategy's colour marks where it stops meeting them. With two,
//! `stress_<strategy>` draws a heatmap per strategy, the first KEY across and the second
//! up, with a heavy line along the frontier between cells that meet the objectives and
//! cells that do not.

use std::sync::atomic::AtomicBool;

use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, RGBColor, WHITE};

use super::axes::{self, Plot, Ticks, X_AXIS_SPACE};
use super::canvas::{self, Canvas, Drawn, Font, Rect, size};
use super::format::{format_money, format_probability};
use super::legend::{self, Key, LegendEntry, Mark};
use super::palette::{self, INK, MUTED};
use super::panel::{Axis, Panel};
use super::{ChartError, ChartFile, ImageFormat, Page, analysis_footnote, render_named};
use crate::analysis::stress::{Frontier, StressAxis, StressGrid, StressMetric};

/// Render the stress charts of `grid` in each of `formats`: `stress_lines` for a line,
/// one `stress_<strategy>` heatmap per strategy for a grid of two KEYs.
///
/// Cost: about 50-100 ms per PNG and a few ms per SVG on one core; charts render in
/// parallel.
pub fn render_stress(
    grid: &StressGrid,
    metric: StressMetric,
    formats: &[ImageFormat],
) -> Result<Vec<ChartFile>, ChartError> {
    render_stress_until(grid, metric, formats, &AtomicBool::new(false))
}

/// [`render_stress`] that stops early, with [`ChartError::Cancelled`], once `cancel` is
/// set (checked before each page is drawn).
pub fn render_stress_until(
    grid: &StressGrid,
    metric: StressMetric,
    formats: &[ImageFormat],
    cancel: &AtomicBool,
) -> Result<Vec<ChartFile>, ChartError> {
    if grid.cells.is_empty() || grid.strategies.is_empty() || grid.axes.is_empty() {
        return Err(ChartError::NoData);
    }
    let footnote = analysis_footnote(
        &grid.scenario_name,
        grid.trials,
        grid.seed,
        "the same futures in every cell",
    );
    let (lo, hi) = metric_range(grid, metric);
    let pages: Vec<(String, StressPage)> = if grid.axes.len() == 1 {
        vec![(
            "stress_lines".to_string(),
            StressPage {
                grid,
                metric,
                strategy: None,
                footnote: footnote.clone(),
                range: (lo, hi),
            },
        )]
    } else {
        super::unique_stems("stress", &grid.strategies)
            .into_iter()
            .enumerate()
            .map(|(s, stem)| {
                (
                    stem,
                    StressPage {
                        grid,
                        metric,
                        strategy: Some(s),
                        footnote: footnote.clone(),
                        range: (lo, hi),
                    },
                )
            })
            .collect()
    };
    render_named(&pages, formats, cancel)
}

/// The smallest and largest value of `metric` over every cell and strategy.
fn metric_range(grid: &StressGrid, metric: StressMetric) -> (f64, f64) {
    if metric.is_probability() {
        return (0.0, 1.0);
    }
    let values = grid
        .cells
        .iter()
        .flat_map(|c| c.summary.iter().map(move |s| metric.value(s)));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if lo.is_finite() && hi.is_finite() {
        (lo, hi)
    } else {
        (0.0, 1.0)
    }
}

struct StressPage<'g> {
    grid: &'g StressGrid,
    metric: StressMetric,
    /// The strategy of a heatmap; `None` for the line chart.
    strategy: Option<usize>,
    footnote: String,
    /// Range of the metric over the whole grid, shared by every heatmap.
    range: (f64, f64),
}

impl StressPage<'_> {
    /// What the page shows, and how to read its marks.
    fn subtitle(&self) -> String {
        let g = self.grid;
        let metric = self.metric.name();
        let (shown, each) = match self.strategy {
            None => (
                format!(
                    "{metric} of every strategy at each value of {}",
                    g.axes[0].key
                ),
                "point",
            ),
            Some(s) => (
                format!(
                    "{metric} of {} for every combination of {} (across) and {} (up)",
                    g.strategies[s], g.axes[0].key, g.axes[1].key
                ),
                "cell",
            ),
        };
        let key = match (self.strategy, g.has_objectives) {
            (None, true) => {
                "Filled markers meet the objectives, hollow ones miss them; dashed lines mark where a strategy stops meeting them."
            }
            (None, false) => "The scenario sets no objectives, so no frontier is marked.",
            (Some(_), true) => {
                "The heavy line is the frontier between cells that meet the objectives and cells that do not."
            }
            (Some(_), false) => "The scenario sets no objectives, so no frontier is drawn.",
        };
        format!(
            "{shown}, each {each} from the same {} simulated futures. {key}",
            super::format_count(g.trials)
        )
    }

    fn format_value(&self, v: f64) -> String {
        if self.metric.is_probability() {
            format_probability(v)
        } else {
            format_money(v, &self.grid.currency)
        }
    }
}

/// A level as it reads on an axis.
fn level_label(axis: &StressAxis, i: usize) -> String {
    axis.labels[i].clone()
}

/// The last part of a KEY, for titles: `vendors.Budget.max_fte` -> `max_fte`.
fn short_key(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// `key` for people: `(x file value)` added for multiples.
fn axis_title(axis: &StressAxis) -> String {
    if axis.multiples {
        format!("{} (multiple of the file's value)", axis.key)
    } else {
        axis.key.clone()
    }
}

impl Page for StressPage<'_> {
    fn title(&self) -> String {
        let g = self.grid;
        match self.strategy {
            None => line_title(g),
            Some(s) => {
                let name = &g.strategies[s];
                if g.has_objectives {
                    let met = g
                        .cells
                        .iter()
                        .filter(|c| c.summary[s].meets_objectives)
                        .count();
                    format!(
                        "{name} meets its objectives in {met} of {} stress cells",
                        g.cells.len()
                    )
                } else {
                    format!("{name}: {} under stress", self.metric.name())
                }
            }
        }
    }

    fn draw(&self, c: &Canvas) -> Drawn {
        match self.strategy {
            None => self.draw_lines(c),
            Some(s) => self.draw_heatmap(c, s),
        }
    }
}

/// The cells of a heatmap: `count` levels across and up, filling `rect`, the first
/// level at the bottom left.
struct Cells {
    rect: Rect,
    count: (usize, usize),
}

impl Cells {
    /// One cell's width and height.
    fn size(&self) -> (f64, f64) {
        (
            self.rect.w() / self.count.0 as f64,
            self.rect.h() / self.count.1 as f64,
        )
    }

    /// The cell at level `i` across and `j` up.
    fn at(&self, i: usize, j: usize) -> Rect {
        let (cw, ch) = self.size();
        let r = self.rect;
        Rect {
            x0: r.x0 + cw * i as f64,
            y0: r.y1 - ch * (j + 1) as f64,
            x1: r.x0 + cw * (i + 1) as f64,
            y1: r.y1 - ch * j as f64,
        }
    }

    /// Level labels centred on their columns and rows, every few where they would
    /// crowd; row labels at most `y_label_w` wide.
    fn draw_levels(
        &self,
        c: &Canvas,
        (across, up): (&[String], &[String]),
        y_label_w: f64,
    ) -> Drawn {
        let (nx, ny) = self.count;
        let (cw, _) = self.size();
        let r = self.rect;
        let x_font = Font::new(size::LABEL)
            .color(MUTED)
            .anchor(HPos::Center, VPos::Top);
        let x_step = (nx as f64 / (r.w() / 90.0)).ceil().max(1.0) as usize;
        for i in (0..nx).step_by(x_step) {
            let cell = self.at(i, 0);
            c.text(
                &canvas::fit(&across[i], &x_font, cw * x_step as f64 - 6.0),
                (0.5 * (cell.x0 + cell.x1), r.y1 + 14.0),
                &x_font,
            )?;
        }
        let y_font = Font::new(size::LABEL)
            .color(MUTED)
            .anchor(HPos::Right, VPos::Center);
        let y_step = (ny as f64 / (r.h() / 34.0)).ceil().max(1.0) as usize;
        for j in (0..ny).step_by(y_step) {
            let cell = self.at(0, j);
            c.text(
                &canvas::fit(&up[j], &y_font, y_label_w),
                (r.x0 - 14.0, 0.5 * (cell.y0 + cell.y1)),
                &y_font,
            )?;
        }
        Ok(())
    }

    /// The frontier: a heavy line along every edge between a cell that `meets` the
    /// objectives and a neighbour that does not.
    fn draw_frontier(&self, c: &Canvas, meets: impl Fn(usize, usize) -> Option<bool>) -> Drawn {
        let (nx, ny) = self.count;
        let ink = INK.to_rgba();
        for i in 0..nx {
            for j in 0..ny {
                let here = meets(i, j);
                let r = self.at(i, j);
                if i + 1 < nx && here != meets(i + 1, j) {
                    c.line(&[(r.x1, r.y0), (r.x1, r.y1)], ink, 6.0)?;
                }
                if j + 1 < ny && here != meets(i, j + 1) {
                    c.line(&[(r.x0, r.y0), (r.x1, r.y0)], ink, 6.0)?;
                }
            }
        }
        Ok(())
    }
}

/// The takeaway of a line chart: which strategy stops meeting its objectives first.
fn line_title(g: &StressGrid) -> String {
    let axis = &g.axes[0];
    if !g.has_objectives {
        return format!("How each strategy responds to {}", axis.key);
    }
    let frontiers: Vec<Option<Frontier>> = (0..g.strategies.len())
        .map(|s| g.line_frontier(s))
        .collect();
    let first_break = frontiers
        .iter()
        .enumerate()
        .filter_map(|(s, f)| match f {
            Some(Frontier::Between {
                to,
                meets_before: true,
                ..
            }) => Some((s, *to)),
            _ => None,
        })
        .min_by_key(|&(_, to)| to);
    if let Some((s, to)) = first_break {
        return format!(
            "What breaks first: {} misses its objectives from {} = {}",
            g.strategies[s],
            short_key(&axis.key),
            level_label(axis, to)
        );
    }
    if frontiers.iter().all(|f| *f == Some(Frontier::Always)) {
        format!(
            "Every strategy meets its objectives across the {} range tested",
            axis.key
        )
    } else if frontiers.iter().all(|f| *f == Some(Frontier::Never)) {
        format!(
            "No strategy meets its objectives at any {} tested",
            axis.key
        )
    } else {
        format!(
            "Which strategies meet their objectives as {} varies",
            axis.key
        )
    }
}

impl StressPage<'_> {
    fn draw_lines(&self, c: &Canvas) -> Drawn {
        let g = self.grid;
        let n = g.strategies.len();
        let area = canvas::frame(c, &self.title(), &self.subtitle(), &self.footnote)?;
        let colors: Vec<RGBColor> = (0..n).map(palette::strategy_color).collect();
        let entries = self.line_legend(&colors);
        let legend_w = legend::legend_width(&entries, 470.0).max(300.0);
        let (x_axis, y_axis) = self.line_axes();
        let panel = Panel::beside_legend(&area, legend_w, x_axis, y_axis);
        panel.axes(c)?;
        // Frontiers under the data.
        let (plot, rect) = (&panel.plot, panel.rect());
        let levels = &g.axes[0].values;
        for (s, color) in colors.iter().enumerate() {
            if let Some(Frontier::Between { from, to, .. }) = g.line_frontier(s) {
                let x = plot.x.at(0.5 * (levels[from] + levels[to]));
                c.dashed((x, rect.y0), (x, rect.y1), color.mix(0.9), 3.0, 14.0)?;
            }
        }
        for (s, color) in colors.iter().enumerate() {
            self.draw_line(c, plot, s, *color)?;
        }
        panel.finish(c)?;
        let lx = panel.legend_x();
        let bottom = legend::legend(c, &entries, lx, rect.y0, legend_w)?;
        if g.has_objectives {
            let marks = [
                (Mark::Dot, "meets objectives"),
                (Mark::Hollow, "misses objectives"),
            ];
            legend::marker_key(c, (lx, bottom), area.y1, &marks)?;
        }
        Ok(())
    }

    /// One legend entry per strategy, saying where it stops (or starts) meeting the
    /// objectives.
    fn line_legend(&self, colors: &[RGBColor]) -> Vec<LegendEntry> {
        let g = self.grid;
        let labels = &g.axes[0].labels;
        let frontier = |f: Frontier| match f {
            Frontier::Always => "meets objectives throughout".to_string(),
            Frontier::Never => "never meets objectives".to_string(),
            Frontier::Between {
                from,
                to,
                meets_before: true,
            } => format!("meets up to {}, not at {}", labels[from], labels[to]),
            Frontier::Between {
                from,
                to,
                meets_before: false,
            } => format!("misses up to {}, meets from {}", labels[from], labels[to]),
        };
        colors
            .iter()
            .enumerate()
            .map(|(s, color)| LegendEntry {
                label: g.strategies[s].clone(),
                detail: g.line_frontier(s).map(frontier),
                color: *color,
                key: Key::Line,
            })
            .collect()
    }

    /// The varied KEY across, labelled at its levels where there are few; the metric up.
    fn line_axes(&self) -> (Axis, Axis) {
        let axis = &self.grid.axes[0];
        let (lo, hi) = axes::extent(axis.values.iter().map(|&v| (v, v)));
        let (x_lo, x_hi) = axes::padded_range(lo, hi, 0.04);
        let multiples = axis.multiples;
        let x_ticks = if axis.values.len() <= 12 {
            let mut values = axis.values.clone();
            values.sort_by(f64::total_cmp);
            let labels = values
                .iter()
                .map(|v| {
                    let i = axis.values.iter().position(|x| x == v).unwrap_or(0);
                    axis.labels[i].clone()
                })
                .collect();
            Ticks { values, labels }
        } else {
            Ticks::nice(x_lo, x_hi, 8, |v, _| {
                let text = format!("{}", (v * 1e6).round() / 1e6);
                if multiples { format!("{text}x") } else { text }
            })
        };
        let (y_range, y_ticks) = if self.metric.is_probability() {
            let ticks = Ticks::nice(0.0, 1.0, 5, |v, _| format!("{:.0}%", 100.0 * v));
            ((0.0, 1.0), ticks)
        } else {
            let (y_lo, y_hi) = axes::nice_range(self.range.0, self.range.1, 6);
            let ticks = axes::money_ticks(y_lo, y_hi, 5, &self.grid.currency);
            ((y_lo, y_hi), ticks)
        };
        (
            Axis::new((x_lo, x_hi), x_ticks, axis_title(axis)),
            Axis::new(y_range, y_ticks, self.metric.name()),
        )
    }

    /// Strategy `s`'s metric across the levels: a line through markers, filled where it
    /// meets the objectives and hollow where it misses them.
    fn draw_line(&self, c: &Canvas, plot: &Plot, s: usize, color: RGBColor) -> Drawn {
        let g = self.grid;
        let mut pts: Vec<(f64, f64, bool)> = g
            .cells
            .iter()
            .map(|cell| {
                let x = g.axes[0].values[cell.levels[0]];
                let sum = &cell.summary[s];
                (x, self.metric.value(sum), sum.meets_objectives)
            })
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let line: Vec<(f64, f64)> = pts.iter().map(|p| plot.at(p.0, p.1)).collect();
        c.series_line(&line, color, 5.0)?;
        for &(x, y, meets) in &pts {
            let at = plot.at(x, y);
            if meets || !g.has_objectives {
                c.circle(at, 10.0, color.to_rgba(), Some((WHITE, 3.0)))?;
            } else {
                c.circle(at, 10.0, palette::edge(color).to_rgba(), None)?;
                c.circle(at, 5.5, WHITE.to_rgba(), None)?;
            }
        }
        Ok(())
    }

    /// Fill of a cell: probabilities on the diverging scale (blue is good), money from
    /// pale to deep orange across the grid's range.
    fn fill(&self, v: f64) -> RGBColor {
        match self.metric {
            StressMetric::ObjectivesMet => palette::diverging(v),
            StressMetric::Shortfall => palette::diverging(1.0 - v),
            StressMetric::CostP95 => {
                let (lo, hi) = self.range;
                let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
                palette::blend(RGBColor(0xFD, 0xF0, 0xE0), RGBColor(0xB3, 0x58, 0x06), t)
            }
        }
    }

    fn draw_heatmap(&self, c: &Canvas, s: usize) -> Drawn {
        let g = self.grid;
        let (ax, ay) = (&g.axes[0], &g.axes[1]);
        let area = canvas::frame(c, &self.title(), &self.subtitle(), &self.footnote)?;
        let label_font = Font::new(size::LABEL);
        let y_label_w = ay
            .labels
            .iter()
            .map(|l| canvas::text_width(l, &label_font))
            .fold(0.0, f64::max)
            .min(axes::MAX_LABEL_WIDTH);
        let rect = Rect {
            x0: area.x0 + axes::y_axis_space(y_label_w),
            y0: area.y0 + 8.0,
            x1: area.x1 - 250.0,
            y1: area.y1 - X_AXIS_SPACE,
        };
        let cells = Cells {
            rect,
            count: (ax.labels.len(), ay.labels.len()),
        };
        for cell in &g.cells {
            let r = cells.at(cell.levels[0], cell.levels[1]);
            self.draw_cell(c, r, self.metric.value(&cell.summary[s]), cells.size())?;
        }
        cells.draw_levels(c, (&ax.labels, &ay.labels), y_label_w)?;
        if g.has_objectives {
            let meets =
                |i: usize, j: usize| g.cell(&[i, j]).map(|cell| cell.summary[s].meets_objectives);
            cells.draw_frontier(c, meets)?;
        }
        let plot = Plot::new(rect, (0.0, 1.0), (0.0, 1.0));
        axes::axis_titles(c, &plot, &axis_title(ax), &axis_title(ay), y_label_w)?;
        let bar = Rect {
            x0: rect.x1 + 70.0,
            y0: rect.y0 + 60.0,
            x1: rect.x1 + 106.0,
            y1: (rect.y0 + 480.0).min(rect.y1),
        };
        self.colour_bar(c, bar)
    }

    /// One cell in `r`, filled by its value `v` and labelled with it, in type sized to
    /// cells of `size`.
    fn draw_cell(&self, c: &Canvas, r: Rect, v: f64, (cw, ch): (f64, f64)) -> Drawn {
        let fill = self.fill(v);
        let inner = Rect {
            x0: r.x0 + 1.5,
            y0: r.y0 + 1.5,
            x1: r.x1 - 1.5,
            y1: r.y1 - 1.5,
        };
        c.rect(inner, fill.to_rgba())?;
        let ink = if palette::luminance(fill) < 0.35 {
            WHITE
        } else {
            INK
        };
        let font = Font::new((ch * 0.3).min(cw * 0.18).clamp(14.0, 30.0))
            .bold()
            .color(ink)
            .anchor(HPos::Center, VPos::Center);
        let text = canvas::fit(&self.format_value(v), &font, cw - 8.0);
        c.text(&text, (0.5 * (r.x0 + r.x1), 0.5 * (r.y0 + r.y1)), &font)
    }

    /// The key to the cells' colours in `bar`, and to the frontier under it.
    fn colour_bar(&self, c: &Canvas, bar: Rect) -> Drawn {
        let (lo, hi) = if self.metric.is_probability() {
            (0.0, 1.0)
        } else {
            self.range
        };
        let value = |q: f64| lo + (hi - lo) * q;
        let ticks: Vec<(f64, String)> = [0.0, 0.5, 1.0]
            .into_iter()
            .map(|q| (q, self.format_value(value(q))))
            .collect();
        let fill = |q: f64| self.fill(value(q));
        legend::colour_bar(c, bar, &fill, &ticks, &[self.metric.name()])?;
        if self.grid.has_objectives {
            let y = bar.y1 + 60.0;
            c.line(&[(bar.x0, y), (bar.x0 + 40.0, y)], INK.to_rgba(), 6.0)?;
            let font = Font::new(size::SMALL)
                .color(MUTED)
                .anchor(HPos::Left, VPos::Center);
            c.text("frontier", (bar.x0 + 52.0, y), &font)?;
        }
        Ok(())
    }
}
