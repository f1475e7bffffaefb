//! The report's last section: every assumption and parameter that produced the numbers,
//! with its value, grouped as in the scenario file, so a reader can check or challenge
//! each one without opening the file.
//!
//! Model v2 inputs (contracts, currencies, transitions, failures, phases, exit rules,
//! planned staffing, the breaking point) are shown only where the file sets them: a row
//! or column appears when some vendor or strategy departs from the default, so a version
//! 1 file's report is unchanged.

use maud::{Markup, html};

use super::html::chip;
use crate::charts::format::{
    format_count, format_money_exact, format_months, format_plain, format_share,
};
use crate::model::dist::Sampler;
use crate::results::Results;
use crate::scenario::{Pricing, Sampling, Scenario, Staffing, Strategy, Vendor, VendorKind};

/// What each behavioural coefficient of `[assumptions]` means (MODEL.md).
fn assumption_meaning(name: &str) -> &'static str {
    match name {
        "timezone_defect_penalty" => "defect multiplier at zero working-hour overlap is 1 + this",
        "cultural_training_effect" => "share of the time-zone penalty removed by cultural training",
        "cultural_training_cost_per_month" => "cost of cultural training, per vendor per month",
        "oversight_quality_max" => "largest share of defects oversight can remove",
        "oversight_scale_hours" => "oversight hours per head for about 63% of that effect",
        "micromanagement_threshold_hours" => {
            "oversight hours per head above which micromanagement starts"
        }
        "micromanagement_productivity_loss" => "productivity lost per hour above the threshold",
        "micromanagement_attrition_increase" => {
            "relative attrition increase per hour above the threshold"
        }
        "new_hire_defect_multiplier" => "defect multiplier of a fully ramping workforce",
        "ip_protection_effect" => "share of security incidents prevented by IP protection",
        "ip_protection_cost_per_month" => "cost of IP protection, per vendor per month",
        "due_diligence_candidates" => "candidate teams compared by due diligence",
        "due_diligence_cost" => "cost of due diligence, per vendor, in month 1",
        "backlog_clear_months" => "months over which staffing aims to clear backlog",
        _ => "",
    }
}

/// Whether an assumption is an amount of money.
fn is_money(name: &str) -> bool {
    name.ends_with("_cost") || name.ends_with("_cost_per_month")
}

