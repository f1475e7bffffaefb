//! Safe outputs: a results folder appears only when complete, whatever happens to the
//! run that writes it.
//!
//! - Ctrl-C during a run stops it promptly with exit code 130, leaves no temporary or
//!   partial folder, and leaves the previous results as they were.
//! - Two runs writing into the same `--out` at once each leave complete folders.
//! - A run that fails (invalid input, unwritable place) never touches earlier results.
//!
//! (That an unwritable `--out` is refused before simulating is in `cli.rs`.)

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{files_below, outsim, reference, stderr};

/// Copy a reference scenario into `dir` as `name`, with `edit` applied.
fn scenario_file(dir: &Path, name: &str, edit: impl Fn(String) -> String) -> String {
    let text = std::fs::read_to_string(reference("r1_single_vendor.toml")).expect("read");
    std::fs::write(dir.join(name), edit(text)).expect("write");
    name.to_string()
}

/// Entries of `out` whose names mark a temporary or set-aside folder (the lock files
/// `.<name>.lock` stay by design).
pub(crate) fn temporaries(out: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(out)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let name = p.file_name().map(|n| n.to_string_lossy().to_string());
                    name.is_some_and(|n| {
                        (n.starts_with('.') && !n.ends_with(".lock")) || n.contains(".tmp-")
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every file of a results folder with its bytes, to compare before and after.
fn snapshot(folder: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files_below(folder)
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(folder.join(&f)).expect("read");
            (f, bytes)
        })
        .collect()
}

/// A complete results folder: every table, the report, parseable JSON for `trials`.
fn assert_complete(folder: &Path, trials: u64) {
    let files = files_below(folder);
    for name in [
        "summary.csv",
        "summary.json",
        "pairs.csv",
        "monthly.csv",
        "trials.parquet",
        "run.json",
        "report.html",
    ] {
        assert!(
            files.iter().any(|f| f == Path::new(name)),
            "{name} missing in {}: {files:?}",
            folder.display()
        );
    }
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("run.json")).expect("run.json"))
            .expect("run.json is complete JSON");
    let text = run.to_string();
    assert!(text.contains(&trials.to_string()), "{text}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("summary.json")).expect("summary.json"))
            .expect("summary.json is complete JSON");
    assert!(!summary.is_null());
}

