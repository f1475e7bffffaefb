//! `outsim stress` and `outsim sensitivity` over real files: known monotone effects
//! show in the grid, the input that alone carries the uncertainty ranks first, bad KEYs
//! and SPECs exit with 2 and write nothing, and every number is the same on any thread
//! count.

use std::path::Path;

use super::common::{files_below, outsim, stderr};

/// Two strategies over one capacity-capped vendor and one in-house team.
const SCENARIO: &str = r#"[scenario]
name = "Stress test"
horizon_months = 12
trials = 400
seed = 11

[demand]
base_per_month = 1000
growth_annual = { dist = "uniform", min = 0.2, max = 0.6 }
volatility_monthly = 0.03

[[vendors]]
name = "Budget"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 11
max_fte = 12
hiring_lead_months = 1
attrition_annual = { dist = "uniform", min = 0.10, max = 0.12 }
defect_rate = { dist = "beta", mean = 0.03, sd = 0.001 }

[[vendors]]
name = "Home team"
kind = "inhouse"
rate_per_fte_month = 1500
units_per_fte_month = 100
initial_fte = 8
max_fte = 30

[[strategies]]
name = "Budget only"
allocation = [{ vendor = "Budget", share = 1.0 }]

[[strategies]]
name = "Split"
allocation = [{ vendor = "Budget", share = 0.5 }, { vendor = "Home team", share = 0.5 }]
capacity_buffer = 0.1

[objectives]
min_service_level = 0.9
"#;

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("stress.toml"), SCENARIO).expect("write scenario");
    dir
}

/// Rows of a CSV as maps from header to field (no quoted commas in these files).
fn rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(path).expect("csv written");
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .expect("header")
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

fn num(row: &std::collections::HashMap<String, String>, key: &str) -> f64 {
    row[key]
        .parse()
        .unwrap_or_else(|_| panic!("{key} = {}", row[key]))
}

