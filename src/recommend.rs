//! The recommendation of a run: one paragraph a finance team can act on, built once from
//! the results and shown unchanged in the terminal, the report, `summary.json`, the
//! workbook and the board slide.
//!
//! The strategy recommended is the verdict's ([`crate::verdict`]): the one that meets the
//! objectives at the least mean NPV cost; with no objectives, the least mean cost; when
//! nothing meets them, the closest ([`closest_to_objectives`]). It is then set against
//! the strategy a buyer comparing quotes would pick ([`cheapest_rate_card`]) and against
//! the runner-up (the next cheapest that also meets the objectives, or the next cheapest
//! at all when none are set). Each comparison is the row of `pairs.csv` for that ordered
//! pair ([`crate::results::PairSummary`]), taken as is: the figures are the same numbers,
//! not a second computation.
//!
//! Amounts are written in three significant figures with trailing zeros kept
//! ([`AmountScale`]), so `$19.0M` never stands beside `$19.2M` as `$19M`.

use serde::Serialize;

use crate::results::{PairSummary, Results, StrategySummary};
use crate::scenario::Scenario;
use crate::verdict::{cheapest_rate_card, closest_to_objectives};

/// Why the recommended strategy was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// It meets the objectives at the least mean NPV cost.
    MeetsObjectives,
    /// No strategy meets the objectives; it comes closest (highest P(objectives met)).
    NoneMeetsObjectives,
    /// The scenario sets no objectives; it has the least mean NPV cost.
    NoObjectives,
}

/// The recommended strategy against one other, from the row of `pairs.csv` with the
/// recommendation as `strategy_a`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The other strategy's name.
    pub strategy: String,
    /// Its index in [`Results::strategies`].
    pub index: usize,
    /// Mean of the recommendation's NPV cost minus the other's (negative: cheaper).
    pub mean_diff: f64,
    /// Lower end of the 95% interval of `mean_diff`.
    pub diff_ci_low: f64,
    /// Upper end of the 95% interval of `mean_diff`.
    pub diff_ci_high: f64,
    /// Share of futures in which the recommendation costs less.
    pub p_cheaper: f64,
    /// The other strategy's P(objectives met).
    pub p_objectives_met: f64,
}

/// An objective that the recommended strategy fails, when no strategy meets them all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailingObjective {
    /// The scenario key, e.g. `min_service_level`.
    pub objective: &'static str,
    /// Share of futures in which it fails; `None` where outsim keeps only the mean of
    /// the output (cost per unit and defect rate), which then breaches the limit.
    pub p_fails: Option<f64>,
}

/// The recommendation of one run: the paragraph and the figures it quotes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// Why the strategy was chosen.
    pub basis: Basis,
    /// The recommended strategy's name.
    pub strategy: String,
    /// Its index in [`Results::strategies`].
    pub index: usize,
    /// Its P(objectives met); `None` with no objectives.
    pub p_objectives_met: Option<f64>,
    /// The confidence the objectives ask for; `None` with no objectives.
    pub confidence_target: Option<f64>,
    /// The strategy with the cheapest rate card; `None` if no allocation prices.
    pub lowest_rate_card: Option<String>,
    /// Against the cheapest rate card; `None` when it is the recommendation itself.
    pub versus_lowest_rate_card: Option<Comparison>,
    /// Against the runner-up; `None` when there is none.
    pub versus_runner_up: Option<Comparison>,
    /// Mean NPV cost.
    pub cost_mean: f64,
    /// CVaR95 of the NPV cost.
    pub cost_cvar95: f64,
    /// The cost of risk: CVaR95 minus the mean.
    pub cost_of_risk: f64,
    /// Mean NPV paid in cash.
    pub cash_mean: f64,
    /// Mean economic cost (defects and delay, on no invoice).
    pub economic_mean: f64,
    /// When nothing meets the objectives: the one the recommendation fails most often.
    pub failing_objective: Option<FailingObjective>,
    /// The paragraph, plain text.
    pub text: String,
}

/// How amounts of the scenario's currency are written: the text before and after the
/// number (`("$", "")` for USD, `("", " SEK")` for a code without a symbol). The
/// adapters supply it (the chart layer's `money_affixes`), so this module formats
/// money without depending on them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Currency {
    prefix: String,
    suffix: String,
}

impl Currency {
    /// Amounts written as `{prefix}{number}{suffix}`.
    pub fn new(prefix: impl Into<String>, suffix: impl Into<String>) -> Self {
        Currency {
            prefix: prefix.into(),
            suffix: suffix.into(),
        }
    }
}

