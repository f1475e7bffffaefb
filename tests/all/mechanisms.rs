//! Hand-computed checks of each mechanism on tiny deterministic scenarios.
//!
//! Every scenario below is written inline and has no randomness that matters: fixed
//! values, no volatility, no attrition, defect rates of exactly 0 or 1 (or a clamp that
//! forces 1). One trial is simulated exactly and its outputs are compared, to 1e-9
//! relative, with values worked out by hand from the model (`MODEL.md`); the arithmetic
//! is written in the comments. Where randomness is the mechanism itself (defect draws,
//! attrition, incidents, shocks), the scenario is made so large or so frequent that the
//! outcome is pinned down to a few standard deviations, and the check says so.
//!
//! A few recurring devices:
//! - `initial_fte = min_fte = max_fte` freezes a vendor's staff: no room to hire, and
//!   nothing above the floor to release.
//! - Demand with `growth_annual = 0` and `volatility_monthly = 0` is the same every month.
//! - `months` is strategy-major: strategy `s`, month `t` (1-based) at `s * H + t - 1`.

use std::path::Path;

use outsim::engine::levers::Levers;
use outsim::engine::{MonthPoint, Plan, TrialMetrics, Workspace, simulate_trial};
use outsim::scenario::Scenario;

/// Relative tolerance of every exact comparison.
const REL: f64 = 1e-9;

fn parse(text: &str) -> Scenario {
    Scenario::from_toml_str(text, Path::new("test.toml"))
        .unwrap_or_else(|e| panic!("scenario does not parse: {e:?}"))
}

/// The outputs of trial 0 (seed 0) of a scenario.
struct Outcome {
    metrics: Vec<TrialMetrics>,
    months: Vec<MonthPoint>,
    horizon: usize,
}

impl Outcome {
    /// Strategy `s`, month `t` (1-based).
    fn month(&self, s: usize, t: usize) -> &MonthPoint {
        &self.months[s * self.horizon + t - 1]
    }

    /// One field of every month of strategy `s`, month 1 first.
    fn series(&self, s: usize, field: impl Fn(&MonthPoint) -> f64) -> Vec<f64> {
        (1..=self.horizon)
            .map(|t| field(self.month(s, t)))
            .collect()
    }
}

fn simulate_scenario(scenario: &Scenario) -> Outcome {
    let plan = Plan::new(scenario);
    let mut ws = Workspace::new(&plan);
    let mut metrics = vec![TrialMetrics::default(); plan.strategy_count()];
    let mut months = vec![MonthPoint::default(); plan.strategy_count() * plan.horizon()];
    simulate_trial(&plan, 0, 0, &mut ws, &mut metrics, &mut months);
    Outcome {
        metrics,
        months,
        horizon: plan.horizon(),
    }
}

fn simulate(text: &str) -> Outcome {
    simulate_scenario(&parse(text))
}

#[track_caller]
fn close(actual: f64, expected: f64, what: &str) {
    let tol = REL * expected.abs() + 1e-12;
    assert!(
        (actual - expected).abs() <= tol,
        "{what}: got {actual}, expected {expected} (difference {})",
        actual - expected
    );
}

#[track_caller]
fn close_all(actual: &[f64], expected: &[f64], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths differ");
    for (t, (a, e)) in actual.iter().zip(expected).enumerate() {
        close(*a, *e, &format!("{what}, month {}", t + 1));
    }
}

/// `actual` lies within `k` standard deviations of `mean`.
#[track_caller]
fn within_sd(actual: f64, mean: f64, sd: f64, k: f64, what: &str) {
    assert!(
        (actual - mean).abs() <= k * sd,
        "{what}: got {actual}, expected {mean} +- {k} * {sd}"
    );
}

// ---------------------------------------------------------------------------------------
// Demand
// ---------------------------------------------------------------------------------------

/// A scenario whose only interesting part is demand; the vendor has no staff.
fn demand_only(horizon: u32, demand: &str) -> String {
    format!(
        r#"
[scenario]
name = "demand"
horizon_months = {horizon}
trials = 1

[demand]
{demand}

[[vendors]]
name = "V"
rate_per_fte_month = 0
units_per_fte_month = 100
max_fte = 0

[[strategies]]
name = "S"
allocation = [{{ vendor = "V", share = 1.0 }}]
"#
    )
}

#[test]
fn demand_growth_uses_log_drift() {
    // m = ln(1 + g) / 12 and sigma = 0, so L_t = L_0 * exp(m t) = L_0 * (1 + g)^(t / 12):
    // the level after 12 months is L_0 (1 + g), not L_0 exp(g).
    for g in [0.2, -0.5] {
        let out = simulate(&demand_only(
            24,
            &format!("base_per_month = 1200\ngrowth_annual = {g}\nvolatility_monthly = 0"),
        ));
        let expected: Vec<f64> = (1..=24)
            .map(|t| 1200.0 * (1.0_f64 + g).powf(f64::from(t) / 12.0))
            .collect();
        close_all(&out.series(0, |p| p.demand), &expected, "demand");
        // g = 0.2: D_12 = 1200 * 1.2 = 1440, D_24 = 1200 * 1.44 = 1728.
        // g = -0.5: D_12 = 600, D_24 = 300.
        close(out.month(0, 12).demand, 1200.0 * (1.0 + g), "D_12");
        close(out.month(0, 24).demand, 1200.0 * (1.0 + g).powi(2), "D_24");
        close(
            out.metrics[0].demand_total,
            expected.iter().sum(),
            "demand_total = sum of D_t",
        );
    }
}

#[test]
fn roadmap_events_step_from_their_month_on() {
    // E(t) = product of multipliers with event.month <= t, whatever the file order:
    // t = 1, 2: 1.1; t = 3, 4: 1.1 * 1.5 = 1.65; t = 5, 6: 1.65 * 2 = 3.3.
    let out = simulate(&demand_only(
        6,
        r#"base_per_month = 1000

[[demand.events]]
month = 5
multiplier = 2.0
label = "second"

[[demand.events]]
month = 1
multiplier = 1.1
label = "from the start"

[[demand.events]]
month = 3
multiplier = 1.5
label = "first""#,
    ));
    close_all(
        &out.series(0, |p| p.demand),
        &[1100.0, 1100.0, 1650.0, 1650.0, 3300.0, 3300.0],
        "demand",
    );
    // 2 * (1100 + 1650 + 3300) = 12100.
    close(out.metrics[0].demand_total, 12_100.0, "demand_total");
}

#[test]
fn seasonality_is_offset_by_start_month() {
    // S(t) = seasonality[(start_month - 1 + t - 1) mod 12] with start_month = 11:
    // t = 1 -> index 10 (November, 1.11), t = 2 -> index 11 (1.12), t = 3 -> index 0
    // (January, 1.01), ..., t = 13 -> index 10 again, t = 14 -> index 11.
    // A roadmap step of 2 at month 13 multiplies on top of the season.
    let out = simulate(&demand_only(
        14,
        r#"base_per_month = 1000
seasonality = [1.01, 1.02, 1.03, 1.04, 1.05, 1.06, 1.07, 1.08, 1.09, 1.10, 1.11, 1.12]
start_month = 11

[[demand.events]]
month = 13
multiplier = 2.0"#,
    ));
    let expected = [
        1110.0, 1120.0, 1010.0, 1020.0, 1030.0, 1040.0, 1050.0, 1060.0, 1070.0, 1080.0, 1090.0,
        1100.0, 2220.0, 2240.0,
    ];
    close_all(&out.series(0, |p| p.demand), &expected, "demand");
}

