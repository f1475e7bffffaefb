//! `outsim optimize`: on a hand-built case whose optimum a brute-force grid finds, the
//! search finds a feasible plan within 1% of the grid's best mean cost with fewer
//! evaluations than the grid has cells; the search is the same on any thread count; the
//! chance constraint holds on the fresh re-simulation; `best.toml` reproduces it; bad
//! input exits with 2 and writes nothing.

use std::path::Path;

use outsim::analysis::optimize::{self, LeverValue, Objective, Optimized};
use outsim::engine::{self, RunOptions};
use outsim::results::Results;
use outsim::scenario::{Sampling, Scenario};

use super::common::{files_below, outsim, stderr};

/// Two vendors alike but for their rate, losing 30% of their heads a year and hiring
/// two months ahead for growing demand: only a buffer keeps the service level nine
/// times out of ten (at a split of 1/2, about 0.175: `outsim stress` over the buffer),
/// so the cheapest plan weighs the cheap vendor's share against the buffer it needs.
const SCENARIO: &str = r#"[scenario]
name = "Known optimum"
horizon_months = 12
trials = 200
seed = 11

[demand]
base_per_month = 1000
growth_annual = 0.3
volatility_monthly = 0.02

[[vendors]]
name = "Cheap"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 10
max_fte = 40
setup_cost = 5000
hiring_lead_months = 2
attrition_annual = 0.3

[[vendors]]
name = "Dear"
rate_per_fte_month = 1300
units_per_fte_month = 100
initial_fte = 10
max_fte = 40
setup_cost = 5000
hiring_lead_months = 2
attrition_annual = 0.3

[[strategies]]
name = "Split"
allocation = [{ vendor = "Cheap", share = 0.5 }, { vendor = "Dear", share = 0.5 }]
capacity_buffer = 0.3

[objectives]
min_service_level = 0.99
confidence = 0.9
"#;

const TRIALS: u64 = 200;
const SEED: u64 = 11;

/// The scenario with the strategy's allocation and buffer replaced.
fn cell(cheap_share: f64, buffer: f64) -> Scenario {
    let allocation = match cheap_share {
        s if s >= 1.0 => r#"[{ vendor = "Cheap", share = 1.0 }]"#.to_string(),
        s if s <= 0.0 => r#"[{ vendor = "Dear", share = 1.0 }]"#.to_string(),
        s => format!(
            r#"[{{ vendor = "Cheap", share = {s} }}, {{ vendor = "Dear", share = {} }}]"#,
            1.0 - s
        ),
    };
    let text = SCENARIO
        .replace(
            r#"[{ vendor = "Cheap", share = 0.5 }, { vendor = "Dear", share = 0.5 }]"#,
            &allocation,
        )
        .replace(
            "capacity_buffer = 0.3",
            &format!("capacity_buffer = {buffer}"),
        );
    Scenario::from_toml_str(&text, Path::new("known.toml")).unwrap_or_else(|e| panic!("{e}"))
}

fn search(budget: usize, options: RunOptions<'_>) -> Optimized {
    search_text(SCENARIO, budget, options)
}

