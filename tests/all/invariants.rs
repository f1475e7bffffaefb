//! Model invariants, checked by property tests over random valid scenarios.
//!
//! [`scenario_text`] generates structurally valid scenario files: one to four vendors and
//! strategies, every distribution family, demand from 1e-6 to 1e12 units a month, zero
//! and huge productivities, empty and full hiring ceilings. Each one is parsed and
//! validated like a user's file, a few trials are simulated, and every trial's outputs
//! are checked against the model's own accounting:
//!
//! - cost components add up to the total (relative 1e-9), cash is the NPV cost less
//!   the discounted defects and delay, and no money is NaN or infinite;
//! - 0 <= service level <= 1, 0 <= defect rate <= 1, backlog >= 0, heads >= 0;
//! - heads never exceed the sum of the strategy's `max_fte` (staff plus pipeline is
//!   capped by it), and without attrition heads never fall below the contractual floor;
//! - with no uncertainty anywhere, every trial is identical;
//! - common random numbers: a strategy and its renamed copy give identical trials.
//!
//! The statistical monotonicity checks at the end run the engine with a few thousand
//! trials and compare with explicit tolerances of three standard errors.

use std::fmt::Write;
use std::path::Path;

use crate::common::run_collect;
use outsim::engine::{MonthPoint, Plan, TRIAL_METRICS, TrialMetrics, Workspace, simulate_trial};
use outsim::results::components_sum;
use outsim::scenario::Scenario;
use proptest::prelude::*;
use proptest::test_runner::Config;

/// Relative tolerance of the cost accounting identity.
const REL: f64 = 1e-9;

fn parse(text: &str) -> Scenario {
    Scenario::from_toml_str(text, Path::new("generated.toml"))
        .unwrap_or_else(|e| panic!("generated scenario is refused: {e}\n{text}"))
}

// ---------------------------------------------------------------------------------
// Generators.

/// A (D) value as written in a file.
#[derive(Debug, Clone)]
enum DistSpec {
    Fixed(f64),
    Uniform(f64, f64),
    Triangular(f64, f64, f64),
    Pert(f64, f64, f64),
    Normal(f64, f64),
    LogNormal(f64, f64),
    Beta(f64, f64),
}

impl DistSpec {
    fn toml(&self) -> String {
        match *self {
            DistSpec::Fixed(x) => format!("{x:?}"),
            DistSpec::Uniform(a, b) => {
                format!("{{ dist = \"uniform\", min = {a:?}, max = {b:?} }}")
            }
            DistSpec::Triangular(a, m, b) => {
                format!("{{ dist = \"triangular\", min = {a:?}, mode = {m:?}, max = {b:?} }}")
            }
            DistSpec::Pert(a, m, b) => {
                format!("{{ dist = \"pert\", min = {a:?}, mode = {m:?}, max = {b:?} }}")
            }
            DistSpec::Normal(m, s) => format!("{{ dist = \"normal\", mean = {m:?}, sd = {s:?} }}"),
            DistSpec::LogNormal(m, s) => {
                format!("{{ dist = \"lognormal\", median = {m:?}, sigma = {s:?} }}")
            }
            DistSpec::Beta(m, s) => format!("{{ dist = \"beta\", mean = {m:?}, sd = {s:?} }}"),
        }
    }
}

fn sorted3(a: f64, b: f64, c: f64) -> (f64, f64, f64) {
    let mut v = [a, b, c];
    v.sort_by(f64::total_cmp);
    (v[0], v[1], v[2])
}

