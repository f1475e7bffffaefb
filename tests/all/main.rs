//! One integration-test binary: reference agreement, determinism, CLI behaviour,
//! hand-computed mechanism checks, model invariants, extreme scenarios, hostile inputs,
//! safe outputs, hostile folders and signals, HTML that escapes scenario text, stress and
//! sensitivity analysis, sharded runs merged back, the tables' bytes, and the workbook read back.

mod breaks;
mod cli;
mod common;
mod correlated;
mod determinism;
mod exits;
mod extremes;
mod hostile;
mod hostile_inputs;
mod invariants;
mod mechanisms;
mod optimize;
mod optimize_shards;
mod recommend;
mod reference;
mod report_safety;
mod safe_outputs;
mod samplers;
mod shards;
mod stress;
mod tables;
mod v2_engine;
mod v2_inputs;
mod workbook;
