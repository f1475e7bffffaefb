//! Engine throughput in vendor-months per second, printed as a table the README quotes.
//!
//! `cargo bench --bench scaling` runs every scenario of `scenarios/` and the reference
//! cases (model v2's among them: r3 contracts and currency, r4 sourcing over time), plus a synthetic scenario with 1, 4 and 16 vendors, on one thread and on all
//! threads, at 10,000 and 100,000 trials (`-- --quick` for 10,000 only, `-- --full` to
//! add 1,000,000). A vendor-month is one vendor of one strategy simulated for one month
//! of one trial. Only the engine and its summaries are timed; nothing is written.
//!
//! Each figure is the fastest of three runs after a warm-up (`-- --repeat N` for N): on
//! a shared machine other work only ever slows a run down. Any other argument keeps
//! only the cases whose name contains it (`-- --quick contact` for the contact-centre
//! example alone).
//!
//! `-- --end-to-end [TRIALS]` instead runs the `outsim` binary itself, as a user would:
//! `outsim run scenarios/ --trials TRIALS --no-charts` (default 1,000,000) into a
//! temporary folder, on all threads, and prints its wall time and peak resident memory
//! (the child's `VmHWM`, read from `/proc` while it runs, so Linux only).

use std::path::{Path, PathBuf};
use std::time::Instant;

use outsim::engine::{RunOptions, run};
use outsim::results::Results;
use outsim::scenario::Scenario;

/// Vendor-months of one trial: every vendor a strategy names (allocation, phases, exit
/// fallbacks) is simulated every month, active or not.
fn vendor_months_per_trial(s: &Scenario) -> u64 {
    let slots: usize = s
        .strategies
        .iter()
        .map(|st| {
            let mut named: Vec<usize> = st.allocation.iter().map(|a| a.vendor).collect();
            named.extend(
                st.phases
                    .iter()
                    .flat_map(|p| p.allocation.iter().map(|a| a.vendor)),
            );
            named.extend(st.exits.iter().map(|e| e.fallback));
            named.sort_unstable();
            named.dedup();
            named.len()
        })
        .sum();
    slots as u64 * u64::from(s.meta.horizon_months)
}

fn synthetic(vendors: usize) -> Scenario {
    let mut text = String::from(
        "[scenario]\nname = \"Synthetic\"\nhorizon_months = 36\n\n[demand]\nbase_per_month = 50000\n\
         growth_annual = { dist = \"normal\", mean = 0.2, sd = 0.1 }\nvolatility_monthly = 0.05\n\
         [demand.shocks]\nrate_per_year = 1.0\nsize = { dist = \"lognormal\", median = 0.2, sigma = 0.5 }\n\n\
         [costs]\nmanager_hourly_cost = 80\ndefect_cost_per_unit = 5\ndelay_cost_per_unit_month = 1\n",
    );
    for v in 0..vendors {
        text.push_str(&format!(
            "\n[[vendors]]\nname = \"V{v}\"\nrate_per_fte_month = 2000\nunits_per_fte_month = 400\n\
             initial_fte = {fte}\nmin_fte = 1\nmax_fte = {max}\nmax_hires_per_month = 10\nramp_months = 2\n\
             attrition_annual = {{ dist = \"triangular\", min = 0.2, mode = 0.3, max = 0.5 }}\n\
             defect_rate = {{ dist = \"beta\", mean = 0.04, sd = 0.015 }}\noverlap_hours = 3\n\
             disruption_rate_per_year = 0.5\nincident_rate_per_year = 0.2\n\
             incident_loss = {{ dist = \"lognormal\", median = 100000, sigma = 1.0 }}\n\
             sla_target = 0.9\nsla_credit_per_point = 0.01\nsla_credit_cap = 0.1\n",
            fte = 125 / vendors + 1,
            max = 400 / vendors + 10,
        ));
    }
    let share = 1.0 / vendors as f64;
    let alloc: Vec<String> = (0..vendors)
        .map(|v| format!("{{ vendor = \"V{v}\", share = {share} }}"))
        .collect();
    text.push_str(&format!(
        "\n[[strategies]]\nname = \"Spread\"\nallocation = [{}]\noverflow = true\ncapacity_buffer = 0.1\n\
         oversight_hours_per_fte = 2\n\n[objectives]\nmin_service_level = 0.9\n",
        alloc.join(", ")
    ));
    Scenario::from_toml_str(&text, Path::new("synthetic.toml"))
        .expect("the synthetic scenario is valid")
}

