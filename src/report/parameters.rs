//! The report's last section: every assumption and parameter that produced the numbers,
//! with its value, grouped as in the scenario file, so a reader can check or challenge
//! each one without opening the file.

use std::fmt::Write as _;
use std::path::Path;

use super::html::esc;
use crate::charts::format::{
    format_count, format_money_exact, format_months, format_plain, format_share,
};
use crate::charts::palette::strategy_css;
use crate::model::dist::Sampler;
use crate::results::Results;
use crate::scenario::{Scenario, VendorKind};

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
        format!("{} ({})", d.describe(), esc(currency))
    } else {
        format_money_exact(d.location(), currency)
    }
}

/// A two-column definition list.
fn pairs(page: &mut String, rows: &[(&str, String)]) {
    page.push_str("<dl class=\"params\">\n");
    for (k, v) in rows {
        let _ = writeln!(page, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
    }
    page.push_str("</dl>\n");
}

/// Render the section.
pub(crate) fn render(page: &mut String, scenario: &Scenario, results: &Results, source: &Path) {
    let m = &scenario.meta;
    let cur = m.currency.as_str();
    page.push_str(
        "<section id=\"assumptions\"><h2>Assumptions and parameters</h2>\n\
         <p class=\"note\">Everything below went into the numbers above, as read from the scenario file \
         (defaults filled in). Uncertain values are drawn once per simulated future unless noted.</p>\n",
    );

    page.push_str("<h3>Run</h3>\n");
    pairs(
        page,
        &[
            ("scenario file", source.display().to_string()),
            ("name", m.name.clone()),
            ("horizon", format_months(m.horizon_months)),
            ("trials", format_count(results.trials)),
            ("seed", results.seed.to_string()),
            (
                "currency",
                if cur.is_empty() {
                    "none".to_string()
                } else {
                    cur.to_string()
                },
            ),
            (
                "annual discount rate",
                format!("{}%", format_plain(100.0 * m.discount_rate_annual)),
            ),
        ],
    );

    let d = &scenario.demand;
    page.push_str("<h3>Demand</h3>\n");
    pairs(
        page,
        &[
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
        ],
    );
    if d.events.is_empty() {
        page.push_str("<p class=\"note\">No roadmap events.</p>\n");
    } else {
        page.push_str(
            "<table class=\"params\"><thead><tr><th>Roadmap event</th><th>From month</th>\
             <th>Demand multiplier</th></tr></thead><tbody>\n",
        );
        for e in &d.events {
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&e.label),
                e.month,
                format_plain(e.multiplier)
            );
        }
        page.push_str("</tbody></table>\n");
    }

    let c = &scenario.costs;
    page.push_str("<h3>The client's costs</h3>\n");
    pairs(
        page,
        &[
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
        ],
    );

    page.push_str("<h3>Vendors</h3>\n<div class=\"scroll\"><table class=\"params\"><thead><tr><th>Parameter</th>");
    for v in &scenario.vendors {
        let _ = write!(page, "<th>{}</th>", esc(&v.name));
    }
    page.push_str("</tr></thead><tbody>\n");
    type Row<'a> = (
        &'static str,
        Box<dyn Fn(&crate::scenario::Vendor) -> String + 'a>,
    );
    let money = |x: f64| format_money_exact(x, cur);
    let cur_owned = cur.to_string();
    let rows: Vec<Row> = vec![
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
            Box::new(move |v| dist_money(&v.incident_loss, &cur_owned)),
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
    for (label, value) in &rows {
        let _ = write!(page, "<tr><td>{}</td>", esc(label));
        for v in &scenario.vendors {
            let _ = write!(page, "<td>{}</td>", esc(&value(v)));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</tbody></table></div>\n");

    page.push_str(
        "<h3>Strategies</h3>\n<div class=\"scroll\"><table class=\"params\"><thead><tr><th>Strategy</th>\
         <th>Allocation</th><th>Overflow</th><th>Capacity buffer</th><th>Oversight hours per head per month</th>\
         <th>IP protection</th><th>Due diligence</th><th>Cultural training</th></tr></thead><tbody>\n",
    );
    for (i, s) in scenario.strategies.iter().enumerate() {
        let allocation = s
            .allocation
            .iter()
            .map(|a| {
                let name = scenario
                    .vendors
                    .get(a.vendor)
                    .map_or("?", |v| v.name.as_str());
                format!("{} {}%", name, format_plain(100.0 * a.share))
            })
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            page,
            "<tr><td><span class=\"chip\" style=\"background:{}\"></span>{}</td><td>{}</td><td>{}</td>\
             <td>{}%</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            strategy_css(i),
            esc(&s.name),
            esc(&allocation),
            yes_no(s.overflow),
            format_plain(100.0 * s.capacity_buffer),
            format_plain(s.oversight_hours_per_fte),
            yes_no(s.ip_protection),
            yes_no(s.due_diligence),
            yes_no(s.cultural_training)
        );
    }
    page.push_str("</tbody></table></div>\n");

    page.push_str(
        "<h3>Behavioural assumptions</h3>\n<div class=\"scroll\"><table class=\"params\"><thead><tr>\
         <th>Assumption</th><th>Value</th><th>Meaning</th></tr></thead><tbody>\n",
    );
    for (name, value) in scenario.assumptions.entries() {
        let shown = if is_money(name) {
            format_money_exact(value, cur)
        } else {
            format_plain(value)
        };
        let _ = writeln!(
            page,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(name),
            esc(&shown),
            esc(assumption_meaning(name))
        );
    }
    page.push_str("</tbody></table></div>\n");

    page.push_str("<h3>Objectives</h3>\n");
    match &scenario.objectives {
        Some(o) => {
            let unset = || "not set".to_string();
            pairs(
                page,
                &[
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
                ],
            );
        }
        None => page.push_str("<p>None set.</p>\n"),
    }
    if !scenario.warnings.is_empty() {
        page.push_str("<h3>Warnings from validation</h3>\n<ul>\n");
        for w in &scenario.warnings {
            let _ = writeln!(page, "<li>{}</li>", esc(w));
        }
        page.push_str("</ul>\n");
    }
    page.push_str("</section>\n");
}