impl From<(String, String)> for Currency {
    fn from((prefix, suffix): (String, String)) -> Self {
        Currency { prefix, suffix }
    }
}

/// Amounts of money in one unit and one number of decimals, so that the largest has
/// three significant figures: `$19.2M`, `$4.05M`, `$0.35M` side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct AmountScale {
    prefix: String,
    suffix: String,
    divisor: f64,
    unit: &'static str,
    decimals: usize,
}

/// Magnitude suffixes, each a thousand times the one before.
const UNITS: [&str; 5] = ["", "k", "M", "B", "T"];

impl AmountScale {
    /// The scale for `amounts` (non-finite ones ignored) in `currency`. O(n).
    pub fn of(amounts: impl IntoIterator<Item = f64>, currency: &Currency) -> Self {
        let largest = amounts
            .into_iter()
            .filter(|x| x.is_finite())
            .fold(0.0f64, |m, x| m.max(x.abs()));
        let mut unit = 0;
        let mut scaled = largest;
        while scaled >= 999.5 && unit < UNITS.len() - 1 {
            scaled /= 1000.0;
            unit += 1;
        }
        // Rounding may carry into a fourth digit (999.6 -> 1000): one unit up then.
        let decimals = if scaled >= 99.95 {
            0
        } else if scaled >= 9.995 {
            1
        } else {
            2
        };
        AmountScale {
            prefix: currency.prefix.clone(),
            suffix: currency.suffix.clone(),
            divisor: 1000f64.powi(unit as i32),
            unit: UNITS[unit],
            decimals,
        }
    }

    /// `value` on this scale, e.g. `$19.2M`; `-` before negative amounts; `n/a` when
    /// not finite.
    pub fn format(&self, value: f64) -> String {
        if !value.is_finite() {
            return "n/a".to_string();
        }
        let body = format!("{:.*}", self.decimals, value.abs() / self.divisor);
        let sign = if value < 0.0 && body.chars().any(|c| ('1'..='9').contains(&c)) {
            "-"
        } else {
            ""
        };
        format!("{sign}{}{body}{}{}", self.prefix, self.unit, self.suffix)
    }
}

/// One amount in three significant figures, trailing zeros kept: `$19.0M`.
pub fn amount(value: f64, currency: &Currency) -> String {
    AmountScale::of([value], currency).format(value)
}

/// A share as a whole percentage: `94%`.
fn pct(p: f64) -> String {
    format!("{:.0}%", 100.0 * p)
}

/// The row of `pairs.csv` for the ordered pair (`a`, `b`): pairs are listed `a`-major,
/// every `b` but `a` in order. Checked by name, so a reordering is never misread.
pub fn pair(results: &Results, a: usize, b: usize) -> Option<&PairSummary> {
    let n = results.strategies.len();
    if a == b || a >= n || b >= n {
        return None;
    }
    let at = a * (n - 1) + if b < a { b } else { b - 1 };
    results
        .pairs
        .get(at)
        .filter(|p| p.strategy_a == results.strategies[a] && p.strategy_b == results.strategies[b])
}

/// The recommendation of a run of `scenario`, amounts written in `currency`; `None` when
/// no strategy was simulated. O(S) beyond reading the pairs and the per-trial service
/// levels of one strategy.
pub fn recommend(
    scenario: &Scenario,
    results: &Results,
    currency: &Currency,
) -> Option<Recommendation> {
    let summary = &results.summary;
    let (basis, index) = match &scenario.objectives {
        None => (Basis::NoObjectives, results.cheapest()?),
        Some(_) => match results.best_value() {
            Some(b) => (Basis::MeetsObjectives, b),
            None => (Basis::NoneMeetsObjectives, closest_to_objectives(results)?),
        },
    };
    let s = summary.get(index)?;
    let compare = |other: usize| -> Option<Comparison> {
        let p = pair(results, index, other)?;
        Some(Comparison {
            strategy: results.strategies[other].clone(),
            index: other,
            mean_diff: p.mean_diff,
            diff_ci_low: p.diff_ci_low,
            diff_ci_high: p.diff_ci_high,
            p_cheaper: p.p_a_cheaper,
            p_objectives_met: summary[other].p_objectives_met,
        })
    };
    let rate_card = cheapest_rate_card(scenario).filter(|&r| r < summary.len());
    let runner_up = match basis {
        Basis::NoneMeetsObjectives => None,
        Basis::MeetsObjectives | Basis::NoObjectives => summary
            .iter()
            .enumerate()
            .filter(|&(i, x)| i != index && (basis == Basis::NoObjectives || x.meets_objectives))
            .min_by(|a, b| a.1.cost_mean.total_cmp(&b.1.cost_mean))
            .map(|(i, _)| i),
    };
    let failing_objective = match basis {
        Basis::NoneMeetsObjectives => failing_objective(scenario, results, index),
        _ => None,
    };
    let mut rec = Recommendation {
        basis,
        strategy: s.strategy.clone(),
        index,
        p_objectives_met: scenario.objectives.as_ref().map(|_| s.p_objectives_met),
        confidence_target: scenario.objectives.as_ref().map(|o| o.confidence),
        lowest_rate_card: rate_card.map(|r| results.strategies[r].clone()),
        versus_lowest_rate_card: rate_card.filter(|&r| r != index).and_then(compare),
        versus_runner_up: runner_up.and_then(compare),
        cost_mean: s.cost_mean,
        cost_cvar95: s.cost_cvar95,
        cost_of_risk: s.cost_cvar95 - s.cost_mean,
        cash_mean: s.cash_mean,
        economic_mean: s.economic_mean,
        failing_objective,
        text: String::new(),
    };
    rec.text = paragraph(&rec, s, currency);
    Some(rec)
}

