//! Count samplers tuned for the parameter ranges the model meets every month.
//!
//! The month loop draws Poisson counts with small means (disruptions, incidents,
//! shocks) and binomial counts with large `n` and small `p` (defects, leavers). Building
//! a general sampler object each month costs as much as sampling, so these samplers keep
//! what does not change between draws and sample directly:
//!
//! - Poisson, one count ([`PoissonCount`]): inversion from one uniform for
//!   `lambda <= 30` (expected `lambda + 1` steps); `rand_distr::Poisson` above that.
//! - Poisson, month after month ([`PoissonMonths`]): for rare events (a monthly mean of
//!   at most 1) the arrivals of the Poisson process are drawn one exponential gap at a
//!   time, so a month without an event costs a comparison and no random number; for
//!   frequent events each month's count comes from [`PoissonCount`]. The monthly counts
//!   are independent Poisson(`lambda`) either way.
//! - Binomial ([`binomial`]): the normal approximation `round(np + sqrt(npq - 1/12) z)`,
//!   clamped to `0..=n`, where `n p (1 - p) >= 25`, as MODEL.md allows for defects;
//!   otherwise exact ([`binomial_exact`]).
//! - Exact binomial: inversion on the smaller `q` of `p` and `1 - p` (expected
//!   `n q + 1` steps) while `n q < 30`, `rand_distr::Binomial` (BTPE) above.
//!   [`ExactBinomial`] keeps the powers `(1 - q)^n` the inversion starts from in two
//!   small tables, for counts drawn every month with one `p` and a changing `n`
//!   (leavers, where MODEL.md allows no approximation). The leavers of a team's ramping
//!   cohorts are drawn at once and spread over the cohorts
//!   ([`ExactBinomial::sample_cohorts`]), which has exactly the joint distribution of
//!   one draw per cohort.
//! - Rounding uses float additions and casts rather than libm, which a month without
//!   incidents does not call at all.
//!
//! `tests/all/samplers.rs` checks every sampler here against the `rand_distr` sampler of
//! the same distribution.

use rand::Rng;
use rand_distr::{Distribution, Exp1, Poisson, StandardNormal};

use super::dist::unit;

/// Variance above which the binomial uses the normal approximation.
pub const BINOMIAL_NORMAL_MIN_VARIANCE: f64 = 25.0;

/// Expected number of successes (or events) below which counts are drawn by inversion.
const INVERSION_MAX_MEAN: f64 = 30.0;

/// `1 / k` for small `k`: the inversion steps multiply instead of divide.
const RECIPROCALS: [f64; 64] = {
    let mut r = [0.0; 64];
    let mut k = 1;
    while k < 64 {
        r[k] = 1.0 / k as f64;
        k += 1;
    }
    r
};

/// [`RECIPROCALS`] up to `1 / 62`, then infinite: the sentinel that ends the binomial
/// search of [`ExactBinomial`] at 63 successes (0 at 0, unused).
const SEARCH_RECIPROCALS: [f64; 64] = {
    let mut r = RECIPROCALS;
    r[63] = f64::INFINITY;
    r
};

/// `1 / k` for `k >= 1`.
#[inline(always)]
fn reciprocal(k: u64) -> f64 {
    if k < 64 {
        RECIPROCALS[k as usize]
    } else {
        1.0 / k as f64
    }
}

