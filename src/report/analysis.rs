//! Report sections from the analyses: "what breaks first" (the first month in which most
//! futures are short of capacity, from every run) and sensitivity (which uncertain
//! inputs drive cost and service, present when the run was a sensitivity run).

use maud::{Markup, html};

use super::html::{chip, figure};
use crate::analysis::sensitivity::Sensitivity;
use crate::charts::ChartFile;
use crate::charts::format::{format_count, format_money, format_probability};
use crate::results::{Results, StrategySummary};

/// When a strategy first runs short of capacity in most futures, with its 95% interval,
/// in words: `month 7 (95% CI 6 to 9)`, or `never within the horizon`.
pub fn first_shortfall_text(s: &StrategySummary) -> String {
    match (
        s.first_shortfall_month,
        s.first_shortfall_month_ci_low,
        s.first_shortfall_month_ci_high,
    ) {
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

/// The strategy that runs short of capacity in most futures earliest, if any does.
pub fn breaks_first(results: &Results) -> Option<usize> {
    results
        .summary
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.first_shortfall_month.map(|m| (i, m)))
        .min_by_key(|&(i, m)| (m, i))
        .map(|(i, _)| i)
}

/// The "What breaks first, and when" section.
pub(crate) fn breaks_section(results: &Results) -> Markup {
    html! {
        section id="breaks" {
            h2 { "What breaks first, and when" }
            @match breaks_first(results) {
                Some(s) => {
                    @let x = &results.summary[s];
                    p.headline {
                        strong { (x.strategy) } " breaks first: more than half of futures are short \
                         of capacity from " (first_shortfall_text(x)) "."
                    }
                }
                None => p.headline {
                    "No strategy is short of capacity in more than half of futures in any month of \
                     the horizon."
                },
            }
            p.note {
                "The first month in which P(shortfall), the share of futures whose capacity falls \
                 short of the work available, passes 50%. The interval runs from the first month \
                 whose P(shortfall) could pass 50% (upper 95% Wilson bound above one half) to the \
                 first month where it surely does (lower bound above one half)."
            }
            div.scroll { table.numbers {
                thead { tr {
                    th { "Strategy" } th { "P(shortfall in any month)" }
                    th { "Short of capacity in most futures from" }
                } }
                tbody {
                    @for (s, x) in results.summary.iter().enumerate() {
                        tr {
                            th scope="row" { (chip(s, &x.strategy)) }
                            td { (format_probability(x.p_shortfall)) }
                            td { (first_shortfall_text(x)) }
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
