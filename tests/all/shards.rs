//! `run --shard I/N` and `merge`: a run split into shards and merged is the single run,
//! byte for byte; shards that do not make one whole run are refused with nothing
//! written.

use std::path::{Path, PathBuf};

use super::common::{files_below, outsim, reference, stderr};

const TRIALS: &str = "5000";
const SEED: &str = "11";

/// The scenario the tests split: correlated inputs (realised correlations need every
/// trial's inputs) on the general month loop.
fn scenario() -> PathBuf {
    reference("r5_correlated_inputs.toml")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `outsim run` of the test scenario with `extra` arguments into `out`; must succeed.
fn run(dir: &Path, out: &str, extra: &[&str]) {
    let file = scenario();
    let mut args = vec![
        "run",
        path(&file),
        "--trials",
        TRIALS,
        "--seed",
        SEED,
        "--out",
        out,
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let result = outsim(dir, &args);
    assert!(
        result.status.success(),
        "run {extra:?}: {}",
        stderr(&result)
    );
}

/// Run every shard of `n` into `<dir>/<out>`, on varied thread counts.
fn run_shards(dir: &Path, out: &str, n: u64) {
    for i in 1..=n {
        let spec = format!("{i}/{n}");
        let threads = format!("{}", 1 + i % 3);
        run(dir, out, &["--shard", &spec, "--threads", &threads]);
    }
}

/// The shard folder of shard `i` of `n` under `<dir>/<out>`.
fn shard_folder(dir: &Path, out: &str, i: u64, n: u64) -> PathBuf {
    dir.join(out)
        .join(format!("r5_correlated_inputs.shard-{i}-of-{n}"))
}

/// `run.json` without the fields that describe the machine or the command.
fn run_json_comparable(path: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("run.json")).expect("json");
    let obj = v.as_object_mut().expect("object");
    for key in ["wall_time_seconds", "threads", "file"] {
        assert!(obj.remove(key).is_some(), "run.json has {key}");
    }
    v
}

/// Every file of the two results folders is the same (run.json up to its machine
/// fields).
fn assert_same_folders(single: &Path, merged: &Path, what: &str) {
    let files = files_below(single);
    assert!(files.iter().any(|f| f.ends_with("trials.parquet")));
    assert!(files.iter().any(|f| f.ends_with("report.html")));
    assert_eq!(files, files_below(merged), "{what}: different file lists");
    for f in &files {
        if f.ends_with("run.json") {
            assert_eq!(
                run_json_comparable(&single.join(f)),
                run_json_comparable(&merged.join(f)),
                "{what}: run.json"
            );
        } else {
            let a = std::fs::read(single.join(f)).expect("read");
            let b = std::fs::read(merged.join(f)).expect("read");
            assert!(a == b, "{what}: {} differs", f.display());
        }
    }
}

#[test]
fn merged_shards_are_the_single_run_byte_for_byte() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    run(d, "single", &["--threads", "2"]);
    let single = d.join("single/r5_correlated_inputs");
    // 5,000 trials are five blocks: 7 shards leave two empty.
    for n in [1, 2, 3, 7] {
        let shards = format!("shards{n}");
        run_shards(d, &shards, n);
        // Given in reverse order, each folder by name.
        let mut args = vec!["merge".to_string()];
        for i in (1..=n).rev() {
            args.push(path(&shard_folder(d, &shards, i, n)).to_string());
        }
        let out = format!("merged{n}");
        args.extend(["--out".to_string(), out.clone(), "--quiet".to_string()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let result = outsim(d, &args);
        assert!(result.status.success(), "merge of {n}: {}", stderr(&result));
        assert_same_folders(
            &single,
            &d.join(out).join("r5_correlated_inputs"),
            &format!("{n} shards"),
        );
    }
}

/// Exits and failures are summed per block inside the engine, not per trial: the
/// shards carry them, so `exits.csv`, the report's words and the capacity chart's
/// strip of exit months come out of the merge as out of the single run.
#[test]
fn exits_and_failures_survive_the_merge() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let file = reference("r4_sourcing_over_time.toml");
    let run = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "run",
            path(&file),
            "--trials",
            "3000",
            "--seed",
            "5",
            "--out",
            out,
            "--quiet",
            "--no-xlsx",
        ];
        args.extend_from_slice(extra);
        let result = outsim(d, &args);
        assert!(result.status.success(), "{extra:?}: {}", stderr(&result));
    };
    run("single", &[]);
    for spec in ["1/3", "2/3", "3/3"] {
        run("shards", &["--shard", spec]);
    }
    let result = outsim(
        d,
        &["merge", "shards", "--out", "merged", "--quiet", "--no-xlsx"],
    );
    assert!(result.status.success(), "merge: {}", stderr(&result));
    let single = d.join("single/r4_sourcing_over_time");
    // The scenario leaves or loses a vendor in some futures, so the test can fail.
    let exits = std::fs::read_to_string(single.join("exits.csv")).expect("exits.csv");
    assert!(
        exits.lines().skip(1).any(|row| {
            let cells: Vec<&str> = row.rsplit(',').collect();
            cells.len() > 9 && (cells[8] != "0" || cells[9] != "0")
        }),
        "no exit or failure in {exits}"
    );
    assert_same_folders(&single, &d.join("merged/r4_sourcing_over_time"), "r4");
}

