//! Charts of a run, ready to paste into a deck: pure renderers from results to PNG and
//! SVG bytes. Writing them to disk is the output folder's job.
//!
//! [`render_all`] draws seven charts per scenario, each a 1920 x 1080 page with a title
//! naming the takeaway's subject, labelled axes with units, money in the scenario's
//! currency ([`format_money`]), a legend outside the data and a footnote with scenario,
//! trials and seed:
//!
//! | file | what it shows |
//! | --- | --- |
//! | `cost_scurve` | cumulative distribution of NPV cost per strategy, P50 and P95 marked |
//! | `cost_distribution` | box plots of NPV cost: P25-P75 box, median, P5-P95 whiskers, mean |
//! | `risk_vs_cost` | expected cost against P(objectives met), CVaR95 as a bar; cheapest and best value tagged |
//! | `capacity_fan` | per strategy, demand and capacity month by month: P10-P90 bands, median lines, roadmap events |
//! | `cost_breakdown` | stacked mean cost by component, so hidden costs show at a glance |
//! | `pairwise` | matrix of P(row strategy cheaper than column strategy) |
//! | `cumulative_cost_fan` | cumulative cost over time, P10-P90 per strategy |
//!
//! Every strategy keeps one colour throughout ([`palette`]). Text uses a font compiled
//! into the binary (DejaVu Sans), so rendering needs no system fonts or libraries. Charts
//! render in parallel (rayon), each format of each chart on its own; their data (sorted
//! costs, bands) is prepared once beforehand.
//!
//! Each run chart is one `RunChart` (its file stem, title, how to read it and its
//! drawing), listed once in `RUN_CHARTS`; stress and tornado pages implement `Page`.
//! Every page renders through one function, `render_pages`, onto a `Canvas` over
//! either of plotters' backends (`backend::PageBackend`), and stops early when the
//! cancel flag of [`render_all_until`] (or its stress and tornado twins) is set.
//!
//! A chart module reads as what its chart shows: its layout, data series and
//! annotations. The mechanics live once: the page frame in `canvas`, plots with their
//! axes in `panel` (cartesian plots beside a legend, and rows labelled by name), ticks
//! in `axes`, legends, marker keys and colour scales in `legend`.
//!
//! Scenario text is never trusted: at most 512 characters of a line are measured or
//! drawn, fitting and wrapping are linear in that, control characters are replaced, and
//! plotters' SVG backend escapes markup (see `text`). Any name, label, currency or unit
//! renders, if shortened, without a panic.

mod axes;
mod backend;
mod board;
mod breakdown;
mod canvas;
mod capacity;
mod cumulative;
mod distribution;
pub(crate) mod font;
pub mod format;
mod frontier;
mod legend;
mod pairwise;
pub mod palette;
mod panel;
mod risk;
mod scurve;
mod stress;
mod text;
mod tornado;

#[cfg(test)]
pub(crate) mod fixtures;

use std::sync::atomic::{AtomicBool, Ordering};

use plotters::prelude::{BitMapBackend, IntoDrawingArea, SVGBackend};
use plotters::style::RGBColor;
use rayon::prelude::*;

pub use format::{format_count, format_money, format_percent, format_probability};

pub(crate) use breakdown::{cheapest_on_labor, hidden_share};
pub use frontier::render_frontier;
pub use stress::{render_stress, render_stress_until};
pub use tornado::{render_tornado, render_tornado_until, tornado_stems};

use crate::recommend::{AmountScale, Currency};
use crate::results::Results;
use crate::scenario::Scenario;
use backend::PageBackend;
use canvas::{Canvas, Drawn, Failure, HEIGHT, WIDTH};

/// Image formats a chart can be rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// 1920 x 1080 PNG, anti-aliased.
    Png,
    /// SVG with a 1920 x 1080 view box; text stays text.
    Svg,
}

impl ImageFormat {
    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Svg => "svg",
        }
    }
}

/// One rendered chart file: a name such as `cost_scurve.png` and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartFile {
    /// File name inside the scenario's `charts/` folder, e.g. `cost_scurve.png`.
    pub name: String,
    /// The encoded image.
    pub bytes: Vec<u8>,
}

