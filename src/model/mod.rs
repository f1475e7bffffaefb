//! The mathematics of the model, free of I/O: uncertain values, count samplers and the
//! per-strategy constants that turn oversight, time zones and micromanagement into
//! multipliers (`docs/model.md`).

pub mod dist;
pub mod levers;
pub mod sampling;
