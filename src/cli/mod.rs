//! The command line: `outsim run`, `outsim validate`, `outsim init`, `outsim stress`,
//! `outsim sensitivity`, `outsim optimize`, `outsim merge`.
//!
//! Raw flags are parsed by clap into the structs below (the options that `run`,
//! `stress`, `sensitivity` and `optimize` share are one flattened `CommonOptions`, whose
//! output part, `OutputOptions`, `merge` takes too), then turned
//! once into validated `Settings`; each subcommand then calls the library and writes
//! through the one artifact manager ([`crate::output::folder`]). Errors come back as
//! `CliError`, whose variant decides the exit code: 2 for invalid input (nothing was
//! written), 1 for any other failure, 130 for an interrupt. The library exposes only
//! [`main`]; the argument structs are private to the command line.

mod budget;
mod init;
mod merge;
mod optimize;
mod optimize_shard;
mod run;
mod sensitivity;
mod shard;
mod signals;
mod stress;
mod stress_shard;
mod table;
mod validate;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::charts::{ChartError, ImageFormat};
use crate::engine::RunOptions;
use crate::output::OutputError;
use crate::output::folder::{self, ArtifactError, Artifacts};
use crate::scenario::{MAX_TRIALS, Sampling, Scenario};

/// Parse the command line, run the command and turn its outcome into the process's
/// exit code (0 success, 1 failure, 2 invalid input, 130 interrupted).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Monte Carlo simulation of outsourcing capacity, cost, service and quality.
#[derive(Debug, Parser)]
#[command(name = "outsim", version, about, long_about = None)]
struct Cli {
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
    /// Find the cheapest plan for a strategy that meets the objectives with the
    /// file's confidence.
    Optimize(OptimizeArgs),
    /// Put the shard folders of a run, stress grid or search split with `--shard` back
    /// together into the results one machine would have written.
    Merge(MergeArgs),
}

/// Options `run`, `stress`, `sensitivity` and `optimize` share: what to simulate, then
/// where and how to write it.
#[derive(Debug, Args)]
struct CommonOptions {
    /// Number of trials (of every run), overriding the files' `trials`.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=MAX_TRIALS))]
    trials: Option<u64>,
    /// Seed (of every run), overriding the files' `seed`.
    #[arg(long)]
    seed: Option<u64>,
    /// How the inputs drawn once per trial are sampled, overriding the files'
    /// `sampling`: random, or lhs (each block of 1,024 trials one Latin hypercube).
    #[arg(long)]
    sampling: Option<SamplingArg>,
    #[command(flatten)]
    output: OutputOptions,
}

/// Where and how results are written: the options of every command that writes
/// results, `merge` included.
#[derive(Debug, Clone, Args)]
struct OutputOptions {
    /// Folder that receives the results folders (one per scenario).
    #[arg(long, default_value = "output")]
    out: PathBuf,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    threads: Option<u64>,
    /// Print nothing but errors and warnings.
    #[arg(long, short)]
    quiet: bool,
    /// Skip charts and the HTML report (faster).
    #[arg(long)]
    no_charts: bool,
    /// Chart formats, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "png,svg")]
    format: Vec<ChartFormat>,
}

/// Options of `outsim run`.
#[derive(Debug, Args)]
struct RunArgs {
    /// Scenario files, or folders whose *.toml files are all run.
    #[arg(default_value = "scenarios")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    common: CommonOptions,
    /// Run in batches until the 95% CI half-width of every strategy's mean NPV cost and
    /// of every pairwise difference is below this share of the mean (e.g. 0.005).
    /// Replaces --trials.
    #[arg(long, value_parser = parse_precision, conflicts_with = "trials")]
    precision: Option<f64>,
    /// With --precision: stop at this many trials even if the target is not reached
    /// [default: 1000000; at least 1024, one block].
    #[arg(long, requires = "precision", value_parser = parse_max_trials)]
    max_trials: Option<u64>,
    /// Do not write trials.parquet (one row per trial and strategy): saves its disk
    /// space and the time to write it.
    #[arg(long)]
    no_trials_file: bool,
    /// Do not write results.xlsx (the tables and charts as one Excel workbook).
    #[arg(long)]
    no_xlsx: bool,
    /// I/N: run only shard I of N (whole blocks of 1,024 trials) and write a shard
    /// folder `<out>/<scenario>.shard-I-of-N` for `outsim merge`. Not with --precision.
    #[arg(long, value_name = "I/N", value_parser = shard::parse_shard, conflicts_with = "precision")]
    shard: Option<shard::ShardSpec>,
}

