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

use toml::de::DeTable;

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

fn root_has_correlations(table: &DeTable) -> bool {
    table
        .iter()
        .any(|(k, _)| k.get_ref().as_ref() == "correlations")
}

/// `[[correlations]]` (MODEL.md V2.5): each names two uncertain inputs drawn once per
/// trial and a rank correlation in (-1, 1); no pair twice; and the matrix of each group
/// of linked inputs must be positive definite, else every correlation of the group is
/// named.
fn read_correlations(
    ctx: &mut Ctx,
    tables: Vec<TableReader>,
    demand: &Demand,
    vendors: &[Vendor],
) -> Option<Vec<Correlation>> {
    let mut out: Vec<Option<Correlation>> = Vec::new();
    let mut spans = Vec::new();
    for mut t in tables {
        let entry = t.key_path("");
        let entry = entry.trim_end_matches('.').to_string();
        let span = t.item("between").map(|i| i.span());
        let between = t.texts(ctx, "between");
        let rank = t.f64(
            ctx,
            "rank",
            None,
            Range {
                min: -1.0,
                min_inclusive: false,
                max: 1.0,
                max_inclusive: false,
            },
        );
        t.finish(ctx);
        spans.push((entry.clone(), span.clone()));
        let Some((names, list_span)) = between else {
            out.push(None);
            continue;
        };
        let path = format!("{entry}.between");
        if names.len() != 2 {
            ctx.report(
                Some(list_span),
                &path,
                format!("names {} input(s), must name exactly two", names.len()),
            );
            out.push(None);
            continue;
        }
        let mut ids = Vec::new();
        for (i, (name, name_span)) in names.iter().enumerate() {
            match resolve_input(name, demand, vendors) {
                Ok(id) => ids.push(id),
                Err(why) => ctx.report(Some(name_span.clone()), &format!("{path}[{i}]"), why),
            }
        }
        if ids.len() == 2 && ids[0] == ids[1] {
            ctx.report(
                Some(list_span),
                &path,
                "names the same input twice: an input is always fully correlated with itself",
            );
            out.push(None);
            continue;
        }
        match (ids.as_slice(), rank) {
            (&[a, b], Some(rank)) => out.push(Some(Correlation {
                between: [a, b],
                rank,
            })),
            _ => out.push(None),
        }
    }
    // Each pair at most once, in either order.
    for i in 0..out.len() {
        for j in 0..i {
            if let (Some(a), Some(b)) = (&out[i], &out[j]) {
                let same =
                    |x: [InputId; 2], y: [InputId; 2]| x == y || (x[0] == y[1] && x[1] == y[0]);
                if same(a.between, b.between) {
                    ctx.report(
                        spans[i].1.clone(),
                        &spans[i].0,
                        format!(
                            "repeats the pair of {}: each pair may be correlated once",
                            spans[j].0
                        ),
                    );
                }
            }
        }
    }
    let out: Vec<Correlation> = out.into_iter().collect::<Option<_>>()?;
    // Positive definiteness, group by group of inputs linked by correlations.
    let ids = InputId::all(vendors.len());
    let mut group: Vec<usize> = (0..ids.len()).collect();
    fn root(group: &mut [usize], mut i: usize) -> usize {
        while group[i] != i {
            group[i] = group[group[i]];
            i = group[i];
        }
        i
    }
    for c in &out {
        let (a, b) = (
            root(&mut group, c.between[0].index()),
            root(&mut group, c.between[1].index()),
        );
        group[a] = b;
    }
    let mut checked = Vec::new();
    for c in &out {
        let g = root(&mut group, c.between[0].index());
        if checked.contains(&g) {
            continue;
        }
        checked.push(g);
        let members: Vec<usize> = (0..ids.len())
            .filter(|&i| root(&mut group, i) == g)
            .collect();
        let at = |i: usize| members.iter().position(|&m| m == i).unwrap_or(0);
        let involved: Vec<usize> = (0..out.len())
            .filter(|&k| root(&mut group, out[k].between[0].index()) == g)
            .collect();
        let pairs: Vec<(usize, usize, f64)> = involved
            .iter()
            .map(|&k| {
                (
                    at(out[k].between[0].index()),
                    at(out[k].between[1].index()),
                    out[k].rank,
                )
            })
            .collect();
        if crate::model::copula::Copula::new(members.len(), &pairs).is_err() {
            let names: Vec<&str> = involved.iter().map(|&k| spans[k].0.as_str()).collect();
            ctx.report(
                spans[involved[0]].1.clone(),
                &spans[involved[0]].0,
                format!(
                    "the correlations {} cannot hold together: the matrix they imply (2 sin(pi rank / 6) off the diagonal) is not positive definite; weaken one of them",
                    names.join(", ")
                ),
            );
            return None;
        }
    }
    Some(out)
}

