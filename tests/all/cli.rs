//! The command line over real files: every class of bad input exits with 2, names the
//! file, line and key, and writes nothing; good input runs and writes every table.

use std::path::Path;

use super::common::{files_below, outsim, reference, stderr, stdout};

/// A valid scenario to break one piece at a time.
const BASE: &str = r#"[scenario]
name = "CLI test"
horizon_months = 12
trials = 200
seed = 3

[demand]
base_per_month = 1000
growth_annual = { dist = "uniform", min = 0.0, max = 0.2 }

[[demand.events]]
month = 6
multiplier = 1.2

[[vendors]]
name = "A"
rate_per_fte_month = 2000
units_per_fte_month = 100
initial_fte = 10
max_fte = 20
attrition_annual = { dist = "triangular", min = 0.1, mode = 0.2, max = 0.3 }
defect_rate = { dist = "beta", mean = 0.05, sd = 0.01 }

[[vendors]]
name = "B"
rate_per_fte_month = 2500
units_per_fte_month = 100
initial_fte = 5
max_fte = 20

[[strategies]]
name = "Mix"
allocation = [{ vendor = "A", share = 0.5 }, { vendor = "B", share = 0.5 }]

[objectives]
min_service_level = 0.8
"#;

fn write(dir: &Path, name: &str, text: &str) -> String {
    std::fs::write(dir.join(name), text).expect("write scenario");
    name.to_string()
}

/// Apply `edit` to BASE, run `validate` and `run`, and check exit code 2, the key and
/// line in the message, and that nothing was written.
fn refused(edit: impl Fn(&str) -> String, key: &str, line: Option<usize>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = edit(BASE);
    assert_ne!(text, BASE, "the edit for {key} changed nothing");
    let file = write(dir.path(), "bad.toml", &text);
    for cmd in ["validate", "run"] {
        let out = outsim(
            dir.path(),
            &[cmd, &file, "--out", "out"][..if cmd == "run" { 4 } else { 2 }],
        );
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{cmd} {key}: exit {:?}, stderr: {err}",
            out.status.code()
        );
        assert!(
            err.contains(&format!("`{key}`")) || key.is_empty(),
            "{cmd}: message does not name `{key}`: {err}"
        );
        assert!(
            err.contains("bad.toml"),
            "{cmd}: message does not name the file: {err}"
        );
        if let Some(line) = line {
            assert!(
                err.contains(&format!("bad.toml:{line}:")),
                "{cmd}: message does not give line {line}: {err}"
            );
        }
    }
    assert!(
        !dir.path().join("out").exists(),
        "{key}: something was written"
    );
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle in text")
        + 1
}

#[test]
fn unknown_key() {
    let edit = |b: &str| b.replace("seed = 3", "seed = 3\ncolour = \"red\"");
    refused(
        edit,
        "scenario.colour",
        Some(line_of(&edit(BASE), "colour")),
    );
}

#[test]
fn value_out_of_range() {
    let edit = |b: &str| b.replace("horizon_months = 12", "horizon_months = 601");
    refused(edit, "scenario.horizon_months", Some(3));
}

#[test]
fn wrong_type() {
    let edit = |b: &str| {
        b.replace(
            "rate_per_fte_month = 2500",
            "rate_per_fte_month = \"cheap\"",
        )
    };
    refused(
        edit,
        "vendors[1].rate_per_fte_month",
        Some(line_of(&edit(BASE), "cheap")),
    );
}

#[test]
fn missing_required_key() {
    refused(
        |b| {
            b.replace(
                "units_per_fte_month = 100\ninitial_fte = 5\n",
                "initial_fte = 5\n",
            )
        },
        "vendors[1].units_per_fte_month",
        None,
    );
}

#[test]
fn shares_not_summing_to_one() {
    refused(
        |b| b.replace("share = 0.5 }]", "share = 0.4 }]"),
        "strategies[0].allocation",
        None,
    );
}

#[test]
fn unknown_vendor_in_allocation() {
    refused(
        |b| b.replace("{ vendor = \"B\"", "{ vendor = \"C\""),
        "strategies[0].allocation[1].vendor",
        None,
    );
}

#[test]
fn duplicate_vendor_names() {
    let edit = |b: &str| b.replace("name = \"B\"", "name = \"A\"");
    refused(edit, "vendors[1].name", None);
}

