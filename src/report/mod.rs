//! The HTML report: one self-contained page per scenario that a reader can open offline,
//! and an index page linking the reports of a multi-scenario run.
//!
//! Like the charts, these are pure renderers: results in, a `String` of HTML out. The
//! page carries everything inline (CSS, charts as SVG) and needs no network and no
//! JavaScript. It reads top to bottom as an argument: the question the scenario asks,
//! the verdict, the numbers behind it, the charts, the head-to-head comparisons, and
//! every assumption and parameter that produced them, with their values.

mod analysis;
mod html;
mod parameters;

use std::fmt::Write as _;
use std::path::Path;

use crate::analysis::sensitivity::Sensitivity;
use crate::charts::format::{
    format_count, format_money, format_months, format_percent, format_plain, format_probability,
    format_share,
};
use crate::charts::palette::{diverging, luminance, strategy_css};
use crate::charts::{self, ChartData, ChartFile, ChartKind, ImageFormat};
use crate::results::Results;
use crate::scenario::Scenario;
use html::esc;

pub use analysis::{breaks_first, first_shortfall_text};

/// One scenario's line on the index page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// Scenario name as shown.
    pub scenario_name: String,
    /// Path of its report relative to the index page, e.g. `support/report.html`; plain,
    /// not URL-encoded (the index encodes it).
    pub report_href: String,
    /// One-sentence verdict, e.g. from [`verdict_line`].
    pub verdict: String,
}

/// The one-sentence verdict of a run, with amounts in the scenario's currency; the same
/// sentence heads the report's verdict section.
pub fn verdict_line(scenario: &Scenario, results: &Results) -> String {
    let currency = scenario.meta.currency.clone();
    crate::verdict::verdict(scenario, results, &move |v| format_money(v, &currency)).headline
}

/// Render the report of one scenario as a self-contained HTML page.
///
/// `source_file` is the scenario file as the user named it (shown, never read).
/// `charts_svg` are the SVG chart files of [`charts::render_all`]; any that are not SVG
/// are ignored. If none are given, the charts are rendered here; if that fails, the page
/// says so where the charts would be and everything else is still written.
pub fn render_report(
    scenario: &Scenario,
    results: &Results,
    source_file: &Path,
    charts_svg: &[ChartFile],
) -> String {
    render_report_with_sensitivity(scenario, results, source_file, charts_svg, None)
}

/// As [`render_report`], with a sensitivity section when `sensitivity` is given: the
/// analysis of this same run and its tornado charts as SVG files.
pub fn render_report_with_sensitivity(
    scenario: &Scenario,
    results: &Results,
    source_file: &Path,
    charts_svg: &[ChartFile],
    sensitivity: Option<(&Sensitivity, &[ChartFile])>,
) -> String {
    let rendered;
    let mut chart_note = None;
    let charts: &[ChartFile] = if charts_svg.iter().any(|f| f.name.ends_with(".svg")) {
        charts_svg
    } else {
        match charts::render_all(scenario, results, &[ImageFormat::Svg]) {
            Ok(files) => {
                rendered = files;
                &rendered
            }
            Err(e) => {
                chart_note = Some(e.to_string());
                &[]
            }
        }
    };
    let report = Report {
        scenario,
        results,
        currency: &scenario.meta.currency,
    };
    let mut page = String::with_capacity(256 * 1024);
    let title = format!("{} — outsim report", scenario.meta.name);
    html::open_page(&mut page, &title);
    report.header(&mut page, source_file);
    report.contents(&mut page, sensitivity.is_some());
    report.question(&mut page);
    report.verdict(&mut page);
    report.summary(&mut page);
    analysis::breaks_section(&mut page, results);
    report.breakdown(&mut page);
    report.charts(&mut page, charts, chart_note.as_deref());
    report.pairwise(&mut page);
    if let Some((sens, tornadoes)) = sensitivity {
        analysis::sensitivity_section(&mut page, sens, tornadoes);
    }
    parameters::render(&mut page, scenario, results, source_file);
    let _ = writeln!(
        page,
        "<footer>Made by outsim {} from <code>{}</code> with {} trials and seed {}. \
         The same file, seed and trial count give the same numbers on any machine.</footer>",
        env!("CARGO_PKG_VERSION"),
        esc(&source_file.display().to_string()),
        format_count(results.trials),
        results.seed
    );
    html::close_page(&mut page);
    page
}

