//! Axes: "nice" tick values, linear scales from data to pixels, grid lines, tick labels
//! and axis titles. Charts pick their ranges; this module draws them the same way
//! everywhere, usually through a [`Panel`](super::panel::Panel).
//!
//! Ticks are chosen here rather than by plotters, so money ticks share one unit and one
//! number of decimals and months fall on calendar steps; grid lines at those ticks are
//! drawn by plotters' mesh. Tick labels are set by hand because each must be shortened
//! to the room between its neighbours (x) or to [`MAX_LABEL_WIDTH`] (y).

use plotters::style::Color;
use plotters::style::text_anchor::{HPos, VPos};

use super::canvas::{Canvas, Drawn, Font, Rect, fit, size, text_width};
use super::format::format_money_tick;
use super::palette::{AXIS, GRID, INK, MUTED};

/// Ticks at "nice" steps (1, 2, 2.5 or 5 times a power of ten) covering `lo..hi` with at
/// most about `max_ticks` ticks; returns the ticks and the step.
pub(crate) fn nice_ticks(lo: f64, hi: f64, max_ticks: usize) -> (Vec<f64>, f64) {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, lo + 1.0)
    };
    let raw = (hi - lo) / max_ticks.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag);
    let first = (lo / step - 1e-9).ceil();
    let last = (hi / step + 1e-9).floor();
    let ticks = (first as i64..=last as i64)
        .map(|k| {
            let v = k as f64 * step;
            if v.abs() < step * 1e-9 { 0.0 } else { v }
        })
        .collect();
    (ticks, step)
}

/// The range `lo..hi` widened to whole steps of its nice ticks.
pub(crate) fn nice_range(lo: f64, hi: f64, max_ticks: usize) -> (f64, f64) {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        let pad = (lo.abs() * 0.1).max(1.0);
        (lo - pad, lo + pad)
    };
    let (_, step) = nice_ticks(lo, hi, max_ticks);
    ((lo / step).floor() * step, (hi / step).ceil() * step)
}

/// The smallest low and the largest high of `spans`; infinite the wrong way round when
/// there are none.
pub(crate) fn extent(spans: impl IntoIterator<Item = (f64, f64)>) -> (f64, f64) {
    spans
        .into_iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (a, b)| {
            (lo.min(a), hi.max(b))
        })
}

/// `lo..hi` widened by `frac` of its span on each side, without rounding to ticks, so
/// data fills the plot; a zero span is widened around the value.
pub(crate) fn padded_range(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    let span = hi - lo;
    if span > 0.0 {
        (lo - frac * span, hi + frac * span)
    } else {
        let pad = (lo.abs() * 0.1).max(1.0);
        (lo - pad, hi + pad)
    }
}

/// Month ticks at a calendar-friendly step (1, 2, 3, 6, 12, 24, ... months), starting
/// at month 1.
pub(crate) fn month_ticks(horizon: usize, max_ticks: usize) -> Ticks {
    let step = [1usize, 2, 3, 6, 12, 24, 36, 60, 120]
        .into_iter()
        .find(|s| horizon / s <= max_ticks)
        .unwrap_or(120);
    let mut values: Vec<f64> = (1..=horizon / step).map(|k| (k * step) as f64).collect();
    if step > 1 || values.is_empty() {
        values.insert(0, 1.0);
    }
    values.dedup();
    let labels = values.iter().map(|v| format!("{v:.0}")).collect();
    Ticks { values, labels }
}

/// A linear map from data values to logical pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    /// Data value at the start.
    pub lo: f64,
    /// Data value at the end.
    pub hi: f64,
    /// Pixel of `lo`.
    pub px_lo: f64,
    /// Pixel of `hi`.
    pub px_hi: f64,
}

impl Scale {
    /// Pixel of value `v`.
    pub fn at(&self, v: f64) -> f64 {
        let span = self.hi - self.lo;
        if span == 0.0 {
            return 0.5 * (self.px_lo + self.px_hi);
        }
        self.px_lo + (v - self.lo) / span * (self.px_hi - self.px_lo)
    }
}

/// A plotting rectangle with its two scales.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plot {
    /// Where the data goes.
    pub rect: Rect,
    /// Horizontal scale.
    pub x: Scale,
    /// Vertical scale (pixels grow downwards).
    pub y: Scale,
}