// ---------------------------------------------------------------------------------------
// Staffing: hiring lead time, ramp-up, release, ceilings
// ---------------------------------------------------------------------------------------

#[test]
fn hires_arrive_after_the_lead_time() {
    // D = 1000 every month, 100 units per head, 4 heads, lead 3, no ramp, buffer 0,
    // backlog_clear_months = 3. need = ceil((D + B / 3) / 100); have = T + pipeline.
    // t1: heads 4, C 400, A 1000, W 400, B 600. need ceil(1200/100) = 12, have 4
    //     -> hire 8, arriving at 1 + 3 = 4.
    // t2: heads 4, C 400, A 1600, W 400, B 1200. need 14, have 4 + 8 = 12 -> hire 2 (t5).
    // t3: heads 4, C 400, A 2200, W 400, B 1800. need 16, have 14 -> hire 2 (t6).
    // t4: 8 arrive, T 12: C 1200, A 2800, W 1200, B 1600. need ceil(15.33) = 16,
    //     have 12 + 4 = 16 -> nothing.
    // t5: 2 arrive, T 14: C 1400, A 2600, W 1400, B 1200.
    let out = simulate(
        r#"
[scenario]
name = "lead"
horizon_months = 5
trials = 1

[demand]
base_per_month = 1000

[costs]
delay_cost_per_unit_month = 0

[[vendors]]
name = "V"
rate_per_fte_month = 1000
onboarding_cost_per_hire = 100
units_per_fte_month = 100
initial_fte = 4
max_fte = 100
hiring_lead_months = 3

[[strategies]]
name = "S"
allocation = [{ vendor = "V", share = 1.0 }]
"#,
    );
    close_all(
        &out.series(0, |p| p.heads),
        &[4.0, 4.0, 4.0, 12.0, 14.0],
        "heads",
    );
    close_all(
        &out.series(0, |p| p.capacity),
        &[400.0, 400.0, 400.0, 1200.0, 1400.0],
        "capacity",
    );
    close_all(
        &out.series(0, |p| p.backlog),
        &[600.0, 1200.0, 1800.0, 1600.0, 1200.0],
        "backlog",
    );
    let m = &out.metrics[0];
    // Onboarding is paid on arrival: (8 + 2) * 100.
    close(m.onboarding, 1000.0, "onboarding");
    // Labor: (4 + 4 + 4 + 12 + 14) * 1000.
    close(m.labor, 38_000.0, "labor");
    close(m.cost_total, 39_000.0, "cost_total");
    assert_eq!(m.leavers, 0);
}

#[test]
fn zero_hiring_lead_means_next_month() {
    // Hires arrive in month t + max(1, lead): lead 0 behaves like lead 1.
    // t1: no staff, C 0, A 1000, B 1000; need ceil((1000 + 1000/3) / 100) = ceil(13.33)
    //     = 14 -> 14 hires arriving in month 2 for both vendors.
    let out = simulate(
        r#"
[scenario]
name = "lead zero"
horizon_months = 2
trials = 1

[demand]
base_per_month = 1000

[[vendors]]
name = "Zero"
rate_per_fte_month = 1000
units_per_fte_month = 100
max_fte = 100
hiring_lead_months = 0

[[vendors]]
name = "One"
rate_per_fte_month = 1000
units_per_fte_month = 100
max_fte = 100
hiring_lead_months = 1

[[strategies]]
name = "Lead 0"
allocation = [{ vendor = "Zero", share = 1.0 }]

[[strategies]]
name = "Lead 1"
allocation = [{ vendor = "One", share = 1.0 }]
"#,
    );
    for s in 0..2 {
        close_all(&out.series(s, |p| p.heads), &[0.0, 14.0], "heads");
        close_all(&out.series(s, |p| p.capacity), &[0.0, 1400.0], "capacity");
        // t2: A = 1000 + 1000 = 2000, W = 1400, B = 600.
        close_all(&out.series(s, |p| p.backlog), &[1000.0, 600.0], "backlog");
        assert_eq!(out.metrics[s].hires, 14);
    }
}

#[test]
fn ramping_cohorts_count_at_ramp_productivity() {
    // 4 tenured heads, 100 units each, ramp 2 months at productivity 0.25, lead 1,
    // at most 6 hires a month, D = 1000. eff = T + 0.25 * sum R.
    // t1: T 4, eff 4, C 400; A 1000, W 400, B 600. need 12, have 4 -> hire min(8, 6) = 6.
    // t2: 6 arrive into R_2. heads 10, eff 4 + 0.25 * 6 = 5.5, C 550; A 1600, W 550,
    //     B 1050. Ramp: R_2 -> R_1 = 6. need ceil((1000 + 350) / 100) = 14,
    //     have 4 + 6 = 10 -> hire 4.
    // t3: 4 arrive into R_2. heads 14, eff 4 + 0.25 * 10 = 6.5, C 650; A 2050, W 650,
    //     B 1400. Ramp: R_1 (6) join T = 10, R_1 = 4. need ceil(14.67) = 15,
    //     have 14 -> hire 1.
    // t4: 1 arrives. heads 15, eff 10 + 0.25 * 5 = 11.25, C 1125; A 2400, W 1125,
    //     B 1275. Ramp: T = 14, R_1 = 1. need ceil(14.25) = 15, have 15 -> nothing.
    let out = simulate(
        r#"
[scenario]
name = "ramp"
horizon_months = 4
trials = 1

[demand]
base_per_month = 1000

[[vendors]]
name = "V"
rate_per_fte_month = 1000
onboarding_cost_per_hire = 50
units_per_fte_month = 100
initial_fte = 4
max_fte = 100
max_hires_per_month = 6
hiring_lead_months = 1
ramp_months = 2
ramp_productivity = 0.25

[[strategies]]
name = "S"
allocation = [{ vendor = "V", share = 1.0 }]
"#,
    );
    close_all(
        &out.series(0, |p| p.heads),
        &[4.0, 10.0, 14.0, 15.0],
        "heads",
    );
    close_all(
        &out.series(0, |p| p.capacity),
        &[400.0, 550.0, 650.0, 1125.0],
        "capacity",
    );
    close_all(
        &out.series(0, |p| p.backlog),
        &[600.0, 1050.0, 1400.0, 1275.0],
        "backlog",
    );
    let m = &out.metrics[0];
    assert_eq!(m.hires, 11, "6 + 4 + 1 hires, all arrived");
    close(m.onboarding, 550.0, "onboarding = 11 * 50");
    // Ramping heads are paid in full: (4 + 10 + 14 + 15) * 1000.
    close(m.labor, 43_000.0, "labor");
    // Service: Good = 400 + 550 + 650 + 1125 = 2725 over A = 1000 + 1600 + 2050 + 2400.
    close(m.service_level, 2725.0 / 7050.0, "service_level");
}

