//! Rank statistics, from [`crate::stats::rank`] where they live (the engine measures the
//! realised rank correlations of correlated inputs with them too).

pub use crate::stats::rank::{pearson, ranks, spearman, varies};
