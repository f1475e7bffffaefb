//! A mergeable quantile sketch with bounded relative error, for month-by-month bands.
//!
//! Logarithmic buckets in the manner of DDSketch (Masson, Rim and Lee, "DDSketch: a fast
//! and fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019):
//! a positive value `x` falls in bucket `ceil(ln x / ln gamma)` with
//! `gamma = (1 + alpha) / (1 - alpha)`, and every quantile is returned within relative
//! error `alpha` = 0.5%. Counts are integers, so merging is exact, associative and
//! commutative: the result does not depend on how the trials were split across threads.
//! Values at or below [`ZERO_THRESHOLD`] (and negative values, which the monthly series
//! never produce) are counted in a zero bucket. Cost: O(1) to add, O(buckets) to merge
//! or query; memory is one `u32` per bucket between the smallest and largest value seen
//! (about 230 buckets per factor of 10).

/// Relative accuracy of every quantile.
pub const RELATIVE_ACCURACY: f64 = 0.005;
/// Values at or below this count as zero.
pub const ZERO_THRESHOLD: f64 = 1e-12;

/// The sketch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuantileSketch {
    count: u64,
    zeros: u64,
    offset: i32,
    buckets: Vec<u32>,
    min: f64,
    max: f64,
}

fn ln_gamma() -> f64 {
    ((1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY)).ln()
}

impl QuantileSketch {
    /// An empty sketch.
    pub fn new() -> Self {
        QuantileSketch {
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            ..Default::default()
        }
    }

    /// Number of values added.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Add one value. Non-finite values are ignored.
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        self.count += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        if x <= ZERO_THRESHOLD {
            self.zeros += 1;
            return;
        }
        let index = (x.ln() / ln_gamma()).ceil() as i32;
        self.bump(index, 1);
    }

    fn bump(&mut self, index: i32, by: u32) {
        if self.buckets.is_empty() {
            self.offset = index;
            self.buckets.push(0);
        } else if index < self.offset {
            let grow = (self.offset - index) as usize;
            self.buckets.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = index;
        } else if index >= self.offset + self.buckets.len() as i32 {
            let len = (index - self.offset + 1) as usize;
            self.buckets.resize(len, 0);
        }
        self.buckets[(index - self.offset) as usize] += by;
    }

    /// Add every value of `other`.
    pub fn merge(&mut self, other: &QuantileSketch) {
        if other.count == 0 {
            return;
        }
        self.count += other.count;
        self.zeros += other.zeros;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        for (i, &c) in other.buckets.iter().enumerate() {
            if c > 0 {
                self.bump(other.offset + i as i32, c);
            }
        }
    }

    /// The `q`-quantile (`q` in 0..=1), within relative error [`RELATIVE_ACCURACY`] of the
    /// value of rank `floor(q (n - 1))`; 0 for an empty sketch.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.count == 0 {
            return 0.0;
        }
        let rank = (q.clamp(0.0, 1.0) * (self.count - 1) as f64).floor() as u64;
        if rank < self.zeros {
            return self.min.min(0.0).max(self.min);
        }
        let gamma = ln_gamma().exp();
        let mut seen = self.zeros;
        for (i, &c) in self.buckets.iter().enumerate() {
            seen += u64::from(c);
            if seen > rank {
                let index = self.offset + i as i32;
                let value = 2.0 * gamma.powi(index) / (gamma + 1.0);
                return value.clamp(self.min, self.max);
            }
        }
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_within_relative_error() {
        let values: Vec<f64> = (1..=10_000).map(|i| (i as f64) * 3.7).collect();
        let mut s = QuantileSketch::new();
        for &v in &values {
            s.add(v);
        }
        for q in [0.0, 0.1, 0.5, 0.9, 1.0] {
            let exact = values[(q * (values.len() - 1) as f64).floor() as usize];
            let got = s.quantile(q);
            assert!(
                (got - exact).abs() <= RELATIVE_ACCURACY * exact + 1e-12,
                "q {q}: {got} vs {exact}"
            );
        }
    }

    #[test]
    fn merge_is_order_independent() {
        let mut a = QuantileSketch::new();
        let mut b = QuantileSketch::new();
        let mut all = QuantileSketch::new();
        for i in 0..1000 {
            let x = ((i * 7919) % 1000) as f64 * 0.37;
            if i % 3 == 0 {
                a.add(x)
            } else {
                b.add(x)
            }
            all.add(x);
        }
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, ba);
        for q in [0.1, 0.5, 0.9] {
            assert_eq!(ab.quantile(q), all.quantile(q));
        }
    }

    #[test]
    fn zeros_and_empty() {
        let mut s = QuantileSketch::new();
        assert_eq!(s.quantile(0.5), 0.0);
        for _ in 0..10 {
            s.add(0.0);
        }
        s.add(5.0);
        assert_eq!(s.quantile(0.5), 0.0);
        assert!((s.quantile(1.0) - 5.0).abs() < 0.03);
    }
}
