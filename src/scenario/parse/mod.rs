//! Turns scenario text into a [`Scenario`], checking every rule of the model.
//!
//! Each value is checked where it is read (type, range, distribution parameters); rules
//! that tie several values together (shares summing to 1, names, `max_fte >= initial_fte`,
//! events inside the horizon) are checked once the values are known. Every problem is
//! collected; a scenario is returned only when there are none.
//!
//! Besides MODEL.md's ranges, a few generous upper bounds keep every later computation
//! finite (e.g. growth and escalation at most 1000% a year, at most 10 million heads);
//! they are listed in `docs/model.md`.

mod contract;
mod correlations;
mod demand;
mod strategy;
mod vendor;

use toml::de::DeTable;

use contract::{CurrencyNames, read_currencies};
use correlations::{read_correlations, root_has_correlations};
use demand::read_demand;
use strategy::read_strategy;
use vendor::read_vendor;

use super::reader::{Ctx, TableReader};
use super::text::{TextKind, escaped, quoted, short_number};
use super::*;
use crate::model::dist::Range;

/// Largest number of heads a vendor may have, so head counts and costs stay exact.
pub const MAX_HEADS: u32 = 10_000_000;
/// Largest base demand per month.
pub const MAX_BASE_DEMAND: f64 = 1e15;
/// Smallest base demand per month: below it, cost per unit can exceed every float.
pub const MIN_BASE_DEMAND: f64 = 1e-9;
/// Smallest seasonality value or roadmap multiplier.
pub const MIN_MULTIPLIER: f64 = 1e-6;
/// Largest seasonality value or roadmap multiplier.
pub const MAX_MULTIPLIER: f64 = 1e6;
/// Largest annual growth or price escalation (1000%).
pub const MAX_ANNUAL_RATE: f64 = 10.0;
/// Largest trial count accepted from a file or the command line.
pub const MAX_TRIALS: u64 = 1_000_000_000;
/// Largest factor by which the roadmap steps together may raise demand, and its inverse
/// the smallest by which they may lower it.
pub const MAX_EVENTS_PRODUCT: f64 = 1e12;
/// Smallest work one head may do in a month: below it, the heads needed for even a
/// modest demand exceed every number the staffing rule can hold.
pub const MIN_UNITS_PER_FTE_MONTH: f64 = 1e-9;

const NON_NEGATIVE: Range = Range::at_least(0.0);
const UNIT: Range = Range::closed(0.0, 1.0);
const BIG: f64 = 1e15;
/// An annual rate (growth, drift, escalation): above -100%, at most [`MAX_ANNUAL_RATE`].
const ANNUAL_RATE: Range = open_closed(-1.0, MAX_ANNUAL_RATE);

/// `(min, max]`: the bound a value must exceed, and the largest it may take.
const fn open_closed(min: f64, max: f64) -> Range {
    Range {
        min,
        min_inclusive: false,
        max,
        max_inclusive: true,
    }
}

pub(crate) fn parse_scenario(text: &str) -> Result<Scenario, Vec<Issue>> {
    let mut ctx = Ctx::new(text);
    let root = match DeTable::parse(text) {
        Ok(root) => root,
        Err(e) => {
            let span = e.span();
            ctx.report(
                span,
                "",
                format!("not valid TOML: {}", escaped(e.message().trim(), 300)),
            );
            return Err(ctx.issues);
        }
    };
    let scenario = read_root(&mut ctx, root.get_ref(), root.span());
    let mut issues = ctx.issues;
    match scenario {
        Some(s) if issues.is_empty() => Ok(s),
        _ => {
            if issues.is_empty() {
                issues.push(Issue {
                    line: None,
                    column: None,
                    key: String::new(),
                    message: "the scenario is incomplete".into(),
                });
            }
            issues.sort_by_key(|i| (i.line.unwrap_or(usize::MAX), i.column.unwrap_or(0)));
            Err(issues)
        }
    }
}