/// A Poisson count with a fixed mean, `exp(-lambda)` computed once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoissonCount {
    lambda: f64,
    p_zero: f64,
    /// `rand_distr`'s sampler, built once, for means above 30.
    large: Option<Poisson<f64>>,
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
            large: if lambda > INVERSION_MAX_MEAN {
                Poisson::new(lambda).ok()
            } else {
                None
            },
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
        if let Some(large) = &self.large {
            return large.sample(rng) as u64;
        }
        let mut u = unit(rng);
        let mut p = self.p_zero;
        let mut k = 0u64;
        while u > p {
            u -= p;
            k += 1;
            p *= self.lambda * reciprocal(k);
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

/// Poisson counts in consecutive months: the arrivals of a Poisson process with `lambda`
/// events a month, counted in month `t` over the interval `[t - 1, t)`.
///
/// With `lambda <= 1` the process is followed from arrival to arrival: the gaps are
/// independent exponentials with mean `1 / lambda`, so the counts in disjoint months
/// are independent Poisson(`lambda`), exactly as a fresh count each month would be, but
/// a month without an event costs one comparison and no random number. With larger
/// means each month's count is drawn by [`PoissonCount`].
///
/// Call [`PoissonMonths::start`] at the start of each trial, then ask months `1, 2, ...`
/// in order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoissonMonths {
    count: PoissonCount,
    /// `1 - exp(-lambda)`.
    p_any: f64,
    /// Mean gap between arrivals, `1 / lambda`, when arrivals are followed; else 0.
    mean_gap: f64,
    /// Time of the next arrival, in months from the start of month 1, when arrivals
    /// are followed; otherwise infinite (no events) or minus infinite (a count every
    /// month).
    next: f64,
}

impl PoissonMonths {
    /// Largest monthly mean for which arrivals are followed one by one.
    pub const ARRIVALS_MAX_MEAN: f64 = 1.0;

    /// Counts with `lambda` expected events a month (finite and >= 0).
    pub fn new(lambda: f64) -> Self {
        let count = PoissonCount::new(lambda);
        let lambda = count.mean();
        let mut months = PoissonMonths {
            count,
            p_any: count.p_any(),
            mean_gap: if lambda > 0.0 && lambda <= Self::ARRIVALS_MAX_MEAN {
                1.0 / lambda
            } else {
                0.0
            },
            next: f64::INFINITY,
        };
        months.next = months.never_or_always();
        months
    }

    /// The monthly mean.
    pub fn mean(&self) -> f64 {
        self.count.mean()
    }

    /// Start a trial: draw the first arrival (one exponential) when arrivals are followed.
    #[inline]
    pub fn start<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        self.next = if self.mean_gap > 0.0 {
            let gap: f64 = Exp1.sample(rng);
            gap * self.mean_gap
        } else {
            self.never_or_always()
        };
    }

    /// `next` when arrivals are not followed: never with a mean of 0, so every month is
    /// answered by the one comparison; before any month otherwise, so every month draws.
    fn never_or_always(&self) -> f64 {
        if self.count.mean() > 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        }
    }

    /// The count of month `month` (1-based, asked in increasing order).
    #[inline]
    pub fn count<R: Rng + ?Sized>(&mut self, rng: &mut R, month: usize) -> u64 {
        self.count_until(rng, month as f64)
    }

    /// As [`PoissonMonths::count`], for the month ending at `end` (month `t` ends at
    /// `t`), given as a float.
    #[inline(always)]
    pub fn count_until<R: Rng + ?Sized>(&mut self, rng: &mut R, end: f64) -> u64 {
        // No event before `end`, or no events at all: one comparison.
        if self.next >= end {
            return 0;
        }
        if self.mean_gap > 0.0 {
            self.arrivals_before(rng, end)
        } else {
            self.count.sample(rng)
        }
    }

    /// Whether month `month` has at least one event (1-based, asked in increasing order).
    /// Draws a single uniform when counts are drawn month by month.
    #[inline]
    pub fn any<R: Rng + ?Sized>(&mut self, rng: &mut R, month: usize) -> bool {
        self.any_until(rng, month as f64)
    }

    /// As [`PoissonMonths::any`], for the month ending at `end`, given as a float.
    #[inline(always)]
    pub fn any_until<R: Rng + ?Sized>(&mut self, rng: &mut R, end: f64) -> bool {
        if self.next >= end {
            return false;
        }
        if self.mean_gap > 0.0 {
            self.arrivals_before(rng, end) > 0
        } else {
            unit(rng) < self.p_any
        }
    }

    /// Count the arrivals before `end`, moving the clock past them.
    #[cold]
    fn arrivals_before<R: Rng + ?Sized>(&mut self, rng: &mut R, end: f64) -> u64 {
        let mut n = 0;
        while self.next < end {
            n += 1;
            let gap: f64 = Exp1.sample(rng);
            self.next += gap * self.mean_gap;
        }
        n
    }
}