/// The objective strategy `s` fails most often. Service level and the breaking point
/// are counted per future; cost per unit and defect rate are known only as means, and
/// count when the mean breaches the limit and no counted objective fails in half the
/// futures or more.
fn failing_objective(scenario: &Scenario, results: &Results, s: usize) -> Option<FailingObjective> {
    let o = scenario.objectives.as_ref()?;
    let x = results.summary.get(s)?;
    let mut counted: Vec<(&'static str, f64)> = Vec::new();
    if let Some(min) = o.min_service_level {
        let service = results.service.get(s).map_or(&[][..], Vec::as_slice);
        if !service.is_empty() {
            let fails = service.iter().filter(|&&v| v < min).count();
            counted.push(("min_service_level", fails as f64 / service.len() as f64));
        }
    }
    if o.max_backlog_months.is_some() {
        counted.push(("max_backlog_months", x.p_break));
    }
    let worst = counted
        .iter()
        .copied()
        .filter(|&(_, p)| p > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let mean_breach = [
        (
            "max_cost_per_unit",
            o.max_cost_per_unit
                .is_some_and(|m| x.cost_per_unit_mean > m),
        ),
        (
            "max_defect_rate",
            o.max_defect_rate.is_some_and(|m| x.defect_rate_mean > m),
        ),
    ]
    .into_iter()
    .find(|&(_, breached)| breached)
    .map(|(name, _)| name);
    match (worst, mean_breach) {
        (Some((name, p)), _) if p >= 0.5 => Some(FailingObjective {
            objective: name,
            p_fails: Some(p),
        }),
        (_, Some(name)) => Some(FailingObjective {
            objective: name,
            p_fails: None,
        }),
        (Some((name, p)), None) => Some(FailingObjective {
            objective: name,
            p_fails: Some(p),
        }),
        (None, None) => None,
    }
}

/// An objective's key in words.
fn objective_words(key: &str) -> &'static str {
    match key {
        "min_service_level" => "the service level",
        "max_cost_per_unit" => "the cost per unit",
        "max_defect_rate" => "the defect rate",
        "max_backlog_months" => "the backlog limit",
        _ => "an objective",
    }
}

/// A difference in words: `$1.20M less`, `$350k more`, `no different`.
fn diff_words(d: f64, currency: &Currency) -> String {
    if d < 0.0 {
        format!("{} less", amount(-d, currency))
    } else if d > 0.0 {
        format!("{} more", amount(d, currency))
    } else {
        "no different".to_string()
    }
}

/// One comparison in words.
fn comparison_words(c: &Comparison, role: &str, currency: &Currency) -> String {
    if c.mean_diff == 0.0 && c.diff_ci_low == 0.0 && c.diff_ci_high == 0.0 {
        // A zero-width interval around zero: the paired differences are all zero.
        return format!(
            "Against {role}, \"{}\", it costs the same in every future.",
            c.strategy
        );
    }
    let interval = if c.diff_ci_low < 0.0 && c.diff_ci_high < 0.0 {
        format!(
            "{} to {} less",
            amount(-c.diff_ci_high, currency),
            amount(-c.diff_ci_low, currency)
        )
    } else if c.diff_ci_low > 0.0 && c.diff_ci_high > 0.0 {
        format!(
            "{} to {} more",
            amount(c.diff_ci_low, currency),
            amount(c.diff_ci_high, currency)
        )
    } else {
        format!(
            "{} to {}",
            diff_words(c.diff_ci_low, currency),
            diff_words(c.diff_ci_high, currency)
        )
    };
    format!(
        "Against {role}, \"{}\", it costs {} on average (95% interval: {interval}) and is cheaper in {} of futures.",
        c.strategy,
        diff_words(c.mean_diff, currency),
        pct(c.p_cheaper)
    )
}

/// The paragraph of `rec`, whose strategy's summary is `s`.
fn paragraph(rec: &Recommendation, s: &StrategySummary, currency: &Currency) -> String {
    let name = &rec.strategy;
    let mut text = match (rec.basis, rec.confidence_target) {
        (Basis::MeetsObjectives, Some(target)) => format!(
            "Recommended: \"{name}\". It meets the objectives in {} of futures (target {}) at the least expected cost, {}.",
            pct(s.p_objectives_met),
            pct(target),
            amount(s.cost_mean, currency)
        ),
        (Basis::NoneMeetsObjectives, Some(target)) => {
            let mut t = format!(
                "No strategy meets the objectives in {} of futures. The closest is \"{name}\", meeting them in {} of futures at an expected cost of {}",
                pct(target),
                pct(s.p_objectives_met),
                amount(s.cost_mean, currency)
            );
            match &rec.failing_objective {
                Some(FailingObjective {
                    objective,
                    p_fails: Some(p),
                }) => t.push_str(&format!(
                    "; {} ({objective}) fails most often, in {} of futures.",
                    objective_words(objective),
                    pct(*p)
                )),
                Some(FailingObjective {
                    objective,
                    p_fails: None,
                }) => t.push_str(&format!(
                    "; {} ({objective}) fails most often: its mean breaches the limit.",
                    objective_words(objective)
                )),
                None => t.push('.'),
            }
            t
        }
        _ => format!(
            "No objectives are set, so the recommendation is on cost alone: \"{name}\", at the least expected cost, {}.",
            amount(s.cost_mean, currency)
        ),
    };
    match (&rec.versus_lowest_rate_card, &rec.lowest_rate_card) {
        (Some(c), _) => {
            text.push(' ');
            text.push_str(&comparison_words(c, "the lowest rate card", currency));
        }
        (None, Some(_)) => text.push_str(" It is also the lowest rate card."),
        (None, None) => {}
    }
    if let Some(c) = &rec.versus_runner_up {
        let role = if rec.basis == Basis::NoObjectives {
            "the runner-up"
        } else {
            "the runner-up that also meets the objectives"
        };
        text.push(' ');
        text.push_str(&comparison_words(c, role, currency));
    }
    text.push_str(&format!(
        " Cost of risk (CVaR95 minus mean): {}.",
        amount(rec.cost_of_risk, currency)
    ));
    if rec.economic_mean.abs() > 0.0 {
        text.push_str(&format!(
            " Of the mean cost, {} is cash paid and {} economic (defects and delay, on no invoice).",
            amount(rec.cash_mean, currency),
            amount(rec.economic_mean, currency)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_share_one_unit_and_keep_trailing_zeros() {
        let usd = Currency::new("$", "");
        let scale = AmountScale::of([19_000_000.0, 19_240_000.0, 360_000.0], &usd);
        assert_eq!(scale.format(19_000_000.0), "$19.0M");
        assert_eq!(scale.format(19_240_000.0), "$19.2M");
        assert_eq!(scale.format(360_000.0), "$0.4M");
        assert_eq!(amount(1_200_000.0, &usd), "$1.20M");
        assert_eq!(amount(999.7, &usd), "$1.00k");
        assert_eq!(amount(-4.25, &usd), "-$4.25");
        assert_eq!(amount(f64::NAN, &usd), "n/a");
    }

    #[test]
    fn a_comparison_with_no_difference_says_the_cost_is_the_same() {
        let usd = Currency::new("$", "");
        let mut c = Comparison {
            strategy: "Twin".to_string(),
            index: 1,
            mean_diff: 0.0,
            diff_ci_low: 0.0,
            diff_ci_high: 0.0,
            p_cheaper: 0.0,
            p_objectives_met: 0.0,
        };
        let same = comparison_words(&c, "the lowest rate card", &usd);
        assert_eq!(
            same,
            "Against the lowest rate card, \"Twin\", it costs the same in every future."
        );
        c.diff_ci_low = -10.0;
        c.diff_ci_high = 10.0;
        let words = comparison_words(&c, "the runner-up", &usd);
        assert!(
            words.contains("no different on average (95% interval: $10.0 less to $10.0 more)"),
            "{words}"
        );
    }
}
