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

pub(super) fn path(p: &Path) -> &str {
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
pub(super) fn assert_refused(d: &Path, shards: &[PathBuf], says: &str) {
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

    // A shard written by another outsim.
    let manifest = a(2).join("manifest.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let other = text.replace(
        &format!("\"outsim_version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"outsim_version\": \"0.0.0-other\"",
    );
    assert_ne!(other, text, "the manifest names outsim's version");
    std::fs::write(&manifest, other).expect("edit");
    assert_refused(d, &[a(1), a(2), a(3)], "was written by outsim 0.0.0-other");
    std::fs::write(&manifest, text).expect("restore");

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
    for spec in ["3/2", "0/2", "two"] {
        let result = outsim(
            d,
            &[
                "optimize",
                path(&file),
                "--out",
                "out",
                "--shard",
                spec,
                "--strategy",
                "Dual source",
            ],
        );
        assert_eq!(result.status.code(), Some(2), "{spec}: {}", stderr(&result));
        assert!(
            stderr(&result).contains("is not I/N"),
            "{}",
            stderr(&result)
        );
        assert!(
            !d.join("out").exists(),
            "optimize {spec}: something was written"
        );
    }
    for spec in ["3/2", "0/2", "two"] {
        let result = outsim(
            d,
            &[
                "stress",
                path(&file),
                "--out",
                "out",
                "--vary",
                "demand.growth_annual=0.5x,1x",
                "--shard",
                spec,
            ],
        );
        assert_eq!(result.status.code(), Some(2), "{spec}: {}", stderr(&result));
        assert!(
            !d.join("out").exists(),
            "stress {spec}: something was written"
        );
    }
}

/// The stress grid the tests split: two KEYs, six cells, so that seven shards leave
/// one empty.
const STRESS_TRIALS: &str = "2000";
const VARY: [&str; 4] = [
    "--vary",
    "vendors.Offshore.max_fte=60,90",
    "--vary",
    "demand.base_per_month=0.8x,1x,1.2x",
];

/// `outsim stress` of the grid on r2_dual_source into `<d>/<out>` with `extra`; must
/// succeed.
fn stress(d: &Path, out: &str, extra: &[&str]) {
    let file = reference("r2_dual_source.toml");
    let mut args = vec!["stress", path(&file), "--out", out, "--quiet"];
    // The test's trials and seed unless `extra` gives its own.
    for (option, value) in [("--trials", STRESS_TRIALS), ("--seed", SEED)] {
        if !extra.contains(&option) {
            args.extend([option, value]);
        }
    }
    args.extend_from_slice(&VARY);
    args.extend_from_slice(extra);
    let result = outsim(d, &args);
    assert!(
        result.status.success(),
        "stress {extra:?}: {}",
        stderr(&result)
    );
}

/// The stress shard folder of shard `i` of `n` under `<d>/<out>`.
fn stress_shard(d: &Path, out: &str, i: u64, n: u64) -> PathBuf {
    d.join(out)
        .join(format!("r2_dual_source.stress-shard-{i}-of-{n}"))
}

/// Every file of the two `stress/` folders is the same, byte for byte.
fn assert_same_stress(single: &Path, merged: &Path, what: &str) {
    let files = files_below(single);
    assert!(files.iter().any(|f| f.ends_with("stress.csv")), "{what}");
    assert_eq!(files, files_below(merged), "{what}: different file lists");
    for f in &files {
        let a = std::fs::read(single.join(f)).expect("read");
        let b = std::fs::read(merged.join(f)).expect("read");
        assert!(a == b, "{what}: {} differs", f.display());
    }
}

#[test]
fn merged_stress_shards_are_the_single_stress_byte_for_byte() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    stress(d, "single", &["--no-charts", "--threads", "2"]);
    let single = d.join("single/r2_dual_source/stress");
    for n in [1u64, 2, 3, 7] {
        let shards = format!("shards{n}");
        for i in 1..=n {
            let spec = format!("{i}/{n}");
            let threads = format!("{}", 1 + i % 2);
            stress(d, &shards, &["--shard", &spec, "--threads", &threads]);
        }
        // Given in a shuffled order, each folder by name.
        let mut order: Vec<u64> = (1..=n).collect();
        order.rotate_left((n / 2) as usize);
        order.reverse();
        let mut args = vec!["merge".to_string()];
        args.extend(
            order
                .iter()
                .map(|&i| path(&stress_shard(d, &shards, i, n)).to_string()),
        );
        let out = format!("merged{n}");
        args.extend([
            "--out".to_string(),
            out.clone(),
            "--quiet".to_string(),
            "--no-charts".to_string(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let result = outsim(d, &args);
        assert!(result.status.success(), "merge of {n}: {}", stderr(&result));
        assert_same_stress(
            &single,
            &d.join(out).join("r2_dual_source/stress"),
            &format!("{n} stress shards"),
        );
    }
}

#[test]
fn merged_stress_shards_draw_the_single_stress_charts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let extra = ["--metric", "p95-cost", "--format", "svg"];
    stress(d, "single", &extra);
    for spec in ["1/4", "2/4", "3/4", "4/4"] {
        stress(d, "shards", &[&extra[..], &["--shard", spec]].concat());
    }
    // A folder holding the shards; the charts' format belongs to the merge.
    let result = outsim(
        d,
        &[
            "merge", "shards", "--out", "merged", "--quiet", "--format", "svg",
        ],
    );
    assert!(result.status.success(), "merge: {}", stderr(&result));
    let single = d.join("single/r2_dual_source/stress");
    assert!(
        files_below(&single)
            .iter()
            .any(|f| f.extension().is_some_and(|x| x == "svg")),
        "no chart in {}",
        single.display()
    );
    assert_same_stress(&single, &d.join("merged/r2_dual_source/stress"), "charts");
}

#[test]
fn stress_shards_that_do_not_make_one_grid_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    for spec in ["1/3", "2/3", "3/3"] {
        stress(d, "a", &["--shard", spec]);
    }
    let a = |i| stress_shard(d, "a", i, 3);

    assert_refused(d, &[a(1), a(3)], "shard(s) 2 of 3 missing");
    assert_refused(d, &[a(1), a(2), a(2), a(3)], "shard 2/3 is given twice");
    // Flags that skip files a stress grid does not write ask for a run merge.
    for flag in ["--no-xlsx", "--no-trials-file"] {
        let result = outsim(d, &["merge", "a", "--out", "merged", flag]);
        assert_eq!(result.status.code(), Some(2), "{flag}: {}", stderr(&result));
        assert!(
            stderr(&result).contains("applies to run shards only"),
            "{flag}"
        );
        assert!(!d.join("merged").exists(), "{flag}: something was written");
    }

    // Another seed, other --vary options, another N: foreign shards.
    stress(d, "seed", &["--shard", "2/3", "--seed", "12"]);
    assert_refused(
        d,
        &[a(1), stress_shard(d, "seed", 2, 3), a(3)],
        "its seed differs (a foreign shard)",
    );
    let file = reference("r2_dual_source.toml");
    let other = outsim(
        d,
        &[
            "stress",
            path(&file),
            "--trials",
            STRESS_TRIALS,
            "--seed",
            SEED,
            "--out",
            "vary",
            "--quiet",
            "--vary",
            "vendors.Offshore.max_fte=60,90",
            "--vary",
            "demand.base_per_month=0.8x,1x,1.3x",
            "--shard",
            "2/3",
        ],
    );
    assert!(other.status.success(), "{}", stderr(&other));
    assert_refused(
        d,
        &[a(1), stress_shard(d, "vary", 2, 3), a(3)],
        "its --vary options differs",
    );
    // The same grid written otherwise (quotes, spaces) is the same grid.
    let respaced = outsim(
        d,
        &[
            "stress",
            path(&file),
            "--trials",
            STRESS_TRIALS,
            "--seed",
            SEED,
            "--out",
            "respaced",
            "--quiet",
            "--vary",
            "vendors.\"Offshore\".max_fte = 60, 90",
            "--vary",
            "demand.base_per_month=0.8x, 1x, 1.2x",
            "--shard",
            "2/3",
        ],
    );
    assert!(respaced.status.success(), "{}", stderr(&respaced));
    let merged = outsim(
        d,
        &[
            "merge",
            path(&a(1)),
            path(&stress_shard(d, "respaced", 2, 3)),
            path(&a(3)),
            "--out",
            "respaced-merged",
            "--quiet",
        ],
    );
    assert!(merged.status.success(), "{}", stderr(&merged));
    stress(d, "trials", &["--shard", "2/3", "--trials", "1000"]);
    assert_refused(
        d,
        &[a(1), stress_shard(d, "trials", 2, 3), a(3)],
        "its trial count differs",
    );
    stress(d, "four", &["--shard", "2/4"]);
    assert_refused(
        d,
        &[a(1), stress_shard(d, "four", 2, 4), a(3)],
        "its shard count N differs",
    );

    // A run's shard among a stress grid's.
    run(d, "run", &["--shard", "2/3", "--no-charts"]);
    assert_refused(
        d,
        &[a(1), shard_folder(d, "run", 2, 3), a(3)],
        "merge each command's shards on their own",
    );

    // A damaged cells file: cut short, lengthened, or missing.
    let cells = a(2).join("cells.bin");
    let bytes = std::fs::read(&cells).expect("cells");
    std::fs::write(&cells, &bytes[..bytes.len() - 8]).expect("truncate");
    assert_refused(d, &[a(1), a(2), a(3)], "ends in the middle of a cell");
    std::fs::write(&cells, [bytes.as_slice(), &[0; 8]].concat()).expect("lengthen");
    assert_refused(d, &[a(1), a(2), a(3)], "holds more than its cells");
    std::fs::remove_file(&cells).expect("remove");
    assert_refused(d, &[a(1), a(2), a(3)], "cells.bin: cannot read");
    std::fs::write(&cells, &bytes).expect("restore");

    // Another scenario.toml than the one the shard ran.
    let scenario = a(3).join("scenario.toml");
    let text = std::fs::read(&scenario).expect("scenario");
    std::fs::write(&scenario, [text.as_slice(), b"\n"].concat()).expect("change");
    assert_refused(
        d,
        &[a(1), a(2), a(3)],
        "is not the scenario file the shard ran",
    );
    std::fs::write(&scenario, &text).expect("restore");

    // A manifest edited to claim other cells.
    let manifest = a(1).join("manifest.json");
    let json = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(
        &manifest,
        json.replace("\"end_cell\": 2", "\"end_cell\": 3"),
    )
    .expect("edit");
    assert_refused(d, &[a(1), a(2), a(3)], "should hold cells 0..2");
    std::fs::write(&manifest, &json).expect("restore");

    // Restored, the same shards merge.
    let result = outsim(
        d,
        &["merge", "a", "--out", "merged", "--quiet", "--no-charts"],
    );
    assert!(result.status.success(), "{}", stderr(&result));
    assert!(d.join("merged/r2_dual_source/stress/stress.csv").is_file());
}
