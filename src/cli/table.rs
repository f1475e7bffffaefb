//! The compact per-scenario table printed by `outsim run`, and the recommendation
//! under it.
//!
//! Amounts share one unit and one number of decimals across the table
//! ([`AmountScale`]), so `$19.0M` stands beside `$19.2M`; cost per unit is in currency
//! with two decimals; `>` marks the recommended strategy.

use crate::charts::format::money_affixes;
use crate::recommend::{AmountScale, Currency, recommend};
use crate::report::Breaking;
use crate::results::Results;
use crate::scenario::Scenario;

/// Widest strategy name shown in the table: the table stays within 100 columns for
/// amounts of up to six characters.
const NAME_WIDTH: usize = 26;

/// Width the recommendation paragraph is wrapped to.
const TEXT_WIDTH: usize = 98;

/// The table and recommendation for one scenario.
pub(super) fn render(scenario: &Scenario, file: &str, results: &Results, folder: &str) -> String {
    let cur = &scenario.meta.currency;
    let mut out = format!(
        "\n{} ({file}): {} trials, seed {}, {} months\n",
        scenario.meta.name, results.trials, results.seed, scenario.meta.horizon_months
    );
    let (prefix, suffix) = money_affixes(cur);
    let currency = Currency::new(prefix.clone(), suffix.clone());
    let recommendation = recommend(scenario, results, &currency);
    let recommended = recommendation.as_ref().map(|r| r.index);
    let amounts = |s: &crate::results::StrategySummary| {
        [
            s.cost_mean,
            s.cost_p50,
            s.cost_p95,
            s.cost_cvar95,
            s.cash_mean,
        ]
    };
    let scale = AmountScale::of(results.summary.iter().flat_map(amounts), &currency);
    let per_unit = |x: f64| {
        if x.is_finite() {
            format!("{prefix}{x:.2}{suffix}")
        } else {
            "n/a".to_string()
        }
    };
    let header = [
        "mean",
        "P50",
        "P95",
        "CVaR95",
        "cash",
        "cost/unit",
        "service",
        "P(obj)",
    ];
    let rows: Vec<(String, Vec<String>, bool)> = results
        .summary
        .iter()
        .map(|s| {
            let mut cells: Vec<String> = amounts(s).iter().map(|&x| scale.format(x)).collect();
            cells.push(per_unit(s.cost_per_unit_mean));
            cells.push(format!("{:.1}%", 100.0 * s.service_level_mean));
            cells.push(format!("{:.1}%", 100.0 * s.p_objectives_met));
            (s.strategy.clone(), cells, s.meets_objectives)
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| r.1[c].chars().count())
                .chain([header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let width = results
        .strategies
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(8)
        .clamp(8, NAME_WIDTH);
    let line = |marker: &str, name: &str, cells: &[String], tail: &str| {
        let mut text = format!("{marker} {}", fit(name, width));
        for (cell, w) in cells.iter().zip(&widths) {
            text.push_str(&format!("  {cell:>w$}"));
        }
        text.push_str(tail);
        text.push('\n');
        text
    };
    let header_cells: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    out.push_str(&line(" ", "strategy", &header_cells, ""));
    for (i, (name, cells, meets)) in rows.iter().enumerate() {
        let marker = if Some(i) == recommended { ">" } else { " " };
        let tail = if *meets && scenario.objectives.is_some() {
            "  meets"
        } else {
            ""
        };
        out.push_str(&line(marker, name, cells, tail));
    }
    out.push_str(cash_line(results));
    out.push_str(&breaks_first_line(results));
    if let Some(r) = &recommendation {
        out.push_str(&wrap(&format!("> {}", r.text), TEXT_WIDTH, "  ", "    "));
    }
    out.push_str(&format!("  Results: {folder}\n"));
    out
}

/// `name` padded or shortened to `width` characters (an ellipsis marks a cut).
fn fit(name: &str, width: usize) -> String {
    let clean: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= width {
        format!("{clean:<width$}")
    } else {
        let mut short: String = clean.chars().take(width.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}

/// `text` wrapped at word boundaries to `width` columns, the first line starting with
/// `first`, the others with `rest`; every line ends with a newline. Control characters
/// (a name may hold terminal escapes) become spaces.
fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let extra = usize::from(!empty) + word.chars().count();
        if !empty && line.chars().count() + extra > width {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// What the amounts are, and how much of the cost is cash: "cash" is what is paid to
/// someone (NPV); the rest of the cost, defects and delay, is the client's economic cost
/// (MODEL.md V2.6).
fn cash_line(results: &Results) -> &'static str {
    if results.summary.iter().any(|s| s.economic_mean.abs() > 0.0) {
        "  Amounts: NPV cost (mean, P50, P95, CVaR95) and mean cash paid; the rest of the cost,\n  \
         defects and delay, is economic (on no invoice).\n"
    } else {
        "  Amounts: NPV cost (mean, P50, P95, CVaR95) and mean cash paid.\n"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_paragraph_wraps_within_its_width_without_control_characters() {
        let text =
            "Recommended: \"A\u{1b}[31m\". It meets the objectives in 90% of futures at $1.20M.";
        let wrapped = wrap(text, 30, "  ", "    ");
        assert!(
            wrapped.lines().all(|l| l.chars().count() <= 30),
            "{wrapped}"
        );
        assert!(!wrapped.contains('\u{1b}'), "{wrapped}");
        assert!(wrapped.starts_with("  Recommended:"), "{wrapped}");
        assert_eq!(
            wrapped.split_whitespace().count(),
            text.split_whitespace().count() + 1
        );
    }

    #[test]
    fn a_long_name_is_cut_with_an_ellipsis_and_a_short_one_padded() {
        assert_eq!(fit("Offshore", 10), "Offshore  ");
        assert_eq!(fit("Dual source with an exit", 10), "Dual sour…");
        assert_eq!(fit("a\tb", 4), "a b ");
    }
}
