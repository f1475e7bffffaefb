//! Small scenarios with one to eight strategies, run for a few hundred trials, for the
//! chart and report tests, and a page drawn on its own as SVG.

use std::path::Path;

use plotters::prelude::{IntoDrawingArea, SVGBackend};

use super::backend::PageBackend;
use super::canvas::{Canvas, Drawn, HEIGHT, WIDTH};

use crate::engine::{self, RunOptions};
use crate::results::Results;
use crate::scenario::Scenario;

const HEAD: &str = r#"
[scenario]
name = "Support scale-up"
description = "Customer support for a growing product: offshore, nearshore or in-house?"
horizon_months = 36
trials = 200
seed = 7
currency = "USD"
discount_rate_annual = 0.08

[demand]
unit = "tickets"
base_per_month = 20000
growth_annual = { dist = "normal", mean = 0.15, sd = 0.08 }
volatility_monthly = 0.05
seasonality = [1.1, 1.0, 0.95, 0.95, 1.0, 1.0, 0.9, 0.9, 1.0, 1.05, 1.1, 1.2]

[[demand.events]]
month = 12
multiplier = 1.3
label = "EU launch"

[[demand.events]]
month = 24
multiplier = 1.15
label = "Self-service portal <beta> & chat"

[demand.shocks]
rate_per_year = 1.0
size = { dist = "lognormal", median = 0.3, sigma = 0.5 }
duration_months = 2

[costs]
manager_hourly_cost = 85
defect_cost_per_unit = 6
delay_cost_per_unit_month = 1.5

[[vendors]]
name = "LowCostCo"
rate_per_fte_month = 1800
price_escalation_annual = { dist = "uniform", min = 0.05, max = 0.10 }
setup_cost = 60000
onboarding_cost_per_hire = 1500
units_per_fte_month = 450
initial_fte = 50
min_fte = 10
max_fte = 260
max_hires_per_month = 20
hiring_lead_months = 1
ramp_months = 2
attrition_annual = { dist = "triangular", min = 0.30, mode = 0.40, max = 0.60 }
defect_rate = { dist = "beta", mean = 0.05, sd = 0.02 }
overlap_hours = 2
disruption_rate_per_year = 0.5
incident_rate_per_year = 0.1
incident_loss = { dist = "lognormal", median = 250000, sigma = 1.2 }
sla_target = 0.9
sla_credit_per_point = 0.01
sla_credit_cap = 0.12

[[vendors]]
name = "NearCo"
rate_per_fte_month = 3200
setup_cost = 40000
onboarding_cost_per_hire = 2500
units_per_fte_month = 480
initial_fte = 45
min_fte = 5
max_fte = 260
max_hires_per_month = 20
attrition_annual = 0.15
defect_rate = { dist = "beta", mean = 0.02, sd = 0.01 }
overlap_hours = 7

[[vendors]]
name = "In-house"
kind = "inhouse"
rate_per_fte_month = 5200
onboarding_cost_per_hire = 6000
units_per_fte_month = 420
initial_fte = 50
max_fte = 300
max_hires_per_month = 12
hiring_lead_months = 3
ramp_months = 3
attrition_annual = 0.1
defect_rate = 0.015
"#;

