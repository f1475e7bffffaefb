//! `cost_distribution`: the spread of NPV cost per strategy, as horizontal box plots side
//! by side: the box holds the middle half of futures (P25-P75), the bar inside is the
//! median, whiskers reach P5 and P95 and the diamond is the mean. Horizontal boxes leave
//! room for long strategy names.

use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, WHITE};

use super::axes::{self, Plot};
use super::canvas::{self, Canvas, Drawn, Font, Rect, size};
use super::format::format_count;
use super::legend;
use super::palette::{self, INK, MUTED};
use super::{ChartData, RunChart};

/// The `cost_distribution` chart.
pub(crate) const CHART: RunChart = RunChart {
    stem: "cost_distribution",
    title: "NPV cost spread: how wide each strategy's range of outcomes is",
    reading: "Boxes hold the middle half of futures; long whiskers mean a wide range of outcomes.",
    draw,
};

/// The numbers one box shows.
struct BoxStats {
    p5: f64,
    p25: f64,
    p50: f64,
    p75: f64,
    p95: f64,
    mean: f64,
}

fn draw(c: &Canvas, d: &ChartData) -> Drawn {
    let n = d.count();
    let stats: Vec<BoxStats> = (0..n)
        .map(|s| BoxStats {
            p5: d.cost_quantile(s, 0.05),
            p25: d.cost_quantile(s, 0.25),
            p50: d.cost_quantile(s, 0.5),
            p75: d.cost_quantile(s, 0.75),
            p95: d.cost_quantile(s, 0.95),
            mean: d.results.summary[s].cost_mean,
        })
        .collect();
    let subtitle = format!(
        "NPV cost over {} simulated futures. Box: the middle half of futures (P25–P75); bar: median; \
         whiskers: P5 to P95; diamond: mean.",
        format_count(d.results.trials)
    );
    let area = canvas::frame(c, CHART.title, &subtitle, &d.footnote)?;

    let lo = stats
        .iter()
        .map(|b| b.p5.min(b.mean))
        .fold(f64::INFINITY, f64::min);
    let hi = stats
        .iter()
        .map(|b| b.p95.max(b.mean))
        .fold(f64::NEG_INFINITY, f64::max);
    let (x_lo, x_hi) = axes::padded_range(lo, hi, 0.04);

    let names_w = legend::row_label_width((0..n).map(|s| d.name(s).to_string()), 360.0);
    let rect = axes::plot_beside_names(&area, names_w, area.y0 + 4.0, 24.0);
    let plot = Plot::new(rect, (x_lo, x_hi), (0.0, n as f64));
    let x_ticks = axes::money_ticks(x_lo, x_hi, 7, &d.scenario.meta.currency);
    axes::x_axis(c, &plot, &x_ticks, true)?;

    let row_h = rect.h() / n as f64;
    let half = (row_h * 0.3).min(46.0);
    let note_font = Font::new(size::SMALL)
        .color(MUTED)
        .anchor(HPos::Left, VPos::Center);
    for (s, b) in stats.iter().enumerate() {
        let cy = rect.y0 + row_h * (s as f64 + 0.5);
        let color = d.colors[s];
        let x = |v: f64| plot.x.at(v);
        let lines = if row_h >= 72.0 { 2 } else { 1 };
        legend::row_label(c, d.name(s), color, rect.x0, cy, names_w, lines)?;
        // Whiskers with caps.
        let whisker = INK.mix(0.85);
        c.line(&[(x(b.p5), cy), (x(b.p25), cy)], whisker, 3.0)?;
        c.line(&[(x(b.p75), cy), (x(b.p95), cy)], whisker, 3.0)?;
        for v in [b.p5, b.p95] {
            c.line(
                &[(x(v), cy - half * 0.55), (x(v), cy + half * 0.55)],
                whisker,
                3.0,
            )?;
        }
        // Box and median.
        let body = Rect {
            x0: x(b.p25),
            y0: cy - half,
            x1: x(b.p75).max(x(b.p25) + 2.0),
            y1: cy + half,
        };
        c.rect(body, color.mix(0.45))?;
        c.rect_outline(body, palette::edge(color).to_rgba(), 3.0)?;
        c.line(
            &[(x(b.p50), cy - half), (x(b.p50), cy + half)],
            INK.to_rgba(),
            5.0,
        )?;
        c.diamond((x(b.mean), cy), 11.0, WHITE.to_rgba(), Some((INK, 2.5)))?;
        // Median and mean in words: under the box where rows are roomy, else beside
        // the whiskers.
        let note = canvas::fit(
            &format!("median {}  ·  mean {}", d.money(b.p50), d.money(b.mean)),
            &note_font,
            rect.w(),
        );
        let w = canvas::text_width(&note, &note_font);
        let right = x(b.p95) + 16.0;
        if half + 36.0 < row_h * 0.5 {
            let cx = canvas::clamp_within(x(b.p50), rect.x0 + w / 2.0, rect.x1 - w / 2.0);
            c.text(
                &note,
                (cx, cy + half + 8.0),
                &note_font.anchor(HPos::Center, VPos::Top),
            )?;
        } else if right + w <= rect.x1 {
            c.text(&note, (right, cy), &note_font)?;
        } else if x(b.p5) - 16.0 - w >= rect.x0 {
            c.text(
                &note,
                (x(b.p5) - 16.0, cy),
                &note_font.anchor(HPos::Right, VPos::Center),
            )?;
        }
    }
    axes::axis_lines(c, &plot)?;
    axes::axis_titles(c, &plot, &format!("NPV cost ({})", d.currency()), "", 0.0)
}
