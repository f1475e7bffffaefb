//! The one-line answer to a scenario's question: which strategy meets the objectives at
//! the least expected cost, and what the cheapest strategy really costs.
//!
//! Shared by the terminal table and the report so both say the same thing.

use crate::results::Results;
use crate::scenario::Scenario;

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
            let closest = results
                .summary
                .iter()
                .enumerate()
                .max_by(|a, b| {
                    a.1.p_objectives_met
                        .total_cmp(&b.1.p_objectives_met)
                        .then(b.1.cost_mean.total_cmp(&a.1.cost_mean))
                })
                .map_or(0, |(i, _)| i);
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