#[test]
fn duplicate_strategy_names() {
    let edit = |b: &str| {
        format!("{b}\n[[strategies]]\nname = \"Mix\"\nallocation = [{{ vendor = \"A\", share = 1.0 }}]\n")
            .replace("[objectives]\nmin_service_level = 0.8\n", "")
    };
    refused(edit, "strategies[1].name", None);
}

#[test]
fn triangular_mode_outside_its_range() {
    refused(
        |b| b.replace("mode = 0.2", "mode = 0.5"),
        "vendors[0].attrition_annual.mode",
        None,
    );
}

#[test]
fn beta_sd_too_large() {
    refused(
        |b| b.replace("sd = 0.01", "sd = 0.3"),
        "vendors[0].defect_rate.sd",
        None,
    );
}

#[test]
fn non_finite_number() {
    refused(
        |b| b.replace("base_per_month = 1000", "base_per_month = nan"),
        "demand.base_per_month",
        Some(8),
    );
    refused(
        |b| b.replace("base_per_month = 1000", "base_per_month = inf"),
        "demand.base_per_month",
        Some(8),
    );
}

#[test]
fn seasonality_of_the_wrong_length() {
    refused(
        |b| {
            b.replace(
                "base_per_month = 1000",
                "base_per_month = 1000\nseasonality = [1.0, 1.1]",
            )
        },
        "demand.seasonality",
        Some(9),
    );
}

#[test]
fn roadmap_event_outside_the_horizon() {
    refused(
        |b| b.replace("month = 6", "month = 13"),
        "demand.events[0].month",
        None,
    );
}

#[test]
fn max_fte_below_initial_fte() {
    refused(
        |b| b.replace("initial_fte = 10", "initial_fte = 30"),
        "vendors[0].max_fte",
        None,
    );
}

#[test]
fn unknown_distribution() {
    refused(
        |b| b.replace("dist = \"uniform\"", "dist = \"gaussian\""),
        "demand.growth_annual.dist",
        None,
    );
}

#[test]
fn invalid_toml_syntax() {
    refused(|b| b.replace("[demand]", "[demand"), "", Some(7));
}

#[test]
fn every_problem_is_listed_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = BASE
        .replace("horizon_months = 12", "horizon_months = 0")
        .replace("mode = 0.2", "mode = 0.9")
        .replace("share = 0.5 }]", "share = 0.4 }]");
    let file = write(dir.path(), "bad.toml", &text);
    let out = outsim(dir.path(), &["validate", &file]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2));
    for key in [
        "scenario.horizon_months",
        "vendors[0].attrition_annual.mode",
        "strategies[0].allocation",
    ] {
        assert!(err.contains(key), "missing {key}: {err}");
    }
}

