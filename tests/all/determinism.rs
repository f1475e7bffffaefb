//! Same scenario, seed and trial count: byte-identical outputs on any number of threads.

use std::path::Path;

use super::common::{files_below, outsim, reference, stderr};

/// `outsim run tests/reference/r2_dual_source.toml ARGS...` in `dir`, which must succeed.
fn run_r2(dir: &Path, args: &[&str]) -> std::process::Output {
    let file = reference("r2_dual_source.toml");
    let mut all = vec!["run", file.to_str().expect("utf-8 path")];
    all.extend_from_slice(args);
    let result = outsim(dir, &all);
    assert!(result.status.success(), "run failed: {}", stderr(&result));
    result
}

fn run_into(dir: &Path, out: &str, threads: &str, seed: &str) {
    run_r2(
        dir,
        &[
            "--trials",
            "3000",
            "--seed",
            seed,
            "--threads",
            threads,
            "--out",
            out,
            "--quiet",
        ],
    );
}

/// `run.json` minus the fields that describe the machine rather than the results.
fn run_json_without_timing(path: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("run.json")).expect("json");
    let obj = v.as_object_mut().expect("object");
    assert!(obj.remove("wall_time_seconds").is_some());
    assert!(obj.remove("threads").is_some());
    v
}

#[test]
fn outputs_are_byte_identical_across_thread_counts() {
    let dir = tempfile::tempdir().expect("temp dir");
    run_into(dir.path(), "one", "1", "5");
    run_into(dir.path(), "two", "2", "5");
    run_into(dir.path(), "three", "3", "5");
    let one = dir.path().join("one/r2_dual_source");
    let files = files_below(&one);
    assert!(files.iter().any(|f| f.ends_with("trials.parquet")));
    assert!(files.iter().any(|f| f.ends_with("monthly.csv")));
    for other in ["two", "three"] {
        let dir_other = dir.path().join(other).join("r2_dual_source");
        assert_eq!(
            files,
            files_below(&dir_other),
            "{other}: different file lists"
        );
        for f in &files {
            if f.ends_with("run.json") {
                assert_eq!(
                    run_json_without_timing(&one.join(f)),
                    run_json_without_timing(&dir_other.join(f))
                );
            } else {
                let a = std::fs::read(one.join(f)).expect("read");
                let b = std::fs::read(dir_other.join(f)).expect("read");
                assert!(
                    a == b,
                    "{} differs between 1 and {other} threads",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn a_different_seed_changes_the_results() {
    let dir = tempfile::tempdir().expect("temp dir");
    run_into(dir.path(), "a", "2", "5");
    run_into(dir.path(), "b", "2", "6");
    let a = std::fs::read(dir.path().join("a/r2_dual_source/summary.csv")).expect("read");
    let b = std::fs::read(dir.path().join("b/r2_dual_source/summary.csv")).expect("read");
    assert_ne!(a, b);
}

/// r1 cut to `months` months, as a scenario.
fn short_r1(months: u32) -> outsim::scenario::Scenario {
    let path = reference("r1_single_vendor.toml");
    let text = std::fs::read_to_string(&path)
        .expect("reference scenario")
        .replace("horizon_months = 24", &format!("horizon_months = {months}"));
    outsim::scenario::Scenario::from_toml_str(&text, &path).expect("valid")
}

/// Runs long enough to span several chunks of blocks on every thread count give the same
/// summaries, bands and per-trial outputs, in trial order.
#[test]
fn many_chunks_reduce_identically_on_any_thread_count() {
    use outsim::engine::{RunConfig, run_collect};
    let scenario = short_r1(3);
    let config = RunConfig {
        trials: 70_001,
        seed: 11,
    };
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| run_collect(&scenario, config))
    };
    let (one, one_trials) = on(1);
    assert_eq!(one_trials.len(), 70_001 * 2);
    assert_eq!(one.costs_of(1).len(), 70_001);
    for (k, m) in one_trials.iter().enumerate() {
        assert_eq!(m.cost_npv, one.costs_of(k % 2)[k / 2], "trial output {k}");
    }
    for threads in [2, 3] {
        let (other, other_trials) = on(threads);
        assert_eq!(one.summary, other.summary, "{threads} threads");
        assert_eq!(one.pairs, other.pairs, "{threads} threads");
        assert_eq!(one.monthly, other.monthly, "{threads} threads");
        assert!(
            one_trials == other_trials,
            "{threads} threads: trial outputs"
        );
    }
}

fn precision_run(dir: &Path, out: &str, threads: &str) -> serde_json::Value {
    run_r2(
        dir,
        &[
            "--precision",
            "0.01",
            "--max-trials",
            "40000",
            "--seed",
            "3",
            "--threads",
            threads,
            "--out",
            out,
            "--no-charts",
            "--quiet",
        ],
    );
    run_json_without_timing(&dir.join(out).join("r2_dual_source/run.json"))
}

/// `--precision` stops after the same number of trials on any number of threads, with
/// the same outputs, and those are the outputs of a fixed run of that many trials.
#[test]
fn precision_runs_are_deterministic_and_match_a_fixed_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let one = precision_run(dir.path(), "one", "1");
    let two = precision_run(dir.path(), "two", "2");
    assert_eq!(one, two);
    let precision = &one["precision"];
    assert_eq!(precision["reached"], serde_json::Value::Bool(true), "{one}");
    assert!(
        precision["worst_relative_half_width"]
            .as_f64()
            .expect("number")
            <= 0.01
    );
    let trials = one["trials"].as_u64().expect("trials");
    assert!(trials > 2048 && trials < 40_000, "{trials} trials");
    for f in ["summary.csv", "pairs.csv", "monthly.csv", "trials.parquet"] {
        let a = std::fs::read(dir.path().join("one/r2_dual_source").join(f)).expect("read");
        let b = std::fs::read(dir.path().join("two/r2_dual_source").join(f)).expect("read");
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
    let count = trials.to_string();
    let fixed = [
        "--trials",
        &count,
        "--seed",
        "3",
        "--out",
        "fixed",
        "--no-charts",
        "--quiet",
    ];
    run_r2(dir.path(), &fixed);
    for f in ["summary.csv", "pairs.csv", "monthly.csv", "trials.parquet"] {
        let a = std::fs::read(dir.path().join("one/r2_dual_source").join(f)).expect("read");
        let b = std::fs::read(dir.path().join("fixed/r2_dual_source").join(f)).expect("read");
        assert!(
            a == b,
            "{f}: the precision run differs from a fixed run of {trials}"
        );
    }
}

/// A target out of reach stops at `--max-trials` and says so.
#[test]
fn an_unreachable_precision_stops_at_the_maximum() {
    let dir = tempfile::tempdir().expect("temp dir");
    let result = run_r2(
        dir.path(),
        &[
            "--precision",
            "0.00001",
            "--max-trials",
            "5000",
            "--out",
            "out",
            "--no-charts",
        ],
    );
    assert!(
        super::common::stdout(&result).contains("NOT reached after the maximum of 5000 trials"),
        "{}",
        super::common::stdout(&result)
    );
    let info = run_json_without_timing(&dir.path().join("out/r2_dual_source/run.json"));
    assert_eq!(info["trials"].as_u64(), Some(5000));
    assert_eq!(info["precision"]["reached"], serde_json::Value::Bool(false));
}