/// Send SIGINT to a child process.
fn interrupt(pid: u32) {
    let status = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

#[test]
fn ctrl_c_stops_promptly_and_keeps_the_previous_results() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario_file(dir.path(), "long.toml", |t| {
        t.replace("horizon_months = 24", "horizon_months = 600")
    });
    let first = scenario_file(dir.path(), "fresh.toml", |t| t);
    // A complete earlier result for `long`.
    let out = outsim(
        dir.path(),
        &["run", &file, "--trials", "40", "--out", "out", "--quiet"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let before = snapshot(&dir.path().join("out/long"));
    assert!(!before.is_empty());

    // A run far too long to finish before the interrupt: `long` again, and `fresh`,
    // which has no folder yet.
    let mut child = Command::new(env!("CARGO_BIN_EXE_outsim"))
        .args([
            "run", &file, &first, "--trials", "500000", "--out", "out", "--quiet",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("outsim starts");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().expect("status").is_none(),
        "the run ended before it was interrupted"
    );
    let sent = Instant::now();
    interrupt(child.id());
    let status = loop {
        if let Some(status) = child.try_wait().expect("status") {
            break status;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(30),
            "the run did not stop within 30 s of Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().expect("output");
    assert_eq!(status.code(), Some(130), "{}", stderr(&output));
    let out_dir = dir.path().join("out");
    assert!(
        temporaries(&out_dir).is_empty(),
        "left behind: {:?}",
        temporaries(&out_dir)
    );
    assert!(
        !out_dir.join("fresh").exists(),
        "an interrupted run left a folder"
    );
    assert_eq!(
        snapshot(&out_dir.join("long")),
        before,
        "the previous results changed"
    );
}

#[test]
fn two_runs_into_the_same_folder_leave_complete_results() {
    let dir = tempfile::tempdir().expect("temp dir");
    let shared = scenario_file(dir.path(), "shared.toml", |t| t);
    let mine = scenario_file(dir.path(), "mine.toml", |t| t);
    let theirs = scenario_file(dir.path(), "theirs.toml", |t| t);
    for round in 0..3 {
        let spawn = |own: &str, seed: &str| {
            Command::new(env!("CARGO_BIN_EXE_outsim"))
                .args([
                    "run", &shared, own, "--trials", "3000", "--seed", seed, "--out", "out",
                    "--quiet",
                ])
                .current_dir(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("outsim starts")
        };
        let a = spawn(&mine, "1");
        let b = spawn(&theirs, "2");
        for child in [a, b] {
            let output = child.wait_with_output().expect("output");
            assert!(
                output.status.success(),
                "round {round}: {}",
                stderr(&output)
            );
        }
        let out_dir = dir.path().join("out");
        for name in ["shared", "mine", "theirs"] {
            assert_complete(&out_dir.join(name), 3000);
        }
        // The shared folder is one run's, whole: not a mix of both.
        let run = std::fs::read_to_string(out_dir.join("shared/run.json")).expect("read");
        let summary = std::fs::read(out_dir.join("shared/summary.json")).expect("read");
        let seed_1 = run.contains("\"seed\": 1") || run.contains("\"seed\":1");
        let seed_2 = run.contains("\"seed\": 2") || run.contains("\"seed\":2");
        assert!(seed_1 != seed_2, "run.json names no single seed: {run}");
        let own = if seed_1 { "mine" } else { "theirs" };
        assert_eq!(
            summary,
            std::fs::read(out_dir.join(own).join("summary.json")).expect("read"),
            "shared/summary.json does not belong to the run that wrote shared/run.json"
        );
        assert!(
            temporaries(&out_dir).is_empty(),
            "left behind: {:?}",
            temporaries(&out_dir)
        );
        assert!(out_dir.join("index.html").is_file());
    }
}

#[test]
fn a_failed_run_leaves_the_previous_results_intact() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario_file(dir.path(), "plan.toml", |t| t);
    let out = outsim(
        dir.path(),
        &["run", &file, "--trials", "200", "--out", "out", "--quiet"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = dir.path().join("out/plan");
    let before = snapshot(&folder);

    // The same file, now invalid: refused, nothing written.
    scenario_file(dir.path(), "plan.toml", |t| {
        t.replace("max_fte = 60", "max_fte = 5")
    });
    let out = outsim(
        dir.path(),
        &["run", &file, "--trials", "200", "--out", "out", "--quiet"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(snapshot(&folder), before);

    // Valid again, but `--out` cannot be written: refused before simulating.
    scenario_file(dir.path(), "plan.toml", |t| t);
    std::fs::write(dir.path().join("blocker"), "a file").expect("write");
    let started = Instant::now();
    let out = outsim(
        dir.path(),
        &[
            "run",
            &file,
            "--trials",
            "100000000",
            "--out",
            "blocker/out",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--out must be a folder"),
        "{}",
        stderr(&out)
    );
    // A hundred million trials would take minutes: the refusal came first.
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(snapshot(&folder), before);

    // A successful run replaces the folder as a whole.
    let out = outsim(
        dir.path(),
        &["run", &file, "--trials", "300", "--out", "out", "--quiet"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_complete(&folder, 300);
    assert_ne!(snapshot(&folder), before);
    assert!(temporaries(&dir.path().join("out")).is_empty());
}

#[test]
fn a_plain_file_in_place_of_the_results_folder_is_not_destroyed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario_file(dir.path(), "plan.toml", |t| t);
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    std::fs::write(out_dir.join("plan"), "the user's notes").expect("write");
    let out = outsim(
        dir.path(),
        &[
            "run",
            &file,
            "--trials",
            "100",
            "--out",
            "out",
            "--quiet",
            "--no-charts",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a folder"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(out_dir.join("plan")).expect("still a file"),
        "the user's notes"
    );
    assert!(
        temporaries(&out_dir).is_empty(),
        "left behind: {:?}",
        temporaries(&out_dir)
    );
}