/// Why charts could not be rendered. Every variant is fatal for the charts of that
/// scenario only; tables written from the same results are unaffected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChartError {
    /// The font compiled into outsim could not be loaded: the binary is damaged.
    #[error("the chart font built into outsim could not be loaded; reinstall outsim")]
    Font,
    /// The results hold no strategy or no trial, so there is nothing to draw.
    #[error("nothing to chart: the results hold no strategies or no trials")]
    NoData,
    /// plotters failed while drawing a chart.
    #[error("cannot draw chart {file}: {message}")]
    Draw {
        /// The chart file being drawn, e.g. `cost_scurve.svg`.
        file: String,
        /// What plotters reported.
        message: String,
    },
    /// Rendering was cancelled (Ctrl-C) before every chart was drawn.
    #[error("chart rendering was cancelled")]
    Cancelled,
    /// A drawn chart could not be encoded as PNG.
    #[error("cannot encode chart {file}: {message}")]
    Encode {
        /// The chart file being encoded, e.g. `cost_scurve.png`.
        file: String,
        /// What the encoder reported.
        message: String,
    },
}

/// One chart of a run: its file stem, title, a sentence on how to read it and how to
/// draw it from the data every run chart shares.
///
/// As in criterion's `Plotter`, drawing gets a context (the [`Canvas`] of one page in
/// one format) and a data struct ([`ChartData`]). Each chart module defines one `CHART`;
/// [`RUN_CHARTS`] lists them, and is the one place that names a run's charts: rendering,
/// the report's figures and their captions all go through it.
pub(crate) struct RunChart {
    /// File name without extension, e.g. `cost_scurve`.
    pub stem: &'static str,
    /// The chart's title (also the SVG `<title>` and the report's caption).
    pub title: &'static str,
    /// A sentence on how to read the chart, for the report.
    pub reading: &'static str,
    /// Draw the whole page.
    pub draw: fn(&Canvas, &ChartData) -> Drawn,
}

/// Every run chart, in the order the report shows them.
pub(crate) const RUN_CHARTS: [&RunChart; 8] = [
    &scurve::CHART,
    &distribution::CHART,
    &risk::CHART,
    &breakdown::CHART,
    &capacity::CHART,
    &cumulative::CHART,
    &pairwise::CHART,
    &board::CHART,
];

/// What the charts share, prepared once per scenario.
pub(crate) struct ChartData<'a> {
    /// The scenario run.
    pub scenario: &'a Scenario,
    /// Its results.
    pub results: &'a Results,
    /// Each strategy's colour.
    pub colors: Vec<RGBColor>,
    /// Each strategy's NPV costs over trials, sorted ascending.
    pub sorted_costs: Vec<Vec<f64>>,
    /// The footnote every chart carries.
    pub footnote: String,
}

impl<'a> ChartData<'a> {
    /// Prepare the shared data. O(S n log n) for S strategies and n trials.
    pub(crate) fn new(scenario: &'a Scenario, results: &'a Results) -> Self {
        let n = results.strategies.len();
        let sorted_costs = (0..n)
            .into_par_iter()
            .map(|s| crate::stats::sorted(results.costs_of(s)))
            .collect();
        let meta = &scenario.meta;
        let discount = if meta.discount_rate_annual > 0.0 {
            format!(
                "NPV at {}% a year",
                format::format_plain(100.0 * meta.discount_rate_annual)
            )
        } else {
            "NPV undiscounted".to_string()
        };
        let footnote = format!(
            "{} · {} trials · seed {} · {} · {} · {} · outsim {}",
            meta.name,
            format_count(results.trials),
            results.seed,
            format::format_months(results.horizon as u64),
            if meta.currency.is_empty() {
                "no currency"
            } else {
                meta.currency.as_str()
            },
            discount,
            env!("CARGO_PKG_VERSION"),
        );
        ChartData {
            scenario,
            results,
            colors: (0..n).map(palette::strategy_color).collect(),
            sorted_costs,
            footnote,
        }
    }

    /// Number of strategies.
    pub(crate) fn count(&self) -> usize {
        self.results.strategies.len()
    }

    /// Name of strategy `s`.
    pub(crate) fn name(&self, s: usize) -> &str {
        &self.results.strategies[s]
    }

    /// An amount in the scenario's currency.
    pub(crate) fn money(&self, value: f64) -> String {
        format_money(value, &self.scenario.meta.currency)
    }

    /// One scale and number of decimals for amounts shown side by side (a legend's
    /// column across strategies), so that `$32.0M` stands beside `$34.1M` rather than
    /// `$32M`.
    pub(crate) fn money_scale(&self, amounts: impl IntoIterator<Item = f64>) -> AmountScale {
        let currency: Currency = format::money_affixes(&self.scenario.meta.currency).into();
        AmountScale::of(amounts, &currency)
    }

    /// The `q`-quantile of strategy `s`'s NPV cost.
    pub(crate) fn cost_quantile(&self, s: usize, q: f64) -> f64 {
        crate::stats::quantile_sorted(&self.sorted_costs[s], q)
    }

