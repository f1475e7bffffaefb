//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use outsim::engine::{self, Collect, RunOptions, TrialMetrics};
use outsim::results::Results;
use outsim::scenario::Scenario;

/// Run `scenario` for `trials` trials from `seed`, on the current rayon pool: its results
/// and every trial's outputs (trial-major, one per strategy).
pub fn run_collect(scenario: &Scenario, trials: u64, seed: u64) -> (Results, Vec<TrialMetrics>) {
    let mut sink = Collect::default();
    let raw = engine::run(scenario, RunOptions::new(trials, seed).sink(&mut sink))
        .unwrap_or_else(|e| panic!("{}: {e}", scenario.meta.name));
    (Results::new(scenario, raw), sink.0)
}

/// Run `scenario` for `trials` trials from `seed`, on the current rayon pool.
pub fn run(scenario: &Scenario, trials: u64, seed: u64) -> Results {
    let raw = engine::run(scenario, RunOptions::new(trials, seed))
        .unwrap_or_else(|e| panic!("{}: {e}", scenario.meta.name));
    Results::new(scenario, raw)
}

/// Run the `outsim` binary with `args` in `dir`.
pub fn outsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the outsim binary runs")
}

/// The project's copy of a reference scenario.
pub fn reference(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name)
}

/// Stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Every file below `dir`, as sorted relative paths.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        if let Ok(entries) = std::fs::read_dir(&d) {
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if let Ok(rel) = p.strip_prefix(dir) {
                    out.push(rel.to_path_buf());
                }
            }
        }
    }
    out.sort();
    out
}

/// One strategy of [`frozen_teams`]: its name, and its one vendor's name, rate per head,
/// units per head and heads.
pub struct Frozen<'a> {
    pub strategy: &'a str,
    pub vendor: &'a str,
    pub rate: f64,
    pub units: f64,
    pub heads: u32,
}

/// A scenario with nothing random, `name`: five months of a flat demand of 1,000 units
/// and a strategy per team, each on one vendor whose staff is frozen
/// (`initial_fte = min_fte = max_fte`: no hiring, no release), followed by `tail`.
pub fn frozen_teams(name: &str, teams: &[Frozen], tail: &str) -> String {
    let mut text = format!(
        "[scenario]\nname = \"{name}\"\nhorizon_months = 5\ntrials = 20\n\n\
         [demand]\nbase_per_month = 1000\n\n"
    );
    for t in teams {
        text.push_str(&format!(
            "[[vendors]]\nname = \"{}\"\nrate_per_fte_month = {}\nunits_per_fte_month = {}\n\
             initial_fte = {h}\nmin_fte = {h}\nmax_fte = {h}\n\n",
            t.vendor,
            t.rate,
            t.units,
            h = t.heads
        ));
    }
    for t in teams {
        text.push_str(&format!(
            "[[strategies]]\nname = \"{}\"\nallocation = [{{ vendor = \"{}\", share = 1.0 }}]\n\n",
            t.strategy, t.vendor
        ));
    }
    text.push_str(tail);
    text
}
