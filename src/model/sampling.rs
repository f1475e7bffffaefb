//! Count samplers tuned for the parameter ranges the model meets every month.
//!
//! The month loop draws Poisson counts with small means (disruptions, incidents,
//! shocks) and binomial counts with large `n` and small `p` (defects, leavers). Building
//! a general sampler object each month costs as much as sampling, so these functions
//! sample directly:
//!
//! - Poisson: inversion from one uniform for `lambda <= 30` (expected `lambda + 1`
//!   steps); `rand_distr::Poisson` above that.
//! - Binomial: the normal approximation `round(np + sqrt(npq) z)`, clamped to `0..=n`,
//!   where `n p (1 - p) >= 25`, as MODEL.md allows for defects; otherwise exact:
//!   inversion on the smaller of `p` and `1 - p` (expected `n min(p, 1-p) + 1` steps)
//!   below 30 expected successes, `rand_distr::Binomial` above. Leavers always use the
//!   exact sampler ([`binomial_exact`]).

use rand::Rng;
use rand_distr::{Distribution, Poisson, StandardNormal};

use super::dist::unit;

/// Variance above which the binomial uses the normal approximation.
pub const BINOMIAL_NORMAL_MIN_VARIANCE: f64 = 25.0;

/// A Poisson count with a fixed mean, `exp(-lambda)` computed once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoissonCount {
    lambda: f64,
    p_zero: f64,
}

impl PoissonCount {
    /// Poisson(`lambda`); `lambda` must be finite and >= 0.
    pub fn new(lambda: f64) -> Self {
        let lambda = if lambda.is_finite() {
            lambda.max(0.0)
        } else {
            0.0
        };
        PoissonCount {
            lambda,
            p_zero: (-lambda).exp(),
        }
    }

    /// The mean.
    pub fn mean(&self) -> f64 {
        self.lambda
    }

    /// P(count > 0) = 1 - exp(-lambda).
    pub fn p_any(&self) -> f64 {
        -(-self.lambda).exp_m1()
    }

    /// One count: inversion from one uniform for `lambda <= 30`, `rand_distr::Poisson`
    /// above.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> u64 {
        if self.lambda <= 0.0 {
            return 0;
        }
        if self.lambda > 30.0 {
            return Poisson::new(self.lambda).map_or(0, |d| d.sample(rng) as u64);
        }
        let mut u = unit(rng);
        let mut p = self.p_zero;
        let mut k = 0u64;
        while u > p {
            u -= p;
            k += 1;
            p *= self.lambda / k as f64;
            if p <= 0.0 {
                break;
            }
        }
        k
    }
}

/// One Poisson(`lambda`) count. `lambda` must be finite and >= 0.
#[inline]
pub fn poisson<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> u64 {
    PoissonCount::new(lambda).sample(rng)
}

/// One Binomial(`n`, `p`) count.
#[inline]
pub fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let nf = n as f64;
    let variance = nf * p * (1.0 - p);
    if variance >= BINOMIAL_NORMAL_MIN_VARIANCE {
        // Rounding a normal adds 1/12 to its variance (Sheppard's correction), so the
        // normal's variance is reduced by as much: the rounded count then has the
        // binomial's mean and variance, as MODEL.md requires of an approximation.
        let z: f64 = StandardNormal.sample(rng);
        let x = (nf * p + (variance - 1.0 / 12.0).sqrt() * z).max(0.0);
        // Round half up by truncation (x >= 0), without a libm call.
        return ((x + 0.5) as u64).min(n);
    }
    binomial_exact(rng, n, p)
}

/// One Binomial(`n`, `p`) count drawn exactly: inversion where `n min(p, 1-p) < 30`,
/// `rand_distr::Binomial` (BTPE) above. For leavers, where MODEL.md allows no
/// approximation.
#[inline]
pub fn binomial_exact<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    ExactBinomial::new(p).sample(rng, n)
}

/// Exact binomial counts with a fixed `p` and varying `n` (leavers of a team whose size
/// changes month by month): the logarithm the inversion needs is computed once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExactBinomial {
    p: f64,
    flipped: bool,
    q_small: f64,
    ratio: f64,
    ln_keep: f64,
}

impl ExactBinomial {
    /// Binomial counts with success probability `p` (clamped to 0..=1).
    pub fn new(p: f64) -> Self {
        let p = if p.is_finite() {
            p.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let flipped = p > 0.5;
        let q_small = if flipped { 1.0 - p } else { p };
        ExactBinomial {
            p,
            flipped,
            q_small,
            ratio: q_small / (1.0 - q_small),
            ln_keep: (-q_small).ln_1p(),
        }
    }

    /// One count out of `n`.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, n: u64) -> u64 {
        if n == 0 || self.p <= 0.0 {
            return 0;
        }
        if self.p >= 1.0 {
            return n;
        }
        let nf = n as f64;
        if nf * self.q_small >= 30.0 {
            return rand_distr::Binomial::new(n, self.p).map_or(0, |d| d.sample(rng));
        }
        // P(X = 0) = (1 - q)^n: by repeated squaring for team-sized n (no libm call),
        // from the logarithm kept for larger n.
        let mut f = if n < 1 << 20 {
            (1.0 - self.q_small).powi(n as i32)
        } else {
            (nf * self.ln_keep).exp()
        };
        let mut u = unit(rng);
        let mut x = 0u64;
        while u > f && x < n {
            u -= f;
            x += 1;
            f *= self.ratio * (nf - x as f64 + 1.0) / x as f64;
        }
        if self.flipped { n - x } else { x }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn moments(samples: &[f64]) -> (f64, f64) {
        let n = samples.len() as f64;
        let mean = samples.iter().sum::<f64>() / n;
        let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    #[test]
    fn poisson_mean_and_variance() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        for lambda in [0.01, 0.1, 1.0, 5.0, 25.0, 80.0] {
            let xs: Vec<f64> = (0..200_000)
                .map(|_| poisson(&mut rng, lambda) as f64)
                .collect();
            let (m, v) = moments(&xs);
            let se = (lambda / 200_000.0).sqrt();
            assert!(
                (m - lambda).abs() < 5.0 * se + 1e-9,
                "lambda {lambda}: mean {m}"
            );
            assert!(
                (v - lambda).abs() < 0.05 * lambda + 0.002,
                "lambda {lambda}: var {v}"
            );
        }
    }

    #[test]
    fn binomial_mean_and_variance_in_both_regimes() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
        for (n, p) in [
            (27u64, 0.025),
            (200, 0.03),
            (10_000, 0.04),
            (40, 0.97),
            (5, 0.5),
            (1_000_000, 0.001),
        ] {
            let xs: Vec<f64> = (0..200_000)
                .map(|_| binomial(&mut rng, n, p) as f64)
                .collect();
            let (m, v) = moments(&xs);
            let mean = n as f64 * p;
            let var = mean * (1.0 - p);
            assert!(
                (m - mean).abs() < 5.0 * (var / 200_000.0).sqrt() + 1e-9,
                "({n}, {p}): mean {m} vs {mean}"
            );
            assert!(
                (v - var).abs() < 0.05 * var + 0.1,
                "({n}, {p}): var {v} vs {var}"
            );
            assert!(xs.iter().all(|&x| x >= 0.0 && x <= n as f64));
        }
    }

    #[test]
    fn degenerate_parameters() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        assert_eq!(binomial(&mut rng, 0, 0.5), 0);
        assert_eq!(binomial(&mut rng, 10, 0.0), 0);
        assert_eq!(binomial(&mut rng, 10, 1.0), 10);
        assert_eq!(poisson(&mut rng, 0.0), 0);
    }
}