impl Plot {
    /// A plot over `rect` for x in `xr` and y in `yr`.
    pub fn new(rect: Rect, xr: (f64, f64), yr: (f64, f64)) -> Self {
        Plot {
            rect,
            x: Scale {
                lo: xr.0,
                hi: xr.1,
                px_lo: rect.x0,
                px_hi: rect.x1,
            },
            y: Scale {
                lo: yr.0,
                hi: yr.1,
                px_lo: rect.y1,
                px_hi: rect.y0,
            },
        }
    }
    /// Pixel of a data point.
    pub fn at(&self, x: f64, y: f64) -> (f64, f64) {
        (self.x.at(x), self.y.at(y))
    }
}

/// Tick labels of one axis.
pub(crate) struct Ticks {
    /// Tick values.
    pub values: Vec<f64>,
    /// Their labels.
    pub labels: Vec<String>,
}

impl Ticks {
    /// Nice ticks within `lo..hi`, labelled by `label(value, step)`.
    pub fn nice(lo: f64, hi: f64, max_ticks: usize, label: impl Fn(f64, f64) -> String) -> Self {
        let (values, step) = nice_ticks(lo, hi, max_ticks);
        let labels = values.iter().map(|&v| label(v, step)).collect();
        Ticks { values, labels }
    }
    /// Width of the widest label, at most [`MAX_LABEL_WIDTH`]: [`y_axis`] shortens
    /// wider ones.
    pub fn max_width(&self, font: &Font) -> f64 {
        self.labels
            .iter()
            .map(|l| text_width(l, font))
            .fold(0.0, f64::max)
            .min(MAX_LABEL_WIDTH)
    }
}

/// The widest a y tick label may be: a long currency must not squeeze the plot away.
pub(crate) const MAX_LABEL_WIDTH: f64 = 320.0;

/// Nice money ticks within `lo..hi`, sharing one unit and one number of decimals.
pub(crate) fn money_ticks(lo: f64, hi: f64, max_ticks: usize, currency: &str) -> Ticks {
    let max_abs = hi.abs().max(lo.abs());
    Ticks::nice(lo, hi, max_ticks, |v, step| {
        format_money_tick(v, currency, step, max_abs)
    })
}

/// Ticks at 0%, 20%, ... 100% of an axis that runs from 0 to 100.
pub(crate) fn percent_ticks() -> Ticks {
    Ticks::nice(0.0, 100.0, 5, |v, _| format!("{v:.0}%"))
}

/// Gap between a plot and the legend column on its right.
pub(crate) const LEGEND_GAP: f64 = 48.0;

/// The plot of a chart in `area` with a y axis labelled by `y_ticks` on the left and a
/// legend column `legend_w` wide on the right; returns it with the width of the y tick
/// labels, which [`axis_titles`] needs.
pub(crate) fn plot_beside_legend(area: &Rect, y_ticks: &Ticks, legend_w: f64) -> (Rect, f64) {
    let y_label_w = y_ticks.max_width(&Font::new(size::LABEL));
    let rect = Rect {
        x0: area.x0 + y_axis_space(y_label_w),
        y0: area.y0 + 8.0,
        x1: area.x1 - legend_w - LEGEND_GAP,
        y1: area.y1 - X_AXIS_SPACE,
    };
    (rect, y_label_w)
}

/// The plot of a chart in `area` whose rows are labelled by strategy names
/// `names_w` wide on the left, from `top` down, leaving `right` free on the right.
pub(crate) fn plot_beside_names(area: &Rect, names_w: f64, top: f64, right: f64) -> Rect {
    Rect {
        x0: area.x0 + names_w + 56.0,
        y0: top,
        x1: area.x1 - right,
        y1: area.y1 - X_AXIS_SPACE,
    }
}

/// Horizontal grid lines and y tick labels on the left of `plot`.
pub(crate) fn y_axis(canvas: &Canvas, plot: &Plot, ticks: &Ticks, grid: bool) -> Drawn {
    let font = Font::new(size::LABEL)
        .color(MUTED)
        .anchor(HPos::Right, VPos::Center);
    if grid {
        canvas.grid(
            plot.rect,
            ((plot.x.lo, plot.x.hi), &[]),
            ((plot.y.lo, plot.y.hi), &ticks.values),
            GRID,
            1.5,
        )?;
    }
    for (v, label) in ticks.values.iter().zip(&ticks.labels) {
        let y = plot.y.at(*v);
        canvas.line(
            &[(plot.rect.x0 - 8.0, y), (plot.rect.x0, y)],
            AXIS.to_rgba(),
            2.0,
        )?;
        canvas.text(
            &fit(label, &font, MAX_LABEL_WIDTH),
            (plot.rect.x0 - 14.0, y),
            &font,
        )?;
    }
    Ok(())
}

