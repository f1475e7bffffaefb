//! Number formats of the workbook: how a column's numbers are shown, decided from its
//! name, and the formats built once for the scenario's currency.

use rust_xlsxwriter::{Format, FormatBorder};

use crate::charts::format::money_affixes;
use crate::engine::TRIAL_METRICS;

/// How a column's numbers are shown, decided from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// An amount in the scenario's currency, whole units: `$1,234,567`.
    Money,
    /// An amount per unit of work, with cents: `$4.25`.
    MoneyPerUnit,
    /// A share shown as a percentage: `93.4%`.
    Share,
    /// A whole number: `10,000`.
    Whole,
    /// A quantity or a mean count, one decimal: `1,234.5`.
    Quantity,
    /// A month's index: `7`.
    Month,
    /// Anything else: Excel's General format.
    General,
}

/// Statistics a summary column name ends with, after the figure it describes.
const STATISTIC_SUFFIXES: [&str; 11] = [
    "_mean", "_sd", "_se", "_p5", "_p10", "_p50", "_p90", "_p95", "_cvar95", "_ci_low", "_ci_high",
];

impl ColumnKind {
    /// The kind of a column named `name`: `p_*` are shares; `trials` and `heads_*` whole
    /// numbers; `first_*month*` month indices; otherwise the figure left after removing
    /// a statistic suffix (`cost_p95` → `cost`) decides: NPV cost, pairwise differences
    /// and cumulative cost are money, and a per-trial output takes its unit from
    /// [`TRIAL_METRICS`] (currency → money, currency per unit, share, counts and
    /// quantities).
    pub fn of(name: &str) -> ColumnKind {
        if name.starts_with("p_") {
            return ColumnKind::Share;
        }
        if name == "trials" || name.starts_with("heads_") || name == "rank" {
            return ColumnKind::Whole;
        }
        if name == "month" || (name.starts_with("first_") && name.contains("month")) {
            return ColumnKind::Month;
        }
        let mut base = name;
        while let Some(stripped) = STATISTIC_SUFFIXES
            .iter()
            .find_map(|suffix| base.strip_suffix(suffix))
        {
            base = stripped;
        }
        match base {
            "cost" | "cumulative_cost" | "mean_diff" | "diff" => return ColumnKind::Money,
            "demand" | "capacity" | "backlog" => return ColumnKind::Quantity,
            _ => {}
        }
        match TRIAL_METRICS
            .iter()
            .find(|m| m.name == base)
            .map(|m| m.unit)
        {
            Some("currency") => ColumnKind::Money,
            Some("currency per unit") => ColumnKind::MoneyPerUnit,
            Some("share" | "flag") => ColumnKind::Share,
            Some("count" | "months" | "units") => ColumnKind::Quantity,
            Some("month") => ColumnKind::Month,
            _ => ColumnKind::General,
        }
    }

    /// Characters `x` takes when shown in this kind, for column widths.
    pub(super) fn shown_width(self, x: f64, affixes: usize) -> usize {
        let grouped = |decimals: usize| {
            let text = format!("{:.decimals$}", x.abs());
            let int = text.split('.').next().map_or(0, str::len);
            text.len() + (int.saturating_sub(1)) / 3 + usize::from(x < 0.0)
        };
        match self {
            ColumnKind::Money => grouped(0) + affixes,
            ColumnKind::MoneyPerUnit => grouped(2) + affixes,
            ColumnKind::Share => format!("{:.1}%", 100.0 * x).len(),
            ColumnKind::Whole | ColumnKind::Month => grouped(0),
            ColumnKind::Quantity => grouped(1),
            ColumnKind::General => super::super::csv::number(x).len().min(11),
        }
    }
}

/// `text` as a quoted literal of an Excel number format; quotes in it are dropped, since
/// a quoted literal cannot hold one. Empty text gives an empty string.
pub(super) fn literal(text: &str) -> String {
    let text: String = text.chars().filter(|&c| c != '"').collect();
    if text.is_empty() {
        text
    } else {
        format!("\"{text}\"")
    }
}

/// Excel's number format for amounts in `currency` with the digit pattern `digits`
/// (`#,##0`): the currency's symbol or code around it as [`money_affixes`] places it,
/// as quoted literal text: `"$"#,##0`, `#,##0" SEK"`.
pub fn money_number_format(currency: &str, digits: &str) -> String {
    let (prefix, suffix) = money_affixes(currency);
    format!("{}{digits}{}", literal(&prefix), literal(&suffix))
}

/// The number format of a chart axis of amounts in `currency` up to `largest` in
/// magnitude: scaled to thousands, millions or billions as the charts' ticks are
/// (`"$"#,##0.0,,"M"` shows 26,469,369 as `$26.5M`), whole units below 10,000.
pub fn money_axis_format(currency: &str, largest: f64) -> String {
    let (digits, unit) = match largest.abs() {
        x if x >= 1e9 => ("#,##0.0,,,", "B"),
        x if x >= 1e6 => ("#,##0.0,,", "M"),
        x if x >= 1e4 => ("#,##0,", "k"),
        _ => ("#,##0", ""),
    };
    let (prefix, suffix) = money_affixes(currency);
    format!(
        "{}{digits}{}",
        literal(&prefix),
        literal(&format!("{unit}{suffix}"))
    )
}

/// The formats a workbook uses, built once for the scenario's currency.
pub(super) struct Formats {
    pub(super) header: Format,
    pub(super) money: Format,
    pub(super) money_per_unit: Format,
    pub(super) share: Format,
    pub(super) whole: Format,
    pub(super) quantity: Format,
    pub(super) month: Format,
    pub(super) general: Format,
    /// Characters the currency adds around an amount.
    pub(super) affix_width: usize,
}

impl Formats {
    pub(super) fn new(currency: &str) -> Self {
        let (prefix, suffix) = money_affixes(currency);
        let money = |digits: &str| money_number_format(currency, digits);
        Formats {
            header: Format::new()
                .set_bold()
                .set_border_bottom(FormatBorder::Thin),
            money: Format::new().set_num_format(money("#,##0")),
            money_per_unit: Format::new().set_num_format(money("#,##0.00")),
            share: Format::new().set_num_format("0.0%"),
            whole: Format::new().set_num_format("#,##0"),
            quantity: Format::new().set_num_format("#,##0.0"),
            month: Format::new().set_num_format("0"),
            general: Format::new(),
            affix_width: prefix.chars().count() + suffix.chars().count(),
        }
    }

    pub(super) fn of(&self, kind: ColumnKind) -> &Format {
        match kind {
            ColumnKind::Money => &self.money,
            ColumnKind::MoneyPerUnit => &self.money_per_unit,
            ColumnKind::Share => &self.share,
            ColumnKind::Whole => &self.whole,
            ColumnKind::Quantity => &self.quantity,
            ColumnKind::Month => &self.month,
            ColumnKind::General => &self.general,
        }
    }
}
