//! `tornado_<strategy>`: which uncertain inputs move a strategy's median NPV cost most.
//!
//! Each bar is one input swung on its own from its P10 to its P90 while everything else
//! stays random (see [`crate::analysis::sensitivity`]); the bar runs from the median
//! cost at one end to the median at the other, split at the median of the base run.
//! The widest bar is on top. Each label also gives the input's rank correlation with
//! cost over the base run, which counts every input varying at once.

use std::sync::atomic::AtomicBool;

use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, RGBColor};

use super::axes::{self, Plot, X_AXIS_SPACE};
use super::canvas::{self, Canvas, Drawn, Font, Rect, size};
use super::format::{format_money, format_percent, format_plain};
use super::legend::{self, Key, LegendEntry};
use super::palette::{AXIS, INK, MUTED};
use super::panel::{Axis, Panel};
use super::{ChartError, ChartFile, ImageFormat, Page, analysis_footnote, render_named};
use crate::analysis::sensitivity::{InputKind, InputSensitivity, Sensitivity};

/// Most bars drawn; the rest are in `sensitivity.csv`.
const MAX_BARS: usize = 12;
/// The input at its P10.
const LOW: RGBColor = RGBColor(0x77, 0xAA, 0xDD);
/// The input at its P90.
const HIGH: RGBColor = RGBColor(0xEE, 0x88, 0x66);

/// Render one tornado chart per strategy, `tornado_<strategy>`, in each of `formats`.
///
/// Cost: about 50-100 ms per PNG and a few ms per SVG on one core; charts render in
/// parallel.
pub fn render_tornado(
    sens: &Sensitivity,
    formats: &[ImageFormat],
) -> Result<Vec<ChartFile>, ChartError> {
    render_tornado_until(sens, formats, &AtomicBool::new(false))
}

/// [`render_tornado`] that stops early, with [`ChartError::Cancelled`], once `cancel` is
/// set (checked before each page is drawn).
pub fn render_tornado_until(
    sens: &Sensitivity,
    formats: &[ImageFormat],
    cancel: &AtomicBool,
) -> Result<Vec<ChartFile>, ChartError> {
    if sens.strategies.is_empty() {
        return Err(ChartError::NoData);
    }
    let footnote = analysis_footnote(
        &sens.scenario_name,
        sens.trials,
        sens.seed,
        "swings re-run the same futures",
    );
    let pages: Vec<(String, TornadoPage)> = super::unique_stems("tornado", &sens.strategies)
        .into_iter()
        .enumerate()
        .map(|(s, stem)| {
            (
                stem,
                TornadoPage {
                    sens,
                    strategy: s,
                    footnote: footnote.clone(),
                },
            )
        })
        .collect();
    render_named(&pages, formats, cancel)
}

/// File stems of the tornado charts, in strategy order, e.g. `tornado_dual_source`.
pub fn tornado_stems(sens: &Sensitivity) -> Vec<String> {
    super::unique_stems("tornado", &sens.strategies)
}

struct TornadoPage<'s> {
    sens: &'s Sensitivity,
    strategy: usize,
    footnote: String,
}

/// An input's value for people: shares as percentages, counts plainly, losses as money.
fn input_value(kind: InputKind, v: f64, currency: &str) -> String {
    match kind {
        InputKind::Growth
        | InputKind::Attrition(_)
        | InputKind::DefectRate(_)
        | InputKind::Escalation(_) => format_percent(v, 1),
        InputKind::Shocks | InputKind::Disruptions(_) => format_plain((v * 10.0).round() / 10.0),
        InputKind::IncidentLoss(_) => format_money(v, currency),
        InputKind::CurrencyIndex(_) => format_plain((v * 1000.0).round() / 1000.0),
        InputKind::FailureMonth(_) => format!("month {}", format_plain(v.round())),
    }
}

