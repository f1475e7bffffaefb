//! The JSON files of a run: `summary.json` (the recommendation, in words and as fields,
//! and the rows of `summary.csv`, from the same row type) and `run.json` (what was run,
//! with which seed, by which version).
//!
//! Names are written exactly as given: JSON strings need no neutralising. Non-finite
//! numbers, which JSON cannot hold, are written as `null`.

use serde::Serialize;

use super::OutputError;
use crate::charts::format::money_affixes;
use crate::recommend::{Recommendation, recommend};
use crate::results::{Results, StrategySummary};
use crate::scenario::Scenario;

/// Pretty-printed JSON of `value` with a final newline.
fn pretty<T: Serialize + ?Sized>(file: &'static str, value: &T) -> Result<Vec<u8>, OutputError> {
    let mut bytes = serde_json::to_vec_pretty(value).map_err(|e| OutputError::Json {
        file,
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// What `summary.json` holds.
#[derive(Serialize)]
struct SummaryFile<'a> {
    /// The run's recommendation ([`crate::recommend`]); `null` with no strategy.
    recommendation: Option<Recommendation>,
    /// The rows of `summary.csv`, each with its vendors' exits.
    strategies: Vec<SummaryRow<'a>>,
}

/// One object of `strategies`: a row of `summary.csv` and, with sourcing over time,
/// under `exits`, what exits and failures did to each of its vendors
/// ([`crate::results::VendorExits`]).
#[derive(Serialize)]
struct SummaryRow<'a> {
    #[serde(flatten)]
    summary: &'a StrategySummary,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    exits: Vec<&'a crate::results::VendorExits>,
}

/// `summary.json`: an object with the run's `recommendation` (its paragraph as `text`
/// and the figures it quotes, [`Recommendation`]) and `strategies`, the rows of
/// `summary.csv` ([`StrategySummary`]) as an array of objects, each with its vendors'
/// `exits` when the scenario has sourcing over time.
pub fn summary(scenario: &Scenario, results: &Results) -> Result<Vec<u8>, OutputError> {
    let strategies = results
        .summary
        .iter()
        .enumerate()
        .map(|(s, summary)| SummaryRow {
            summary,
            exits: results
                .vendor_exits
                .iter()
                .filter(|v| v.strategy == s)
                .collect(),
        })
        .collect();
    let file = SummaryFile {
        recommendation: recommend(
            scenario,
            results,
            &money_affixes(&scenario.meta.currency).into(),
        ),
        strategies,
    };
    pretty("summary.json", &file)
}

/// What `run.json` records about a run.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// Scenario name.
    pub scenario: String,
    /// Scenario file as given.
    pub file: String,
    /// Seed used.
    pub seed: u64,
    /// Trials run.
    pub trials: u64,
    /// Months simulated.
    pub horizon_months: u32,
    /// Strategy names.
    pub strategies: Vec<String>,
    /// outsim version.
    pub outsim_version: &'static str,
    /// Worker threads used.
    pub threads: usize,
    /// Wall-clock seconds of the simulation and summaries.
    pub wall_time_seconds: f64,
    /// Validation warnings.
    pub warnings: Vec<String>,
    /// What a precision-targeted run (`--precision`) achieved; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<PrecisionInfo>,
}

/// The achieved precision of a `--precision` run.
#[derive(Debug, Clone, Serialize)]
pub struct PrecisionInfo {
    /// The requested largest relative 95% half-width.
    pub target_relative_half_width: f64,
    /// Whether every figure reached it.
    pub reached: bool,
    /// The widest relative 95% half-width achieved.
    pub worst_relative_half_width: f64,
    /// The figure with that half-width.
    pub worst_figure: String,
}

impl RunInfo {
    /// The record for one run of `scenario`.
    pub fn new(
        scenario: &Scenario,
        file: &str,
        results: &Results,
        threads: usize,
        wall_time_seconds: f64,
    ) -> Self {
        RunInfo {
            scenario: scenario.meta.name.clone(),
            file: file.to_string(),
            seed: results.seed,
            trials: results.trials,
            horizon_months: scenario.meta.horizon_months,
            strategies: results.strategies.clone(),
            outsim_version: env!("CARGO_PKG_VERSION"),
            threads,
            wall_time_seconds,
            warnings: scenario.warnings.clone(),
            precision: None,
        }
    }
}

/// `run.json`.
pub fn run(info: &RunInfo) -> Result<Vec<u8>, OutputError> {
    pretty("run.json", info)
}