#[test]
fn staff_above_need_is_released_down_to_the_floor() {
    // D = 1000, 100 units per head, so need = 10 every month; 20 heads to start.
    // "Capped": release = min(H - need, max_release 3, T - min_fte 12):
    //   t1: 20 -> release min(10, 3, 8) = 3 -> 17; t2: 17 -> min(7, 3, 5) = 3 -> 14;
    //   t3: 14 -> min(4, 3, 2) = 2 -> 12; t4: 12 -> min(2, 3, 0) = 0.
    // "Default": max_release_per_month defaults to max_hires_per_month = 2, min_fte 0:
    //   20, 18, 16, 14, 12.
    let out = simulate(
        r#"
[scenario]
name = "release"
horizon_months = 5
trials = 1

[demand]
base_per_month = 1000

[[vendors]]
name = "Capped"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 20
min_fte = 12
max_fte = 30
max_release_per_month = 3

[[vendors]]
name = "Default"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 20
max_fte = 30
max_hires_per_month = 2

[[strategies]]
name = "Capped"
allocation = [{ vendor = "Capped", share = 1.0 }]

[[strategies]]
name = "Default"
allocation = [{ vendor = "Default", share = 1.0 }]
"#,
    );
    close_all(
        &out.series(0, |p| p.heads),
        &[20.0, 17.0, 14.0, 12.0, 12.0],
        "Capped heads",
    );
    close_all(
        &out.series(0, |p| p.capacity),
        &[2000.0, 1700.0, 1400.0, 1200.0, 1200.0],
        "Capped capacity",
    );
    close(
        out.metrics[0].labor,
        75_000.0,
        "Capped labor = 75 heads * 1000",
    );
    close_all(
        &out.series(1, |p| p.heads),
        &[20.0, 18.0, 16.0, 14.0, 12.0],
        "Default heads",
    );
    for s in 0..2 {
        let m = &out.metrics[s];
        assert_eq!(m.hires, 0);
        assert_eq!(m.leavers, 0, "releases are not leavers");
        close(m.service_level, 1.0, "service_level");
        close(m.final_backlog, 0.0, "final_backlog");
        assert_eq!(m.shortfall_months, 0);
    }
}

#[test]
fn max_fte_caps_staff_plus_pipeline_and_hires_are_capped_per_month() {
    // D = 1000, 100 units per head, 2 heads, max_fte 9, max_hires 3, lead 2.
    // hire = min(need - H, 3, max(0, 9 - H)), H = T + pipeline.
    // t1: T 2, C 200, A 1000, W 200, B 800. need ceil(12.67) = 13, H 2
    //     -> min(11, 3, 7) = 3 (arrive t3).
    // t2: T 2, C 200, A 1800, W 200, B 1600. need 16, H 5 -> min(11, 3, 4) = 3 (t4).
    // t3: +3, T 5, C 500, A 2600, W 500, B 2100. need 17, H 8 -> min(9, 3, 1) = 1 (t5).
    // t4: +3, T 8, C 800, A 3100, W 800, B 2300. need 18, H 9 -> room 0.
    // t5: +1, T 9, C 900, A 3300, W 900, B 2400. need 18, H 9 -> room 0.
    // t6: T 9, C 900, A 3400, W 900, B 2500.
    let out = simulate(
        r#"
[scenario]
name = "ceiling"
horizon_months = 6
trials = 1

[demand]
base_per_month = 1000

[costs]
delay_cost_per_unit_month = 0.5

[[vendors]]
name = "V"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 2
max_fte = 9
max_hires_per_month = 3
hiring_lead_months = 2

[[strategies]]
name = "S"
allocation = [{ vendor = "V", share = 1.0 }]
"#,
    );
    close_all(
        &out.series(0, |p| p.heads),
        &[2.0, 2.0, 5.0, 8.0, 9.0, 9.0],
        "heads",
    );
    close_all(
        &out.series(0, |p| p.backlog),
        &[800.0, 1600.0, 2100.0, 2300.0, 2400.0, 2500.0],
        "backlog",
    );
    let m = &out.metrics[0];
    assert_eq!(m.hires, 7, "3 + 3 + 1");
    assert_eq!(m.shortfall_months, 6, "C < A every month");
    assert!(out.months.iter().all(|p| p.shortfall));
    close(m.final_backlog, 2500.0, "final_backlog");
    // Delay is charged on month-end backlog: (800 + 1600 + 2100 + 2300 + 2400 + 2500)
    // * 0.5 = 11700 * 0.5 = 5850.
    close(m.delay, 5850.0, "delay");
    // Labor: (2 + 2 + 5 + 8 + 9 + 9) * 1000 = 35000; cost = 35000 + 5850 = 40850.
    close(m.labor, 35_000.0, "labor");
    close(m.cost_total, 40_850.0, "cost_total");
    close_all(
        &out.series(0, |p| p.cumulative_cost),
        // Month costs 2000 + 400, 2000 + 800, 5000 + 1050, 8000 + 1150, 9000 + 1200,
        // 9000 + 1250.
        &[2400.0, 5200.0, 11_250.0, 20_400.0, 30_600.0, 40_850.0],
        "cumulative cost (labor + delay each month)",
    );
    // cost_per_unit = cost_total / demand_total = 40850 / 6000.
    close(m.cost_per_unit, 40_850.0 / 6000.0, "cost_per_unit");
    // Service: sum Good / sum A = (200 + 200 + 500 + 800 + 900 + 900)
    // / (1000 + 1800 + 2600 + 3100 + 3300 + 3400) = 3500 / 15200.
    close(m.service_level, 3500.0 / 15_200.0, "service_level");
}

// ---------------------------------------------------------------------------------------
// Overflow between vendors
// ---------------------------------------------------------------------------------------

#[test]
fn overflow_moves_backlog_to_spare_capacity() {
    // D = 1000 split 0.75 / 0.25; X has 5 frozen heads (C 500), Y 6 (C 600).
    // With overflow, each month: A_X 750, A_Y 250 (+ backlog 0). W_own X 500, Y 250;
    //   X has 250 left, Y spare 600 - 250 = 350 -> move 250. B_X = 750 - 500 - 250 = 0,
    //   B_Y = 0. Good 1000 of 1000; sum C 1100 >= sum A 1000.
    // Without overflow:
    //   t1: X W 500, B_X 250; Y W 250, B_Y 0. Good 750 / A 1000; sum C 1100 >= 1000.
    //   t2: A_X = 750 + 250 = 1000, A_Y = 250; sum A 1250 > 1100 -> shortfall.
    //       X W 500, B_X 500; Y W 250. Good 750 / A 1250.
    let out = simulate(
        r#"
[scenario]
name = "overflow"
horizon_months = 2
trials = 1

[demand]
base_per_month = 1000

[costs]
delay_cost_per_unit_month = 1

[[vendors]]
name = "X"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 5
min_fte = 5
max_fte = 5

[[vendors]]
name = "Y"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 6
min_fte = 6
max_fte = 6

[[strategies]]
name = "Overflow"
allocation = [{ vendor = "X", share = 0.75 }, { vendor = "Y", share = 0.25 }]
overflow = true

[[strategies]]
name = "Separate"
allocation = [{ vendor = "X", share = 0.75 }, { vendor = "Y", share = 0.25 }]
"#,
    );
    close_all(
        &out.series(0, |p| p.capacity),
        &[1100.0, 1100.0],
        "capacity",
    );
    close_all(&out.series(0, |p| p.backlog), &[0.0, 0.0], "backlog");
    let m = &out.metrics[0];
    close(m.service_level, 1.0, "service_level");
    assert_eq!(m.shortfall_months, 0);
    close(m.delay, 0.0, "delay");
    close(m.cost_total, 22_000.0, "cost_total = 11 heads * 1000 * 2");

    close_all(
        &out.series(1, |p| p.capacity),
        &[1100.0, 1100.0],
        "capacity",
    );
    close_all(&out.series(1, |p| p.backlog), &[250.0, 500.0], "backlog");
    let m = &out.metrics[1];
    close(m.service_level, 1500.0 / 2250.0, "service_level");
    assert_eq!(m.shortfall_months, 1);
    assert_eq!(
        out.series(1, |p| f64::from(u8::from(p.shortfall))),
        [0.0, 1.0]
    );
    close(m.delay, 750.0, "delay = 250 + 500");
    close(m.cost_total, 22_750.0, "cost_total");
}