/// One Binomial(`n`, `p`) count: the normal approximation where `n p (1 - p) >= 25`,
/// exact below. The month loop uses [`binomial_units`], the same sampler for a count of
/// units held as a float.
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

/// As [`binomial`], for a whole number of units `n >= 0` held as a float (work is
/// real-valued and rounded before its defects are drawn); the count comes back as a
/// float. Saves the conversions to and from integers on the normal-approximation path.
#[inline(always)]
pub fn binomial_units<R: Rng + ?Sized>(rng: &mut R, n: f64, p: f64) -> f64 {
    // One comparison for the usual case. No units (`n < 1`), `p` outside (0, 1) and a
    // NaN `n` or `p` all give a variance below 25 or NaN, and go to the exact sampler,
    // which draws nothing for them: none for `p <= 0` or a NaN, all for `p >= 1`.
    let variance = n * p * (1.0 - p);
    if variance >= BINOMIAL_NORMAL_MIN_VARIANCE {
        // As in `binomial`: the variance is reduced by 1/12 for the rounding.
        let z: f64 = StandardNormal.sample(rng);
        let x = (n * p + (variance - 1.0 / 12.0).sqrt() * z).max(0.0);
        // Round to the nearest whole number (ties, of probability 0, to even): adding
        // and removing 2^52 leaves no fraction; from 2^52 on, `x` is whole already.
        let rounded = if x < TWO_POW_52 {
            (x + TWO_POW_52) - TWO_POW_52
        } else {
            x
        };
        return if rounded > n { n } else { rounded };
    }
    binomial_units_exact(rng, n, p)
}

/// 2^52: from here on every float is a whole number.
const TWO_POW_52: f64 = 4_503_599_627_370_496.0;

#[inline(never)]
fn binomial_units_exact<R: Rng + ?Sized>(rng: &mut R, n: f64, p: f64) -> f64 {
    if n.is_nan() || n < 1.0 || p.is_nan() || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return n;
    }
    binomial_exact(rng, n as u64, p) as f64
}

/// One Binomial(`n`, `p`) count drawn exactly: inversion where `n min(p, 1-p) < 30`,
/// `rand_distr::Binomial` (BTPE) above.
#[inline]
pub fn binomial_exact<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p.is_nan() || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let flipped = p > 0.5;
    let q = if flipped { 1.0 - p } else { p };
    let nf = n as f64;
    if nf * q >= INVERSION_MAX_MEAN {
        return rand_distr::Binomial::new(n, p).map_or(0, |d| d.sample(rng));
    }
    let p_zero = if n < 1 << 20 {
        (1.0 - q).powi(n as i32)
    } else {
        (nf * (-q).ln_1p()).exp()
    };
    let x = invert_binomial(rng, n, q / (1.0 - q), p_zero);
    if flipped { n - x } else { x }
}

/// Binomial inversion: a sequential search from 0 with one uniform, given
/// `ratio = q / (1 - q)` and `p_zero = (1 - q)^n`.
#[inline(always)]
fn invert_binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, ratio: f64, p_zero: f64) -> u64 {
    invert_binomial_from(unit(rng), n, ratio, p_zero)
}

/// [`invert_binomial`] from the uniform `start`.
///
/// As in [`ExactBinomial::invert`], the search runs without a bound of its own up to
/// the infinite reciprocal at 63 successes (past `n` it meets only zero probabilities,
/// so it stops there at the latest); a search that reaches 63 is done again, bounded,
/// by [`invert_binomial_bounded`], from the same uniform.
#[inline(always)]
fn invert_binomial_from(start: f64, n: u64, ratio: f64, p_zero: f64) -> u64 {
    // `left` is `n - x + 1` for the next `x`, kept as a float.
    let mut left = n as f64;
    let mut f = p_zero;
    let mut u = start;
    let mut x = 0usize;
    while u > f {
        u -= f;
        x += 1;
        f *= ratio * left * SEARCH_RECIPROCALS[x % SEARCH_RECIPROCALS.len()];
        left -= 1.0;
    }
    if x < SEARCH_RECIPROCALS.len() - 1 {
        x as u64
    } else {
        invert_binomial_bounded(start, n, ratio, p_zero)
    }
}