/// Options of `outsim merge`.
#[derive(Debug, Args)]
struct MergeArgs {
    /// Shard folders written by `run`, `stress` or `optimize` with `--shard I/N` (every I
    /// from 1 to N once, all of one command), or a folder holding them.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    #[command(flatten)]
    output: OutputOptions,
    /// Do not write trials.parquet.
    #[arg(long)]
    no_trials_file: bool,
    /// Do not write results.xlsx.
    #[arg(long)]
    no_xlsx: bool,
}

fn parse_precision(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x > 0.0 && x < 1.0 => Ok(x),
        _ => Err(format!(
            "{text} is not a share between 0 and 1 (e.g. 0.005)"
        )),
    }
}

/// `--max-trials`: at least one block of trials, so that every run has an interval.
fn parse_max_trials(text: &str) -> Result<u64, String> {
    let block = crate::engine::BLOCK_TRIALS as u64;
    match text.parse::<u64>() {
        Ok(n) if (block..=MAX_TRIALS).contains(&n) => Ok(n),
        _ => Err(format!(
            "{text} is not a number of trials from {block} (one block) to {MAX_TRIALS}"
        )),
    }
}

/// Options of `outsim stress`.
#[derive(Debug, Args)]
struct StressArgs {
    /// The scenario file.
    scenario: PathBuf,
    /// KEY=SPEC: a path into the scenario and its values, e.g.
    /// `vendors.Budget.max_fte=60,80,100` or `demand.growth_annual=0.5x..2x:7`. Once for
    /// a line, twice for a grid.
    #[arg(long = "vary", required = true, value_name = "KEY=SPEC")]
    vary: Vec<String>,
    /// The figure the charts show per cell.
    #[arg(long, value_enum, default_value = "objectives")]
    metric: MetricArg,
    #[command(flatten)]
    common: CommonOptions,
    /// I/N: run only shard I of N of the grid's cells (each cell a whole run) and write
    /// a shard folder `<out>/<scenario>.stress-shard-I-of-N` for `outsim merge`.
    #[arg(long, value_name = "I/N", value_parser = shard::parse_shard)]
    shard: Option<shard::ShardSpec>,
}

/// The figure a stress chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MetricArg {
    /// P(objectives met).
    Objectives,
    /// P95 NPV cost.
    P95Cost,
    /// P(shortfall in any month).
    Shortfall,
    /// P(break in any month): a backlog beyond `max_backlog_months` of demand.
    Breaks,
}

/// Options of `outsim sensitivity`.
#[derive(Debug, Args)]
struct SensitivityArgs {
    /// The scenario file.
    scenario: PathBuf,
    #[command(flatten)]
    common: CommonOptions,
}

/// Options of `outsim optimize`.
#[derive(Debug, Args)]
struct OptimizeArgs {
    /// The scenario file.
    scenario: PathBuf,
    /// The strategy to start from; its levers are searched.
    #[arg(long)]
    strategy: String,
    /// KEY or KEY=SPEC: a lever of the strategy, e.g. `capacity_buffer=0..0.8`,
    /// `ip_protection`, `allocation`, `staffing`, an exit rule's
    /// `exits[0].when_service_below=0.8..0.95`, `for_months` or `notice_months` (by
    /// index or by the vendor it leaves: `exits.LowCostCo.for_months=1..6`), or the full
    /// form `strategies.NAME.capacity_buffer=0..0.8`. Repeat for more levers [default:
    /// the shares, the buffer, the oversight hours, every switch and every exit rule's
    /// numbers].
    #[arg(long = "search", value_name = "KEY[=SPEC]")]
    search: Vec<String>,
    /// The cost statistic minimised.
    #[arg(long, value_enum, default_value = "mean")]
    objective: ObjectiveArg,
    /// Most evaluations (simulated candidates) of the search.
    #[arg(long, default_value_t = crate::analysis::optimize::DEFAULT_EVALUATIONS as u64,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    evaluations: u64,
    #[command(flatten)]
    common: CommonOptions,
    /// I/N: simulate only shard I of N of the search's first batch (the starting
    /// strategy and the Latin hypercube: a quarter of the evaluations, independent of
    /// each other) and write a shard folder `<out>/<scenario>.optimize-shard-I-of-N`;
    /// `outsim merge` runs the rest of the search.
    #[arg(long, value_name = "I/N", value_parser = shard::parse_shard)]
    shard: Option<shard::ShardSpec>,
}

