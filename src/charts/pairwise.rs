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
    let p = matrix(d);

    let bar_w = if n >= 2 { 230.0 } else { 0.0 };
    let names_w = legend::row_label_width((0..n).map(|s| d.name(s).to_string()), 360.0);
    // Up to three lines of column heading above a colour chip.
    let line_h = 27.0;
    let header = 3.0 * line_h + 52.0;
    let avail_w = area.w() - names_w - 56.0 - bar_w;
    let avail_h = area.h() - header - 8.0;
    let cell_w = (avail_w / n as f64).min(260.0);
    let cell_h = (avail_h / n as f64).min(cell_w).min(200.0);
    let block_w = names_w + 56.0 + cell_w * n as f64;
    let x_start = area.x0 + ((area.w() - bar_w - block_w) * 0.5).max(0.0);
    let gx = x_start + names_w + 56.0;
    let gy = area.y0 + header;

    // Column headings, wrapped, with colour chips.
    let col_font = Font::new(size::SMALL)
        .bold()
        .anchor(HPos::Center, VPos::Bottom);
    for s in 0..n {
        let cx = gx + cell_w * (s as f64 + 0.5);
        let lines = canvas::wrap(d.name(s), &col_font, cell_w - 10.0, 3);
        let count = lines.len();
        for (i, line) in lines.iter().enumerate() {
            let y = gy - 40.0 - line_h * (count - 1 - i) as f64;
            c.text(line, (cx, y), &col_font)?;
        }
        c.rect(
            Rect {
                x0: cx - 12.0,
                y0: gy - 32.0,
                x1: cx + 12.0,
                y1: gy - 10.0,
            },
            d.colors[s].to_rgba(),
        )?;
    }
    // Rows.
    let value_size = (cell_h * 0.3).min(cell_w * 0.2).clamp(18.0, 34.0);
    for (a, row) in p.iter().enumerate() {
        let cy = gy + cell_h * (a as f64 + 0.5);
        let lines = if cell_h >= 72.0 { 2 } else { 1 };
        legend::row_label(c, d.name(a), d.colors[a], gx, cy, names_w, lines)?;
        for (b, value) in row.iter().enumerate() {
            let r = Rect {
                x0: gx + cell_w * b as f64 + 2.0,
                y0: gy + cell_h * a as f64 + 2.0,
                x1: gx + cell_w * (b as f64 + 1.0) - 2.0,
                y1: gy + cell_h * (a as f64 + 1.0) - 2.0,
            };
            let center = (0.5 * (r.x0 + r.x1), 0.5 * (r.y0 + r.y1));
            let font = Font::new(value_size)
                .bold()
                .anchor(HPos::Center, VPos::Center);
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
    }
    if n < 2 {
        return Ok(());
    }

    // Colour bar.
    let bx = area.x1 - bar_w + 60.0;
    let bar_h = (cell_h * n as f64)
        .clamp(240.0, 520.0)
        .min(area.h() - header);
    let by = gy;
    let steps = 60;
    for k in 0..steps {
        let t0 = k as f64 / steps as f64;
        let t1 = (k + 1) as f64 / steps as f64;
        c.rect(
            Rect {
                x0: bx,
                y0: by + bar_h * t0,
                x1: bx + 36.0,
                y1: by + bar_h * t1 + 0.5,
            },
            palette::diverging(1.0 - 0.5 * (t0 + t1)).to_rgba(),
        )?;
    }
    c.rect_outline(
        Rect {
            x0: bx,
            y0: by,
            x1: bx + 36.0,
            y1: by + bar_h,
        },
        MUTED.mix(0.6),
        1.5,
    )?;
    let tick_font = Font::new(size::SMALL)
        .color(MUTED)
        .anchor(HPos::Left, VPos::Center);
    for q in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let y = by + bar_h * (1.0 - q);
        c.line(&[(bx + 36.0, y), (bx + 44.0, y)], MUTED.to_rgba(), 2.0)?;
        c.text(&format!("{:.0}%", 100.0 * q), (bx + 50.0, y), &tick_font)?;
    }
    let caption = Font::new(size::SMALL)
        .bold()
        .color(INK)
        .anchor(HPos::Left, VPos::Bottom);
    c.text("Row cheaper", (bx, by - 54.0), &caption)?;
    c.text("in this share", (bx, by - 26.0), &caption)?;
    Ok(())
}
