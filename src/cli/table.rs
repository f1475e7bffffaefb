//! The compact per-scenario table printed by `outsim run`.

use crate::charts::format_money as money;
use crate::report::Breaking;
use crate::results::Results;
use crate::scenario::Scenario;
use crate::verdict::verdict;

/// The table and verdict for one scenario.
pub(super) fn render(scenario: &Scenario, file: &str, results: &Results, folder: &str) -> String {
    let cur = &scenario.meta.currency;
    let mut out = format!(
        "\n{} ({file}): {} trials, seed {}, {} months\n",
        scenario.meta.name, results.trials, results.seed, scenario.meta.horizon_months
    );
    let width = results
        .strategies
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, 40);
    out.push_str(&format!(
        "  {:<width$}  {:>10}  {:>10}  {:>10}  {:>10}  {:>9}  {:>8}  {:>10}\n",
        "strategy",
        "P50 cost",
        "P95 cost",
        "CVaR95",
        "mean cash",
        "cost/unit",
        "service",
        "P(obj met)"
    ));
    for s in &results.summary {
        let name: String = s.strategy.chars().take(width).collect();
        out.push_str(&format!(
            "  {:<width$}  {:>10}  {:>10}  {:>10}  {:>10}  {:>9.3}  {:>7.1}%  {:>9.1}%{}\n",
            name,
            money(s.cost_p50, cur),
            money(s.cost_p95, cur),
            money(s.cost_cvar95, cur),
            money(s.cash_mean, cur),
            s.cost_per_unit_mean,
            100.0 * s.service_level_mean,
            100.0 * s.p_objectives_met,
            if s.meets_objectives { "  meets" } else { "" }
        ));
    }
    out.push_str(cash_line(results));
    out.push_str(&breaks_first_line(results));
    let v = verdict(scenario, results, &|x| money(x, cur));
    out.push_str(&format!("  Verdict: {}\n  Results: {folder}\n", v.headline));
    out
}

/// How much of the cost is cash: "mean cash" is what is paid to someone (NPV); the rest
/// of the cost, defects and delay, is the client's economic cost (MODEL.md V2.6).
fn cash_line(results: &Results) -> &'static str {
    if results.summary.iter().any(|s| s.economic_mean.abs() > 0.0) {
        "  Mean cash: the NPV paid to vendors and staff; the rest of the cost, defects and \
         delay, is economic (on no invoice).\n"
    } else {
        ""
    }
}

/// "What breaks first": the strategy that breaks in most futures earliest (its backlog
/// beyond `max_backlog_months` of demand when the scenario sets it, short of capacity
/// otherwise), with the month and its 95% interval; or that none does.
pub(super) fn breaks_first_line(results: &Results) -> String {
    let breaking = Breaking::of(results);
    match crate::report::breaks_first(results) {
        Some(s) => {
            let x = &results.summary[s];
            format!(
                "  Breaks first: {} is {} in most futures from {}.\n",
                x.strategy,
                breaking.state(),
                breaking.first_text(x)
            )
        }
        None => format!(
            "  Breaks first: no strategy is {} in most futures in any month.\n",
            breaking.state()
        ),
    }
}
