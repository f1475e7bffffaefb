//! What model v2's general month loop costs, on one scenario with and without the keys
//! that select it: `cargo bench --bench general`.
//!
//! The scenario is reference case 3 (`tests/reference/r3_contracts_currency.toml`: a
//! per-head vendor billing in pesos with tiers and a capped escalation, a per-resolved-case
//! vendor with a take-or-pay floor, and a split between them). Its version 1 twin drops
//! every model v2 key (the currency, the contracts, release costs) and bills the second
//! vendor per head, so it runs on version 1's tuned loops (`super::lanes`) with the same
//! strategies, vendors and months. Both are timed on one thread, one after the other and
//! repeatedly (`-- --repeat N`, 5 by default; the fastest of each is kept, since on a
//! shared machine other work only ever slows a run down), at 20,000 trials (`-- --trials
//! N`), and the table gives nanoseconds per vendor-month and the ratio. Issue #14's
//! target is a ratio of at most 1.25.
//!
//! `-- --only v1` or `-- --only v2` runs one of the two alone, once and without warm-up,
//! for counting its instructions (`valgrind --tool=callgrind`, `perf stat`).

use std::path::Path;
use std::time::Instant;

use outsim::engine::{RunOptions, run};
use outsim::results::Results;
use outsim::scenario::Scenario;

/// The target of issue #14: the general loop at most 25% slower than version 1's.
const TARGET_RATIO: f64 = 1.25;

/// Reference case 3 as written, and its version 1 twin.
fn scenarios() -> (Scenario, Scenario) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/r3_contracts_currency.toml");
    let text = std::fs::read_to_string(&path).expect("reference case 3 is readable");
    let v2 = Scenario::from_toml_str(&text, &path).expect("reference case 3 is valid");
    let mut table: toml::Table = text.parse().expect("reference case 3 is TOML");
    table.remove("currencies");
    let vendors = table
        .get_mut("vendors")
        .and_then(|v| v.as_array_mut())
        .expect("reference case 3 has vendors");
    for vendor in vendors.iter_mut().filter_map(|v| v.as_table_mut()) {
        for key in ["currency", "contract", "release_cost_per_head"] {
            vendor.remove(key);
        }
        // Per resolved case at 5.2 and 420 cases per head: about 2,184 per head.
        vendor
            .entry("rate_per_fte_month")
            .or_insert(toml::Value::Integer(2184));
    }
    let v1_text = toml::to_string(&table).expect("a TOML table prints");
    let v1 = Scenario::from_toml_str(&v1_text, Path::new("r3_version_1.toml"))
        .expect("the version 1 twin is valid");
    assert!(v2.uses_v2_sourcing() && !v1.uses_v2_sourcing());
    (v1, v2)
}

/// Vendor-months of one trial: every vendor of every strategy, every month (neither
/// scenario has phases or exits).
fn vendor_months_per_trial(s: &Scenario) -> u64 {
    let slots: usize = s.strategies.iter().map(|st| st.allocation.len()).sum();
    slots as u64 * u64::from(s.meta.horizon_months)
}

/// Seconds for one run of `trials` trials, with the summaries (nothing is written).
fn time_run(scenario: &Scenario, trials: u64) -> f64 {
    let started = Instant::now();
    let results = run(scenario, RunOptions::new(trials, 1)).map(|raw| Results::new(scenario, raw));
    let seconds = started.elapsed().as_secs_f64();
    std::hint::black_box(&results);
    seconds
}

/// The word after `flag` on the command line, if the flag is there.
fn word_after<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    let i = args.iter().position(|a| a == flag)?;
    Some(args.get(i + 1).map_or("", String::as_str))
}

/// The positive whole number after `flag`, if the flag is there.
fn count_after(args: &[String], flag: &str) -> Option<u64> {
    let word = word_after(args, flag)?;
    let count = word.replace('_', "").parse().ok().filter(|&n: &u64| n > 0);
    Some(count.unwrap_or_else(|| panic!("{flag} takes a positive whole number")))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let trials = count_after(&args, "--trials").unwrap_or(20_000);
    let repeats = count_after(&args, "--repeat").unwrap_or(5);
    let only = word_after(&args, "--only");
    let (v1, v2) = scenarios();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    pool.install(|| {
        if let Some(which) = only {
            let scenario = match which {
                "v1" => &v1,
                "v2" => &v2,
                _ => panic!("--only takes v1 or v2"),
            };
            let seconds = time_run(scenario, trials);
            let vm = vendor_months_per_trial(scenario) * trials;
            println!(
                "{which}: {:.1} ns per vendor-month",
                seconds * 1e9 / vm as f64
            );
            return;
        }
        // A warm-up of each, then both in turn.
        time_run(&v1, (trials / 10).max(1));
        time_run(&v2, (trials / 10).max(1));
        let (mut best_v1, mut best_v2) = (f64::INFINITY, f64::INFINITY);
        for _ in 0..repeats {
            best_v1 = best_v1.min(time_run(&v1, trials));
            best_v2 = best_v2.min(time_run(&v2, trials));
        }
        let vm = (vendor_months_per_trial(&v1) * trials) as f64;
        let ns_v1 = best_v1 * 1e9 / vm;
        let ns_v2 = best_v2 * 1e9 / vm;
        let ratio = ns_v2 / ns_v1;
        println!("| scenario | loop | trials | ns per vendor-month |");
        println!("| --- | --- | --- | --- |");
        println!("| r3, version 1 keys only | tuned (lanes) | {trials} | {ns_v1:.1} |");
        println!("| r3_contracts_currency | general | {trials} | {ns_v2:.1} |");
        println!(
            "general / tuned: {ratio:.3} (target at most {TARGET_RATIO}): {}",
            if ratio <= TARGET_RATIO {
                "met"
            } else {
                "NOT met"
            }
        );
    });
}
