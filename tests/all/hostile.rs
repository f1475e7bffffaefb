//! Hostile folders, links, signals and neighbours: outsim replaces only folders it
//! wrote, never writes outside `--out` or through a link, keeps sub-results when
//! processes race, leaves no temporary folder after any signal (and clears those of
//! processes that were killed), refuses a run that cannot fit the machine, says what is
//! wrong with odd paths, and reports every scenario that fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::Duration;

use crate::common::{files_below, outsim, reference, stderr};
use crate::safe_outputs::temporaries;

/// Copy the reference scenario r1 to `dir/name`, with `edit` applied.
fn scenario(dir: &Path, name: &str, edit: impl Fn(String) -> String) -> String {
    let text = std::fs::read_to_string(reference("r1_single_vendor.toml")).expect("read");
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&path, edit(text)).expect("write");
    name.to_string()
}

/// A scenario whose runs take long enough to be interrupted.
fn long(t: String) -> String {
    t.replace("horizon_months = 24", "horizon_months = 600")
}

/// A small run of `file` into `out`, without charts.
fn run_small(dir: &Path, file: &str, out: &str) -> Output {
    outsim(
        dir,
        &["run", file, "--trials", "20", "--out", out, "--no-charts"],
    )
}

fn spawn(dir: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_outsim"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("outsim starts")
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {pid}");
}

/// Start a run far too long to finish in `dir`, and wait until it writes its staging
/// folder in `dir/out` (so that it is surely running and its handler is in place).
fn start_long_run(dir: &Path) -> Child {
    let file = scenario(dir, "long.toml", long);
    let mut child = spawn(
        dir,
        &[
            "run", &file, "--trials", "500000", "--out", "out", "--quiet",
        ],
    );
    let out = dir.join("out");
    while temporaries(&out).is_empty() && child.try_wait().expect("status").is_none() {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        child.try_wait().expect("status").is_none(),
        "the run ended before it was interrupted"
    );
    child
}

fn finish(child: Child) -> (ExitStatus, Output) {
    let output = child.wait_with_output().expect("output");
    (output.status, output)
}

#[test]
fn a_folder_outsim_did_not_write_is_refused_and_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "data.toml", |t| t);
    std::fs::create_dir(dir.path().join("data")).expect("mkdir");
    std::fs::write(dir.path().join("data/notes.txt"), "mine").expect("write");
    let out = run_small(dir.path(), &file, ".");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not written by outsim"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        files_below(&dir.path().join("data")),
        vec![PathBuf::from("notes.txt")]
    );
    assert!(temporaries(dir.path()).is_empty());
}

#[test]
fn the_folder_holding_the_scenario_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "r1/r1.toml", |t| t);
    std::fs::write(dir.path().join("r1/notes.md"), "mine").expect("write");
    // Even marked as outsim's, the folder holding the scenario is not replaced.
    std::fs::write(dir.path().join("r1/.outsim-results"), "").expect("write");
    let out = run_small(dir.path(), &file, ".");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("holds the scenario file"),
        "{}",
        stderr(&out)
    );
    assert!(dir.path().join("r1/r1.toml").is_file());
    assert!(dir.path().join("r1/notes.md").is_file());
}

#[test]
fn a_folder_of_an_earlier_outsim_version_is_replaced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "plan.toml", |t| t);
    let old = dir.path().join("out/plan");
    std::fs::create_dir_all(&old).expect("mkdir");
    std::fs::write(old.join("run.json"), r#"{"outsim_version": "0.0.1"}"#).expect("write");
    std::fs::write(old.join("stale.csv"), "old").expect("write");
    let out = run_small(dir.path(), &file, "out");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!old.join("stale.csv").exists());
    assert!(old.join("summary.csv").is_file());
}

