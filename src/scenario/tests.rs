//! The model v2 keys of the reference scenarios parse into the scenario's types, with
//! MODEL.md's defaults where a file leaves a key out.

use std::path::Path;

use super::*;

fn reference(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name);
    Scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn vendor<'s>(s: &'s Scenario, name: &str) -> &'s Vendor {
    s.vendors
        .iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no vendor {name}"))
}

fn index(s: &Scenario, name: &str) -> usize {
    s.vendors
        .iter()
        .position(|v| v.name == name)
        .unwrap_or_else(|| panic!("no vendor {name}"))
}

#[test]
fn contracts_and_currencies_of_reference_case_3_parse() {
    let s = reference("r3_contracts_currency.toml");
    assert_eq!(
        s.currencies,
        vec![Currency {
            code: "PHP".into(),
            drift_annual: -0.02,
            volatility_annual: 0.06,
        }]
    );
    let manila = vendor(&s, "ManilaFTE");
    assert_eq!(manila.currency, Some(0));
    assert_eq!(manila.release_cost_per_head, 1000.0);
    assert_eq!(
        manila.contract,
        Contract {
            pricing: Pricing::PerFte,
            price_per_unit: 0.0,
            min_monthly_fee: 0.0,
            volume_tiers: vec![
                VolumeTier {
                    from: 90.0,
                    discount: 0.03
                },
                VolumeTier {
                    from: 120.0,
                    discount: 0.06
                },
            ],
            escalation_cap: Some(0.06),
        }
    );
    let resolved = vendor(&s, "ResolvedCo");
    assert_eq!(resolved.currency, None);
    // Not per head, so the rate may be left out; it is then unused.
    assert_eq!(resolved.rate_per_fte_month, 0.0);
    assert_eq!(
        resolved.contract,
        Contract {
            pricing: Pricing::PerGoodUnit,
            price_per_unit: 5.2,
            min_monthly_fee: 120000.0,
            volume_tiers: Vec::new(),
            escalation_cap: None,
        }
    );
    assert!(s.uses_v2_sourcing());
}

#[test]
fn phases_exits_transitions_and_failures_of_reference_case_4_parse() {
    let s = reference("r4_sourcing_over_time.toml");
    let offshore = vendor(&s, "Offshore");
    assert_eq!(offshore.exit_fee, 120000.0);
    assert_eq!(offshore.transition_months, 4);
    assert_eq!(offshore.transition_productivity, 0.6);
    assert_eq!(offshore.knowledge_transfer_cost, 30000.0);
    assert_eq!(offshore.failure_rate_per_year, 0.08);
    let inhouse = vendor(&s, "InHouse");
    assert_eq!(inhouse.transition_months, 0);
    assert_eq!(inhouse.transition_productivity, 1.0);
    assert_eq!(inhouse.failure_rate_per_year, 0.0);
    assert_eq!(inhouse.contract, Contract::default());

    let stay = &s.strategies[0];
    assert!(stay.phases.is_empty() && stay.exits.is_empty());
    assert_eq!(stay.staffing, Staffing::Reactive);
    let move_ = &s.strategies[1];
    let months: Vec<u32> = move_.phases.iter().map(|p| p.month).collect();
    assert_eq!(months, [4, 10]);
    let second: Vec<(usize, f64)> = move_.phases[1]
        .allocation
        .iter()
        .map(|a| (a.vendor, a.share))
        .collect();
    assert_eq!(second, [(index(&s, "Offshore"), 1.0)]);
    assert_eq!(
        move_.exits,
        vec![ExitRule {
            vendor: index(&s, "Offshore"),
            when_service_below: 0.75,
            for_months: 6,
            fallback: index(&s, "Nearshore"),
            notice_months: 2,
        }]
    );
    assert_eq!(s.strategies[2].staffing, Staffing::Planned);
}

#[test]
fn the_exact_reference_cases_6_and_7_parse() {
    let s = reference("r6_exact.toml");
    assert_eq!(vendor(&s, "Startup").failure_rate_per_year, 600.0);
    assert_eq!(s.strategies[1].exits[0].for_months, 3);
    let s = reference("r7_breaks_exact.toml");
    let objectives = s.objectives.as_ref().expect("objectives");
    assert_eq!(objectives.max_backlog_months, Some(0.5));
    assert!(!s.uses_v2_sourcing());
}

#[test]
fn version_1_reference_files_keep_every_default() {
    for name in ["r1_single_vendor.toml", "r2_dual_source.toml"] {
        let s = reference(name);
        assert!(!s.uses_v2_sourcing(), "{name}");
        assert!(s.currencies.is_empty());
        assert_eq!(
            s.objectives.as_ref().and_then(|o| o.max_backlog_months),
            None
        );
    }
}