/// Vertical grid lines and x tick labels under `plot`; the x axis line itself.
pub(crate) fn x_axis(canvas: &Canvas, plot: &Plot, ticks: &Ticks, grid: bool) -> Drawn {
    let font = Font::new(size::LABEL)
        .color(MUTED)
        .anchor(HPos::Center, VPos::Top);
    // A label may take the room between its neighbours, less a gap.
    let spacing = ticks
        .values
        .windows(2)
        .map(|w| (plot.x.at(w[1]) - plot.x.at(w[0])).abs())
        .fold(plot.rect.w(), f64::min);
    if grid {
        canvas.grid(
            plot.rect,
            ((plot.x.lo, plot.x.hi), &ticks.values),
            ((plot.y.lo, plot.y.hi), &[]),
            GRID,
            1.5,
        )?;
    }
    for (v, label) in ticks.values.iter().zip(&ticks.labels) {
        let x = plot.x.at(*v);
        let label = fit(label, &font, spacing - 12.0);
        canvas.line(
            &[(x, plot.rect.y1), (x, plot.rect.y1 + 8.0)],
            AXIS.to_rgba(),
            2.0,
        )?;
        canvas.text(&label, (x, plot.rect.y1 + 14.0), &font)?;
    }
    Ok(())
}

/// The left and bottom axis lines of `plot`.
pub(crate) fn axis_lines(canvas: &Canvas, plot: &Plot) -> Drawn {
    let r = plot.rect;
    canvas.line(
        &[(r.x0, r.y0), (r.x0, r.y1), (r.x1, r.y1)],
        AXIS.to_rgba(),
        2.0,
    )
}

/// Axis titles: `x_title` centred under the x tick labels, `y_title` reading upwards
/// left of the y tick labels, `y_label_width` away from the axis.
pub(crate) fn axis_titles(
    canvas: &Canvas,
    plot: &Plot,
    x_title: &str,
    y_title: &str,
    y_label_width: f64,
) -> Drawn {
    let font = Font::new(size::AXIS_TITLE).color(INK);
    let r = plot.rect;
    if !x_title.is_empty() {
        canvas.text(
            &fit(x_title, &font, r.w()),
            (0.5 * (r.x0 + r.x1), r.y1 + 54.0),
            &font.anchor(HPos::Center, VPos::Top),
        )?;
    }
    if !y_title.is_empty() {
        canvas.text(
            &fit(y_title, &font, r.h()),
            (
                r.x0 - y_label_width - 26.0 - size::AXIS_TITLE,
                0.5 * (r.y0 + r.y1),
            ),
            &font.anchor(HPos::Center, VPos::Top).vertical(),
        )?;
    }
    Ok(())
}

/// Logical space the y axis needs left of the plot: tick labels, gap and title.
pub(crate) fn y_axis_space(label_width: f64) -> f64 {
    label_width + 26.0 + size::AXIS_TITLE + 14.0
}

/// Logical space the x axis needs under the plot: tick labels and title.
pub(crate) const X_AXIS_SPACE: f64 = 98.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks_pick_round_steps() {
        let (t, step) = nice_ticks(0.0, 100.0, 5);
        assert_eq!(step, 20.0);
        assert_eq!(t, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let (t, step) = nice_ticks(1_130_000.0, 1_870_000.0, 6);
        assert_eq!(step, 200_000.0);
        assert_eq!(t.first().copied(), Some(1_200_000.0));
        let (t, _) = nice_ticks(5.0, 5.0, 5);
        assert!(!t.is_empty());
        assert_eq!(nice_range(3.0, 97.0, 5), (0.0, 100.0));
    }

    #[test]
    fn month_ticks_are_calendar_steps() {
        let t = month_ticks(36, 6);
        assert_eq!(t.values, vec![1.0, 6.0, 12.0, 18.0, 24.0, 30.0, 36.0]);
        let t = month_ticks(1, 6);
        assert_eq!(t.values, vec![1.0]);
        let t = month_ticks(600, 6);
        assert!(t.values.len() <= 7);
    }

    #[test]
    fn extents_take_the_lowest_low_and_the_highest_high() {
        assert_eq!(extent([(3.0, 4.0), (1.0, 2.0), (2.5, 9.0)]), (1.0, 9.0));
        let (lo, hi) = extent(std::iter::empty());
        assert!(lo > hi);
    }

    #[test]
    fn padded_ranges_hug_the_data() {
        assert_eq!(padded_range(10.0, 20.0, 0.1), (9.0, 21.0));
        let (lo, hi) = padded_range(5.0, 5.0, 0.1);
        assert!(lo < 5.0 && hi > 5.0);
    }
}
