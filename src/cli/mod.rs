//! The command line: `outsim run`, `outsim validate`, `outsim init`, `outsim stress`,
//! `outsim sensitivity`.
//!
//! Raw flags are parsed by clap into the structs below, then each subcommand validates
//! them once and calls the library. Errors come back as [`CliError`], whose variant
//! decides the exit code: 2 for invalid input, 1 for any other failure.

mod init;
mod run;
mod sensitivity;
mod stress;
mod table;
mod validate;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::scenario::MAX_TRIALS;

/// Monte Carlo simulation of outsourcing capacity, cost, service and quality.
#[derive(Debug, Parser)]
#[command(name = "outsim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate scenario files and write tables, charts and a report for each.
    Run(RunArgs),
    /// Check scenario files and report every problem; simulates nothing.
    Validate(ValidateArgs),
    /// Write a commented starter scenario that validates and runs.
    Init(InitArgs),
    /// Stress-test a scenario: vary one or two inputs over a line or grid of values.
    Stress(StressArgs),
    /// Rank the uncertain inputs by how much they drive cost and service.
    Sensitivity(SensitivityArgs),
}

/// Options of `outsim run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files, or folders whose *.toml files are all run.
    #[arg(default_value = "scenarios")]
    pub paths: Vec<PathBuf>,
    /// Number of trials, overriding the files' `trials`.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_TRIALS))]
    pub trials: Option<u64>,
    /// Seed, overriding the files' `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Folder that receives one results folder per scenario.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Print nothing but errors and warnings.
    #[arg(long, short)]
    pub quiet: bool,
    /// Skip charts and the HTML report (faster).
    #[arg(long)]
    pub no_charts: bool,
    /// Chart formats, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "png,svg")]
    pub format: Vec<ChartFormat>,
    /// Run in batches until the 95% CI half-width of every strategy's mean NPV cost and
    /// of every pairwise difference is below this share of the mean (e.g. 0.005).
    #[arg(long, value_parser = parse_precision)]
    pub precision: Option<f64>,
    /// With --precision: stop at this many trials even if the target is not reached.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=MAX_TRIALS))]
    pub max_trials: u64,
}

fn parse_precision(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x > 0.0 && x < 1.0 => Ok(x),
        _ => Err(format!(
            "{text} is not a share between 0 and 1 (e.g. 0.005)"
        )),
    }
}

/// Options `stress` and `sensitivity` share with `run`.
#[derive(Debug, Args)]
pub struct AnalysisOptions {
    /// Number of trials of every run, overriding the file's `trials`.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_TRIALS))]
    pub trials: Option<u64>,
    /// Seed of every run, overriding the file's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Folder that receives the scenario's results folder.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// Print nothing but errors and warnings.
    #[arg(long, short)]
    pub quiet: bool,
    /// Skip charts (and the sensitivity report).
    #[arg(long)]
    pub no_charts: bool,
    /// Chart formats, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "png,svg")]
    pub format: Vec<ChartFormat>,
}

/// Options of `outsim stress`.
#[derive(Debug, Args)]
pub struct StressArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// KEY=SPEC: a path into the scenario and its values, e.g.
    /// `vendors.Budget.max_fte=60,80,100` or `demand.growth_annual=0.5x..2x:7`. Once for
    /// a line, twice for a grid.
    #[arg(long = "vary", required = true, value_name = "KEY=SPEC")]
    pub vary: Vec<String>,
    /// The figure the charts show per cell.
    #[arg(long, value_enum, default_value = "objectives")]
    pub metric: MetricArg,
    /// Options shared with `run`.
    #[command(flatten)]
    pub options: AnalysisOptions,
}

/// The figure a stress chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricArg {
    /// P(objectives met).
    Objectives,
    /// P95 NPV cost.
    P95Cost,
    /// P(shortfall in any month).
    Shortfall,
}

/// Options of `outsim sensitivity`.
#[derive(Debug, Args)]
pub struct SensitivityArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Options shared with `run`.
    #[command(flatten)]
    pub options: AnalysisOptions,
}

/// An image format for charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChartFormat {
    /// 1920x1080 PNG.
    Png,
    /// Scalable SVG.
    Svg,
}

/// Options of `outsim validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files, or folders of *.toml files.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// Options of `outsim init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the starter scenario.
    #[arg(default_value = "scenario.toml")]
    pub file: PathBuf,
    /// Overwrite the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// A failed command, and how the process should exit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The input was invalid (scenario files, paths, options): exit code 2. Nothing was
    /// simulated or written.
    #[error("{0}")]
    Invalid(String),
    /// Anything else went wrong (output could not be written, ...): exit code 1.
    #[error("{0}")]
    Failed(String),
    /// Ctrl-C stopped the run; no partial results folder was left. Exit code 130.
    #[error("interrupted: no results were written for unfinished scenarios")]
    Interrupted,
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Invalid(_) => 2,
            CliError::Failed(_) => 1,
            CliError::Interrupted => 130,
        }
    }
}

/// Run the parsed command line.
pub fn execute(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Validate(args) => validate::validate(args),
        Command::Init(args) => init::init(args),
        Command::Stress(args) => stress::stress(args),
        Command::Sensitivity(args) => sensitivity::sensitivity(args),
    }
}

/// Expand files and folders into scenario files: a folder gives its `*.toml` files in
/// name order (not recursive). A missing path, or a folder with no scenario, is invalid
/// input.
pub(crate) fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| {
                CliError::Invalid(format!("{}: cannot read folder: {e}", path.display()))
            })?;
            let mut found: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(CliError::Invalid(format!(
                    "{}: no *.toml scenario files in this folder",
                    path.display()
                )));
            }
            files.extend(found);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            let hint = if path.to_string_lossy().contains(['*', '?']) {
                " (the pattern matched nothing: check the folder you run from)"
            } else {
                ""
            };
            return Err(CliError::Invalid(format!(
                "{}: no such file or folder{hint}",
                path.display()
            )));
        }
    }
    Ok(files)
}

/// Write to stdout, treating a closed pipe (`outsim run | head`) as success.
pub(crate) fn print_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
