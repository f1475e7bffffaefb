//! Keys to the data: legend columns and rows beside the plot (never over it), and the
//! strategy names with colour chips that label rows of bar and box charts.

use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, RGBColor, WHITE};

use super::canvas::{Canvas, Drawn, Failure, Font, Rect, fit, size, text_width, wrap};
use super::palette::{INK, MUTED};

/// One entry of a legend.
pub(crate) struct LegendEntry {
    /// Main line.
    pub label: String,
    /// Optional second, smaller line.
    pub detail: Option<String>,
    /// Colour of the key.
    pub color: RGBColor,
    /// How the key is drawn.
    pub key: Key,
}

impl LegendEntry {
    /// The key, 38 pixels wide from `x`, centred on `cy`.
    fn draw_key(&self, canvas: &Canvas, x: f64, cy: f64) -> Drawn {
        match self.key {
            Key::Line => canvas.series_line(&[(x, cy), (x + 38.0, cy)], self.color, 6.0),
            Key::Swatch | Key::Hatched => {
                let swatch = Rect {
                    x0: x + 4.0,
                    y0: cy - 14.0,
                    x1: x + 32.0,
                    y1: cy + 14.0,
                };
                canvas.rect(swatch, self.color.to_rgba())?;
                if self.key == Key::Hatched {
                    canvas.hatch(swatch, WHITE.mix(0.75), 2.5, 9.0)?;
                }
                Ok(())
            }
        }
    }
}

/// Legend key shapes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Key {
    /// A short thick line.
    Line,
    /// A filled square.
    Swatch,
    /// A filled square, hatched.
    Hatched,
}

/// Width a legend column needs for `entries`, capped at `max_width`.
pub(crate) fn legend_width(entries: &[LegendEntry], max_width: f64) -> f64 {
    let main = Font::new(size::LABEL);
    let small = Font::new(size::SMALL);
    let text = entries
        .iter()
        .map(|e| {
            let d = e.detail.as_deref().map_or(0.0, |d| text_width(d, &small));
            text_width(&e.label, &main).max(d)
        })
        .fold(0.0, f64::max);
    (text + 56.0).min(max_width)
}

/// A legend column with its top-left corner at `(x, y)`, `width` wide; returns its
/// bottom edge.
pub(crate) fn legend(
    canvas: &Canvas,
    entries: &[LegendEntry],
    x: f64,
    y: f64,
    width: f64,
) -> Result<f64, Failure> {
    let main = Font::new(size::LABEL).anchor(HPos::Left, VPos::Center);
    let small = Font::new(size::SMALL)
        .color(MUTED)
        .anchor(HPos::Left, VPos::Center);
    let text_x = x + 52.0;
    let text_w = width - 52.0;
    let mut cy = y + 0.5 * size::LABEL;
    for e in entries {
        e.draw_key(canvas, x, cy)?;
        for (i, line) in wrap(&e.label, &main, text_w, 2).iter().enumerate() {
            if i > 0 {
                cy += 30.0;
            }
            canvas.text(line, (text_x, cy), &main)?;
        }
        cy += 34.0;
        if let Some(detail) = &e.detail {
            canvas.text(&fit(detail, &small, text_w), (text_x, cy - 4.0), &small)?;
            cy += 30.0;
        }
        cy += 12.0;
    }
    Ok(cy - 0.5 * size::LABEL)
}

/// Legend entries in rows from `(x, y)`, wrapping within `width`; returns the bottom.
pub(crate) fn legend_rows(
    canvas: &Canvas,
    entries: &[LegendEntry],
    x: f64,
    y: f64,
    width: f64,
) -> Result<f64, Failure> {
    let font = Font::new(size::LABEL).anchor(HPos::Left, VPos::Center);
    let mut cx = x;
    let mut cy = y + 18.0;
    for e in entries {
        let label = fit(&e.label, &font, width - 80.0);
        let w = 44.0 + text_width(&label, &font) + 36.0;
        if cx > x && cx + w > x + width {
            cx = x;
            cy += 42.0;
        }
        e.draw_key(canvas, cx, cy)?;
        canvas.text(&label, (cx + 44.0, cy), &font)?;
        cx += w;
    }
    Ok(cy + 22.0)
}

/// A strategy name right-aligned at `right_x`, centred on `cy`, wrapped into as many of
/// `max_lines` lines of `max_width` as it needs, with a colour chip to its right.
pub(crate) fn row_label(
    canvas: &Canvas,
    name: &str,
    color: RGBColor,
    right_x: f64,
    cy: f64,
    max_width: f64,
    max_lines: usize,
) -> Drawn {
    let font = Font::new(size::LABEL)
        .bold()
        .anchor(HPos::Right, VPos::Center);
    let lines = wrap(name, &font, max_width, max_lines);
    let step = 31.0;
    let first = cy - 0.5 * step * (lines.len() as f64 - 1.0);
    for (i, line) in lines.iter().enumerate() {
        canvas.text(line, (right_x - 48.0, first + step * i as f64), &font)?;
    }
    canvas.rect(
        Rect {
            x0: right_x - 36.0,
            y0: cy - 12.0,
            x1: right_x - 12.0,
            y1: cy + 12.0,
        },
        color.to_rgba(),
    )
}

