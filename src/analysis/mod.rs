//! Analyses built on the engine: stress tests over variants of a scenario, and global
//! and one-at-a-time sensitivity of cost and service to the uncertain inputs.
//!
//! Both reuse the engine's common random numbers: every variant of a stress grid, and
//! every one-at-a-time swing, runs the same trial indices with the same seed, so a
//! difference between two cells is the effect of the change rather than of different
//! luck. Everything here is pure (no files, no printing): [`variants`] edits scenario
//! text, [`stress`] and [`sensitivity`] run the engine and summarise, [`rank`] holds the
//! statistics. The command line writes their tables and charts.

pub mod optimize;
pub mod rank;
pub mod sensitivity;
pub mod stress;
pub mod variants;
