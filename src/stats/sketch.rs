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

/// Everything a [`QuantileSketch`] holds, field by field: values added, values in the
/// zero bucket, index of the first bucket, the bucket counts, and the smallest and
/// largest value added.
#[derive(Debug, Clone, PartialEq)]
pub struct SketchState {
    /// Values added.
    pub count: u64,
    /// Values counted in the zero bucket.
    pub zeros: u64,
    /// Index of `buckets[0]`.
    pub offset: u32,
    /// Counts of consecutive buckets from `offset`.
    pub buckets: Vec<u32>,
    /// Smallest value added (`+inf` when none).
    pub min: f64,
    /// Largest value added (`-inf` when none).
    pub max: f64,
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

    /// The sketch's whole state as plain numbers, to store it and read it back
    /// unchanged ([`QuantileSketch::from_state`]).
    pub fn state(&self) -> SketchState {
        SketchState {
            count: self.count,
            zeros: self.zeros,
            offset: self.offset,
            buckets: self.buckets.clone(),
            min: self.min,
            max: self.max,
        }
    }

    /// The sketch whose [`QuantileSketch::state`] is `state`; `None` when the state
    /// cannot be one (counts that do not add up, buckets beyond the index range).
    pub fn from_state(state: SketchState) -> Option<Self> {
        let in_buckets = state.buckets.iter().map(|&c| u64::from(c)).sum::<u64>();
        let fits = u32::try_from(state.buckets.len())
            .ok()
            .and_then(|n| state.offset.checked_add(n))
            .is_some();
        (fits && state.zeros.checked_add(in_buckets) == Some(state.count)).then_some(
            QuantileSketch {
                count: state.count,
                zeros: state.zeros,
                offset: state.offset,
                buckets: state.buckets,
                min: state.min,
                max: state.max,
            },
        )
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
    /// instructions. In the usual case a value is a zero, or falls in a bucket that
    /// already exists strictly between the buckets of the least and the greatest value
    /// so far, where it can change neither; each such value costs a test of its bits and
    /// one count, with the buckets held as a local slice that no count can alias. Any
    /// other value (a new least or greatest, one beyond the buckets, one not finite) is
    /// added by [`QuantileSketch::add`], and the pass resumes after it.
    pub fn add_all(&mut self, values: &[f64]) {
        // As a signed integer, a double's bits order like the double for positive
        // values, and every negative double (and -0) is below every positive one.
        let zero_bits = ZERO_THRESHOLD.to_bits() as i64;
        let (mut zeros, mut inner) = (0u64, 0u64);
        // The least and greatest zero seen, merged into `min` and `max` at the end.
        let (mut zero_lo, mut zero_hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let mut rest = values;
        loop {
            // Buckets of the least and greatest value (0 for one at or below zero, as
            // every positive value's bucket is above it); an empty sketch's least is
            // infinite, above every bucket.
            let lowest = if self.min > ZERO_THRESHOLD {
                bucket_of(self.min)
            } else {
                0
            };
            let highest = if self.max > ZERO_THRESHOLD {
                bucket_of(self.max)
            } else {
                0
            };
            let (buckets, offset) = (&mut self.buckets[..], self.offset);
            let mut other = None;
            let mut i = 0;
            while i < rest.len() {
                let x = rest[i];
                let bits = x.to_bits();
                if bits as i64 <= zero_bits {
                    // Not above zero: a zero unless it is -inf or a NaN.
                    if x >= f64::MIN {
                        zeros += 1;
                        zero_lo = if x < zero_lo { x } else { zero_lo };
                        zero_hi = if x > zero_hi { x } else { zero_hi };
                        i += 1;
                        continue;
                    }
                } else {
                    let index = (bits >> SHIFT) as u32;
                    let j = index.wrapping_sub(offset) as usize;
                    if index > lowest && index < highest && j < buckets.len() {
                        buckets[j] += 1;
                        inner += 1;
                        i += 1;
                        continue;
                    }
                }
                other = Some(i);
                break;
            }
            let Some(i) = other else {
                break;
            };
            self.add_other(rest[i]);
            rest = &rest[i + 1..];
        }
        self.count += zeros + inner;
        self.zeros += zeros;
        self.min = if zero_lo < self.min {
            zero_lo
        } else {
            self.min
        };
        self.max = if zero_hi > self.max {
            zero_hi
        } else {
            self.max
        };
    }

    /// [`QuantileSketch::add`] out of [`QuantileSketch::add_all`]'s loop.
    #[cold]
    #[inline(never)]
    fn add_other(&mut self, x: f64) {
        self.add(x);
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
        // Finite values only, in a scrambled order, mostly inside the range already
        // seen, now and then a new least or greatest.
        let finite: Vec<f64> = (0..3_000u64)
            .map(|i| (i * 7_919 % 3_001) as f64 * 0.5 - 10.0)
            .collect();
        for chunk in finite.chunks(64) {
            for &x in chunk {
                one.add(x);
            }
            all.add_all(chunk);
        }
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
