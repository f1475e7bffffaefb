//! Numbers for people: money (`$1.2M`, `€850k`), shares (`93%`), counts (`10,000`).
//!
//! Charts, the report and the terminal all print amounts the same way, so a figure read
//! off a chart matches the table next to it. Axis ticks need one more rule than single
//! amounts: every tick of an axis uses the same unit and enough decimals to tell its
//! neighbours apart ([`format_money_tick`]).

/// How a currency is written around an amount: a prefix symbol (`$`) or a suffix code.
struct Affixes {
    prefix: String,
    suffix: String,
}

/// The symbol of the common ISO 4217 codes; other labels are written after the amount.
fn affixes(currency: &str) -> Affixes {
    let code = currency.trim();
    let symbol = match code.to_ascii_uppercase().as_str() {
        "USD" => Some("$"),
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        "JPY" => Some("¥"),
        "CNY" | "RMB" => Some("CN¥"),
        "INR" => Some("₹"),
        "AUD" => Some("A$"),
        "CAD" => Some("C$"),
        "NZD" => Some("NZ$"),
        "HKD" => Some("HK$"),
        "SGD" => Some("S$"),
        "MXN" => Some("MX$"),
        "BRL" => Some("R$"),
        "KRW" => Some("₩"),
        "ILS" => Some("₪"),
        "CHF" => Some("CHF "),
        _ => None,
    };
    match symbol {
        Some(s) => Affixes {
            prefix: s.to_string(),
            suffix: String::new(),
        },
        // Already a symbol, e.g. "$" or "€": put it in front.
        None if !code.is_empty() && !code.chars().any(char::is_alphanumeric) => Affixes {
            prefix: code.to_string(),
            suffix: String::new(),
        },
        None if code.is_empty() => Affixes {
            prefix: String::new(),
            suffix: String::new(),
        },
        None => Affixes {
            prefix: String::new(),
            suffix: format!(" {code}"),
        },
    }
}

/// The text written before and after an amount of `currency`, as [`format_money`]
/// writes it: `("$", "")` for `USD`, `("", " SEK")` for a code without a symbol. For
/// writers that format amounts themselves, such as the workbook's number formats.
pub fn money_affixes(currency: &str) -> (String, String) {
    let a = affixes(currency);
    (a.prefix, a.suffix)
}

/// Magnitude suffixes, each a thousand times the one before.
const UNITS: [&str; 5] = ["", "k", "M", "B", "T"];

/// Remove trailing zeros (and a trailing point) from a decimal number.
fn trim_zeros(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A non-negative amount in three significant figures with a magnitude suffix:
/// `850`, `12.5k`, `1.23M`. Below 100, two decimals unless the amount is whole.
fn compact(abs: f64) -> String {
    if abs < 100.0 {
        let cents = (abs * 100.0).round();
        if cents % 100.0 == 0.0 {
            return format!("{}", cents / 100.0);
        }
        return format!("{:.2}", cents / 100.0);
    }
    let mut unit = 0;
    let mut scaled = abs;
    while scaled >= 999.5 && unit < UNITS.len() - 1 {
        scaled /= 1000.0;
        unit += 1;
    }
    let decimals = if unit == 0 || scaled >= 99.95 {
        0
    } else if scaled >= 9.995 {
        1
    } else {
        2
    };
    let text = format!("{scaled:.decimals$}");
    let text = if unit == 0 { text } else { trim_zeros(text) };
    format!("{}{}", group_thousands(&text), UNITS[unit])
}

/// Insert thousands separators into the integer part of a plain decimal number.
fn group_thousands(text: &str) -> String {
    let (int, frac) = match text.find('.') {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    };
    let digits: Vec<char> = int.chars().collect();
    let mut out = String::with_capacity(text.len() + digits.len() / 3);
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(*c);
    }
    out.push_str(frac);
    out
}

/// An amount of money for people, in about three significant figures:
/// `format_money(1_200_000.0, "USD")` is `$1.2M`, `format_money(850_000.0, "EUR")` is
/// `€850k`, `format_money(4.25, "USD")` is `$4.25`. Common ISO codes get their symbol;
/// any other label follows the amount (`1.2M SEK`). Negative amounts start with `-`;
/// a value that is not finite is `n/a`.
pub fn format_money(value: f64, currency: &str) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    let a = affixes(currency);
    let body = compact(value.abs());
    let sign = if value < 0.0 && body.chars().any(|c| ('1'..='9').contains(&c)) {
        "-"
    } else {
        ""
    };
    format!("{sign}{}{body}{}", a.prefix, a.suffix)
}

/// An amount of money in full, with thousands separators, and cents when it has any:
/// `$1,800`, `$1.50`, `€0.35`. For parameters, where the exact value matters.
pub fn format_money_exact(value: f64, currency: &str) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    let a = affixes(currency);
    let sign = if value < 0.0 { "-" } else { "" };
    let cents = (value.abs() * 100.0).round();
    let body = if cents % 100.0 == 0.0 {
        group_thousands(&format!("{}", cents / 100.0))
    } else {
        group_thousands(&format!("{:.2}", cents / 100.0))
    };
    format!("{sign}{}{body}{}", a.prefix, a.suffix)
}

