//! The table functions under their earlier names, for callers that have not moved to
//! [`super::csv`], [`super::json`] and [`super::parquet`].
//!
//! The CSV functions here return bytes without an error: their row types are flat
//! records of numbers, text and booleans, which the `csv` crate always writes into
//! memory (every table is written in the tests). New code should call the functions of
//! [`super::csv`], which report an error instead.

use super::OutputError;
use crate::results::Results;

pub use super::json::{PrecisionInfo, RunInfo};
pub use super::parquet::{ROW_GROUP_ROWS, TrialsWriter};

/// The bytes of a table that cannot fail to encode (see the module docs).
pub(crate) fn infallible(table: Result<Vec<u8>, OutputError>) -> Vec<u8> {
    table.unwrap_or_else(|e| unreachable!("flat table rows always encode: {e}"))
}

/// `summary.csv`: see [`super::csv::summary`].
pub fn summary_csv(results: &Results) -> Vec<u8> {
    infallible(super::csv::summary(results))
}

/// `pairs.csv`: see [`super::csv::pairs`].
pub fn pairs_csv(results: &Results) -> Vec<u8> {
    infallible(super::csv::pairs(results))
}

/// `monthly.csv`: see [`super::csv::monthly`].
pub fn monthly_csv(results: &Results) -> Vec<u8> {
    infallible(super::csv::monthly(results))
}

/// `summary.json`: see [`super::json::summary`].
pub fn summary_json(results: &Results) -> Result<Vec<u8>, OutputError> {
    super::json::summary(results)
}

/// `run.json`: see [`super::json::run`].
pub fn run_json(info: &RunInfo) -> Result<Vec<u8>, OutputError> {
    super::json::run(info)
}
