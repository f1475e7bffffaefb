//! The panel of a chart page: the rectangle its data is drawn in, its two scales, its
//! axes and where its legend goes. Charts say what they show (ranges, ticks, titles,
//! series); a [`Panel`] lays them out and draws the mechanics the same way on every page.
//!
//! Two layouts cover the cartesian charts: [`Panel::beside_legend`], a plot with a y axis
//! on its left and a legend column on its right (S-curves, fans, risk against cost,
//! stress lines), and [`Panel::rows`], one row per strategy or input labelled on its left
//! with a money axis underneath (box plots, the cost breakdown, tornadoes). A page draws
//! [`Panel::axes`] under its data and [`Panel::finish`] over it.
//!
//! Grid lines are drawn by plotters' chart builder and mesh (see `Canvas::grid`). Tick
//! labels, axis titles and legends are set by hand (`axes`, `legend`), because plotters'
//! mesh can neither shorten a label to the room between its neighbours nor cap the width
//! of a long currency's labels, and places text with a baseline that differs between
//! its SVG and bitmap backends, which `Canvas::text` corrects.

use super::axes::{self, LEGEND_GAP, Plot, Ticks};
use plotters::style::RGBColor;

use super::canvas::{Canvas, Drawn, Rect};
use super::legend;

/// One axis of a panel: the data range it spans, its ticks, its title and whether grid
/// lines run across the plot from its ticks.
pub(crate) struct Axis {
    /// Data values at the two ends.
    pub range: (f64, f64),
    /// Tick values and labels.
    pub ticks: Ticks,
    /// Title, with its unit; empty for none.
    pub title: String,
    /// Grid lines at the ticks.
    pub grid: bool,
}

impl Axis {
    /// An axis over `range` with `ticks`, titled `title`, with grid lines.
    pub fn new(range: (f64, f64), ticks: Ticks, title: impl Into<String>) -> Self {
        Axis {
            range,
            ticks,
            title: title.into(),
            grid: true,
        }
    }

    /// The same axis without grid lines.
    pub fn without_grid(mut self) -> Self {
        self.grid = false;
        self
    }
}

/// A panel: where the data goes, its scales and axes.
pub(crate) struct Panel {
    /// The plotting rectangle and its scales.
    pub plot: Plot,
    x: Axis,
    /// `None` for a row panel, whose rows are labelled by the chart.
    y: Option<Axis>,
    /// Width of the y tick labels, which the y title clears.
    y_label_w: f64,
    /// Rows of a row panel.
    rows: usize,
}

impl Panel {
    /// A plot in `area` with the y axis on its left and a legend column `legend_w` wide
    /// on its right ([`Panel::legend_x`]).
    pub fn beside_legend(area: &Rect, legend_w: f64, x: Axis, y: Axis) -> Self {
        let (rect, y_label_w) = axes::plot_beside_legend(area, &y.ticks, legend_w);
        Panel {
            plot: Plot::new(rect, x.range, y.range),
            x,
            y: Some(y),
            y_label_w,
            rows: 0,
        }
    }

    /// `rows` rows from `top` down to the x axis, labelled by names `names_w` wide on the
    /// left, leaving `right` free on the right of the plot.
    pub fn rows(area: &Rect, names_w: f64, top: f64, right: f64, x: Axis, rows: usize) -> Self {
        let rect = axes::plot_beside_names(area, names_w, top, right);
        Self::rows_in(rect, x, rows)
    }

    /// `rows` rows over exactly `rect`, with the x axis underneath.
    pub fn rows_in(rect: Rect, x: Axis, rows: usize) -> Self {
        let rows = rows.max(1);
        Panel {
            plot: Plot::new(rect, x.range, (0.0, rows as f64)),
            x,
            y: None,
            y_label_w: 0.0,
            rows,
        }
    }

    /// The plotting rectangle.
    pub fn rect(&self) -> Rect {
        self.plot.rect
    }

    /// Height of one row of a row panel.
    pub fn row_height(&self) -> f64 {
        self.plot.rect.h() / self.rows.max(1) as f64
    }

    /// Vertical centre of row `k` (0 at the top).
    pub fn row_center(&self, k: usize) -> f64 {
        self.plot.rect.y0 + self.row_height() * (k as f64 + 0.5)
    }

    /// Label row `k` of a row panel with a strategy's `name` and colour chip, right of
    /// a column `names_w` wide: on two lines where rows are roomy, else on one.
    pub fn row_label(
        &self,
        c: &Canvas,
        k: usize,
        name: &str,
        color: RGBColor,
        names_w: f64,
    ) -> Drawn {
        let lines = if self.row_height() >= 72.0 { 2 } else { 1 };
        let (x, cy) = (self.plot.rect.x0, self.row_center(k));
        legend::row_label(c, name, color, x, cy, names_w, lines)
    }

    /// Left edge of the legend column of a [`Panel::beside_legend`] panel.
    pub fn legend_x(&self) -> f64 {
        self.plot.rect.x1 + LEGEND_GAP
    }

    /// Grid lines and tick labels: drawn under the data.
    pub fn axes(&self, c: &Canvas) -> Drawn {
        if let Some(y) = &self.y {
            axes::y_axis(c, &self.plot, &y.ticks, y.grid)?;
        }
        axes::x_axis(c, &self.plot, &self.x.ticks, self.x.grid)
    }

    /// Axis lines and titles: drawn over the data.
    pub fn finish(&self, c: &Canvas) -> Drawn {
        axes::axis_lines(c, &self.plot)?;
        let y_title = self.y.as_ref().map_or("", |y| y.title.as_str());
        axes::axis_titles(c, &self.plot, &self.x.title, y_title, self.y_label_w)
    }
}