#[test]
fn a_grid_shows_known_monotone_effects() {
    let dir = setup();
    let out = outsim(
        dir.path(),
        &[
            "stress",
            "stress.toml",
            "--vary",
            "vendors.Budget.max_fte=11,14,20,30",
            "--vary",
            "demand.growth_annual=0.5x..2x:3",
            "--trials",
            "300",
            "--out",
            "out",
            "--metric",
            "shortfall",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = dir.path().join("out/stress/stress");
    let table = rows(&folder.join("stress.csv"));
    assert_eq!(table.len(), 4 * 3 * 2, "a row per cell and strategy");
    let get = |strategy: &str, fte: &str, growth: &str| {
        table
            .iter()
            .find(|r| {
                r["strategy"] == strategy
                    && r["vendors.Budget.max_fte"] == fte
                    && r["demand.growth_annual"] == growth
            })
            .unwrap_or_else(|| panic!("no row {strategy} {fte} {growth}"))
    };
    let ftes = ["11", "14", "20", "30"];
    let growths = ["0.5x", "1.25x", "2x"];
    for strategy in ["Budget only", "Split"] {
        // More seats never raise P(shortfall) beyond noise (same futures in every cell).
        for g in growths {
            for w in ftes.windows(2) {
                let (a, b) = (
                    num(get(strategy, w[0], g), "p_shortfall"),
                    num(get(strategy, w[1], g), "p_shortfall"),
                );
                assert!(b <= a + 0.03, "{strategy} growth {g}: {a} -> {b}");
                let (a, b) = (
                    num(get(strategy, w[0], g), "p_objectives_met"),
                    num(get(strategy, w[1], g), "p_objectives_met"),
                );
                assert!(b >= a - 0.03, "{strategy} growth {g}: met {a} -> {b}");
            }
        }
        // Higher growth never lowers P95 cost beyond noise.
        for f in ftes {
            for w in growths.windows(2) {
                let (a, b) = (
                    num(get(strategy, f, w[0]), "cost_p95"),
                    num(get(strategy, f, w[1]), "cost_p95"),
                );
                assert!(b >= a * 0.99, "{strategy} max_fte {f}: {a} -> {b}");
            }
        }
    }
    // The effect is real, not flat: with an 11-seat cap the objectives are met far
    // less often than with 30 seats, and the split strategy runs short more often.
    let capped = num(get("Budget only", "11", "2x"), "p_objectives_met");
    let roomy = num(get("Budget only", "30", "2x"), "p_objectives_met");
    assert!(roomy > capped + 0.3, "{capped} vs {roomy}");
    let capped = num(get("Split", "11", "2x"), "p_shortfall");
    let roomy = num(get("Split", "30", "2x"), "p_shortfall");
    assert!(capped > roomy, "{capped} vs {roomy}");
    for f in [
        "stress_budget_only.png",
        "stress_budget_only.svg",
        "stress_split.png",
        "stress_split.svg",
    ] {
        assert!(folder.join(f).is_file(), "{f} missing");
    }
}

#[test]
fn one_vary_draws_lines_and_leaves_the_rest_of_the_folder_alone() {
    let dir = setup();
    let run = outsim(
        dir.path(),
        &[
            "run",
            "stress.toml",
            "--trials",
            "20",
            "--out",
            "out",
            "--no-charts",
        ],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let keep = dir.path().join("out/stress/summary.csv");
    let kept = std::fs::read(&keep).expect("run wrote summary.csv");
    let out = outsim(
        dir.path(),
        &[
            "stress",
            "stress.toml",
            "--vary",
            "strategies.Split.capacity_buffer=0,0.2,0.4",
            "--trials",
            "200",
            "--out",
            "out",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = dir.path().join("out/stress/stress");
    assert_eq!(
        files_below(&folder),
        vec![
            Path::new("stress.csv").to_path_buf(),
            Path::new("stress_lines.png").to_path_buf(),
            Path::new("stress_lines.svg").to_path_buf(),
        ]
    );
    assert_eq!(rows(&folder.join("stress.csv")).len(), 3 * 2);
    assert_eq!(std::fs::read(&keep).expect("kept"), kept);
}

#[test]
fn bad_keys_and_specs_exit_2_naming_them_and_write_nothing() {
    let dir = setup();
    let cases: [(&str, &str); 7] = [
        ("vendors.Nobody.max_fte=10,20", "no vendor named \"Nobody\""),
        ("demand.no_such_key=1,2", "no_such_key"),
        ("vendors.Budget.max_fte=abc", "abc"),
        ("vendors.Budget.max_fte=1..5", "steps"),
        ("vendors.Budget.max_fte=12,5", "vendors.Budget.max_fte=5"),
        ("demand.events[0].month=3", "events"),
        ("novalue", "KEY=SPEC"),
    ];
    for (vary, named) in cases {
        let out = outsim(
            dir.path(),
            &["stress", "stress.toml", "--vary", vary, "--out", "out"],
        );
        assert_eq!(out.status.code(), Some(2), "{vary}: {}", stderr(&out));
        assert!(stderr(&out).contains(named), "{vary}: {}", stderr(&out));
        assert!(
            !dir.path().join("out/stress").exists(),
            "{vary} wrote output"
        );
    }
    let out = outsim(
        dir.path(),
        &[
            "stress",
            "stress.toml",
            "--vary",
            "a=1",
            "--vary",
            "b=1",
            "--vary",
            "c=1",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_input_that_alone_carries_the_uncertainty_ranks_first() {
    let dir = setup();
    let out = outsim(
        dir.path(),
        &[
            "sensitivity",
            "stress.toml",
            "--trials",
            "400",
            "--out",
            "out",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = dir.path().join("out/stress/sensitivity");
    let table = rows(&folder.join("sensitivity.csv"));
    for strategy in ["Budget only", "Split"] {
        let first = table
            .iter()
            .find(|r| r["strategy"] == strategy && r["rank"] == "1")
            .expect("a first-ranked input");
        assert_eq!(first["input"], "demand.growth_annual", "{strategy}");
        // Growth is the only wide input; the others are nearly fixed.
        let rho = num(first, "spearman_cost_npv");
        assert!(rho > 0.3, "{strategy}: rho {rho}");
        let second = table
            .iter()
            .find(|r| r["strategy"] == strategy && r["rank"] == "2")
            .map_or(0.0, |r| num(r, "spearman_cost_npv").abs());
        assert!(rho > second + 0.2, "{strategy}: {rho} vs {second}");
        assert!(num(first, "cost_p50_at_p90") > num(first, "cost_p50_at_p10"));
    }
    // Fixed inputs (escalation, counts that never occur) are left out, not NaN.
    assert!(
        !std::fs::read_to_string(folder.join("sensitivity.csv"))
            .expect("csv")
            .contains("NaN")
    );
    assert!(folder.join("tornado_budget_only.png").is_file());
    assert!(folder.join("tornado_split.svg").is_file());
    let report = std::fs::read_to_string(folder.join("report.html")).expect("report");
    assert!(report.contains("id=\"sensitivity\""));
    assert!(report.contains("id=\"breaks\""));
}

#[test]
fn stress_and_sensitivity_are_the_same_on_any_thread_count() {
    let dir = setup();
    let mut tables = Vec::new();
    for threads in ["1", "4"] {
        let out_dir = format!("out{threads}");
        for args in [
            vec![
                "stress",
                "stress.toml",
                "--vary",
                "vendors.Budget.max_fte=12,20",
                "--no-charts",
            ],
            vec!["sensitivity", "stress.toml", "--no-charts"],
        ] {
            let mut args = args;
            args.extend(["--trials", "600", "--threads", threads, "--out", &out_dir]);
            let out = outsim(dir.path(), &args);
            assert!(out.status.success(), "{}", stderr(&out));
        }
        let base = dir.path().join(&out_dir).join("stress");
        tables.push((
            std::fs::read(base.join("stress/stress.csv")).expect("stress.csv"),
            std::fs::read(base.join("sensitivity/sensitivity.csv")).expect("sensitivity.csv"),
        ));
    }
    assert_eq!(tables[0], tables[1]);
}