impl TornadoPage<'_> {
    /// Inputs with a swing, widest first, at most [`MAX_BARS`].
    fn bars(&self) -> Vec<&InputSensitivity> {
        self.sens
            .ranked(self.strategy)
            .into_iter()
            .filter(|i| self.width(i) > 0.0)
            .take(MAX_BARS)
            .collect()
    }

    fn width(&self, i: &InputSensitivity) -> f64 {
        i.swing.as_ref().map_or(0.0, |w| {
            (w.p50_high[self.strategy] - w.p50_low[self.strategy]).abs()
        })
    }
}

impl Page for TornadoPage<'_> {
    fn title(&self) -> String {
        let name = &self.sens.strategies[self.strategy];
        match self.bars().first() {
            Some(top) => format!(
                "{name}: {} drives its cost most ({} swing)",
                top.label,
                format_money(self.width(top), &self.sens.currency)
            ),
            None => format!("What drives {name}'s cost: no uncertain input to swing"),
        }
    }

    fn draw(&self, c: &Canvas) -> Drawn {
        let s = self.strategy;
        let sens = self.sens;
        let subtitle = format!(
            "Median NPV cost with one input fixed at its P10 (blue) and at its P90 (orange), everything else random, \
             over the same {} futures; the centre line is the median with every input random. \
             ρ is the input's rank correlation with cost.",
            super::format_count(sens.trials)
        );
        let area = canvas::frame(c, &self.title(), &subtitle, &self.footnote)?;
        let bars = self.bars();
        if bars.is_empty() {
            let font = Font::new(size::AXIS_TITLE).color(MUTED);
            c.text(
                "Every input is fixed in the scenario file or never occurred, so there is nothing to swing.",
                (area.x0, area.y0 + 40.0),
                &font,
            )?;
            return Ok(());
        }
        let entries = [
            LegendEntry {
                label: "input at its P10".to_string(),
                detail: None,
                color: LOW,
                key: Key::Swatch,
            },
            LegendEntry {
                label: "input at its P90".to_string(),
                detail: None,
                color: HIGH,
                key: Key::Swatch,
            },
        ];
        let legend_bottom = legend::legend_rows(c, &entries, area.x0, area.y0, area.w())?;
        let label_font = Font::new(size::LABEL).bold();
        let label_w = bars
            .iter()
            .map(|b| canvas::text_width(&b.label, &label_font))
            .fold(0.0, f64::max)
            .clamp(160.0, 480.0);
        let rho_w = canvas::text_width("ρ −0.00", &Font::new(size::SMALL)) + 24.0;
        let rect = Rect {
            x0: area.x0 + label_w + rho_w + 32.0,
            y0: legend_bottom + 56.0,
            x1: area.x1 - 24.0,
            y1: area.y1 - X_AXIS_SPACE,
        };
        let panel = Panel::rows_in(rect, self.x_axis(&bars), bars.len());
        panel.axes(c)?;
        for (k, b) in bars.iter().enumerate() {
            let cy = panel.row_center(k);
            c.text(
                &canvas::fit(&b.label, &label_font, label_w),
                (rect.x0 - 16.0 - rho_w, cy),
                &label_font.anchor(HPos::Right, VPos::Center),
            )?;
            if let Some(rho) = b.rho_cost[s] {
                let rho_font = Font::new(size::SMALL)
                    .color(MUTED)
                    .anchor(HPos::Right, VPos::Center);
                c.text(&format!("ρ {rho:+.2}"), (rect.x0 - 16.0, cy), &rho_font)?;
            }
            let thick = (panel.row_height() * 0.5).min(46.0);
            self.draw_bar(c, &panel.plot, b, cy, thick)?;
        }
        self.draw_base(c, &panel.plot)?;
        c.line(
            &[(rect.x0, rect.y1), (rect.x1, rect.y1)],
            AXIS.to_rgba(),
            2.0,
        )?;
        let title = format!("Median NPV cost ({})", money_label(&sens.currency));
        axes::axis_titles(c, &panel.plot, &title, "", 0.0)
    }
}