fn measure(name: &str, scenario: &Scenario, trials: u64, threads: usize, repeats: u32) -> f64 {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    // One warm-up run of a tenth of the size.
    let warm_up = pool.install(|| run(scenario, RunOptions::new((trials / 10).max(1), 2)));
    std::hint::black_box(&warm_up);
    // The fastest of `repeats` runs: on a shared machine other work only ever slows a
    // run down, so the fastest is the one least disturbed.
    let mut seconds = f64::INFINITY;
    for _ in 0..repeats {
        let started = Instant::now();
        let results = pool.install(|| {
            run(scenario, RunOptions::new(trials, 1)).map(|raw| Results::new(scenario, raw))
        });
        seconds = seconds.min(started.elapsed().as_secs_f64());
        std::hint::black_box(&results);
    }
    let vm = vendor_months_per_trial(scenario) * trials;
    let rate = vm as f64 / seconds;
    println!(
        "| {name} | {trials} | {threads} | {seconds:.3} | {:.2} |",
        rate / 1e6
    );
    rate
}

/// The child's peak resident memory so far, in bytes (`VmHWM`), if `/proc` tells.
fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn end_to_end(trials: u64) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::temp_dir().join(format!("outsim-bench-{}", std::process::id()));
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_outsim"))
        .current_dir(root)
        .args(["run", "scenarios/", "--no-charts", "--quiet", "--trials"])
        .arg(trials.to_string())
        .arg("--out")
        .arg(&out)
        .spawn()
        .expect("the outsim binary starts");
    let mut peak = 0;
    let status = loop {
        if let Some(bytes) = peak_rss(child.id()) {
            peak = peak.max(bytes);
        }
        if let Some(status) = child.try_wait().expect("wait for outsim") {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let seconds = started.elapsed().as_secs_f64();
    let written: u64 = std::fs::read_dir(&out)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|d| std::fs::metadata(d.path().join("trials.parquet")).ok())
        .map(|m| m.len())
        .sum();
    let _ = std::fs::remove_dir_all(&out);
    assert!(status.success(), "outsim run failed: {status}");
    println!("| command | trials | seconds | peak resident MiB | trials.parquet MiB |");
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| outsim run scenarios/ --no-charts | {trials} | {seconds:.1} | {:.0} | {:.0} |",
        peak as f64 / (1024.0 * 1024.0),
        written as f64 / (1024.0 * 1024.0)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--end-to-end") {
        let trials = args
            .get(i + 1)
            .and_then(|t| t.replace('_', "").parse().ok())
            .unwrap_or(1_000_000);
        end_to_end(trials);
        return;
    }
    let full = std::env::args().any(|a| a == "--full");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["scenarios", "tests/reference"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            let mut found: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            found.sort();
            files.extend(found);
        }
    }
    let mut cases: Vec<(String, Scenario)> = files
        .iter()
        .filter_map(|f| {
            let s = Scenario::load(f).ok()?;
            Some((f.file_stem()?.to_string_lossy().to_string(), s))
        })
        .collect();
    for v in [1, 4, 16] {
        cases.push((format!("synthetic, {v} vendor(s)"), synthetic(v)));
    }
    let repeats: u32 = match args.iter().position(|a| a == "--repeat") {
        Some(i) => args
            .get(i + 1)
            .and_then(|r| r.parse().ok())
            .filter(|&r| r > 0)
            .expect("--repeat takes a positive whole number"),
        None => 3,
    };
    // Cargo passes `--bench` to bench targets; every other word (but the count after
    // `--repeat`) is a name filter.
    let filters: Vec<&String> = args
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(i, a)| !a.starts_with("--") && args[i - 1] != "--repeat")
        .map(|(_, a)| a)
        .collect();
    if !filters.is_empty() {
        cases.retain(|(name, _)| filters.iter().any(|f| name.contains(f.as_str())));
    }
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes: &[u64] = if full {
        &[10_000, 100_000, 1_000_000]
    } else if quick {
        &[10_000]
    } else {
        &[10_000, 100_000]
    };
    println!("| scenario | trials | threads | seconds | million vendor-months/s |");
    println!("| --- | --- | --- | --- | --- |");
    for (name, scenario) in &cases {
        for &trials in sizes {
            let one = measure(name, scenario, trials, 1, repeats);
            if all > 1 {
                let many = measure(name, scenario, trials, all, repeats);
                println!(
                    "| {name}: speed-up on {all} threads | {trials} | | | {:.2}x |",
                    many / one
                );
            }
        }
    }
}