#[test]
fn overflow_fills_receivers_in_allocation_order() {
    // D = 1000 split 0.5 / 0.25 / 0.25 over P (C 400), Q (C 300, every unit defective)
    // and R (C 400, no defects). A = 500, 250, 250; W_own = 400, 250, 250.
    // P has 100 left: Q (first in order) has spare 50 and takes 50, then R takes 50.
    // W_Q = 300, all defective: X = 300, back to Q's backlog: B_Q = 250 - 250 + 300 = 300.
    // B_P = 500 - 400 - 100 = 0, B_R = 0. Good = 400 + 0 + 300 = 700.
    // (Filling R first would give W_Q = 250 and 250 defects.)
    // Without overflow: W_Q = 250, X = 250, Good = 400 + 0 + 250 = 650,
    // backlog 100 + 250 + 0 = 350.
    let out = simulate(
        r#"
[scenario]
name = "overflow order"
horizon_months = 1
trials = 1

[demand]
base_per_month = 1000

[costs]
defect_cost_per_unit = 2

[[vendors]]
name = "P"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 4
min_fte = 4
max_fte = 4

[[vendors]]
name = "Q"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 3
min_fte = 3
max_fte = 3
defect_rate = 1.0

[[vendors]]
name = "R"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 4
min_fte = 4
max_fte = 4

[[strategies]]
name = "Overflow"
allocation = [{ vendor = "P", share = 0.5 }, { vendor = "Q", share = 0.25 }, { vendor = "R", share = 0.25 }]
overflow = true

[[strategies]]
name = "Separate"
allocation = [{ vendor = "P", share = 0.5 }, { vendor = "Q", share = 0.25 }, { vendor = "R", share = 0.25 }]
"#,
    );
    let m = &out.metrics[0];
    close(m.defects, 600.0, "defects = 300 * 2");
    close(m.defect_rate, 300.0 / 1000.0, "defect_rate = X / W");
    close(m.service_level, 700.0 / 1000.0, "service_level");
    close(m.final_backlog, 300.0, "final_backlog");
    close(out.month(0, 1).capacity, 1100.0, "capacity");
    assert_eq!(m.shortfall_months, 0, "sum C 1100 >= sum A 1000");

    let m = &out.metrics[1];
    close(m.defects, 500.0, "defects = 250 * 2");
    close(m.defect_rate, 250.0 / 900.0, "defect_rate = X / W");
    close(m.service_level, 650.0 / 1000.0, "service_level");
    close(m.final_backlog, 350.0, "final_backlog");
}

// ---------------------------------------------------------------------------------------
// SLA credits
// ---------------------------------------------------------------------------------------

#[test]
fn sla_credits_scale_with_points_below_target_up_to_the_cap() {
    // 8 frozen heads, 100 units each (C 800), 1000 per head (labor 8000 a month),
    // D = 850. Good = 800 every month; A grows by the 50-unit backlog each month:
    // A = 850, 900, 950, 1000, 1050 and SL = 800 / A.
    // credit = min(0.12, (0.9 - SL) * 100 * 0.01) * 8000 when SL < 0.9:
    //   t1: SL 0.941 >= 0.9 -> 0
    //   t2: (0.9 - 800/900) = 0.0111 -> 88.89
    //   t3: (0.9 - 800/950) = 0.0579 -> 463.16
    //   t4: (0.9 - 0.8) = 0.1 -> 800
    //   t5: (0.9 - 800/1050) = 0.138 > 0.12 -> cap: 0.12 * 8000 = 960
    // The in-house team and the vendor without a target pay nothing.
    let vendor = |name: &str, extra: &str| {
        format!(
            r#"
[[vendors]]
name = "{name}"
{extra}
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 8
min_fte = 8
max_fte = 8
sla_credit_per_point = 0.01
sla_credit_cap = 0.12
"#
        )
    };
    let text = format!(
        r#"
[scenario]
name = "sla"
horizon_months = 5
trials = 1

[demand]
base_per_month = 850
{}{}{}
[[strategies]]
name = "Vendor"
allocation = [{{ vendor = "Ext", share = 1.0 }}]

[[strategies]]
name = "In-house"
allocation = [{{ vendor = "Own", share = 1.0 }}]

[[strategies]]
name = "No target"
allocation = [{{ vendor = "Loose", share = 1.0 }}]
"#,
        vendor("Ext", "kind = \"vendor\"\nsla_target = 0.9"),
        vendor("Own", "kind = \"inhouse\""),
        vendor("Loose", ""),
    );
    let out = simulate(&text);
    let labor = 8000.0;
    let expected = (0.9 - 800.0 / 900.0) * 100.0 * 0.01 * labor
        + (0.9 - 800.0 / 950.0) * 100.0 * 0.01 * labor
        + (0.9 - 800.0 / 1000.0) * 100.0 * 0.01 * labor
        + 0.12 * labor;
    let m = &out.metrics[0];
    close(m.credits, expected, "credits");
    close(m.labor, 5.0 * labor, "labor");
    close(
        m.cost_total,
        5.0 * labor - expected,
        "cost = labor - credits",
    );
    close(
        out.month(0, 1).cumulative_cost,
        labor,
        "no credit in month 1",
    );
    close(
        out.month(0, 5).cumulative_cost - out.month(0, 4).cumulative_cost,
        labor - 960.0,
        "month 5 credit is capped",
    );
    for s in 1..3 {
        let m = &out.metrics[s];
        close(m.credits, 0.0, "credits");
        close(m.cost_total, 5.0 * labor, "cost_total");
    }
}