/// The cost statistic `optimize` minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ObjectiveArg {
    /// Mean NPV cost.
    Mean,
    /// 95th percentile of NPV cost.
    P95,
    /// Mean of the worst 5% of NPV costs.
    Cvar95,
}

/// A sampling method of `--sampling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SamplingArg {
    /// Independent draws.
    Random,
    /// Latin hypercube per block of trials.
    Lhs,
}

impl From<SamplingArg> for Sampling {
    fn from(arg: SamplingArg) -> Self {
        match arg {
            SamplingArg::Random => Sampling::Random,
            SamplingArg::Lhs => Sampling::Lhs,
        }
    }
}

/// An image format for charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ChartFormat {
    /// 1920x1080 PNG.
    Png,
    /// Scalable SVG.
    Svg,
}

/// Options of `outsim validate`.
#[derive(Debug, Args)]
struct ValidateArgs {
    /// Scenario files, or folders of *.toml files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

/// Options of `outsim init`.
#[derive(Debug, Args)]
struct InitArgs {
    /// Where to write the starter scenario.
    #[arg(default_value = "scenario.toml")]
    file: PathBuf,
    /// Overwrite the file if it exists.
    #[arg(long)]
    force: bool,
}

/// The shared options, validated once: what every simulating command works from.
struct Settings {
    trials: Option<u64>,
    seed: Option<u64>,
    out: PathBuf,
    threads: usize,
    /// `--sampling`, when given.
    sampling: Option<Sampling>,
    quiet: bool,
    /// Chart formats, or `None` for no charts and no report.
    charts: Option<Vec<ImageFormat>>,
}

impl Settings {
    fn new(options: CommonOptions) -> Self {
        Settings {
            trials: options.trials,
            seed: options.seed,
            sampling: options.sampling.map(Sampling::from),
            ..Settings::output(options.output)
        }
    }

    /// Settings that write results but leave trials, seed and sampling to the files.
    fn output(options: OutputOptions) -> Self {
        let threads = match options.threads {
            Some(n) => usize::try_from(n).unwrap_or(1),
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let formats = options
            .format
            .iter()
            .map(|f| match f {
                ChartFormat::Png => ImageFormat::Png,
                ChartFormat::Svg => ImageFormat::Svg,
            })
            .collect();
        Settings {
            trials: None,
            seed: None,
            out: options.out,
            threads,
            sampling: None,
            quiet: options.quiet,
            charts: (!options.no_charts).then_some(formats),
        }
    }

    /// Trials and seed (the options', else the file's), stopped by the artifact
    /// manager's cancellation flag.
    fn run_options<'a>(&self, scenario: &Scenario) -> RunOptions<'a> {
        let options = RunOptions::new(
            self.trials.unwrap_or(scenario.meta.trials),
            self.seed.unwrap_or(scenario.meta.seed),
        )
        .cancel(folder::cancellation());
        match self.sampling {
            Some(sampling) => options.sampling(sampling),
            None => options,
        }
    }

    /// The worker pool of `--threads`.
    fn pool(&self) -> Result<rayon::ThreadPool, CliError> {
        rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads)
            .build()
            .map_err(|e| {
                CliError::Failed(format!("cannot start {} worker threads: {e}", self.threads))
            })
    }

    /// Check `--out` before any simulation (and clear stale temporaries in it).
    fn open_out(&self) -> Result<Artifacts, CliError> {
        let artifacts = Artifacts::open(&self.out).map_err(|e| CliError::artifact(None, e))?;
        for path in artifacts.stale_removed() {
            eprintln!(
                "note: removed {}, left by an outsim process that has ended",
                path.display()
            );
        }
        Ok(artifacts)
    }