/// A share as a percentage with up to two decimals and no trailing zeros: `80%`,
/// `93.5%`. For targets and parameters, shown as written.
pub fn format_share(share: f64) -> String {
    if !share.is_finite() {
        return "n/a".to_string();
    }
    let text = trim_zeros(format!("{:.2}", 100.0 * share));
    format!("{text}%")
}

/// A plain number as written in a scenario file, with thousands separators and at most
/// six decimals: `20,000`, `0.05`, `1.5`.
pub fn format_plain(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    let sign = if value < 0.0 { "-" } else { "" };
    let text = trim_zeros(format!("{:.6}", value.abs()));
    let text = if text.is_empty() {
        "0".to_string()
    } else {
        text
    };
    format!("{sign}{}", group_thousands(&text))
}

/// A quantity without currency in about three significant figures: `25k`, `1.2M`, `850`.
pub fn format_quantity(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    let sign = if value < 0.0 { "-" } else { "" };
    let abs = value.abs();
    if abs < 100.0 {
        return format!("{sign}{}", trim_zeros(format!("{abs:.1}")));
    }
    format!("{sign}{}", compact(abs))
}

/// A number of months: `1 month`, `36 months`.
pub fn format_months(n: impl Into<u64>) -> String {
    match n.into() {
        1 => "1 month".to_string(),
        n => format!("{} months", format_count(n)),
    }
}

/// A whole count with thousands separators: `10,000`.
pub fn format_count(n: u64) -> String {
    group_thousands(&n.to_string())
}

/// A probability as a percentage for people: whole percents, except that values near 0
/// or 1 keep one decimal (`99.6%`) and never round to a certainty they are not
/// (`>99.9%`, `<0.1%`).
pub fn format_probability(p: f64) -> String {
    if !p.is_finite() {
        return "n/a".to_string();
    }
    let pct = 100.0 * p;
    if p <= 0.0 {
        "0%".to_string()
    } else if p >= 1.0 {
        "100%".to_string()
    } else if pct < 0.1 {
        "<0.1%".to_string()
    } else if pct > 99.9 {
        ">99.9%".to_string()
    } else if !(1.0..=99.0).contains(&pct) {
        format!("{pct:.1}%")
    } else {
        format!("{pct:.0}%")
    }
}

/// A share as a percentage with a fixed number of decimals: `93.4%`.
pub fn format_percent(share: f64, decimals: usize) -> String {
    if !share.is_finite() {
        return "n/a".to_string();
    }
    format!("{:.decimals$}%", 100.0 * share)
}

/// Decimals needed to write multiples of `step` exactly (up to 4).
fn step_decimals(step: f64) -> usize {
    (0..4)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(4)
}

/// The magnitude unit (power of 1000) that suits an axis reaching `max_abs`; an axis
/// below 2,000 is written in full rather than as `0.25k ... 1.50k`.
fn axis_unit(max_abs: f64) -> usize {
    if max_abs < 2000.0 {
        return 0;
    }
    let mut unit = 0;
    let mut scaled = max_abs;
    while scaled >= 1000.0 && unit < UNITS.len() - 1 {
        scaled /= 1000.0;
        unit += 1;
    }
    unit
}

/// One tick of a money axis whose ticks are `step` apart and reach `max_abs`: every tick
/// shares one unit and one number of decimals (`$0.5M`, `$1.0M`, `$1.5M`); zero is `$0`.
pub fn format_money_tick(value: f64, currency: &str, step: f64, max_abs: f64) -> String {
    let a = affixes(currency);
    format_tick_body(value, step, max_abs, &a.prefix, &a.suffix)
}

/// One tick of a quantity axis, with the same rules as [`format_money_tick`].
pub fn format_quantity_tick(value: f64, step: f64, max_abs: f64) -> String {
    format_tick_body(value, step, max_abs, "", "")
}