const STRATEGIES: [&str; 8] = [
    r#"name = "Cheapest offshore"
allocation = [{ vendor = "LowCostCo", share = 1.0 }]
oversight_hours_per_fte = 0.5"#,
    r#"name = "Nearshore"
allocation = [{ vendor = "NearCo", share = 1.0 }]
capacity_buffer = 0.05
oversight_hours_per_fte = 1.0"#,
    r#"name = "Dual source with overflow and IP protection"
allocation = [{ vendor = "LowCostCo", share = 0.6 }, { vendor = "NearCo", share = 0.4 }]
overflow = true
capacity_buffer = 0.1
oversight_hours_per_fte = 2.0
ip_protection = true
cultural_training = true"#,
    r#"name = "In-house"
allocation = [{ vendor = "In-house", share = 1.0 }]
capacity_buffer = 0.1"#,
    r#"name = "Offshore, micromanaged"
allocation = [{ vendor = "LowCostCo", share = 1.0 }]
oversight_hours_per_fte = 10"#,
    r#"name = "Offshore + due diligence"
allocation = [{ vendor = "LowCostCo", share = 1.0 }]
oversight_hours_per_fte = 1.5
due_diligence = true"#,
    r#"name = "Hybrid in-house/near"
allocation = [{ vendor = "In-house", share = 0.5 }, { vendor = "NearCo", share = 0.5 }]
overflow = true"#,
    r#"name = "Three-way split"
allocation = [{ vendor = "LowCostCo", share = 0.4 }, { vendor = "NearCo", share = 0.3 }, { vendor = "In-house", share = 0.3 }]
overflow = true
capacity_buffer = 0.05
oversight_hours_per_fte = 1.0"#,
];

const OBJECTIVES: &str = r#"
[assumptions]
oversight_quality_max = 0.45

[objectives]
min_service_level = 0.8
max_cost_per_unit = 9.0
confidence = 0.75
"#;

/// The scenario text with `strategies` strategies (at least one): the eight above in
/// order, then the same again with numbered names.
pub(crate) fn scenario_text(strategies: usize) -> String {
    let mut text = HEAD.to_string();
    for i in 0..strategies.max(1) {
        let template = STRATEGIES[i % STRATEGIES.len()];
        let round = i / STRATEGIES.len();
        let strategy = if round == 0 {
            template.to_string()
        } else {
            let (first, rest) = template.split_once('\n').unwrap_or((template, ""));
            format!("{} {}\"\n{rest}", first.trim_end_matches('"'), round + 1)
        };
        text.push_str("\n[[strategies]]\n");
        text.push_str(&strategy);
        text.push('\n');
    }
    text.push_str(OBJECTIVES);
    text
}

/// A scenario where nothing is uncertain, one month long, with names that need escaping:
/// every trial gives the same numbers.
pub(crate) const FLAT: &str = r#"
[scenario]
name = "Flat & <certain>"
horizon_months = 1

[demand]
base_per_month = 1000

[[vendors]]
name = "Only vendor"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 10
max_fte = 20

[[strategies]]
name = "R&D <team> \"A\""
allocation = [{ vendor = "Only vendor", share = 1.0 }]

[[strategies]]
name = "Same again"
allocation = [{ vendor = "Only vendor", share = 1.0 }]
"#;

/// A validated scenario with `strategies` strategies.
pub(crate) fn scenario(strategies: usize) -> Scenario {
    Scenario::from_toml_str(&scenario_text(strategies), Path::new("test.toml"))
        .unwrap_or_else(|e| panic!("fixture scenario is invalid: {e}"))
}

/// The scenario and its results over `trials` trials, seed 1.
pub(crate) fn run(strategies: usize, trials: u64) -> (Scenario, Results) {
    let scenario = scenario(strategies);
    let raw = engine::run(&scenario, RunOptions::new(trials, 1))
        .unwrap_or_else(|e| panic!("fixture run failed: {e}"));
    let results = Results::new(&scenario, raw);
    (scenario, results)
}

/// One page drawn by `draw` as SVG text, as a chart file would hold it.
pub(crate) fn svg_of(draw: impl Fn(&Canvas) -> Drawn) -> String {
    super::font::ensure_registered().unwrap_or_else(|e| panic!("{e}"));
    let mut svg = String::new();
    {
        let size = (WIDTH as u32, HEIGHT as u32);
        let backend = PageBackend::Svg(SVGBackend::with_string(&mut svg, size));
        let canvas = Canvas::new(backend.into_drawing_area(), 1.0, false);
        draw(&canvas).unwrap_or_else(|e| panic!("drawing failed: {}", e.0));
        canvas
            .present()
            .unwrap_or_else(|e| panic!("drawing failed: {}", e.0));
    }
    svg
}
