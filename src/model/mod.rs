//! The mathematics of the model, free of I/O and of the scenario format: uncertain
//! values and their distributions, the Gaussian copula and Latin hypercube that draw
//! correlated and stratified inputs ([`copula`]), and the count samplers the engine
//! draws from
//! (`docs/model.md`). The scenario is built from these types; the engine turns a
//! validated scenario into plans that use them.

pub mod copula;
pub mod dist;
pub mod sampling;
