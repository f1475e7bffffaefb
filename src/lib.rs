//! outsim: a Monte Carlo simulator of outsourcing capacity, cost, service and quality.
//!
//! A scenario file is read and validated once into a [`scenario::Scenario`]; the
//! [`engine`] simulates thousands to millions of possible futures of it in parallel,
//! every strategy against the same futures, and returns a raw run; [`results`]
//! summarises it with the pure functions of [`stats`]; [`verdict`], [`recommend`] and
//! [`analysis`] (stress tests, sensitivity) build on those. The adapters come last: [`output`] writes
//! tables (CSV, JSON, Parquet) into a results folder atomically, [`charts`] draws them,
//! [`report`] renders the HTML report, and [`cli`] is the command line. Each layer
//! imports only the ones before it. The model itself is described in `docs/model.md`.
//!
//! file -> [`scenario::Scenario`] -> [`engine::run`] -> [`results::Results`] -> tables,
//! charts, report.

#![warn(missing_docs)]

pub mod analysis;
pub mod charts;
pub mod cli;
pub mod engine;
pub mod model;
pub mod output;
pub mod recommend;
pub mod report;
pub mod results;
pub mod scenario;
pub mod stats;
pub mod verdict;