#[test]
fn inhouse_team_pays_no_credits_even_with_a_target() {
    // Credits apply only to kind = "vendor" with a target. Same team twice: 8 frozen
    // heads (C 800, labor 8000), D = 1000, SL = 0.8 against a target of 0.9:
    // the vendor credits min(0.12, 0.1 * 100 * 0.01) * 8000 = 800, the in-house team 0.
    // (Validation may also refuse a target on an in-house team; either way no credits.)
    let scenario = |kind: &str| {
        format!(
            r#"
[scenario]
name = "inhouse sla"
horizon_months = 1
trials = 1

[demand]
base_per_month = 1000

[[vendors]]
name = "Team"
kind = "{kind}"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 8
min_fte = 8
max_fte = 8
sla_target = 0.9
sla_credit_per_point = 0.01
sla_credit_cap = 0.12

[[strategies]]
name = "S"
allocation = [{{ vendor = "Team", share = 1.0 }}]
"#
        )
    };
    let m = simulate(&scenario("vendor")).metrics[0];
    close(m.credits, 800.0, "vendor credits");
    close(m.cost_total, 7200.0, "vendor cost");
    if let Ok(sc) = Scenario::from_toml_str(&scenario("inhouse"), Path::new("test.toml")) {
        let m = simulate_scenario(&sc).metrics[0];
        close(m.credits, 0.0, "in-house credits");
        close(m.cost_total, 8000.0, "in-house cost");
    }
}

// ---------------------------------------------------------------------------------------
// Oversight, micromanagement, time zones, cultural training
// ---------------------------------------------------------------------------------------

const LEVERS_SCENARIO: &str = r#"
[scenario]
name = "levers"
horizon_months = 1
trials = 1

[demand]
base_per_month = 100

[[vendors]]
name = "Far"
rate_per_fte_month = 1000
units_per_fte_month = 100
max_fte = 10
overlap_hours = 2

[[vendors]]
name = "Near"
rate_per_fte_month = 1000
units_per_fte_month = 100
max_fte = 10
overlap_hours = 12

[[strategies]]
name = "Light"
allocation = [{ vendor = "Far", share = 0.5 }, { vendor = "Near", share = 0.5 }]
oversight_hours_per_fte = 2

[[strategies]]
name = "Trained"
allocation = [{ vendor = "Far", share = 0.5 }, { vendor = "Near", share = 0.5 }]
oversight_hours_per_fte = 2
cultural_training = true

[[strategies]]
name = "Heavy"
allocation = [{ vendor = "Far", share = 0.5 }, { vendor = "Near", share = 0.5 }]
oversight_hours_per_fte = 10

[[strategies]]
name = "Extreme"
allocation = [{ vendor = "Far", share = 0.5 }, { vendor = "Near", share = 0.5 }]
oversight_hours_per_fte = 100
"#;

#[test]
fn oversight_quality_and_micromanagement_levers() {
    // Default assumptions: q_max 0.4, scale 2 h, threshold 6 h, loss 0.03 and attrition
    // increase 0.05 per hour above it.
    let sc = parse(LEVERS_SCENARIO);
    let a = &sc.assumptions;
    let lever = |v: usize, s: usize| Levers::new(&sc.vendors[v], &sc.strategies[s], a);

    // h = 2: q_mult = 1 - 0.4 (1 - e^-1) = 0.747152...; no micromanagement.
    let light = lever(0, 0);
    close(light.oversight_hours, 2.0, "h");
    close(
        light.quality_mult,
        1.0 - 0.4 * (1.0 - (-1.0_f64).exp()),
        "q_mult(2)",
    );
    close(light.productivity_mult, 1.0, "prod_mult(2)");
    close(light.attrition_mult, 1.0, "attr_mult(2)");
    // p_m = 1 - (1 - 0.3)^(1/12).
    close(
        light.monthly_leave_probability(0.3),
        1.0 - 0.7_f64.powf(1.0 / 12.0),
        "p_m(0.3)",
    );
    close(light.monthly_leave_probability(0.0), 0.0, "p_m(0)");

    // h = 10: over = 4, prod_mult = 1 - 0.03 * 4 = 0.88, attr_mult = 1 + 0.05 * 4 = 1.2,
    // q_mult = 1 - 0.4 (1 - e^-5); p_m(0.3) = 1 - (1 - 0.36)^(1/12).
    let heavy = lever(0, 2);
    close(heavy.productivity_mult, 0.88, "prod_mult(10)");
    close(heavy.attrition_mult, 1.2, "attr_mult(10)");
    close(
        heavy.quality_mult,
        1.0 - 0.4 * (1.0 - (-5.0_f64).exp()),
        "q_mult(10)",
    );
    close(
        heavy.monthly_leave_probability(0.3),
        1.0 - 0.64_f64.powf(1.0 / 12.0),
        "p_m(0.3) at h = 10",
    );

    // h = 100: over = 94, 1 - 0.03 * 94 = -1.82 -> floor 0.1; attr_mult = 1 + 4.7 = 5.7;
    // a * attr_mult = 1.71 -> capped at 0.99: p_m = 1 - 0.01^(1/12).
    let extreme = lever(0, 3);
    close(extreme.productivity_mult, 0.1, "prod_mult floor");
    close(extreme.attrition_mult, 5.7, "attr_mult(100)");
    close(
        extreme.monthly_leave_probability(0.3),
        1.0 - 0.01_f64.powf(1.0 / 12.0),
        "p_m capped at 0.99 a year",
    );
}

#[test]
fn timezone_penalty_and_cultural_training_levers() {
    // Default penalty 0.5, training effect 0.5.
    // Far (overlap 2): tz_mult = 1 + 0.5 * (1 - 2/8) = 1.375;
    //   with training: tz_pen = 0.5 * (1 - 0.5) = 0.25, tz_mult = 1 + 0.25 * 0.75 = 1.1875.
    // Near (overlap 12 > 8): max(0, 1 - 12/8) = 0 -> 1 with or without training.
    let sc = parse(LEVERS_SCENARIO);
    let a = &sc.assumptions;
    let lever = |v: usize, s: usize| Levers::new(&sc.vendors[v], &sc.strategies[s], a);
    close(lever(0, 0).timezone_mult, 1.375, "Far, untrained");
    close(lever(0, 1).timezone_mult, 1.1875, "Far, trained");
    close(lever(1, 0).timezone_mult, 1.0, "Near, untrained");
    close(lever(1, 1).timezone_mult, 1.0, "Near, trained");

    // Custom assumptions: penalty 1.0, effect 0.25, overlap 0:
    // untrained 1 + 1 * 1 = 2; trained 1 + 0.75 * 1 = 1.75.
    let sc = parse(
        r#"
[scenario]
name = "custom tz"
horizon_months = 1

[demand]
base_per_month = 100

[[vendors]]
name = "Opposite"
rate_per_fte_month = 1000
units_per_fte_month = 100
max_fte = 10
overlap_hours = 0

[[strategies]]
name = "Untrained"
allocation = [{ vendor = "Opposite", share = 1.0 }]

[[strategies]]
name = "Trained"
allocation = [{ vendor = "Opposite", share = 1.0 }]
cultural_training = true

[assumptions]
timezone_defect_penalty = 1.0
cultural_training_effect = 0.25
"#,
    );
    let a = &sc.assumptions;
    close(
        Levers::new(&sc.vendors[0], &sc.strategies[0], a).timezone_mult,
        2.0,
        "untrained",
    );
    close(
        Levers::new(&sc.vendors[0], &sc.strategies[1], a).timezone_mult,
        1.75,
        "trained",
    );
}