/// Any family, with parameters inside the closed range `lo..=hi` (which contains 0..1).
fn dist_in(lo: f64, hi: f64) -> BoxedStrategy<DistSpec> {
    let width = hi - lo;
    prop_oneof![
        3 => (lo..=hi).prop_map(DistSpec::Fixed),
        1 => (lo..=hi, lo..=hi).prop_map(|(a, b)| DistSpec::Uniform(a.min(b), a.max(b))),
        1 => (lo..=hi, lo..=hi, lo..=hi).prop_map(|(a, b, c)| {
            let (a, m, b) = sorted3(a, b, c);
            DistSpec::Triangular(a, m, b)
        }),
        1 => (lo..=hi, lo..=hi, lo..=hi).prop_map(|(a, b, c)| {
            let (a, m, b) = sorted3(a, b, c);
            DistSpec::Pert(a, m, b)
        }),
        1 => (lo..=hi, 0.0..=width).prop_map(|(m, s)| DistSpec::Normal(m, s)),
        1 => (lo.max(0.0)..=hi, 0.0..=3.0).prop_map(|(m, s)| DistSpec::LogNormal(m, s)),
        1 => (0.01..0.99f64, 0.0..0.9f64)
            .prop_map(|(m, f)| DistSpec::Beta(m, f * (m * (1.0 - m)).sqrt())),
    ]
    .boxed()
}

/// `10^x` for `x` in `lo..=hi`: spreads values over many orders of magnitude.
fn log_uniform(lo: f64, hi: f64) -> impl Strategy<Value = f64> {
    (lo..=hi).prop_map(|x| 10f64.powf(x))
}

/// Knobs that turn whole sources of randomness off.
#[derive(Debug, Clone, Copy, Default)]
struct Shape {
    /// No attrition at all (fixed 0).
    no_attrition: bool,
    /// Every value fixed, no noise, no shocks, disruptions, incidents or defects.
    deterministic: bool,
}

#[derive(Debug, Clone)]
struct VendorSpec {
    inhouse: bool,
    rate: f64,
    escalation: DistSpec,
    setup: f64,
    onboarding: f64,
    units_per_fte: f64,
    heads: (u32, u32, u32),
    max_hires: Option<u32>,
    max_release: Option<u32>,
    lead: u32,
    ramp: u32,
    ramp_productivity: f64,
    attrition: DistSpec,
    defect_rate: DistSpec,
    overlap: f64,
    disruption: (f64, f64, u32),
    incidents: (f64, DistSpec),
    sla: Option<(f64, f64, f64)>,
}

fn vendor_spec() -> impl Strategy<Value = VendorSpec> {
    let heads = (0u32..=60).prop_flat_map(|max| (0..=max, 0..=max, Just(max)));
    let money = (
        any::<bool>(),
        log_uniform(-2.0, 6.0),
        dist_in(-0.5, 2.0),
        0.0..1e6f64,
        0.0..1e4f64,
    );
    let staffing = (
        log_uniform(-3.0, 6.0),
        heads,
        proptest::option::of(0u32..=20),
        proptest::option::of(0u32..=20),
        0u32..=4,
        0u32..=4,
        0.0..=1.0f64,
    );
    let risk = (
        dist_in(0.0, 0.95),
        dist_in(0.0, 1.0),
        0.0..=24.0f64,
        (0.0..=12.0f64, 0.0..=1.0f64, 1u32..=6),
        (0.0..=12.0f64, dist_in(0.0, 1e7)),
        proptest::option::of((0.0..=1.0f64, 0.0..=0.1f64, 0.0..=1.0f64)),
    );
    (money, staffing, risk).prop_map(|(m, s, r)| VendorSpec {
        inhouse: m.0,
        rate: m.1,
        escalation: m.2,
        setup: m.3,
        onboarding: m.4,
        units_per_fte: s.0,
        heads: s.1,
        max_hires: s.2,
        max_release: s.3,
        lead: s.4,
        ramp: s.5,
        ramp_productivity: s.6,
        attrition: r.0,
        defect_rate: r.1,
        overlap: r.2,
        disruption: r.3,
        incidents: r.4,
        sla: r.5,
    })
}

#[derive(Debug, Clone)]
struct StrategySpec {
    /// Weight of each vendor; `None` leaves it out. At least one is kept.
    weights: Vec<Option<f64>>,
    overflow: bool,
    buffer: f64,
    oversight: f64,
    ip: bool,
    dd: bool,
    culture: bool,
}

