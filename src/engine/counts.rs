//! How counts are drawn: arrivals, defects and leavers.
//!
//! [`Tuned`] uses the samplers of [`crate::model::sampling`], fast for the month loop;
//! [`Straightforward`] uses `rand_distr`'s general samplers afresh for every count
//! (a plan built with [`super::Plan::straightforward`]). The two give the same
//! distributions, which `tests/all/samplers.rs` checks. The month loop is generic over
//! [`Counts`], so it is compiled once for each and the choice costs nothing per draw.

use rand_distr::{Binomial, Distribution, Poisson};

use super::streams::StreamRng;
use crate::model::sampling::{ExactBinomial, PoissonMonths, binomial_units};

/// How counts are drawn: the tuned samplers or `rand_distr`'s general ones. The month
/// loop is compiled once for each, so the choice costs nothing per draw.
pub(super) trait Counts {
    /// Start month-by-month Poisson counts for a trial.
    fn start(events: &mut PoissonMonths, rng: &mut StreamRng);
    /// The Poisson count of the month ending at `end` (month `t` ends at `t`).
    fn count(events: &mut PoissonMonths, rng: &mut StreamRng, end: f64) -> u64;
    /// Whether the Poisson count of the month ending at `end` is positive.
    fn any(events: &mut PoissonMonths, rng: &mut StreamRng, end: f64) -> bool;
    /// Defective units out of `n` processed (a whole number), each with probability `p`.
    fn defects(rng: &mut StreamRng, n: f64, p: f64) -> f64;
    /// Leavers out of `n` heads.
    fn leavers(counts: &ExactBinomial, rng: &mut StreamRng, n: u64) -> u64;
    /// Leavers of each ramping cohort (`heads` in all), removed from `cohorts`; returns
    /// their total.
    fn cohort_leavers(
        counts: &ExactBinomial,
        rng: &mut StreamRng,
        cohorts: &mut [u64],
        heads: u64,
    ) -> u64;
}

/// The tuned samplers of [`crate::model::sampling`].
pub(super) struct Tuned;

impl Counts for Tuned {
    #[inline(always)]
    fn start(events: &mut PoissonMonths, rng: &mut StreamRng) {
        events.start(rng);
    }
    #[inline(always)]
    fn count(events: &mut PoissonMonths, rng: &mut StreamRng, end: f64) -> u64 {
        events.count_until(rng, end)
    }
    #[inline(always)]
    fn any(events: &mut PoissonMonths, rng: &mut StreamRng, end: f64) -> bool {
        events.any_until(rng, end)
    }
    #[inline(always)]
    fn defects(rng: &mut StreamRng, n: f64, p: f64) -> f64 {
        binomial_units(rng, n, p)
    }
    #[inline(always)]
    fn leavers(counts: &ExactBinomial, rng: &mut StreamRng, n: u64) -> u64 {
        counts.sample(rng, n)
    }
    #[inline(always)]
    fn cohort_leavers(
        counts: &ExactBinomial,
        rng: &mut StreamRng,
        cohorts: &mut [u64],
        heads: u64,
    ) -> u64 {
        counts.sample_cohorts(rng, cohorts, heads)
    }
}

/// `rand_distr`'s general samplers, drawn afresh for every count.
pub(super) struct Straightforward;

impl Counts for Straightforward {
    fn start(_: &mut PoissonMonths, _: &mut StreamRng) {}
    fn count(events: &mut PoissonMonths, rng: &mut StreamRng, _: f64) -> u64 {
        Poisson::new(events.mean()).map_or(0, |d| d.sample(rng) as u64)
    }
    fn any(events: &mut PoissonMonths, rng: &mut StreamRng, end: f64) -> bool {
        Self::count(events, rng, end) > 0
    }
    fn defects(rng: &mut StreamRng, n: f64, p: f64) -> f64 {
        Binomial::new(n as u64, p).map_or(0, |d| d.sample(rng)) as f64
    }
    fn leavers(counts: &ExactBinomial, rng: &mut StreamRng, n: u64) -> u64 {
        Binomial::new(n, counts.p()).map_or(0, |d| d.sample(rng))
    }
    fn cohort_leavers(
        counts: &ExactBinomial,
        rng: &mut StreamRng,
        cohorts: &mut [u64],
        _: u64,
    ) -> u64 {
        let mut total = 0;
        for cohort in cohorts {
            let l = Self::leavers(counts, rng, *cohort);
            *cohort -= l;
            total += l;
        }
        total
    }
}
