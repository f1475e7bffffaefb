//! `optimize --shard I/N` and `merge`: a search whose first batch was simulated in
//! shards and merged is the single search, byte for byte (every file of `optimize/`);
//! shards that do not make one search are refused with nothing written.

use std::path::{Path, PathBuf};

use super::common::{files_below, outsim, reference, stderr};
use super::shards::{assert_refused, path};

const TRIALS: &str = "1024";
const SEED: &str = "11";
const EVALUATIONS: &str = "28";

/// `outsim optimize` of r2's dual source with `extra` arguments into `<d>/<out>`: the
/// test's trials, seed and budget unless `extra` gives its own; must succeed.
fn optimize(d: &Path, out: &str, extra: &[&str]) {
    let file = reference("r2_dual_source.toml");
    let mut args = vec![
        "optimize",
        path(&file),
        "--strategy",
        "Dual source",
        "--out",
        out,
        "--quiet",
    ];
    for (option, value) in [
        ("--trials", TRIALS),
        ("--seed", SEED),
        ("--evaluations", EVALUATIONS),
    ] {
        if !extra.contains(&option) {
            args.extend([option, value]);
        }
    }
    args.extend_from_slice(extra);
    let result = outsim(d, &args);
    assert!(
        result.status.success(),
        "optimize {extra:?}: {}",
        stderr(&result)
    );
}

/// The optimize shard folder of shard `i` of `n` under `<d>/<out>`.
fn shard(d: &Path, out: &str, i: u64, n: u64) -> PathBuf {
    d.join(out)
        .join(format!("r2_dual_source.optimize-shard-{i}-of-{n}"))
}

/// `outsim merge` of `shards` into `<d>/<out>` with `extra`; must succeed.
fn merge(d: &Path, shards: &[PathBuf], out: &str, extra: &[&str]) {
    let mut args = vec!["merge".to_string()];
    args.extend(shards.iter().map(|s| path(s).to_string()));
    args.extend(["--out".to_string(), out.to_string(), "--quiet".to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = outsim(d, &args);
    assert!(result.status.success(), "merge: {}", stderr(&result));
}

/// Every file of the two `optimize/` folders is the same, byte for byte.
fn assert_same_search(single: &Path, merged: &Path, what: &str) {
    let files = files_below(single);
    assert!(files.iter().any(|f| f.ends_with("optimize.csv")), "{what}");
    assert_eq!(files, files_below(merged), "{what}: different file lists");
    for f in &files {
        let a = std::fs::read(single.join(f)).expect("read");
        let b = std::fs::read(merged.join(f)).expect("read");
        assert!(a == b, "{what}: {} differs", f.display());
    }
}

#[test]
fn merged_optimize_shards_are_the_single_search_byte_for_byte() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    optimize(d, "single", &["--threads", "2", "--format", "svg"]);
    let single = d.join("single/r2_dual_source/optimize");
    assert!(
        files_below(&single)
            .iter()
            .any(|f| f.ends_with("report.html")),
        "the search wrote its report"
    );
    // Ten candidates in the first batch (the start and a Latin hypercube of one more
    // point than the nine coordinates): seven shards hold one or two each, and twelve
    // leave two shards empty.
    for n in [1u64, 2, 3, 7, 12] {
        let out = format!("shards{n}");
        for i in 1..=n {
            let spec = format!("{i}/{n}");
            let threads = format!("{}", 1 + i % 2);
            optimize(d, &out, &["--shard", &spec, "--threads", &threads]);
        }
        // Given in a shuffled order, each folder by name.
        let mut order: Vec<u64> = (1..=n).collect();
        order.rotate_left((n / 2) as usize);
        order.reverse();
        let shards: Vec<PathBuf> = order.iter().map(|&i| shard(d, &out, i, n)).collect();
        let merged = format!("merged{n}");
        merge(d, &shards, &merged, &["--format", "svg"]);
        assert_same_search(
            &single,
            &d.join(merged).join("r2_dual_source/optimize"),
            &format!("{n} optimize shards"),
        );
    }
}

#[test]
fn the_sampling_and_objective_of_the_shards_carry_over_to_the_merge() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let extra = ["--sampling", "lhs", "--objective", "p95", "--no-charts"];
    optimize(d, "single", &extra);
    for spec in ["1/2", "2/2"] {
        optimize(d, "shards", &[&extra[..], &["--shard", spec]].concat());
    }
    merge(d, &[d.join("shards")], "merged", &["--no-charts"]);
    let single = d.join("single/r2_dual_source/optimize");
    let best = std::fs::read_to_string(single.join("best.toml")).expect("best.toml");
    assert!(best.contains("sampling = \"lhs\""), "{best}");
    assert_same_search(&single, &d.join("merged/r2_dual_source/optimize"), "lhs");
}

