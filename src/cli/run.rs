//! `outsim run`: validate every file, check every results folder and the machine's room
//! for the run, simulate the scenarios in parallel, write each results folder through
//! the artifact manager and print a compact table per scenario. A scenario that fails
//! while running does not stop the others; every failure is reported.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use super::budget::{self, Estimate};
use super::signals;
use super::{CliError, RunArgs, Settings, print_out, scenario_files, table};
use crate::charts::{self, ChartFile, ImageFormat};
use crate::engine::{self, PrecisionTarget, RunError, RunOptions, TrialInputs};
use crate::output::folder::{self, ResultsFolder};
use crate::output::{OutputError, OutputFile, csv, json, parquet, xlsx};
use crate::report::{self, IndexEntry};
use crate::results::Results;
use crate::scenario::{InputId, Scenario};

/// A scenario ready to run: its file, results-folder name and run settings.
pub(super) struct Job {
    pub(super) file: PathBuf,
    pub(super) stem: String,
    pub(super) scenario: Scenario,
    /// Trials (without `--precision`) and seed.
    pub(super) trials: u64,
    pub(super) seed: u64,
}

/// What every job of one `run` shares.
pub(super) struct Plan {
    pub(super) settings: Settings,
    /// `--precision`, with its batch schedule.
    pub(super) precision: Option<PrecisionTarget>,
    /// Whether `trials.parquet` is written (not `--no-trials-file`).
    pub(super) trials_file: bool,
    /// Whether `results.xlsx` is written (not `--no-xlsx`).
    pub(super) workbook: bool,
}

impl Plan {
    /// The most trials `job` may run: `--max-trials` with `--precision`.
    fn trials(&self, job: &Job) -> u64 {
        self.precision.map_or(job.trials, |p| p.max_trials)
    }
}

/// What a finished scenario left behind.
pub(super) struct Finished {
    /// The compact table printed for it.
    pub(super) table: String,
    index: IndexEntry,
}

/// Trials of the first batch of a `--precision` run (rounded up to whole blocks).
const PRECISION_FIRST_BATCH: u64 = 2_048;

/// `--max-trials` when not given.
const DEFAULT_MAX_TRIALS: u64 = 1_000_000;

pub(super) fn run(args: RunArgs) -> Result<(), CliError> {
    signals::install();
    let max_trials = args.max_trials.unwrap_or(DEFAULT_MAX_TRIALS);
    let plan = Plan {
        settings: Settings::new(args.common),
        precision: args.precision.map(|relative| PrecisionTarget {
            relative,
            first_batch: PRECISION_FIRST_BATCH.min(max_trials),
            max_trials,
        }),
        trials_file: !args.no_trials_file,
        workbook: !args.no_xlsx,
    };
    let jobs = load_jobs(&args.paths, &plan.settings)?;
    if let Some(shard) = args.shard {
        return super::shard::run_shards(&jobs, &plan.settings, shard);
    }
    if plan.workbook {
        for job in &jobs {
            xlsx::fits(job.scenario.strategies.len(), job.scenario.horizon()).map_err(|e| {
                CliError::Invalid(format!(
                    "{}: {e}; nothing was simulated or written",
                    job.file.display()
                ))
            })?;
        }
    }
    let artifacts = plan.settings.open_out()?;
    let mut folders = Vec::new();
    let mut refused = 0;
    for job in &jobs {
        match artifacts.results_folder(&job.file) {
            Ok(folder) => folders.push(folder),
            Err(e) => {
                refused += 1;
                eprintln!("error: {}: {e}", job.file.display());
            }
        }
    }
    if refused > 0 {
        return Err(CliError::Invalid(format!(
            "{refused} results folder(s) refused: nothing was simulated or written"
        )));
    }
    let estimate = jobs.iter().fold(Estimate::default(), |sum, job| {
        sum.plus(Estimate::run(
            plan.trials(job),
            job.scenario.strategies.len(),
            plan.trials_file,
            0,
        ))
        .plus(Estimate::input_columns(
            plan.trials(job),
            job.scenario.strategies.len(),
            InputId::all(job.scenario.vendors.len()).len()
                + TrialInputs::sourcing_columns(&job.scenario).len(),
            plan.trials_file,
        ))
        .plus(Estimate::workbook(
            job.scenario.strategies.len(),
            job.scenario.horizon(),
            plan.workbook,
        ))
    });
    budget::check(estimate, artifacts.out(), plan.trials_file)?;
    let pool = plan.settings.pool()?;

    let total: u64 = jobs.iter().map(|j| plan.trials(j)).sum();
    let bar = plan.settings.progress_bar(total);
    let outcomes: Vec<Result<Finished, CliError>> = pool.install(|| {
        jobs.par_iter()
            .zip(&folders)
            .map(|(job, folder)| {
                run_job(job, folder, &plan, &|n| bar.inc(n), |options| {
                    engine::run(&job.scenario, options)
                })
            })
            .collect()
    });
    bar.finish_and_clear();

    let mut failed = 0;
    let mut interrupted = false;
    let mut written = Vec::new();
    let mut index = Vec::new();
    for (job, outcome) in jobs.iter().zip(outcomes) {
        match outcome {
            Ok(done) => {
                if !plan.settings.quiet {
                    print_out(&done.table);
                }
                written.push(job.stem.clone());
                index.push(done.index);
            }
            Err(CliError::Interrupted { .. }) => interrupted = true,
            Err(e) => {
                failed += 1;
                eprintln!("error: {e}");
            }
        }
    }
    if interrupted {
        return Err(CliError::Interrupted { written });
    }
    if index.len() > 1 && plan.settings.charts.is_some() {
        let page = report::render_index(&index);
        let path = artifacts.out().join("index.html");
        folder::write_file(&path, page.as_bytes()).map_err(|e| CliError::artifact(None, e))?;
        if !plan.settings.quiet {
            print_out(&format!("\nIndex of reports: {}\n", path.display()));
        }
    }
    if failed > 0 {
        return Err(CliError::Failed(format!(
            "{failed} of {} scenario(s) failed (each is reported above); the others' results were written",
            jobs.len()
        )));
    }
    Ok(())
}