fn strategy_spec(vendors: usize) -> impl Strategy<Value = StrategySpec> {
    (
        proptest::collection::vec(proptest::option::of(0.01..=1.0f64), vendors),
        0..vendors,
        any::<bool>(),
        prop_oneof![Just(0.0), 0.0..=2.0f64],
        prop_oneof![Just(0.0), 0.0..=12.0f64],
        (any::<bool>(), any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(mut weights, keep, overflow, buffer, oversight, (ip, dd, culture))| {
                if weights[keep].is_none() {
                    weights[keep] = Some(0.5);
                }
                StrategySpec {
                    weights,
                    overflow,
                    buffer,
                    oversight,
                    ip,
                    dd,
                    culture,
                }
            },
        )
}

#[derive(Debug, Clone)]
struct ScenarioSpec {
    horizon: u32,
    seed: u64,
    discount: f64,
    base: f64,
    growth: DistSpec,
    volatility: f64,
    seasonality: Option<Vec<f64>>,
    start_month: u32,
    events: Vec<(u32, f64)>,
    shocks: Option<(f64, DistSpec, u32)>,
    costs: (f64, f64, f64),
    vendors: Vec<VendorSpec>,
    strategies: Vec<StrategySpec>,
    assumptions: Option<(f64, f64, f64, f64, u32, f64)>,
    objectives: Option<(f64, f64, f64, f64)>,
}

fn scenario_spec(max_horizon: u32) -> impl Strategy<Value = ScenarioSpec> {
    let demand = (
        prop_oneof![Just(1e-6), Just(1e12), log_uniform(-6.0, 12.0)],
        dist_in(-0.9, 3.0),
        prop_oneof![Just(0.0), 0.0..=0.3f64],
        proptest::option::of(proptest::collection::vec(0.2..=3.0f64, 12)),
        1u32..=12,
        proptest::option::of((0.0..=24.0f64, dist_in(0.0, 5.0), 1u32..=6)),
    );
    let rest = (
        (0.0..=200.0f64, 0.0..=50.0f64, 0.0..=10.0f64),
        proptest::option::of((
            0.0..=2.0f64,
            0.0..=1.0f64,
            0.0..=1.0f64,
            0.1..=8.0f64,
            1u32..=5,
            0.5..=12.0f64,
        )),
        proptest::option::of((0.0..=1.0f64, 0.0..=100.0f64, 0.0..=1.0f64, 0.5..=1.0f64)),
    );
    let vendors = proptest::collection::vec(vendor_spec(), 1..=4);
    (
        1..=max_horizon,
        any::<u64>(),
        0.0..=0.2f64,
        demand,
        rest,
        vendors,
    )
        .prop_flat_map(|(horizon, seed, discount, demand, rest, vendors)| {
            let n = vendors.len();
            (
                Just((horizon, seed, discount, demand, rest, vendors)),
                proptest::collection::vec((1..=horizon, 0.1..=5.0f64), 0..=3),
                proptest::collection::vec(strategy_spec(n), 1..=4),
            )
        })
        .prop_map(
            |((horizon, seed, discount, demand, rest, vendors), events, strategies)| ScenarioSpec {
                horizon,
                seed,
                discount,
                base: demand.0,
                growth: demand.1,
                volatility: demand.2,
                seasonality: demand.3,
                start_month: demand.4,
                events,
                shocks: demand.5,
                costs: rest.0,
                vendors,
                strategies,
                assumptions: rest.1,
                objectives: rest.2,
            },
        )
}

/// The scenario file of `spec`, with the sources of randomness `shape` turns off.
fn scenario_text(spec: &ScenarioSpec, shape: Shape) -> String {
    let fixed = |d: &DistSpec| {
        if shape.deterministic {
            let x = match *d {
                DistSpec::Fixed(x) | DistSpec::Normal(x, _) | DistSpec::Beta(x, _) => x,
                DistSpec::LogNormal(m, _) => m,
                DistSpec::Uniform(a, _)
                | DistSpec::Triangular(a, _, _)
                | DistSpec::Pert(a, _, _) => a,
            };
            DistSpec::Fixed(x)
        } else {
            d.clone()
        }
    };
    let mut t = String::new();
    let _ = writeln!(
        t,
        "[scenario]\nname = \"generated\"\nhorizon_months = {}\ntrials = 3\nseed = {}\ndiscount_rate_annual = {:?}\n",
        spec.horizon, spec.seed, spec.discount
    );
    let _ = writeln!(
        t,
        "[demand]\nbase_per_month = {:?}\ngrowth_annual = {}\nvolatility_monthly = {:?}\nstart_month = {}",
        spec.base,
        fixed(&spec.growth).toml(),
        if shape.deterministic {
            0.0
        } else {
            spec.volatility
        },
        spec.start_month
    );
    if let Some(s) = &spec.seasonality {
        let values: Vec<String> = s.iter().map(|x| format!("{x:?}")).collect();
        let _ = writeln!(t, "seasonality = [{}]", values.join(", "));
    }
    for (month, multiplier) in &spec.events {
        let _ = writeln!(
            t,
            "[[demand.events]]\nmonth = {month}\nmultiplier = {multiplier:?}"
        );
    }
    if let (Some((rate, size, months)), false) = (&spec.shocks, shape.deterministic) {
        let _ = writeln!(
            t,
            "[demand.shocks]\nrate_per_year = {rate:?}\nsize = {}\nduration_months = {months}",
            size.toml()
        );
    }
    let (manager, defect, delay) = spec.costs;
    let _ = writeln!(
        t,
        "\n[costs]\nmanager_hourly_cost = {manager:?}\ndefect_cost_per_unit = {defect:?}\ndelay_cost_per_unit_month = {delay:?}\n"
    );
    for (i, v) in spec.vendors.iter().enumerate() {
        let (min, initial, max) = v.heads;
        let _ = writeln!(
            t,
            "[[vendors]]\nname = \"V{i}\"\nkind = \"{}\"\nrate_per_fte_month = {:?}\nprice_escalation_annual = {}\nsetup_cost = {:?}\nonboarding_cost_per_hire = {:?}\nunits_per_fte_month = {:?}\ninitial_fte = {initial}\nmin_fte = {min}\nmax_fte = {max}\nhiring_lead_months = {}\nramp_months = {}\nramp_productivity = {:?}\nattrition_annual = {}\ndefect_rate = {}\noverlap_hours = {:?}",
            if v.inhouse { "inhouse" } else { "vendor" },
            v.rate,
            fixed(&v.escalation).toml(),
            v.setup,
            v.onboarding,
            v.units_per_fte,
            v.lead,
            v.ramp,
            v.ramp_productivity,
            if shape.no_attrition || shape.deterministic {
                "0".to_string()
            } else {
                v.attrition.toml()
            },
            if shape.deterministic {
                "0".to_string()
            } else {
                v.defect_rate.toml()
            },
            v.overlap,
        );
        if let Some(h) = v.max_hires {
            let _ = writeln!(t, "max_hires_per_month = {h}");
        }
        if let Some(r) = v.max_release {
            let _ = writeln!(t, "max_release_per_month = {r}");
        }
        if !shape.deterministic {
            let (rate, loss, months) = v.disruption;
            let _ = writeln!(
                t,
                "disruption_rate_per_year = {rate:?}\ndisruption_capacity_loss = {loss:?}\ndisruption_months = {months}\nincident_rate_per_year = {:?}\nincident_loss = {}",
                v.incidents.0,
                v.incidents.1.toml()
            );
        }
        if let (Some((target, per_point, cap)), false) = (v.sla, v.inhouse) {
            let _ = writeln!(
                t,
                "sla_target = {target:?}\nsla_credit_per_point = {per_point:?}\nsla_credit_cap = {cap:?}"
            );
        }
        t.push('\n');
    }
    for (i, s) in spec.strategies.iter().enumerate() {
        write_strategy(&mut t, &format!("S{i}"), s);
    }
    if let Some((tz, ct, oq, scale, candidates, clear)) = spec.assumptions {
        let _ = writeln!(
            t,
            "[assumptions]\ntimezone_defect_penalty = {tz:?}\ncultural_training_effect = {ct:?}\noversight_quality_max = {oq:?}\noversight_scale_hours = {scale:?}\ndue_diligence_candidates = {candidates}\nbacklog_clear_months = {clear:?}\n"
        );
    }
    if let Some((sl, cpu, dr, confidence)) = spec.objectives {
        let _ = writeln!(
            t,
            "[objectives]\nmin_service_level = {sl:?}\nmax_cost_per_unit = {cpu:?}\nmax_defect_rate = {dr:?}\nconfidence = {confidence:?}"
        );
    }
    t
}

fn write_strategy(t: &mut String, name: &str, s: &StrategySpec) {
    let total: f64 = s.weights.iter().flatten().sum();
    let allocation: Vec<String> = s
        .weights
        .iter()
        .enumerate()
        .filter_map(|(v, w)| w.map(|w| format!("{{ vendor = \"V{v}\", share = {:?} }}", w / total)))
        .collect();
    let _ = writeln!(
        t,
        "[[strategies]]\nname = \"{name}\"\nallocation = [{}]\noverflow = {}\ncapacity_buffer = {:?}\noversight_hours_per_fte = {:?}\nip_protection = {}\ndue_diligence = {}\ncultural_training = {}\n",
        allocation.join(", "),
        s.overflow,
        s.buffer,
        s.oversight,
        s.ip,
        s.dd,
        s.culture
    );
}

// ---------------------------------------------------------------------------------
// Simulation and checks.

/// Trials `0..trials` of a scenario: per trial, the metrics and month points.
fn simulate(scenario: &Scenario, trials: u64) -> Vec<(Vec<TrialMetrics>, Vec<MonthPoint>)> {
    let plan = Plan::new(scenario);
    let mut ws = Workspace::new(&plan);
    (0..trials)
        .map(|trial| {
            let mut metrics = vec![TrialMetrics::default(); plan.strategy_count()];
            let mut months = vec![MonthPoint::default(); plan.strategy_count() * plan.horizon()];
            simulate_trial(
                &plan,
                scenario.meta.seed,
                trial,
                &mut ws,
                &mut metrics,
                &mut months,
            );
            (metrics, months)
        })
        .collect()
}

/// Sum of `f(vendor)` over the vendors of strategy `s`.
fn over_vendors(
    scenario: &Scenario,
    s: usize,
    f: impl Fn(&outsim::scenario::Vendor) -> f64,
) -> f64 {
    scenario.strategies[s]
        .allocation
        .iter()
        .map(|a| f(&scenario.vendors[a.vendor]))
        .sum()
}

/// Every invariant of one trial's outputs. `floor_holds`: no attrition, so heads never
/// fall below each vendor's `min(initial_fte, min_fte)`.
fn check_trial(
    scenario: &Scenario,
    metrics: &[TrialMetrics],
    months: &[MonthPoint],
    floor_holds: bool,
) -> Result<(), TestCaseError> {
    let h = scenario.horizon();
    for (s, m) in metrics.iter().enumerate() {
        let name = &scenario.strategies[s].name;
        for (field, x) in TRIAL_METRICS.iter().map(|x| (x.name, (x.value)(m))) {
            prop_assert!(
                x.is_finite() && x >= 0.0,
                "{name}: {field} = {x} is not finite and >= 0"
            );
        }
        let (parts, scale) = components_sum(m);
        prop_assert!(
            (m.cost_total - parts).abs() <= REL * scale + 1e-9,
            "{name}: cost_total {} but the components add up to {parts}",
            m.cost_total
        );
        prop_assert!(m.cost_npv <= m.cost_total * (1.0 + REL) + 1e-9);
        prop_assert!(
            (0.0..=1.0).contains(&m.service_level),
            "{name}: service level {}",
            m.service_level
        );
        prop_assert!(
            (0.0..=1.0).contains(&m.defect_rate),
            "{name}: defect rate {}",
            m.defect_rate
        );
        prop_assert!(m.shortfall_months <= h as u64);

        let ceiling = over_vendors(scenario, s, |v| f64::from(v.max_fte));
        let floor = over_vendors(scenario, s, |v| f64::from(v.initial_fte.min(v.min_fte)));
        let mut previous_cost = 0.0;
        for (t, p) in months[s * h..(s + 1) * h].iter().enumerate() {
            let month = t + 1;
            for (field, x) in [
                ("demand", p.demand),
                ("capacity", p.capacity),
                ("backlog", p.backlog),
                ("heads", p.heads),
                ("cumulative_cost", p.cumulative_cost),
            ] {
                prop_assert!(
                    x.is_finite() && x >= 0.0,
                    "{name}, month {month}: {field} = {x}"
                );
            }
            prop_assert!(
                p.heads <= ceiling,
                "{name}, month {month}: {} heads, above max_fte {ceiling}",
                p.heads
            );
            if floor_holds {
                prop_assert!(
                    p.heads >= floor,
                    "{name}, month {month}: {} heads, below the floor {floor}",
                    p.heads
                );
            }
            prop_assert!(p.cumulative_cost >= previous_cost * (1.0 - REL));
            previous_cost = p.cumulative_cost;
        }
        // Cash is the cost without the client's economic costs, defects and delay, each
        // discounted in its month (V2.6).
        let r = scenario.meta.discount_rate_annual;
        let economic: f64 = months[s * h..(s + 1) * h]
            .iter()
            .enumerate()
            .map(|(t, p)| {
                (p.defective * scenario.costs.defect_cost_per_unit
                    + p.backlog * scenario.costs.delay_cost_per_unit_month)
                    * (1.0 + r).powf(-((t + 1) as f64) / 12.0)
            })
            .sum();
        prop_assert!(
            (m.cash_npv - (m.cost_npv - economic)).abs() <= REL * scale + 1e-9,
            "{name}: cash_npv {} but cost_npv {} less discounted defects and delay {economic}",
            m.cash_npv,
            m.cost_npv
        );
        prop_assert!(m.cash_npv <= m.cost_npv * (1.0 + REL) + 1e-9);
        let last = &months[s * h + h - 1];
        prop_assert!((last.cumulative_cost - m.cost_total).abs() <= REL * scale + 1e-9);
        prop_assert!((last.backlog - m.final_backlog).abs() <= REL * m.final_backlog + 1e-9);
    }
    Ok(())
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(96))]

    /// Accounting, ranges and the staffing ceiling hold in every trial.
    #[test]
    fn every_trial_keeps_the_models_accounting(spec in scenario_spec(36)) {
        let text = scenario_text(&spec, Shape::default());
        let scenario = parse(&text);
        for (metrics, months) in simulate(&scenario, 3) {
            check_trial(&scenario, &metrics, &months, false)?;
        }
    }

    /// Without attrition, releases never take staff below `min_fte`: heads stay at or
    /// above each vendor's `min(initial_fte, min_fte)` in every month.
    #[test]
    fn releases_never_go_below_the_floor(spec in scenario_spec(36)) {
        let text = scenario_text(&spec, Shape { no_attrition: true, deterministic: false });
        let scenario = parse(&text);
        for (metrics, months) in simulate(&scenario, 2) {
            check_trial(&scenario, &metrics, &months, true)?;
        }
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// With every value fixed and no noise, every trial (and every seed) is the same.
    #[test]
    fn no_uncertainty_means_identical_trials(spec in scenario_spec(36), other_seed in any::<u64>()) {
        let text = scenario_text(&spec, Shape { no_attrition: true, deterministic: true });
        let scenario = parse(&text);
        let runs = simulate(&scenario, 4);
        for (metrics, months) in &runs {
            check_trial(&scenario, metrics, months, true)?;
            prop_assert_eq!(metrics, &runs[0].0);
            prop_assert_eq!(months, &runs[0].1);
        }
        let mut reseeded = scenario.clone();
        reseeded.meta.seed = other_seed;
        let again = simulate(&reseeded, 1);
        prop_assert_eq!(&again[0].0, &runs[0].0);
    }

    /// Common random numbers: a strategy and a copy differing only in its name give
    /// identical results in every trial, wherever the copy stands in the file.
    #[test]
    fn renamed_copy_of_a_strategy_gives_identical_trials(
        spec in scenario_spec(36),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut text = scenario_text(&spec, Shape::default());
        let original = pick.index(spec.strategies.len());
        // Strategies come after the vendors; [assumptions] and [objectives] after them
        // are tables, so the copy goes before the first of those, or at the end.
        let at = ["[assumptions]", "[objectives]"]
            .iter()
            .filter_map(|k| text.find(k))
            .min()
            .unwrap_or(text.len());
        let mut copy = String::new();
        write_strategy(&mut copy, "renamed copy", &spec.strategies[original]);
        text.insert_str(at, &copy);
        let scenario = parse(&text);
        let copy_index = scenario.strategies.len() - 1;
        prop_assert_eq!(&scenario.strategies[copy_index].name, "renamed copy");
        let h = scenario.horizon();
        for (metrics, months) in simulate(&scenario, 3) {
            prop_assert_eq!(metrics[original], metrics[copy_index]);
            prop_assert_eq!(
                &months[original * h..(original + 1) * h],
                &months[copy_index * h..(copy_index + 1) * h]
            );
        }
    }

    /// The summaries built from a few trials (means, percentiles, CVaR, paired
    /// differences, monthly bands) are finite too.
    #[test]
    fn summaries_are_finite(spec in scenario_spec(24)) {
        let text = scenario_text(&spec, Shape::default());
        let scenario = parse(&text);
        let results = crate::common::run(&scenario, 5, spec.seed);
        assert_summaries_finite(&results)?;
    }
}

