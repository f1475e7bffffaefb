//! Model v2's engine (MODEL.md V2.1-V2.4, V2.6): the general month loop against version
//! 1's, reference agreement of the exact case, and hand-computed mechanisms.

use std::path::{Path, PathBuf};

use outsim::engine::{MonthPoint, Plan, TrialMetrics, Workspace, simulate_trial};
use outsim::scenario::Scenario;

/// Every trial's outputs and month points of `plan`, trial by trial.
fn simulate(plan: &Plan, seed: u64, trials: u64) -> Vec<(Vec<TrialMetrics>, Vec<MonthPoint>)> {
    let strategies = plan.strategy_count();
    let mut ws = Workspace::new(plan);
    (0..trials)
        .map(|trial| {
            let mut metrics = vec![TrialMetrics::default(); strategies];
            let mut months = vec![MonthPoint::default(); strategies * plan.horizon()];
            simulate_trial(plan, seed, trial, &mut ws, &mut metrics, &mut months);
            (metrics, months)
        })
        .collect()
}

/// The version 1 scenarios of the repository: the examples and the reference cases.
fn version_1_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["scenarios", "tests/reference"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).expect("folder exists"))
        .map(|entry| entry.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// The general month loop, forced on version 1 scenarios, gives the results of version
/// 1's tuned loops to the bit: every per-trial output and every month point.
#[test]
fn the_general_loop_gives_version_1_results_to_the_bit() {
    let mut compared = 0;
    for path in version_1_files() {
        let scenario = load_v2(&path);
        if scenario.uses_v2_sourcing() {
            continue;
        }
        let tuned = Plan::new(&scenario);
        let general = Plan::general(&scenario);
        assert!(!tuned.is_general() && general.is_general());
        let a = simulate(&tuned, 17, 24);
        let b = simulate(&general, 17, 24);
        for (trial, ((ma, pa), (mb, pb))) in a.iter().zip(&b).enumerate() {
            // Debug prints every float's shortest round-trip form: equal text, equal bits.
            assert_eq!(
                format!("{ma:?}"),
                format!("{mb:?}"),
                "{}: trial {trial}",
                path.display()
            );
            assert_eq!(
                format!("{pa:?}"),
                format!("{pb:?}"),
                "{}: trial {trial}",
                path.display()
            );
        }
        compared += 1;
    }
    assert!(compared >= 4, "only {compared} version 1 files compared");
}

/// Loads a model v2 scenario while the parser reads only version 1's keys: the v2 keys
/// are taken out of the TOML tree, the rest parsed, and the v2 keys set on the result.
fn load_v2(path: &Path) -> Scenario {
    use outsim::scenario::{
        Allocation, Contract, Currency, ExitRule, Phase, Pricing, Staffing, VolumeTier,
    };
    let text = std::fs::read_to_string(path).expect("readable");
    let mut doc: toml::Table = text.parse().expect("TOML");
    let f = |v: &toml::Value| {
        v.as_float()
            .or(v.as_integer().map(|i| i as f64))
            .expect("number")
    };
    let currencies: Vec<Currency> = doc
        .remove("currencies")
        .map(|c| {
            c.as_array()
                .expect("array")
                .iter()
                .map(|c| Currency {
                    code: c["code"].as_str().expect("code").to_string(),
                    drift_annual: c.get("drift_annual").map_or(0.0, f),
                    volatility_annual: c.get("volatility_annual").map_or(0.0, f),
                })
                .collect()
        })
        .unwrap_or_default();
    let vendor_keys = [
        "release_cost_per_head",
        "exit_fee",
        "transition_months",
        "transition_productivity",
        "knowledge_transfer_cost",
        "failure_rate_per_year",
        "currency",
        "contract",
    ];
    let mut vendor_extra = Vec::new();
    for v in doc["vendors"].as_array_mut().expect("vendors") {
        let t = v.as_table_mut().expect("table");
        let mut extra = toml::Table::new();
        for key in vendor_keys {
            if let Some(x) = t.remove(key) {
                extra.insert(key.to_string(), x);
            }
        }
        t.entry("rate_per_fte_month")
            .or_insert(toml::Value::Float(0.0));
        vendor_extra.push(extra);
    }
    let mut strategy_extra = Vec::new();
    for s in doc["strategies"].as_array_mut().expect("strategies") {
        let t = s.as_table_mut().expect("table");
        let mut extra = toml::Table::new();
        for key in ["phases", "exits", "staffing"] {
            if let Some(x) = t.remove(key) {
                extra.insert(key.to_string(), x);
            }
        }
        strategy_extra.push(extra);
    }
    let v1_text = toml::to_string(&doc).expect("TOML out");
    let mut sc = Scenario::from_toml_str(&v1_text, path).expect("version 1 part is valid");
    let vendor = |sc: &Scenario, name: &str| {
        sc.vendors
            .iter()
            .position(|v| v.name == name)
            .expect("vendor named")
    };
    let allocation = |sc: &Scenario, a: &toml::Value| -> Vec<Allocation> {
        a.as_array()
            .expect("allocation")
            .iter()
            .map(|x| Allocation {
                vendor: vendor(sc, x["vendor"].as_str().expect("name")),
                share: f(&x["share"]),
            })
            .collect()
    };
    sc.currencies = currencies;
    for (vi, extra) in vendor_extra.iter().enumerate() {
        let v = &mut sc.vendors[vi];
        let num = |key: &str, default: f64| extra.get(key).map_or(default, f);
        v.release_cost_per_head = num("release_cost_per_head", 0.0);
        v.exit_fee = num("exit_fee", 0.0);
        v.transition_months = num("transition_months", 0.0) as u32;
        v.transition_productivity = num("transition_productivity", 1.0);
        v.knowledge_transfer_cost = num("knowledge_transfer_cost", 0.0);
        v.failure_rate_per_year = num("failure_rate_per_year", 0.0);
        v.currency = extra.get("currency").map(|c| {
            let code = c.as_str().expect("code");
            sc.currencies
                .iter()
                .position(|x| x.code == code)
                .expect("currency")
        });
        if let Some(c) = extra.get("contract") {
            v.contract = Contract {
                pricing: match c.get("pricing").and_then(|p| p.as_str()) {
                    Some("per_unit") => Pricing::PerUnit,
                    Some("per_good_unit") => Pricing::PerGoodUnit,
                    _ => Pricing::PerFte,
                },
                price_per_unit: c.get("price_per_unit").map_or(0.0, f),
                min_monthly_fee: c.get("min_monthly_fee").map_or(0.0, f),
                volume_tiers: c
                    .get("volume_tiers")
                    .map(|t| {
                        t.as_array()
                            .expect("tiers")
                            .iter()
                            .map(|t| VolumeTier {
                                from: f(&t["from"]),
                                discount: f(&t["discount"]),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                escalation_cap: c.get("escalation_cap").map(f),
            };
        }
    }
    for (si, extra) in strategy_extra.iter().enumerate() {
        let phases = extra
            .get("phases")
            .map(|p| {
                p.as_array()
                    .expect("phases")
                    .iter()
                    .map(|p| Phase {
                        month: f(&p["month"]) as u32,
                        allocation: allocation(&sc, &p["allocation"]),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let exits = extra
            .get("exits")
            .map(|e| {
                e.as_array()
                    .expect("exits")
                    .iter()
                    .map(|e| ExitRule {
                        vendor: vendor(&sc, e["vendor"].as_str().expect("vendor")),
                        when_service_below: f(&e["when_service_below"]),
                        for_months: e.get("for_months").map_or(1.0, f) as u32,
                        fallback: vendor(&sc, e["fallback"].as_str().expect("fallback")),
                        notice_months: e.get("notice_months").map_or(0.0, f) as u32,
                    })
                    .collect()
            })
            .unwrap_or_default();
        let s = &mut sc.strategies[si];
        s.phases = phases;
        s.exits = exits;
        if extra.get("staffing").and_then(|s| s.as_str()) == Some("planned") {
            s.staffing = Staffing::Planned;
        }
    }
    sc
}

fn reference_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name)
}

/// The mean over `metrics` (trial-major) of a reference metric of strategy `s`.
fn reference_metric(metrics: &[TrialMetrics], strategies: usize, s: usize, name: &str) -> f64 {
    let get: fn(&TrialMetrics) -> f64 = match name {
        "cost" => |m| m.cost_npv,
        "cash" => |m| m.cash_npv,
        "cost_per_unit" => |m| m.cost_per_unit,
        "service_level" => |m| m.service_level,
        "defect_rate" => |m| m.defect_rate,
        "leavers" => |m| m.leavers as f64,
        "hires" => |m| m.hires as f64,
        "incidents" => |m| m.incidents as f64,
        "shortfall_months" => |m| m.shortfall_months as f64,
        "p_shortfall" => |m| f64::from(u8::from(m.shortfall_months > 0)),
        "final_backlog" => |m| m.final_backlog,
        "p_objectives_met" => |m| f64::from(u8::from(m.objectives_met)),
        "labor" => |m| m.labor,
        "commitment" => |m| m.commitment,
        "onboarding" => |m| m.onboarding,
        "setup" => |m| m.setup,
        "oversight" => |m| m.oversight,
        "defects" => |m| m.defects,
        "delay" => |m| m.delay,
        "incidents_cost" => |m| m.incidents_cost,
        "releases" => |m| m.releases,
        "transition" => |m| m.transition,
        "exit" => |m| m.exit,
        "credits" => |m| m.credits,
        "exits" => |m| m.exits as f64,
        "first_exit_month" => |m| m.first_exit_month as f64,
        "p_exit" => |m| f64::from(u8::from(m.exits > 0)),
        "break_months" => |m| m.break_months as f64,
        "p_break" => |m| f64::from(u8::from(m.break_months > 0)),
        other => panic!("the reference names a metric outsim does not have: {other}"),
    };
    let column: Vec<f64> = metrics
        .iter()
        .skip(s)
        .step_by(strategies)
        .map(get)
        .collect();
    column.iter().sum::<f64>() / column.len() as f64
}

/// Every metric of the reference `name` run with `trials` trials, against its expected
/// mean: exactly (1e-9 relative) or within the statistical tolerance.
fn reference_failures(name: &str, trials: u64, exact: bool) -> Vec<String> {
    let scenario = load_v2(&reference_file(&format!("{name}.toml")));
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(reference_file(&format!("{name}.expected.json")))
            .expect("expected figures exist"),
    )
    .expect("JSON");
    let ref_trials = expected["trials"].as_f64().expect("trials");
    let plan = Plan::new(&scenario);
    let strategies = plan.strategy_count();
    let metrics: Vec<TrialMetrics> = simulate(&plan, scenario.meta.seed, trials)
        .into_iter()
        .flat_map(|(m, _)| m)
        .collect();
    let mut failures = Vec::new();
    let mut compared = 0;
    for (s, strategy) in scenario.strategies.iter().enumerate() {
        let figures = expected["metrics"][&strategy.name]
            .as_object()
            .expect("every strategy has expected figures");
        for (key, fig) in figures {
            let want = fig["mean"].as_f64().expect("mean");
            let sd = fig["sd"].as_f64().expect("sd");
            let got = reference_metric(&metrics, strategies, s, key);
            compared += 1;
            let tol = if exact {
                1e-9 * want.abs().max(1.0)
            } else {
                let sd = if sd == 0.0 && (want == 0.0 || want == 1.0) {
                    let p: f64 = 3.0 / 200_000.0;
                    (p * (1.0 - p)).sqrt()
                } else {
                    sd
                };
                4.0 * sd * (1.0 / trials as f64 + 1.0 / ref_trials).sqrt()
                    + 0.005 * want.abs()
                    + 1e-9
            };
            if (got - want).abs() > tol {
                failures.push(format!(
                    "{} / {key}: outsim {got}, reference {want}, tolerance {tol}",
                    strategy.name
                ));
            }
        }
    }
    assert!(
        compared >= 29 * strategies,
        "{name}: only {compared} figures compared"
    );
    failures
}

/// The exact case pins every rule of V2.1-V2.4: every metric to rounding.
#[test]
fn exact_case_agrees_with_the_reference_to_rounding() {
    let failures = reference_failures("r6_exact", 3, true);
    assert!(failures.is_empty(), "r6_exact:\n{}", failures.join("\n"));
}

/// Contracts, tiers, a capped escalation, a currency and a take-or-pay floor (V2.1,
/// V2.2, V2.6) within the reference tolerance.
#[test]
fn contracts_and_currency_agree_with_the_reference() {
    let failures = reference_failures("r3_contracts_currency", 100_000, false);
    assert!(failures.is_empty(), "r3:\n{}", failures.join("\n"));
}

/// Phases, a transition, an exit to a fallback that starts empty, a vendor that can
/// fail and planned staffing (V2.3, V2.4) within the reference tolerance.
#[test]
fn sourcing_over_time_agrees_with_the_reference() {
    let failures = reference_failures("r4_sourcing_over_time", 100_000, false);
    assert!(failures.is_empty(), "r4:\n{}", failures.join("\n"));
}

/// `monthly_vendors.csv` of the exact case: each vendor is active exactly in the months
/// its phases, exit and failure leave it (a failed vendor is not active), and the
/// table's header is stable.
#[test]
fn monthly_vendors_follow_phases_exits_and_failures() {
    let scenario = load_v2(&reference_file("r6_exact.toml"));
    let (results, _) = crate::common::run_collect(&scenario, 5, 1);
    let p = |strategy: &str, vendor: &str, month: u32| {
        let s = results
            .strategies
            .iter()
            .position(|x| x == strategy)
            .expect("strategy");
        results
            .monthly_vendors
            .iter()
            .find(|r| r.strategy == s && r.vendor == vendor && r.month == month)
            .map_or_else(|| panic!("{strategy} / {vendor} / {month}"), |r| r.p_active)
    };
    let moving = "Move offshore, exit to nearshore";
    for month in 1..=36 {
        assert_eq!(p("Stay in-house", "InHouse", month), 1.0);
        // In-house until the last phase; its half is moved to Nearshore's fallback
        // from month 9, when the exit of Offshore (triggered in month 6) takes effect.
        assert_eq!(p(moving, "InHouse", month), f64::from(u8::from(month <= 9)));
        assert_eq!(
            p(moving, "Offshore", month),
            f64::from(u8::from((4..=8).contains(&month)))
        );
        assert_eq!(
            p(moving, "Nearshore", month),
            f64::from(u8::from(month >= 9))
        );
        assert_eq!(p("Hybrid, planned", "Startup", month), 0.0);
        assert_eq!(p("Hybrid, planned", "Offshore", month), 1.0);
    }
    let bytes = outsim::output::csv::monthly_vendors(&results).expect("table");
    let text = String::from_utf8(bytes).expect("utf-8");
    let header = text.lines().next().expect("a header");
    insta::assert_snapshot!("monthly_vendors_header", header);
    assert_eq!(text.lines().count(), 1 + 36 * (1 + 3 + 3));
}