impl TornadoPage<'_> {
    /// The money axis: every bar's ends and the base median, with room for the end
    /// labels.
    fn x_axis(&self, bars: &[&InputSensitivity]) -> Axis {
        let s = self.strategy;
        let base = self.sens.base_p50[s];
        let (lo, hi) = bars.iter().fold((base, base), |(lo, hi), b| {
            let w = b.swing.as_ref();
            let a = w.map_or(base, |w| w.p50_low[s]);
            let z = w.map_or(base, |w| w.p50_high[s]);
            (lo.min(a).min(z), hi.max(a).max(z))
        });
        let (x_lo, x_hi) = axes::padded_range(lo, hi, 0.16);
        let ticks = axes::money_ticks(x_lo, x_hi, 7, &self.sens.currency);
        Axis::new((x_lo, x_hi), ticks, "")
    }

    /// One input's bar, `thick` high on `cy`: from the base median to the median with
    /// the input at its P10 (blue) and at its P90 (orange), the input's values at the
    /// ends.
    fn draw_bar(
        &self,
        c: &Canvas,
        plot: &Plot,
        b: &InputSensitivity,
        cy: f64,
        thick: f64,
    ) -> Drawn {
        let Some(w) = b.swing.as_ref() else {
            return Ok(());
        };
        let s = self.strategy;
        let cur = &self.sens.currency;
        let base = self.sens.base_p50[s];
        let bx = plot.x.at(base);
        for (end, color) in [(w.p50_low[s], LOW), (w.p50_high[s], HIGH)] {
            let ex = plot.x.at(end);
            let bar = Rect {
                x0: bx.min(ex),
                y0: cy - 0.5 * thick,
                x1: bx.max(ex),
                y1: cy + 0.5 * thick,
            };
            c.rect(bar, color.to_rgba())?;
        }
        let end_font = Font::new(size::SMALL).color(INK);
        let place = |end: f64, text: &str| -> Drawn {
            let ex = plot.x.at(end);
            let (x, h) = if ex >= bx {
                (ex + 8.0, HPos::Left)
            } else {
                (ex - 8.0, HPos::Right)
            };
            c.text(text, (x, cy), &end_font.anchor(h, VPos::Center))
        };
        let (dl, dh) = (w.p50_low[s] - base, w.p50_high[s] - base);
        let low_text = input_value(b.kind, w.low, cur);
        let high_text = input_value(b.kind, w.high, cur);
        if dl * dh < 0.0 {
            // Ends on opposite sides: each input value at its own end.
            place(w.p50_low[s], &low_text)?;
            place(w.p50_high[s], &high_text)
        } else {
            // Both on one side: one label past the farther end.
            let far = if dl.abs() >= dh.abs() {
                w.p50_low[s]
            } else {
                w.p50_high[s]
            };
            place(far, &format!("P10 {low_text} · P90 {high_text}"))
        }
    }

    /// The centre line at the median with every input random, labelled above the plot.
    fn draw_base(&self, c: &Canvas, plot: &Plot) -> Drawn {
        let base = self.sens.base_p50[self.strategy];
        let (rect, bx) = (plot.rect, plot.x.at(base));
        c.line(&[(bx, rect.y0 - 8.0), (bx, rect.y1)], INK.to_rgba(), 3.0)?;
        let font = Font::new(size::SMALL)
            .bold()
            .color(INK)
            .anchor(HPos::Center, VPos::Bottom);
        let text = format!(
            "median, all inputs random: {}",
            format_money(base, &self.sens.currency)
        );
        let x = canvas::clamp_within(bx, rect.x0 + 240.0, rect.x1 - 240.0);
        c.text(&text, (x, rect.y0 - 14.0), &font)
    }
}

/// A currency for an axis title: `money` where the scenario names none.
fn money_label(currency: &str) -> &str {
    if currency.is_empty() {
        "money"
    } else {
        currency
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_read_in_their_units() {
        assert_eq!(input_value(InputKind::Growth, 0.125, "USD"), "12.5%");
        assert_eq!(input_value(InputKind::Shocks, 2.0, "USD"), "2");
        assert!(input_value(InputKind::IncidentLoss(0), 250_000.0, "USD").contains("250"));
    }
}
