//! The compact per-scenario table printed by `outsim run`.

use crate::results::Results;
use crate::scenario::Scenario;
use crate::verdict::verdict;

/// Money for a terminal column: `$1.23M`, `€850k`.
pub(super) fn money(value: f64, currency: &str) -> String {
    let symbol = match currency {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "¥",
        "INR" => "₹",
        _ => "",
    };
    let (scaled, suffix) = match value.abs() {
        v if v >= 1e9 => (value / 1e9, "B"),
        v if v >= 1e6 => (value / 1e6, "M"),
        v if v >= 1e3 => (value / 1e3, "k"),
        _ => (value, ""),
    };
    let digits = if scaled.abs() >= 100.0 {
        0
    } else if scaled.abs() >= 10.0 {
        1
    } else {
        2
    };
    let body = format!("{:.*}{suffix}", digits, scaled.abs());
    let sign = if value < 0.0 { "-" } else { "" };
    if symbol.is_empty() {
        format!("{sign}{body} {currency}")
    } else {
        format!("{sign}{symbol}{body}")
    }
}

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
        "  {:<width$}  {:>10}  {:>10}  {:>10}  {:>9}  {:>8}  {:>10}\n",
        "strategy", "P50 cost", "P95 cost", "CVaR95", "cost/unit", "service", "P(obj met)"
    ));
    for s in &results.summary {
        let name: String = s.strategy.chars().take(width).collect();
        out.push_str(&format!(
            "  {:<width$}  {:>10}  {:>10}  {:>10}  {:>9.3}  {:>7.1}%  {:>9.1}%{}\n",
            name,
            money(s.cost_p50, cur),
            money(s.cost_p95, cur),
            money(s.cost_cvar95, cur),
            s.cost_per_unit_mean,
            100.0 * s.service_level_mean,
            100.0 * s.p_objectives_met,
            if s.meets_objectives { "  meets" } else { "" }
        ));
    }
    let v = verdict(scenario, results, &|x| money(x, cur));
    out.push_str(&format!("  Verdict: {}\n  Results: {folder}\n", v.headline));
    out
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_for_people() {
        assert_eq!(money(1_234_567.0, "USD"), "$1.23M");
        assert_eq!(money(850_000.0, "EUR"), "€850k");
        assert_eq!(money(-12_500.0, "USD"), "-$12.5k");
        assert_eq!(money(999.0, "CHF"), "999 CHF");
    }
}