#[test]
fn stress_and_sensitivity_do_not_write_through_a_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "plan.toml", |t| t);
    std::fs::create_dir_all(dir.path().join("out")).expect("mkdir");
    std::fs::create_dir(dir.path().join("elsewhere")).expect("mkdir");
    std::os::unix::fs::symlink("../elsewhere", dir.path().join("out/plan")).expect("link");
    let commands: [&[&str]; 2] = [
        &["stress", &file, "--vary", "vendors.Vendor.max_fte=40,60"],
        &["sensitivity", &file],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.extend(["--trials", "20", "--out", "out", "--no-charts", "--quiet"]);
        let out = outsim(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{command:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
        assert!(
            files_below(&dir.path().join("elsewhere")).is_empty(),
            "{command:?} wrote through the link"
        );
    }
}

#[test]
fn stems_that_are_not_plain_names_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "...toml", |t| t);
    let inner = dir.path().join("out/inner");
    std::fs::create_dir_all(&inner).expect("mkdir");
    let commands: [&[&str]; 3] = [
        &["run", &file],
        &["stress", &file, "--vary", "vendors.Vendor.max_fte=40,60"],
        &["sensitivity", &file],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.extend(["--trials", "20", "--out", "out/inner", "--no-charts"]);
        let out = outsim(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{command:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("\"..\""), "{}", stderr(&out));
        assert!(
            files_below(&dir.path().join("out")).is_empty(),
            "{command:?} wrote {:?}",
            files_below(&dir.path().join("out"))
        );
    }
}

