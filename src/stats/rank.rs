//! Rank statistics for global sensitivity: average ranks with ties, Pearson's product
//! moment correlation, and Spearman's rank correlation.
//!
//! Spearman's rho is Pearson's correlation of the ranks (Spearman 1904; ties take the
//! average of the ranks they span, as in Kendall & Gibbons, *Rank Correlation Methods*,
//! 5th ed., 1990, ch. 3). It measures any monotone association, is unaffected by the
//! heavy tails of costs, and needs no model of how the inputs act on the outputs.

/// Ranks of `values`, 1-based, ties given the average of the ranks they span.
///
/// NaNs sort last (by [`f64::total_cmp`]). Cost: O(n log n) time, O(n) memory.
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]).then(a.cmp(&b)));
    let mut out = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Ranks start+1 ..= end share their mean.
        let rank = 0.5 * ((start + 1) + end) as f64;
        for &i in &order[start..end] {
            out[i] = rank;
        }
        start = end;
    }
    out
}

/// Pearson's correlation of `x` and `y` (paired, same length), or `None` when fewer
/// than two pairs are given, the lengths differ, or either side has zero variance.
///
/// Sums are taken in index order with the means subtracted first (two passes), so the
/// result is deterministic and well conditioned. Cost: O(n).
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx <= 0.0 || syy <= 0.0 || !sxx.is_finite() || !syy.is_finite() {
        return None;
    }
    Some((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

/// Spearman's rank correlation of `x` and `y`, ties averaged; `None` as for
/// [`pearson`] (e.g. a constant input). Cost: O(n log n).
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() {
        return None;
    }
    pearson(&ranks(x), &ranks(y))
}

/// Whether `values` vary at all (some value differs from the first).
pub fn varies(values: &[f64]) -> bool {
    values
        .first()
        .is_some_and(|f| values.iter().any(|v| v != f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_take_the_average_rank() {
        assert_eq!(ranks(&[10.0, 20.0, 20.0, 5.0]), vec![2.0, 3.5, 3.5, 1.0]);
        assert_eq!(ranks(&[1.0, 1.0, 1.0]), vec![2.0, 2.0, 2.0]);
        assert!(ranks(&[]).is_empty());
    }

    #[test]
    fn spearman_of_monotone_pairs_is_one() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y: Vec<f64> = x.iter().map(|v: &f64| v.powi(3)).collect();
        assert!((spearman(&x, &y).unwrap_or(0.0) - 1.0).abs() < 1e-12);
        let z: Vec<f64> = x.iter().map(|v| -v.exp()).collect();
        assert!((spearman(&x, &z).unwrap_or(0.0) + 1.0).abs() < 1e-12);
    }

    #[test]
    fn hand_computed_spearman_with_ties() {
        // Ranks x: 1, 2.5, 2.5, 4; ranks y: 1, 3, 2, 4.
        // Means 2.5; dx = -1.5, 0, 0, 1.5; dy = -1.5, 0.5, -0.5, 1.5.
        // sxy = 4.5, sxx = 4.5, syy = 5: rho = 4.5 / sqrt(22.5).
        let rho = spearman(&[1.0, 2.0, 2.0, 3.0], &[10.0, 30.0, 20.0, 40.0]).unwrap_or(0.0);
        assert!((rho - 4.5 / 22.5f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn constant_inputs_have_no_correlation() {
        assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(pearson(&[1.0], &[2.0]), None);
        assert_eq!(pearson(&[1.0, 2.0], &[2.0]), None);
        assert!(!varies(&[3.0, 3.0]));
        assert!(varies(&[3.0, 4.0]));
        assert!(!varies(&[]));
    }

    #[test]
    fn independent_samples_correlate_weakly() {
        // Two independent seeded streams of 2,000 draws: rho has a standard error of
        // about 1/sqrt(2000) = 0.022, so |rho| < 0.1 fails only past 4.5 standard errors.
        use crate::engine::streams::{Purpose, stream};
        use crate::model::dist::unit;
        let mut a = stream(1, 0, Purpose::Demand, 0);
        let mut b = stream(2, 0, Purpose::Demand, 0);
        let x: Vec<f64> = (0..2000).map(|_| unit(&mut a)).collect();
        let y: Vec<f64> = (0..2000).map(|_| unit(&mut b)).collect();
        let rho = spearman(&x, &y).unwrap_or(1.0);
        assert!(rho.abs() < 0.1, "rho = {rho}");
        // A noisy monotone relation is detected.
        let z: Vec<f64> = x.iter().zip(&y).map(|(u, v)| u + 0.3 * v).collect();
        assert!(spearman(&x, &z).unwrap_or(0.0) > 0.8);
    }
}
