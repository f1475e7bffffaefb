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
mod optimize;
mod parameters;

use std::path::Path;

use maud::{Markup, html};

use crate::analysis::sensitivity::Sensitivity;
use crate::charts::format::money_affixes;
use crate::charts::format::{
    format_count, format_money, format_months, format_percent, format_plain, format_probability,
    format_quantity, format_share,
};
use crate::charts::palette::{diverging, luminance};
use crate::charts::{self, ChartFile, ImageFormat, RUN_CHARTS};
use crate::engine::TRIAL_METRICS;
use crate::results::{COST_COMPONENTS, CostComponent, Results, StrategySummary};
use crate::scenario::Scenario;
use crate::verdict::{cheapest_rate_card, strategy_rate_card_price};
use html::{chip, figure};

pub use analysis::{Breaking, breaks_first, first_break_text, first_shortfall_text};
pub use optimize::render_optimize_report;

/// `items` as an English list: "a", "a and b", "a, b and c".
fn list_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

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
/// sentence heads the report's verdict section. Plain text: the page escapes it.
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
    let source = source_file.display().to_string();
    let body = html! {
        (report.header(&source))
        (report.contents(sensitivity.is_some()))
        (report.question())
        (report.verdict())
        (report.summary())
        (analysis::breaks_section(results))
        (analysis::exits_section(scenario, results))
        (report.breakdown())
        (report.charts(charts, chart_note.as_deref()))
        (report.pairwise())
        @if let Some((sens, tornadoes)) = sensitivity {
            (analysis::sensitivity_section(sens, tornadoes))
        }
        (parameters::render(scenario, results, &source))
        footer {
            "Made by outsim " (env!("CARGO_PKG_VERSION")) " from " code { (source) } " with "
            (format_count(results.trials)) " trials and seed " (results.seed)
            ". The same file, seed and trial count give the same numbers on any machine."
        }
    };
    html::page(&format!("{} — outsim report", scenario.meta.name), body)
}