#[test]
fn a_stem_too_long_for_the_folders_named_after_it_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    // 201 bytes: a file name the filesystem takes, whose results or shard folder it
    // would not.
    let name = format!("{}.toml", "é".repeat(100) + "a");
    let file = scenario(dir.path(), &name, |t| t);
    let commands: [&[&str]; 6] = [
        &["run", &file],
        &["run", &file, "--shard", "1/2"],
        &["stress", &file, "--vary", "vendors.Vendor.max_fte=40,60"],
        &[
            "stress",
            &file,
            "--vary",
            "vendors.Vendor.max_fte=40,60",
            "--shard",
            "1/2",
        ],
        &["sensitivity", &file],
        &["optimize", &file, "--strategy", "Lean", "--shard", "1/2"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.extend(["--trials", "20", "--out", "out", "--no-charts"]);
        let out = outsim(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{command:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("is longer than 200 bytes"),
            "{command:?}: {}",
            stderr(&out)
        );
        assert!(
            files_below(&dir.path().join("out")).is_empty(),
            "{command:?} wrote {:?}",
            files_below(&dir.path().join("out"))
        );
    }
    // 200 bytes runs, shards and merges.
    let name = format!("{}.toml", "é".repeat(100));
    let file = scenario(dir.path(), &name, |t| t);
    for shard in ["1/2", "2/2"] {
        let out = outsim(
            dir.path(),
            &[
                "run", &file, "--trials", "2048", "--out", "shards", "--shard", shard, "-q",
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = outsim(
        dir.path(),
        &["merge", "shards", "--out", "fits", "--no-charts", "-q"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn carrying_sub_results_over_never_follows_a_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "plan.toml", |t| t);
    let args = [
        "run",
        &file,
        "--trials",
        "20",
        "--out",
        "out",
        "--no-charts",
        "--quiet",
    ];
    assert!(outsim(dir.path(), &args).status.success());
    let stress = dir.path().join("out/plan/stress");
    std::fs::create_dir_all(&stress).expect("mkdir");
    std::fs::write(stress.join("stress.csv"), "kept").expect("write");
    std::fs::write(dir.path().join("secret.txt"), "outside").expect("write");
    std::os::unix::fs::symlink("../../../secret.txt", stress.join("secret.txt")).expect("link");
    std::os::unix::fs::symlink(".", stress.join("here")).expect("link");
    std::os::unix::fs::symlink(".", stress.join("there")).expect("link");

    let out = outsim(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not carried over"),
        "{}",
        stderr(&out)
    );
    assert_eq!(files_below(&stress), vec![PathBuf::from("stress.csv")]);
    assert!(
        std::fs::symlink_metadata(stress.join("secret.txt")).is_err(),
        "the link, or the file behind it, was carried over"
    );
    assert!(temporaries(&dir.path().join("out")).is_empty());
}

#[test]
fn concurrent_stress_and_run_keep_the_stress_results() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "plan.toml", |t| t);
    let common = ["--trials", "10", "--out", "out", "--no-charts", "--quiet"];
    for round in 0..32 {
        let out_plan = dir.path().join("out/plan");
        let _ = std::fs::remove_dir_all(&out_plan);
        let mut stress = vec!["stress", &file, "--vary", "vendors.Vendor.max_fte=40,60"];
        stress.extend(common);
        let mut run = vec!["run", &file];
        run.extend(common);
        let children = [spawn(dir.path(), &stress), spawn(dir.path(), &run)];
        for child in children {
            let (status, output) = finish(child);
            assert!(status.success(), "round {round}: {}", stderr(&output));
        }
        assert!(
            out_plan.join("stress/stress.csv").is_file(),
            "round {round}: stress/ vanished"
        );
        assert!(out_plan.join("summary.csv").is_file(), "round {round}");
    }
}

#[test]
fn sigterm_and_sighup_stop_a_run_and_leave_no_temporary_folder() {
    for name in ["TERM", "HUP"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let child = start_long_run(dir.path());
        signal(child.id(), name);
        let (status, output) = finish(child);
        assert_eq!(status.code(), Some(130), "SIG{name}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("no results were written"),
            "{}",
            stderr(&output)
        );
        let left = temporaries(&dir.path().join("out"));
        assert!(left.is_empty(), "SIG{name} left {left:?}");
        assert!(!dir.path().join("out/long").exists());
    }
}

#[test]
fn two_interrupts_in_a_row_leave_no_temporary_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let child = start_long_run(dir.path());
    signal(child.id(), "INT");
    std::thread::sleep(Duration::from_millis(10));
    // The process may already have ended after the first.
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let (status, output) = finish(child);
    assert_eq!(status.code(), Some(130), "{}", stderr(&output));
    let left = temporaries(&dir.path().join("out"));
    assert!(left.is_empty(), "left {left:?}");
}

#[test]
fn stress_and_sensitivity_handle_signals() {
    let commands: [&[&str]; 2] = [
        &[
            "stress",
            "long.toml",
            "--vary",
            "vendors.Vendor.max_fte=40,60,80",
        ],
        &["sensitivity", "long.toml"],
    ];
    for command in commands {
        let dir = tempfile::tempdir().expect("temp dir");
        scenario(dir.path(), "long.toml", long);
        let mut args = command.to_vec();
        args.extend(["--trials", "200000", "--out", "out", "--quiet"]);
        let mut child = spawn(dir.path(), &args);
        // `--out` is created after the handler is in place.
        while !dir.path().join("out").exists() && child.try_wait().expect("status").is_none() {
            std::thread::sleep(Duration::from_millis(20));
        }
        signal(child.id(), "TERM");
        let (status, output) = finish(child);
        assert_eq!(status.code(), Some(130), "{command:?}: {}", stderr(&output));
        let left = temporaries(&dir.path().join("out"));
        assert!(left.is_empty(), "{command:?} left {left:?}");
        assert!(!dir.path().join("out/long").exists());
    }
}

#[test]
fn temporaries_of_ended_processes_are_removed_and_others_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "plan.toml", |t| t);
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).expect("mkdir");
    // A process that has ended: its pid no longer exists.
    let mut ended = Command::new("true").spawn().expect("true runs");
    ended.wait().expect("wait");
    let gone = ended.id();
    let stale = out_dir.join(format!(".plan.tmp-{gone}-0"));
    std::fs::create_dir(&stale).expect("mkdir");
    std::fs::write(stale.join("trials.parquet"), "partial").expect("write");
    let stale_old = out_dir.join(format!(".other.stress.old-{gone}-3"));
    std::fs::create_dir(&stale_old).expect("mkdir");
    // A live process's, and names that are not outsim's pattern.
    let live = out_dir.join(format!(".plan.tmp-{}-0", std::process::id()));
    std::fs::create_dir(&live).expect("mkdir");
    let unrelated = [
        out_dir.join(format!(".notes.bak-{gone}-0")),
        out_dir.join(format!("plan.tmp-{gone}-0")),
    ];
    for path in &unrelated {
        std::fs::create_dir(path).expect("mkdir");
    }
    let out = run_small(dir.path(), &file, "out");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stale.exists(), "the stale temporary folder is still there");
    assert!(!stale_old.exists());
    assert!(
        live.exists(),
        "a live process's temporary folder was removed"
    );
    for path in &unrelated {
        assert!(path.exists(), "{} was removed", path.display());
    }
}

