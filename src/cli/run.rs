//! `outsim run`: validate every file, simulate them in parallel, write each results
//! folder atomically and print a compact table per scenario.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::{CliError, RunArgs, print_out, scenario_files, table};
use crate::engine::{self, RunConfig};
use crate::output::{OutputError, OutputFile, folder, tables};
use crate::results::Results;
use crate::scenario::Scenario;

/// A scenario ready to run: its file, results-folder name and run settings.
struct Job {
    file: PathBuf,
    stem: String,
    scenario: Scenario,
    config: RunConfig,
}

/// What a finished scenario left behind.
struct Finished {
    table: String,
}

pub(super) fn run(args: RunArgs) -> Result<(), CliError> {
    let jobs = load_jobs(&args)?;
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

    let total: u64 = jobs.iter().map(|j| j.config.trials).sum();
    let bar = progress_bar(total, args.quiet);
    let outcomes: Vec<Result<Finished, CliError>> = pool.install(|| {
        jobs.par_iter()
            .map(|job| run_job(job, &args, threads, &|n| bar.inc(n)))
            .collect()
    });
    bar.finish_and_clear();

    let mut failures = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(done) => {
                if !args.quiet {
                    print_out(&done.table);
                }
            }
            Err(e) => failures.push(e),
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
                let config = RunConfig {
                    trials: args.trials.unwrap_or(scenario.meta.trials),
                    seed: args.seed.unwrap_or(scenario.meta.seed),
                };
                let stem = file
                    .file_stem()
                    .map_or("scenario".into(), |s| s.to_string_lossy().to_string());
                jobs.push(Job {
                    file,
                    stem,
                    scenario,
                    config,
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
    let started = Instant::now();
    let results = engine::run(&job.scenario, job.config, progress);
    let wall = started.elapsed().as_secs_f64();
    let file = job.file.display().to_string();
    let files =
        output_files(job, &results, threads, wall).map_err(|e| CliError::Failed(e.to_string()))?;
    let written = folder::write_folder(&args.out, &job.stem, &files)
        .map_err(|e| CliError::Failed(format!("{}: {e}", job.file.display())))?;
    Ok(Finished {
        table: table::render(&job.scenario, &file, &results, &display_dir(&written)),
    })
}

fn display_dir(path: &Path) -> String {
    format!("{}/", path.display())
}

/// Every file of a scenario's results folder.
fn output_files(
    job: &Job,
    results: &Results,
    threads: usize,
    wall: f64,
) -> Result<Vec<OutputFile>, OutputError> {
    let info = tables::RunInfo::new(
        &job.scenario,
        &job.file.display().to_string(),
        results,
        threads,
        wall,
    );
    Ok(vec![
        OutputFile::new("summary.csv", tables::summary_csv(results)),
        OutputFile::new("summary.json", tables::summary_json(results)?),
        OutputFile::new("pairs.csv", tables::pairs_csv(results)),
        OutputFile::new("monthly.csv", tables::monthly_csv(results)),
        OutputFile::new("trials.parquet", tables::trials_parquet(results)?),
        OutputFile::new("run.json", tables::run_json(&info)?),
    ])
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