/// Render the index page linking the reports of several scenarios.
pub fn render_index(entries: &[IndexEntry]) -> String {
    let mut page = String::new();
    html::open_page(&mut page, "outsim results");
    page.push_str("<header><h1>outsim results</h1>\n");
    let _ = writeln!(
        page,
        "<p class=\"meta\">{} scenario{}, each with its own report. Open a report for the verdict, \
         the charts and every assumption behind it.</p></header>",
        entries.len(),
        if entries.len() == 1 { "" } else { "s" }
    );
    if entries.is_empty() {
        page.push_str("<p>No scenarios were run.</p>\n");
    } else {
        page.push_str(
            "<table class=\"index\"><thead><tr><th>Scenario</th><th>Verdict</th></tr></thead><tbody>\n",
        );
        for e in entries {
            let _ = writeln!(
                page,
                "<tr><td><a href=\"{}\">{}</a></td><td>{}</td></tr>",
                esc(&html::href(&e.report_href)),
                esc(&e.scenario_name),
                esc(&e.verdict)
            );
        }
        page.push_str("</tbody></table>\n");
    }
    let _ = writeln!(
        page,
        "<footer>Made by outsim {}.</footer>",
        env!("CARGO_PKG_VERSION")
    );
    html::close_page(&mut page);
    page
}

/// The run being reported.
struct Report<'a> {
    scenario: &'a Scenario,
    results: &'a Results,
    currency: &'a str,
}

/// Ordinal of a rank: 1st, 2nd, 3rd, 4th, 11th, 21st.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

