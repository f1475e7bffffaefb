//! One integration-test binary: reference agreement, determinism, CLI behaviour and
//! hand-computed mechanism checks.

mod cli;
mod common;
mod determinism;
mod mechanisms;
mod reference;
