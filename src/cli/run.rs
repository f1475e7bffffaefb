//! `outsim run`: validate every file, simulate them in parallel, write each results
//! folder atomically and print a compact table per scenario.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::{ChartFormat, CliError, RunArgs, print_out, scenario_files, table};
use crate::charts::{self, ChartFile, ImageFormat};
use crate::engine::{self, PrecisionTarget, RunError, RunOptions};
use crate::output::{OutputError, OutputFile, folder, tables};
use crate::report::{self, IndexEntry};
use crate::results::Results;
use crate::scenario::Scenario;

/// A scenario ready to run: its file, results-folder name and run settings.
struct Job {
    file: PathBuf,
    stem: String,
    scenario: Scenario,
    trials: u64,
    seed: u64,
    precision_target: f64,
}

/// What a finished scenario left behind.
struct Finished {
    table: String,
    index: IndexEntry,
}

/// Trials of the first batch of a `--precision` run (rounded up to whole blocks).
const PRECISION_FIRST_BATCH: u64 = 2_048;

/// Set by Ctrl-C: workers stop at their next block and nothing more is written.
static CANCEL: AtomicBool = AtomicBool::new(false);

/// First Ctrl-C: stop promptly and clean up. Second: leave at once.
fn install_interrupt_handler() {
    let _ = ctrlc::set_handler(|| {
        if CANCEL.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
}

pub(super) fn run(args: RunArgs) -> Result<(), CliError> {
    let jobs = load_jobs(&args)?;
    install_interrupt_handler();
    folder::ensure_writable(&args.out).map_err(|e| {
        CliError::Failed(format!(
            "output folder {} is not writable: {e}",
            args.out.display()
        ))
    })?;
    let threads = match args.threads {
        Some(n) => n as usize,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start {threads} worker threads: {e}")))?;

    let total: u64 = jobs.iter().map(|j| j.trials).sum();
    let bar = progress_bar(total, args.quiet);
    let outcomes: Vec<Result<Finished, CliError>> = pool.install(|| {
        jobs.par_iter()
            .map(|job| run_job(job, &args, threads, &|n| bar.inc(n)))
            .collect()
    });
    bar.finish_and_clear();
    if CANCEL.load(Ordering::SeqCst) {
        folder::remove_own_temporaries(&args.out);
        return Err(CliError::Interrupted);
    }

    let mut failures = Vec::new();
    let mut index = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(done) => {
                if !args.quiet {
                    print_out(&done.table);
                }
                index.push(done.index);
            }
            Err(e) => failures.push(e),
        }
    }
    if index.len() > 1 && !args.no_charts {
        let page = report::render_index(&index);
        let path = args.out.join("index.html");
        folder::write_file(&path, page.as_bytes()).map_err(|e| CliError::Failed(e.to_string()))?;
        if !args.quiet {
            print_out(&format!("\nIndex of reports: {}\n", path.display()));
        }
    }
    if let Some(first) = failures.into_iter().next() {
        return Err(first);
    }
    Ok(())
}

/// Read and validate every file before anything runs; list every problem.
fn load_jobs(args: &RunArgs) -> Result<Vec<Job>, CliError> {
    let files = scenario_files(&args.paths)?;
    let mut jobs = Vec::new();
    let mut invalid = 0;
    for file in files {
        match Scenario::load(&file) {
            Ok(scenario) => {
                for w in &scenario.warnings {
                    eprintln!("warning: {}: {w}", file.display());
                }
                let trials = args.trials.unwrap_or(scenario.meta.trials);
                let seed = args.seed.unwrap_or(scenario.meta.seed);
                let stem = file
                    .file_stem()
                    .map_or("scenario".into(), |s| s.to_string_lossy().to_string());
                let precision_target = args.precision.unwrap_or(0.0);
                jobs.push(Job {
                    file,
                    stem,
                    scenario,
                    trials,
                    seed,
                    precision_target,
                });
            }
            Err(e) => {
                invalid += 1;
                eprintln!("error: {e}");
            }
        }
    }
    if invalid > 0 {
        return Err(CliError::Invalid(format!(
            "{invalid} invalid scenario file(s): nothing was simulated or written"
        )));
    }
    for (i, job) in jobs.iter().enumerate() {
        if let Some(other) = jobs[..i].iter().find(|o| o.stem == job.stem) {
            return Err(CliError::Invalid(format!(
                "{} and {} would both write to {}: rename one of them",
                other.file.display(),
                job.file.display(),
                args.out.join(&job.stem).display()
            )));
        }
    }
    Ok(jobs)
}

fn run_job(
    job: &Job,
    args: &RunArgs,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Finished, CliError> {
    let failed = |e: OutputError| CliError::Failed(format!("{}: {e}", job.file.display()));
    // The folder is staged before the run so that trials.parquet can be streamed into
    // it; dropped on any early return, the staging folder removes itself.
    let staging = folder::Staging::create(&args.out, &job.stem).map_err(failed)?;
    let names: Vec<String> = job
        .scenario
        .strategies
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let mut trials =
        tables::TrialsWriter::create(&staging.path("trials.parquet"), &names).map_err(failed)?;
    let stopped = |e: RunError| match e {
        RunError::Cancelled => CliError::Interrupted,
        RunError::Sink(message) => CliError::Failed(format!(
            "{}: cannot write trials.parquet: {message}",
            job.file.display()
        )),
        other => CliError::Failed(format!("{}: {other}", job.file.display())),
    };
    let started = Instant::now();
    let mut options = RunOptions::new(job.trials, job.seed)
        .progress(progress)
        .cancel(&CANCEL)
        .sink(&mut trials);
    if let Some(relative) = args.precision {
        options = options.precision(PrecisionTarget {
            relative,
            first_batch: PRECISION_FIRST_BATCH.min(args.max_trials),
            max_trials: args.max_trials,
        });
    }
    let mut raw = engine::run(&job.scenario, options).map_err(stopped)?;
    let precision = raw.precision.take();
    let results = Results::new(&job.scenario, raw);
    trials.finish().map_err(failed)?;
    let wall = started.elapsed().as_secs_f64();
    if CANCEL.load(Ordering::SeqCst) {
        return Err(CliError::Interrupted);
    }
    let file = job.file.display().to_string();
    let mut files = output_files(job, args, &results, threads, wall, precision.as_ref())?;
    if CANCEL.load(Ordering::SeqCst) {
        return Err(CliError::Interrupted);
    }
    files.extend(carried_over(&args.out.join(&job.stem)));
    let written = staging
        .finish(&files)
        .map_err(|e| CliError::Failed(format!("{}: {e}", job.file.display())))?;
    let mut table = table::render(&job.scenario, &file, &results, &display_dir(&written));
    if let Some(p) = &precision {
        table.push_str(&precision_line(p, args.precision.unwrap_or(0.0)));
    }
    let index = IndexEntry {
        scenario_name: job.scenario.meta.name.clone(),
        report_href: format!("{}/report.html", job.stem),
        verdict: report::verdict_line(&job.scenario, &results),
    };
    Ok(Finished { table, index })
}

fn precision_line(p: &engine::PrecisionOutcome, target: f64) -> String {
    if p.reached {
        format!(
            "  Precision: {} trials brought every mean cost and difference within +-{:.2}% (95% CI); widest: {} at +-{:.3}%.\n",
            p.trials,
            100.0 * target,
            p.worst_figure,
            100.0 * p.worst_relative_half_width
        )
    } else {
        format!(
            "  Precision: NOT reached after the maximum of {} trials: {} is still +-{:.3}% (target +-{:.2}%).\n",
            p.trials,
            p.worst_figure,
            100.0 * p.worst_relative_half_width,
            100.0 * target
        )
    }
}

/// Subfolders that `outsim stress` and `outsim sensitivity` keep inside a scenario's
/// results folder; a new `run` carries them into its folder so they are not lost.
const KEPT_SUBFOLDERS: [&str; 2] = ["stress", "sensitivity"];

/// The files of the kept subfolders of an existing results folder (none if absent or
/// unreadable: they are then simply not carried over).
fn carried_over(existing: &Path) -> Vec<OutputFile> {
    let mut files = Vec::new();
    for sub in KEPT_SUBFOLDERS {
        let mut stack = vec![existing.join(sub)];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let (Ok(rel), Ok(bytes)) =
                    (path.strip_prefix(existing), std::fs::read(&path))
                {
                    files.push(OutputFile::new(rel.to_path_buf(), bytes));
                }
            }
        }
    }
    files
}