/// [`search`] of the scenario `text`.
fn search_text(text: &str, budget: usize, options: RunOptions<'_>) -> Optimized {
    let searches = [
        "allocation".to_string(),
        "capacity_buffer=0..0.5".to_string(),
    ];
    let plan = optimize::plan(
        text,
        Path::new("known.toml"),
        "Split",
        &searches,
        Objective::Mean,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    optimize::optimize(&plan, budget, options).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn optimize_finds_the_grid_optimum_with_fewer_evaluations_and_it_holds_on_fresh_trials() {
    // Brute force: 11 splits by 21 buffers, on the same trials and seed.
    let mut grid_best = f64::INFINITY;
    let mut cells = 0;
    for s in 0..=10 {
        for b in 0..=20 {
            let scenario = cell(f64::from(s) / 10.0, f64::from(b) * 0.025);
            let raw = engine::run(&scenario, RunOptions::new(TRIALS, SEED))
                .unwrap_or_else(|e| panic!("{e}"));
            let summary = &Results::new(&scenario, raw).summary[0];
            cells += 1;
            if summary.meets_objectives {
                grid_best = grid_best.min(summary.cost_mean);
            }
        }
    }
    assert!(grid_best.is_finite(), "some cell of the grid is feasible");
    let run = search(100, RunOptions::new(TRIALS, SEED));
    assert!(
        run.evaluations.len() < cells,
        "{} evaluations",
        run.evaluations.len()
    );
    let best = &run.evaluations[run.best];
    assert!(best.feasible, "{best:?}");
    assert!(
        best.cost_mean <= grid_best * 1.01,
        "search {} against grid {grid_best}",
        best.cost_mean
    );
    // The chance constraint holds on the fresh re-simulation (seed + 1).
    assert_eq!(run.recheck_seed, SEED + 1);
    let checked = run
        .best_checked()
        .unwrap_or_else(|| panic!("no re-simulation"));
    assert!(checked.feasible, "{checked:?}");
    assert!(checked.p_objectives_met >= run.confidence);
}

/// [`SCENARIO`] with an exit rule on the cheap vendor.
fn with_exit(threshold: f64, months: u32) -> String {
    SCENARIO.replace(
        "[objectives]",
        &format!(
            "[[strategies.exits]]\nvendor = \"Cheap\"\nwhen_service_below = {threshold}\nfor_months = {months}\nfallback = \"Dear\"\n\n[objectives]"
        ),
    )
}

#[test]
fn exit_thresholds_and_months_are_searched_and_each_candidate_runs_as_its_file_would() {
    let text = with_exit(0.9, 2);
    let plan_of = |searches: &[&str]| {
        let searches: Vec<String> = searches.iter().map(|s| s.to_string()).collect();
        optimize::plan(
            &text,
            Path::new("known.toml"),
            "Split",
            &searches,
            Objective::Mean,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    // By index, by the vendor the rule leaves, and in the full form of --vary.
    for threshold in [
        "exits[0].when_service_below=0.7..0.95",
        "exits.Cheap.when_service_below=0.7..0.95",
        "strategies.Split.exits[0].when_service_below=0.7..0.95",
    ] {
        let plan = plan_of(&[threshold, "exits[0].for_months=1..6"]);
        let names: Vec<&str> = plan.levers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            ["exits[0].when_service_below", "exits[0].for_months"],
            "{threshold}"
        );
    }
    // The default search includes the rule's threshold and months.
    let defaults = plan_of(&[]);
    assert!(
        defaults
            .levers
            .iter()
            .any(|l| l.name == "exits[0].when_service_below"),
        "{:?}",
        defaults.levers
    );
    assert!(
        defaults
            .levers
            .iter()
            .any(|l| l.name == "exits[0].for_months")
    );

    let plan = plan_of(&[
        "exits[0].when_service_below=0.7..0.95",
        "exits[0].for_months=1..6",
    ]);
    let run = optimize::optimize(&plan, 24, RunOptions::new(TRIALS, SEED))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut thresholds = Vec::new();
    for e in &run.evaluations {
        let (LeverValue::Number(threshold), LeverValue::Number(months)) =
            (&e.values[0], &e.values[1])
        else {
            panic!("{:?}", e.values)
        };
        assert!((0.7..=0.95).contains(threshold), "{threshold}");
        assert!(
            months.fract() == 0.0 && (1.0..=6.0).contains(months),
            "{months}"
        );
        // The candidate is the file with these values, run alone.
        let scenario = Scenario::from_toml_str(
            &with_exit(*threshold, *months as u32),
            Path::new("cell.toml"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let raw =
            engine::run(&scenario, RunOptions::new(TRIALS, SEED)).unwrap_or_else(|e| panic!("{e}"));
        let summary = &Results::new(&scenario, raw).summary[0];
        assert_eq!(summary.cost_mean, e.cost_mean, "{:?}", e.values);
        assert_eq!(summary.p_objectives_met, e.p_objectives_met);
        thresholds.push(*threshold);
    }
    thresholds.dedup();
    assert!(thresholds.len() > 1, "the threshold was searched");
    // best.toml carries the best plan's rule.
    let best = Scenario::from_toml_str(&run.best_toml, Path::new("best.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let rule = &best.strategies[1].exits[0];
    assert_eq!(
        [
            LeverValue::Number(rule.when_service_below),
            LeverValue::Number(f64::from(rule.for_months))
        ],
        run.evaluations[run.best].values[..]
    );
}

#[test]
fn a_budget_spent_while_nelder_mead_starts_ends_the_search_without_a_panic() {
    for budget in 1..=6 {
        let run = search(budget, RunOptions::new(TRIALS, SEED));
        assert!(run.evaluations.len() <= budget, "{budget}");
        assert!(run.evaluations[run.best].cost_mean.is_finite());
    }
}

#[test]
fn the_first_evaluation_is_the_starting_strategy_as_written() {
    // 0.3 of 0..0.7 is no whole step of the range: a point of the box would round it.
    let plan = optimize::plan(
        SCENARIO,
        Path::new("known.toml"),
        "Split",
        &["capacity_buffer=0..0.7".to_string()],
        Objective::Mean,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let run = optimize::optimize(&plan, 3, RunOptions::new(TRIALS, SEED))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run.evaluations[0].values, [LeverValue::Number(0.3)]);
    let scenario = cell(0.5, 0.3);
    let raw =
        engine::run(&scenario, RunOptions::new(TRIALS, SEED)).unwrap_or_else(|e| panic!("{e}"));
    let summary = &Results::new(&scenario, raw).summary[0];
    assert_eq!(run.evaluations[0].cost_mean, summary.cost_mean);
}

#[test]
fn the_search_is_the_same_on_any_thread_count() {
    let one = search(25, RunOptions::new(TRIALS, SEED).threads(1));
    let two = search(25, RunOptions::new(TRIALS, SEED).threads(2));
    assert_eq!(one.evaluations, two.evaluations);
    assert_eq!((one.best, one.runner_up), (two.best, two.runner_up));
    assert_eq!(one.recheck, two.recheck);
    assert_eq!(one.best_toml, two.best_toml);
}

/// Run `best.toml` with its own settings, and panic unless it gives the re-simulated
/// figures of the starting strategy and the best plan, to the bit.
fn assert_best_toml_reproduces(run: &Optimized) {
    let scenario = Scenario::from_toml_str(&run.best_toml, Path::new("best.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        scenario.strategies.len(),
        2,
        "the original and the optimised plan"
    );
    let raw = engine::run(&scenario, RunOptions::from_scenario(&scenario))
        .unwrap_or_else(|e| panic!("{e}"));
    let summary = Results::new(&scenario, raw).summary;
    let checked = run
        .best_checked()
        .unwrap_or_else(|| panic!("no re-simulation"));
    let again = summary
        .iter()
        .find(|s| s.strategy == checked.name)
        .unwrap_or_else(|| panic!("{} is not in best.toml", checked.name));
    assert_eq!(again.cost_mean, checked.cost_mean);
    assert_eq!(again.p_objectives_met, checked.p_objectives_met);
    assert_eq!(summary[0].cost_mean, run.recheck[0].cost_mean);
}

#[test]
fn best_toml_reproduces_the_re_simulation() {
    assert_best_toml_reproduces(&search(20, RunOptions::new(TRIALS, SEED)));
}

#[test]
fn best_toml_records_the_sampling_the_comparison_ran_with() {
    // Growth uncertain, so that how it is sampled changes the figures.
    let uncertain = SCENARIO.replace(
        "growth_annual = 0.3",
        "growth_annual = { dist = \"uniform\", min = 0.2, max = 0.4 }",
    );
    // The file samples at random; the command line asks for Latin hypercubes.
    let run = search_text(
        &uncertain,
        20,
        RunOptions::new(TRIALS, SEED).sampling(Sampling::Lhs),
    );
    assert_best_toml_reproduces(&run);
    let lhs = uncertain.replace("seed = 11\n", "seed = 11\nsampling = \"lhs\"\n");
    let run = search_text(&lhs, 20, RunOptions::new(TRIALS, SEED));
    assert_best_toml_reproduces(&run);
}

#[test]
fn a_seed_best_toml_cannot_record_is_refused_before_the_search() {
    // The re-simulation runs on seed + 1, which a TOML integer cannot hold here.
    let seed = i64::MAX as u64;
    let plan = optimize::plan(
        SCENARIO,
        Path::new("known.toml"),
        "Split",
        &["capacity_buffer=0..0.5".to_string()],
        Objective::Mean,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    match optimize::optimize(&plan, 5, RunOptions::new(TRIALS, seed)) {
        Err(optimize::OptimizeError::Invalid(why)) => assert!(why.contains("seed"), "{why}"),
        other => panic!("{:?}", other.map(|r| r.best_toml)),
    }
}

#[test]
fn optimize_writes_its_table_and_best_toml_which_run_accepts() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("known.toml"), SCENARIO).unwrap_or_else(|e| panic!("{e}"));
    let args = [
        "optimize",
        "known.toml",
        "--strategy",
        "Split",
        "--search",
        "capacity_buffer=0..0.5",
        "--evaluations",
        "12",
        "--sampling",
        "lhs",
        "--out",
        "out",
        "--no-charts",
    ];
    let out = outsim(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = dir.path().join("out/known/optimize");
    let table =
        std::fs::read_to_string(folder.join("optimize.csv")).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        table.starts_with("evaluation,capacity_buffer,cost_mean,"),
        "{table}"
    );
    assert!(table.lines().count() >= 2);
    // The command line's settings, so that run best.toml repeats the comparison.
    let best = std::fs::read_to_string(folder.join("best.toml")).unwrap_or_else(|e| panic!("{e}"));
    for setting in ["sampling = \"lhs\"", "seed = 12", "trials = 200"] {
        assert!(best.contains(setting), "{setting} in {best}");
    }
    let run = outsim(
        dir.path(),
        &[
            "run",
            "out/known/optimize/best.toml",
            "--out",
            "again",
            "--no-charts",
        ],
    );
    assert!(run.status.success(), "{}", stderr(&run));
}

#[test]
fn bad_input_exits_with_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("known.toml"), SCENARIO).unwrap_or_else(|e| panic!("{e}"));
    let no_objectives = SCENARIO
        .split("[objectives]")
        .next()
        .unwrap_or(SCENARIO)
        .to_string();
    std::fs::write(dir.path().join("free.toml"), no_objectives).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join("exits.toml"), with_exit(0.9, 2))
        .unwrap_or_else(|e| panic!("{e}"));
    let cases: [(&[&str], &str); 9] = [
        (
            &[
                "exits.toml",
                "--strategy",
                "Split",
                "--search",
                "strategies[1].exits[0].for_months=1..3",
            ],
            // The KEY as given, the strategy it names and its index kept.
            "strategies[1].exits[0].for_months is not one of its levers",
        ),
        (
            &[
                "known.toml",
                "--strategy",
                "Split",
                "--search",
                "exits[0].when_service_below=0.7..0.9",
            ],
            "exits[0] does not exist",
        ),
        (
            &[
                "exits.toml",
                "--strategy",
                "Split",
                "--search",
                "exits[0].for_months=1.5..3",
            ],
            "whole",
        ),
        (
            &[
                "known.toml",
                "--strategy",
                "Split",
                "--search",
                "no_such_lever",
            ],
            "no_such_lever",
        ),
        (
            &[
                "known.toml",
                "--strategy",
                "Split",
                "--search",
                "vendors.Cheap.max_fte=10..20",
            ],
            "lever",
        ),
        (
            &[
                "known.toml",
                "--strategy",
                "Split",
                "--search",
                "capacity_buffer=0.5..0.5",
            ],
            "empty",
        ),
        (
            &[
                "known.toml",
                "--strategy",
                "Split",
                "--search",
                "capacity_buffer",
            ],
            "range",
        ),
        (&["known.toml", "--strategy", "Nobody"], "Nobody"),
        (
            &["free.toml", "--strategy", "Split"],
            "nothing to constrain",
        ),
    ];
    for (args, says) in cases {
        let mut all = vec!["optimize"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--out", "out"]);
        let out = outsim(dir.path(), &all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert!(
            files_below(&dir.path().join("out")).is_empty(),
            "{args:?} wrote files"
        );
    }
}

/// Panic unless `text` is well-formed enough to parse as XML: every tag closed in order,
/// attribute values quoted, and no raw `<` or `&` outside markup and entities.
fn assert_well_formed(text: &str) {
    let body = text.trim_start();
    let body = match body.strip_prefix("<?xml") {
        Some(rest) => &rest[rest.find("?>").map_or(0, |i| i + 2)..],
        None => body,
    };
    let mut open: Vec<String> = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find(['<', '&']) {
        let tail = &rest[i..];
        if tail.starts_with('&') {
            let end = tail
                .find(';')
                .unwrap_or_else(|| panic!("bare & in {tail:.40}"));
            let name = &tail[1..end];
            assert!(
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '#'),
                "bad entity {name}"
            );
            rest = &tail[end + 1..];
            continue;
        }
        let end = tail
            .find('>')
            .unwrap_or_else(|| panic!("unclosed tag {tail:.40}"));
        let tag = &tail[1..end];
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "unquoted attribute in <{tag}>"
        );
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                open.pop().as_deref(),
                Some(name.trim()),
                "mismatched </{name}>"
            );
        } else if !tag.ends_with('/') && !tag.starts_with('!') {
            let name = tag.split_whitespace().next().unwrap_or_default();
            open.push(name.to_string());
        }
        rest = &tail[end + 1..];
    }
    assert!(open.is_empty(), "unclosed {open:?}");
}

#[test]
fn optimize_draws_the_frontier_and_a_report_that_escapes_every_name() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let hostile = r#"<script>alert("x")</script> & Split"#;
    let scenario = SCENARIO.replace(
        "name = \"Split\"",
        "name = '<script>alert(\"x\")</script> & Split'",
    );
    std::fs::write(dir.path().join("known.toml"), scenario).unwrap_or_else(|e| panic!("{e}"));
    let args = [
        "optimize",
        "known.toml",
        "--strategy",
        hostile,
        "--search",
        "capacity_buffer=0..0.5",
        "--evaluations",
        "8",
        "--out",
        "out",
    ];
    let out = outsim(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = dir.path().join("out/known/optimize");
    let png = std::fs::read(folder.join("frontier.png")).unwrap_or_else(|e| panic!("{e}"));
    assert!(png.starts_with(b"\x89PNG"));
    let svg =
        std::fs::read_to_string(folder.join("frontier.svg")).unwrap_or_else(|e| panic!("{e}"));
    assert_well_formed(&svg);
    assert!(svg.contains("&lt;script&gt;"), "the name is drawn, escaped");
    let page =
        std::fs::read_to_string(folder.join("report.html")).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !page.contains("<script>"),
        "a name reached the page unescaped"
    );
    assert!(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Split"));
    assert!(page.contains("capacity_buffer"));
}