#[test]
fn a_folder_of_shards_merges_and_latin_hypercube_sampling_carries_over() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let extra = ["--sampling", "lhs", "--no-charts", "--no-xlsx"];
    run(d, "single", &extra);
    for i in 1..=2 {
        let spec = format!("{i}/2");
        run(d, "shards", &["--shard", &spec, "--sampling", "lhs"]);
    }
    let result = outsim(
        d,
        &[
            "merge",
            "shards",
            "--out",
            "merged",
            "--quiet",
            "--no-charts",
            "--no-xlsx",
        ],
    );
    assert!(result.status.success(), "merge: {}", stderr(&result));
    let single = d.join("single/r5_correlated_inputs");
    let merged = d.join("merged/r5_correlated_inputs");
    let files = files_below(&single);
    assert_eq!(files, files_below(&merged));
    for f in files.iter().filter(|f| !f.ends_with("run.json")) {
        assert!(
            std::fs::read(single.join(f)).ok() == std::fs::read(merged.join(f)).ok(),
            "{} differs",
            f.display()
        );
    }
}

/// `outsim merge ARGS... --out merged` in `d` is refused with exit 2, a message
/// containing `says`, and no `merged` folder.
fn assert_refused(d: &Path, shards: &[PathBuf], says: &str) {
    let mut args = vec!["merge".to_string()];
    args.extend(shards.iter().map(|s| path(s).to_string()));
    args.extend(["--out".to_string(), "merged".to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = outsim(d, &args);
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(2), "{says}: {err}");
    assert!(err.contains(says), "expected {says:?} in: {err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!d.join("merged").exists(), "{says}: something was written");
}

#[test]
fn shards_that_do_not_make_one_run_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let extra = |spec: &'static str| ["--shard", spec, "--no-charts"];
    run(d, "a", &extra("1/3"));
    run(d, "a", &extra("2/3"));
    run(d, "a", &extra("3/3"));
    let a = |i| shard_folder(d, "a", i, 3);

    assert_refused(d, &[a(1), a(3)], "shard(s) 2 of 3 missing");
    assert_refused(d, &[a(1), a(2), a(2), a(3)], "shard 2/3 is given twice");

    // Another seed: a foreign shard.
    let other = outsim(
        d,
        &[
            "run",
            path(&scenario()),
            "--trials",
            TRIALS,
            "--seed",
            "12",
            "--out",
            "b",
            "--quiet",
            "--shard",
            "2/3",
        ],
    );
    assert!(other.status.success(), "{}", stderr(&other));
    let foreign = shard_folder(d, "b", 2, 3);
    assert_refused(
        d,
        &[a(1), foreign, a(3)],
        "its seed differs (a foreign shard)",
    );

    // Another scenario file: foreign too.
    let r2 = outsim(
        d,
        &[
            "run",
            path(&reference("r2_dual_source.toml")),
            "--trials",
            TRIALS,
            "--out",
            "c",
            "--quiet",
            "--shard",
            "2/3",
        ],
    );
    assert!(r2.status.success(), "{}", stderr(&r2));
    let other_file = d.join("c/r2_dual_source.shard-2-of-3");
    assert_refused(d, &[a(1), other_file, a(3)], "scenario file (hash) differs");

    // A truncated blocks file.
    let blocks = a(2).join("blocks.bin");
    let bytes = std::fs::read(&blocks).expect("blocks");
    std::fs::write(&blocks, &bytes[..bytes.len() - 8]).expect("truncate");
    assert_refused(d, &[a(1), a(2), a(3)], "not of the size its manifest says");
    std::fs::write(&blocks, &bytes).expect("restore");

    // A truncated events file.
    let events = a(2).join("events.bin");
    let bytes = std::fs::read(&events).expect("events");
    std::fs::write(&events, &bytes[..bytes.len() - 8]).expect("truncate");
    assert_refused(
        d,
        &[a(1), a(2), a(3)],
        "ends before the last block's events",
    );
    std::fs::write(&events, [bytes.as_slice(), &[0; 8]].concat()).expect("lengthen");
    assert_refused(d, &[a(1), a(2), a(3)], "holds more blocks than blocks.bin");
    std::fs::write(&events, &bytes).expect("restore");

    // Not a shard folder at all.
    assert_refused(d, &[d.join("nowhere")], "no such shard folder");

    // Restored, the same shards merge.
    let result = outsim(
        d,
        &["merge", "a", "--out", "merged", "--quiet", "--no-charts"],
    );
    assert!(result.status.success(), "{}", stderr(&result));
}

#[test]
fn a_shard_with_a_precision_target_or_a_bad_spec_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let file = scenario();
    for args in [
        vec!["--precision", "0.01", "--shard", "1/2"],
        vec!["--shard", "3/2"],
        vec!["--shard", "0/2"],
        vec!["--shard", "two"],
    ] {
        let mut all = vec!["run", path(&file), "--out", "out"];
        all.extend_from_slice(&args);
        let result = outsim(d, &all);
        assert_eq!(
            result.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&result)
        );
        assert!(!d.join("out").exists(), "{args:?}: something was written");
    }
    for (command, extra, says) in [
        (
            "stress",
            ["--vary", "demand.growth_annual=0.5x,1x"],
            "stress does not take --shard",
        ),
        (
            "optimize",
            ["--strategy", "Anything"],
            "optimize does not take --shard",
        ),
    ] {
        let mut all = vec![command, path(&file), "--out", "out", "--shard", "1/2"];
        all.extend_from_slice(&extra);
        let result = outsim(d, &all);
        assert_eq!(
            result.status.code(),
            Some(2),
            "{command}: {}",
            stderr(&result)
        );
        assert!(
            stderr(&result).contains(says),
            "{command}: {}",
            stderr(&result)
        );
        assert!(!d.join("out").exists(), "{command}: something was written");
    }
}