/// The search of [`invert_binomial`] from the uniform `u`, bounded by `n`.
#[cold]
fn invert_binomial_bounded(mut u: f64, n: u64, ratio: f64, p_zero: f64) -> u64 {
    let mut left = n as f64;
    let mut f = p_zero;
    let mut x = 0u64;
    while u > f && x < n {
        u -= f;
        x += 1;
        f *= ratio * left * reciprocal(x);
        left -= 1.0;
    }
    x
}

/// Expected leavers below which the cohorts of a team are drawn at once and spread.
const SPREAD_MAX_MEAN: f64 = 4.0;

/// Remove `count` heads, chosen uniformly without replacement among the `heads` heads
/// of `groups`, from their groups.
fn remove_at_random<R: Rng + ?Sized>(rng: &mut R, groups: &mut [u64], heads: u64, count: u64) {
    let mut left = heads;
    for _ in 0..count.min(heads) {
        let mut k = below(rng, left);
        for g in groups.iter_mut() {
            if k < *g {
                *g -= 1;
                break;
            }
            k -= *g;
        }
        left -= 1;
    }
}

/// A uniform integer in `0..m` (`m >= 1`), without bias (Lemire's multiply-and-reject).
#[inline]
pub fn below<R: Rng + ?Sized>(rng: &mut R, m: u64) -> u64 {
    let mut wide = u128::from(rng.next_u64()) * u128::from(m);
    if (wide as u64) < m {
        // 2^64 mod m: products whose low half falls below it would favour some values.
        let reject_below = m.wrapping_neg() % m;
        while (wide as u64) < reject_below {
            wide = u128::from(rng.next_u64()) * u128::from(m);
        }
    }
    (wide >> 64) as u64
}

/// Entries of each table of powers in [`ExactBinomial`].
const POWERS: usize = 64;

/// Exact binomial counts with a fixed `p` and varying `n` (leavers of a team whose size
/// changes month by month).
///
/// The inversion starts from `P(X = 0) = (1 - q)^n`, read as
/// `low[n % 64] * high[n / 64]` from two tables of powers of `1 - q` built once, so a
/// draw costs one uniform and the inversion steps; team sizes beyond the tables use
/// `exp(n ln(1 - q))`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactBinomial {
    p: f64,
    flipped: bool,
    q_small: f64,
    ratio: f64,
    ln_keep: f64,
    /// Team sizes below this are covered by the tables.
    covered: u64,
    /// Smallest `n` with `n q >= 30`: from there on, BTPE.
    large_from: u64,
    /// `min(covered, large_from) - 1` (0 when `q = 0`): the sizes `1..=tabled` are drawn
    /// by inversion from the tables.
    tabled: u64,
    /// Largest total of several cohorts whose leavers are drawn at once and spread
    /// ([`ExactBinomial::sample_cohorts`]): `n q <= 4`.
    spread_max: u64,
    /// `(1 - q)^k` for `k < 64`.
    low: [f64; POWERS],
    /// `(1 - q)^(64 k)` for `64 k < covered`.
    high: [f64; POWERS],
    /// `ratio / k` for `1 <= k < 63`: the inversion's step from `P(X = k - 1)` to
    /// `P(X = k)` is `(n - k + 1)` times this; infinite at `k = 63`, which ends the
    /// search (see [`ExactBinomial::invert`]).
    steps: [f64; POWERS],
}

impl ExactBinomial {
    /// Binomial counts with success probability `p` (clamped to 0..=1), for `n` up to
    /// any size; the tables cover `n < 4096`.
    pub fn new(p: f64) -> Self {
        Self::for_sizes(p, u64::MAX)
    }

    /// As [`ExactBinomial::new`], with tables only as large as `n <= max_n` needs.
    pub fn for_sizes(p: f64, max_n: u64) -> Self {
        let mut b = ExactBinomial {
            p: 0.0,
            flipped: false,
            q_small: 0.0,
            ratio: 0.0,
            ln_keep: 0.0,
            covered: 0,
            large_from: 0,
            tabled: 0,
            spread_max: 0,
            low: [1.0; POWERS],
            high: [1.0; POWERS],
            steps: [0.0; POWERS],
        };
        b.reset(p, max_n);
        b
    }