#[test]
fn micromanagement_cuts_capacity_and_drives_staffing() {
    // h = 10: prod_mult = 0.88, so a head delivers 88 units. 10 heads, D = 1000,
    // manager hour 50, lead 1.
    // t1: C = 10 * 100 * 0.88 = 880; A 1000, W 880, B 120.
    //     need = ceil((1000 + 40) / 88) = ceil(11.82) = 12 -> hire 2.
    // t2: heads 12, C = 1056; A 1120, W 1056, B 64.
    //     need = ceil((1000 + 21.33) / 88) = ceil(11.61) = 12 -> nothing.
    // Oversight = h * heads * 50 = 10 * (10 + 12) * 50 = 11000.
    let out = simulate(
        r#"
[scenario]
name = "micromanagement"
horizon_months = 2
trials = 1

[demand]
base_per_month = 1000

[costs]
manager_hourly_cost = 50

[[vendors]]
name = "V"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 10
max_fte = 100

[[strategies]]
name = "Micromanaged"
allocation = [{ vendor = "V", share = 1.0 }]
oversight_hours_per_fte = 10
"#,
    );
    close_all(&out.series(0, |p| p.capacity), &[880.0, 1056.0], "capacity");
    close_all(&out.series(0, |p| p.heads), &[10.0, 12.0], "heads");
    close_all(&out.series(0, |p| p.backlog), &[120.0, 64.0], "backlog");
    let m = &out.metrics[0];
    assert_eq!(m.hires, 2);
    close(m.oversight, 11_000.0, "oversight");
    close(m.labor, 22_000.0, "labor");
    close(
        m.service_level,
        (880.0 + 1056.0) / (1000.0 + 1120.0),
        "service_level",
    );
}

#[test]
fn micromanagement_raises_attrition() {
    // Statistical: 1,000,000 frozen heads, annual attrition 0.3, one month.
    // h = 0:  p_m = 1 - 0.7^(1/12)  = 0.029289...; leavers ~ Binomial(1e6, p_m).
    // h = 10: p_m = 1 - 0.64^(1/12) = 0.036508... (attr_mult 1.2).
    // Standard deviations about 170 and 190 heads; the two means are 7200 apart.
    // Leavers worked their month: labor counts all 1e6 heads.
    let out = simulate(
        r#"
[scenario]
name = "attrition"
horizon_months = 1
trials = 1

[demand]
base_per_month = 1

[costs]
manager_hourly_cost = 1

[[vendors]]
name = "Big"
rate_per_fte_month = 1
units_per_fte_month = 1
initial_fte = 1000000
min_fte = 1000000
max_fte = 1000000
attrition_annual = 0.3

[[strategies]]
name = "Calm"
allocation = [{ vendor = "Big", share = 1.0 }]

[[strategies]]
name = "Micromanaged"
allocation = [{ vendor = "Big", share = 1.0 }]
oversight_hours_per_fte = 10
"#,
    );
    let n = 1e6;
    for (s, p) in [
        (0, 1.0 - 0.7_f64.powf(1.0 / 12.0)),
        (1, 1.0 - 0.64_f64.powf(1.0 / 12.0)),
    ] {
        let m = &out.metrics[s];
        within_sd(
            m.leavers as f64,
            n * p,
            (n * p * (1.0 - p)).sqrt(),
            6.0,
            "leavers",
        );
        close(m.labor, n, "labor counts leavers");
    }
    close(
        out.metrics[1].oversight,
        10.0 * n,
        "oversight = 10 h * 1e6 * 1",
    );
}

/// One month, 1e8 units of work, for checking defect probabilities statistically.
const DEFECTS_SCENARIO: &str = r#"
[scenario]
name = "defect levers"
horizon_months = 1
trials = 1

[demand]
base_per_month = 100000000

[costs]
defect_cost_per_unit = 3

[[vendors]]
name = "Far"
rate_per_fte_month = 1000
units_per_fte_month = 10000000
initial_fte = 10
min_fte = 10
max_fte = 10
defect_rate = 0.2
overlap_hours = 2

[[strategies]]
name = "Plain"
allocation = [{ vendor = "Far", share = 1.0 }]

[[strategies]]
name = "Trained"
allocation = [{ vendor = "Far", share = 1.0 }]
cultural_training = true

[[strategies]]
name = "Overseen and trained"
allocation = [{ vendor = "Far", share = 1.0 }]
cultural_training = true
oversight_hours_per_fte = 2
"#;

#[test]
fn defect_probability_follows_timezone_training_and_oversight() {
    // W = C = 10 * 1e7 = 1e8 = A. d_eff = d * tz_mult * q_mult with d = 0.2:
    //   Plain:   0.2 * 1.375 = 0.275
    //   Trained: 0.2 * 1.1875 = 0.2375
    //   Overseen and trained: 0.2 * 1.1875 * (1 - 0.4 (1 - e^-1)) = 0.17745...
    // defect_rate = X / W with X ~ Binomial(1e8, d_eff): sd of the rate
    // sqrt(d (1 - d) / 1e8) < 4.5e-5, while the three means are >= 0.037 apart.
    let out = simulate(DEFECTS_SCENARIO);
    let w = 1e8;
    let q = 1.0 - 0.4 * (1.0 - (-1.0_f64).exp());
    for (s, p) in [(0, 0.2 * 1.375), (1, 0.2 * 1.1875), (2, 0.2 * 1.1875 * q)] {
        let m = &out.metrics[s];
        within_sd(
            m.defect_rate,
            p,
            (p * (1.0 - p) / w).sqrt(),
            6.0,
            "defect_rate",
        );
        // Defect cost is 3 per defective unit, and defective units return as backlog.
        close(m.defects, 3.0 * m.defect_rate * w, "defects");
        close(m.final_backlog, m.defect_rate * w, "backlog = rework");
        close(m.service_level, 1.0 - m.defect_rate, "service_level");
    }
    // Fees: 1500 a month for training per vendor, on top of oversight hours (cost 0).
    close(out.metrics[0].oversight, 0.0, "no fees");
    close(out.metrics[1].oversight, 1500.0, "training fee");
}

#[test]
fn new_hires_raise_defects() {
    // No staff at first; 1e6 units per head, D = 1e8, lead 1, ramp 2 at 0.5.
    // t1: C 0, B 1e8. need ceil((1e8 + 1e8/3) / 1e6) = ceil(133.3) = 134 -> 134 hires.
    // t2: R_2 = 134, eff = 0.5 * 134 = 67, C = 6.7e7 < A = 2e8, so W = 6.7e7.
    //     ramp_share = 0.5 * 134 / 67 = 1, d_eff = 0.1 * (1 + 0.5 * 1) = 0.15.
    // X ~ Binomial(6.7e7, 0.15): sd of the rate 4.4e-5.
    let out = simulate(
        r#"
[scenario]
name = "new hires"
horizon_months = 2
trials = 1

[demand]
base_per_month = 100000000

[[vendors]]
name = "V"
rate_per_fte_month = 1000
units_per_fte_month = 1000000
max_fte = 1000
ramp_months = 2
ramp_productivity = 0.5
defect_rate = 0.1

[[strategies]]
name = "S"
allocation = [{ vendor = "V", share = 1.0 }]
"#,
    );
    close_all(&out.series(0, |p| p.capacity), &[0.0, 6.7e7], "capacity");
    let p = 0.15;
    within_sd(
        out.metrics[0].defect_rate,
        p,
        (p * (1.0 - p) / 6.7e7).sqrt(),
        6.0,
        "defect_rate",
    );
}