fn required_table<'t, 'i>(
    ctx: &mut Ctx,
    root: &mut TableReader<'t, 'i>,
    key: &'static str,
) -> Option<TableReader<'t, 'i>> {
    let found = root.has(key);
    let t = root.table(ctx, key);
    if !found {
        ctx.report(None, key, format!("required table [{key}] is missing"));
    }
    t
}

fn read_root(ctx: &mut Ctx, table: &DeTable, span: std::ops::Range<usize>) -> Option<Scenario> {
    let mut root = TableReader::new(table, String::new(), span);
    let (meta, horizon) = match required_table(ctx, &mut root, "scenario") {
        Some(t) => read_meta(ctx, t),
        None => (None, None),
    };
    let demand =
        required_table(ctx, &mut root, "demand").and_then(|t| read_demand(ctx, t, horizon));
    let costs = match root.table(ctx, "costs") {
        Some(t) => read_costs(ctx, t),
        None if root.has("costs") => None,
        None => Some(Costs {
            manager_hourly_cost: 0.0,
            defect_cost_per_unit: 0.0,
            delay_cost_per_unit_month: 0.0,
        }),
    };
    let scenario_currency = meta.as_ref().map(|m| m.currency.clone());
    let (currencies, currency_codes) =
        read_currencies(ctx, &mut root, scenario_currency.as_deref());
    let currency_names = CurrencyNames {
        scenario: scenario_currency,
        codes: currency_codes,
    };
    let vendors_found = root.has("vendors");
    let vendor_tables = root.tables(ctx, "vendors");
    if !vendors_found {
        ctx.report(
            None,
            "vendors",
            "at least one [[vendors]] table is required",
        );
    }
    // Names are read even from vendors with other problems, so that strategies can
    // still be checked against them and every problem is reported at once.
    let mut vendor_names: Vec<NameAt> = Vec::new();
    let vendors: Option<Vec<Vendor>> = vendor_tables.and_then(|ts| {
        ts.into_iter()
            .map(|t| {
                let (name, vendor) = read_vendor(ctx, t, &currency_names);
                vendor_names.push(name);
                vendor
            })
            .collect::<Vec<_>>()
            .into_iter()
            .collect()
    });
    check_unique(ctx, "vendors", "name", &vendor_names);
    let vendor_names: Vec<Option<String>> = vendor_names
        .into_iter()
        .map(|n| n.map(|(name, _)| name))
        .collect();
    let mut strategy_names: Vec<NameAt> = Vec::new();
    let strategies_found = root.has("strategies");
    let strategies = root.tables(ctx, "strategies").map(|ts| {
        ts.into_iter()
            .map(|t| read_strategy(ctx, t, &vendor_names, horizon, &mut strategy_names))
            .collect::<Vec<_>>()
    });
    if !strategies_found {
        ctx.report(
            None,
            "strategies",
            "at least one [[strategies]] table is required",
        );
    }
    let strategies: Option<Vec<Strategy>> = strategies.and_then(|v| v.into_iter().collect());
    check_unique(ctx, "strategies", "name", &strategy_names);
    let assumptions = match root.table(ctx, "assumptions") {
        Some(t) => read_assumptions(ctx, t),
        None if root.has("assumptions") => None,
        None => Some(Assumptions::default()),
    };
    let objectives = match root.table(ctx, "objectives") {
        Some(t) => read_objectives(ctx, t).map(Some),
        None if root.has("objectives") => None,
        None => Some(None),
    };
    let correlation_tables = root.tables(ctx, "correlations");
    root.finish(ctx);
    let correlations = match (correlation_tables, &demand, &vendors) {
        (Some(ts), Some(demand), Some(vendors)) => read_correlations(ctx, ts, demand, vendors),
        (None, _, _) if !root_has_correlations(table) => Some(Vec::new()),
        _ => None,
    };

    let mut warnings = std::mem::take(&mut ctx.warnings);
    match &objectives {
        Some(None) => warnings.push(
            "no [objectives]: success is undefined, so P(objectives met) is reported as 1 for every strategy".to_string(),
        ),
        Some(Some(o)) if o.min_service_level.is_none() && o.max_cost_per_unit.is_none() && o.max_defect_rate.is_none() && o.max_backlog_months.is_none() => {
            warnings.push("[objectives] sets no target: every trial counts as meeting them".to_string())
        }
        _ => {}
    }
    Some(Scenario {
        meta: meta?,
        demand: demand?,
        costs: costs?,
        vendors: vendors?,
        strategies: strategies?,
        currencies: currencies?,
        assumptions: assumptions?,
        objectives: objectives?,
        warnings,
        correlations: correlations?,
    })
}

