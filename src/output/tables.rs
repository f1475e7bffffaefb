//! Tables of a run, as bytes: `summary.csv`, `summary.json`, `pairs.csv`, `monthly.csv`,
//! `trials.parquet` and `run.json`.
//!
//! Numbers are written with Rust's shortest round-trip formatting, so a CSV value reads
//! back as exactly the number computed, and the same results always give the same bytes.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::{Column, DataFrame, NamedFrom, Series};
use polars_io::parquet::write::BatchedWriter;
use polars_io::prelude::{ParquetCompression, ParquetWriter};
use serde::Serialize;

use super::OutputError;
use crate::engine::{MetricKind, SinkError, TRIAL_METRICS, TrialMetrics, TrialSink};
use crate::results::{Band, Results, StrategySummary};
use crate::scenario::Scenario;

/// Column names of `summary.csv`, in order: MODEL.md's list, then outsim's additions.
pub const SUMMARY_COLUMNS: [&str; 33] = [
    "strategy",
    "trials",
    "cost_mean",
    "cost_sd",
    "cost_se",
    "cost_p5",
    "cost_p50",
    "cost_p95",
    "cost_cvar95",
    "cost_per_unit_mean",
    "service_level_mean",
    "service_level_p5",
    "defect_rate_mean",
    "leavers_mean",
    "hires_mean",
    "incidents_mean",
    "shortfall_months_mean",
    "p_shortfall",
    "final_backlog_mean",
    "p_objectives_met",
    "meets_objectives",
    "labor_mean",
    "onboarding_mean",
    "setup_mean",
    "oversight_mean",
    "defects_mean",
    "delay_mean",
    "incidents_cost_mean",
    "credits_mean",
    "cost_total_mean",
    "first_shortfall_month",
    "first_shortfall_month_ci_low",
    "first_shortfall_month_ci_high",
];

/// Quote a CSV field where needed (RFC 4180).
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn num(x: f64) -> String {
    format!("{x}")
}

fn summary_row(s: &StrategySummary) -> Vec<String> {
    vec![
        csv_field(&s.strategy),
        s.trials.to_string(),
        num(s.cost_mean),
        num(s.cost_sd),
        num(s.cost_se),
        num(s.cost_p5),
        num(s.cost_p50),
        num(s.cost_p95),
        num(s.cost_cvar95),
        num(s.cost_per_unit_mean),
        num(s.service_level_mean),
        num(s.service_level_p5),
        num(s.defect_rate_mean),
        num(s.leavers_mean),
        num(s.hires_mean),
        num(s.incidents_mean),
        num(s.shortfall_months_mean),
        num(s.p_shortfall),
        num(s.final_backlog_mean),
        num(s.p_objectives_met),
        s.meets_objectives.to_string(),
        num(s.labor_mean),
        num(s.onboarding_mean),
        num(s.setup_mean),
        num(s.oversight_mean),
        num(s.defects_mean),
        num(s.delay_mean),
        num(s.incidents_cost_mean),
        num(s.credits_mean),
        num(s.cost_total_mean),
        s.first_shortfall_month
            .map_or(String::new(), |m| m.to_string()),
    ]
}