fn format_tick_body(value: f64, step: f64, max_abs: f64, prefix: &str, suffix: &str) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    if value.abs() < 1e-9 * max_abs.max(1.0) {
        return format!("{prefix}0{suffix}");
    }
    let unit = axis_unit(max_abs);
    let div = 1000f64.powi(unit as i32);
    let decimals = step_decimals(step / div);
    let sign = if value < 0.0 { "-" } else { "" };
    let body = group_thousands(&format!("{:.decimals$}", value.abs() / div));
    format!("{sign}{prefix}{body}{}{suffix}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_uses_symbols_and_magnitudes() {
        assert_eq!(format_money(1_200_000.0, "USD"), "$1.2M");
        assert_eq!(format_money(850_000.0, "EUR"), "€850k");
        assert_eq!(format_money(1_234_567.0, "USD"), "$1.23M");
        assert_eq!(format_money(12_345_678.0, "USD"), "$12.3M");
        assert_eq!(format_money(123_456_789.0, "USD"), "$123M");
        assert_eq!(format_money(2_500_000_000.0, "GBP"), "£2.5B");
        assert_eq!(format_money(1_000_000.0, "USD"), "$1M");
        assert_eq!(format_money(4_200.0, "USD"), "$4.2k");
        assert_eq!(format_money(999.0, "USD"), "$999");
    }

    #[test]
    fn money_rounds_across_magnitudes() {
        assert_eq!(format_money(999_600.0, "USD"), "$1M");
        assert_eq!(format_money(999.7, "USD"), "$1k");
        assert_eq!(format_money(9_996.0, "USD"), "$10k");
        assert_eq!(format_money(99_960.0, "USD"), "$100k");
    }

    #[test]
    fn small_money_keeps_cents() {
        assert_eq!(format_money(4.25, "USD"), "$4.25");
        assert_eq!(format_money(4.2, "USD"), "$4.20");
        assert_eq!(format_money(5.0, "USD"), "$5");
        assert_eq!(format_money(0.0, "USD"), "$0");
        assert_eq!(format_money(0.004, "USD"), "$0");
        assert_eq!(format_money(150.4, "USD"), "$150");
    }

    #[test]
    fn money_negative_and_odd_values() {
        assert_eq!(format_money(-1_500_000.0, "USD"), "-$1.5M");
        assert_eq!(format_money(-0.001, "USD"), "$0");
        assert_eq!(format_money(f64::NAN, "USD"), "n/a");
        assert_eq!(format_money(f64::INFINITY, "USD"), "n/a");
    }

    #[test]
    fn other_currencies_follow_or_lead() {
        assert_eq!(format_money(1_200_000.0, "SEK"), "1.2M SEK");
        assert_eq!(format_money(850_000.0, "chf"), "CHF 850k");
        assert_eq!(format_money(850_000.0, "€"), "€850k");
        assert_eq!(format_money(850_000.0, ""), "850k");
        assert_eq!(format_money(3_000.0, "JPY"), "¥3k");
    }

    #[test]
    fn exact_money_and_plain_numbers() {
        assert_eq!(format_money_exact(1800.0, "USD"), "$1,800");
        assert_eq!(format_money_exact(250_000.0, "EUR"), "€250,000");
        assert_eq!(format_money_exact(0.35, "USD"), "$0.35");
        assert_eq!(format_money_exact(1.5, "USD"), "$1.50");
        assert_eq!(format_money_exact(1_234_567.891, "EUR"), "€1,234,567.89");
        assert_eq!(format_share(0.8), "80%");
        assert_eq!(format_share(0.935), "93.5%");
        assert_eq!(format_plain(20_000.0), "20,000");
        assert_eq!(format_plain(0.05), "0.05");
        assert_eq!(format_plain(-1.5), "-1.5");
        assert_eq!(format_plain(0.0), "0");
    }

    #[test]
    fn quantities_counts_and_shares() {
        assert_eq!(format_quantity(25_000.0), "25k");
        assert_eq!(format_quantity(1_234_000.0), "1.23M");
        assert_eq!(format_quantity(42.26), "42.3");
        assert_eq!(format_count(10_000), "10,000");
        assert_eq!(format_months(1u32), "1 month");
        assert_eq!(format_months(36u32), "36 months");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_234_567), "1,234,567");
        assert_eq!(format_probability(0.873), "87%");
        assert_eq!(format_probability(0.996), "99.6%");
        assert_eq!(format_probability(0.99996), ">99.9%");
        assert_eq!(format_probability(1.0), "100%");
        assert_eq!(format_probability(0.0), "0%");
        assert_eq!(format_probability(0.00002), "<0.1%");
        assert_eq!(format_percent(0.9342, 1), "93.4%");
    }

    #[test]
    fn ticks_share_unit_and_decimals() {
        let t = |v| format_money_tick(v, "USD", 500_000.0, 2_000_000.0);
        assert_eq!(t(0.0), "$0");
        assert_eq!(t(500_000.0), "$0.5M");
        assert_eq!(t(1_000_000.0), "$1.0M");
        assert_eq!(t(2_000_000.0), "$2.0M");
        let t = |v| format_money_tick(v, "EUR", 250_000.0, 1_500_000.0);
        assert_eq!(t(750_000.0), "€0.75M");
        let t = |v| format_money_tick(v, "USD", 200_000.0, 800_000.0);
        assert_eq!(t(600_000.0), "$600k");
        let t = |v| format_money_tick(v, "USD", 20_000.0, 4_300_000.0);
        assert_eq!(t(4_220_000.0), "$4.22M");
        assert_eq!(format_quantity_tick(25_000.0, 5_000.0, 40_000.0), "25k");
        assert_eq!(format_quantity_tick(1_000.0, 250.0, 1_000.0), "1,000");
        assert_eq!(format_quantity_tick(750.0, 250.0, 1_000.0), "750");
        assert_eq!(
            format_money_tick(-100_000.0, "SEK", 100_000.0, 900_000.0),
            "-100k SEK"
        );
    }
}