/// A name read from a list entry, with where it stands.
type NameAt = Option<(String, Option<std::ops::Range<usize>>)>;

/// Names (and currency codes) must be unique, and differ by more than case: chart files
/// are named after them lower-cased, and two names that look alike in a table would be
/// confused. `field` is the key that holds them.
fn check_unique(ctx: &mut Ctx, list: &str, field: &str, names: &[NameAt]) {
    for (i, entry) in names.iter().enumerate() {
        let Some((name, span)) = entry else { continue };
        let folded = name.to_lowercase();
        let earlier = names[..i].iter().enumerate().find_map(|(j, n)| {
            n.as_ref()
                .filter(|(m, _)| m.to_lowercase() == folded)
                .map(|(m, _)| (j, m))
        });
        let Some((first, other)) = earlier else {
            continue;
        };
        let message = if other == name {
            format!(
                "duplicate {field} {}: already used by {list}[{first}]; {field}s must be unique",
                quoted(name)
            )
        } else {
            format!(
                "{field} {} differs from {list}[{first}]'s {} only by case; {field}s must differ by more than case",
                quoted(name),
                quoted(other)
            )
        };
        ctx.report(span.clone(), &format!("{list}[{i}].{field}"), message);
    }
}

/// The `[scenario]` table, and its horizon even when another key is invalid, so events
/// can still be checked against it.
fn read_meta(ctx: &mut Ctx, mut t: TableReader) -> (Option<Meta>, Option<u32>) {
    let name = t.string(ctx, "name", None, TextKind::Name);
    let description = if t.has("description") {
        t.string(ctx, "description", None, TextKind::Description)
    } else {
        t.item("description");
        None
    };
    let horizon = t.u32(ctx, "horizon_months", None, 1, 600);
    let trials = t.u64(ctx, "trials", Some(10_000), 1, MAX_TRIALS);
    let seed = t.u64(ctx, "seed", Some(0), 0, u64::MAX);
    let currency = t.string(ctx, "currency", Some("USD"), TextKind::Unit);
    let discount = t.f64(
        ctx,
        "discount_rate_annual",
        Some(0.0),
        Range::closed(0.0, 10.0),
    );
    let sampling = t.choice(
        ctx,
        "sampling",
        "random",
        &[("random", Sampling::Random), ("lhs", Sampling::Lhs)],
    );
    t.finish(ctx);
    let meta = (|| {
        Some(Meta {
            name: name?,
            description,
            horizon_months: horizon?,
            trials: trials?,
            seed: seed?,
            currency: currency?,
            discount_rate_annual: discount?,
            sampling: sampling?,
        })
    })();
    (meta, horizon)
}
fn read_costs(ctx: &mut Ctx, mut t: TableReader) -> Option<Costs> {
    let money = Range::closed(0.0, BIG);
    let manager = t.f64(ctx, "manager_hourly_cost", Some(0.0), money);
    let defect = t.f64(ctx, "defect_cost_per_unit", Some(0.0), money);
    let delay = t.f64(ctx, "delay_cost_per_unit_month", Some(0.0), money);
    t.finish(ctx);
    Some(Costs {
        manager_hourly_cost: manager?,
        defect_cost_per_unit: defect?,
        delay_cost_per_unit_month: delay?,
    })
}
fn read_assumptions(ctx: &mut Ctx, mut t: TableReader) -> Option<Assumptions> {
    let d = Assumptions::default();
    let money = Range::closed(0.0, BIG);
    let hours = open_closed(0.0, 744.0);
    let months = open_closed(0.0, 600.0);
    let tz = t.f64(
        ctx,
        "timezone_defect_penalty",
        Some(d.timezone_defect_penalty),
        Range::closed(0.0, 100.0),
    );
    let ct_effect = t.f64(
        ctx,
        "cultural_training_effect",
        Some(d.cultural_training_effect),
        UNIT,
    );
    let ct_cost = t.f64(
        ctx,
        "cultural_training_cost_per_month",
        Some(d.cultural_training_cost_per_month),
        money,
    );
    let oq_max = t.f64(
        ctx,
        "oversight_quality_max",
        Some(d.oversight_quality_max),
        UNIT,
    );
    let oq_scale = t.f64(
        ctx,
        "oversight_scale_hours",
        Some(d.oversight_scale_hours),
        hours,
    );
    let mm_threshold = t.f64(
        ctx,
        "micromanagement_threshold_hours",
        Some(d.micromanagement_threshold_hours),
        Range::closed(0.0, 744.0),
    );
    let mm_prod = t.f64(
        ctx,
        "micromanagement_productivity_loss",
        Some(d.micromanagement_productivity_loss),
        UNIT,
    );
    let mm_attr = t.f64(
        ctx,
        "micromanagement_attrition_increase",
        Some(d.micromanagement_attrition_increase),
        Range::closed(0.0, 100.0),
    );
    let nh = t.f64(
        ctx,
        "new_hire_defect_multiplier",
        Some(d.new_hire_defect_multiplier),
        Range::closed(0.0, 100.0),
    );
    let ip_effect = t.f64(
        ctx,
        "ip_protection_effect",
        Some(d.ip_protection_effect),
        UNIT,
    );
    let ip_cost = t.f64(
        ctx,
        "ip_protection_cost_per_month",
        Some(d.ip_protection_cost_per_month),
        money,
    );
    let dd_n = t.u32(
        ctx,
        "due_diligence_candidates",
        Some(d.due_diligence_candidates),
        1,
        100,
    );
    let dd_cost = t.f64(ctx, "due_diligence_cost", Some(d.due_diligence_cost), money);
    let clear = t.f64(
        ctx,
        "backlog_clear_months",
        Some(d.backlog_clear_months),
        months,
    );
    t.finish(ctx);
    Some(Assumptions {
        timezone_defect_penalty: tz?,
        cultural_training_effect: ct_effect?,
        cultural_training_cost_per_month: ct_cost?,
        oversight_quality_max: oq_max?,
        oversight_scale_hours: oq_scale?,
        micromanagement_threshold_hours: mm_threshold?,
        micromanagement_productivity_loss: mm_prod?,
        micromanagement_attrition_increase: mm_attr?,
        new_hire_defect_multiplier: nh?,
        ip_protection_effect: ip_effect?,
        ip_protection_cost_per_month: ip_cost?,
        due_diligence_candidates: dd_n?,
        due_diligence_cost: dd_cost?,
        backlog_clear_months: clear?,
    })
}

fn read_objectives(ctx: &mut Ctx, mut t: TableReader) -> Option<Objectives> {
    let sl = t.opt_f64(ctx, "min_service_level", UNIT);
    let cpu = t.opt_f64(ctx, "max_cost_per_unit", NON_NEGATIVE);
    let dr = t.opt_f64(ctx, "max_defect_rate", UNIT);
    let backlog = t.opt_f64(ctx, "max_backlog_months", Range::above(0.0));
    let confidence = t.f64(ctx, "confidence", Some(0.9), open_closed(0.0, 1.0));
    t.finish(ctx);
    Some(Objectives {
        min_service_level: sl.ok()?,
        max_cost_per_unit: cpu.ok()?,
        max_defect_rate: dr.ok()?,
        max_backlog_months: backlog.ok()?,
        confidence: confidence?,
    })
}
