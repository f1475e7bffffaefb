//! `outsim stress`: vary one or two KEYs of a scenario over a line or grid of values, run
//! every cell with every strategy on the same trials and seed, and write
//! `<out>/<stem>/stress/` (the table and charts) atomically.
//!
//! Every KEY, SPEC and variant is checked before anything runs; a bad one exits with 2,
//! naming it, and writes nothing. Helpers shared with `outsim sensitivity` live here too.

use std::path::{Path, PathBuf};

use super::budget::{self, Estimate};
use super::signals;
use super::{
    CliError, MetricArg, ScenarioPath, Settings, StressArgs, print_out, scenario_path, stress_shard,
};
use crate::analysis::stress::{self, Frontier, StressGrid, StressMetric, cell_label};
use crate::analysis::variants::parse_vary;
use crate::charts;
use crate::charts::format::{format_money, format_probability};
use crate::engine::RunError;
use crate::output::folder::{self, ResultsFolder, Written};
use crate::output::{OutputFile, csv};
use crate::report::Breaking;
use crate::scenario::Scenario;

/// A scenario file read and validated, with its text.
pub(super) struct Loaded {
    pub file: PathBuf,
    pub text: String,
    pub scenario: Scenario,
}

/// Read and validate `file`, printing every problem; invalid input exits with 2.
pub(super) fn load(file: &Path) -> Result<Loaded, CliError> {
    if let ScenarioPath::Folder = scenario_path(file)? {
        return Err(CliError::Invalid(format!(
            "{}: is a folder: give one scenario file",
            file.display()
        )));
    }
    // A name that cannot give a results folder is refused before anything is created.
    folder::plain_stem(file).map_err(|e| CliError::artifact(None, e))?;
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
    Ok(Loaded {
        file: file.to_path_buf(),
        text,
        scenario,
    })
}

/// Before any simulation: check `--out` and the scenario's results folder, and refuse a
/// run that will not fit the machine (`estimate`).
pub(super) fn prepare(
    settings: &Settings,
    loaded: &Loaded,
    estimate: Estimate,
) -> Result<ResultsFolder, CliError> {
    let artifacts = settings.open_out()?;
    let folder = artifacts
        .results_folder(&loaded.file)
        .map_err(|e| CliError::artifact(Some(&loaded.file), e))?;
    budget::check(estimate, artifacts.out(), false)?;
    Ok(folder)
}

/// Write `files` as `<out>/<stem>/<part>/`, atomically, leaving the rest of
/// `<out>/<stem>/` alone.
pub(super) fn write(
    folder: &ResultsFolder,
    loaded: &Loaded,
    part: &str,
    files: &[OutputFile],
) -> Result<Written, CliError> {
    let artifact = |e| CliError::artifact(Some(&loaded.file), e);
    folder
        .stage(Some(part))
        .map_err(artifact)?
        .commit(files)
        .map_err(artifact)
}

/// A run of an analysis that stopped: interrupted, or failed.
pub(super) fn stopped(loaded: &Loaded, e: RunError) -> CliError {
    match e {
        RunError::Cancelled => CliError::Interrupted {
            written: Vec::new(),
        },
        other => CliError::Failed(format!("{}: {other}", loaded.file.display())),
    }
}

fn metric(arg: MetricArg) -> StressMetric {
    match arg {
        MetricArg::Objectives => StressMetric::ObjectivesMet,
        MetricArg::P95Cost => StressMetric::CostP95,
        MetricArg::Shortfall => StressMetric::Shortfall,
        MetricArg::Breaks => StressMetric::Break,
    }
}

pub(super) fn stress(args: StressArgs) -> Result<(), CliError> {
    signals::install();
    let settings = Settings::new(args.common);
    let loaded = load(&args.scenario)?;
    let varies = args
        .vary
        .iter()
        .map(|v| parse_vary(v))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    let plan = stress::plan(&loaded.text, &loaded.file, &varies)
        .map_err(|e| CliError::Invalid(format!("{}: {e}", loaded.file.display())))?;
    let options = settings.run_options(&loaded.scenario);
    // Cells run one after another: one cell's trials are kept at a time.
    let estimate = Estimate::run(options.trials, loaded.scenario.strategies.len(), false, 0);
    if let Some(spec) = args.shard {
        let job = stress_shard::Job {
            loaded: &loaded,
            plan: &plan,
            vary: &args.vary,
            metric: args.metric,
        };
        return stress_shard::run_shard(&job, &settings, estimate, spec);
    }
    let folder = prepare(&settings, &loaded, estimate)?;
    let pool = settings.pool()?;
    let bar = settings.progress_bar(options.trials * plan.cells.len() as u64);
    let progress = |n| bar.inc(n);
    let grid = pool.install(|| stress::run(&plan, options.progress(&progress)));
    bar.finish_and_clear();
    let grid = grid.map_err(|e| stopped(&loaded, e))?;
    finish(&grid, args.metric, &settings, &pool, &folder, &loaded)
}

/// Write a finished grid's `stress/` folder (the table and, unless `--no-charts`, the
/// charts of `metric`) and print its summary: the one path of `stress` and of the merge
/// of its shards.
pub(super) fn finish(
    grid: &StressGrid,
    metric: MetricArg,
    settings: &Settings,
    pool: &rayon::ThreadPool,
    folder: &ResultsFolder,
    loaded: &Loaded,
) -> Result<(), CliError> {
    let metric = self::metric(metric);
    let table = csv::stress(grid).map_err(|e| CliError::table(&loaded.file, e))?;
    let mut files = vec![OutputFile::new("stress.csv", table)];
    if let Some(formats) = &settings.charts {
        let charts = pool
            .install(|| charts::render_stress_until(grid, metric, formats, folder::cancellation()))
            .map_err(|e| CliError::charts(&loaded.file, e))?;
        files.extend(charts.into_iter().map(|c| OutputFile::new(c.name, c.bytes)));
    }
    let written = write(folder, loaded, "stress", &files)?;
    if !settings.quiet {
        print_out(&summary(grid, metric, loaded, &written.folder));
    }
    Ok(())
}

/// "What breaks first" over a grid ([`StressGrid::breaks_first`]): the first cell in
/// which a strategy breaks in most futures, the strategy and the month; or that none
/// does in any cell.
fn breaks_first_line(grid: &StressGrid) -> String {
    let breaking = Breaking::with_limit(grid.max_backlog_months);
    match grid.breaks_first() {
        Some((c, s, month)) => format!(
            "  Breaks first: {} at {} is {} in most futures from month {month}.\n",
            grid.strategies[s],
            cell_label(&grid.axes, &grid.cells[c].levels),
            breaking.state()
        ),
        None => format!(
            "  Breaks first: no strategy is {} in most futures in any month of any cell.\n",
            breaking.state()
        ),
    }
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
    out.push_str(&breaks_first_line(grid));
    out.push_str(&format!("  Results: {}/\n", written.display()));
    out
}
