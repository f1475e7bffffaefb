//! Report sections from the analyses: "what breaks first" (the first month in which most
//! futures are short of capacity, from every run) and sensitivity (which uncertain
//! inputs drive cost and service, present when the run was a sensitivity run).

use maud::{Markup, html};

use super::html::{chip, figure};
use crate::analysis::sensitivity::Sensitivity;
use crate::charts::ChartFile;
use crate::charts::format::{format_count, format_money, format_plain, format_probability};
use crate::results::{MonthSpread, Results, StrategySummary, VendorExits};
use crate::scenario::Scenario;

/// A first month with its 95% interval, in words: `month 7 (95% CI 6 to 9)`, or
/// `never within the horizon`.
fn first_month_text(month: Option<u32>, low: Option<u32>, high: Option<u32>) -> String {
    match (month, low, high) {
        (Some(m), Some(lo), Some(hi)) if lo == hi && lo == m => format!("month {m} (95% CI {m})"),
        (Some(m), Some(lo), Some(hi)) => format!("month {m} (95% CI {lo} to {hi})"),
        (Some(m), Some(lo), None) => {
            format!("month {m} (95% CI {lo} to beyond the horizon)")
        }
        (Some(m), None, _) => format!("month {m}"),
        (None, Some(lo), _) => {
            format!("never within the horizon (95% CI: could be as early as month {lo})")
        }
        (None, None, _) => "never within the horizon".to_string(),
    }
}

/// When a strategy first runs short of capacity in most futures, with its 95% interval,
/// in words: `month 7 (95% CI 6 to 9)`, or `never within the horizon`.
pub fn first_shortfall_text(s: &StrategySummary) -> String {
    first_month_text(
        s.first_shortfall_month,
        s.first_shortfall_month_ci_low,
        s.first_shortfall_month_ci_high,
    )
}

/// When a strategy first breaks (its backlog beyond `max_backlog_months` of demand) in
/// most futures, with its 95% interval, in words.
pub fn first_break_text(s: &StrategySummary) -> String {
    first_month_text(
        s.first_break_month,
        s.first_break_month_ci_low,
        s.first_break_month_ci_high,
    )
}

/// What "breaking" means in a run: the backlog beyond `max_backlog_months` of demand
/// when the scenario sets that objective (MODEL.md V2.7), capacity short of the work
/// available otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Breaking {
    /// Capacity below the work available (version 1's shortfall).
    Shortfall,
    /// A backlog deeper than this many months of demand.
    Backlog(f64),
}

impl Breaking {
    /// What breaking means in `results`.
    pub fn of(results: &Results) -> Self {
        Self::with_limit(results.max_backlog_months)
    }

    /// What breaking means with the scenario's `max_backlog_months`, set or not.
    pub fn with_limit(max_backlog_months: Option<f64>) -> Self {
        max_backlog_months.map_or(Breaking::Shortfall, Breaking::Backlog)
    }

    /// The first month in which most futures of `s` break.
    pub fn first_month(self, s: &StrategySummary) -> Option<u32> {
        match self {
            Breaking::Shortfall => s.first_shortfall_month,
            Breaking::Backlog(_) => s.first_break_month,
        }
    }

    /// That month with its 95% interval, in words.
    pub fn first_text(self, s: &StrategySummary) -> String {
        match self {
            Breaking::Shortfall => first_shortfall_text(s),
            Breaking::Backlog(_) => first_break_text(s),
        }
    }

    /// The share of futures of `s` that break in any month.
    pub fn probability(self, s: &StrategySummary) -> f64 {
        match self {
            Breaking::Shortfall => s.p_shortfall,
            Breaking::Backlog(_) => s.p_break,
        }
    }

    /// What a future in which a strategy breaks is, after "is": `short of capacity`,
    /// `behind by more than 0.5 months of demand`.
    pub fn state(self) -> String {
        match self {
            Breaking::Shortfall => "short of capacity".to_string(),
            Breaking::Backlog(_) => format!("behind by more than {} of demand", self.limit()),
        }
    }

