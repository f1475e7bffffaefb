//! The report's last section: every assumption and parameter that produced the numbers,
//! with its value, grouped as in the scenario file, so a reader can check or challenge
//! each one without opening the file.

use maud::{Markup, html};

use super::html::chip;
use crate::charts::format::{
    format_count, format_money_exact, format_months, format_plain, format_share,
};
use crate::model::dist::Sampler;
use crate::results::Results;
use crate::scenario::{Sampling, Scenario, Vendor, VendorKind};

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

fn vendors(scenario: &Scenario) -> Markup {
    let cur = scenario.meta.currency.as_str();
    let money = |x: f64| format_money_exact(x, cur);
    let rows: Vec<VendorRow> = vec![
        (
            "kind",
            Box::new(|v| match v.kind {
                VendorKind::Vendor => "outside vendor".to_string(),
                VendorKind::InHouse => "in-house".to_string(),
            }),
        ),
        (
            "rate per head per month",
            Box::new(move |v| money(v.rate_per_fte_month)),
        ),
        (
            "annual price escalation",
            Box::new(|v| dist(&v.price_escalation_annual)),
        ),
        (
            "setup cost (month 1)",
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
            Box::new(|v| format!("{} hours", format_plain(v.overlap_hours))),
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

fn strategies(scenario: &Scenario) -> Markup {
    let allocation = |s: &crate::scenario::Strategy| {
        s.allocation
            .iter()
            .map(|a| {
                let name = scenario
                    .vendors
                    .get(a.vendor)
                    .map_or("?", |v| v.name.as_str());
                format!("{} {}%", name, format_plain(100.0 * a.share))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    html! {
        div.scroll { table.params {
            thead { tr {
                th { "Strategy" } th { "Allocation" } th { "Overflow" } th { "Capacity buffer" }
                th { "Oversight hours per head per month" } th { "IP protection" }
                th { "Due diligence" } th { "Cultural training" }
            } }
            tbody {
                @for (i, s) in scenario.strategies.iter().enumerate() {
                    tr {
                        td { (chip(i, &s.name)) }
                        td { (allocation(s)) }
                        td { (yes_no(s.overflow)) }
                        td { (format_plain(100.0 * s.capacity_buffer)) "%" }
                        td { (format_plain(s.oversight_hours_per_fte)) }
                        td { (yes_no(s.ip_protection)) }
                        td { (yes_no(s.due_diligence)) }
                        td { (yes_no(s.cultural_training)) }
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
    pairs(&[
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
    ])
}
