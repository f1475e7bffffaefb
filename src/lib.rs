//! outsim: a Monte Carlo simulator of outsourcing capacity, cost, service and quality.
//!
//! A scenario file is read and validated once into a [`scenario::Scenario`]; the
//! [`engine`] simulates thousands to millions of possible futures of it in parallel,
//! every strategy against the same futures; [`results`] summarises them with the pure
//! functions of [`stats`]; [`output`] writes tables (CSV, JSON, Parquet) into a results
//! folder atomically. The model itself is described in `docs/model.md`.
//!
//! file -> [`scenario::Scenario`] -> [`engine::run`] -> [`results::Results`] -> tables.

#![warn(missing_docs)]

pub mod analysis;
pub mod charts;
pub mod cli;
pub mod engine;
pub mod model;
pub mod output;
pub mod report;
pub mod results;
pub mod scenario;
pub mod stats;
pub mod verdict;
