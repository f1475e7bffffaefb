//! Branch-free arithmetic for the month loop: minimum, clamp at zero, rounding and
//! ceiling to whole numbers, each in a few instructions without a branch or a libm
//! call, with the results of `f64::min`, `f64::max`, `f64::round` and `f64::ceil` over
//! the values the month loop passes (the property tests below check them against the
//! standard library).

/// `min(a, b)` in one instruction, where `f64::min` needs several to handle NaN. Like
/// `f64::min`, ignores a NaN `b`; unlike it, keeps a NaN `a`, which the month loop never
/// passes.
#[inline(always)]
pub(super) fn lesser(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// `max(x, 0)`, 0 for NaN, as `x.max(0.0)`, in one instruction.
#[inline(always)]
pub(super) fn not_negative(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.0 }
}

/// A head count as a float. Head counts never exceed `max_fte` (a `u32`), well inside
/// the range where the signed conversion, a single instruction, is exact.
#[inline(always)]
pub(super) fn heads_f64(n: u64) -> f64 {
    n as i64 as f64
}

/// 2^52: from here on every float is a whole number.
pub(super) const WHOLE_FROM: f64 = 4_503_599_627_370_496.0;

/// `x` rounded to the nearest whole number, ties to even, for `0 <= x < 2^52`: adding
/// and removing 2^52 leaves no fraction. Two additions instead of a libm call.
#[inline(always)]
pub(super) fn nearest_whole(x: f64) -> f64 {
    (x + WHOLE_FROM) - WHOLE_FROM
}

/// `round(x)` (halves away from zero) for `x >= 0`, 0 for negative or NaN `x`. Every
/// case is worked out and the right one selected, without a branch.
#[inline(always)]
pub(super) fn round_whole(x: f64) -> f64 {
    let x = not_negative(x);
    let r = nearest_whole(x);
    // A tie went to the even neighbour below: halves go up.
    let r = r + if x - r == 0.5 { 1.0 } else { 0.0 };
    if x < WHOLE_FROM { r } else { x }
}

/// `ceil(x)` as a head count: 0 for x <= 0 or non-finite, saturating at `u64::MAX`.
/// Without a branch, as [`round_whole`].
#[inline(always)]
pub(super) fn ceil_count(x: f64) -> u64 {
    let x = not_negative(x);
    // Below 2^52 the truncation is exact and its conversion back too: one up if `x` had
    // a fraction.
    let small = if x < WHOLE_FROM { x } else { 0.0 };
    let down = small as i64;
    let up = down + i64::from((down as f64) < small);
    if x < WHOLE_FROM { up as u64 } else { x as u64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Any float at all: every bit pattern, so NaNs, infinities, subnormals, negative
    /// zero and values past 2^52 all come up.
    fn any_bits() -> impl Strategy<Value = f64> {
        any::<u64>().prop_map(f64::from_bits)
    }

    /// Whole numbers and halves (ties) from -2^53 to 2^53, where rounding is hardest.
    fn halves() -> impl Strategy<Value = f64> {
        (-(1i64 << 54)..(1i64 << 54)).prop_map(|k| k as f64 / 2.0)
    }

    /// Values in the month loop's range, with fractions.
    fn ordinary() -> impl Strategy<Value = f64> {
        -1e6f64..1e7
    }

    /// Edge cases written out: halves around zero and 2^52, the largest double below
    /// one half (which `x + 0.5` rounding gets wrong), and the limits.
    const EDGES: &[f64] = &[
        0.0,
        -0.0,
        0.5,
        1.5,
        2.5,
        -0.5,
        -1.5,
        0.499_999_999_999_999_94,
        1.0 - f64::EPSILON / 2.0,
        WHOLE_FROM - 0.5,
        WHOLE_FROM - 1.5,
        WHOLE_FROM,
        WHOLE_FROM + 1.0,
        2.0 * WHOLE_FROM,
        2.0 * WHOLE_FROM + 2.0,
        18_446_744_073_709_551_616.0,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];

    fn check_round(x: f64) {
        let expected = x.max(0.0).round();
        assert!(
            round_whole(x) == expected,
            "round_whole({x:?}) = {:?}, not {expected:?}",
            round_whole(x)
        );
    }

    fn check_ceil(x: f64) {
        let expected = x.max(0.0).ceil() as u64;
        assert_eq!(ceil_count(x), expected, "ceil_count({x:?})");
    }

    fn check_min_max(a: f64, b: f64) {
        assert!(not_negative(a) == a.max(0.0), "not_negative({a:?})");
        if !a.is_nan() {
            let expected = a.min(b);
            assert!(lesser(a, b) == expected || (expected.is_nan() && lesser(a, b).is_nan()));
        }
    }

    #[test]
    fn edge_cases_agree_with_the_standard_library() {
        for &x in EDGES {
            check_round(x);
            check_ceil(x);
            for &y in EDGES {
                check_min_max(x, y);
            }
            if (0.0..WHOLE_FROM).contains(&x) {
                assert_eq!(
                    nearest_whole(x),
                    x.round_ties_even(),
                    "nearest_whole({x:?})"
                );
            }
        }
        assert_eq!(heads_f64(u64::from(u32::MAX)), f64::from(u32::MAX));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn round_whole_is_round_of_the_non_negative_part(
            x in prop_oneof![any_bits(), halves(), ordinary()]
        ) {
            check_round(x);
        }

        #[test]
        fn ceil_count_is_the_saturating_ceiling(
            x in prop_oneof![any_bits(), halves(), ordinary()]
        ) {
            check_ceil(x);
        }

        #[test]
        fn nearest_whole_rounds_half_to_even_below_2_52(
            x in prop_oneof![0.0..WHOLE_FROM, halves().prop_map(f64::abs).prop_filter("below 2^52", |x| *x < WHOLE_FROM)]
        ) {
            prop_assert_eq!(nearest_whole(x), x.round_ties_even());
        }

        #[test]
        fn lesser_and_not_negative_are_min_and_max(
            a in prop_oneof![any_bits(), ordinary()],
            b in prop_oneof![any_bits(), ordinary()],
        ) {
            check_min_max(a, b);
        }

        #[test]
        fn heads_convert_exactly(n in 0..=u64::from(u32::MAX)) {
            prop_assert_eq!(heads_f64(n), n as f64);
        }
    }
}