/// The input a `[[correlations]]` key names; it must be drawn once per trial and
/// uncertain.
fn resolve_input(text: &str, demand: &Demand, vendors: &[Vendor]) -> Result<InputId, String> {
    use super::key::{Segment, parse_key};
    let nameable = "name demand.growth_annual or vendors.<name>.attrition_annual, .defect_rate or .price_escalation_annual (a vendor name with a dot or a space in double quotes)";
    let key = parse_key(text).map_err(|why| format!("{why}; {nameable}"))?;
    let id = match key.segments.as_slice() {
        [Segment::Key(t), Segment::Key(f)] if t == "demand" && f == "growth_annual" => {
            InputId::Growth
        }
        [Segment::Key(t), Segment::Key(name), Segment::Key(f)] if t == "vendors" => {
            let v = vendors
                .iter()
                .position(|v| &v.name == name)
                .ok_or_else(|| {
                    format!("{} names no vendor of this file; {nameable}", quoted(name))
                })?;
            match f.as_str() {
                "attrition_annual" => InputId::Attrition(v),
                "defect_rate" => InputId::DefectRate(v),
                "price_escalation_annual" => InputId::Escalation(v),
                _ => {
                    return Err(format!(
                        "{} is not an input drawn once per trial; {nameable}",
                        quoted(text)
                    ));
                }
            }
        }
        _ => {
            return Err(format!(
                "{} is not an input drawn once per trial; {nameable}",
                quoted(text)
            ));
        }
    };
    let sampler = match id {
        InputId::Growth => &demand.growth_annual,
        InputId::Attrition(v) => &vendors[v].attrition_annual,
        InputId::DefectRate(v) => &vendors[v].defect_rate,
        InputId::Escalation(v) => &vendors[v].price_escalation_annual,
    };
    if !sampler.dist().is_uncertain() {
        return Err(format!(
            "{} is a plain number: only uncertain inputs (a table with dist) can be correlated",
            quoted(text)
        ));
    }
    Ok(id)
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

fn read_demand(ctx: &mut Ctx, mut t: TableReader, horizon: Option<u32>) -> Option<Demand> {
    let unit = t.string(ctx, "unit", Some("units"), TextKind::Unit);
    let base = t.f64(
        ctx,
        "base_per_month",
        None,
        Range {
            min: MIN_BASE_DEMAND,
            min_inclusive: true,
            max: MAX_BASE_DEMAND,
            max_inclusive: true,
        },
    );
    let growth = t.dist(
        ctx,
        "growth_annual",
        Some(0.0),
        Range {
            min: -1.0,
            min_inclusive: false,
            max: MAX_ANNUAL_RATE,
            max_inclusive: true,
        },
    );
    let volatility = t.f64(
        ctx,
        "volatility_monthly",
        Some(0.0),
        Range::closed(0.0, 1.0),
    );
    let seasonality = match t.numbers(ctx, "seasonality") {
        None => None,
        Some(None) => Some(None),
        Some(Some((values, span))) => {
            let key = t.key_path("seasonality");
            if values.len() != 12 {
                ctx.report(
                    Some(span),
                    &key,
                    format!(
                        "needs 12 monthly values (January to December), found {}",
                        values.len()
                    ),
                );
                None
            } else if let Some(i) = values
                .iter()
                .position(|v| !(MIN_MULTIPLIER..=MAX_MULTIPLIER).contains(v))
            {
                ctx.report(
                    Some(span),
                    &format!("{key}[{i}]"),
                    format!(
                        "is {}, must be between {MIN_MULTIPLIER:e} and {MAX_MULTIPLIER:e}",
                        short_number(values[i])
                    ),
                );
                None
            } else {
                let mut arr = [0.0; 12];
                arr.copy_from_slice(&values);
                Some(Some(arr))
            }
        }
    };
    let start_month = t.u32(ctx, "start_month", Some(1), 1, 12);
    let events = match t.tables(ctx, "events") {
        None if t.has("events") => None,
        None => Some(Vec::new()),
        Some(tables) => tables
            .into_iter()
            .map(|e| read_event(ctx, e, horizon))
            .collect::<Vec<_>>()
            .into_iter()
            .collect(),
    };
    if let Some(events) = &events {
        // Each step is bounded, but many steps multiply: bound their combined rise so
        // that demand, backlog and delay cost stay finite over the whole horizon, and
        // their combined fall so that cost per unit does.
        let rise: f64 = events
            .iter()
            .map(|e: &DemandEvent| e.multiplier.max(1.0))
            .product();
        let fall: f64 = events
            .iter()
            .map(|e: &DemandEvent| e.multiplier.min(1.0))
            .product();
        let span = t.item("events").map(|i| i.span());
        if rise > MAX_EVENTS_PRODUCT {
            ctx.report(
                span.clone(),
                &t.key_path("events"),
                format!(
                    "the roadmap steps above 1 multiply demand by {rise:e} together; at most {MAX_EVENTS_PRODUCT:e} is accepted"
                ),
            );
        }
        if fall < 1.0 / MAX_EVENTS_PRODUCT {
            ctx.report(
                span,
                &t.key_path("events"),
                format!(
                    "the roadmap steps below 1 multiply demand by {fall:e} together; at least {:e} is accepted",
                    1.0 / MAX_EVENTS_PRODUCT
                ),
            );
        }
    }
    let shocks = match t.table(ctx, "shocks") {
        Some(s) => read_shocks(ctx, s),
        None if t.has("shocks") => None,
        None => Some(Shocks {
            rate_per_year: 0.0,
            size: fixed(0.0),
            duration_months: 1,
        }),
    };
    t.finish(ctx);
    Some(Demand {
        unit: unit?,
        base_per_month: base?,
        growth_annual: growth?,
        volatility_monthly: volatility?,
        seasonality: seasonality?,
        start_month: start_month?,
        events: events?,
        shocks: shocks?,
    })
}

fn fixed(x: f64) -> Sampler {
    crate::model::dist::Dist::Fixed(x)
        .into_sampler(Range::closed(x, x))
        .expect("a fixed default is always valid")
}

fn read_event(ctx: &mut Ctx, mut t: TableReader, horizon: Option<u32>) -> Option<DemandEvent> {
    let month = t.u32(ctx, "month", None, 1, 600);
    if let (Some(m), Some(h)) = (month, horizon) {
        if m > h {
            let span = t.item("month").map(|i| i.span());
            ctx.report(
                span,
                &t.key_path("month"),
                format!("is {m}, after the horizon ({h} months): the event would never apply"),
            );
        }
    }
    let multiplier = t.f64(
        ctx,
        "multiplier",
        None,
        Range::closed(MIN_MULTIPLIER, MAX_MULTIPLIER),
    );
    let label = t.string(ctx, "label", Some(""), TextKind::Label);
    t.finish(ctx);
    let month = month?;
    let label = label?;
    let label = if label.is_empty() {
        format!("Step at month {month}")
    } else {
        label
    };
    Some(DemandEvent {
        month,
        multiplier: multiplier?,
        label,
    })
}

fn read_shocks(ctx: &mut Ctx, mut t: TableReader) -> Option<Shocks> {
    let rate = t.f64(ctx, "rate_per_year", Some(0.0), Range::closed(0.0, 1200.0));
    let size = t.dist(ctx, "size", Some(0.0), Range::closed(0.0, 1e3));
    let duration = t.u32(ctx, "duration_months", Some(1), 1, 600);
    t.finish(ctx);
    Some(Shocks {
        rate_per_year: rate?,
        size: size?,
        duration_months: duration?,
    })
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

/// The currencies a vendor may bill in: the scenario's own and the `[[currencies]]`
/// codes, each `None` where the file's entry is itself invalid.
struct CurrencyNames {
    scenario: Option<String>,
    codes: Option<Vec<Option<String>>>,
}

/// `[[currencies]]` (V2.2), and their codes even when another key is invalid, so that
/// vendors can still be checked against them.
fn read_currencies(
    ctx: &mut Ctx,
    root: &mut TableReader,
    scenario_currency: Option<&str>,
) -> (Option<Vec<Currency>>, Option<Vec<Option<String>>>) {
    let Some(tables) = root.tables(ctx, "currencies") else {
        return if root.has("currencies") {
            (None, None)
        } else {
            (Some(Vec::new()), Some(Vec::new()))
        };
    };
    let mut codes: Vec<NameAt> = Vec::new();
    let mut currencies = Vec::new();
    for mut t in tables {
        let code_span = t.item("code").map(|i| i.span());
        let code = t.string(ctx, "code", None, TextKind::Unit);
        if let (Some(code), Some(own)) = (&code, scenario_currency) {
            if code.to_lowercase() == own.to_lowercase() {
                ctx.report(
                    code_span.clone(),
                    &t.key_path("code"),
                    format!(
                        "is the scenario's own currency ({}): its amounts need no index, so leave it out of [[currencies]]",
                        quoted(own)
                    ),
                );
            }
        }
        let drift = t.f64(
            ctx,
            "drift_annual",
            Some(0.0),
            Range {
                min: -1.0,
                min_inclusive: false,
                max: MAX_ANNUAL_RATE,
                max_inclusive: true,
            },
        );
        let volatility = t.f64(
            ctx,
            "volatility_annual",
            Some(0.0),
            Range::closed(0.0, MAX_ANNUAL_RATE),
        );
        t.finish(ctx);
        codes.push(code.clone().map(|c| (c, code_span)));
        currencies.push((|| {
            Some(Currency {
                code: code?,
                drift_annual: drift?,
                volatility_annual: volatility?,
            })
        })());
    }
    check_unique(ctx, "currencies", "code", &codes);
    let currencies = currencies.into_iter().collect();
    let codes = codes.into_iter().map(|c| c.map(|(code, _)| code)).collect();
    (currencies, Some(codes))
}

/// The vendor key `currency`: `None` for the scenario's own currency, else the index of
/// its `[[currencies]]` entry.
fn read_vendor_currency(
    ctx: &mut Ctx,
    t: &mut TableReader,
    names: &CurrencyNames,
) -> Option<Option<usize>> {
    if !t.has("currency") {
        t.item("currency");
        return Some(None);
    }
    let span = t.item("currency").map(|i| i.span());
    let code = t.string(ctx, "currency", None, TextKind::Unit)?;
    if names.scenario.as_deref() == Some(code.as_str()) {
        return Some(None);
    }
    let codes = names.codes.as_ref()?;
    if let Some(i) = codes
        .iter()
        .position(|c| c.as_deref() == Some(code.as_str()))
    {
        return Some(Some(i));
    }
    // An entry whose code is itself invalid may be the one meant: its problem is
    // reported already.
    if codes.iter().any(Option::is_none) || names.scenario.is_none() {
        return None;
    }
    let mut known: Vec<String> = names.scenario.iter().map(|c| quoted(c)).collect();
    known.extend(codes.iter().flatten().map(|c| quoted(c)));
    ctx.report(
        span,
        &t.key_path("currency"),
        format!(
            "unknown currency {}: define it in a [[currencies]] table; known here: {}",
            quoted(&code),
            known.join(", ")
        ),
    );
    None
}

/// `[vendors.contract]` (V2.1), and its pricing even when another key is invalid, so
/// that `rate_per_fte_month` is required only where it is used.
fn read_contract(ctx: &mut Ctx, mut t: TableReader) -> (Option<Pricing>, Option<Contract>) {
    let money = Range::closed(0.0, BIG);
    let pricing = t.choice(
        ctx,
        "pricing",
        "per_fte",
        &[
            ("per_fte", Pricing::PerFte),
            ("per_unit", Pricing::PerUnit),
            ("per_good_unit", Pricing::PerGoodUnit),
        ],
    );
    let price = match pricing {
        Some(Pricing::PerUnit | Pricing::PerGoodUnit) if !t.has("price_per_unit") => {
            t.item("price_per_unit");
            ctx.report(
                Some(t.span.clone()),
                &t.key_path("price_per_unit"),
                format!(
                    "is required with pricing = {}: the price of one unit of work",
                    quoted(if pricing == Some(Pricing::PerUnit) {
                        "per_unit"
                    } else {
                        "per_good_unit"
                    })
                ),
            );
            None
        }
        Some(Pricing::PerFte) if t.has("price_per_unit") => {
            let price = t.f64(ctx, "price_per_unit", None, money);
            let at = t
                .item("price_per_unit")
                .map_or(t.span.start, |i| i.span().start);
            let (line, _) = ctx.position(at);
            ctx.warnings.push(format!(
                "line {line}: `{}`: pricing is per head (\"per_fte\"), so this price is not used",
                t.key_path("price_per_unit")
            ));
            price.map(|_| 0.0)
        }
        _ => t.f64(ctx, "price_per_unit", Some(0.0), money),
    };
    let floor = t.f64(ctx, "min_monthly_fee", Some(0.0), money);
    let tiers = read_tiers(ctx, &mut t);
    let cap = t.opt_f64(
        ctx,
        "escalation_cap",
        Range {
            min: -1.0,
            min_inclusive: false,
            max: MAX_ANNUAL_RATE,
            max_inclusive: true,
        },
    );
    t.finish(ctx);
    let contract = (|| {
        Some(Contract {
            pricing: pricing?,
            price_per_unit: price?,
            min_monthly_fee: floor?,
            volume_tiers: tiers?,
            escalation_cap: cap.ok()?,
        })
    })();
    (pricing, contract)
}

/// `volume_tiers`: `from` > 0 and strictly increasing, `discount` in [0, 1) and
/// non-decreasing.
fn read_tiers(ctx: &mut Ctx, t: &mut TableReader) -> Option<Vec<VolumeTier>> {
    let Some(entries) = t.tables(ctx, "volume_tiers") else {
        return (!t.has("volume_tiers")).then(Vec::new);
    };
    let mut tiers = Vec::new();
    let mut ok = true;
    let mut previous: Option<VolumeTier> = None;
    for mut e in entries {
        let from_span = e.item("from").map(|i| i.span());
        let discount_span = e.item("discount").map(|i| i.span());
        let from = e.f64(
            ctx,
            "from",
            None,
            Range {
                min: 0.0,
                min_inclusive: false,
                max: BIG,
                max_inclusive: true,
            },
        );
        let discount = e.f64(ctx, "discount", None, Range::closed_open(0.0, 1.0));
        if let (Some(prev), Some(from)) = (previous, from) {
            if from <= prev.from {
                ctx.report(
                    from_span,
                    &e.key_path("from"),
                    format!(
                        "is {}, must be above the previous tier's from ({}): tiers go in increasing order of volume",
                        short_number(from),
                        short_number(prev.from)
                    ),
                );
                ok = false;
            }
        }
        if let (Some(prev), Some(discount)) = (previous, discount) {
            if discount < prev.discount {
                ctx.report(
                    discount_span,
                    &e.key_path("discount"),
                    format!(
                        "is {}, below the previous tier's discount ({}): a larger volume must not earn a smaller discount",
                        short_number(discount),
                        short_number(prev.discount)
                    ),
                );
                ok = false;
            }
        }
        e.finish(ctx);
        match (from, discount) {
            (Some(from), Some(discount)) => {
                let tier = VolumeTier { from, discount };
                tiers.push(tier);
                previous = Some(tier);
            }
            _ => ok = false,
        }
    }
    ok.then_some(tiers)
}

/// A vendor, and its name even when another key is invalid.
fn read_vendor(
    ctx: &mut Ctx,
    mut t: TableReader,
    currencies: &CurrencyNames,
) -> (NameAt, Option<Vendor>) {
    let money = Range::closed(0.0, BIG);
    let t_name_span = t.item("name").map(|i| i.span());
    let name = t.string(ctx, "name", None, TextKind::Name);
    let kind = t.choice(
        ctx,
        "kind",
        "vendor",
        &[
            ("vendor", VendorKind::Vendor),
            ("inhouse", VendorKind::InHouse),
        ],
    );
    let (pricing, contract) = match t.table(ctx, "contract") {
        Some(c) => read_contract(ctx, c),
        None if t.has("contract") => (None, None),
        None => (Some(Pricing::PerFte), Some(Contract::default())),
    };
    // Required only where it is used: per-head pricing (or a contract whose pricing
    // could not be read, which is reported already).
    let rate_default = match pricing {
        Some(Pricing::PerFte) => None,
        _ => Some(0.0),
    };
    let rate = t.f64(ctx, "rate_per_fte_month", rate_default, money);
    let release_cost = t.f64(ctx, "release_cost_per_head", Some(0.0), money);
    let exit_fee = t.f64(ctx, "exit_fee", Some(0.0), money);
    let currency = read_vendor_currency(ctx, &mut t, currencies);
    let transition_months = t.u32(ctx, "transition_months", Some(0), 0, 600);
    let transition_productivity = t.f64(ctx, "transition_productivity", Some(1.0), UNIT);
    let knowledge_transfer = t.f64(ctx, "knowledge_transfer_cost", Some(0.0), money);
    let failure_rate = t.f64(
        ctx,
        "failure_rate_per_year",
        Some(0.0),
        Range::closed(0.0, 1200.0),
    );
    let escalation = t.dist(
        ctx,
        "price_escalation_annual",
        Some(0.0),
        Range {
            min: -1.0,
            min_inclusive: false,
            max: MAX_ANNUAL_RATE,
            max_inclusive: true,
        },
    );
    let setup = t.f64(ctx, "setup_cost", Some(0.0), money);
    let onboarding = t.f64(ctx, "onboarding_cost_per_hire", Some(0.0), money);
    let upm = t.f64(
        ctx,
        "units_per_fte_month",
        None,
        Range {
            min: MIN_UNITS_PER_FTE_MONTH,
            min_inclusive: true,
            max: BIG,
            max_inclusive: true,
        },
    );
    let initial = t.u32(ctx, "initial_fte", Some(0), 0, MAX_HEADS);
    let min_fte = t.u32(ctx, "min_fte", Some(0), 0, MAX_HEADS);
    let max_fte = t.u32(ctx, "max_fte", None, 0, MAX_HEADS);
    let max_hires = t.u32(ctx, "max_hires_per_month", max_fte, 0, MAX_HEADS);
    let max_release = t.u32(ctx, "max_release_per_month", max_hires, 0, MAX_HEADS);
    let lead = t.u32(ctx, "hiring_lead_months", Some(1), 0, 120);
    let ramp = t.u32(ctx, "ramp_months", Some(0), 0, 120);
    let ramp_productivity = t.f64(ctx, "ramp_productivity", Some(0.5), UNIT);
    let attrition = t.dist(
        ctx,
        "attrition_annual",
        Some(0.0),
        Range::closed_open(0.0, 1.0),
    );
    let defect_rate = t.dist(ctx, "defect_rate", Some(0.0), UNIT);
    let overlap = t.f64(ctx, "overlap_hours", Some(8.0), Range::closed(0.0, 24.0));
    let disruption_rate = t.f64(
        ctx,
        "disruption_rate_per_year",
        Some(0.0),
        Range::closed(0.0, 1200.0),
    );
    let disruption_loss = t.f64(ctx, "disruption_capacity_loss", Some(0.5), UNIT);
    let disruption_months = t.u32(ctx, "disruption_months", Some(1), 1, 600);
    let incident_rate = t.f64(
        ctx,
        "incident_rate_per_year",
        Some(0.0),
        Range::closed(0.0, 1200.0),
    );
    let incident_loss = t.dist(ctx, "incident_loss", Some(0.0), Range::closed(0.0, BIG));
    let sla_target = t.opt_f64(ctx, "sla_target", UNIT);
    let per_point = t.f64(ctx, "sla_credit_per_point", Some(0.0), UNIT);
    let cap = t.f64(ctx, "sla_credit_cap", Some(0.0), UNIT);
    if let (Some(initial), Some(max)) = (initial, max_fte) {
        if max < initial {
            let span = t.item("max_fte").map(|i| i.span());
            ctx.report(
                span,
                &t.key_path("max_fte"),
                format!("is {max}, must be >= initial_fte ({initial})"),
            );
        }
    }
    if let (Some(min), Some(max)) = (min_fte, max_fte) {
        if min > max {
            let span = t.item("min_fte").map(|i| i.span());
            ctx.report(
                span,
                &t.key_path("min_fte"),
                format!("is {min}, must be <= max_fte ({max})"),
            );
        }
    }
    if let (Some(VendorKind::InHouse), Some(rate)) = (kind, failure_rate) {
        if rate > 0.0 {
            let span = t.item("failure_rate_per_year").map(|i| i.span());
            ctx.report(
                span,
                &t.key_path("failure_rate_per_year"),
                format!(
                    "is {}, must be 0 for kind = \"inhouse\": only an outside vendor can fail",
                    short_number(rate)
                ),
            );
        }
    }
    if kind == Some(VendorKind::InHouse) {
        if let Ok(Some(_)) = sla_target {
            let (line, _) = ctx.position(
                t.item("sla_target")
                    .map_or(t.span.start, |i| i.span().start),
            );
            ctx.warnings.push(format!(
                "line {line}: `{}`: an in-house team pays no SLA credits, so this target is ignored",
                t.key_path("sla_target")
            ));
        }
    }
    t.finish(ctx);
    let vendor = (|| {
        Some(Vendor {
            name: name.clone()?,
            kind: kind?,
            rate_per_fte_month: rate?,
            price_escalation_annual: escalation?,
            setup_cost: setup?,
            onboarding_cost_per_hire: onboarding?,
            units_per_fte_month: upm?,
            initial_fte: initial?,
            min_fte: min_fte?,
            max_fte: max_fte?,
            max_hires_per_month: max_hires?,
            max_release_per_month: max_release?,
            hiring_lead_months: lead?,
            ramp_months: ramp?,
            ramp_productivity: ramp_productivity?,
            attrition_annual: attrition?,
            defect_rate: defect_rate?,
            overlap_hours: overlap?,
            disruption_rate_per_year: disruption_rate?,
            disruption_capacity_loss: disruption_loss?,
            disruption_months: disruption_months?,
            incident_rate_per_year: incident_rate?,
            incident_loss: incident_loss?,
            sla_target: sla_target.ok()?,
            sla_credit_per_point: per_point?,
            sla_credit_cap: cap?,
            contract: contract?,
            release_cost_per_head: release_cost?,
            exit_fee: exit_fee?,
            currency: currency?,
            transition_months: transition_months?,
            transition_productivity: transition_productivity?,
            knowledge_transfer_cost: knowledge_transfer?,
            failure_rate_per_year: failure_rate?,
        })
    })();
    let name_span = t_name_span;
    (name.map(|n| (n, name_span)), vendor)
}

fn read_strategy(
    ctx: &mut Ctx,
    mut t: TableReader,
    vendor_names: &[Option<String>],
    horizon: Option<u32>,
    names_out: &mut Vec<NameAt>,
) -> Option<Strategy> {
    let name_span = t.item("name").map(|i| i.span());
    let name = t.string(ctx, "name", None, TextKind::Name);
    names_out.push(name.clone().map(|n| (n, name_span)));
    let allocation = read_allocation(ctx, &mut t, vendor_names);
    let overflow = t.bool(ctx, "overflow", false);
    let buffer = t.f64(ctx, "capacity_buffer", Some(0.0), Range::closed(0.0, 100.0));
    let oversight = t.f64(
        ctx,
        "oversight_hours_per_fte",
        Some(0.0),
        Range::closed(0.0, 744.0),
    );
    let ip = t.bool(ctx, "ip_protection", false);
    let dd = t.bool(ctx, "due_diligence", false);
    let culture = t.bool(ctx, "cultural_training", false);
    let phases = read_phases(ctx, &mut t, vendor_names, horizon);
    let exits = read_exits(
        ctx,
        &mut t,
        vendor_names,
        allocation.as_deref(),
        phases.as_deref(),
    );
    let staffing = t.choice(
        ctx,
        "staffing",
        "reactive",
        &[
            ("reactive", Staffing::Reactive),
            ("planned", Staffing::Planned),
        ],
    );
    t.finish(ctx);
    Some(Strategy {
        name: name?,
        allocation: allocation?,
        overflow: overflow?,
        capacity_buffer: buffer?,
        oversight_hours_per_fte: oversight?,
        ip_protection: ip?,
        due_diligence: dd?,
        cultural_training: culture?,
        phases: phases?,
        exits: exits?,
        staffing: staffing?,
    })
}

/// The index of vendor `name`, or a report naming the vendors there are.
fn vendor_index(
    ctx: &mut Ctx,
    vendor_names: &[Option<String>],
    name: &str,
    span: Option<std::ops::Range<usize>>,
    key: &str,
) -> Option<usize> {
    let found = vendor_names.iter().position(|x| x.as_deref() == Some(name));
    if found.is_none() {
        let names: Vec<&str> = vendor_names.iter().flatten().map(String::as_str).collect();
        ctx.report(
            span,
            key,
            format!(
                "unknown vendor {}; vendors are: {}",
                quoted(name),
                names.join(", ")
            ),
        );
    }
    found
}

/// The `allocation` of a strategy or a phase: known vendors, each once, shares in (0, 1]
/// summing to 1.
fn read_allocation(
    ctx: &mut Ctx,
    t: &mut TableReader,
    vendor_names: &[Option<String>],
) -> Option<Vec<Allocation>> {
    let alloc_found = t.has("allocation");
    let alloc_span = t.item("allocation").map(|i| i.span());
    let allocation = t.tables(ctx, "allocation").and_then(|entries| {
        let mut out = Vec::new();
        let mut shares = Vec::new();
        let mut ok = true;
        for mut e in entries {
            let vendor = e.string(ctx, "vendor", None, TextKind::Name);
            let share = e.f64(
                ctx,
                "share",
                None,
                Range {
                    min: 0.0,
                    min_inclusive: false,
                    max: 1.0,
                    max_inclusive: true,
                },
            );
            let vendor_span = e.item("vendor").map(|i| i.span());
            let vendor_key = e.key_path("vendor");
            e.finish(ctx);
            shares.push(share);
            let Some(v) = vendor else {
                ok = false;
                continue;
            };
            match vendor_index(ctx, vendor_names, &v, vendor_span.clone(), &vendor_key) {
                Some(idx) if out.iter().any(|a: &Allocation| a.vendor == idx) => {
                    ctx.report(
                        vendor_span,
                        &vendor_key,
                        format!("vendor {} appears twice in this allocation", quoted(&v)),
                    );
                    ok = false;
                }
                Some(idx) => match share {
                    Some(s) => out.push(Allocation {
                        vendor: idx,
                        share: s,
                    }),
                    None => ok = false,
                },
                None => ok = false,
            }
        }
        if shares.is_empty() {
            ctx.report(
                alloc_span.clone(),
                &t.key_path("allocation"),
                "needs at least one vendor",
            );
            ok = false;
        } else if shares.iter().all(Option::is_some) {
            let sum: f64 = shares.iter().flatten().sum();
            if (sum - 1.0).abs() > 1e-6 {
                ctx.report(
                    alloc_span.clone(),
                    &t.key_path("allocation"),
                    format!("shares sum to {}, must sum to 1", short_number(sum)),
                );
                ok = false;
            }
        }
        ok.then_some(out)
    });
    if !alloc_found {
        ctx.report(
            Some(t.span.clone()),
            &t.key_path("allocation"),
            "required allocation is missing, e.g. allocation = [{ vendor = \"A\", share = 1.0 }]",
        );
    }
    allocation
}

/// `[[strategies.phases]]` (V2.3): months in 2..=horizon, strictly increasing, each with
/// an allocation that follows the allocation's rules.
fn read_phases(
    ctx: &mut Ctx,
    t: &mut TableReader,
    vendor_names: &[Option<String>],
    horizon: Option<u32>,
) -> Option<Vec<Phase>> {
    let Some(entries) = t.tables(ctx, "phases") else {
        return (!t.has("phases")).then(Vec::new);
    };
    let mut phases = Vec::new();
    let mut ok = true;
    let mut previous: Option<u32> = None;
    for mut e in entries {
        let month_span = e.item("month").map(|i| i.span());
        let month_key = e.key_path("month");
        let month = e.u32(ctx, "month", None, 0, 600).filter(|&m| {
            let why = if m < 2 {
                Some(format!(
                    "is {m}, must be at least 2: month 1 follows the strategy's own allocation"
                ))
            } else if let Some(h) = horizon.filter(|&h| m > h) {
                Some(format!(
                    "is {m}, after the horizon ({h} months): the phase would never apply"
                ))
            } else {
                previous.filter(|&p| m <= p).map(|p| {
                    format!(
                        "is {m}, must be after the previous phase's month ({p}): phases go in order"
                    )
                })
            };
            if let Some(why) = &why {
                ctx.report(month_span.clone(), &month_key, why.clone());
            }
            why.is_none()
        });
        let allocation = read_allocation(ctx, &mut e, vendor_names);
        e.finish(ctx);
        match (month, allocation) {
            (Some(month), Some(allocation)) => {
                previous = Some(month);
                phases.push(Phase { month, allocation });
            }
            _ => ok = false,
        }
    }
    ok.then_some(phases)
}

/// `[[strategies.exits]]` (V2.3): each for a vendor the strategy uses, at most one per
/// vendor, with a fallback that is another vendor of the scenario.
fn read_exits(
    ctx: &mut Ctx,
    t: &mut TableReader,
    vendor_names: &[Option<String>],
    allocation: Option<&[Allocation]>,
    phases: Option<&[Phase]>,
) -> Option<Vec<ExitRule>> {
    let Some(entries) = t.tables(ctx, "exits") else {
        return (!t.has("exits")).then(Vec::new);
    };
    struct Read {
        vendor: Option<(String, usize)>,
        vendor_span: Option<std::ops::Range<usize>>,
        vendor_key: String,
        rule: Option<ExitRule>,
    }
    let mut read = Vec::new();
    for mut e in entries {
        let vendor_span = e.item("vendor").map(|i| i.span());
        let vendor_key = e.key_path("vendor");
        let fallback_span = e.item("fallback").map(|i| i.span());
        let fallback_key = e.key_path("fallback");
        let vendor = e.string(ctx, "vendor", None, TextKind::Name);
        let below = e.f64(ctx, "when_service_below", None, UNIT);
        let for_months = e.u32(ctx, "for_months", Some(1), 1, 600);
        let fallback = e.string(ctx, "fallback", None, TextKind::Name);
        let notice = e.u32(ctx, "notice_months", Some(0), 0, 600);
        e.finish(ctx);
        let vendor_idx = vendor
            .as_deref()
            .and_then(|v| vendor_index(ctx, vendor_names, v, vendor_span.clone(), &vendor_key));
        let fallback_idx = fallback
            .as_deref()
            .and_then(|f| vendor_index(ctx, vendor_names, f, fallback_span.clone(), &fallback_key));
        let fallback_idx = match (vendor_idx, fallback_idx) {
            (Some(v), Some(f)) if v == f => {
                ctx.report(
                    fallback_span,
                    &fallback_key,
                    format!(
                        "is the vendor this rule leaves ({}); the fallback must be another vendor",
                        quoted(fallback.as_deref().unwrap_or_default())
                    ),
                );
                None
            }
            (_, f) => f,
        };
        let rule = (|| {
            Some(ExitRule {
                vendor: vendor_idx?,
                when_service_below: below?,
                for_months: for_months?,
                fallback: fallback_idx?,
                notice_months: notice?,
            })
        })();
        read.push(Read {
            vendor: vendor.zip(vendor_idx),
            vendor_span,
            vendor_key,
            rule,
        });
    }
    // The strategy's vendors: its allocation, its phases and the fallbacks of its
    // exits. Checked only when all of them could be read.
    let used: Option<Vec<usize>> = (|| {
        let mut used: Vec<usize> = allocation?.iter().map(|a| a.vendor).collect();
        for p in phases? {
            used.extend(p.allocation.iter().map(|a| a.vendor));
        }
        for r in &read {
            used.push(r.rule.as_ref()?.fallback);
        }
        Some(used)
    })();
    let mut ok = true;
    for (i, r) in read.iter().enumerate() {
        let Some((name, idx)) = &r.vendor else {
            ok = false;
            continue;
        };
        if let Some(first) = read[..i]
            .iter()
            .position(|o| o.vendor.as_ref().is_some_and(|(_, j)| j == idx))
        {
            ctx.report(
                r.vendor_span.clone(),
                &r.vendor_key,
                format!(
                    "a second exit rule for vendor {}: exits[{first}] already names it; at most one rule per vendor",
                    quoted(name)
                ),
            );
            ok = false;
        } else if used.as_ref().is_some_and(|u| !u.contains(idx)) {
            ctx.report(
                r.vendor_span.clone(),
                &r.vendor_key,
                format!(
                    "vendor {} is not used by this strategy (not in its allocation, phases or exit fallbacks), so the rule could never apply",
                    quoted(name)
                ),
            );
            ok = false;
        }
        ok &= r.rule.is_some();
    }
    ok.then(|| read.into_iter().filter_map(|r| r.rule).collect())
}

fn read_assumptions(ctx: &mut Ctx, mut t: TableReader) -> Option<Assumptions> {
    let d = Assumptions::default();
    let money = Range::closed(0.0, BIG);
    let hours = Range {
        min: 0.0,
        min_inclusive: false,
        max: 744.0,
        max_inclusive: true,
    };
    let months = Range {
        min: 0.0,
        min_inclusive: false,
        max: 600.0,
        max_inclusive: true,
    };
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
    let confidence = t.f64(
        ctx,
        "confidence",
        Some(0.9),
        Range {
            min: 0.0,
            min_inclusive: false,
            max: 1.0,
            max_inclusive: true,
        },
    );
    t.finish(ctx);
    Some(Objectives {
        min_service_level: sl.ok()?,
        max_cost_per_unit: cpu.ok()?,
        max_defect_rate: dr.ok()?,
        max_backlog_months: backlog.ok()?,
        confidence: confidence?,
    })
}