#[test]
fn a_killed_shard_leaves_a_temporary_that_the_next_shard_removes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "plan.toml", long);
    let shards = dir.path().join("shards");
    let mut child = spawn(
        dir.path(),
        &[
            "run", &file, "--trials", "1000000", "--out", "shards", "--shard", "1/2",
        ],
    );
    // Its folder is written into a temporary sibling while it runs.
    let mut waited = 0;
    while temporaries(&shards).is_empty() && waited < 600 {
        std::thread::sleep(Duration::from_millis(50));
        waited += 1;
    }
    let left = temporaries(&shards);
    assert_eq!(
        left.len(),
        1,
        "no temporary shard folder appeared: {left:?}"
    );
    signal(child.id(), "KILL");
    child.wait().expect("wait");
    assert!(left[0].exists(), "SIGKILL runs no clean-up");
    assert!(!shards.join("plan.shard-1-of-2").exists());
    // The next command writing shards there removes it.
    let out = outsim(
        dir.path(),
        &[
            "run", &file, "--trials", "1024", "--out", "shards", "--shard", "2/2", "-q",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        temporaries(&shards).is_empty(),
        "{:?}",
        temporaries(&shards)
    );
    assert!(shards.join("plan.shard-2-of-2/manifest.json").is_file());
}

#[test]
fn a_run_that_cannot_fit_the_machine_is_refused_before_it_starts() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Sixteen strategies: a billion trials keep 256 GB and write 1.5 TB.
    let file = scenario(dir.path(), "big.toml", |t| {
        let (head, tail) = t.split_at(t.find("[[strategies]]").expect("strategies"));
        let (strategies, objectives) =
            tail.split_at(tail.find("[objectives]").expect("objectives"));
        let mut text = head.to_string();
        for i in 0..8 {
            text.push_str(
                &strategies
                    .replace("\"Lean\"", &format!("\"Lean {i}\""))
                    .replace("\"Buffered and protected\"", &format!("\"Buffered {i}\"")),
            );
        }
        text + objectives
    });
    let out = outsim(
        dir.path(),
        &["run", &file, "--trials", "1000000000", "--out", "out"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("would need about") || text.contains("would write about"),
        "{text}"
    );
    assert!(text.contains("--trials"), "{text}");
    assert!(!dir.path().join("out/big").exists());
    assert!(temporaries(&dir.path().join("out")).is_empty());
}

#[test]
fn no_trials_file_skips_trials_parquet() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "plan.toml", |t| t);
    let out = outsim(
        dir.path(),
        &[
            "run",
            &file,
            "--trials",
            "50",
            "--out",
            "out",
            "--no-charts",
            "--no-trials-file",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = dir.path().join("out/plan");
    assert!(folder.join("summary.csv").is_file());
    assert!(!folder.join("trials.parquet").exists());
}

#[test]
fn odd_paths_are_named_for_what_they_are() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = scenario(dir.path(), "plan.toml", |t| t);
    let status = Command::new("mkfifo")
        .arg(dir.path().join("pipe.toml"))
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let out = outsim(dir.path(), &["run", "pipe.toml", "--out", "out"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    let out = outsim(dir.path(), &["stress", "pipe.toml", "--vary", "a=1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );

    let out = outsim(dir.path(), &["run", &file, "--out", "/proc/self"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot create files in this folder"),
        "{}",
        stderr(&out)
    );

    std::fs::write(dir.path().join("results"), "a file").expect("write");
    for out_arg in ["results", "results/inner"] {
        let out = outsim(dir.path(), &["run", &file, "--out", out_arg]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("--out must be a folder"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn every_scenario_that_fails_while_running_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    // An --out path so deep (3,890 bytes) that the results folder of a 200-byte stem
    // still has a path (4,091 bytes, under the 4,095 a path may have), so it passes
    // every check, but its temporary folder beside it (`.<stem>.tmp-<pid>-<n>`) does
    // not: those two fail while running, the short-named one is written.
    let first = scenario(dir.path(), &format!("{}.toml", "a".repeat(200)), |t| t);
    let second = scenario(dir.path(), &format!("{}.toml", "b".repeat(200)), |t| t);
    let good = scenario(dir.path(), "good.toml", |t| t);
    let mut deep = String::from("out");
    for _ in 0..15 {
        deep.push('/');
        deep.push_str(&"d".repeat(250));
    }
    deep.push('/');
    deep.push_str(&"e".repeat(3890 - deep.len()));
    assert_eq!(deep.len(), 3890);
    let out = outsim(
        dir.path(),
        &[
            "run",
            &first,
            &good,
            &second,
            "--trials",
            "20",
            "--out",
            &deep,
            "--no-charts",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains(&"a".repeat(200)), "{text}");
    assert!(text.contains(&"b".repeat(200)), "{text}");
    assert!(text.contains("2 of 3"), "{text}");
    assert!(dir.path().join(&deep).join("good/summary.csv").is_file());
}