    /// Re-aim at success probability `p` and sizes `n <= max_n`, reusing the tables'
    /// memory.
    pub fn reset(&mut self, p: f64, max_n: u64) {
        let p = if p.is_finite() {
            p.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let flipped = p > 0.5;
        let q = if flipped { 1.0 - p } else { p };
        let keep = 1.0 - q;
        self.p = p;
        self.flipped = flipped;
        self.q_small = q;
        self.ratio = q / keep;
        // One product per entry, independent of each other; `SEARCH_RECIPROCALS` holds
        // 0 at 0 and the infinite sentinel at 63.
        for (step, r) in self.steps.iter_mut().zip(SEARCH_RECIPROCALS.iter()) {
            *step = self.ratio * r;
        }
        // Eight interleaved chains of products, so the multiplications overlap.
        self.low[0] = 1.0;
        for k in 1..8 {
            self.low[k] = self.low[k - 1] * keep;
        }
        let keep8 = self.low[7] * keep;
        for k in 8..POWERS {
            self.low[k] = self.low[k - 8] * keep8;
        }
        let keep64 = self.low[POWERS - 1] * keep;
        let high_len = (max_n / POWERS as u64).saturating_add(1).min(POWERS as u64) as usize;
        self.high[0] = 1.0;
        for k in 1..high_len {
            self.high[k] = self.high[k - 1] * keep64;
        }
        self.covered = (high_len * POWERS) as u64;
        // Float-to-integer casts saturate, so q = 0 gives u64::MAX.
        self.large_from = (INVERSION_MAX_MEAN / q).ceil() as u64;
        self.spread_max = (SPREAD_MAX_MEAN / q) as u64;
        self.tabled = if q > 0.0 {
            self.covered.min(self.large_from).saturating_sub(1)
        } else {
            0
        };
        self.ln_keep = if max_n >= self.covered {
            (-q).ln_1p()
        } else {
            0.0
        };
    }

    /// The success probability.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// One count out of `n`. Inlined into the month loop, where a call would spill the
    /// loop's many live values around it.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R, n: u64) -> u64 {
        // One comparison for the usual case: 1 <= n < min(covered, large_from), q > 0.
        if n.wrapping_sub(1) < self.tabled {
            // `covered <= 64 * 64`: the masks only spare the bounds checks, and `n` fits
            // a `u32`, whose conversion to a float is one instruction.
            let p_zero = self.low[(n % POWERS as u64) as usize]
                * self.high[((n / POWERS as u64) % POWERS as u64) as usize];
            let x = self.invert(rng, n, f64::from(n as u32), p_zero);
            return if self.flipped { n - x } else { x };
        }
        self.sample_other(rng, n)
    }

    /// [`ExactBinomial::sample`] outside the tables: certain counts, BTPE for large
    /// means, `(1 - q)^n` from its logarithm for teams beyond the tables.
    #[inline(never)]
    fn sample_other<R: Rng + ?Sized>(&self, rng: &mut R, n: u64) -> u64 {
        if n == 0 || self.q_small <= 0.0 {
            // Certain: p = 0 gives none, p = 1 gives all.
            return if self.flipped { n } else { 0 };
        }
        if n >= self.large_from {
            return self.sample_large(rng, n);
        }
        let (p_zero, nf) = if n < self.covered {
            let p_zero = self.low[(n % POWERS as u64) as usize]
                * self.high[((n / POWERS as u64) % POWERS as u64) as usize];
            (p_zero, f64::from(n as u32))
        } else {
            (self.p_zero_beyond_tables(n), n as f64)
        };
        let x = self.invert(rng, n, nf, p_zero);
        if self.flipped { n - x } else { x }
    }