impl Report<'_> {
    fn money(&self, v: f64) -> String {
        format_money(v, self.currency)
    }

    fn name(&self, s: usize) -> &str {
        &self.results.strategies[s]
    }

    /// A strategy's name with its chart colour.
    fn chip(&self, s: usize) -> String {
        format!(
            "<span class=\"chip\" style=\"background:{}\"></span>{}",
            strategy_css(s),
            esc(self.name(s))
        )
    }

    fn header(&self, page: &mut String, source_file: &Path) {
        let m = &self.scenario.meta;
        let _ = writeln!(page, "<header><h1>{}</h1>", esc(&m.name));
        if let Some(d) = &m.description {
            let _ = writeln!(page, "<p class=\"description\">{}</p>", esc(d));
        }
        let _ = writeln!(
            page,
            "<p class=\"meta\"><code>{}</code> · {} trials · seed {} · {} · costs in {} · {}</p></header>",
            esc(&source_file.display().to_string()),
            format_count(self.results.trials),
            self.results.seed,
            format_months(self.results.horizon as u64),
            esc(if m.currency.is_empty() {
                "no currency"
            } else {
                &m.currency
            }),
            if m.discount_rate_annual > 0.0 {
                format!(
                    "NPV discounted at {}% a year",
                    format_plain(100.0 * m.discount_rate_annual)
                )
            } else {
                "NPV undiscounted".to_string()
            }
        );
    }

    fn contents(&self, page: &mut String, sensitivity: bool) {
        page.push_str(
            "<nav><a href=\"#question\">Question</a> · <a href=\"#verdict\">Verdict</a> · \
             <a href=\"#summary\">Summary</a> · <a href=\"#breaks\">What breaks first</a> · \
             <a href=\"#breakdown\">Cost breakdown</a> · \
             <a href=\"#charts\">Charts</a> · <a href=\"#pairwise\">Head to head</a> · ",
        );
        if sensitivity {
            page.push_str("<a href=\"#sensitivity\">Sensitivity</a> · ");
        }
        page.push_str("<a href=\"#assumptions\">Assumptions and parameters</a></nav>\n");
    }

    fn question(&self, page: &mut String) {
        page.push_str("<section id=\"question\"><h2>The question</h2>\n");
        match &self.scenario.objectives {
            Some(o) => {
                let _ = writeln!(
                    page,
                    "<p>Which sourcing strategy meets every objective below in at least <strong>{}</strong> \
                     of simulated futures, and at the least expected cost?</p>",
                    format_probability(o.confidence)
                );
                page.push_str("<ul>\n");
                if let Some(v) = o.min_service_level {
                    let _ = writeln!(
                        page,
                        "<li>Service level at least <strong>{}</strong> (good units over units waiting, over the horizon)</li>",
                        format_share(v)
                    );
                }
                if let Some(v) = o.max_cost_per_unit {
                    let _ = writeln!(
                        page,
                        "<li>Cost per {} at most <strong>{}</strong> (undiscounted total over demand)</li>",
                        esc(singular(&self.scenario.demand.unit)),
                        format_money(v, self.currency)
                    );
                }
                if let Some(v) = o.max_defect_rate {
                    let _ = writeln!(
                        page,
                        "<li>Defect rate at most <strong>{}</strong></li>",
                        format_share(v)
                    );
                }
                if o.min_service_level.is_none()
                    && o.max_cost_per_unit.is_none()
                    && o.max_defect_rate.is_none()
                {
                    page.push_str("<li>No target is set, so every future counts as a success.</li>\n");
                }
                page.push_str("</ul>\n");
            }
            None => page.push_str(
                "<p class=\"warning\">This scenario sets no objectives, so success is undefined: every \
                 future counts as meeting them, and the strategies are compared on cost alone.</p>\n",
            ),
        }
        page.push_str("</section>\n");
    }

    fn verdict(&self, page: &mut String) {
        let r = self.results;
        page.push_str("<section id=\"verdict\"><h2>Verdict</h2>\n");
        let _ = writeln!(
            page,
            "<p class=\"headline\">{}</p>",
            esc(&verdict_line(self.scenario, r))
        );
        if let Some(o) = &self.scenario.objectives {
            let meeting: Vec<usize> = (0..r.summary.len())
                .filter(|&s| r.summary[s].meets_objectives)
                .collect();
            let _ = writeln!(
                page,
                "<h3>Strategies that meet the objectives in at least {} of futures</h3>",
                format_probability(o.confidence)
            );
            if meeting.is_empty() {
                page.push_str("<p>None. The table below shows how close each one comes.</p>\n");
            } else {
                page.push_str("<ul class=\"meeting\">\n");
                let best = r.best_value();
                for s in meeting {
                    let _ = writeln!(
                        page,
                        "<li>{}: met in {} of futures, expected NPV cost {} (P95 {}){}</li>",
                        self.chip(s),
                        format_probability(r.summary[s].p_objectives_met),
                        self.money(r.summary[s].cost_mean),
                        self.money(r.summary[s].cost_p95),
                        if best == Some(s) {
                            " <span class=\"badge best\">best value: the cheapest of these</span>"
                        } else {
                            ""
                        }
                    );
                }
                page.push_str("</ul>\n");
            }
        }
        self.hidden_costs(page);
        page.push_str("</section>\n");
    }

    /// What the strategy with the smallest labor bill really costs.
    fn hidden_costs(&self, page: &mut String) {
        let r = self.results;
        let Some(s) = charts::cheapest_on_labor(&r.summary) else {
            return;
        };
        let x = &r.summary[s];
        let parts = charts::cost_components(x);
        let hidden = x.cost_total_mean - x.labor_mean;
        let mut items: Vec<(usize, f64)> = (1..7).map(|k| (k, parts[k])).collect();
        items.sort_by(|a, b| b.1.total_cmp(&a.1));
        let largest: Vec<String> = items
            .iter()
            .filter(|(_, v)| *v > 0.0)
            .take(2)
            .map(|(k, v)| {
                format!(
                    "{} ({})",
                    charts::palette::COMPONENTS[*k].0.to_lowercase(),
                    self.money(*v)
                )
            })
            .collect();
        let mut rank_by_npv: Vec<usize> = (0..r.summary.len()).collect();
        rank_by_npv.sort_by(|&a, &b| r.summary[a].cost_mean.total_cmp(&r.summary[b].cost_mean));
        let rank = rank_by_npv.iter().position(|&i| i == s).unwrap_or(0) + 1;
        let headline = if r.summary.len() > 1 {
            "What the cheapest rate card really costs"
        } else {
            "What the rate card leaves out"
        };
        let _ = writeln!(page, "<h3>{headline}</h3>");
        let mut text = String::new();
        let _ = write!(
            text,
            "On labor alone, {} {} {} over {}. Counting onboarding, setup, oversight, defects, delay and incidents{}, \
             it costs <strong>{}</strong>: {} ({}) beyond its labor bill",
            self.chip(s),
            if r.summary.len() > 1 {
                "is the cheapest strategy at"
            } else {
                "costs"
            },
            self.money(x.labor_mean),
            format_months(r.horizon as u64),
            if x.credits_mean > 0.0 {
                format!(", net of {} in SLA credits", self.money(x.credits_mean))
            } else {
                String::new()
            },
            self.money(x.cost_total_mean),
            self.money(hidden),
            format_percent(charts::hidden_share(x), 0),
        );
        if !largest.is_empty() {
            let _ = write!(
                text,
                "; the largest hidden items are {}",
                largest.join(" and ")
            );
        }
        text.push('.');
        if r.summary.len() > 1 {
            let _ = write!(
                text,
                " Ranked by expected NPV cost it comes {} of {}",
                ordinal(rank),
                r.summary.len()
            );
            if self.scenario.objectives.is_some() {
                let _ = write!(
                    text,
                    ", and it meets the objectives in {} of futures{}",
                    format_probability(x.p_objectives_met),
                    if x.meets_objectives {
                        ""
                    } else {
                        ", short of the confidence asked for"
                    }
                );
            }
            text.push('.');
        }
        let _ = writeln!(page, "<p>{text}</p>");
    }

    fn summary(&self, page: &mut String) {
        let r = self.results;
        page.push_str("<section id=\"summary\"><h2>Summary</h2>\n");
        let _ = writeln!(
            page,
            "<p class=\"note\">NPV cost over {} simulated futures: mean, percentiles and CVaR95 (the mean of \
             the worst 5% of futures). Cost per {} is undiscounted. A strategy meets the objectives when the \
             share of futures meeting all of them reaches the confidence asked for.</p>",
            format_count(r.trials),
            esc(singular(&self.scenario.demand.unit))
        );
        let _ = writeln!(
            page,
            "<div class=\"scroll\"><table class=\"numbers\"><thead><tr><th>Strategy</th>\
             <th>Expected NPV cost</th><th>P5</th><th>Median</th><th>P95</th><th>CVaR95</th>\
             <th>Cost per {}</th><th>Service level</th><th>Service P5</th><th>Defect rate</th>\
             <th>P(shortfall)</th><th>P(objectives met)</th><th>Meets objectives</th></tr></thead><tbody>",
            esc(singular(&self.scenario.demand.unit))
        );
        let best = r.best_value();
        let cheapest = r.cheapest();
        for (s, x) in r.summary.iter().enumerate() {
            let mut badges = String::new();
            if cheapest == Some(s) {
                badges.push_str(" <span class=\"badge\">cheapest</span>");
            }
            if best == Some(s) {
                badges.push_str(" <span class=\"badge best\">best value</span>");
            }
            let meets = match (&self.scenario.objectives, x.meets_objectives) {
                (None, _) => "n/a".to_string(),
                (Some(_), true) => "<span class=\"yes\">yes</span>".to_string(),
                (Some(_), false) => "<span class=\"no\">no</span>".to_string(),
            };
            let _ = writeln!(
                page,
                "<tr><th scope=\"row\">{}{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                self.chip(s),
                badges,
                self.money(x.cost_mean),
                self.money(x.cost_p5),
                self.money(x.cost_p50),
                self.money(x.cost_p95),
                self.money(x.cost_cvar95),
                self.money(x.cost_per_unit_mean),
                format_percent(x.service_level_mean, 1),
                format_percent(x.service_level_p5, 1),
                format_percent(x.defect_rate_mean, 2),
                format_probability(x.p_shortfall),
                format_probability(x.p_objectives_met),
                meets
            );
        }
        page.push_str("</tbody></table></div>\n");
        page.push_str(
            "<div class=\"scroll\"><table class=\"numbers\"><thead><tr><th>Strategy</th>\
             <th>Mean heads hired</th><th>Mean leavers</th><th>Mean incidents</th>\
             <th>Mean shortfall months</th><th>Short of demand from month</th><th>Mean final backlog</th>\
             <th>Cost SD</th><th>Cost SE</th></tr></thead><tbody>\n",
        );
        for (s, x) in r.summary.iter().enumerate() {
            let _ = writeln!(
                page,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td>{}</td><td>{}</td></tr>",
                self.chip(s),
                format_plain((x.hires_mean * 10.0).round() / 10.0),
                format_plain((x.leavers_mean * 10.0).round() / 10.0),
                format_plain((x.incidents_mean * 100.0).round() / 100.0),
                format_plain((x.shortfall_months_mean * 10.0).round() / 10.0),
                x.first_shortfall_month
                    .map_or("never (in most futures)".to_string(), |m| m.to_string()),
                crate::charts::format::format_quantity(x.final_backlog_mean),
                self.money(x.cost_sd),
                self.money(x.cost_se),
            );
        }
        page.push_str("</tbody></table></div></section>\n");
    }

    fn breakdown(&self, page: &mut String) {
        let r = self.results;
        page.push_str("<section id=\"breakdown\"><h2>Cost breakdown</h2>\n");
        let _ = writeln!(
            page,
            "<p class=\"note\">Mean cost by component over {}, undiscounted. Labor is the price on the \
             rate card; the other components are what it leaves out. SLA credits are paid back by vendors and \
             reduce the total.</p>",
            format_months(r.horizon as u64)
        );
        page.push_str(
            "<div class=\"scroll\"><table class=\"numbers\"><thead><tr><th>Strategy</th>",
        );
        for (label, _) in charts::palette::COMPONENTS {
            let _ = write!(page, "<th>{}</th>", esc(label));
        }
        page.push_str("<th>Total</th><th>Beyond labor</th></tr></thead><tbody>\n");
        for (s, x) in r.summary.iter().enumerate() {
            let _ = write!(page, "<tr><th scope=\"row\">{}</th>", self.chip(s));
            for (k, v) in charts::cost_components(x).iter().enumerate() {
                let shown = if k == 7 && *v > 0.0 { -v } else { *v };
                let _ = write!(page, "<td>{}</td>", self.money(shown));
            }
            let _ = writeln!(
                page,
                "<td><strong>{}</strong></td><td>{}</td></tr>",
                self.money(x.cost_total_mean),
                format_percent(charts::hidden_share(x), 0)
            );
        }
        page.push_str("</tbody></table></div></section>\n");
    }

    fn charts(&self, page: &mut String, files: &[ChartFile], note: Option<&str>) {
        page.push_str("<section id=\"charts\"><h2>Charts</h2>\n");
        if let Some(note) = note {
            let _ = writeln!(
                page,
                "<p class=\"warning\">The charts could not be drawn: {}</p>",
                esc(note)
            );
        }
        let data = ChartData::new(self.scenario, self.results);
        let svgs: Vec<&ChartFile> = files.iter().filter(|f| f.name.ends_with(".svg")).collect();
        let mut shown = vec![false; svgs.len()];
        for kind in ChartKind::ALL {
            let name = format!("{}.svg", kind.stem());
            if let Some(i) = svgs.iter().position(|f| f.name == name) {
                shown[i] = true;
                figure(page, &kind.title(&data), how_to_read(kind), &svgs[i].bytes);
            }
        }
        for (i, file) in svgs.iter().enumerate() {
            if !shown[i] {
                figure(page, &file.name, "", &file.bytes);
            }
        }
        page.push_str("</section>\n");
    }

    fn pairwise(&self, page: &mut String) {
        let r = self.results;
        let n = r.strategies.len();
        page.push_str("<section id=\"pairwise\"><h2>Head to head</h2>\n");
        if n < 2 {
            page.push_str("<p>Only one strategy was simulated, so there is nothing to compare it with.</p></section>\n");
            return;
        }
        let _ = writeln!(
            page,
            "<p class=\"note\">Every strategy faces the same {} simulated futures, so each pair is compared \
             future by future. A cell is the share of futures in which the row's NPV cost is lower than \
             the column's.</p>",
            format_count(r.trials)
        );
        let index = |name: &str| r.strategies.iter().position(|s| s == name);
        let mut p = vec![vec![None; n]; n];
        for pair in &r.pairs {
            if let (Some(a), Some(b)) = (index(&pair.strategy_a), index(&pair.strategy_b)) {
                p[a][b] = Some(pair);
            }
        }
        page.push_str("<div class=\"scroll\"><table class=\"matrix\"><thead><tr><th>Row cheaper than column</th>");
        for s in 0..n {
            let _ = write!(page, "<th>{}</th>", self.chip(s));
        }
        page.push_str("</tr></thead><tbody>\n");
        for (a, row) in p.iter().enumerate() {
            let _ = write!(page, "<tr><th scope=\"row\">{}</th>", self.chip(a));
            for cell in row {
                match cell {
                    Some(pair) => {
                        let fill = diverging(pair.p_a_cheaper);
                        let ink = if luminance(fill) < 0.35 {
                            "#fff"
                        } else {
                            "#222"
                        };
                        let _ = write!(
                            page,
                            "<td style=\"background:#{:02X}{:02X}{:02X};color:{ink}\">{}</td>",
                            fill.0,
                            fill.1,
                            fill.2,
                            format_probability(pair.p_a_cheaper)
                        );
                    }
                    None => page.push_str("<td class=\"diagonal\">—</td>"),
                }
            }
            page.push_str("</tr>\n");
        }
        page.push_str("</tbody></table></div>\n");
        page.push_str(
            "<h3>Mean differences</h3><p class=\"note\">Mean NPV cost of the first strategy minus the second, \
             with its 95% confidence interval; a negative difference means the first is cheaper on average.</p>\n\
             <div class=\"scroll\"><table class=\"numbers\"><thead><tr><th>First</th><th>Second</th>\
             <th>P(first cheaper)</th><th>Mean difference</th><th>95% CI</th></tr></thead><tbody>\n",
        );
        for (a, row) in p.iter().enumerate() {
            for (b, cell) in row.iter().enumerate().skip(a + 1) {
                if let Some(pair) = cell {
                    let _ = writeln!(
                        page,
                        "<tr><th scope=\"row\">{}</th><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{} to {}</td></tr>",
                        self.chip(a),
                        self.chip(b),
                        format_probability(pair.p_a_cheaper),
                        self.money(pair.mean_diff),
                        self.money(pair.diff_ci_low),
                        self.money(pair.diff_ci_high)
                    );
                }
            }
        }
        page.push_str("</tbody></table></div></section>\n");
    }
}