#[test]
fn defect_probability_is_clamped_at_one() {
    // d = 0.9, overlap 0: 0.9 * (1 + 0.5) = 1.35 -> d_eff = min(1, 1.35) = 1, so every
    // unit is defective: X = W = 500 exactly (C 500, D 500).
    let out = simulate(
        r#"
[scenario]
name = "clamp"
horizon_months = 1
trials = 1

[demand]
base_per_month = 500

[[vendors]]
name = "V"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 5
min_fte = 5
max_fte = 5
defect_rate = 0.9
overlap_hours = 0

[[strategies]]
name = "S"
allocation = [{ vendor = "V", share = 1.0 }]
"#,
    );
    let m = &out.metrics[0];
    close(m.defect_rate, 1.0, "defect_rate");
    close(m.service_level, 0.0, "service_level");
    close(m.final_backlog, 500.0, "all work comes back");
}

#[test]
fn all_work_defective_with_defect_rate_one() {
    // d = 1: every unit processed is defective and comes back. C = 500, D = 400.
    // t1: A 400, W 400, X 400, B = 400 - 400 + 400 = 400. C 500 >= A: no shortfall.
    // t2: A 800, W 500, X 500, B = 800 - 500 + 500 = 800. Shortfall.
    // t3: A 1200, W 500, X 500, B 1200. Shortfall.
    // Defects: 1400 units * 2 = 2800; delay (400 + 800 + 1200) * 0.1 = 240.
    let out = simulate(
        r#"
[scenario]
name = "all defective"
horizon_months = 3
trials = 1

[demand]
base_per_month = 400

[costs]
defect_cost_per_unit = 2
delay_cost_per_unit_month = 0.1

[[vendors]]
name = "V"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 5
min_fte = 5
max_fte = 5
defect_rate = 1.0

[[strategies]]
name = "S"
allocation = [{ vendor = "V", share = 1.0 }]

[objectives]
max_defect_rate = 0.5
"#,
    );
    close_all(
        &out.series(0, |p| p.backlog),
        &[400.0, 800.0, 1200.0],
        "backlog",
    );
    let m = &out.metrics[0];
    close(m.defects, 2800.0, "defects");
    close(m.delay, 240.0, "delay");
    close(m.defect_rate, 1.0, "defect_rate");
    close(m.service_level, 0.0, "service_level");
    assert_eq!(m.shortfall_months, 2);
    close(m.cost_total, 15_000.0 + 2800.0 + 240.0, "cost_total");
    assert!(!m.objectives_met, "defect rate 1 > 0.5");
}

// ---------------------------------------------------------------------------------------
// Costs: discounting, setup, due diligence, fees, escalation
// ---------------------------------------------------------------------------------------

#[test]
fn setup_fees_and_discounting() {
    // A: 10 frozen heads at 1000, setup 5000. B: 5 frozen heads at 2000. 100 units per
    // head, D = 1000 split 0.5 / 0.5 (C 1000 and 500: no backlog). Manager hour 40.
    // "Full" (h = 1, IP protection, due diligence, cultural training; default fees):
    //   labor 10 * 1000 + 5 * 2000 = 20000 a month
    //   oversight 1 * (10 + 5) * 40 + 2 vendors * (2500 + 1500) = 600 + 8000 = 8600
    //   setup (month 1) 5000 + 2 vendors * 20000 = 45000
    //   cost = 73600, 28600, 28600
    // "Bare": cost = 25000, 20000, 20000.
    // cost_npv = sum cost_t * 1.1^(-t/12).
    let out = simulate(
        r#"
[scenario]
name = "costs"
horizon_months = 3
trials = 1
discount_rate_annual = 0.1

[demand]
base_per_month = 1000

[costs]
manager_hourly_cost = 40

[[vendors]]
name = "A"
rate_per_fte_month = 1000
setup_cost = 5000
units_per_fte_month = 100
initial_fte = 10
min_fte = 10
max_fte = 10

[[vendors]]
name = "B"
rate_per_fte_month = 2000
units_per_fte_month = 100
initial_fte = 5
min_fte = 5
max_fte = 5

[[strategies]]
name = "Full"
allocation = [{ vendor = "A", share = 0.5 }, { vendor = "B", share = 0.5 }]
oversight_hours_per_fte = 1
ip_protection = true
due_diligence = true
cultural_training = true

[[strategies]]
name = "Bare"
allocation = [{ vendor = "A", share = 0.5 }, { vendor = "B", share = 0.5 }]
"#,
    );
    let df = |t: f64| 1.1_f64.powf(-t / 12.0);
    let full = &out.metrics[0];
    close(full.labor, 60_000.0, "labor");
    close(full.setup, 45_000.0, "setup");
    close(full.oversight, 3.0 * 8600.0, "oversight");
    close(full.cost_total, 130_800.0, "cost_total");
    close(
        full.cost_npv,
        73_600.0 * df(1.0) + 28_600.0 * df(2.0) + 28_600.0 * df(3.0),
        "cost_npv",
    );
    close_all(
        &out.series(0, |p| p.cumulative_cost),
        &[73_600.0, 102_200.0, 130_800.0],
        "cumulative cost",
    );
    close(full.demand_total, 3000.0, "demand_total");
    close(full.cost_per_unit, 130_800.0 / 3000.0, "cost_per_unit");
    close(full.service_level, 1.0, "service_level");
    assert_eq!(full.shortfall_months, 0, "B's capacity equals its work");

    let bare = &out.metrics[1];
    close(bare.setup, 5000.0, "setup");
    close(bare.oversight, 0.0, "oversight");
    close(bare.cost_total, 65_000.0, "cost_total");
    close(
        bare.cost_npv,
        25_000.0 * df(1.0) + 20_000.0 * df(2.0) + 20_000.0 * df(3.0),
        "cost_npv",
    );
    close(bare.cost_per_unit, 65_000.0 / 3000.0, "cost_per_unit");
}

#[test]
fn labor_price_escalates_each_contract_year() {
    // One frozen head at 1000 with escalation 0.1:
    // labor_t = 1000 * 1.1^floor((t - 1) / 12): 12 * 1000 + 12 * 1100 + 1 * 1210 = 26410.
    let out = simulate(
        r#"
[scenario]
name = "escalation"
horizon_months = 25
trials = 1

[demand]
base_per_month = 100

[[vendors]]
name = "V"
rate_per_fte_month = 1000
price_escalation_annual = 0.1
units_per_fte_month = 100
initial_fte = 1
min_fte = 1
max_fte = 1

[[strategies]]
name = "S"
allocation = [{ vendor = "V", share = 1.0 }]
"#,
    );
    close(out.metrics[0].labor, 26_410.0, "labor");
    close(out.month(0, 12).cumulative_cost, 12_000.0, "year 1");
    close(out.month(0, 13).cumulative_cost, 13_100.0, "month 13");
    close(out.month(0, 25).cumulative_cost, 26_410.0, "month 25");
}

// ---------------------------------------------------------------------------------------
// Service level, shortfall months, objectives
// ---------------------------------------------------------------------------------------