    /// The tolerated backlog in words, `0.5 months`; empty for a shortfall.
    fn limit(self) -> String {
        match self {
            Breaking::Shortfall => String::new(),
            Breaking::Backlog(1.0) => "1 month".to_string(),
            Breaking::Backlog(m) => format!("{} months", format_plain(m)),
        }
    }
}

/// The strategy that breaks in most futures earliest, if any does ([`Breaking`]); ties
/// go to the first strategy in file order.
pub fn breaks_first(results: &Results) -> Option<usize> {
    let breaking = Breaking::of(results);
    results
        .summary
        .iter()
        .enumerate()
        .filter_map(|(i, s)| breaking.first_month(s).map(|m| (i, m)))
        .min_by_key(|&(i, m)| (m, i))
        .map(|(i, _)| i)
}

/// The "What breaks first, and when" section.
pub(crate) fn breaks_section(results: &Results) -> Markup {
    let breaking = Breaking::of(results);
    let state = breaking.state();
    html! {
        section id="breaks" {
            h2 { "What breaks first, and when" }
            @match breaks_first(results) {
                Some(s) => {
                    @let x = &results.summary[s];
                    p.headline {
                        strong { (x.strategy) } " breaks first: more than half of futures are "
                        (state) " from " (breaking.first_text(x)) "."
                    }
                }
                None => p.headline {
                    "No strategy is " (state) " in more than half of futures in any month of \
                     the horizon."
                },
            }
            p.note {
                @match breaking {
                    Breaking::Shortfall => {
                        "The first month in which P(shortfall), the share of futures whose \
                         capacity falls short of the work available, passes 50%."
                    }
                    Breaking::Backlog(_) => {
                        "A month breaks when the backlog at its end exceeds "
                        (breaking.limit())
                        " of that month's demand (the objective max_backlog_months): a queue \
                         deeper than the plan tolerates, not the normal queue of rework. The \
                         first month in which P(break), the share of futures that break in that \
                         month, passes 50%."
                    }
                }
                " The interval runs from the first month whose share could pass 50% (upper 95% \
                 Wilson bound above one half) to the first month where it surely does (lower \
                 bound above one half)."
            }
            div.scroll { table.numbers {
                thead { tr {
                    th { "Strategy" }
                    @match breaking {
                        Breaking::Shortfall => {
                            th { "P(shortfall in any month)" }
                            th { "Short of capacity in most futures from" }
                        }
                        Breaking::Backlog(_) => {
                            th { "P(break in any month)" } th { "Mean months broken" }
                            th { "Breaks in most futures from" }
                            th { "P(shortfall in any month)" }
                        }
                    }
                } }
                tbody {
                    @for (s, x) in results.summary.iter().enumerate() {
                        tr {
                            th scope="row" { (chip(s, &x.strategy)) }
                            td { (format_probability(breaking.probability(x))) }
                            @if let Breaking::Backlog(_) = breaking {
                                td { (format_plain((x.break_months_mean * 10.0).round() / 10.0)) }
                            }
                            td { (breaking.first_text(x)) }
                            @if let Breaking::Backlog(_) = breaking {
                                td { (format_probability(x.p_shortfall)) }
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// The sensitivity section: drivers per strategy, and the tornado charts.
pub(crate) fn sensitivity_section(sens: &Sensitivity, tornado_svgs: &[ChartFile]) -> Markup {
    html! {
        section id="sensitivity" {
            h2 { "Sensitivity: which inputs drive the risk" }
            p.note {
                "ρ is Spearman's rank correlation, over the same " (format_count(sens.trials))
                " futures, between an input drawn per trial and the strategy's NPV cost or service \
                 level, with every other input varying too. The swing fixes one input at its P10 \
                 and then its P90, everything else random, and gives the median NPV cost at each \
                 end; counts (shocks, disruptions, incident losses) are swung through their rate. \
                 Inputs that do not vary, or do not reach the strategy, are left out; "
                code { "sensitivity.csv" } " lists every pair."
            }
            @if sens.inputs.iter().any(|i| !i.correlated_with.is_empty()) {
                p.note {
                    "Some inputs are correlated (" code { "[[correlations]]" } "), so they move \
                     together and an input's ρ includes its partners' effect: two correlated \
                     inputs can both rank high though only one of them acts. Its swing moves it \
                     alone, its partners keeping their own distributions. Correlated: "
                    @for (k, i) in sens.inputs.iter().filter(|i| !i.correlated_with.is_empty()).enumerate() {
                        @if k > 0 { "; " }
                        (i.label) " with " (i.correlated_with.join(", "))
                    }
                    ". The column " code { "correlated_with" } " of "
                    code { "sensitivity.csv" } " says the same."
                }
            }
            @if sens.inputs.is_empty() {
                p { "No input varies from trial to trial, so there is nothing to rank." }
            } @else {
                @for (s, name) in sens.strategies.iter().enumerate() {
                    (drivers(sens, s, name, tornado_svgs))
                }
            }
        }
    }
}

/// One strategy's drivers: the ranked table and its tornado chart.
fn drivers(sens: &Sensitivity, s: usize, name: &str, tornado_svgs: &[ChartFile]) -> Markup {
    let money = |v: f64| format_money(v, &sens.currency);
    let rho = |r: Option<f64>| r.map_or("n/a".to_string(), |v| format!("{v:+.2}"));
    // A swing of exactly zero means the input does not reach this strategy (a vendor it
    // does not use: the same futures give the same costs); such rows are left out.
    let rows = sens.ranked(s).into_iter().filter(|i| {
        i.swing
            .as_ref()
            .is_none_or(|w| w.p50_high[s] != w.p50_low[s])
    });
    let stem = crate::charts::tornado_stems(sens)
        .get(s)
        .map(|t| format!("{t}.svg"))
        .unwrap_or_default();
    let tornado = tornado_svgs.iter().find(|f| f.name == stem);
    html! {
        h3 { (chip(s, name)) }
        div.scroll { table.numbers {
            thead { tr {
                th { "Input" } th { "ρ with cost" } th { "ρ with service level" }
                th { "Median cost, input at P10" } th { "Median cost, input at P90" } th { "Swing" }
            } }
            tbody {
                @for i in rows {
                    tr {
                        th scope="row" { (i.label) }
                        td { (rho(i.rho_cost[s])) }
                        td { (rho(i.rho_service[s])) }
                        @match &i.swing {
                            Some(w) => {
                                td { (money(w.p50_low[s])) }
                                td { (money(w.p50_high[s])) }
                                td { (money((w.p50_high[s] - w.p50_low[s]).abs())) }
                            }
                            None => { td { "—" } td { "—" } td { "—" } }
                        }
                    }
                }
            }
        } }
        @if let Some(svg) = tornado {
            (figure(
                &format!("What drives the cost of {name}"),
                "The widest bar is the input whose uncertainty moves the median cost most.",
                &svg.bytes,
            ))
        }
    }
}

/// What a strategy's exits and vendor failures did over the futures simulated, in one
/// sentence; `None` for a strategy with no exit rule that never lost a vendor.
///
/// The sentence sums over the strategy's vendors (which vendor, and when, is
/// [`vendor_exit_texts`]); the averages are over the futures with an exit or failure,
/// where the fee and the first exit month are non-zero.
pub fn exits_text(s: &StrategySummary, has_rules: bool, currency: &str) -> Option<String> {
    if s.p_exit <= 0.0 {
        return has_rules.then(|| "its exit rules never fired in the futures simulated.".into());
    }
    let month = (s.first_exit_month_mean / s.p_exit).round();
    let vendors = (s.exits_mean / s.p_exit * 10.0).round() / 10.0;
    let fees = if s.exit_mean > 0.0 {
        format!(
            "; exit fees came to {} on average in those futures",
            format_money(s.exit_mean / s.p_exit, currency)
        )
    } else {
        String::new()
    };
    Some(format!(
        "a vendor was left or lost to a failure in {} of futures, the first in month {} on \
         average ({} vendor{} per such future){}.",
        format_probability(s.p_exit),
        format_plain(month),
        format_plain(vendors),
        if vendors == 1.0 { "" } else { "s" },
        fees
    ))
}

/// "in month 9" or "in months 9-14".
fn months_phrase(spread: &MonthSpread) -> String {
    if spread.most_often_from == spread.most_often_to {
        format!("in month {}", spread.most_often_from)
    } else {
        format!(
            "in months {}\u{2013}{}",
            spread.most_often_from, spread.most_often_to
        )
    }
}

/// What exits and failures did to one vendor of a strategy, one sentence each:
/// "LowCostCo was left in 41% of futures, most often in months 9–14; leaving cost
/// $1.2M on average." and "LowCostCo failed in 5% of futures, most often in months
/// 3–20." Nothing for a vendor never left and never failed. "Most often" is the
/// shortest run of months holding at least half of the events
/// ([`crate::stats::months::busiest_run`]); the cost is averaged over the futures in
/// which the vendor was left.
pub fn vendor_exit_texts(v: &VendorExits, currency: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(spread) = v.left_month.as_ref().filter(|_| v.p_left > 0.0) {
        let cost = if v.left_cost_mean > 0.0 {
            format!(
                "; leaving cost {} on average",
                format_money(v.left_cost_mean, currency)
            )
        } else {
            String::new()
        };
        out.push(format!(
            "{} was left in {} of futures, most often {}{}.",
            v.vendor,
            format_probability(v.p_left),
            months_phrase(spread),
            cost
        ));
    }
    if let Some(spread) = v.failed_month.as_ref().filter(|_| v.p_failed > 0.0) {
        out.push(format!(
            "{} failed in {} of futures, most often {}.",
            v.vendor,
            format_probability(v.p_failed),
            months_phrase(spread)
        ));
    }
    out
}

/// Whether the report has an "Exits and failures" section: some strategy has an exit
/// rule or lost a vendor in some future.
pub(crate) fn has_exits(scenario: &Scenario, results: &Results) -> bool {
    scenario.strategies.iter().any(|t| !t.exits.is_empty())
        || results.summary.iter().any(|s| s.p_exit > 0.0)
}

/// The "Exits and failures" section: per strategy with an exit rule or a vendor lost,
/// what happened; nothing when no strategy has either (every version 1 file).
pub(crate) fn exits_section(scenario: &Scenario, results: &Results) -> Markup {
    let currency = &scenario.meta.currency;
    let lines: Vec<(usize, String, Vec<String>)> = results
        .summary
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let has_rules = scenario
                .strategies
                .iter()
                .any(|t| t.name == s.strategy && !t.exits.is_empty());
            let vendors: Vec<String> = results
                .vendor_exits
                .iter()
                .filter(|v| v.strategy == i)
                .flat_map(|v| vendor_exit_texts(v, currency))
                .collect();
            exits_text(s, has_rules, currency).map(|text| (i, text, vendors))
        })
        .collect();
    html! {
        @if !lines.is_empty() {
            section id="exits" {
                h2 { "Exits and failures" }
                p.note {
                    "What each strategy's exit rules and vendor failures did across the \
                     simulated futures. Month and fee averages are over the futures with an \
                     exit or failure; for each vendor, \u{201c}most often\u{201d} is the \
                     shortest run of months holding at least half of its exits or failures, \
                     and the cost of leaving (releases and exit fee) is averaged over the \
                     futures in which it was left."
                }
                ul {
                    @for (s, text, vendors) in &lines {
                        li {
                            (chip(*s, &results.summary[*s].strategy)) ": " (text)
                            @if !vendors.is_empty() {
                                ul {
                                    @for line in vendors { li { (line) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