    /// The currency label for axis titles, e.g. `USD`.
    pub(crate) fn currency(&self) -> &str {
        if self.scenario.meta.currency.is_empty() {
            "money"
        } else {
            &self.scenario.meta.currency
        }
    }
}

/// Render every chart of a run in each of `formats` (duplicates ignored), in parallel.
///
/// Files come back in report order, each chart's formats in the order given. Charts are
/// pure: nothing is written to disk. Cost: about 50-100 ms per PNG chart and under 10 ms
/// per SVG chart on one core, independent of the number of trials beyond one sort of
/// each strategy's NPV costs.
pub fn render_all(
    scenario: &Scenario,
    results: &Results,
    formats: &[ImageFormat],
) -> Result<Vec<ChartFile>, ChartError> {
    render_all_until(scenario, results, formats, &AtomicBool::new(false))
}

/// [`render_all`] that stops early, with [`ChartError::Cancelled`], once `cancel` is set
/// (checked before each page is drawn): for a Ctrl-C handler to set.
pub fn render_all_until(
    scenario: &Scenario,
    results: &Results,
    formats: &[ImageFormat],
    cancel: &AtomicBool,
) -> Result<Vec<ChartFile>, ChartError> {
    if results.strategies.is_empty()
        || results.costs.iter().all(Vec::is_empty)
        || results.horizon == 0
    {
        return Err(ChartError::NoData);
    }
    let data = ChartData::new(scenario, results);
    let pages: Vec<RunPage> = RUN_CHARTS
        .iter()
        .map(|&chart| RunPage { chart, data: &data })
        .collect();
    let pages: Vec<(String, &dyn Page)> = pages
        .iter()
        .map(|p| (p.chart.stem.to_string(), p as &dyn Page))
        .collect();
    render_pages(&pages, formats, cancel)
}

/// One chart page: its title and how to draw it on a canvas. The run charts, stress and
/// tornado charts all render through [`render_pages`].
pub(crate) trait Page: Sync {
    /// The chart's title (also the SVG `<title>`).
    fn title(&self) -> String;
    /// Draw the whole page.
    fn draw(&self, canvas: &Canvas) -> Drawn;
}

/// A run chart with its data, as a [`Page`].
struct RunPage<'a, 'd> {
    chart: &'static RunChart,
    data: &'a ChartData<'d>,
}

impl Page for RunPage<'_, '_> {
    fn title(&self) -> String {
        self.chart.title.to_string()
    }
    fn draw(&self, canvas: &Canvas) -> Drawn {
        (self.chart.draw)(canvas, self.data)
    }
}

/// [`render_pages`] for pages of one type, each with its file stem.
pub(crate) fn render_named<P: Page>(
    pages: &[(String, P)],
    formats: &[ImageFormat],
    cancel: &AtomicBool,
) -> Result<Vec<ChartFile>, ChartError> {
    let pages: Vec<(String, &dyn Page)> = pages
        .iter()
        .map(|(stem, page)| (stem.clone(), page as &dyn Page))
        .collect();
    render_pages(&pages, formats, cancel)
}

/// Render each of `pages` (file stem and page) in each of `formats` (duplicates
/// ignored), in parallel; files come back in page order, each page's formats in the
/// order given. Stops with [`ChartError::Cancelled`] once `cancel` is set: it is checked
/// before each page is drawn.
pub(crate) fn render_pages(
    pages: &[(String, &dyn Page)],
    formats: &[ImageFormat],
    cancel: &AtomicBool,
) -> Result<Vec<ChartFile>, ChartError> {
    font::ensure_registered()?;
    let formats = distinct_formats(formats);
    let jobs: Vec<(&(String, &dyn Page), ImageFormat)> = pages
        .iter()
        .flat_map(|page| formats.iter().map(move |f| (page, *f)))
        .collect();
    jobs.par_iter()
        .map(|&((stem, page), format)| {
            if cancel.load(Ordering::Relaxed) {
                return Err(ChartError::Cancelled);
            }
            render_page(*page, stem, format)
        })
        .collect()
}

/// Supersampling factor of PNG rendering (see [`downsample`]).
const SUPERSAMPLE: u32 = 2;

