//! Everything a run writes, and the one place that writes it.
//!
//! Exporters are pure: each turns results into bytes: [`csv`] the CSV tables (every one
//! from a serde row type, in one dialect), [`json`] `summary.json` and `run.json`,
//! [`parquet`] `trials.parquet` as the run goes on, [`xlsx`] `results.xlsx`. [`folder`] writes a whole results
//! folder atomically: into a temporary sibling first, then renamed into
//! place, so a reader never sees a half-written folder and a failed run leaves the
//! previous results untouched.

pub mod csv;
pub mod folder;
pub mod json;
pub mod optimize;
pub mod optimize_shard;
pub mod parquet;
pub mod shard;
pub mod stress_shard;
pub mod xlsx;

use std::path::PathBuf;

/// One file of a results folder: a path relative to the folder, and its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputFile {
    /// Path inside the results folder, e.g. `charts/cost_scurve.png`.
    pub path: PathBuf,
    /// File contents.
    pub bytes: Vec<u8>,
}

impl OutputFile {
    /// A file at `path` with `bytes`.
    pub fn new(path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> Self {
        OutputFile {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// Errors while producing or writing outputs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// A file or folder could not be written. Fatal for that scenario; earlier results
    /// in the same place are left as they were.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// Something other than a folder stands where a results folder goes. Fatal for that
    /// scenario; the thing in the way is left as it was.
    #[error("{path} exists and is not a folder: move it away or choose another --out")]
    NotAFolder {
        /// Where the results folder would go.
        path: PathBuf,
    },
    /// The Parquet table could not be built or encoded. Fatal for that scenario.
    #[error("cannot encode trials.parquet: {0}")]
    Parquet(String),
    /// A CSV table could not be encoded. Fatal for that scenario.
    #[error("cannot encode {file}: {message}")]
    Csv {
        /// The file being encoded.
        file: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The workbook `results.xlsx` could not be built. Fatal for that scenario.
    #[error("cannot encode results.xlsx: {0}")]
    Workbook(String),
    /// JSON encoding failed. Fatal for that scenario.
    #[error("cannot encode {file}: {message}")]
    Json {
        /// The file being encoded.
        file: &'static str,
        /// What went wrong.
        message: String,
    },
}
