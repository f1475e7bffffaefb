//! `[demand]`: base, growth, volatility, seasonality, the roadmap's `[[demand.events]]`
//! and `[demand.shocks]`.

use super::*;

pub(super) fn read_demand(
    ctx: &mut Ctx,
    mut t: TableReader,
    horizon: Option<u32>,
) -> Option<Demand> {
    let unit = t.string(ctx, "unit", Some("units"), TextKind::Unit);
    let base = t.f64(
        ctx,
        "base_per_month",
        None,
        Range::closed(MIN_BASE_DEMAND, MAX_BASE_DEMAND),
    );
    let growth = t.dist(ctx, "growth_annual", Some(0.0), ANNUAL_RATE);
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

pub(super) fn fixed(x: f64) -> Sampler {
    crate::model::dist::Dist::Fixed(x)
        .into_sampler(Range::closed(x, x))
        .expect("a fixed default is always valid")
}

pub(super) fn read_event(
    ctx: &mut Ctx,
    mut t: TableReader,
    horizon: Option<u32>,
) -> Option<DemandEvent> {
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

pub(super) fn read_shocks(ctx: &mut Ctx, mut t: TableReader) -> Option<Shocks> {
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
