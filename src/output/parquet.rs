//! `trials.parquet`: every per-trial output of a run, one row per trial and strategy,
//! streamed to disk in row groups while the run goes on; with the inputs drawn once per
//! trial (MODEL.md V2.6), one column each named by its key path
//! (`demand.growth_annual`, `vendors.North.defect_rate`), the same on every row of a
//! trial.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::{Column, DataFrame, NamedFrom, Series};
use polars_io::parquet::write::BatchedWriter;
use polars_io::prelude::{ParquetCompression, ParquetWriter};

use super::OutputError;
use crate::engine::{MetricKind, SinkError, TRIAL_METRICS, TrialMetrics, TrialSink};

/// Trials per row group of `trials.parquet`, for `strategies` strategies: about
/// [`ROW_GROUP_ROWS`] rows. Fixed by the scenario alone, so the file's bytes do not
/// depend on how the run was scheduled.
fn batch_trials(strategies: usize) -> usize {
    (ROW_GROUP_ROWS / strategies.max(1)).max(1)
}

/// Rows per row group of `trials.parquet` (one row per trial and strategy).
pub const ROW_GROUP_ROWS: usize = 65_536;

/// The rows of trials `first_trial..` as a data frame (`metrics` trial-major; `inputs`
/// trial-major, one value per name of `input_names`, NaN where missing).
fn trials_frame(
    first_trial: u64,
    metrics: &[TrialMetrics],
    strategies: &[String],
    input_names: &[String],
    inputs: &[f64],
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
    let k = input_names.len();
    columns.extend(input_names.iter().enumerate().map(|(c, name)| {
        let values: Vec<f64> = (0..n)
            .map(|i| inputs.get((i / s) * k + c).copied().unwrap_or(f64::NAN))
            .collect();
        Column::from(Series::new(name.as_str().into(), values))
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
    /// Names of the input columns.
    input_names: Vec<String>,
    /// Inputs of the trials in `pending`, trial-major.
    pending_inputs: Vec<f64>,
    /// Inputs handed on for the trials of the next [`TrialsWriter::push`].
    incoming_inputs: Vec<f64>,
}

impl TrialsWriter {
    /// Create `path` for the trials of `strategies`.
    pub fn create(path: &Path, strategies: &[String]) -> Result<Self, OutputError> {
        Self::with_batch_trials(path, strategies, batch_trials(strategies.len()))
    }

    /// As [`TrialsWriter::create`], with a column per input drawn once per trial,
    /// named `input_names` (key paths, in the engine's order of inputs); the values
    /// come from the run through [`TrialSink::accept_inputs`] or
    /// [`TrialsWriter::push_inputs`].
    pub fn create_with_inputs(
        path: &Path,
        strategies: &[String],
        input_names: &[String],
    ) -> Result<Self, OutputError> {
        Self::open(
            path,
            strategies,
            input_names,
            batch_trials(strategies.len()),
        )
    }

    /// As [`TrialsWriter::create`], with `batch_trials` trials per row group.
    pub fn with_batch_trials(
        path: &Path,
        strategies: &[String],
        batch_trials: usize,
    ) -> Result<Self, OutputError> {
        Self::open(path, strategies, &[], batch_trials)
    }

    fn open(
        path: &Path,
        strategies: &[String],
        input_names: &[String],
        batch_trials: usize,
    ) -> Result<Self, OutputError> {
        let io = |source| OutputError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::create(path).map_err(io)?;
        let handle = file.try_clone().map_err(io)?;
        let schema = trials_frame(0, &[], strategies, input_names, &[])?
            .schema()
            .clone();
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
            input_names: input_names.to_vec(),
            pending_inputs: Vec::new(),
            incoming_inputs: Vec::new(),
        })
    }

    /// The inputs of the trials of the next [`TrialsWriter::push`], trial-major.
    pub fn push_inputs(&mut self, inputs: &[f64]) {
        if !self.input_names.is_empty() {
            self.incoming_inputs.extend_from_slice(inputs);
        }
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
            let values = (take / s * self.input_names.len()).min(self.incoming_inputs.len());
            self.pending_inputs
                .extend(self.incoming_inputs.drain(..values));
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
        let frame = trials_frame(
            self.pending_first,
            &self.pending,
            &self.strategies,
            &self.input_names,
            &self.pending_inputs,
        )?;
        self.writer.write_batch(&frame).map_err(parquet_error)?;
        self.pending.clear();
        self.pending_inputs.clear();
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

    fn wants_inputs(&self) -> bool {
        !self.input_names.is_empty()
    }

    fn accept_inputs(&mut self, _first_trial: u64, inputs: &[f64]) -> Result<(), SinkError> {
        self.push_inputs(inputs);
        Ok(())
    }
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
        // Names are kept as written, formula-like or not.
        let names = vec!["=HYPERLINK(\"x\")".to_string(), "B, quoted".to_string()];
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
}