/// Render `page` as `<stem>.<format>`: SVG at 1:1, PNG supersampled and averaged down.
fn render_page(page: &dyn Page, stem: &str, format: ImageFormat) -> Result<ChartFile, ChartError> {
    let name = format!("{stem}.{}", format.extension());
    let draw_error = |f: Failure| ChartError::Draw {
        file: name.clone(),
        message: f.0,
    };
    let (w, h) = (WIDTH as u32, HEIGHT as u32);
    let bytes = match format {
        ImageFormat::Svg => {
            let mut svg = String::new();
            {
                let backend = PageBackend::Svg(SVGBackend::with_string(&mut svg, (w, h)));
                let canvas = Canvas::new(backend.into_drawing_area(), 1.0, false);
                page.draw(&canvas).map_err(draw_error)?;
                canvas.present().map_err(draw_error)?;
            }
            with_svg_title(&svg, &page.title()).into_bytes()
        }
        ImageFormat::Png => {
            let (bw, bh) = (w * SUPERSAMPLE, h * SUPERSAMPLE);
            // White, the page background: the canvas does not paint it again.
            let mut big = vec![255u8; (bw * bh * 3) as usize];
            {
                let backend = PageBackend::Bitmap(BitMapBackend::with_buffer(&mut big, (bw, bh)));
                let canvas = Canvas::new(backend.into_drawing_area(), f64::from(SUPERSAMPLE), true);
                page.draw(&canvas).map_err(draw_error)?;
                canvas.present().map_err(draw_error)?;
            }
            let small = downsample(&big, w as usize, h as usize);
            encode_png(&small, w, h).map_err(|message| ChartError::Encode {
                file: name.clone(),
                message,
            })?
        }
    };
    Ok(ChartFile { name, bytes })
}

/// A strategy or input name as part of a file name: ASCII letters and digits kept
/// (lower-cased), every other run of characters one `_`; `chart` if nothing is left.
pub fn file_slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() {
        "chart".to_string()
    } else {
        out
    }
}

/// Unique file stems `<prefix>_<slug>` for `names`: a repeated slug gets `_2`, `_3`, ...
pub(crate) fn unique_stems(prefix: &str, names: &[String]) -> Vec<String> {
    let mut stems: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let base = format!("{prefix}_{}", file_slug(name));
        let mut stem = base.clone();
        let mut k = 2;
        while stems.contains(&stem) {
            stem = format!("{base}_{k}");
            k += 1;
        }
        stems.push(stem);
    }
    stems
}

/// The footnote of analysis charts: scenario, trials, seed and version.
pub(crate) fn analysis_footnote(
    scenario_name: &str,
    trials: u64,
    seed: u64,
    extra: &str,
) -> String {
    format!(
        "{scenario_name} · {} trials per run · seed {seed}{}{extra} · outsim {}",
        format_count(trials),
        if extra.is_empty() { "" } else { " · " },
        env!("CARGO_PKG_VERSION"),
    )
}

/// Formats asked for, duplicates dropped, in the order given.
pub(crate) fn distinct_formats(formats: &[ImageFormat]) -> Vec<ImageFormat> {
    let mut wanted: Vec<ImageFormat> = Vec::new();
    for f in formats {
        if !wanted.contains(f) {
            wanted.push(*f);
        }
    }
    wanted
}

/// Average each 2 x 2 block of an RGB image of `2w` by `2h` pixels into one pixel.
fn downsample(big: &[u8], w: usize, h: usize) -> Vec<u8> {
    let row = w * 2 * 3;
    let mut out = vec![0u8; w * h * 3];
    for (y, out_row) in out.chunks_exact_mut(w * 3).enumerate() {
        let top = &big[2 * y * row..(2 * y + 1) * row];
        let bottom = &big[(2 * y + 1) * row..(2 * y + 2) * row];
        for ((o, a), b) in out_row
            .chunks_exact_mut(3)
            .zip(top.chunks_exact(6))
            .zip(bottom.chunks_exact(6))
        {
            for c in 0..3 {
                let sum =
                    u16::from(a[c]) + u16::from(a[c + 3]) + u16::from(b[c]) + u16::from(b[c + 3]);
                o[c] = ((sum + 2) / 4) as u8;
            }
        }
    }
    out
}

/// Encode an RGB buffer as an 8-bit PNG, tagged sRGB.
fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        encoder.set_source_srgb(png::SrgbRenderingIntent::Perceptual);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(rgb).map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
    }
    Ok(bytes)
}

/// Escape text for XML content and attribute values. Control characters, which XML 1.0
/// cannot carry even as references, are replaced as in chart text (tab, line feed and
/// carriage return by a space, the others by U+FFFD).
pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text::printable(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Add a `<title>` (read by screen readers and shown as a tooltip) right after the
/// opening `<svg ...>` tag.
fn with_svg_title(svg: &str, title: &str) -> String {
    let Some(start) = svg.find("<svg") else {
        return svg.to_string();
    };
    let Some(end) = svg[start..].find('>').map(|i| start + i + 1) else {
        return svg.to_string();
    };
    format!(
        "{}\n<title>{}</title>{}",
        &svg[..end],
        xml_escape(title),
        &svg[end..]
    )
}

#[cfg(test)]
mod tests;
