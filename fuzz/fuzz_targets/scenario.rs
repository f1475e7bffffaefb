//! Fuzz target: scenario text -> parse and validate -> a short simulation.
//!
//! Any text must either be refused with issues, or become a scenario whose text fields
//! keep the limits of `docs/model.md` (lengths, no control characters or bidi
//! overrides, names without surrounding spaces and distinct beyond case) and whose
//! simulation finishes with finite, self-consistent numbers. Trials are capped at a few;
//! the horizon and every other value are used as validated.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use outsim::engine::{TRIAL_METRICS, self, MonthPoint, Plan, RunOptions, TrialMetrics, Workspace, simulate_trial};
use outsim::results::{Results, components_sum};
use outsim::scenario::{MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_UNIT_CHARS, Scenario};

/// Trials simulated per input.
const TRIALS: u64 = 2;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let scenario = match Scenario::from_toml_str(text, Path::new("fuzz.toml")) {
        Ok(scenario) => scenario,
        Err(e) => {
            check_message(&e.to_string());
            return;
        }
    };
    check_text(&scenario);
    let plan = Plan::new(&scenario);
    let strategies = plan.strategy_count();
    let horizon = plan.horizon();
    let mut ws = Workspace::new(&plan);
    let mut metrics = vec![TrialMetrics::default(); strategies];
    let mut months = vec![MonthPoint::default(); strategies * horizon];
    for trial in 0..TRIALS {
        simulate_trial(
            &plan,
            scenario.meta.seed,
            trial,
            &mut ws,
            &mut metrics,
            &mut months,
        );
        for (s, m) in metrics.iter().enumerate() {
            check_metrics(&scenario, s, m);
            let max_heads: f64 = scenario.strategies[s]
                .allocation
                .iter()
                .map(|a| f64::from(scenario.vendors[a.vendor].max_fte))
                .sum();
            for p in &months[s * horizon..(s + 1) * horizon] {
                for (name, x) in [
                    ("demand", p.demand),
                    ("capacity", p.capacity),
                    ("backlog", p.backlog),
                    ("heads", p.heads),
                    ("cumulative_cost", p.cumulative_cost),
                ] {
                    assert!(x.is_finite() && x >= 0.0, "month {name} = {x}");
                }
                assert!(
                    p.heads <= max_heads,
                    "heads {} above max_fte {max_heads}",
                    p.heads
                );
            }
        }
    }
    // The whole pipeline, statistics included, on the same few trials.
    let raw = engine::run(&scenario, RunOptions::new(TRIALS, scenario.meta.seed))
        .unwrap_or_else(|e| panic!("a run with no sink and no cancel flag stopped: {e}"));
    let results = Results::new(&scenario, raw);
    if let Some(figure) = results.first_non_finite() {
        panic!("not finite: {figure}");
    }
});

/// Whether `c` must never reach a terminal from a scenario file: Cc, bidi embeddings,
/// overrides and isolates, line and paragraph separators. Written out here rather than
/// taken from the library, so the target checks the rule and not its implementation.
fn refused(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// Every text field of an accepted scenario is within its limit and free of refused
/// characters (a description may hold line feeds and tabs); names carry no surrounding
/// spaces and differ from each other by more than case.
fn check_text(scenario: &Scenario) {
    let mut lines: Vec<(String, &str, usize)> = vec![
        ("scenario.name".into(), &scenario.meta.name, MAX_NAME_CHARS),
        ("scenario.currency".into(), &scenario.meta.currency, MAX_UNIT_CHARS),
        ("demand.unit".into(), &scenario.demand.unit, MAX_UNIT_CHARS),
    ];
    for (i, e) in scenario.demand.events.iter().enumerate() {
        lines.push((format!("demand.events[{i}].label"), &e.label, MAX_NAME_CHARS));
    }
    let mut names: Vec<(String, &str)> = vec![("scenario.name".into(), &scenario.meta.name)];
    for (list, entries) in [
        (
            "vendors",
            scenario.vendors.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        ),
        (
            "strategies",
            scenario.strategies.iter().map(|s| s.name.as_str()).collect(),
        ),
    ] {
        let mut folded: Vec<String> = Vec::new();
        for (i, name) in entries.into_iter().enumerate() {
            let key = format!("{list}[{i}].name");
            assert!(
                !folded.contains(&name.to_lowercase()),
                "{key}: {name:?} repeats a name up to case"
            );
            folded.push(name.to_lowercase());
            lines.push((key.clone(), name, MAX_NAME_CHARS));
            names.push((key, name));
        }
    }
    for (key, text, limit) in lines {
        assert!(text.chars().count() <= limit, "{key}: longer than {limit}");
        assert!(!text.chars().any(refused), "{key}: {text:?} holds a refused character");
    }
    for (key, name) in names {
        assert!(
            !name.trim().is_empty() && name.trim() == name,
            "{key}: {name:?} is empty or has surrounding spaces"
        );
    }
    if let Some(d) = &scenario.meta.description {
        assert!(d.chars().count() <= MAX_DESCRIPTION_CHARS, "description too long");
        assert!(
            !d.chars().any(|c| refused(c) && c != '\n' && c != '\t'),
            "description {d:?} holds a refused character"
        );
    }
}

/// A refusal never echoes a refused character: file text in messages is escaped (line
/// feeds only separate the issues).
fn check_message(message: &str) {
    assert!(
        !message.chars().any(|c| refused(c) && c != '\n'),
        "message holds a refused character: {message:?}"
    );
}

fn check_metrics(scenario: &Scenario, s: usize, m: &TrialMetrics) {
    let name = &scenario.strategies[s].name;
    for (field, x) in TRIAL_METRICS.iter().map(|x| (x.name, (x.value)(m))) {
        assert!(x.is_finite(), "{name}: {field} = {x}");
    }
    assert!(
        (0.0..=1.0).contains(&m.service_level),
        "{name}: service level {}",
        m.service_level
    );
    assert!(
        (0.0..=1.0).contains(&m.defect_rate),
        "{name}: defect rate {}",
        m.defect_rate
    );
    assert!(m.final_backlog >= 0.0);
    // Every component, model v2's (commitment, transition, releases, exit fees)
    // included.
    let (parts, scale) = components_sum(m);
    assert!(
        (m.cost_total - parts).abs() <= 1e-9 * scale + 1e-9,
        "{name}: cost_total {} but components add to {parts}",
        m.cost_total
    );
}
