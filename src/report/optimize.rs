//! `optimize/report.html`: the page of an `outsim optimize` run. It states the search
//! settings, the levers and their ranges, the best plan and the runner-up with their
//! re-simulated intervals, the verdict, and embeds the frontier chart. Every text read
//! from the scenario (names, strategy, vendors) is escaped by maud.

use maud::html;

use super::html::{figure, page};
use crate::analysis::optimize::{LeverKind, Optimized, describe};
use crate::charts::format::{format_money, format_probability};

/// The page, with `frontier_svg` (the chart drawn for this run) embedded.
pub fn render_optimize_report(run: &Optimized, frontier_svg: &[u8]) -> String {
    let money = |v: f64| format_money(v, &run.currency);
    let best = &run.evaluations[run.best];
    let verdict = match run.best_checked() {
        Some(c) if c.feasible => format!(
            "The best plan meets the objectives with P {} on fresh trials.",
            format_probability(c.p_objectives_met)
        ),
        Some(_) => "On fresh trials the best plan falls short of the confidence asked: treat it as borderline (raise --trials, or the buffer).".to_string(),
        None => "The best plan was not re-simulated.".to_string(),
    };
    let title = format!("{}: optimize {}", run.scenario_name, run.strategy);
    let body = html! {
        h1 { (title) }
        p.headline { (verdict) }
        h2 { "Search settings" }
        dl.params {
            dt { "Strategy" } dd { (run.strategy) }
            dt { "Minimised" } dd { (run.objective.name()) }
            dt { "Confidence asked" } dd { "P(objectives met) ≥ " (format_probability(run.confidence)) }
            dt { "Evaluations" } dd { (run.evaluations.len()) " of " (run.budget) " asked" }
            dt { "Trials per evaluation" } dd { (run.trials) }
            dt { "Seed" } dd { (run.seed) "; re-simulated on seed " (run.recheck_seed) }
        }
        h2 { "Levers" }
        div.scroll { table.params {
            thead { tr { th { "Lever" } th { "Range" } } }
            tbody {
                @for lever in &run.levers {
                    tr {
                        td { code { (lever.name) } }
                        td { @match &lever.kind {
                            LeverKind::Number { low, high } => { (low) " to " (high) },
                            LeverKind::Switch => "true or false",
                            LeverKind::Staffing => "reactive or planned",
                            LeverKind::Allocation { vendors } => { "shares over " (vendors.join(", ")) },
                        } }
                    }
                }
            }
        } }
        h2 { "Best plan" }
        p { (describe(&run.levers, &best.values)) }
        p.note { "While searching: " (run.objective.name()) " " (money(best.cost))
            ", P(objectives met) " (format_probability(best.p_objectives_met))
            @if !best.feasible { " (infeasible: no plan searched meets the objectives)" } }
        @if let Some(r) = run.runner_up {
            h2 { "Runner-up" }
            p { (describe(&run.levers, &run.evaluations[r].values)) }
        }
        h2 { "On fresh trials (95% intervals)" }
        div.scroll { table.numbers {
            thead { tr { th { "Plan" } th { (run.objective.name()) } th { "Mean cost" } th { "P(objectives met)" } th { "Meets" } } }
            tbody {
                @for c in &run.recheck {
                    tr {
                        th scope="row" { (c.name) }
                        td { (money(c.cost)) }
                        td { (money(c.cost_mean)) " ± " (money(c.cost_mean_half_width)) }
                        td { (format_probability(c.p_objectives_met)) " ± " (format_probability(c.p_half_width)) }
                        td { @if c.feasible { span.yes { "yes" } } @else { span.no { "no" } } }
                    }
                }
            }
        } }
        h2 { "The frontier" }
        (figure(
            "Cost against confidence: every plan searched, and the frontier.",
            "Left is cheaper, up is surer; the dashed line is what it costs to be as sure as the file asks.",
            frontier_svg,
        ))
        footer { "outsim " (env!("CARGO_PKG_VERSION")) }
    };
    page(&title, body)
}
