//! Statistics over trials, pure functions with no I/O.
//!
//! Exact order statistics for the per-trial outputs (the values are kept), a mergeable
//! sketch for month-by-month bands ([`sketch`]), CVaR, and paired differences between
//! strategies computed from the same trials (common random numbers).

pub mod months;
pub mod rank;
pub mod sketch;

/// Arithmetic mean; 0 for an empty slice. Summed in slice order, so the result does not
/// depend on how trials were scheduled. Cost O(n).
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// Sample standard deviation (n - 1 denominator); 0 for fewer than two values. Two-pass
/// for accuracy. Cost O(n).
pub fn sd(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let m = mean(values);
    let ss: f64 = values.iter().map(|x| (x - m) * (x - m)).sum();
    (ss / (values.len() - 1) as f64).sqrt()
}

/// The `q`-quantile of sorted values by linear interpolation between order statistics
/// (Hyndman and Fan type 7, the default of R and numpy); 0 for an empty slice. O(1).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            let frac = pos - lo as f64;
            sorted[lo] + (sorted[hi] - sorted[lo]) * frac
        }
    }
}

/// Conditional value at risk of the upper tail: the mean of the worst
/// `ceil((1 - level) n)` values (at least one) of sorted values. O(n).
pub fn cvar_upper_sorted(sorted: &[f64], level: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    // The small offset keeps floating-point error in `1 - level` (0.05000000000000004
    // for 0.95) from adding one trial when the tail is a whole number of trials.
    let k = (((1.0 - level) * sorted.len() as f64 - 1e-9).ceil() as usize).clamp(1, sorted.len());
    mean(&sorted[sorted.len() - k..])
}