/// 8 frozen heads (C 800) against D = 1000 for three months; labor 8000 a month.
fn service_scenario(objectives: &str) -> String {
    format!(
        r#"
[scenario]
name = "service"
horizon_months = 3
trials = 1

[demand]
base_per_month = 1000

[[vendors]]
name = "V"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 8
min_fte = 8
max_fte = 8

[[strategies]]
name = "S"
allocation = [{{ vendor = "V", share = 1.0 }}]
{objectives}
"#
    )
}

#[test]
fn service_level_counts_waiting_units_every_month() {
    // A = 1000, 1200, 1400 (backlog 200, 400 carried); Good = 800 each month.
    // service = 2400 / 3600 = 2/3, not 2400 / 3000 (work done over demand).
    let out = simulate(&service_scenario(""));
    let m = &out.metrics[0];
    close(m.service_level, 2400.0 / 3600.0, "service_level");
    close(m.final_backlog, 600.0, "final_backlog");
    assert_eq!(m.shortfall_months, 3);
    close(m.cost_per_unit, 24_000.0 / 3000.0, "cost_per_unit = 8");
    close(m.defect_rate, 0.0, "defect_rate");
}

#[test]
fn shortfall_needs_capacity_strictly_below_work() {
    // 10 frozen heads, C = 1000; D = 1000, then 1200 from month 3 on.
    // t1, t2: A = C = 1000: not a shortfall. t3: A 1200 > 1000, B 200.
    // t4: A = 1200 + 200 = 1400 > 1000, B 400.
    let out = simulate(
        r#"
[scenario]
name = "shortfall"
horizon_months = 4
trials = 1

[demand]
base_per_month = 1000

[[demand.events]]
month = 3
multiplier = 1.2

[[vendors]]
name = "V"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 10
min_fte = 10
max_fte = 10

[[strategies]]
name = "S"
allocation = [{ vendor = "V", share = 1.0 }]
"#,
    );
    assert_eq!(
        out.series(0, |p| f64::from(u8::from(p.shortfall))),
        [0.0, 0.0, 1.0, 1.0]
    );
    close_all(
        &out.series(0, |p| p.backlog),
        &[0.0, 0.0, 200.0, 400.0],
        "backlog",
    );
    let m = &out.metrics[0];
    assert_eq!(m.shortfall_months, 2);
    close(m.final_backlog, 400.0, "final_backlog");
    close(
        m.service_level,
        4000.0 / (1000.0 + 1000.0 + 1200.0 + 1400.0),
        "service_level",
    );
}

#[test]
fn objectives_met_when_every_set_target_holds() {
    // service 2/3, cost per unit 24000 / 3000 = 8 exactly, defect rate 0.
    let cases = [
        ("", true),
        ("[objectives]\n", true),
        (
            "[objectives]\nmin_service_level = 0.6\nmax_cost_per_unit = 8.0\nmax_defect_rate = 0.0",
            true,
        ),
        ("[objectives]\nmin_service_level = 0.7", false),
        ("[objectives]\nmax_cost_per_unit = 7.99", false),
        (
            "[objectives]\nmin_service_level = 0.6\nmax_cost_per_unit = 7.99",
            false,
        ),
    ];
    for (objectives, met) in cases {
        let out = simulate(&service_scenario(objectives));
        assert_eq!(out.metrics[0].objectives_met, met, "{objectives:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Random events made certain or averaged out
// ---------------------------------------------------------------------------------------

#[test]
fn constant_disruption_cuts_capacity() {
    // 1200 disruptions a year: P(n > 0) = 1 - e^-100, 1 to double precision, so every
    // month is disrupted and C = 10 * 100 * (1 - loss).
    let out = simulate(
        r#"
[scenario]
name = "disrupted"
horizon_months = 3
trials = 1

[demand]
base_per_month = 400

[[vendors]]
name = "Half"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 10
min_fte = 10
max_fte = 10
disruption_rate_per_year = 1200

[[vendors]]
name = "Third"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 10
min_fte = 10
max_fte = 10
disruption_rate_per_year = 1200
disruption_capacity_loss = 0.3
disruption_months = 2

[[strategies]]
name = "Half"
allocation = [{ vendor = "Half", share = 1.0 }]

[[strategies]]
name = "Third"
allocation = [{ vendor = "Third", share = 1.0 }]
"#,
    );
    close_all(
        &out.series(0, |p| p.capacity),
        &[500.0, 500.0, 500.0],
        "capacity",
    );
    close_all(
        &out.series(1, |p| p.capacity),
        &[700.0, 700.0, 700.0],
        "capacity",
    );
    for s in 0..2 {
        close(out.metrics[s].service_level, 1.0, "D 400 below capacity");
        close(out.metrics[s].labor, 30_000.0, "heads are paid in full");
    }
}

#[test]
fn incidents_and_ip_protection() {
    // 1200 incidents a year: N ~ Poisson(100) a month, 1200 expected over 12 months,
    // each losing exactly 1000. IP protection prevents 60%: Poisson(480) expected.
    // Both strategies see the same incidents (common random numbers), so the protected
    // count cannot exceed the open one.
    let out = simulate(
        r#"
[scenario]
name = "incidents"
horizon_months = 12
trials = 1

[demand]
base_per_month = 100

[[vendors]]
name = "V"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 1
min_fte = 1
max_fte = 1
incident_rate_per_year = 1200
incident_loss = 1000

[[strategies]]
name = "Open"
allocation = [{ vendor = "V", share = 1.0 }]

[[strategies]]
name = "Protected"
allocation = [{ vendor = "V", share = 1.0 }]
ip_protection = true
"#,
    );
    let open = &out.metrics[0];
    let protected = &out.metrics[1];
    within_sd(open.incidents as f64, 1200.0, 1200_f64.sqrt(), 6.0, "open");
    within_sd(
        protected.incidents as f64,
        480.0,
        480_f64.sqrt(),
        6.0,
        "protected",
    );
    assert!(protected.incidents <= open.incidents);
    close(
        open.incidents_cost,
        1000.0 * open.incidents as f64,
        "open loss",
    );
    close(
        protected.incidents_cost,
        1000.0 * protected.incidents as f64,
        "protected loss",
    );
    // Fee 2500 a month for one vendor.
    close(protected.oversight, 12.0 * 2500.0, "IP fee");
    close(
        protected.cost_total,
        12_000.0 + 30_000.0 + protected.incidents_cost,
        "cost_total",
    );
}

#[test]
fn frequent_shocks_add_to_demand() {
    // 1200 shocks a year of size exactly 0.01, each lasting 2 months: with N_t ~
    // Poisson(100), D_t = 1000 * (1 + 0.01 * (N_t + N_{t-1})), so D_t = 1000 + 10 k for a
    // whole number k. E[D_1] = 2000, E[D_t] = 3000 after; over 24 months E = 71000, and
    // the total's sd is 10 * sqrt(4 * 23 * 100 + 100) = 964.
    let out = simulate(&demand_only(
        24,
        r#"base_per_month = 1000

[demand.shocks]
rate_per_year = 1200
size = 0.01
duration_months = 2"#,
    ));
    for t in 1..=24 {
        let k = (out.month(0, t).demand - 1000.0) / 10.0;
        assert!(
            (k - k.round()).abs() < 1e-6 && k >= 0.0,
            "month {t}: {k} active shocks"
        );
    }
    within_sd(
        out.metrics[0].demand_total,
        71_000.0,
        964.0,
        6.0,
        "demand_total",
    );
}