/// Render the index page linking the reports of several scenarios.
pub fn render_index(entries: &[IndexEntry]) -> String {
    let body = html! {
        header {
            h1 { "outsim results" }
            p.meta {
                (entries.len()) " scenario" @if entries.len() != 1 { "s" }
                ", each with its own report. Open a report for the verdict, the charts and every \
                 assumption behind it."
            }
        }
        @if entries.is_empty() {
            p { "No scenarios were run." }
        } @else {
            table.index {
                thead { tr { th { "Scenario" } th { "Verdict" } } }
                tbody {
                    @for e in entries {
                        tr {
                            td { a href=(html::href(&e.report_href)) { (e.scenario_name) } }
                            td { (e.verdict) }
                        }
                    }
                }
            }
        }
        footer { "Made by outsim " (env!("CARGO_PKG_VERSION")) "." }
    };
    html::page("outsim results", body)
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

    /// A strategy's name with its chart colour.
    fn chip(&self, s: usize) -> Markup {
        chip(s, &self.results.strategies[s])
    }

    /// The demand unit in the singular, for "cost per ...".
    fn unit(&self) -> &str {
        singular(&self.scenario.demand.unit)
    }

    fn header(&self, source: &str) -> Markup {
        let m = &self.scenario.meta;
        html! {
            header {
                h1 { (m.name) }
                @if let Some(d) = &m.description {
                    p.description { (d) }
                }
                p.meta {
                    code { (source) } " · " (format_count(self.results.trials)) " trials · seed "
                    (self.results.seed) " · " (format_months(self.results.horizon as u64))
                    " · costs in " (if m.currency.is_empty() { "no currency" } else { &m.currency })
                    " · "
                    @if m.discount_rate_annual > 0.0 {
                        "NPV discounted at " (format_plain(100.0 * m.discount_rate_annual)) "% a year"
                    } @else {
                        "NPV undiscounted"
                    }
                }
            }
        }
    }

    fn contents(&self, sensitivity: bool) -> Markup {
        let mut links = vec![
            ("question", "Question"),
            ("recommendation", "Recommendation"),
            ("verdict", "Verdict"),
            ("summary", "Summary"),
            ("breaks", "What breaks first"),
        ];
        if analysis::has_exits(self.scenario, self.results) {
            links.push(("exits", "Exits and failures"));
        }
        links.extend([
            ("breakdown", "Cost breakdown"),
            ("charts", "Charts"),
            ("pairwise", "Head to head"),
        ]);
        if sensitivity {
            links.push(("sensitivity", "Sensitivity"));
        }
        links.push(("assumptions", "Assumptions and parameters"));
        html! {
            nav {
                @for (i, (id, label)) in links.iter().enumerate() {
                    @if i > 0 { " · " }
                    a href={ "#" (id) } { (label) }
                }
            }
        }
    }

    fn question(&self) -> Markup {
        html! {
            section id="question" {
                h2 { "The question" }
                @match &self.scenario.objectives {
                    Some(o) => {
                        p {
                            "Which sourcing strategy meets every objective below in at least "
                            strong { (format_probability(o.confidence)) }
                            " of simulated futures, and at the least expected cost?"
                        }
                        ul {
                            @if let Some(v) = o.min_service_level {
                                li {
                                    "Service level at least " strong { (format_share(v)) }
                                    " (good units over units waiting, over the horizon)"
                                }
                            }
                            @if let Some(v) = o.max_cost_per_unit {
                                li {
                                    "Cost per " (self.unit()) " at most " strong { (self.money(v)) }
                                    " (undiscounted total over demand)"
                                }
                            }
                            @if let Some(v) = o.max_defect_rate {
                                li { "Defect rate at most " strong { (format_share(v)) } }
                            }
                            @if let Some(v) = o.max_backlog_months {
                                li {
                                    "No month breaks: the backlog at a month's end never more than "
                                    strong { (format_plain(v)) } " month" @if v != 1.0 { "s" }
                                    " of that month's demand"
                                }
                            }
                            @if o.min_service_level.is_none()
                                && o.max_cost_per_unit.is_none()
                                && o.max_defect_rate.is_none()
                                && o.max_backlog_months.is_none()
                            {
                                li { "No target is set, so every future counts as a success." }
                            }
                        }
                    }
                    None => {
                        p.warning {
                            "This scenario sets no objectives, so success is undefined: every future \
                             counts as meeting them, and the strategies are compared on cost alone."
                        }
                    }
                }
            }
        }
    }

    fn verdict(&self) -> Markup {
        let r = self.results;
        let best = r.best_value();
        let meeting: Vec<usize> = (0..r.summary.len())
            .filter(|&s| r.summary[s].meets_objectives)
            .collect();
        let recommendation =
            crate::recommend::recommend(self.scenario, r, &money_affixes(self.currency).into());
        html! {
            @if let Some(rec) = &recommendation {
                section id="recommendation" {
                    h2 { "Recommendation" }
                    p.headline.recommendation { (rec.text) }
                }
            }
            section id="verdict" {
                h2 { "Verdict" }
                p.headline { (verdict_line(self.scenario, r)) }
                @if let Some(o) = &self.scenario.objectives {
                    h3 {
                        "Strategies that meet the objectives in at least "
                        (format_probability(o.confidence)) " of futures"
                    }
                    @if meeting.is_empty() {
                        p { "None. The table below shows how close each one comes." }
                    } @else {
                        ul.meeting {
                            @for &s in &meeting {
                                li {
                                    (self.chip(s)) ": met in "
                                    (format_probability(r.summary[s].p_objectives_met))
                                    " of futures, expected NPV cost " (self.money(r.summary[s].cost_mean))
                                    " (P95 " (self.money(r.summary[s].cost_p95)) ")"
                                    @if best == Some(s) {
                                        " " span.badge.best { "best value: the cheapest of these" }
                                    }
                                }
                            }
                        }
                    }
                }
                (self.hidden_costs())
            }
        }
    }

    /// What the strategy with the cheapest rate card ([`cheapest_rate_card`]) really
    /// costs: its labor bill, which depends on volume and rework as well as the rate, and
    /// every cost the rate card leaves out.
    fn hidden_costs(&self) -> Markup {
        let r = self.results;
        let Some(s) = cheapest_rate_card(self.scenario).filter(|&s| s < r.summary.len()) else {
            return html! {};
        };
        let Some(price) = strategy_rate_card_price(self.scenario, &self.scenario.strategies[s])
        else {
            return html! {};
        };
        let x = &r.summary[s];
        let several = r.summary.len() > 1;
        let mut items: Vec<(&str, f64)> = COST_COMPONENTS
            .iter()
            .filter(|c| c.name != "labor" && !c.subtracted)
            .map(|c| (c.label, c.mean(x)))
            .collect();
        items.sort_by(|a, b| b.1.total_cmp(&a.1));
        let largest: Vec<String> = items
            .iter()
            .filter(|(_, v)| *v > 0.0)
            .take(2)
            .map(|(label, v)| format!("{} ({})", label.to_lowercase(), self.money(*v)))
            .collect();
        let others: Vec<String> = COST_COMPONENTS
            .iter()
            .filter(|c| c.name != "labor" && !c.subtracted && c.shown(&r.summary))
            .map(|c| c.label.to_lowercase())
            .collect();
        let least_labor = charts::cheapest_on_labor(&r.summary).filter(|&l| l != s);
        let mut rank_by_npv: Vec<usize> = (0..r.summary.len()).collect();
        rank_by_npv.sort_by(|&a, &b| r.summary[a].cost_mean.total_cmp(&r.summary[b].cost_mean));
        let rank = rank_by_npv.iter().position(|&i| i == s).unwrap_or(0) + 1;
        html! {
            h3 {
                @if several { "What the cheapest rate card really costs" }
                @else { "What the rate card leaves out" }
            }
            p {
                "On its rate card, " (self.chip(s))
                @if several { " is the cheapest strategy, at " } @else { " costs " }
                strong { (self.money(price)) } " per " (self.unit())
                " in month 1 (each vendor's rate per head over its units per head, weighted by its \
                 share, before price escalation). Its labor over "
                (format_months(r.horizon as u64)) " comes to " (self.money(x.labor_mean))
                ", which grows with volume and rework, not only with the rate"
                @if let Some(l) = least_labor {
                    "; " (self.chip(l)) " has the smallest labor bill, "
                    (self.money(r.summary[l].labor_mean))
                }
                @if others.is_empty() { ". In all" } @else { ". Counting " (list_and(&others)) }
                @if x.credits_mean > 0.0 {
                    ", net of " (self.money(x.credits_mean)) " in SLA credits"
                }
                ", it costs " strong { (self.money(x.cost_total_mean)) } ": "
                (self.money(x.cost_total_mean - x.labor_mean)) " ("
                (format_percent(charts::hidden_share(x), 0)) ") beyond its labor bill"
                @if !largest.is_empty() {
                    "; the largest hidden items are " (largest.join(" and "))
                }
                "."
                @if several {
                    " Ranked by expected NPV cost it comes " (ordinal(rank)) " of " (r.summary.len())
                    @if self.scenario.objectives.is_some() {
                        ", and it meets the objectives in " (format_probability(x.p_objectives_met))
                        " of futures"
                        @if !x.meets_objectives { ", short of the confidence asked for" }
                    }
                    "."
                }
            }
        }
    }

    fn summary(&self) -> Markup {
        let r = self.results;
        let best = r.best_value();
        let cheapest = r.cheapest();
        html! {
            section id="summary" {
                h2 { "Summary" }
                p.note {
                    "NPV cost over " (format_count(r.trials)) " simulated futures: mean, percentiles \
                     and CVaR95 (the mean of the worst 5% of futures). Cost per " (self.unit())
                    " is undiscounted. A strategy meets the objectives when the share of futures \
                     meeting all of them reaches the confidence asked for."
                }
                div.scroll { table.numbers {
                    thead { tr {
                        th { "Strategy" } th { "Expected NPV cost" } th { "P5" } th { "Median" }
                        th { "P95" } th { "CVaR95" } th { "Cost per " (self.unit()) }
                        th { "Service level" } th { "Service P5" } th { "Defect rate" }
                        th { "P(shortfall)" } th { "P(objectives met)" } th { "Meets objectives" }
                    } }
                    tbody {
                        @for (s, x) in r.summary.iter().enumerate() {
                            tr {
                                th scope="row" {
                                    (self.chip(s))
                                    @if cheapest == Some(s) { " " span.badge { "cheapest" } }
                                    @if best == Some(s) { " " span.badge.best { "best value" } }
                                }
                                td { (self.money(x.cost_mean)) }
                                td { (self.money(x.cost_p5)) }
                                td { (self.money(x.cost_p50)) }
                                td { (self.money(x.cost_p95)) }
                                td { (self.money(x.cost_cvar95)) }
                                td { (self.money(x.cost_per_unit_mean)) }
                                td { (format_percent(x.service_level_mean, 1)) }
                                td { (format_percent(x.service_level_p5, 1)) }
                                td { (format_percent(x.defect_rate_mean, 2)) }
                                td { (format_probability(x.p_shortfall)) }
                                td { (format_probability(x.p_objectives_met)) }
                                td {
                                    @match (&self.scenario.objectives, x.meets_objectives) {
                                        (None, _) => "n/a",
                                        (Some(_), true) => span.yes { "yes" },
                                        (Some(_), false) => span.no { "no" },
                                    }
                                }
                            }
                        }
                    }
                } }
                div.scroll { table.numbers {
                    thead { tr {
                        th { "Strategy" } th { "Mean heads hired" } th { "Mean leavers" }
                        th { "Mean incidents" } th { "Mean shortfall months" }
                        th { "Short of demand from month" } th { "Mean final backlog" }
                        th { "Cost SD" } th { "Cost SE" }
                    } }
                    tbody {
                        @for (s, x) in r.summary.iter().enumerate() {
                            tr {
                                th scope="row" { (self.chip(s)) }
                                td { (format_plain((x.hires_mean * 10.0).round() / 10.0)) }
                                td { (format_plain((x.leavers_mean * 10.0).round() / 10.0)) }
                                td { (format_plain((x.incidents_mean * 100.0).round() / 100.0)) }
                                td { (format_plain((x.shortfall_months_mean * 10.0).round() / 10.0)) }
                                td {
                                    @match x.first_shortfall_month {
                                        Some(m) => (m),
                                        None => "never (in most futures)",
                                    }
                                }
                                td { (format_quantity(x.final_backlog_mean)) }
                                td { (self.money(x.cost_sd)) }
                                td { (self.money(x.cost_se)) }
                            }
                        }
                    }
                } }
                (self.every_output())
            }
        }
    }

    /// The mean of every per-trial output, from the registry
    /// ([`crate::engine::TRIAL_METRICS`]), with its unit and meaning: one row per output,
    /// one column per strategy.
    fn every_output(&self) -> Markup {
        let r = self.results;
        let value = |unit: &str, x: f64| match unit {
            "currency" | "currency per unit" => self.money(x),
            "share" => format_percent(x, 1),
            "flag" => format_probability(x),
            "units" => format_quantity(x),
            _ => format_plain((x * 10.0).round() / 10.0),
        };
        html! {
            details {
                summary { "Every per-trial output: its mean over futures" }
                p.note {
                    "Means over " (format_count(r.trials)) " futures of every output a trial \
                     produces (each is a column of " code { "trials.parquet" } "). Amounts are \
                     undiscounted except the NPVs; a flag's mean is the share of futures in \
                     which it holds; a month's index averages 0 for futures without the event."
                }
                div.scroll { table.numbers {
                    thead { tr {
                        th { "Output" } th { "Unit" }
                        @for s in 0..r.summary.len() { th { (self.chip(s)) } }
                        th { "Meaning" }
                    } }
                    tbody {
                        @for (i, m) in TRIAL_METRICS.iter().enumerate() {
                            tr {
                                th scope="row" { code { (m.name) } }
                                td { (m.unit) }
                                @for x in &r.summary {
                                    td { (value(m.unit, x.means.get(i).copied().unwrap_or(f64::NAN))) }
                                }
                                td.text { (m.description) }
                            }
                        }
                    }
                } }
            }
        }
    }

    fn breakdown(&self) -> Markup {
        let r = self.results;
        let used: Vec<&CostComponent> = COST_COMPONENTS
            .iter()
            .filter(|c| c.shown(&r.summary))
            .collect();
        html! {
            section id="breakdown" {
                h2 { "Cost breakdown" }
                p.note {
                    "Mean cost by component over " (format_months(r.horizon as u64))
                    ", undiscounted. Labor is what the vendors bill for heads: the rate card's \
                     price times the heads that volume and rework call for. The other components \
                     are what a rate card leaves out. SLA credits are paid back by vendors and \
                     reduce the total. Components marked * are the client's economic costs: \
                     real, but no one is paid them."
                }
                div.scroll { table.numbers {
                    thead { tr {
                        th { "Strategy" }
                        @for c in &used { th { (c.label) @if !c.cash { "*" } } }
                        th { "Total" } th { "Beyond labor" }
                    } }
                    tbody {
                        @for (s, x) in r.summary.iter().enumerate() {
                            tr {
                                th scope="row" { (self.chip(s)) }
                                @for c in &used {
                                    td {
                                        (self.money(if c.subtracted && c.mean(x) > 0.0 {
                                            -c.mean(x)
                                        } else {
                                            c.mean(x)
                                        }))
                                    }
                                }
                                td { strong { (self.money(x.cost_total_mean)) } }
                                td { (format_percent(charts::hidden_share(x), 0)) }
                            }
                        }
                    }
                } }
                (self.cash_and_economic())
            }
        }
    }

    /// Cash paid against economic cost (MODEL.md V2.6): what the client pays someone,
    /// and what defects and delay cost it without an invoice.
    fn cash_and_economic(&self) -> Markup {
        let r = self.results;
        let largest = r
            .summary
            .iter()
            .enumerate()
            .filter(|(_, x)| x.cost_mean.abs() > 0.0)
            .max_by(|a, b| {
                let share = |x: &StrategySummary| x.economic_mean / x.cost_mean;
                share(a.1).total_cmp(&share(b.1))
            });
        html! {
            h3 { "Cash paid and economic cost" }
            p {
                "Cash is what the client pays to vendors and its own staff: every component but \
                 defects and delay. Defects and delay are the client's economic costs: the rework \
                 and the waiting they cause are real, but no invoice shows them, so a finance \
                 team's budget sees only the cash."
                @if let Some((s, x)) = largest.filter(|(_, x)| x.economic_mean > 0.0) {
                    " The economic share is largest for " (self.chip(s)) ": "
                    (self.money(x.economic_mean)) " of its " (self.money(x.cost_mean))
                    " expected NPV cost ("
                    (format_percent(x.economic_mean / x.cost_mean, 0)) ")."
                }
            }
            div.scroll { table.numbers {
                thead { tr {
                    th { "Strategy" } th { "Expected NPV cost" } th { "Cash paid (NPV)" }
                    th { "Cash P95" } th { "Economic cost (NPV)" } th { "Economic share" }
                } }
                tbody {
                    @for (s, x) in r.summary.iter().enumerate() {
                        tr {
                            th scope="row" { (self.chip(s)) }
                            td { (self.money(x.cost_mean)) }
                            td { (self.money(x.cash_mean)) }
                            td { (self.money(x.cash_p95)) }
                            td { (self.money(x.economic_mean)) }
                            td {
                                @if x.cost_mean.abs() > 0.0 {
                                    (format_percent(x.economic_mean / x.cost_mean, 0))
                                } @else { "n/a" }
                            }
                        }
                    }
                }
            } }
        }
    }

    fn charts(&self, files: &[ChartFile], note: Option<&str>) -> Markup {
        let svgs: Vec<&ChartFile> = files.iter().filter(|f| f.name.ends_with(".svg")).collect();
        let mut shown = vec![false; svgs.len()];
        let mut figures = Vec::with_capacity(svgs.len());
        for chart in RUN_CHARTS {
            let name = format!("{}.svg", chart.stem);
            if let Some(i) = svgs.iter().position(|f| f.name == name) {
                shown[i] = true;
                figures.push(figure(chart.title, chart.reading, &svgs[i].bytes));
            }
        }
        for (i, file) in svgs.iter().enumerate() {
            if !shown[i] {
                figures.push(figure(&file.name, "", &file.bytes));
            }
        }
        html! {
            section id="charts" {
                h2 { "Charts" }
                @if let Some(note) = note {
                    p.warning { "The charts could not be drawn: " (note) }
                }
                @for f in figures { (f) }
            }
        }
    }

    fn pairwise(&self) -> Markup {
        let r = self.results;
        let n = r.strategies.len();
        if n < 2 {
            return html! {
                section id="pairwise" {
                    h2 { "Head to head" }
                    p { "Only one strategy was simulated, so there is nothing to compare it with." }
                }
            };
        }
        let index = |name: &str| r.strategies.iter().position(|s| s == name);
        let mut p = vec![vec![None; n]; n];
        for pair in &r.pairs {
            if let (Some(a), Some(b)) = (index(&pair.strategy_a), index(&pair.strategy_b)) {
                p[a][b] = Some(pair);
            }
        }
        html! {
            section id="pairwise" {
                h2 { "Head to head" }
                p.note {
                    "Every strategy faces the same " (format_count(r.trials)) " simulated futures, so \
                     each pair is compared future by future. A cell is the share of futures in which \
                     the row's NPV cost is lower than the column's."
                }
                div.scroll { table.matrix {
                    thead { tr {
                        th { "Row cheaper than column" }
                        @for s in 0..n { th { (self.chip(s)) } }
                    } }
                    tbody {
                        @for (a, row) in p.iter().enumerate() {
                            tr {
                                th scope="row" { (self.chip(a)) }
                                @for cell in row {
                                    @match cell {
                                        Some(pair) => {
                                            @let fill = diverging(pair.p_a_cheaper);
                                            @let ink = if luminance(fill) < 0.35 { "#fff" } else { "#222" };
                                            td style=(format!(
                                                "background:#{:02X}{:02X}{:02X};color:{ink}",
                                                fill.0, fill.1, fill.2
                                            )) {
                                                (format_probability(pair.p_a_cheaper))
                                            }
                                        }
                                        None => td.diagonal { "—" },
                                    }
                                }
                            }
                        }
                    }
                } }
                h3 { "Mean differences" }
                p.note {
                    "Mean NPV cost of the first strategy minus the second, with its 95% confidence \
                     interval; a negative difference means the first is cheaper on average."
                }
                div.scroll { table.numbers {
                    thead { tr {
                        th { "First" } th { "Second" } th { "P(first cheaper)" }
                        th { "Mean difference" } th { "95% CI" }
                    } }
                    tbody {
                        @for (a, row) in p.iter().enumerate() {
                            @for (b, cell) in row.iter().enumerate().skip(a + 1) {
                                @if let Some(pair) = cell {
                                    tr {
                                        th scope="row" { (self.chip(a)) }
                                        th scope="row" { (self.chip(b)) }
                                        td { (format_probability(pair.p_a_cheaper)) }
                                        td { (self.money(pair.mean_diff)) }
                                        td {
                                            (self.money(pair.diff_ci_low)) " to "
                                            (self.money(pair.diff_ci_high))
                                        }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
        }
    }
}

/// A unit label in the singular for "cost per ...": `tickets` -> `ticket`.
fn singular(unit: &str) -> &str {
    match unit.strip_suffix('s') {
        Some(stem) if !stem.is_empty() && !unit.ends_with("ss") => stem,
        _ => unit,
    }
}

#[cfg(test)]
mod tests;
