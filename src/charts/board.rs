//! `board_summary`: the first slide of a deck. The recommendation in one sentence across
//! the top, the three numbers that carry it in big type down the left (P(objectives
//! met) against its target, the mean difference against the lowest rate card or the
//! runner-up, and the cost of risk), and the risk-against-cost picture on the right,
//! drawn by the risk chart itself (`risk::draw_in`).
//!
//! Everything comes from [`crate::recommend::recommend`], so the slide says what the
//! terminal, the report and `summary.json` say. Strategy names are shortened to fit
//! their line; the SVG backend escapes them.

use plotters::style::text_anchor::{HPos, VPos};

use super::canvas::{Canvas, Drawn, Font, HEIGHT, MARGIN, Rect, WIDTH, size};
use super::format::money_affixes;
use super::palette::{INK, MUTED};
use super::text::{fit, wrap};
use super::{ChartData, RunChart, risk};
use crate::recommend::{AmountScale, Basis, Currency, Recommendation, amount, recommend};

/// The `board_summary` chart.
pub(crate) const CHART: RunChart = RunChart {
    stem: "board_summary",
    title: "Recommendation",
    reading: "A slide to open a deck with: the recommendation, its odds, what it saves or costs against the alternative a buyer would pick, and what the bad futures add.",
    draw,
};

/// Width of the column of big numbers.
const NUMBERS_W: f64 = 560.0;
/// Size of a big number.
const BIG: f64 = 92.0;
/// Widest a strategy name may be in the sentence, in pixels.
const NAME_W: f64 = 620.0;

/// One of the three numbers: the figure, and what it is in up to three short lines.
struct Figure {
    value: String,
    label: String,
}

/// The recommendation in one sentence, the strategy's name shortened to `name`.
fn sentence(rec: &Recommendation, name: &str) -> String {
    let pct = |p: f64| format!("{:.0}%", 100.0 * p);
    match (rec.basis, rec.p_objectives_met, rec.confidence_target) {
        (Basis::MeetsObjectives, Some(p), Some(target)) => format!(
            "Recommended: \u{201c}{name}\u{201d}, meeting the objectives in {} of futures (target {}) at the least expected cost.",
            pct(p),
            pct(target)
        ),
        (Basis::NoneMeetsObjectives, Some(p), Some(target)) => format!(
            "No strategy meets the objectives in {} of futures; the closest, \u{201c}{name}\u{201d}, meets them in {}.",
            pct(target),
            pct(p)
        ),
        _ => format!(
            "Recommended on cost alone (no objectives set): \u{201c}{name}\u{201d}, at the least expected cost."
        ),
    }
}

/// The three numbers of `rec`, amounts in `currency`.
fn figures(rec: &Recommendation, currency: &Currency, label_font: &Font) -> [Figure; 3] {
    let short = |name: &str| fit(name, label_font, NUMBERS_W * 0.6);
    let first = match (rec.p_objectives_met, rec.confidence_target) {
        (Some(p), Some(target)) => Figure {
            value: format!("{:.0}%", 100.0 * p),
            label: format!(
                "of futures meet every objective (target {:.0}%)",
                100.0 * target
            ),
        },
        _ => Figure {
            value: amount(rec.cost_mean, currency),
            label: "expected NPV cost, the least of all strategies".to_string(),
        },
    };
    let versus = rec
        .versus_lowest_rate_card
        .as_ref()
        .map(|c| (c, "the lowest rate card"))
        .or_else(|| rec.versus_runner_up.as_ref().map(|c| (c, "the runner-up")));
    let second = match versus {
        Some((c, role)) => {
            // A headline number reads as a size: the sign goes into the words.
            let scale = AmountScale::of([c.mean_diff.abs()], currency);
            let direction = if c.mean_diff > 0.0 { "more" } else { "less" };
            Figure {
                value: scale.format(c.mean_diff.abs()),
                label: format!(
                    "{direction} on average than {role}, \u{201c}{}\u{201d} (NPV); cheaper in {:.0}% of futures",
                    short(&c.strategy),
                    100.0 * c.p_cheaper
                ),
            }
        }
        None => Figure {
            value: amount(rec.cost_mean, currency),
            label: "expected NPV cost".to_string(),
        },
    };
    let third = Figure {
        value: amount(rec.cost_of_risk, currency),
        label: "cost of risk: what the worst 5% of futures add to the mean (CVaR95 \u{2212} mean)"
            .to_string(),
    };
    [first, second, third]
}

fn draw(c: &Canvas, d: &ChartData) -> Drawn {
    c.clear()?;
    let currency: Currency = money_affixes(&d.scenario.meta.currency).into();
    let Some(rec) = recommend(d.scenario, d.results, &currency) else {
        return Ok(());
    };
    let width = WIDTH - 2.0 * MARGIN;
    // The page's title, small above the sentence that says it.
    let kicker_font = Font::new(size::SUBTITLE).bold().color(MUTED);
    c.text(CHART.title, (MARGIN, 24.0), &kicker_font)?;
    let head_font = Font::new(size::TITLE).bold();
    let name = fit(&rec.strategy, &head_font, NAME_W);
    let lines = wrap(&sentence(&rec, &name), &head_font, width, 2);
    for (i, line) in lines.iter().enumerate() {
        c.text(line, (MARGIN, 64.0 + 60.0 * i as f64), &head_font)?;
    }
    let top = 64.0 + 60.0 * lines.len().max(1) as f64 + 24.0;
    let foot_font = Font::new(size::FOOT)
        .color(MUTED)
        .anchor(HPos::Left, VPos::Bottom);
    c.text(
        &fit(&d.footnote, &foot_font, width),
        (MARGIN, HEIGHT - 20.0),
        &foot_font,
    )?;

    let label_font = Font::new(size::LABEL).color(MUTED);
    let accent = d.colors.get(rec.index).copied().unwrap_or(INK);
    let big_font = Font::new(BIG).bold().color(accent);
    let bottom = HEIGHT - 60.0;
    let block = (bottom - top) / 3.0;
    for (k, figure) in figures(&rec, &currency, &label_font).iter().enumerate() {
        let y = top + block * k as f64;
        c.text(
            &fit(&figure.value, &big_font, NUMBERS_W),
            (MARGIN, y),
            &big_font,
        )?;
        let label_lines = wrap(&figure.label, &label_font, NUMBERS_W, 3);
        for (i, line) in label_lines.iter().enumerate() {
            c.text(
                line,
                (MARGIN, y + BIG + 14.0 + 32.0 * i as f64),
                &label_font,
            )?;
        }
    }
    let area = Rect {
        x0: MARGIN + NUMBERS_W + 60.0,
        y0: top,
        x1: WIDTH - MARGIN,
        y1: bottom,
    };
    risk::draw_in(c, d, area)
}
