//! `pairwise`: a matrix whose cell (row, column) is the share of futures in which the row
//! strategy's NPV cost is below the column strategy's. Every strategy faces the same
//! simulated futures, so these are paired comparisons: 90% means the row is cheaper in
//! nine futures out of ten, not merely cheaper on average.

use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, RGBColor, WHITE};

use super::canvas::{self, Canvas, Drawn, Font, Rect, size};
use super::format::{format_count, format_probability};
use super::legend;
use super::palette::{self, INK, MUTED};
use super::{ChartData, RunChart};

/// Fill of the diagonal.
const DIAGONAL: RGBColor = RGBColor(0xEE, 0xEE, 0xEE);

/// The `pairwise` chart.
pub(crate) const CHART: RunChart = RunChart {
    stem: "pairwise",
    title: "Head to head: the chance the row strategy costs less than the column strategy",
    reading: "Blue cells: the row is usually cheaper than the column; orange: usually dearer.",
    draw,
};

/// `p[a][b]` = P(a cheaper than b); `None` on the diagonal or for a missing pair.
pub(crate) fn matrix(d: &ChartData) -> Vec<Vec<Option<f64>>> {
    let n = d.count();
    let index = |name: &str| d.results.strategies.iter().position(|s| s == name);
    let mut p = vec![vec![None; n]; n];
    for pair in &d.results.pairs {
        if let (Some(a), Some(b)) = (index(&pair.strategy_a), index(&pair.strategy_b)) {
            if a != b {
                p[a][b] = Some(pair.p_a_cheaper);
            }
        }
    }
    p
}

fn draw(c: &Canvas, d: &ChartData) -> Drawn {
    let n = d.count();
    let subtitle = if n < 2 {
        "Only one strategy was simulated, so there is nothing to compare it with.".to_string()
    } else {
        format!(
            "Share of the same {} simulated futures in which the row's NPV cost is lower than the column's. \
             Blue: the row is usually cheaper; orange: usually dearer.",
            format_count(d.results.trials)
        )
    };
    let area = canvas::frame(c, CHART.title, &subtitle, &d.footnote)?;
    let matrix_layout = Matrix::new(d, &area);
    matrix_layout.draw_headings(c, d)?;
    for (a, row) in matrix(d).iter().enumerate() {
        matrix_layout.draw_row(c, d, a, row)?;
    }
    if n < 2 {
        return Ok(());
    }
    let bar_h = (matrix_layout.cell.1 * n as f64)
        .clamp(240.0, 520.0)
        .min(area.h() - HEADER);
    let bx = area.x1 - BAR_W + 60.0;
    let bar = Rect {
        x0: bx,
        y0: matrix_layout.origin.1,
        x1: bx + 36.0,
        y1: matrix_layout.origin.1 + bar_h,
    };
    let ticks: Vec<(f64, String)> = [0.0, 0.25, 0.5, 0.75, 1.0]
        .into_iter()
        .map(|q| (q, format!("{:.0}%", 100.0 * q)))
        .collect();
    legend::colour_bar(
        c,
        bar,
        &palette::diverging,
        &ticks,
        &["Row cheaper", "in this share"],
    )
}

/// Height of one line of a column heading.
const HEADING_LINE: f64 = 27.0;
/// Room above the matrix for up to three lines of heading and a colour chip.
const HEADER: f64 = 3.0 * HEADING_LINE + 52.0;
/// Width of the colour scale's column.
const BAR_W: f64 = 230.0;

/// Where the matrix goes: its top-left cell corner, one cell's size and the width of
/// the row names.
struct Matrix {
    origin: (f64, f64),
    cell: (f64, f64),
    names_w: f64,
}

impl Matrix {
    /// Square-ish cells as large as fit, the block centred left of the colour scale.
    fn new(d: &ChartData, area: &Rect) -> Self {
        let n = d.count();
        let bar_w = if n >= 2 { BAR_W } else { 0.0 };
        let names_w = legend::row_label_width((0..n).map(|s| d.name(s).to_string()), 360.0);
        let avail_w = area.w() - names_w - 56.0 - bar_w;
        let avail_h = area.h() - HEADER - 8.0;
        let cell_w = (avail_w / n as f64).min(260.0);
        let cell_h = (avail_h / n as f64).min(cell_w).min(200.0);
        let block_w = names_w + 56.0 + cell_w * n as f64;
        let x_start = area.x0 + ((area.w() - bar_w - block_w) * 0.5).max(0.0);
        Matrix {
            origin: (x_start + names_w + 56.0, area.y0 + HEADER),
            cell: (cell_w, cell_h),
            names_w,
        }
    }

    /// Column headings: each strategy's name, wrapped, over its colour chip.
    fn draw_headings(&self, c: &Canvas, d: &ChartData) -> Drawn {
        let (gx, gy) = self.origin;
        let cell_w = self.cell.0;
        let font = Font::new(size::SMALL)
            .bold()
            .anchor(HPos::Center, VPos::Bottom);
        for s in 0..d.count() {
            let cx = gx + cell_w * (s as f64 + 0.5);
            let lines = canvas::wrap(d.name(s), &font, cell_w - 10.0, 3);
            let count = lines.len();
            for (i, line) in lines.iter().enumerate() {
                let y = gy - 40.0 - HEADING_LINE * (count - 1 - i) as f64;
                c.text(line, (cx, y), &font)?;
            }
            let chip = Rect {
                x0: cx - 12.0,
                y0: gy - 32.0,
                x1: cx + 12.0,
                y1: gy - 10.0,
            };
            c.rect(chip, d.colors[s].to_rgba())?;
        }
        Ok(())
    }

    /// Row `a`: the strategy's name, then one cell per column coloured by its
    /// probability, the diagonal grey.
    fn draw_row(&self, c: &Canvas, d: &ChartData, a: usize, row: &[Option<f64>]) -> Drawn {
        let (gx, gy) = self.origin;
        let (cell_w, cell_h) = self.cell;
        let cy = gy + cell_h * (a as f64 + 0.5);
        let lines = if cell_h >= 72.0 { 2 } else { 1 };
        legend::row_label(c, d.name(a), d.colors[a], gx, cy, self.names_w, lines)?;
        let value_size = (cell_h * 0.3).min(cell_w * 0.2).clamp(18.0, 34.0);
        let font = Font::new(value_size)
            .bold()
            .anchor(HPos::Center, VPos::Center);
        for (b, value) in row.iter().enumerate() {
            let r = Rect {
                x0: gx + cell_w * b as f64 + 2.0,
                y0: gy + cell_h * a as f64 + 2.0,
                x1: gx + cell_w * (b as f64 + 1.0) - 2.0,
                y1: gy + cell_h * (a as f64 + 1.0) - 2.0,
            };
            let center = (0.5 * (r.x0 + r.x1), 0.5 * (r.y0 + r.y1));
            match value {
                Some(v) => {
                    let fill = palette::diverging(*v);
                    c.rect(r, fill.to_rgba())?;
                    let ink = if palette::luminance(fill) < 0.35 {
                        WHITE
                    } else {
                        INK
                    };
                    c.text(&format_probability(*v), center, &font.color(ink))?;
                }
                None => {
                    c.rect(r, DIAGONAL.to_rgba())?;
                    c.text("—", center, &font.color(MUTED))?;
                }
            }
        }
        Ok(())
    }
}