    /// Binomial inversion as in [`invert_binomial`], with the steps up to 62 successes
    /// read from the table.
    ///
    /// The table ends in an infinite step at `k = 63`, so the search needs no bound of
    /// its own: a search that runs past `n` finds only zero probabilities until it
    /// reaches that step, where the probability becomes infinite or NaN and the search
    /// stops. Every search that stops before 63 successes has stopped at its count; the
    /// rest (63 or more successes, or a uniform beyond the rounded CDF at `n`) are
    /// searched again from the same uniform by [`ExactBinomial::invert_far`], with the
    /// same steps.
    #[inline(always)]
    fn invert<R: Rng + ?Sized>(&self, rng: &mut R, n: u64, nf: f64, p_zero: f64) -> u64 {
        self.invert_from(unit(rng), n, nf, p_zero)
    }

    /// [`ExactBinomial::invert`] from the uniform `start`.
    #[inline(always)]
    fn invert_from(&self, start: f64, n: u64, nf: f64, p_zero: f64) -> u64 {
        let mut left = nf;
        let mut f = p_zero;
        let mut u = start;
        let mut x = 0usize;
        // Two steps a turn: the same steps in the same order, with half the jumps.
        while u > f {
            u -= f;
            f *= left * self.steps[(x + 1) % POWERS];
            left -= 1.0;
            if u > f {
                u -= f;
                x += 2;
                f *= left * self.steps[x % POWERS];
                left -= 1.0;
            } else {
                x += 1;
                break;
            }
        }
        if x < POWERS - 1 {
            x as u64
        } else {
            self.invert_far(start, n, nf, p_zero)
        }
    }

    /// The search of [`ExactBinomial::invert`] from uniform `u`, bounded by `n` and
    /// with steps beyond the table.
    #[cold]
    fn invert_far(&self, mut u: f64, n: u64, nf: f64, p_zero: f64) -> u64 {
        let mut left = nf;
        let mut f = p_zero;
        let mut x = 0u64;
        while u > f && x < n {
            u -= f;
            x += 1;
            f *= left * (self.ratio * reciprocal(x));
            left -= 1.0;
        }
        x
    }

