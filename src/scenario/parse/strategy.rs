//! `[[strategies]]`: allocation, protections, staffing, and the plan changes of model
//! v2 (`[[strategies.phases]]`, `[[strategies.exits]]`, V2.3).

use super::*;

pub(super) fn read_strategy(
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
pub(super) fn vendor_index(
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
pub(super) fn read_allocation(
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
            let share = e.f64(ctx, "share", None, open_closed(0.0, 1.0));
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
pub(super) fn read_phases(
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
pub(super) fn read_exits(
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