/// Every number of every strategy summary, pair and monthly band is finite.
fn assert_summaries_finite(results: &outsim::results::Results) -> Result<(), TestCaseError> {
    let non_finite = results.first_non_finite();
    prop_assert!(non_finite.is_none(), "not finite: {non_finite:?}");
    for s in &results.summary {
        prop_assert!((0.0..=1.0).contains(&s.p_shortfall));
        prop_assert!((0.0..=1.0).contains(&s.p_objectives_met));
    }
    for row in &results.monthly {
        for band in [
            row.demand,
            row.capacity,
            row.backlog,
            row.heads,
            row.cumulative_cost,
        ] {
            prop_assert!(band.p10 <= band.p50 && band.p50 <= band.p90);
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Statistical monotonicity.

/// A growing, uncertain single-vendor scenario whose shortfall risk depends on the
/// hiring ceiling and the buffer. `{MAX}` and `{EFFECT}` are filled in by each test.
const GROWING: &str = r#"
[scenario]
name = "growing"
horizon_months = 24
seed = 7

[demand]
base_per_month = 10000
growth_annual = { dist = "uniform", min = 0.0, max = 0.8 }
volatility_monthly = 0.03

[costs]
delay_cost_per_unit_month = 1

[[vendors]]
name = "Vendor"
rate_per_fte_month = 2000
units_per_fte_month = 400
initial_fte = 30
min_fte = 10
max_fte = {MAX}
max_hires_per_month = 6
hiring_lead_months = 1
ramp_months = 2
attrition_annual = { dist = "triangular", min = 0.1, mode = 0.25, max = 0.5 }
defect_rate = { dist = "beta", mean = 0.03, sd = 0.01 }
incident_rate_per_year = 2.0
incident_loss = { dist = "lognormal", median = 100000, sigma = 1.0 }

[[strategies]]
name = "Lean"
allocation = [{ vendor = "Vendor", share = 1.0 }]

[[strategies]]
name = "Buffer 10%"
allocation = [{ vendor = "Vendor", share = 1.0 }]
capacity_buffer = 0.1

[[strategies]]
name = "Buffer 30%"
allocation = [{ vendor = "Vendor", share = 1.0 }]
capacity_buffer = 0.3

[[strategies]]
name = "Protected"
allocation = [{ vendor = "Vendor", share = 1.0 }]
ip_protection = true

[assumptions]
ip_protection_effect = {EFFECT}
"#;

const MONOTONE_TRIALS: u64 = 4000;

fn growing(max_fte: u32, ip_effect: f64) -> outsim::results::Results {
    growing_trials(max_fte, ip_effect).0
}

/// As [`growing`], with every trial's outputs (trial-major).
fn growing_trials(
    max_fte: u32,
    ip_effect: f64,
) -> (outsim::results::Results, Vec<outsim::engine::TrialMetrics>) {
    let text = GROWING
        .replace("{MAX}", &max_fte.to_string())
        .replace("{EFFECT}", &format!("{ip_effect:?}"));
    let scenario = parse(&text);
    run_collect(&scenario, MONOTONE_TRIALS, 7)
}

/// Standard error of the difference of two independent proportions over `n` trials
/// each; at least that of one success in `n`, so that two proportions of 0 or 1 still
/// have a tolerance.
fn se_of_difference(p: f64, q: f64, n: u64) -> f64 {
    let n = n as f64;
    ((p * (1.0 - p) + q * (1.0 - q)) / n).sqrt().max(1.0 / n)
}

/// Measured on the 30%-buffer strategy, whose staffing target sits above demand so that
/// the ceiling is what binds.
#[test]
fn a_higher_hiring_ceiling_never_raises_the_shortfall_risk() {
    let ceilings = [30, 36, 45, 60, 90];
    let p: Vec<f64> = ceilings
        .iter()
        .map(|&max| growing(max, 0.6).summary[2].p_shortfall)
        .collect();
    for i in 1..p.len() {
        let tolerance = 3.0 * se_of_difference(p[i], p[i - 1], MONOTONE_TRIALS);
        assert!(
            p[i] <= p[i - 1] + tolerance,
            "max_fte {} gives P(shortfall) {} above {} with max_fte {} (tolerance {tolerance})",
            ceilings[i],
            p[i],
            p[i - 1],
            ceilings[i - 1]
        );
    }
    // The check has power: the range of ceilings does move the risk.
    assert!(
        p[0] > p[p.len() - 1] + 0.05,
        "P(shortfall) by ceiling: {p:?}"
    );
}

#[test]
fn a_larger_buffer_never_raises_the_shortfall_risk() {
    for max in [40, 200] {
        let results = growing(max, 0.6);
        let p: Vec<f64> = results.summary[..3].iter().map(|s| s.p_shortfall).collect();
        for i in 1..p.len() {
            let tolerance = 3.0 * se_of_difference(p[i], p[i - 1], MONOTONE_TRIALS);
            assert!(
                p[i] <= p[i - 1] + tolerance,
                "max_fte {max}: {} has P(shortfall) {} above {} of {} (tolerance {tolerance})",
                results.summary[i].strategy,
                p[i],
                p[i - 1],
                results.summary[i - 1].strategy
            );
        }
    }
}

/// Mean and standard error of the per-trial difference `a - b` of incident cost.
fn paired_incident_difference(
    a: &(outsim::results::Results, Vec<outsim::engine::TrialMetrics>),
    sa: usize,
    b: &(outsim::results::Results, Vec<outsim::engine::TrialMetrics>),
    sb: usize,
) -> (f64, f64) {
    let column = |run: &(outsim::results::Results, Vec<outsim::engine::TrialMetrics>), s: usize| {
        let strategies = run.0.strategies.len();
        run.1
            .iter()
            .skip(s)
            .step_by(strategies)
            .map(|m| m.incidents_cost)
            .collect::<Vec<f64>>()
    };
    let x = column(a, sa);
    let y = column(b, sb);
    let d: Vec<f64> = x.iter().zip(&y).map(|(x, y)| x - y).collect();
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let var = d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

#[test]
fn more_ip_protection_never_raises_expected_incident_cost() {
    // Protection against none, in the same trials.
    let results = growing_trials(60, 0.6);
    let (diff, se) = paired_incident_difference(&results, 3, &results, 0);
    assert!(
        diff <= 3.0 * se,
        "IP protection raises mean incident cost by {diff} (se {se})"
    );
    assert!(diff < 0.0, "IP protection has no effect: {diff}");
    // A stronger protection effect, same seed and trials.
    let effects = [0.0, 0.3, 0.6, 0.9, 1.0];
    let runs: Vec<_> = effects.iter().map(|&e| growing_trials(60, e)).collect();
    for i in 1..runs.len() {
        let (diff, se) = paired_incident_difference(&runs[i], 3, &runs[i - 1], 3);
        assert!(
            diff <= 3.0 * se,
            "ip_protection_effect {} raises mean incident cost by {diff} over {} (se {se})",
            effects[i],
            effects[i - 1]
        );
    }
    let full = &runs[runs.len() - 1].0.summary[3];
    assert_eq!(
        full.incidents_cost_mean, 0.0,
        "an effect of 1 prevents every incident"
    );
}
