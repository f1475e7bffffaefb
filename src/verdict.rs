//! The one-line answer to a scenario's question: which strategy meets the objectives at
//! the least expected cost, and which one a rate card alone would pick.
//!
//! Shared by the terminal table, the report and the charts so all say the same thing.
//! "Cheapest" in the headline means the least expected NPV cost over the simulated
//! futures; "cheapest rate card" ([`cheapest_rate_card`]) means the lowest price per unit
//! of work the contracts quote in month 1, before anything is simulated. The two differ
//! because labor depends on volume and rework, and because the rate card leaves out
//! onboarding, setup, oversight, defects, delay and incidents.

use crate::results::Results;
use crate::scenario::{Pricing, Scenario, Strategy, Vendor};

/// The verdict of a run, in words and as indices.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Strategy that meets the objectives at the least mean NPV cost, if any.
    pub best_value: Option<usize>,
    /// Strategy with the least mean NPV cost.
    pub cheapest: Option<usize>,
    /// One sentence for people.
    pub headline: String,
}

/// Build the verdict; `money` formats amounts in the scenario's currency.
pub fn verdict(scenario: &Scenario, results: &Results, money: &dyn Fn(f64) -> String) -> Verdict {
    let best_value = results.best_value();
    let cheapest = results.cheapest();
    let name = |i: usize| format!("\"{}\"", results.strategies[i]);
    let pct = |p: f64| format!("{:.0}%", 100.0 * p);
    let headline = match (&scenario.objectives, best_value, cheapest) {
        (_, _, None) => "No strategy was simulated.".to_string(),
        (None, _, Some(c)) => format!(
            "No objectives are set, so success is undefined; the least expected cost is {} at {}.",
            name(c),
            money(results.summary[c].cost_mean)
        ),
        (Some(o), Some(b), Some(c)) => {
            let s = &results.summary[b];
            let mut text = format!(
                "{} meets the objectives in {} of futures (target {}) at the least expected cost, {} (P95 {}).",
                name(b),
                pct(s.p_objectives_met),
                pct(o.confidence),
                money(s.cost_mean),
                money(s.cost_p95)
            );
            if c != b {
                let cs = &results.summary[c];
                text.push_str(&format!(
                    " The cheapest, {} at {}, meets them in only {} of futures.",
                    name(c),
                    money(cs.cost_mean),
                    pct(cs.p_objectives_met)
                ));
            }
            text
        }
        (Some(o), None, Some(_)) => {
            let closest = closest_to_objectives(results).unwrap_or(0);
            format!(
                "No strategy meets the objectives with {} confidence; the closest is {}, meeting them in {} of futures at {}.",
                pct(o.confidence),
                name(closest),
                pct(results.summary[closest].p_objectives_met),
                money(results.summary[closest].cost_mean)
            )
        }
    };
    Verdict {
        best_value,
        cheapest,
        headline,
    }
}

/// The strategy closest to meeting the objectives: the highest P(objectives met), ties
/// to the lower mean NPV cost; `None` when there is no strategy.
pub fn closest_to_objectives(results: &Results) -> Option<usize> {
    results
        .summary
        .iter()
        .enumerate()
        .max_by(|a, b| {
            a.1.p_objectives_met
                .total_cmp(&b.1.p_objectives_met)
                .then(b.1.cost_mean.total_cmp(&a.1.cost_mean))
        })
        .map(|(i, _)| i)
}

/// A vendor's price per unit of work on its rate card in month 1, before price
/// escalation, volume tiers, floors and currency movements (amounts are stated at
/// today's rate): for per-head pricing, `rate_per_fte_month / units_per_fte_month` (a
/// tenured head's monthly rate over the units it completes); for per-unit and
/// per-good-unit pricing, `price_per_unit` as quoted (a good unit is a unit of work
/// delivered, so the quote is the same price).
pub fn rate_card_price_per_unit(vendor: &Vendor) -> f64 {
    match vendor.contract.pricing {
        // `units_per_fte_month` is at least `MIN_UNITS_PER_FTE_MONTH` (> 0) in a valid
        // scenario.
        Pricing::PerFte => vendor.rate_per_fte_month / vendor.units_per_fte_month,
        Pricing::PerUnit | Pricing::PerGoodUnit => vendor.contract.price_per_unit,
    }
}

/// A strategy's rate-card price per unit of work: its vendors' month-1 prices
/// ([`rate_card_price_per_unit`]) weighted by their shares of the allocation in force in
/// month 1 (the strategy's `allocation`: phases start in month 2 at the earliest).
/// `None` if the allocation names no vendor of `scenario`.
pub fn strategy_rate_card_price(scenario: &Scenario, strategy: &Strategy) -> Option<f64> {
    strategy
        .allocation
        .iter()
        .map(|a| {
            scenario
                .vendors
                .get(a.vendor)
                .map(|v| a.share * rate_card_price_per_unit(v))
        })
        .sum()
}

/// The strategy with the cheapest rate card: the lowest share-weighted month-1 price per
/// unit of work ([`strategy_rate_card_price`]). This is the strategy a buyer comparing
/// quotes would pick, whatever its labor bill turns out to be once volume and rework are
/// simulated. Ties go to the strategy listed first; `None` when there is no strategy.
///
/// O(total allocation entries); reads only the scenario, so it needs no run.
pub fn cheapest_rate_card(scenario: &Scenario) -> Option<usize> {
    scenario
        .strategies
        .iter()
        .enumerate()
        .filter_map(|(i, s)| strategy_rate_card_price(scenario, s).map(|p| (i, p)))
        // `min_by` keeps the first of equal elements, so ties go to the earlier strategy.
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// A per-head vendor at 2000 / 400 = 5 a unit and a per-unit vendor quoting 4.5.
    const TEXT: &str = r#"
[scenario]
name = "Rate cards"
horizon_months = 12

[demand]
base_per_month = 1000

[[vendors]]
name = "PerHead"
rate_per_fte_month = 2000
units_per_fte_month = 400
max_fte = 10

[[vendors]]
name = "PerUnit"
rate_per_fte_month = 100
units_per_fte_month = 400
max_fte = 10

[vendors.contract]
pricing = "PRICING"
price_per_unit = 4.5

[[strategies]]
name = "Heads"
allocation = [{ vendor = "PerHead", share = 1.0 }]

[[strategies]]
name = "Units, then heads"
allocation = [{ vendor = "PerUnit", share = 0.5 }, { vendor = "PerHead", share = 0.5 }]

[[strategies.phases]]
month = 2
allocation = [{ vendor = "PerHead", share = 1.0 }]
"#;

    fn scenario(pricing: &str) -> Scenario {
        Scenario::from_toml_str(&TEXT.replace("PRICING", pricing), Path::new("t.toml"))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_per_unit_vendor_is_priced_at_its_quote_not_its_rate_per_head() {
        for pricing in ["per_unit", "per_good_unit"] {
            let s = scenario(pricing);
            assert_eq!(rate_card_price_per_unit(&s.vendors[0]), 5.0);
            assert_eq!(rate_card_price_per_unit(&s.vendors[1]), 4.5);
            // Month 1's allocation: half at 4.5, half at 5, whatever later phases say.
            assert_eq!(
                strategy_rate_card_price(&s, &s.strategies[1]),
                Some(0.5 * 4.5 + 0.5 * 5.0)
            );
            assert_eq!(cheapest_rate_card(&s), Some(1), "{pricing}");
        }
        // Billed per head, the same vendor is cheap (100 / 400 a unit) for another reason.
        let s = scenario("per_fte");
        assert_eq!(rate_card_price_per_unit(&s.vendors[1]), 0.25);
    }
}