/// Read and validate every file before anything runs; list every problem.
pub(super) fn load_jobs(paths: &[PathBuf], settings: &Settings) -> Result<Vec<Job>, CliError> {
    let files = scenario_files(paths)?;
    let mut jobs = Vec::new();
    let mut invalid = 0;
    for file in files {
        let stem = match folder::plain_stem(&file) {
            Ok(stem) => stem,
            Err(e) => {
                invalid += 1;
                eprintln!("error: {e}");
                continue;
            }
        };
        match Scenario::load(&file) {
            Ok(mut scenario) => {
                if let Some(sampling) = settings.sampling {
                    scenario.meta.sampling = sampling;
                }
                for w in &scenario.warnings {
                    eprintln!("warning: {}: {w}", file.display());
                }
                let options = settings.run_options(&scenario);
                jobs.push(Job {
                    file,
                    stem,
                    trials: options.trials,
                    seed: options.seed,
                    scenario,
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
                settings.out.join(&job.stem).display()
            )));
        }
    }
    Ok(jobs)
}

/// Run `job` with `simulate` (the engine's run, or the replay of a run's shards) and
/// write its results folder through the one set of writers.
pub(super) fn run_job(
    job: &Job,
    folder: &ResultsFolder,
    plan: &Plan,
    progress: &(dyn Fn(u64) + Sync),
    simulate: impl FnOnce(RunOptions<'_>) -> Result<engine::RawRun, RunError>,
) -> Result<Finished, CliError> {
    let artifact = |e| CliError::artifact(Some(&job.file), e);
    let failed = |e: OutputError| CliError::table(&job.file, e);
    // The folder is staged before the run so that trials.parquet can be streamed into
    // it; dropped on any early return, the staging folder removes itself.
    let staging = folder.stage(None).map_err(artifact)?;
    let names: Vec<String> = job
        .scenario
        .strategies
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let mut trials = if plan.trials_file {
        Some(
            parquet::TrialsWriter::create_with_inputs(
                &staging.path("trials.parquet"),
                &names,
                &InputId::all(job.scenario.vendors.len())
                    .into_iter()
                    .map(|id| id.key(&job.scenario))
                    .chain(TrialInputs::sourcing_columns(&job.scenario))
                    .collect::<Vec<_>>(),
            )
            .map_err(failed)?,
        )
    } else {
        None
    };
    let stopped = |e: RunError| match e {
        RunError::Cancelled => CliError::Interrupted {
            written: Vec::new(),
        },
        RunError::Sink(message) => CliError::Failed(format!(
            "{}: cannot write trials.parquet: {message}",
            job.file.display()
        )),
        other => CliError::Failed(format!("{}: {other}", job.file.display())),
    };
    let started = Instant::now();
    let mut options = RunOptions::new(job.trials, job.seed)
        .cancel(folder::cancellation())
        .progress(progress);
    if let Some(writer) = trials.as_mut() {
        options = options.sink(writer);
    }
    if let Some(target) = plan.precision {
        options = options.precision(target);
    }
    let mut raw = simulate(options).map_err(stopped)?;
    let precision = raw.precision.take();
    let results = Results::new(&job.scenario, raw);
    if let Some(writer) = trials {
        writer.finish().map_err(failed)?;
    }
    let wall = started.elapsed().as_secs_f64();
    let files = output_files(job, plan, &results, wall, precision.as_ref())?;
    let written = staging.commit(&files).map_err(artifact)?;
    for warning in &written.warnings {
        eprintln!("warning: {}: {warning}", job.file.display());
    }
    let mut table = table::render(
        &job.scenario,
        &job.file.display().to_string(),
        &results,
        &format!("{}/", written.folder.display()),
    );
    if let (Some(p), Some(target)) = (&precision, plan.precision) {
        table.push_str(&precision_line(p, target.relative));
    }
    let index = IndexEntry {
        scenario_name: job.scenario.meta.name.clone(),
        report_href: format!("{}/report.html", job.stem),
        verdict: report::verdict_line(&job.scenario, &results),
    };
    Ok(Finished { table, index })
}

fn precision_line(p: &engine::PrecisionOutcome, target: f64) -> String {
    let width = |w: f64| {
        if w.is_finite() {
            format!("+-{:.3}%", 100.0 * w)
        } else {
            "n/a (fewer than 2 trials)".to_string()
        }
    };
    if p.reached {
        format!(
            "  Precision: {} trials brought every mean cost and difference within +-{:.2}% (95% CI); widest: {} at {}.\n",
            p.trials,
            100.0 * target,
            p.worst_figure,
            width(p.worst_relative_half_width)
        )
    } else {
        format!(
            "  Precision: NOT reached after the maximum of {} trials: {} is still {} (target +-{:.2}%).\n",
            p.trials,
            p.worst_figure,
            width(p.worst_relative_half_width),
            100.0 * target
        )
    }
}

/// Every file of a scenario's results folder: tables, then charts and the report
/// (`trials.parquet` is streamed into the staging folder meanwhile).
fn output_files(
    job: &Job,
    plan: &Plan,
    results: &Results,
    wall: f64,
    precision: Option<&engine::PrecisionOutcome>,
) -> Result<Vec<OutputFile>, CliError> {
    let failed = |e: OutputError| CliError::table(&job.file, e);
    let mut info = json::RunInfo::new(
        &job.scenario,
        &job.file.display().to_string(),
        results,
        plan.settings.threads,
        wall,
    );
    info.precision = precision.map(|p| json::PrecisionInfo {
        target_relative_half_width: plan.precision.map_or(0.0, |t| t.relative),
        reached: p.reached,
        worst_relative_half_width: p.worst_relative_half_width,
        worst_figure: p.worst_figure.clone(),
    });
    let mut files = vec![
        OutputFile::new("summary.csv", csv::summary(results).map_err(failed)?),
        OutputFile::new(
            "summary.json",
            json::summary(&job.scenario, results).map_err(failed)?,
        ),
        OutputFile::new("pairs.csv", csv::pairs(results).map_err(failed)?),
        OutputFile::new("monthly.csv", csv::monthly(results).map_err(failed)?),
        OutputFile::new(
            "monthly_vendors.csv",
            csv::monthly_vendors(results).map_err(failed)?,
        ),
        OutputFile::new("exits.csv", csv::exits(results).map_err(failed)?),
        OutputFile::new("run.json", json::run(&info).map_err(failed)?),
    ];
    if plan.workbook {
        files.push(OutputFile::new(
            "results.xlsx",
            xlsx::workbook(&job.scenario, results).map_err(failed)?,
        ));
    }
    if let Some(formats) = &plan.settings.charts {
        // The report embeds SVG charts; they are drawn once and shared.
        let drawn = with_svg(formats);
        let charts =
            charts::render_all_until(&job.scenario, results, &drawn, folder::cancellation())
                .map_err(|e| CliError::charts(&job.file, e))?;
        let svgs: Vec<ChartFile> = charts
            .iter()
            .filter(|c| c.name.ends_with(".svg"))
            .cloned()
            .collect();
        let report = report::render_report(&job.scenario, results, &job.file, &svgs);
        files.push(OutputFile::new("report.html", report.into_bytes()));
        files.extend(
            wanted(charts, formats)
                .map(|chart| OutputFile::new(Path::new("charts").join(&chart.name), chart.bytes)),
        );
    }
    Ok(files)
}

/// `formats`, with SVG added if missing (the report embeds SVG charts).
pub(super) fn with_svg(formats: &[ImageFormat]) -> Vec<ImageFormat> {
    let mut drawn = formats.to_vec();
    if !drawn.contains(&ImageFormat::Svg) {
        drawn.push(ImageFormat::Svg);
    }
    drawn
}

/// The charts of the formats asked for (not the SVGs drawn only for the report).
pub(super) fn wanted(
    charts: Vec<ChartFile>,
    formats: &[ImageFormat],
) -> impl Iterator<Item = ChartFile> {
    let svg_wanted = formats.contains(&ImageFormat::Svg);
    charts
        .into_iter()
        .filter(move |chart| svg_wanted || !chart.name.ends_with(".svg"))
}