    /// A progress bar of `total` trials on a terminal (hidden otherwise or when quiet).
    fn progress_bar(&self, total: u64) -> ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() {
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
}

/// A failed command, and how the process should exit.
#[derive(Debug, thiserror::Error)]
enum CliError {
    /// The input was invalid (scenario files, paths, options): exit code 2. Nothing was
    /// simulated or written.
    #[error("{0}")]
    Invalid(String),
    /// Anything else went wrong (output could not be written, ...): exit code 1.
    #[error("{0}")]
    Failed(String),
    /// A signal stopped the command; no partial results folder was left. Exit code 130.
    #[error("interrupted: {}", interrupted_text(.written))]
    Interrupted {
        /// The results folders that were complete before the signal.
        written: Vec<String>,
    },
}

fn interrupted_text(written: &[String]) -> String {
    if written.is_empty() {
        "no results were written".to_string()
    } else {
        format!(
            "results were written for {} only; the other scenarios have none",
            written.join(", ")
        )
    }
}

impl CliError {
    /// The process exit code for this error.
    fn exit_code(&self) -> u8 {
        match self {
            CliError::Invalid(_) => 2,
            CliError::Failed(_) => 1,
            CliError::Interrupted { .. } => signals::INTERRUPTED,
        }
    }

    /// Charts of the scenario `file` that could not be drawn, or were stopped by a signal.
    fn charts(file: &Path, e: ChartError) -> Self {
        match e {
            ChartError::Cancelled => CliError::Interrupted {
                written: Vec::new(),
            },
            e => CliError::Failed(format!("{}: charts: {e}", file.display())),
        }
    }

    /// A table of the scenario `file` that could not be encoded.
    fn table(file: &Path, e: OutputError) -> Self {
        CliError::Failed(format!("{}: {e}", file.display()))
    }

    /// An error of the artifact manager, for the scenario `file` if it concerns one.
    fn artifact(file: Option<&Path>, e: ArtifactError) -> Self {
        let text = match file {
            Some(file) => format!("{}: {e}", file.display()),
            None => e.to_string(),
        };
        match e {
            ArtifactError::Interrupted { .. } => CliError::Interrupted {
                written: Vec::new(),
            },
            e if e.is_refusal() => CliError::Invalid(format!("{text}; nothing was written")),
            _ => CliError::Failed(text),
        }
    }
}

/// Run the parsed command line.
fn execute(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Validate(args) => validate::validate(args),
        Command::Init(args) => init::init(args),
        Command::Stress(args) => stress::stress(args),
        Command::Sensitivity(args) => sensitivity::sensitivity(args),
        Command::Optimize(args) => optimize::optimize(args),
        Command::Merge(args) => merge::merge(args),
    }
}

/// What a path given as a scenario is.
enum ScenarioPath {
    File,
    Folder,
}

/// A path given as a scenario: a regular file or a folder; anything else (missing, a
/// FIFO, a device) is invalid input, said as such.
fn scenario_path(path: &Path) -> Result<ScenarioPath, CliError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(ScenarioPath::File),
        Ok(meta) if meta.is_dir() => Ok(ScenarioPath::Folder),
        Ok(_) => Err(CliError::Invalid(format!(
            "{}: not a regular file (a pipe, socket or device): give a scenario file",
            path.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let hint = if path.to_string_lossy().contains(['*', '?']) {
                " (the pattern matched nothing: check the folder you run from)"
            } else {
                ""
            };
            Err(CliError::Invalid(format!(
                "{}: no such file or folder{hint}",
                path.display()
            )))
        }
        Err(e) => Err(CliError::Invalid(format!(
            "{}: cannot read: {e}",
            path.display()
        ))),
    }
}

/// Expand files and folders into scenario files: a folder gives its `*.toml` files in
/// name order (not recursive). A missing path, or a folder with no scenario, is invalid
/// input.
fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    let mut files = Vec::new();
    for path in paths {
        match scenario_path(path)? {
            ScenarioPath::File => files.push(path.clone()),
            ScenarioPath::Folder => {
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
            }
        }
    }
    Ok(files)
}

/// Write to stdout, treating a closed pipe (`outsim run | head`) as success: the rest of
/// the output is dropped, the command goes on and exits as it would have.
fn print_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