/// A number of hours as read aloud: `1 hour`, `0.5 hours`, `3 hours`.
pub(crate) fn hours(h: f64) -> String {
    let text = format_plain(h);
    if text == "1" {
        "1 hour".to_string()
    } else {
        format!("{text} hours")
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// An uncertain value as written: a number, or the distribution and its parameters.
fn dist(s: &Sampler) -> String {
    let d = s.dist();
    if d.is_uncertain() {
        d.describe()
    } else {
        format_plain(d.location())
    }
}

/// An uncertain amount of money: formatted money when fixed.
fn dist_money(s: &Sampler, currency: &str) -> String {
    let d = s.dist();
    if d.is_uncertain() {
        format!("{} ({})", d.describe(), currency)
    } else {
        format_money_exact(d.location(), currency)
    }
}

/// A two-column definition list.
fn pairs(rows: &[(&str, String)]) -> Markup {
    html! {
        dl.params {
            @for (k, v) in rows { dt { (k) } dd { (v) } }
        }
    }
}

/// Render the section; `source` is the scenario file as the user named it.
pub(crate) fn render(scenario: &Scenario, results: &Results, source: &str) -> Markup {
    html! {
        section id="assumptions" {
            h2 { "Assumptions and parameters" }
            p.note {
                "Everything below went into the numbers above, as read from the scenario file \
                 (defaults filled in). Uncertain values are drawn once per simulated future unless \
                 noted."
            }
            h3 { "Run" }
            (run(scenario, results, source))
            h3 { "Demand" }
            (demand(scenario))
            h3 { "The client's costs" }
            (costs(scenario))
            @if !scenario.currencies.is_empty() {
                h3 { "Currencies" }
                (currencies(scenario))
            }
            h3 { "Vendors" }
            (vendors(scenario))
            @if !scenario.correlations.is_empty() {
                h3 { "Correlated inputs" }
                (correlations(scenario, results))
            }
            h3 { "Strategies" }
            (strategies(scenario))
            h3 { "Behavioural assumptions" }
            (assumptions(scenario))
            h3 { "Objectives" }
            (objectives(scenario))
            @if !scenario.warnings.is_empty() {
                h3 { "Warnings from validation" }
                ul { @for w in &scenario.warnings { li { (w) } } }
            }
        }
    }
}

fn run(scenario: &Scenario, results: &Results, source: &str) -> Markup {
    let m = &scenario.meta;
    pairs(&[
        ("scenario file", source.to_string()),
        ("name", m.name.clone()),
        ("horizon", format_months(m.horizon_months)),
        ("trials", format_count(results.trials)),
        ("seed", results.seed.to_string()),
        (
            "currency",
            if m.currency.is_empty() {
                "none".to_string()
            } else {
                m.currency.clone()
            },
        ),
        (
            "annual discount rate",
            format!("{}%", format_plain(100.0 * m.discount_rate_annual)),
        ),
        (
            "sampling",
            match results.sampling {
                Sampling::Random => "random".to_string(),
                Sampling::Lhs => "Latin hypercube, one per block of 1,024 trials".to_string(),
            },
        ),
    ])
}

/// `[[correlations]]` (MODEL.md V2.5): each pair with its target and the rank
/// correlation realised over the run's futures.
fn correlations(scenario: &Scenario, results: &Results) -> Markup {
    html! {
        p.note {
            "A Gaussian copula draws these inputs together: each pair's rank correlation \
             (Spearman) is its target; a pair not listed is uncorrelated. A discrete input \
             realises less than its target, because of ties."
        }
        div.scroll { table.params {
            thead { tr {
                th { "Input" } th { "Input" } th { "Target rank correlation" }
                th { "Realised in this run" }
            } }
            tbody {
                @for (i, c) in scenario.correlations.iter().enumerate() {
                    tr {
                        td { code { (c.between[0].key(scenario)) } }
                        td { code { (c.between[1].key(scenario)) } }
                        td { (format!("{:+.2}", c.rank)) }
                        td {
                            @match results.realised_correlations.get(i).copied().flatten() {
                                Some(r) => (format!("{r:+.3}")),
                                None => "n/a",
                            }
                        }
                    }
                }
            }
        } }
    }
}

fn demand(scenario: &Scenario) -> Markup {
    let d = &scenario.demand;
    html! {
        (pairs(&[
            ("unit", d.unit.clone()),
            (
                "base per month",
                format!("{} {}", format_plain(d.base_per_month), d.unit),
            ),
            ("annual growth", dist(&d.growth_annual)),
            ("monthly volatility", format_plain(d.volatility_monthly)),
            (
                "seasonality",
                d.seasonality.map_or("none".to_string(), |s| {
                    s.iter()
                        .map(|v| format_plain(*v))
                        .collect::<Vec<_>>()
                        .join(", ")
                }),
            ),
            ("calendar month of month 1", d.start_month.to_string()),
            ("shocks per year", format_plain(d.shocks.rate_per_year)),
            ("shock size (per shock)", dist(&d.shocks.size)),
            ("shock duration", format_months(d.shocks.duration_months)),
        ]))
        @if d.events.is_empty() {
            p.note { "No roadmap events." }
        } @else {
            table.params {
                thead { tr { th { "Roadmap event" } th { "From month" } th { "Demand multiplier" } } }
                tbody {
                    @for e in &d.events {
                        tr { td { (e.label) } td { (e.month) } td { (format_plain(e.multiplier)) } }
                    }
                }
            }
        }
    }
}

fn costs(scenario: &Scenario) -> Markup {
    let c = &scenario.costs;
    let cur = scenario.meta.currency.as_str();
    pairs(&[
        (
            "manager hourly cost (oversight)",
            format_money_exact(c.manager_hourly_cost, cur),
        ),
        (
            "cost per defective unit",
            format_money_exact(c.defect_cost_per_unit, cur),
        ),
        (
            "delay cost per unit per month in backlog",
            format_money_exact(c.delay_cost_per_unit_month, cur),
        ),
    ])
}

/// One row of the vendor table: a label and how to show it for one vendor.
type VendorRow<'a> = (&'static str, Box<dyn Fn(&Vendor) -> String + 'a>);

/// A yearly rate as a percentage: `-2% a year`.
fn per_year(rate: f64) -> String {
    format!("{}% a year", format_plain(100.0 * rate))
}

/// `[[currencies]]`: each code with its drift and volatility.
fn currencies(scenario: &Scenario) -> Markup {
    let rows: Vec<(&str, String)> = scenario
        .currencies
        .iter()
        .map(|c| {
            (
                c.code.as_str(),
                format!(
                    "index against {}: drift {}, volatility {}",
                    scenario.meta.currency,
                    per_year(c.drift_annual),
                    per_year(c.volatility_annual)
                ),
            )
        })
        .collect();
    html! {
        (pairs(&rows))
        p.note {
            "Vendor amounts are stated in " (scenario.meta.currency) " at today's rate and \
             move with their currency's index; one path per currency and future, shared by \
             every vendor and strategy."
        }
    }
}

/// The rows of model v2 vendor inputs that some vendor of `scenario` sets.
fn v2_vendor_rows<'a>(scenario: &'a Scenario) -> Vec<VendorRow<'a>> {
    let cur = scenario.meta.currency.as_str();
    let money = move |x: f64| format_money_exact(x, cur);
    let any = |f: &dyn Fn(&Vendor) -> bool| scenario.vendors.iter().any(f);
    let mut rows: Vec<VendorRow> = Vec::new();
    if any(&|v| v.contract.pricing != Pricing::PerFte) {
        rows.push((
            "billed",
            Box::new(|v| {
                match v.contract.pricing {
                    Pricing::PerFte => "per head",
                    Pricing::PerUnit => "per unit of work (rework included)",
                    Pricing::PerGoodUnit => "per good unit",
                }
                .to_string()
            }),
        ));
        rows.push((
            "price per unit",
            Box::new(move |v| match v.contract.pricing {
                Pricing::PerFte => "-".to_string(),
                _ => money(v.contract.price_per_unit),
            }),
        ));
    }
    if any(&|v| v.contract.min_monthly_fee != 0.0) {
        rows.push((
            "minimum monthly fee (take-or-pay)",
            Box::new(move |v| money(v.contract.min_monthly_fee)),
        ));
    }
    if any(&|v| !v.contract.volume_tiers.is_empty()) {
        rows.push((
            "volume discounts (on the whole month's bill)",
            Box::new(|v| {
                if v.contract.volume_tiers.is_empty() {
                    return "none".to_string();
                }
                let unit = match v.contract.pricing {
                    Pricing::PerFte => "heads",
                    _ => "units",
                };
                v.contract
                    .volume_tiers
                    .iter()
                    .map(|t| {
                        format!(
                            "{} from {} {unit}",
                            format_share(t.discount),
                            format_plain(t.from)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
        ));
    }
    if any(&|v| v.contract.escalation_cap.is_some()) {
        rows.push((
            "cap on yearly escalation",
            Box::new(|v| {
                v.contract
                    .escalation_cap
                    .map_or("none".to_string(), per_year)
            }),
        ));
    }
    if any(&|v| v.currency.is_some()) {
        rows.push((
            "currency",
            Box::new(move |v| {
                v.currency
                    .and_then(|i| scenario.currencies.get(i))
                    .map_or(cur.to_string(), |c| {
                        format!(
                            "{} (drift {}, volatility {})",
                            c.code,
                            per_year(c.drift_annual),
                            per_year(c.volatility_annual)
                        )
                    })
            }),
        ));
    }
    if any(&|v| v.release_cost_per_head != 0.0) {
        rows.push((
            "cost per head released",
            Box::new(move |v| money(v.release_cost_per_head)),
        ));
    }
    if any(&|v| v.exit_fee != 0.0) {
        rows.push((
            "exit fee (when a strategy leaves it)",
            Box::new(move |v| money(v.exit_fee)),
        ));
    }
    if any(&|v| v.transition_months != 0 || v.knowledge_transfer_cost != 0.0) {
        rows.push((
            "transition after entry",
            Box::new(|v| format_months(v.transition_months)),
        ));
        rows.push((
            "productivity in the entry month",
            Box::new(|v| format_share(v.transition_productivity)),
        ));
        rows.push((
            "knowledge transfer cost per transition month",
            Box::new(move |v| money(v.knowledge_transfer_cost)),
        ));
    }
    if any(&|v| v.failure_rate_per_year != 0.0) {
        rows.push((
            "failures per year",
            Box::new(|v| format_plain(v.failure_rate_per_year)),
        ));
    }
    rows
}

fn vendors(scenario: &Scenario) -> Markup {
    let cur = scenario.meta.currency.as_str();
    let money = |x: f64| format_money_exact(x, cur);
    let entries_after_month_1 = scenario
        .strategies
        .iter()
        .any(|s| !s.phases.is_empty() || !s.exits.is_empty())
        || scenario
            .vendors
            .iter()
            .any(|v| v.failure_rate_per_year > 0.0);
    let mut rows: Vec<VendorRow> = vec![
        (
            "kind",
            Box::new(|v| match v.kind {
                VendorKind::Vendor => "outside vendor".to_string(),
                VendorKind::InHouse => "in-house".to_string(),
            }),
        ),
        (
            "rate per head per month",
            Box::new(move |v| match v.contract.pricing {
                Pricing::PerFte => money(v.rate_per_fte_month),
                _ => "not billed per head".to_string(),
            }),
        ),
        (
            "annual price escalation",
            Box::new(|v| dist(&v.price_escalation_annual)),
        ),
        (
            // A vendor first used after month 1 pays its setup when it enters (V2.3).
            if entries_after_month_1 {
                "setup cost (on entry)"
            } else {
                "setup cost (month 1)"
            },
            Box::new(move |v| money(v.setup_cost)),
        ),
        (
            "onboarding cost per hire",
            Box::new(move |v| money(v.onboarding_cost_per_hire)),
        ),
        (
            "units per head per month",
            Box::new(|v| format_plain(v.units_per_fte_month)),
        ),
        ("heads at start", Box::new(|v| v.initial_fte.to_string())),
        ("minimum heads", Box::new(|v| v.min_fte.to_string())),
        ("maximum heads", Box::new(|v| v.max_fte.to_string())),
        (
            "hires per month, at most",
            Box::new(|v| v.max_hires_per_month.to_string()),
        ),
        (
            "releases per month, at most",
            Box::new(|v| v.max_release_per_month.to_string()),
        ),
        (
            "hiring lead time",
            Box::new(|v| format_months(v.hiring_lead_months)),
        ),
        ("ramp-up", Box::new(|v| format_months(v.ramp_months))),
        (
            "ramp-up productivity",
            Box::new(|v| format_plain(v.ramp_productivity)),
        ),
        ("annual attrition", Box::new(|v| dist(&v.attrition_annual))),
        ("defect rate", Box::new(|v| dist(&v.defect_rate))),
        (
            "overlap with the client",
            Box::new(|v| hours(v.overlap_hours)),
        ),
        (
            "disruptions per year",
            Box::new(|v| format_plain(v.disruption_rate_per_year)),
        ),
        (
            "capacity lost in a disruption",
            Box::new(|v| format_plain(v.disruption_capacity_loss)),
        ),
        (
            "disruption length",
            Box::new(|v| format_months(v.disruption_months)),
        ),
        (
            "security incidents per year",
            Box::new(|v| format_plain(v.incident_rate_per_year)),
        ),
        (
            "loss per incident (per incident)",
            Box::new(move |v| dist_money(&v.incident_loss, cur)),
        ),
        (
            "SLA target",
            Box::new(|v| v.sla_target.map_or("none".to_string(), format_plain)),
        ),
        (
            "SLA credit per point below target",
            Box::new(|v| format_plain(v.sla_credit_per_point)),
        ),
        (
            "SLA credit cap",
            Box::new(|v| format_plain(v.sla_credit_cap)),
        ),
    ];
    rows.extend(v2_vendor_rows(scenario));
    html! {
        div.scroll { table.params {
            thead { tr {
                th { "Parameter" }
                @for v in &scenario.vendors { th { (v.name) } }
            } }
            tbody {
                @for (label, value) in &rows {
                    tr {
                        td { (label) }
                        @for v in &scenario.vendors { td { (value(v)) } }
                    }
                }
            }
        } }
    }
}

/// A vendor's name, for the strategies table.
fn vendor_name(scenario: &Scenario, i: usize) -> &str {
    scenario.vendors.get(i).map_or("?", |v| v.name.as_str())
}

/// An allocation as `A 60%, B 40%`.
fn allocation(scenario: &Scenario, allocation: &[crate::scenario::Allocation]) -> String {
    allocation
        .iter()
        .map(|a| {
            format!(
                "{} {}%",
                vendor_name(scenario, a.vendor),
                format_plain(100.0 * a.share)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A strategy's phases: `from month 4: A 50%, B 50%; from month 10: B 100%`.
fn phases(scenario: &Scenario, s: &Strategy) -> String {
    if s.phases.is_empty() {
        return "none".to_string();
    }
    s.phases
        .iter()
        .map(|p| {
            format!(
                "from month {}: {}",
                p.month,
                allocation(scenario, &p.allocation)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A strategy's exit rules, one sentence each.
fn exits(scenario: &Scenario, s: &Strategy) -> String {
    if s.exits.is_empty() {
        return "none".to_string();
    }
    s.exits
        .iter()
        .map(|e| {
            format!(
                "leave {} for {} after {} below {} service, with {} notice",
                vendor_name(scenario, e.vendor),
                vendor_name(scenario, e.fallback),
                if e.for_months == 1 {
                    "a month".to_string()
                } else {
                    format!("{} consecutive months", e.for_months)
                },
                format_share(e.when_service_below),
                format_months(e.notice_months)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn strategies(scenario: &Scenario) -> Markup {
    let any_phases = scenario.strategies.iter().any(|s| !s.phases.is_empty());
    let any_exits = scenario.strategies.iter().any(|s| !s.exits.is_empty());
    let any_planned = scenario
        .strategies
        .iter()
        .any(|s| s.staffing != Staffing::Reactive);
    html! {
        div.scroll { table.params {
            thead { tr {
                th { "Strategy" } th { "Allocation" } th { "Overflow" } th { "Capacity buffer" }
                th { "Oversight hours per head per month" } th { "IP protection" }
                th { "Due diligence" } th { "Cultural training" }
                @if any_phases { th { "Phases" } }
                @if any_exits { th { "Exit rules" } }
                @if any_planned { th { "Staffing" } }
            } }
            tbody {
                @for (i, s) in scenario.strategies.iter().enumerate() {
                    tr {
                        td { (chip(i, &s.name)) }
                        td { (allocation(scenario, &s.allocation)) }
                        td { (yes_no(s.overflow)) }
                        td { (format_plain(100.0 * s.capacity_buffer)) "%" }
                        td { (format_plain(s.oversight_hours_per_fte)) }
                        td { (yes_no(s.ip_protection)) }
                        td { (yes_no(s.due_diligence)) }
                        td { (yes_no(s.cultural_training)) }
                        @if any_phases { td { (phases(scenario, s)) } }
                        @if any_exits { td { (exits(scenario, s)) } }
                        @if any_planned {
                            td {
                                @match s.staffing {
                                    Staffing::Reactive => "reactive (this month's demand)",
                                    Staffing::Planned => "planned (the demand hires will meet)",
                                }
                            }
                        }
                    }
                }
            }
        } }
    }
}

fn assumptions(scenario: &Scenario) -> Markup {
    let cur = scenario.meta.currency.as_str();
    html! {
        div.scroll { table.params {
            thead { tr { th { "Assumption" } th { "Value" } th { "Meaning" } } }
            tbody {
                @for (name, value) in scenario.assumptions.entries() {
                    tr {
                        td { code { (name) } }
                        td {
                            @if is_money(name) { (format_money_exact(value, cur)) }
                            @else { (format_plain(value)) }
                        }
                        td { (assumption_meaning(name)) }
                    }
                }
            }
        } }
    }
}

fn objectives(scenario: &Scenario) -> Markup {
    let cur = scenario.meta.currency.as_str();
    let Some(o) = &scenario.objectives else {
        return html! { p { "None set." } };
    };
    let unset = || "not set".to_string();
    let mut rows = vec![
        (
            "minimum service level",
            o.min_service_level.map_or_else(unset, format_share),
        ),
        (
            "maximum cost per unit (undiscounted)",
            o.max_cost_per_unit
                .map_or_else(unset, |v| format_money_exact(v, cur)),
        ),
        (
            "maximum defect rate",
            o.max_defect_rate.map_or_else(unset, format_share),
        ),
        ("confidence", format_share(o.confidence)),
    ];
    if let Some(m) = o.max_backlog_months {
        rows.push((
            "maximum backlog (months of demand; a month above it breaks)",
            format_plain(m),
        ));
    }
    pairs(&rows)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn load(name: &str) -> Scenario {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/reference")
            .join(name);
        Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The vendor, strategy and objective parts of the section, as one HTML text.
    fn shown(s: &Scenario) -> String {
        format!(
            "{}{}{}{}",
            vendors(s).into_string(),
            strategies(s).into_string(),
            objectives(s).into_string(),
            currencies(s).into_string()
        )
    }

    const V2_LABELS: [&str; 14] = [
        "billed",
        "price per unit",
        "minimum monthly fee",
        "volume discounts",
        "cap on yearly escalation",
        "cost per head released",
        "exit fee",
        "transition after entry",
        "failures per year",
        "Phases",
        "Exit rules",
        "Staffing",
        "maximum backlog",
        "not billed per head",
    ];

    #[test]
    fn a_version_1_file_shows_no_v2_input() {
        for name in ["r1_single_vendor.toml", "r2_dual_source.toml"] {
            let text = shown(&load(name));
            for label in V2_LABELS {
                assert!(!text.contains(label), "{name}: {label}");
            }
            assert!(!text.contains(">currency<"), "{name}");
            assert!(text.contains("setup cost (month 1)"), "{name}");
        }
    }

    #[test]
    fn contracts_and_currencies_are_shown_per_vendor() {
        let text = shown(&load("r3_contracts_currency.toml"));
        for expected in [
            "per good unit",
            "$5.20",
            "$120,000",
            "3% from 90 heads, 6% from 120 heads",
            "6% a year",
            "PHP (drift -2% a year, volatility 6% a year)",
            "not billed per head",
            "cost per head released",
        ] {
            assert!(text.contains(expected), "{expected}: {text}");
        }
    }

    #[test]
    fn sourcing_over_time_is_shown_per_vendor_and_strategy() {
        let s = load("r4_sourcing_over_time.toml");
        let text = shown(&s);
        for expected in [
            "from month 4: InHouse 50%, Offshore 50%; from month 10: Offshore 100%",
            "leave Offshore for Nearshore after 6 consecutive months below 75% service, with 2 months notice",
            "planned (the demand hires will meet)",
            "transition after entry",
            "setup cost (on entry)",
            "60%",
            "$30,000",
            "failures per year",
            "0.08",
            "$120,000",
        ] {
            assert!(text.contains(expected), "{expected}: {text}");
        }
        let text = objectives(&load("r7_breaks_exact.toml")).into_string();
        assert!(text.contains("maximum backlog"), "{text}");
    }
}
