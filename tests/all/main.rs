//! One integration-test binary: reference agreement, determinism, CLI behaviour,
//! hand-computed mechanism checks, model invariants, extreme scenarios, safe outputs,
//! stress and sensitivity analysis, and the tables' bytes.

mod cli;
mod common;
mod determinism;
mod extremes;
mod invariants;
mod mechanisms;
mod reference;
mod safe_outputs;
mod samplers;
mod stress;
mod tables;
