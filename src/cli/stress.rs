//! `outsim stress`: vary one or two KEYs of a scenario over a line or grid of values, run
//! every cell with every strategy on the same trials and seed, and write
//! `<out>/<stem>/stress/` (the table and charts) atomically.
//!
//! Every KEY, SPEC and variant is checked before anything runs; a bad one exits with 2,
//! naming it, and writes nothing. Helpers shared with `outsim sensitivity` live here too.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{AnalysisOptions, ChartFormat, CliError, MetricArg, StressArgs, print_out};
use crate::analysis::stress::{self, Frontier, StressGrid, StressMetric};
use crate::analysis::variants::parse_vary;
use crate::charts::format::{format_money, format_probability};
use crate::charts::{self, ImageFormat};
use crate::engine::RunOptions;
use crate::output::{OutputFile, folder};
use crate::scenario::Scenario;

/// A scenario file read and validated, with its text and results-folder name.
pub(super) struct Loaded {
    pub file: PathBuf,
    pub text: String,
    pub scenario: Scenario,
    pub stem: String,
}

/// Read and validate `file`, printing every problem; invalid input exits with 2.
pub(super) fn load(file: &Path) -> Result<Loaded, CliError> {
    if !file.is_file() {
        return Err(CliError::Invalid(format!(
            "{}: no such scenario file",
            file.display()
        )));
    }
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::Invalid(format!("{}: cannot read: {e}", file.display())))?;
    let scenario = match Scenario::from_toml_str(&text, file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(CliError::Invalid(format!(
                "{}: invalid scenario file: nothing was simulated or written",
                file.display()
            )));
        }
    };
    for w in &scenario.warnings {
        eprintln!("warning: {}: {w}", file.display());
    }
    let stem = file
        .file_stem()
        .map_or("scenario".into(), |s| s.to_string_lossy().to_string());
    Ok(Loaded {
        file: file.to_path_buf(),
        text,
        scenario,
        stem,
    })
}

/// Trials and seed: the options', else the file's.
pub(super) fn config<'a>(options: &AnalysisOptions, scenario: &Scenario) -> RunOptions<'a> {
    RunOptions::new(
        options.trials.unwrap_or(scenario.meta.trials),
        options.seed.unwrap_or(scenario.meta.seed),
    )
}

/// The worker pool of `--threads` (all cores by default).
pub(super) fn pool(options: &AnalysisOptions) -> Result<rayon::ThreadPool, CliError> {
    let threads = match options.threads {
        Some(n) => n as usize,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start {threads} worker threads: {e}")))
}

/// A progress bar on a terminal, hidden otherwise or when quiet.
pub(super) fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
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

/// Chart formats asked for.
pub(super) fn formats(options: &AnalysisOptions) -> Vec<ImageFormat> {
    options
        .format
        .iter()
        .map(|f| match f {
            ChartFormat::Png => ImageFormat::Png,
            ChartFormat::Svg => ImageFormat::Svg,
        })
        .collect()
}

/// Check the output folder before any simulation.
pub(super) fn check_out(options: &AnalysisOptions) -> Result<(), CliError> {
    folder::ensure_writable(&options.out).map_err(|e| {
        CliError::Failed(format!(
            "output folder {} is not writable: {e}",
            options.out.display()
        ))
    })
}

/// Write `files` as `<out>/<stem>/<name>/`, atomically, leaving the rest of
/// `<out>/<stem>/` alone.
pub(super) fn write(
    options: &AnalysisOptions,
    loaded: &Loaded,
    name: &str,
    files: &[OutputFile],
) -> Result<PathBuf, CliError> {
    folder::write_folder(&options.out.join(&loaded.stem), name, files)
        .map_err(|e| CliError::Failed(format!("{}: {e}", loaded.file.display())))
}

fn metric(arg: MetricArg) -> StressMetric {
    match arg {
        MetricArg::Objectives => StressMetric::ObjectivesMet,
        MetricArg::P95Cost => StressMetric::CostP95,
        MetricArg::Shortfall => StressMetric::Shortfall,
    }
}

pub(super) fn stress(args: StressArgs) -> Result<(), CliError> {
    let options = &args.options;
    let loaded = load(&args.scenario)?;
    let varies = args
        .vary
        .iter()
        .map(|v| parse_vary(v))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    let plan = stress::plan(&loaded.text, &loaded.file, &varies)
        .map_err(|e| CliError::Invalid(format!("{}: {e}", loaded.file.display())))?;
    check_out(options)?;
    let config = config(options, &loaded.scenario);
    let pool = pool(options)?;
    let bar = progress_bar(config.trials * plan.cells.len() as u64, options.quiet);
    let progress = |n| bar.inc(n);
    let grid = pool
        .install(|| stress::run(&plan, config.progress(&progress)))
        .map_err(|e| CliError::Failed(format!("{}: {e}", loaded.file.display())))?;
    bar.finish_and_clear();
    let metric = metric(args.metric);
    let mut files = vec![OutputFile::new("stress.csv", stress::stress_csv(&grid))];
    if !options.no_charts {
        let charts = pool
            .install(|| charts::render_stress(&grid, metric, &formats(options)))
            .map_err(|e| CliError::Failed(format!("{}: charts: {e}", loaded.file.display())))?;
        files.extend(charts.into_iter().map(|c| OutputFile::new(c.name, c.bytes)));
    }
    let written = write(options, &loaded, "stress", &files)?;
    if !options.quiet {
        print_out(&summary(&grid, metric, &loaded, &written));
    }
    Ok(())
}

/// The terminal summary: the metric per cell for a line, cells meeting the objectives
/// for a grid.
fn summary(grid: &StressGrid, metric: StressMetric, loaded: &Loaded, written: &Path) -> String {
    let value = |v: f64| {
        if metric.is_probability() {
            format_probability(v)
        } else {
            format_money(v, &grid.currency)
        }
    };
    let mut out = format!(
        "\n{} ({}): stress over {} cell(s), {} trials each, seed {}\n",
        grid.scenario_name,
        loaded.file.display(),
        grid.cells.len(),
        grid.trials,
        grid.seed
    );
    if grid.axes.len() == 1 {
        let axis = &grid.axes[0];
        out.push_str(&format!("  {} by {}:\n", metric.name(), axis.key));
        for cell in &grid.cells {
            let values: Vec<String> = cell
                .summary
                .iter()
                .map(|s| {
                    format!(
                        "{} {}{}",
                        s.strategy,
                        value(metric.value(s)),
                        if grid.has_objectives && !s.meets_objectives {
                            " (misses)"
                        } else {
                            ""
                        }
                    )
                })
                .collect();
            out.push_str(&format!(
                "  {:>10}  {}\n",
                axis.labels[cell.levels[0]],
                values.join(" | ")
            ));
        }
        for (s, name) in grid.strategies.iter().enumerate() {
            if let Some(Frontier::Between {
                from,
                to,
                meets_before: true,
            }) = grid.line_frontier(s)
            {
                out.push_str(&format!(
                    "  Frontier: {name} meets its objectives at {}={} but not at {}.\n",
                    axis.key, axis.labels[from], axis.labels[to]
                ));
            }
        }
    } else if grid.has_objectives {
        for (s, name) in grid.strategies.iter().enumerate() {
            let met = grid
                .cells
                .iter()
                .filter(|c| c.summary[s].meets_objectives)
                .count();
            out.push_str(&format!(
                "  {name}: meets its objectives in {met} of {} cells\n",
                grid.cells.len()
            ));
        }
    }
    out.push_str(&format!("  Results: {}/\n", written.display()));
    out
}