#[test]
fn one_invalid_file_stops_every_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(dir.path(), "good.toml", BASE);
    let bad = write(
        dir.path(),
        "bad.toml",
        &BASE.replace("max_fte = 20", "max_fte = -1"),
    );
    let out = outsim(dir.path(), &["run", &good, &bad, "--out", "out"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn missing_file_and_bad_options() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = outsim(dir.path(), &["run", "nowhere.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nowhere.toml"));
    let good = write(dir.path(), "good.toml", BASE);
    for args in [
        ["--trials", "0"],
        ["--threads", "0"],
        ["--seed", "-1"],
        ["--format", "gif"],
    ] {
        let out = outsim(
            dir.path(),
            &["run", &good, args[0], args[1], "--out", "out"],
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    assert!(!dir.path().join("out").exists());
}

#[test]
fn precision_options_that_would_be_ignored_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(dir.path(), "good.toml", BASE);
    let cases: [(&[&str], &str); 3] = [
        (&["--precision", "0.01", "--trials", "100"], "--trials"),
        (&["--max-trials", "5000"], "--precision"),
        (&["--precision", "0.5", "--max-trials", "1"], "1024"),
    ];
    for (options, named) in cases {
        let mut args = vec!["run", good.as_str(), "--out", "out", "--no-charts"];
        args.extend(options);
        let out = outsim(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{options:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(named),
            "{options:?}: {}",
            stderr(&out)
        );
        assert!(!dir.path().join("out").exists(), "{options:?} wrote output");
    }
}

#[test]
fn a_valid_run_writes_every_table() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(dir.path(), "good.toml", BASE);
    let out = outsim(dir.path(), &["run", &good, "--out", "out", "--no-charts"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("CLI test") && text.contains("Mix") && text.contains("Recommended"),
        "{text}"
    );
    let folder = dir.path().join("out/good");
    for f in [
        "summary.csv",
        "summary.json",
        "pairs.csv",
        "monthly.csv",
        "trials.parquet",
        "run.json",
    ] {
        assert!(folder.join(f).is_file(), "missing {f}");
    }
    let summary = std::fs::read_to_string(folder.join("summary.csv")).expect("summary");
    let header = summary.lines().next().expect("header");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("summary.json")).expect("json"))
            .expect("summary.json");
    let fields = json["strategies"][0].as_object().expect("a summary row");
    assert_eq!(header.split(',').count(), fields.len());
    for col in fields.keys() {
        assert!(
            header.split(',').any(|c| c == col),
            "summary.csv lacks {col}"
        );
    }
    assert_eq!(summary.lines().count(), 2);
    let monthly = std::fs::read_to_string(folder.join("monthly.csv")).expect("monthly");
    assert_eq!(monthly.lines().count(), 1 + 12);
    assert!(
        monthly
            .lines()
            .next()
            .expect("header")
            .contains("capacity_p50")
    );
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("run.json")).expect("run.json"))
            .expect("json");
    assert_eq!(run["trials"], 200);
    assert_eq!(run["seed"], 3);
    assert_eq!(run["scenario"], "CLI test");
    // No temporary folders are left behind.
    assert!(
        files_below(&dir.path().join("out"))
            .iter()
            .all(|p| !p.to_string_lossy().contains(".tmp-"))
    );
}

#[test]
fn trials_and_seed_options_override_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(dir.path(), "good.toml", BASE);
    let out = outsim(
        dir.path(),
        &[
            "run",
            &good,
            "--out",
            "out",
            "--no-charts",
            "--trials",
            "50",
            "--seed",
            "9",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty(), "--quiet printed: {}", stdout(&out));
    let run: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("out/good/run.json")).expect("run.json"),
    )
    .expect("json");
    assert_eq!(run["trials"], 50);
    assert_eq!(run["seed"], 9);
}

#[test]
fn missing_objectives_warn_but_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        dir.path(),
        "noobj.toml",
        &BASE.replace("[objectives]\nmin_service_level = 0.8\n", ""),
    );
    let out = outsim(dir.path(), &["run", &file, "--out", "out", "--no-charts"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("warning") && stderr(&out).contains("objectives"),
        "{}",
        stderr(&out)
    );
    let out = outsim(dir.path(), &["validate", &file]);
    assert!(out.status.success());
    assert!(stderr(&out).contains("success is undefined"));
}

#[test]
fn init_writes_a_starter_that_validates_and_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = outsim(dir.path(), &["init", "starter.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = outsim(dir.path(), &["validate", "starter.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).is_empty(),
        "the starter warns: {}",
        stderr(&out)
    );
    let out = outsim(
        dir.path(),
        &[
            "run",
            "starter.toml",
            "--trials",
            "100",
            "--out",
            "out",
            "--no-charts",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // A second init refuses to overwrite.
    let out = outsim(dir.path(), &["init", "starter.toml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn reference_scenarios_validate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = reference("r1_single_vendor.toml");
    let out = outsim(dir.path(), &["validate", file.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_new_run_keeps_stress_and_sensitivity_results() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = write(dir.path(), "good.toml", BASE);
    let out = outsim(
        dir.path(),
        &[
            "stress",
            &good,
            "--vary",
            "vendors.A.max_fte=20,30",
            "--trials",
            "50",
            "--out",
            "out",
            "--no-charts",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let stress = dir.path().join("out/good/stress/stress.csv");
    let before = std::fs::read(&stress).expect("stress.csv written");
    let out = outsim(
        dir.path(),
        &[
            "run",
            &good,
            "--out",
            "out",
            "--no-charts",
            "--trials",
            "50",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(&stress).expect("stress.csv kept"), before);
    assert!(dir.path().join("out/good/summary.csv").is_file());
}
