//! A mergeable quantile sketch with bounded relative error, for month-by-month bands.
//!
//! Buckets follow the bit pattern of the IEEE-754 double, in the manner of HdrHistogram
//! and of DDSketch's bit-based mappings (Masson, Rim and Lee, "DDSketch: a fast and
//! fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019): a positive
//! value falls in the bucket given by its exponent and its first [`MANTISSA_BITS`]
//! mantissa bits, i.e. one shift of its bits, with no logarithm. Each bucket spans a
//! ratio of at most `1 + 2^-7`, and a quantile is returned as its bucket's midpoint, so
//! it is within relative error `2^-8 / (1 + 2^-8)` < 0.4% of the true order statistic
//! ([`RELATIVE_ACCURACY`]), inside MODEL.md's 0.5%.
//!
//! Counts are integers, so merging is exact, associative and commutative: the result
//! does not depend on how the trials were split across threads. Values at or below
//! [`ZERO_THRESHOLD`] (and negative values, which the monthly series never produce) are
//! counted in a zero bucket. Cost: O(1) to add, O(buckets) to merge or query; memory is
//! one `u32` per bucket between the smallest and largest value seen (128 buckets per
//! doubling, about 425 per factor of 10).

/// Mantissa bits kept in a bucket index.
pub const MANTISSA_BITS: u32 = 7;
/// Guaranteed relative accuracy of every quantile.
pub const RELATIVE_ACCURACY: f64 = 0.004;
/// Values at or below this count as zero.
pub const ZERO_THRESHOLD: f64 = 1e-12;

const SHIFT: u32 = 52 - MANTISSA_BITS;

/// The sketch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuantileSketch {
    count: u64,
    zeros: u64,
    offset: u32,
    buckets: Vec<u32>,
    min: f64,
    max: f64,
}

#[inline]
fn bucket_of(x: f64) -> u32 {
    // Positive finite doubles: the bit pattern is monotone in the value.
    (x.to_bits() >> SHIFT) as u32
}

