//! Report sections from the analyses: "what breaks first" (the first month in which most
//! futures are short of capacity, from every run) and sensitivity (which uncertain
//! inputs drive cost and service, present when the run was a sensitivity run).

use std::fmt::Write as _;

use super::figure;
use super::html::esc;
use crate::analysis::sensitivity::Sensitivity;
use crate::charts::ChartFile;
use crate::charts::format::{format_money, format_probability};
use crate::charts::palette::strategy_css;
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

fn chip(s: usize, name: &str) -> String {
    format!(
        "<span class=\"chip\" style=\"background:{}\"></span>{}",
        strategy_css(s),
        esc(name)
    )
}

/// The "What breaks first, and when" section.
pub(crate) fn breaks_section(page: &mut String, results: &Results) {
    page.push_str("<section id=\"breaks\"><h2>What breaks first, and when</h2>\n");
    match breaks_first(results) {
        Some(s) => {
            let x = &results.summary[s];
            let _ = writeln!(
                page,
                "<p class=\"headline\"><strong>{}</strong> breaks first: more than half of futures are short of \
                 capacity from {}.</p>",
                esc(&x.strategy),
                esc(&first_shortfall_text(x))
            );
        }
        None => page.push_str(
            "<p class=\"headline\">No strategy is short of capacity in more than half of futures in any month \
             of the horizon.</p>\n",
        ),
    }
    page.push_str(
        "<p class=\"note\">The first month in which P(shortfall), the share of futures whose capacity falls \
         short of the work available, passes 50%. The interval runs from the first month whose P(shortfall) \
         could pass 50% (upper 95% Wilson bound above one half) to the first month where it surely does \
         (lower bound above one half).</p>\n<div class=\"scroll\"><table class=\"numbers\"><thead><tr>\
         <th>Strategy</th><th>P(shortfall in any month)</th><th>Short of capacity in most futures from</th>\
         </tr></thead><tbody>\n",
    );
    for (s, x) in results.summary.iter().enumerate() {
        let _ = writeln!(
            page,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
            chip(s, &x.strategy),
            format_probability(x.p_shortfall),
            esc(&first_shortfall_text(x))
        );
    }
    page.push_str("</tbody></table></div></section>\n");
}

/// The sensitivity section: drivers per strategy, and the tornado charts.
pub(crate) fn sensitivity_section(
    page: &mut String,
    sens: &Sensitivity,
    tornado_svgs: &[ChartFile],
) {
    let cur = &sens.currency;
    page.push_str(
        "<section id=\"sensitivity\"><h2>Sensitivity: which inputs drive the risk</h2>\n",
    );
    let _ = writeln!(
        page,
        "<p class=\"note\">ρ is Spearman's rank correlation, over the same {} futures, between an input drawn \
         per trial and the strategy's NPV cost or service level, with every other input varying too. The swing \
         fixes one input at its P10 and then its P90, everything else random, and gives the median NPV cost at \
         each end; counts (shocks, disruptions, incident losses) are swung through their rate. Inputs that do not \
         vary, or do not reach the strategy, are left out; <code>sensitivity.csv</code> lists every pair.</p>",
        crate::charts::format_count(sens.trials)
    );
    if sens.inputs.is_empty() {
        page.push_str(
            "<p>No input varies from trial to trial, so there is nothing to rank.</p></section>\n",
        );
        return;
    }
    for (s, name) in sens.strategies.iter().enumerate() {
        let _ = writeln!(
            page,
            "<h3>{}</h3><div class=\"scroll\"><table class=\"numbers\"><thead><tr><th>Input</th>\
             <th>ρ with cost</th><th>ρ with service level</th><th>Median cost, input at P10</th>\
             <th>Median cost, input at P90</th><th>Swing</th></tr></thead><tbody>",
            chip(s, name)
        );
        // A swing of exactly zero means the input does not reach this strategy (a vendor
        // it does not use: the same futures give the same costs); such rows are left out.
        let rows = sens.ranked(s).into_iter().filter(|i| {
            i.swing
                .as_ref()
                .is_none_or(|w| w.p50_high[s] != w.p50_low[s])
        });
        for i in rows {
            let rho = |r: Option<f64>| r.map_or("n/a".to_string(), |v| format!("{v:+.2}"));
            let (lo, hi, width) = match &i.swing {
                Some(w) => (
                    format_money(w.p50_low[s], cur),
                    format_money(w.p50_high[s], cur),
                    format_money((w.p50_high[s] - w.p50_low[s]).abs(), cur),
                ),
                None => ("—".into(), "—".into(), "—".into()),
            };
            let _ = writeln!(
                page,
                "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&i.label),
                rho(i.rho_cost[s]),
                rho(i.rho_service[s]),
                lo,
                hi,
                width
            );
        }
        page.push_str("</tbody></table></div>\n");
        let stem = crate::charts::tornado_stems(sens)
            .get(s)
            .map(|t| format!("{t}.svg"))
            .unwrap_or_default();
        if let Some(svg) = tornado_svgs.iter().find(|f| f.name == stem) {
            figure(
                page,
                &format!("What drives the cost of {name}"),
                "The widest bar is the input whose uncertainty moves the median cost most.",
                &svg.bytes,
            );
        }
    }
    page.push_str("</section>\n");
}