    /// Leavers of several cohorts of one team, each `Binomial(cohorts[j], p)` and
    /// independent: removes them from `cohorts` and returns their total. `heads` must be
    /// the sum of `cohorts`.
    ///
    /// Where few leavers are expected (`heads q <= 4`), the total is drawn once,
    /// `Binomial(heads, p)`, and spread over the cohorts by picking the leavers one by
    /// one among the heads still there, each equally likely. Given their total,
    /// independent binomial counts with one `p` are multivariate hypergeometric, which
    /// is what the picking draws, so the cohorts' counts have exactly their joint
    /// distribution; it takes one uniform for the total and one per leaver instead of
    /// one per cohort. Otherwise each cohort is drawn in turn.
    #[inline(always)]
    pub fn sample_cohorts<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        cohorts: &mut [u64],
        heads: u64,
    ) -> u64 {
        if heads == 0 {
            return 0;
        }
        if heads > self.spread_max || self.flipped {
            let mut total = 0;
            for c in cohorts.iter_mut() {
                let l = self.sample(rng, *c);
                *c -= l;
                total += l;
            }
            return total;
        }
        let total = self.sample(rng, heads);
        if total > 0 {
            remove_at_random(rng, cohorts, heads, total);
        }
        total
    }

    #[cold]
    fn sample_large<R: Rng + ?Sized>(&self, rng: &mut R, n: u64) -> u64 {
        rand_distr::Binomial::new(n, self.p).map_or(0, |d| d.sample(rng))
    }

    #[cold]
    fn p_zero_beyond_tables(&self, n: u64) -> f64 {
        if self.ln_keep == 0.0 && self.q_small > 0.0 {
            // Sizes beyond those promised to `for_sizes`: still exact, just slower.
            return (n as f64 * (-self.q_small).ln_1p()).exp();
        }
        (n as f64 * self.ln_keep).exp()
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

    /// Sizes and probabilities for the sentinel searches: small teams (searches that run
    /// past `n`), teams around the sentinel at 63, and means up to the inversion's limit.
    const SEARCH_CASES: [(u64, f64); 10] = [
        (1, 0.3),
        (2, 0.5),
        (5, 0.45),
        (40, 0.2),
        (62, 0.45),
        (63, 0.4),
        (64, 0.3),
        (75, 0.39),
        (300, 0.05),
        (4000, 0.004),
    ];

    /// Uniforms spread over [0, 1), with the extremes up to the largest `unit` gives.
    fn search_uniforms() -> Vec<f64> {
        let largest = 1.0 - f64::EPSILON / 2.0;
        let mut uniforms: Vec<f64> = (0..2_000).map(|k| k as f64 / 2_000.0).collect();
        uniforms.extend([1e-300, 0.5 + 1e-12, 1.0 - 1e-9, 1.0 - 1e-15, largest]);
        uniforms
    }

    #[test]
    fn search_with_sentinel_matches_bounded_search() {
        // The unbounded search of `invert` against the bounded one of `invert_far`, from
        // the same uniforms.
        for (n, p) in SEARCH_CASES {
            let b = ExactBinomial::for_sizes(p, 4_000);
            assert!(n <= b.tabled, "({n}, {p}) is drawn from the tables");
            let nf = n as f64;
            let p_zero = b.low[(n % 64) as usize] * b.high[(n / 64) as usize];
            for u in search_uniforms() {
                let fast = b.invert_from(u, n, nf, p_zero);
                let bounded = b.invert_far(u, n, nf, p_zero);
                assert_eq!(fast, bounded, "({n}, {p}) from u = {u}");
                assert!(fast <= n);
            }
        }
    }

    #[test]
    fn binomial_search_with_sentinel_matches_bounded_search() {
        // As above, for the inversion of `binomial_exact`, whose steps are not tabled.
        for (n, p) in SEARCH_CASES.into_iter().chain([(100_000, 0.000_25)]) {
            let q: f64 = p;
            let ratio = q / (1.0 - q);
            let p_zero = (1.0 - q).powi(n as i32);
            for u in search_uniforms() {
                let fast = invert_binomial_from(u, n, ratio, p_zero);
                let bounded = invert_binomial_bounded(u, n, ratio, p_zero);
                assert_eq!(fast, bounded, "({n}, {p}) from u = {u}");
                assert!(fast <= n);
            }
        }
    }

    #[test]
    fn degenerate_parameters() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        assert_eq!(binomial(&mut rng, 0, 0.5), 0);
        assert_eq!(binomial(&mut rng, 10, 0.0), 0);
        assert_eq!(binomial(&mut rng, 10, 1.0), 10);
        assert_eq!(poisson(&mut rng, 0.0), 0);
        // Whatever `binomial_units` is given outside the normal approximation's range
        // goes to the exact sampler, which draws none or all.
        assert_eq!(binomial_units(&mut rng, f64::NAN, 0.3), 0.0);
        assert_eq!(binomial_units(&mut rng, 500.0, f64::NAN), 0.0);
        assert_eq!(binomial_units(&mut rng, 0.0, 0.3), 0.0);
        assert_eq!(binomial_units(&mut rng, 0.6, 0.3), 0.0);
        assert_eq!(binomial_units(&mut rng, -4.0, 0.3), 0.0);
        assert_eq!(binomial_units(&mut rng, 1e6, 0.0), 0.0);
        assert_eq!(binomial_units(&mut rng, 1e6, -0.2), 0.0);
        assert_eq!(binomial_units(&mut rng, 1e6, 1.0), 1e6);
        assert_eq!(binomial_units(&mut rng, 1e6, 1.5), 1e6);
        // Exact tables at q = 0 and 1: nothing drawn from them.
        for n in [0u64, 1, 7, 5_000] {
            assert_eq!(ExactBinomial::new(0.0).sample(&mut rng, n), 0);
            assert_eq!(ExactBinomial::new(1.0).sample(&mut rng, n), n);
        }
        // Month-by-month counts with a mean of 0: none, and no random numbers drawn.
        let mut none = PoissonMonths::new(0.0);
        none.start(&mut rng);
        let before = rng.clone();
        for t in 1..=36 {
            assert_eq!(none.count(&mut rng, t), 0);
            assert!(!none.any(&mut rng, t));
        }
        assert_eq!(rng, before);
    }
}