fn lines(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = header.join(",");
    out.push('\n');
    for row in rows {
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

/// `summary.csv`: one row per strategy.
pub fn summary_csv(results: &Results) -> Vec<u8> {
    lines(&SUMMARY_COLUMNS, results.summary.iter().map(summary_row))
}

/// `summary.json`: the same rows as `summary.csv`, as an array of objects.
pub fn summary_json(results: &Results) -> Result<Vec<u8>, OutputError> {
    let mut bytes = serde_json::to_vec_pretty(&results.summary).map_err(|e| OutputError::Json {
        file: "summary.json",
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// `pairs.csv`: every ordered pair of distinct strategies.
pub fn pairs_csv(results: &Results) -> Vec<u8> {
    let header = [
        "strategy_a",
        "strategy_b",
        "p_a_cheaper",
        "mean_diff",
        "diff_ci_low",
        "diff_ci_high",
    ];
    lines(
        &header,
        results.pairs.iter().map(|p| {
            vec![
                csv_field(&p.strategy_a),
                csv_field(&p.strategy_b),
                num(p.p_a_cheaper),
                num(p.mean_diff),
                num(p.diff_ci_low),
                num(p.diff_ci_high),
            ]
        }),
    )
}

/// `monthly.csv`: P10/P50/P90 per strategy and month.
pub fn monthly_csv(results: &Results) -> Vec<u8> {
    let mut header = vec!["strategy".to_string(), "month".to_string()];
    for series in ["demand", "capacity", "backlog", "heads", "cumulative_cost"] {
        for p in ["p10", "p50", "p90"] {
            header.push(format!("{series}_{p}"));
        }
    }
    header.push("p_shortfall".to_string());
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let band = |b: &Band| [num(b.p10), num(b.p50), num(b.p90)];
    lines(
        &header_refs,
        results.monthly.iter().map(|r| {
            let mut row = vec![
                csv_field(&results.strategies[r.strategy]),
                r.month.to_string(),
            ];
            for b in [
                &r.demand,
                &r.capacity,
                &r.backlog,
                &r.heads,
                &r.cumulative_cost,
            ] {
                row.extend(band(b));
            }
            row.push(num(r.p_shortfall));
            row
        }),
    )
}

/// Trials per row group of `trials.parquet`, for `strategies` strategies: about
/// [`ROW_GROUP_ROWS`] rows. Fixed by the scenario alone, so the file's bytes do not
/// depend on how the run was scheduled.
fn batch_trials(strategies: usize) -> usize {
    (ROW_GROUP_ROWS / strategies.max(1)).max(1)
}

/// Rows per row group of `trials.parquet` (one row per trial and strategy).
pub const ROW_GROUP_ROWS: usize = 65_536;

/// The rows of trials `first_trial..` as a data frame (`metrics` trial-major).
fn trials_frame(
    first_trial: u64,
    metrics: &[TrialMetrics],
    strategies: &[String],
) -> Result<DataFrame, OutputError> {
    let s = strategies.len().max(1);
    let n = metrics.len();
    let m = metrics;
    let mut columns: Vec<Column> = vec![
        Series::new(
            "trial".into(),
            (0..n)
                .map(|i| first_trial + (i / s) as u64)
                .collect::<Vec<u64>>(),
        )
        .into(),
        Series::new(
            "strategy".into(),
            (0..n)
                .map(|i| strategies.get(i % s).map_or("", String::as_str))
                .collect::<Vec<&str>>(),
        )
        .into(),
    ];
    // Counts and flags are whole numbers read back exactly from their f64 values.
    columns.extend(TRIAL_METRICS.iter().map(|metric| {
        let values = m.iter().map(metric.value);
        let name = metric.name.into();
        let series = match metric.kind {
            MetricKind::Real => Series::new(name, values.collect::<Vec<f64>>()),
            MetricKind::Count => Series::new(name, values.map(|x| x as u64).collect::<Vec<u64>>()),
            MetricKind::Flag => Series::new(name, values.map(|x| x != 0.0).collect::<Vec<bool>>()),
        };
        Column::from(series)
    }));
    DataFrame::new(n, columns).map_err(parquet_error)
}

fn parquet_error(e: polars::prelude::PolarsError) -> OutputError {
    OutputError::Parquet(e.to_string())
}

/// Writes `trials.parquet` as a run produces its trials: one row per trial and strategy
/// with every per-trial output, in row groups of a fixed number of trials, so that
/// memory does not grow with the number of trials. Encoding runs on the calling thread
/// (no thread pool of its own). Snappy-compressed.
pub struct TrialsWriter {
    path: PathBuf,
    writer: BatchedWriter<File>,
    /// A second handle on the file, to sync it once the footer is written.
    file: File,
    strategies: Vec<String>,
    batch_trials: usize,
    pending: Vec<TrialMetrics>,
    pending_first: u64,
}

impl TrialsWriter {
    /// Create `path` for the trials of `strategies`.
    pub fn create(path: &Path, strategies: &[String]) -> Result<Self, OutputError> {
        Self::with_batch_trials(path, strategies, batch_trials(strategies.len()))
    }

    /// As [`TrialsWriter::create`], with `batch_trials` trials per row group.
    pub fn with_batch_trials(
        path: &Path,
        strategies: &[String],
        batch_trials: usize,
    ) -> Result<Self, OutputError> {
        let io = |source| OutputError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::create(path).map_err(io)?;
        let handle = file.try_clone().map_err(io)?;
        let schema = trials_frame(0, &[], strategies)?.schema().clone();
        // Unbuffered: every write error surfaces through the writer (pages and row
        // groups are written in large pieces anyway). Snappy: the codec every Parquet
        // reader has, and about four times cheaper to write than zstd for 17% more bytes
        // (most columns are doubles with noisy mantissas).
        let writer = ParquetWriter::new(file)
            .with_compression(ParquetCompression::Snappy)
            .set_parallel(false)
            .batched(&schema)
            .map_err(parquet_error)?;
        Ok(TrialsWriter {
            path: path.to_path_buf(),
            writer,
            file: handle,
            strategies: strategies.to_vec(),
            batch_trials: batch_trials.max(1),
            pending: Vec::new(),
            pending_first: 0,
        })
    }

    /// Add trials `first_trial..` (`metrics` trial-major, one per strategy); they must
    /// follow the trials added before.
    pub fn push(&mut self, first_trial: u64, metrics: &[TrialMetrics]) -> Result<(), OutputError> {
        let s = self.strategies.len().max(1);
        if self.pending.is_empty() {
            self.pending_first = first_trial;
        }
        let mut rest = metrics;
        while !rest.is_empty() {
            let room = self.batch_trials * s - self.pending.len();
            let take = room.min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() == self.batch_trials * s {
                self.flush()?;
                self.pending_first += self.batch_trials as u64;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), OutputError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let frame = trials_frame(self.pending_first, &self.pending, &self.strategies)?;
        self.writer.write_batch(&frame).map_err(parquet_error)?;
        self.pending.clear();
        Ok(())
    }

    /// Write what is left and the footer, and sync the file to disk.
    pub fn finish(mut self) -> Result<(), OutputError> {
        self.flush()?;
        self.writer.finish().map_err(parquet_error)?;
        self.file.sync_all().map_err(|source| OutputError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

impl TrialSink for TrialsWriter {
    fn accept(&mut self, first_trial: u64, metrics: &[TrialMetrics]) -> Result<(), SinkError> {
        Ok(self.push(first_trial, metrics)?)
    }
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
pub fn run_json(info: &RunInfo) -> Result<Vec<u8>, OutputError> {
    let mut bytes = serde_json::to_vec_pretty(info).map_err(|e| OutputError::Json {
        file: "run.json",
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Trials pushed in uneven pieces come back from the file whole and in order, over
    /// several row groups.
    #[test]
    fn trials_parquet_is_written_in_row_groups_and_reads_back_in_order() {
        use polars_io::SerReader;
        use polars_io::prelude::ParquetReader;

        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("trials.parquet");
        let names = vec!["A".to_string(), "B, quoted".to_string()];
        let metrics: Vec<TrialMetrics> = (0..2 * 23)
            .map(|i| TrialMetrics {
                cost_npv: i as f64 * 1.5,
                hires: i as u64,
                objectives_met: i % 3 == 0,
                ..TrialMetrics::default()
            })
            .collect();
        let mut writer = TrialsWriter::with_batch_trials(&path, &names, 5).expect("create");
        let mut first = 0;
        for piece in [1usize, 4, 9, 2, 7] {
            let rows = &metrics[2 * first..2 * (first + piece)];
            writer.push(first as u64, rows).expect("push");
            first += piece;
        }
        assert_eq!(first, 23);
        writer.finish().expect("finish");

        let mut reader = ParquetReader::new(std::fs::File::open(&path).expect("open"));
        let row_groups = reader.get_metadata().expect("metadata").row_groups.len();
        assert_eq!(row_groups, 5, "23 trials in groups of 5");
        let frame = reader.finish().expect("read");
        assert_eq!(frame.height(), 46);
        let trial = frame.column("trial").expect("trial").u64().expect("u64");
        let strategy = frame
            .column("strategy")
            .expect("strategy")
            .str()
            .expect("str");
        let cost = frame.column("cost_npv").expect("cost").f64().expect("f64");
        let hires = frame.column("hires").expect("hires").u64().expect("u64");
        let met = frame
            .column("objectives_met")
            .expect("met")
            .bool()
            .expect("bool");
        for (i, m) in metrics.iter().enumerate() {
            assert_eq!(trial.get(i), Some((i / 2) as u64), "row {i}");
            assert_eq!(strategy.get(i), Some(names[i % 2].as_str()), "row {i}");
            assert_eq!(cost.get(i), Some(m.cost_npv), "row {i}");
            assert_eq!(hires.get(i), Some(m.hires), "row {i}");
            assert_eq!(met.get(i), Some(m.objectives_met), "row {i}");
        }
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
