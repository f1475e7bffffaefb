//! Same scenario, seed and trial count: byte-identical outputs on any number of threads.

use std::path::Path;

use super::common::{files_below, outsim, reference, stderr};

fn run_into(dir: &Path, out: &str, threads: &str, seed: &str) {
    let file = reference("r2_dual_source.toml");
    let file = file.to_str().expect("utf-8 path");
    let result = outsim(
        dir,
        &[
            "run",
            file,
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
    assert!(result.status.success(), "run failed: {}", stderr(&result));
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
