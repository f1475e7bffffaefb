//! `cost_distribution`: the spread of NPV cost per strategy, as horizontal box plots side
//! by side: the box holds the middle half of futures (P25-P75), the bar inside is the
//! median, whiskers reach P5 and P95 and the diamond is the mean. Horizontal boxes leave
//! room for long strategy names.

use plotters::style::text_anchor::{HPos, VPos};
use plotters::style::{Color, RGBColor, WHITE};

use super::axes::{self, Plot};
use super::canvas::{self, Canvas, Drawn, Font, Rect, size};
use super::format::format_count;
use super::legend;
use super::palette::{self, INK, MUTED};
use super::panel::{Axis, Panel};
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

    let (lo, hi) = axes::extent(stats.iter().map(|b| (b.p5.min(b.mean), b.p95.max(b.mean))));
    let (x_lo, x_hi) = axes::padded_range(lo, hi, 0.04);

    let names_w = legend::row_label_width((0..n).map(|s| d.name(s).to_string()), 360.0);
    let x_ticks = axes::money_ticks(x_lo, x_hi, 7, &d.scenario.meta.currency);
    let x_axis = Axis::new(
        (x_lo, x_hi),
        x_ticks,
        format!("NPV cost ({})", d.currency()),
    );
    let panel = Panel::rows(&area, names_w, area.y0 + 4.0, 24.0, x_axis, n);
    panel.axes(c)?;
    let row_h = panel.row_height();
    let half = (row_h * 0.3).min(46.0);
    for (s, b) in stats.iter().enumerate() {
        let cy = panel.row_center(s);
        panel.row_label(c, s, d.name(s), d.colors[s], names_w)?;
        draw_box(c, &panel.plot, b, d.colors[s], cy, half)?;
        let note = format!("median {}  ·  mean {}", d.money(b.p50), d.money(b.mean));
        let below = (half + 36.0 < row_h * 0.5).then_some(cy + half + 8.0);
        draw_note(c, &panel.plot, b, &note, cy, below)?;
    }
    panel.finish(c)
}

/// One box: whiskers with caps from P5 to P95, the P25-P75 box, the median bar and the
/// mean's diamond, `half` high either side of `cy`.
fn draw_box(c: &Canvas, plot: &Plot, b: &BoxStats, color: RGBColor, cy: f64, half: f64) -> Drawn {
    let x = |v: f64| plot.x.at(v);
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
    c.diamond((x(b.mean), cy), 11.0, WHITE.to_rgba(), Some((INK, 2.5)))
}

/// Median and mean in words: from the height `below` under the box where the row has
/// room for it, else beside the whiskers where they leave room; left out where nothing
/// does.
fn draw_note(
    c: &Canvas,
    plot: &Plot,
    b: &BoxStats,
    note: &str,
    cy: f64,
    below: Option<f64>,
) -> Drawn {
    let rect = plot.rect;
    let x = |v: f64| plot.x.at(v);
    let font = Font::new(size::SMALL)
        .color(MUTED)
        .anchor(HPos::Left, VPos::Center);
    let note = canvas::fit(note, &font, rect.w());
    let w = canvas::text_width(&note, &font);
    let right = x(b.p95) + 16.0;
    if let Some(y) = below {
        let cx = canvas::clamp_within(x(b.p50), rect.x0 + w / 2.0, rect.x1 - w / 2.0);
        c.text(&note, (cx, y), &font.anchor(HPos::Center, VPos::Top))
    } else if right + w <= rect.x1 {
        c.text(&note, (right, cy), &font)
    } else if x(b.p5) - 16.0 - w >= rect.x0 {
        c.text(
            &note,
            (x(b.p5) - 16.0, cy),
            &font.anchor(HPos::Right, VPos::Center),
        )
    } else {
        Ok(())
    }
}