fn midpoint_of(index: u32) -> f64 {
    let lo = f64::from_bits(u64::from(index) << SHIFT);
    let hi = f64::from_bits(u64::from(index + 1) << SHIFT);
    0.5 * (lo + hi)
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
    #[inline]
    pub fn add(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        self.count += 1;
        if x < self.min {
            self.min = x;
        }
        if x > self.max {
            self.max = x;
        }
        if x <= ZERO_THRESHOLD {
            self.zeros += 1;
            return;
        }
        let index = bucket_of(x);
        if let Some(slot) = index
            .checked_sub(self.offset)
            .and_then(|i| self.buckets.get_mut(i as usize))
        {
            *slot += 1;
        } else {
            self.bump(index, 1);
        }
    }

    /// Add every value of `values`; the same as adding them one by one, in fewer
    /// instructions. One pass counts the non-finite values and another finds the least
    /// and greatest, both in independent lanes the compiler turns into vector
    /// instructions; the counting pass then only tests for zero and finds the bucket.
    /// Values that are not all finite take the one-by-one path.
    pub fn add_all(&mut self, values: &[f64]) {
        const SIGN: u64 = 1 << 63;
        const INFINITY_BITS: u64 = 0x7ff0_0000_0000_0000;
        let non_finite = values.iter().fold(0u64, |n, x| {
            n + u64::from(x.to_bits() & !SIGN >= INFINITY_BITS)
        });
        if non_finite > 0 {
            for &x in values {
                self.add(x);
            }
            return;
        }
        const LANES: usize = 4;
        let (mut lo, mut hi) = ([self.min; LANES], [self.max; LANES]);
        let chunks = values.chunks_exact(LANES);
        let tail = chunks.remainder();
        for chunk in chunks {
            for k in 0..LANES {
                lo[k] = if chunk[k] < lo[k] { chunk[k] } else { lo[k] };
                hi[k] = if chunk[k] > hi[k] { chunk[k] } else { hi[k] };
            }
        }
        for (k, &x) in tail.iter().enumerate() {
            lo[k] = if x < lo[k] { x } else { lo[k] };
            hi[k] = if x > hi[k] { x } else { hi[k] };
        }
        for k in 0..LANES {
            self.min = if lo[k] < self.min { lo[k] } else { self.min };
            self.max = if hi[k] > self.max { hi[k] } else { self.max };
        }
        // As a signed integer, a double's bits order like the double for positive
        // values, and every negative double (and -0) is below every positive one.
        let zero_bits = ZERO_THRESHOLD.to_bits() as i64;
        let mut zeros = 0u64;
        let mut rest = values;
        // The buckets are held as a local slice, which no count can alias, until a value
        // falls outside them; the range then grows and the pass resumes after it.
        while let Some(outside) = {
            let (buckets, offset) = (&mut self.buckets[..], self.offset);
            let mut outside = None;
            for (k, &x) in rest.iter().enumerate() {
                let bits = x.to_bits();
                if bits as i64 <= zero_bits {
                    zeros += 1;
                    continue;
                }
                let index = (bits >> SHIFT) as u32;
                match buckets.get_mut(index.wrapping_sub(offset) as usize) {
                    Some(slot) => *slot += 1,
                    None => {
                        outside = Some((k, index));
                        break;
                    }
                }
            }
            outside
        } {
            let (k, index) = outside;
            self.bump_cold(index);
            rest = &rest[k + 1..];
        }
        self.count += values.len() as u64;
        self.zeros += zeros;
    }

    #[cold]
    #[inline(never)]
    fn bump_cold(&mut self, index: u32) {
        self.bump(index, 1);
    }

    fn bump(&mut self, index: u32, by: u32) {
        if self.buckets.is_empty() {
            self.offset = index;
            self.buckets.push(0);
        } else if index < self.offset {
            let grow = (self.offset - index) as usize;
            self.buckets.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = index;
        } else if index >= self.offset + self.buckets.len() as u32 {
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
        if let (Some(first), Some(last)) = (
            other.buckets.iter().position(|&c| c > 0),
            other.buckets.iter().rposition(|&c| c > 0),
        ) {
            // Grow once to cover the other's range, then add slot by slot.
            self.bump(other.offset + first as u32, 0);
            self.bump(other.offset + last as u32, 0);
            for (i, &c) in other.buckets.iter().enumerate().take(last + 1).skip(first) {
                self.buckets[(other.offset + i as u32 - self.offset) as usize] += c;
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
        let mut seen = self.zeros;
        for (i, &c) in self.buckets.iter().enumerate() {
            seen += u64::from(c);
            if seen > rank {
                return midpoint_of(self.offset + i as u32).clamp(self.min, self.max);
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
        for scale in [1e-9, 3.7, 12_345.6, 1e12] {
            let values: Vec<f64> = (1..=10_000).map(|i| (i as f64) * scale).collect();
            let mut s = QuantileSketch::new();
            for &v in &values {
                s.add(v);
            }
            for q in [0.0, 0.1, 0.5, 0.9, 1.0] {
                let exact = values[(q * (values.len() - 1) as f64).floor() as usize];
                let got = s.quantile(q);
                assert!(
                    (got - exact).abs() <= RELATIVE_ACCURACY * exact,
                    "q {q}: {got} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn worst_case_bucket_error_is_inside_the_bound() {
        // Just above a power of two, the bucket is [1, 1 + 2^-7): midpoint error 2^-8.
        let mut s = QuantileSketch::new();
        s.add(1.0);
        s.add(1.0 + 1.0 / 128.0 - 1e-12);
        s.add(8.0);
        let got = s.quantile(0.0);
        assert!((got - 1.0).abs() <= RELATIVE_ACCURACY, "{got}");
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
        for q in [0.0, 0.1, 0.5, 0.9, 1.0] {
            assert_eq!(ab.quantile(q), ba.quantile(q));
            assert_eq!(ab.quantile(q), all.quantile(q));
        }
        assert_eq!(ab.count(), all.count());
    }

    #[test]
    fn adding_all_at_once_equals_adding_one_by_one() {
        let values: Vec<f64> = (0..500)
            .map(|i| match i % 11 {
                0 => 0.0,
                1 => 1e-15,
                2 => f64::NAN,
                3 => (i as f64) * 1e6,
                4 => -(i as f64),
                5 => -0.0,
                6 => f64::NEG_INFINITY,
                7 => 1e-12,
                _ => (i as f64).sqrt() * 0.37,
            })
            .collect();
        let mut one = QuantileSketch::new();
        let mut all = QuantileSketch::new();
        for chunk in values.chunks(37) {
            for &x in chunk {
                one.add(x);
            }
            all.add_all(chunk);
        }
        all.add_all(&[]);
        all.add_all(&[f64::INFINITY]);
        one.add(f64::INFINITY);
        assert_eq!(one, all);
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