/// Width of the widest strategy name as [`row_label`] sets it, capped at `max_width`.
pub(crate) fn row_label_width(names: impl Iterator<Item = String>, max_width: f64) -> f64 {
    let font = Font::new(size::LABEL).bold();
    names
        .map(|n| text_width(&n, &font))
        .fold(0.0, f64::max)
        .min(max_width)
}

/// A mark in the key to a chart's markers ([`marker_key`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Mark {
    /// A filled dot.
    Dot,
    /// A filled diamond.
    Diamond,
    /// A hollow dot.
    Hollow,
    /// A bar ending in a cap.
    Whisker,
    /// A ring around a dot.
    Ring,
    /// No mark: a note in words.
    Note,
}

/// The key to a chart's markers, in grey, one line per mark from `(x, top)` down, as
/// far as room allows before `floor`.
pub(crate) fn marker_key(
    canvas: &Canvas,
    (x, top): (f64, f64),
    floor: f64,
    marks: &[(Mark, &str)],
) -> Drawn {
    let font = Font::new(size::SMALL)
        .color(MUTED)
        .anchor(HPos::Left, VPos::Center);
    let grey = MUTED.to_rgba();
    let mut y = top + 30.0;
    for &(mark, text) in marks {
        if y + 20.0 > floor {
            break;
        }
        let key = (x + 19.0, y);
        match mark {
            Mark::Dot => canvas.circle(key, 10.0, grey, None)?,
            Mark::Diamond => canvas.diamond(key, 13.0, grey, None)?,
            Mark::Hollow => {
                canvas.circle(key, 10.0, grey, None)?;
                canvas.circle(key, 5.5, WHITE.to_rgba(), None)?;
            }
            Mark::Whisker => {
                canvas.line(&[(x, y), (x + 38.0, y)], grey, 5.0)?;
                canvas.line(&[(x + 38.0, y - 11.0), (x + 38.0, y + 11.0)], grey, 5.0)?;
            }
            Mark::Ring => {
                canvas.circle(key, 14.0, WHITE.to_rgba(), Some((INK, 4.0)))?;
                canvas.circle(key, 7.0, grey, None)?;
            }
            Mark::Note => {}
        }
        let text_x = if mark == Mark::Note { x } else { x + 52.0 };
        canvas.text(text, (text_x, y), &font)?;
        y += 42.0;
    }
    Ok(())
}

/// A vertical colour scale in `bar`: `fill(q)` at each height, `q` running from 0 at
/// the bottom to 1 at the top, outlined, with a tick and label at each `(q, label)` on
/// its right and `caption` lines above it.
pub(crate) fn colour_bar(
    canvas: &Canvas,
    bar: Rect,
    fill: &dyn Fn(f64) -> RGBColor,
    ticks: &[(f64, String)],
    caption: &[&str],
) -> Drawn {
    const STEPS: usize = 60;
    for k in 0..STEPS {
        let t0 = k as f64 / STEPS as f64;
        let t1 = (k + 1) as f64 / STEPS as f64;
        let step = Rect {
            x0: bar.x0,
            y0: bar.y0 + bar.h() * t0,
            x1: bar.x1,
            y1: bar.y0 + bar.h() * t1 + 0.5,
        };
        canvas.rect(step, fill(1.0 - 0.5 * (t0 + t1)).to_rgba())?;
    }
    canvas.rect_outline(bar, MUTED.mix(0.6), 1.5)?;
    let tick_font = Font::new(size::SMALL)
        .color(MUTED)
        .anchor(HPos::Left, VPos::Center);
    for (q, label) in ticks {
        let y = bar.y1 - bar.h() * q;
        canvas.line(&[(bar.x1, y), (bar.x1 + 8.0, y)], MUTED.to_rgba(), 2.0)?;
        canvas.text(label, (bar.x1 + 14.0, y), &tick_font)?;
    }
    let caption_font = Font::new(size::SMALL)
        .bold()
        .color(INK)
        .anchor(HPos::Left, VPos::Bottom);
    for (i, line) in caption.iter().rev().enumerate() {
        canvas.text(
            line,
            (bar.x0, bar.y0 - 20.0 - 28.0 * i as f64),
            &caption_font,
        )?;
    }
    Ok(())
}