/// A unit label in the singular for "cost per ...": `tickets` -> `ticket`.
fn singular(unit: &str) -> &str {
    match unit.strip_suffix('s') {
        Some(stem) if !stem.is_empty() && !unit.ends_with("ss") => stem,
        _ => unit,
    }
}

/// One chart as an inline SVG figure.
fn figure(page: &mut String, caption: &str, how_to_read: &str, svg: &[u8]) {
    let text = String::from_utf8_lossy(svg);
    let start = text.find("<svg").unwrap_or(0);
    let _ = writeln!(
        page,
        "<figure>\n{}\n<figcaption><strong>{}</strong>{}{}</figcaption></figure>",
        text[start..].trim_end(),
        esc(caption),
        if how_to_read.is_empty() { "" } else { " " },
        esc(how_to_read)
    );
}

/// A sentence on how to read each chart.
fn how_to_read(kind: ChartKind) -> &'static str {
    match kind {
        ChartKind::CostSCurve => {
            "Read up from a budget to the chance of staying within it; a curve further left and steeper is cheaper and surer."
        }
        ChartKind::CostDistribution => {
            "Boxes hold the middle half of futures; long whiskers mean a wide range of outcomes."
        }
        ChartKind::RiskVsCost => {
            "Up is more reliable, left is cheaper; the best value is the leftmost point in the shaded band."
        }
        ChartKind::CapacityFan => {
            "Where the coloured capacity line falls under the grey demand line, backlog builds."
        }
        ChartKind::CostBreakdown => {
            "Grey is labor; every coloured segment is a cost the rate card does not show."
        }
        ChartKind::Pairwise => {
            "Blue cells: the row is usually cheaper than the column; orange: usually dearer."
        }
        ChartKind::CumulativeCostFan => {
            "Where paths cross, the cheaper strategy changes; wide bands mean uncertain spending."
        }
    }
}

#[cfg(test)]
mod tests;
