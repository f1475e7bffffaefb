//! One integration-test binary: reference agreement, determinism, CLI behaviour,
//! hand-computed mechanism checks, model invariants, extreme scenarios, safe outputs,
//! hostile folders and signals, and stress and sensitivity analysis.

mod cli;
mod common;
mod determinism;
mod extremes;
mod hostile;
mod invariants;
mod mechanisms;
mod reference;
mod safe_outputs;
mod samplers;
mod stress;