/// A sorted copy, with a total order so no value can make the sort panic. O(n log n).
pub fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// Wilson score 95% interval of a proportion `p` observed over `n` trials (Wilson,
/// JASA 1927); well behaved near 0 and 1. O(1).
pub fn wilson_interval(p: f64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n = n as f64;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Two-sided 95% normal quantile.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Paired comparison of `a` and `b` over the same trials.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedDifference {
    /// Share of trials where `a < b`.
    pub p_a_lower: f64,
    /// Mean of `a - b`.
    pub mean_diff: f64,
    /// Lower end of the 95% confidence interval of the mean difference.
    pub ci_low: f64,
    /// Upper end.
    pub ci_high: f64,
}

/// Fewest blocks from which [`standard_error`] estimates the spread of block means.
pub const MIN_BLOCKS: usize = 30;

/// Standard error of the mean of `values` (in trial order). With `block = Some(b)`
/// (Latin hypercube sampling, one hypercube per `b` consecutive trials) and at least
/// [`MIN_BLOCKS`] blocks, from the spread of the block means: with `n_k` trials and
/// mean `m_k` in block `k` of `B`, and `w_k = n_k / n`,
/// `se^2 = B / (B - 1) * sum_k w_k^2 (m_k - m)^2`, which is `sd(m_k) / sqrt(B)` for equal
/// blocks (the method of batch means, as for replicated Latin hypercubes: Owen 1997).
/// Otherwise the plain `sd / sqrt(n)`, conservative under stratification. `O(n)`.
pub fn standard_error(values: &[f64], block: Option<usize>) -> f64 {
    let n = values.len();
    if n < 2 {
        return 0.0;
    }
    block_standard_error(values, block).unwrap_or_else(|| sd(values) / (n as f64).sqrt())
}

/// The block-means standard error of [`standard_error`], or `None` when it does not
/// apply (no blocks, or fewer than [`MIN_BLOCKS`]).
pub fn block_standard_error(values: &[f64], block: Option<usize>) -> Option<f64> {
    let n = values.len();
    if let Some(b) = block.filter(|&b| b > 0 && n / b >= MIN_BLOCKS) {
        let m = mean(values);
        let chunks = n.div_ceil(b);
        let sum: f64 = values
            .chunks(b)
            .map(|c| {
                let w = c.len() as f64 / n as f64;
                let d = mean(c) - m;
                w * w * d * d
            })
            .sum();
        return Some((chunks as f64 / (chunks as f64 - 1.0) * sum).sqrt());
    }
    None
}

/// Compare paired samples; the CI is `mean +- 1.96 sd / sqrt(n)` (normal approximation,
/// sound for the trial counts outsim runs). O(n).
pub fn paired_difference(a: &[f64], b: &[f64]) -> PairedDifference {
    paired_difference_in_blocks(a, b, None)
}

/// As [`paired_difference`], with the CI's standard error from [`standard_error`] of
/// the differences with `block` (Latin hypercube blocks). O(n).
pub fn paired_difference_in_blocks(a: &[f64], b: &[f64], block: Option<usize>) -> PairedDifference {
    let n = a.len().min(b.len());
    if n == 0 {
        return PairedDifference {
            p_a_lower: 0.0,
            mean_diff: 0.0,
            ci_low: 0.0,
            ci_high: 0.0,
        };
    }
    let diffs: Vec<f64> = a[..n].iter().zip(&b[..n]).map(|(x, y)| x - y).collect();
    let lower = a[..n].iter().zip(&b[..n]).filter(|(x, y)| x < y).count();
    let m = mean(&diffs);
    let half = match block_standard_error(&diffs, block) {
        Some(se) => Z95 * se,
        None => Z95 * sd(&diffs) / (n as f64).sqrt(),
    };
    PairedDifference {
        p_a_lower: lower as f64 / n as f64,
        mean_diff: m,
        ci_low: m - half,
        ci_high: m + half,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_statistics() {
        let v = [4.0, 1.0, 3.0, 2.0, 5.0];
        let s = sorted(&v);
        assert_eq!(mean(&v), 3.0);
        assert!((sd(&v) - 2.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(quantile_sorted(&s, 0.5), 3.0);
        assert_eq!(quantile_sorted(&s, 0.25), 2.0);
        assert!((quantile_sorted(&s, 0.95) - 4.8).abs() < 1e-12);
        assert_eq!(cvar_upper_sorted(&s, 0.95), 5.0);
        assert_eq!(cvar_upper_sorted(&s, 0.5), 4.0);
        // 20 values: the worst 5% is exactly one value.
        let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(cvar_upper_sorted(&twenty, 0.95), 20.0);
    }

    #[test]
    fn wilson_interval_known_values() {
        // p = 0.5 over 100 trials: 0.4038 .. 0.5962.
        let (lo, hi) = wilson_interval(0.5, 100);
        assert!(
            (lo - 0.4038).abs() < 1e-4 && (hi - 0.5962).abs() < 1e-4,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson_interval(0.0, 50);
        assert!(lo.abs() < 1e-12);
        assert!(hi > 0.0 && hi < 0.1);
    }

    #[test]
    fn paired_difference_counts_and_interval() {
        let a = [1.0, 2.0, 3.0, 10.0];
        let b = [2.0, 2.0, 1.0, 4.0];
        let d = paired_difference(&a, &b);
        assert_eq!(d.p_a_lower, 0.25);
        assert!((d.mean_diff - 1.75).abs() < 1e-12);
        assert!(d.ci_low < d.mean_diff && d.mean_diff < d.ci_high);
    }

    #[test]
    fn block_standard_error_follows_the_block_means() {
        // 40 blocks of 4: every block has the same mean, so the blocked error is 0
        // while the plain one is not.
        let values: Vec<f64> = (0..160).map(|i| f64::from(i % 4)).collect();
        assert!(standard_error(&values, Some(4)) < 1e-12);
        let plain = sd(&values) / (160f64).sqrt();
        assert!((standard_error(&values, None) - plain).abs() < 1e-15);
        // Below 30 blocks, the plain formula.
        assert!(
            (standard_error(&values[..100], Some(4)) - sd(&values[..100]) / 10.0).abs() < 1e-15
        );
        // Equal blocks: sd of the block means over sqrt(blocks).
        let values: Vec<f64> = (0..64).map(|i| f64::from(i / 2)).collect();
        let means: Vec<f64> = values.chunks(2).map(mean).collect();
        let want = sd(&means) / (32f64).sqrt();
        assert!((standard_error(&values, Some(2)) - want).abs() < 1e-12);
    }
}