/// Shards whose `--search` options name the same levers over the same ranges, written
/// differently (spaces, `0.50` for `0.5`), make one search; another range does not.
#[test]
fn shards_with_the_same_levers_written_differently_make_one_search() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let written = |range: &'static str| {
        [
            "--search",
            range,
            "--search",
            "ip_protection",
            "--no-charts",
        ]
    };
    optimize(d, "single", &written("capacity_buffer=0..0.5"));
    optimize(
        d,
        "shards",
        &[&written("capacity_buffer=0..0.5")[..], &["--shard", "1/2"]].concat(),
    );
    optimize(
        d,
        "shards",
        &[
            &written(" capacity_buffer = 0 .. 0.50")[..],
            &["--shard", "2/2"],
        ]
        .concat(),
    );
    merge(d, &[d.join("shards")], "together", &["--no-charts"]);
    assert_same_search(
        &d.join("single/r2_dual_source/optimize"),
        &d.join("together/r2_dual_source/optimize"),
        "written differently",
    );
    optimize(
        d,
        "other",
        &[&written("capacity_buffer=0..0.55")[..], &["--shard", "2/2"]].concat(),
    );
    assert_refused(
        d,
        &[shard(d, "shards", 1, 2), shard(d, "other", 2, 2)],
        "its --search options differs",
    );
}

#[test]
fn optimize_shards_that_do_not_make_one_search_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    for spec in ["1/3", "2/3", "3/3"] {
        optimize(d, "a", &["--shard", spec]);
    }
    let a = |i| shard(d, "a", i, 3);

    assert_refused(d, &[a(1), a(3)], "shard(s) 2 of 3 missing");
    assert_refused(d, &[a(1), a(2), a(2), a(3)], "shard 2/3 is given twice");
    for flag in ["--no-xlsx", "--no-trials-file"] {
        let result = outsim(d, &["merge", "a", "--out", "merged", flag]);
        assert_eq!(result.status.code(), Some(2), "{flag}: {}", stderr(&result));
        assert!(
            stderr(&result).contains("applies to run shards only"),
            "{flag}"
        );
        assert!(!d.join("merged").exists(), "{flag}: something was written");
    }

    // Another seed, budget, lever set, objective or N: foreign shards.
    for (out, extra, says) in [
        ("seed", &["--seed", "12"][..], "its seed differs"),
        (
            "budget",
            &["--evaluations", "32"],
            "its --evaluations differs",
        ),
        (
            "levers",
            &["--search", "capacity_buffer=0..0.5"],
            "its --search options differs",
        ),
        (
            "objective",
            &["--objective", "cvar95"],
            "its --objective differs",
        ),
        ("trials", &["--trials", "2048"], "its trial count differs"),
    ] {
        optimize(d, out, &[extra, &["--shard", "2/3"]].concat());
        assert_refused(d, &[a(1), shard(d, out, 2, 3), a(3)], says);
    }
    optimize(d, "four", &["--shard", "2/4"]);
    assert_refused(
        d,
        &[a(1), shard(d, "four", 2, 4), a(3)],
        "its shard count N differs",
    );

    // A stress grid's shard among a search's.
    let file = reference("r2_dual_source.toml");
    let stress = outsim(
        d,
        &[
            "stress",
            path(&file),
            "--trials",
            TRIALS,
            "--out",
            "grid",
            "--quiet",
            "--vary",
            "vendors.Offshore.max_fte=60,90",
            "--shard",
            "1/1",
        ],
    );
    assert!(stress.status.success(), "{}", stderr(&stress));
    assert_refused(
        d,
        &[
            a(1),
            d.join("grid/r2_dual_source.stress-shard-1-of-1"),
            a(3),
        ],
        "merge each command's shards on their own",
    );

    // A damaged candidates file: cut short, lengthened, missing, or another shard's.
    let candidates = a(2).join("candidates.bin");
    let bytes = std::fs::read(&candidates).expect("candidates");
    std::fs::write(&candidates, &bytes[..bytes.len() - 8]).expect("truncate");
    assert_refused(d, &[a(1), a(2), a(3)], "ends in the middle of a candidate");
    std::fs::write(&candidates, [bytes.as_slice(), &[0; 8]].concat()).expect("lengthen");
    assert_refused(d, &[a(1), a(2), a(3)], "holds more than its candidates");
    std::fs::remove_file(&candidates).expect("remove");
    assert_refused(d, &[a(1), a(2), a(3)], "candidates.bin: cannot read");
    // Shard 1's candidates in shard 2's place: as many (three each of ten), other ones.
    std::fs::copy(a(1).join("candidates.bin"), &candidates).expect("swap");
    assert_refused(
        d,
        &[a(1), a(2), a(3)],
        "candidates.bin: its candidates are not those of the search",
    );
    std::fs::write(&candidates, &bytes).expect("restore");

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

    // A manifest edited to claim other candidates.
    let manifest = a(2).join("manifest.json");
    let original = std::fs::read_to_string(&manifest).expect("manifest");
    let mut edited: serde_json::Value = serde_json::from_str(&original).expect("json");
    edited["end_candidate"] = serde_json::json!(1);
    std::fs::write(&manifest, edited.to_string()).expect("edit");
    assert_refused(d, &[a(1), a(2), a(3)], "should hold candidates");
    std::fs::write(&manifest, &original).expect("restore");

    // Whole again, the three merge.
    merge(d, &[a(3), a(1), a(2)], "merged", &["--no-charts"]);
    assert!(
        d.join("merged/r2_dual_source/optimize/optimize.csv")
            .is_file()
    );
}