fn display_dir(path: &Path) -> String {
    format!("{}/", path.display())
}

/// Every file of a scenario's results folder: tables, then charts and the report.
fn output_files(
    job: &Job,
    args: &RunArgs,
    results: &Results,
    threads: usize,
    wall: f64,
    precision: Option<&engine::PrecisionOutcome>,
) -> Result<Vec<OutputFile>, CliError> {
    let failed = |e: OutputError| CliError::Failed(format!("{}: {e}", job.file.display()));
    let mut info = tables::RunInfo::new(
        &job.scenario,
        &job.file.display().to_string(),
        results,
        threads,
        wall,
    );
    info.precision = precision.map(|p| tables::PrecisionInfo {
        target_relative_half_width: job.precision_target,
        reached: p.reached,
        worst_relative_half_width: p.worst_relative_half_width,
        worst_figure: p.worst_figure.clone(),
    });
    let mut files = vec![
        OutputFile::new("summary.csv", tables::summary_csv(results)),
        OutputFile::new(
            "summary.json",
            tables::summary_json(results).map_err(failed)?,
        ),
        OutputFile::new("pairs.csv", tables::pairs_csv(results)),
        OutputFile::new("monthly.csv", tables::monthly_csv(results)),
        OutputFile::new("run.json", tables::run_json(&info).map_err(failed)?),
    ];
    if !args.no_charts {
        let mut formats: Vec<ImageFormat> = args
            .format
            .iter()
            .map(|f| match f {
                ChartFormat::Png => ImageFormat::Png,
                ChartFormat::Svg => ImageFormat::Svg,
            })
            .collect();
        // The report embeds SVG charts; they are drawn once and shared.
        let svg_wanted = formats.contains(&ImageFormat::Svg);
        if !svg_wanted {
            formats.push(ImageFormat::Svg);
        }
        let charts = charts::render_all(&job.scenario, results, &formats)
            .map_err(|e| CliError::Failed(format!("{}: charts: {e}", job.file.display())))?;
        let svgs: Vec<ChartFile> = charts
            .iter()
            .filter(|c| c.name.ends_with(".svg"))
            .cloned()
            .collect();
        let report = report::render_report(&job.scenario, results, &job.file, &svgs);
        files.push(OutputFile::new("report.html", report.into_bytes()));
        for chart in charts {
            if svg_wanted || !chart.name.ends_with(".svg") {
                files.push(OutputFile::new(
                    Path::new("charts").join(&chart.name),
                    chart.bytes,
                ));
            }
        }
    }
    Ok(files)
}

fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} trials ({eta})",
    ) {
        bar.set_style(style);
    }
    bar
}
