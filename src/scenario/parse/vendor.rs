//! `[[vendors]]`: one vendor's capacity, costs and risks, with the rules that tie its
//! head counts together.

use super::contract::{read_contract, read_vendor_currency};
use super::*;

/// A vendor, and its name even when another key is invalid.
pub(super) fn read_vendor(
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
    let escalation = t.dist(ctx, "price_escalation_annual", Some(0.0), ANNUAL_RATE);
    let setup = t.f64(ctx, "setup_cost", Some(0.0), money);
    let onboarding = t.f64(ctx, "onboarding_cost_per_hire", Some(0.0), money);
    let upm = t.f64(
        ctx,
        "units_per_fte_month",
        None,
        Range::closed(MIN_UNITS_PER_FTE_MONTH, BIG),
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
