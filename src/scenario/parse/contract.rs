//! The money side of a vendor: `[[currencies]]` (V2.2), the vendor's `currency`, and
//! `[vendors.contract]` (V2.1) with its volume tiers.

use super::*;

/// The currencies a vendor may bill in: the scenario's own and the `[[currencies]]`
/// codes, each `None` where the file's entry is itself invalid.
pub(super) struct CurrencyNames {
    pub(super) scenario: Option<String>,
    pub(super) codes: Option<Vec<Option<String>>>,
}

/// `[[currencies]]` (V2.2), and their codes even when another key is invalid, so that
/// vendors can still be checked against them.
pub(super) fn read_currencies(
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
        let drift = t.f64(ctx, "drift_annual", Some(0.0), ANNUAL_RATE);
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
pub(super) fn read_vendor_currency(
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
pub(super) fn read_contract(
    ctx: &mut Ctx,
    mut t: TableReader,
) -> (Option<Pricing>, Option<Contract>) {
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
    let cap = t.opt_f64(ctx, "escalation_cap", ANNUAL_RATE);
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
pub(super) fn read_tiers(ctx: &mut Ctx, t: &mut TableReader) -> Option<Vec<VolumeTier>> {
    let Some(entries) = t.tables(ctx, "volume_tiers") else {
        return (!t.has("volume_tiers")).then(Vec::new);
    };
    let mut tiers = Vec::new();
    let mut ok = true;
    let mut previous: Option<VolumeTier> = None;
    for mut e in entries {
        let from_span = e.item("from").map(|i| i.span());
        let discount_span = e.item("discount").map(|i| i.span());
        let from = e.f64(ctx, "from", None, open_closed(0.0, BIG));
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
