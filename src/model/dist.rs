//! Uncertain inputs, the (D) values of the model (`docs/model.md`, "Uncertain values").
//!
//! A [`Dist`] is sampled only through [`Dist::into_sampler`], which refuses parameters that cannot be
//! sampled, so sampling never fails. Every draw is clamped to the field's valid range
//! ([`Range`]): this is the rule MODEL.md gives for `normal`; for the other families
//! validation already keeps the support inside the range, except `lognormal` and `beta`
//! on a field with a narrower range, where the clamp applies as well.
//!
//! Every family also has an exact inverse CDF ([`Sampler::quantile`]), through which
//! correlated inputs (MODEL.md V2.5) and Latin hypercube samples are drawn. The special
//! functions (the regularised incomplete beta function and its inverse, the error
//! function) come from `statrs`.

use rand::Rng;
use rand_distr::{Beta, Distribution, StandardNormal};
use statrs::function::{beta as beta_fn, erf};

/// The valid range of a field, used to validate parameters and clamp draws.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Lower bound.
    pub min: f64,
    /// Whether `min` itself is allowed.
    pub min_inclusive: bool,
    /// Upper bound (may be `f64::INFINITY`).
    pub max: f64,
    /// Whether `max` itself is allowed.
    pub max_inclusive: bool,
}

impl Range {
    /// `[min, max]`.
    pub const fn closed(min: f64, max: f64) -> Self {
        Range {
            min,
            min_inclusive: true,
            max,
            max_inclusive: true,
        }
    }
    /// `[min, max)`.
    pub const fn closed_open(min: f64, max: f64) -> Self {
        Range {
            min,
            min_inclusive: true,
            max,
            max_inclusive: false,
        }
    }
    /// `(min, +inf)`.
    pub const fn above(min: f64) -> Self {
        Range {
            min,
            min_inclusive: false,
            max: f64::INFINITY,
            max_inclusive: false,
        }
    }
    /// `[min, +inf)`.
    pub const fn at_least(min: f64) -> Self {
        Range {
            min,
            min_inclusive: true,
            max: f64::INFINITY,
            max_inclusive: false,
        }
    }

    /// Whether `x` lies in the range.
    pub fn contains(&self, x: f64) -> bool {
        let lo = if self.min_inclusive {
            x >= self.min
        } else {
            x > self.min
        };
        let hi = if self.max.is_infinite() {
            x.is_finite()
        } else if self.max_inclusive {
            x <= self.max
        } else {
            x < self.max
        };
        lo && hi
    }

    /// The nearest value of the range to `x`. Open bounds are approached to within 1e-9
    /// (relative to the bound's size).
    pub fn clamp(&self, x: f64) -> f64 {
        let eps = 1e-9 * self.min.abs().max(1.0);
        let lo = if self.min_inclusive {
            self.min
        } else {
            self.min + eps
        };
        let mut y = if x < lo { lo } else { x };
        if self.max.is_finite() {
            let eps = 1e-9 * self.max.abs().max(1.0);
            let hi = if self.max_inclusive {
                self.max
            } else {
                self.max - eps
            };
            if y > hi {
                y = hi;
            }
        } else if y == f64::INFINITY {
            y = f64::MAX;
        }
        y
    }

    /// Human description, e.g. `>= 0 and < 1`.
    pub fn describe(&self) -> String {
        let lo = format!(
            "{} {}",
            if self.min_inclusive { ">=" } else { ">" },
            short_number(self.min)
        );
        if self.max.is_infinite() {
            lo
        } else {
            format!(
                "{lo} and {} {}",
                if self.max_inclusive { "<=" } else { "<" },
                short_number(self.max)
            )
        }
    }
}

/// An uncertain value: fixed, or one of the families of MODEL.md.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// A plain number.
    Fixed(f64),
    /// `uniform` on `[min, max]`.
    Uniform {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
    },
    /// `triangular` with `min <= mode <= max`.
    Triangular {
        /// Lower end.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper end.
        max: f64,
    },
    /// Beta-PERT with shape 4: `min + (max - min) * Beta(alpha, beta)`,
    /// `alpha = 1 + 4 (mode - min) / (max - min)`, `beta = 1 + 4 (max - mode) / (max - min)`.
    Pert {
        /// Lower end.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper end.
        max: f64,
    },
    /// `normal(mean, sd)`, clamped to the field's range.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// `median * exp(sigma * N(0, 1))`.
    LogNormal {
        /// Median.
        median: f64,
        /// Log-scale standard deviation.
        sigma: f64,
    },
    /// Beta on (0, 1) given by its mean and standard deviation:
    /// `alpha = mean * k`, `beta = (1 - mean) * k`, `k = mean (1 - mean) / sd^2 - 1`.
    Beta {
        /// Mean, in (0, 1).
        mean: f64,
        /// Standard deviation, `sd^2 < mean (1 - mean)`.
        sd: f64,
    },
    /// `discrete`: one of `values`, with probability proportional to its weight
    /// (MODEL.md V2.5).
    Discrete {
        /// The values, as written (at least one).
        values: Vec<f64>,
        /// One positive weight per value; all equal when the file gives none.
        weights: Vec<f64>,
    },
    /// `empirical`: the piecewise-linear CDF through the sorted values at probabilities
    /// `(i - 1) / (n - 1)` (MODEL.md V2.5).
    Empirical {
        /// The observed values, as written (at least two).
        values: Vec<f64>,
    },
}

/// A [`Dist`] checked against its field's range, ready to sample.
#[derive(Debug, Clone)]
pub struct Sampler {
    dist: Dist,
    range: Range,
    beta: Option<Beta<f64>>,
    /// `discrete` and `empirical`: the values in ascending order; empty otherwise.
    sorted: Vec<f64>,
    /// `discrete`: the cumulative probability up to and including each sorted value,
    /// the last exactly 1; empty otherwise.
    cumulative: Vec<f64>,
}

/// Why a distribution was refused; `key` is the parameter at fault (`mode`, `sd`, ...),
/// empty for the value as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct DistError {
    /// Parameter name, or empty.
    pub key: &'static str,
    /// What is wrong.
    pub message: String,
}

fn err(key: &'static str, message: impl Into<String>) -> DistError {
    DistError {
        key,
        message: message.into(),
    }
}

impl Dist {
    /// The family's name as written in scenario files.
    pub fn family(&self) -> &'static str {
        match self {
            Dist::Fixed(_) => "fixed",
            Dist::Uniform { .. } => "uniform",
            Dist::Triangular { .. } => "triangular",
            Dist::Pert { .. } => "pert",
            Dist::Normal { .. } => "normal",
            Dist::LogNormal { .. } => "lognormal",
            Dist::Beta { .. } => "beta",
            Dist::Discrete { .. } => "discrete",
            Dist::Empirical { .. } => "empirical",
        }
    }

    /// Whether the value is uncertain (anything but a fixed number).
    pub fn is_uncertain(&self) -> bool {
        !matches!(self, Dist::Fixed(_))
    }

    /// The mean MODEL.md V2.4 calls `gbar`: the fixed number; the family's mean for
    /// uniform, triangular, PERT and lognormal; `mean` for normal and beta (ignoring the
    /// clamp); the weighted mean for discrete; the mean of the segment midpoints
    /// `(v_i + v_{i+1}) / 2` of the sorted values for empirical. Used for labels, for
    /// one-at-a-time sensitivity anchors and for planned staffing.
    pub fn location(&self) -> f64 {
        match self {
            &Dist::Fixed(x) => x,
            &Dist::Uniform { min, max } => 0.5 * (min + max),
            &Dist::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            &Dist::Pert { min, mode, max } => (min + 4.0 * mode + max) / 6.0,
            &Dist::Normal { mean, .. } => mean,
            &Dist::LogNormal { median, sigma } => median * (0.5 * sigma * sigma).exp(),
            &Dist::Beta { mean, .. } => mean,
            Dist::Discrete { values, weights } => {
                let total: f64 = weights.iter().sum();
                values.iter().zip(weights).map(|(v, w)| v * w).sum::<f64>() / total
            }
            Dist::Empirical { values } => {
                let sorted = sorted_values(values);
                let segments = sorted.len().saturating_sub(1).max(1);
                sorted
                    .windows(2)
                    .map(|pair| 0.5 * (pair[0] + pair[1]))
                    .sum::<f64>()
                    / segments as f64
            }
        }
    }

    /// Short human form, e.g. `triangular(0.3, 0.4, 0.6)`.
    /// Discrete values are listed in full up to eight of them; longer lists and
    /// empirical values are summarised by their count and range.
    pub fn describe(&self) -> String {
        match self {
            Dist::Fixed(x) => format!("{x}"),
            Dist::Uniform { min, max } => format!("uniform({min}, {max})"),
            Dist::Triangular { min, mode, max } => format!("triangular({min}, {mode}, {max})"),
            Dist::Pert { min, mode, max } => format!("pert({min}, {mode}, {max})"),
            Dist::Normal { mean, sd } => format!("normal(mean {mean}, sd {sd})"),
            Dist::LogNormal { median, sigma } => {
                format!("lognormal(median {median}, sigma {sigma})")
            }
            Dist::Beta { mean, sd } => format!("beta(mean {mean}, sd {sd})"),
            Dist::Discrete { values, weights } if values.len() <= 8 => {
                let list = |xs: &[f64]| {
                    xs.iter()
                        .map(|x| short_number(*x))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                if weights.windows(2).all(|w| w[0] == w[1]) {
                    format!("discrete({})", list(values))
                } else {
                    format!("discrete({}; weights {})", list(values), list(weights))
                }
            }
            Dist::Discrete { values, .. } | Dist::Empirical { values } => {
                let sorted = sorted_values(values);
                format!(
                    "{}({} values from {} to {})",
                    self.family(),
                    sorted.len(),
                    short_number(sorted.first().copied().unwrap_or(0.0)),
                    short_number(sorted.last().copied().unwrap_or(0.0))
                )
            }
        }
    }

    /// Check the parameters against each other and against `range`, and build a sampler.
    pub fn into_sampler(self, range: Range) -> Result<Sampler, DistError> {
        let finite = |key: &'static str, x: f64| {
            if x.is_finite() {
                Ok(())
            } else {
                Err(err(key, "must be a finite number"))
            }
        };
        let inside = |key: &'static str, x: f64| {
            if range.contains(x) {
                Ok(())
            } else {
                Err(err(
                    key,
                    format!("is {}, must be {}", short_number(x), range.describe()),
                ))
            }
        };
        let mut beta = None;
        let mut sorted = Vec::new();
        let mut cumulative = Vec::new();
        match &self {
            &Dist::Fixed(x) => inside("", x)?,
            &Dist::Uniform { min, max } => {
                inside("min", min)?;
                inside("max", max)?;
                if min > max {
                    return Err(err(
                        "max",
                        format!(
                            "is {}, must be >= min ({})",
                            short_number(max),
                            short_number(min)
                        ),
                    ));
                }
            }
            &Dist::Triangular { min, mode, max } | &Dist::Pert { min, mode, max } => {
                inside("min", min)?;
                inside("max", max)?;
                finite("mode", mode)?;
                if min > max {
                    return Err(err(
                        "max",
                        format!(
                            "is {}, must be >= min ({})",
                            short_number(max),
                            short_number(min)
                        ),
                    ));
                }
                if mode < min || mode > max {
                    return Err(err(
                        "mode",
                        format!(
                            "is {}, must lie between min ({}) and max ({})",
                            short_number(mode),
                            short_number(min),
                            short_number(max)
                        ),
                    ));
                }
                if let Dist::Pert { .. } = self {
                    if max > min {
                        let a = 1.0 + 4.0 * (mode - min) / (max - min);
                        let b = 1.0 + 4.0 * (max - mode) / (max - min);
                        beta = Some(
                            Beta::new(a, b)
                                .map_err(|e| err("", format!("cannot be sampled: {e}")))?,
                        );
                    }
                }
            }
            &Dist::Normal { mean, sd } => {
                finite("mean", mean)?;
                finite("sd", sd)?;
                inside("mean", mean)?;
                if sd < 0.0 {
                    return Err(err("sd", format!("is {}, must be >= 0", short_number(sd))));
                }
            }
            &Dist::LogNormal { median, sigma } => {
                finite("median", median)?;
                finite("sigma", sigma)?;
                if median < 0.0 {
                    return Err(err(
                        "median",
                        format!("is {}, must be >= 0", short_number(median)),
                    ));
                }
                inside("median", median)?;
                if !(0.0..=10.0).contains(&sigma) {
                    return Err(err(
                        "sigma",
                        format!("is {}, must be between 0 and 10", short_number(sigma)),
                    ));
                }
            }
            &Dist::Beta { mean, sd } => {
                finite("mean", mean)?;
                finite("sd", sd)?;
                if !(mean > 0.0 && mean < 1.0) {
                    return Err(err(
                        "mean",
                        format!("is {}, must be > 0 and < 1", short_number(mean)),
                    ));
                }
                if sd < 0.0 {
                    return Err(err("sd", format!("is {}, must be >= 0", short_number(sd))));
                }
                if sd * sd >= mean * (1.0 - mean) {
                    return Err(err(
                        "sd",
                        format!(
                            "is {}, too large for mean {}: sd^2 must be < mean * (1 - mean) = {}",
                            short_number(sd),
                            short_number(mean),
                            short_number(mean * (1.0 - mean))
                        ),
                    ));
                }
                inside("mean", mean)?;
                if sd > 0.0 {
                    let k = mean * (1.0 - mean) / (sd * sd) - 1.0;
                    beta = Some(
                        Beta::new(mean * k, (1.0 - mean) * k)
                            .map_err(|e| err("sd", format!("cannot be sampled: {e}")))?,
                    );
                }
            }
            Dist::Discrete { values, weights } => {
                if values.is_empty() {
                    return Err(err("values", "must list at least one value"));
                }
                check_values(values, &range)?;
                if weights.len() != values.len() {
                    return Err(err(
                        "weights",
                        format!(
                            "has {} weight(s), must have one per value ({})",
                            weights.len(),
                            values.len()
                        ),
                    ));
                }
                for (i, &w) in weights.iter().enumerate() {
                    if !(w.is_finite() && w > 0.0) {
                        return Err(err(
                            "weights",
                            format!("weights[{i}] is {}, must be > 0", short_number(w)),
                        ));
                    }
                }
                let total: f64 = weights.iter().sum();
                if !total.is_finite() {
                    return Err(err("weights", "must add up to a finite number"));
                }
                let mut pairs: Vec<(f64, f64)> = values
                    .iter()
                    .copied()
                    .zip(weights.iter().copied())
                    .collect();
                pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
                let mut acc = 0.0;
                for (v, w) in pairs {
                    acc += w;
                    sorted.push(v);
                    cumulative.push(acc / total);
                }
                if let Some(last) = cumulative.last_mut() {
                    *last = 1.0;
                }
            }
            Dist::Empirical { values } => {
                if values.len() < 2 {
                    return Err(err(
                        "values",
                        format!("lists {} value(s), must list at least two", values.len()),
                    ));
                }
                check_values(values, &range)?;
                sorted = sorted_values(values);
            }
        }
        Ok(Sampler {
            dist: self,
            range,
            beta,
            sorted,
            cumulative,
        })
    }
}

impl Sampler {
    /// The distribution this sampler draws from.
    pub fn dist(&self) -> &Dist {
        &self.dist
    }

    /// The field's valid range.
    pub fn range(&self) -> Range {
        self.range
    }

    /// One draw, clamped to the field's range. Uses a fixed number of generator calls
    /// per family, so streams stay aligned across strategies.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let x = match &self.dist {
            &Dist::Fixed(x) => x,
            &Dist::Uniform { min, max } => min + (max - min) * unit(rng),
            &Dist::Triangular { min, mode, max } => triangular_inverse(min, mode, max, unit(rng)),
            &Dist::Pert { min, max, .. } => match &self.beta {
                Some(b) => min + (max - min) * b.sample(rng),
                None => min,
            },
            &Dist::Normal { mean, sd } => {
                let z: f64 = StandardNormal.sample(rng);
                mean + sd * z
            }
            &Dist::LogNormal { median, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                median * (sigma * z).exp()
            }
            &Dist::Beta { mean, .. } => match &self.beta {
                Some(b) => b.sample(rng),
                None => mean,
            },
            Dist::Discrete { .. } | Dist::Empirical { .. } => self.tabulated(unit(rng)),
        };
        self.range.clamp(x)
    }

    /// `discrete` and `empirical`: the value at cumulative probability `u` in [0, 1].
    fn tabulated(&self, u: f64) -> f64 {
        let sorted = &self.sorted;
        if !self.cumulative.is_empty() {
            // The smallest value whose cumulative probability exceeds `u`.
            let i = self.cumulative.partition_point(|&c| c <= u);
            return sorted[i.min(sorted.len() - 1)];
        }
        let segments = sorted.len() - 1;
        let position = u.clamp(0.0, 1.0) * segments as f64;
        let i = (position.floor() as usize).min(segments - 1);
        let frac = position - i as f64;
        sorted[i] + frac * (sorted[i + 1] - sorted[i])
    }

    /// The inverse CDF: the value at cumulative probability `p`, clamped to the field's
    /// range. `p` is first kept within `[1e-15, 1 - 1e-15]`, so the unbounded families
    /// give finite values. Exact up to the special functions' accuracy: PERT and beta
    /// by the inverse regularised incomplete beta function, normal and lognormal by the
    /// inverse error function; `discrete` takes its values in ascending order (MODEL.md
    /// V2.8 rule 14).
    pub fn quantile(&self, p: f64) -> f64 {
        let p = if p.is_nan() {
            0.5
        } else {
            p.clamp(1e-15, 1.0 - 1e-15)
        };
        let x = match &self.dist {
            &Dist::Fixed(x) => x,
            &Dist::Uniform { min, max } => min + (max - min) * p,
            &Dist::Triangular { min, mode, max } => triangular_inverse(min, mode, max, p),
            &Dist::Normal { mean, sd } => mean + sd * normal_quantile(p),
            &Dist::LogNormal { median, sigma } => median * (sigma * normal_quantile(p)).exp(),
            &Dist::Pert { min, max, .. } => match &self.beta {
                Some(_) => {
                    let (a, b) = self.beta_shapes();
                    min + (max - min) * beta_fn::inv_beta_reg(a, b, p)
                }
                None => min,
            },
            &Dist::Beta { mean, .. } => match &self.beta {
                Some(_) => {
                    let (a, b) = self.beta_shapes();
                    beta_fn::inv_beta_reg(a, b, p)
                }
                None => mean,
            },
            Dist::Discrete { .. } | Dist::Empirical { .. } => self.tabulated(p),
        };
        self.range.clamp(x)
    }

    /// The shapes of the beta behind `pert` and `beta` (1, 1 for the other families).
    fn beta_shapes(&self) -> (f64, f64) {
        match self.dist {
            Dist::Pert { min, mode, max } if max > min => (
                1.0 + 4.0 * (mode - min) / (max - min),
                1.0 + 4.0 * (max - mode) / (max - min),
            ),
            Dist::Beta { mean, sd } if sd > 0.0 => {
                let k = mean * (1.0 - mean) / (sd * sd) - 1.0;
                (mean * k, (1.0 - mean) * k)
            }
            _ => (1.0, 1.0),
        }
    }
}

/// The values in ascending order.
fn sorted_values(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// Every value of a `discrete` or `empirical` list lies in the field's range.
fn check_values(values: &[f64], range: &Range) -> Result<(), DistError> {
    for (i, &v) in values.iter().enumerate() {
        if !range.contains(v) {
            return Err(err(
                "values",
                format!(
                    "values[{i}] is {}, must be {}",
                    short_number(v),
                    range.describe()
                ),
            ));
        }
    }
    Ok(())
}

/// The standard normal CDF `Phi(z) = erfc(-z / sqrt 2) / 2`.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erf::erfc(-z / std::f64::consts::SQRT_2)
}

/// A uniform draw in [0, 1) with 53 random bits.
#[inline]
pub fn unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn triangular_inverse(min: f64, mode: f64, max: f64, u: f64) -> f64 {
    let width = max - min;
    if width <= 0.0 {
        return min;
    }
    let split = (mode - min) / width;
    if u < split {
        min + (u * width * (mode - min)).sqrt()
    } else {
        max - ((1.0 - u) * width * (max - mode)).sqrt()
    }
}

/// Inverse of the standard normal CDF, `-sqrt 2 * erfc_inv(2 p)`, for `p` in (0, 1).
pub fn normal_quantile(p: f64) -> f64 {
    -std::f64::consts::SQRT_2 * erf::erfc_inv(2.0 * p)
}

/// A number as shown in a message: as written when it is moderate (`0.25`, `1500`),
/// in exponent form otherwise (`1e308`, `5e-324`), always the shortest text that reads
/// back as the same number, so no message grows to hundreds of digits.
pub fn short_number(x: f64) -> String {
    let magnitude = x.abs();
    if x == 0.0 || !x.is_finite() || (1e-7..1e16).contains(&magnitude) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn mean_of(s: &Sampler, n: usize) -> f64 {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        (0..n).map(|_| s.sample(&mut rng)).sum::<f64>() / n as f64
    }

    #[test]
    fn means_match_the_families() {
        let r = Range::at_least(0.0);
        let cases = [
            (Dist::Uniform { min: 1.0, max: 3.0 }, 2.0),
            (
                Dist::Triangular {
                    min: 0.2,
                    mode: 0.3,
                    max: 0.5,
                },
                1.0 / 3.0,
            ),
            (
                Dist::Pert {
                    min: 0.05,
                    mode: 0.2,
                    max: 0.6,
                },
                (0.05 + 0.8 + 0.6) / 6.0,
            ),
            (
                Dist::LogNormal {
                    median: 2.0,
                    sigma: 0.5,
                },
                2.0 * (0.125f64).exp(),
            ),
            (
                Dist::Beta {
                    mean: 0.04,
                    sd: 0.015,
                },
                0.04,
            ),
            (Dist::Normal { mean: 5.0, sd: 1.0 }, 5.0),
        ];
        for (d, want) in cases {
            let s = d.clone().into_sampler(r).unwrap();
            let got = mean_of(&s, 200_000);
            assert!((got - want).abs() < 0.01 * want, "{d:?}: {got} vs {want}");
        }
    }

    #[test]
    fn normal_is_clamped_to_the_range() {
        let s = Dist::Normal {
            mean: 0.05,
            sd: 0.5,
        }
        .into_sampler(Range::closed(0.0, 1.0))
        .unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        for _ in 0..10_000 {
            let x = s.sample(&mut rng);
            assert!((0.0..=1.0).contains(&x));
        }
    }

    #[test]
    fn bad_parameters_are_refused_with_the_parameter_named() {
        let r = Range::closed(0.0, 1.0);
        let e = Dist::Triangular {
            min: 0.2,
            mode: 0.7,
            max: 0.5,
        }
        .into_sampler(r)
        .unwrap_err();
        assert_eq!(e.key, "mode");
        let e = Dist::Beta {
            mean: 0.05,
            sd: 0.3,
        }
        .into_sampler(r)
        .unwrap_err();
        assert_eq!(e.key, "sd");
        let e = Dist::Uniform { min: 0.5, max: 0.2 }
            .into_sampler(r)
            .unwrap_err();
        assert_eq!(e.key, "max");
        let e = Dist::Fixed(1.5).into_sampler(r).unwrap_err();
        assert_eq!(e.key, "");
        let e = Dist::Normal {
            mean: f64::NAN,
            sd: 1.0,
        }
        .into_sampler(r)
        .unwrap_err();
        assert_eq!(e.key, "mean");
    }

    #[test]
    fn quantiles_are_monotone_and_match_known_points() {
        assert!((normal_quantile(0.975) - 1.959964).abs() < 1e-5);
        assert!((normal_quantile(0.1) + 1.281552).abs() < 1e-5);
        let s = Dist::Pert {
            min: 0.0,
            mode: 0.5,
            max: 1.0,
        }
        .into_sampler(Range::closed(0.0, 1.0))
        .unwrap();
        assert!((s.quantile(0.5) - 0.5).abs() < 1e-3);
        assert!(s.quantile(0.1) < s.quantile(0.9));
    }

    #[test]
    fn value_stability_pinned_to_a_seed() {
        // Guards against silent changes of the sampling algorithms: same seed, same draws.
        let s = Dist::Triangular {
            min: 0.2,
            mode: 0.3,
            max: 0.5,
        }
        .into_sampler(Range::closed_open(0.0, 1.0))
        .unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
        let a: Vec<f64> = (0..3).map(|_| s.sample(&mut rng)).collect();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
        let b: Vec<f64> = (0..3).map(|_| s.sample(&mut rng)).collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|x| (0.2..=0.5).contains(x)));
    }

    #[test]
    fn discrete_draws_each_value_in_proportion_to_its_weight() {
        let s = Dist::Discrete {
            values: vec![0.08, 0.03, 0.05],
            weights: vec![0.2, 0.3, 0.5],
        }
        .into_sampler(Range::closed(0.0, 1.0))
        .unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let n = 100_000;
        let mut counts = [0usize; 3];
        for _ in 0..n {
            let x = s.sample(&mut rng);
            let i = [0.03, 0.05, 0.08].iter().position(|&v| v == x).unwrap();
            counts[i] += 1;
        }
        for (count, want) in counts.iter().zip([0.3, 0.5, 0.2]) {
            let got = *count as f64 / n as f64;
            assert!((got - want).abs() < 0.01, "{counts:?}");
        }
        // Ascending order, cumulative 0.3, 0.8, 1.
        assert_eq!(s.quantile(0.29), 0.03);
        assert_eq!(s.quantile(0.31), 0.05);
        assert_eq!(s.quantile(0.79), 0.05);
        assert_eq!(s.quantile(0.81), 0.08);
        assert!((s.dist().location() - (0.08 * 0.2 + 0.03 * 0.3 + 0.05 * 0.5)).abs() < 1e-12);
    }

    #[test]
    fn empirical_interpolates_between_the_sorted_values() {
        let s = Dist::Empirical {
            values: vec![0.4, 0.0, 0.1, 0.2],
        }
        .into_sampler(Range::at_least(0.0))
        .unwrap();
        // Sorted 0, 0.1, 0.2, 0.4 at probabilities 0, 1/3, 2/3, 1.
        assert!((s.quantile(1.0 / 6.0) - 0.05).abs() < 1e-12);
        assert!((s.quantile(0.5) - 0.15).abs() < 1e-12);
        assert!((s.quantile(5.0 / 6.0) - 0.3).abs() < 1e-12);
        // gbar: the mean of the midpoints 0.05, 0.15, 0.3.
        assert!((s.dist().location() - 0.5 / 3.0).abs() < 1e-12);
        let got = mean_of(&s, 200_000);
        assert!((got - 0.5 / 3.0).abs() < 0.002, "{got}");
    }

    #[test]
    fn discrete_and_empirical_are_refused_with_the_key_at_fault() {
        let r = Range::closed(0.0, 1.0);
        let bad = |d: Dist| d.into_sampler(r).unwrap_err();
        let e = bad(Dist::Discrete {
            values: vec![],
            weights: vec![],
        });
        assert_eq!(e.key, "values");
        let e = bad(Dist::Discrete {
            values: vec![0.1, 0.2],
            weights: vec![1.0],
        });
        assert_eq!(e.key, "weights");
        let e = bad(Dist::Discrete {
            values: vec![0.1, 0.2],
            weights: vec![1.0, 0.0],
        });
        assert_eq!(e.key, "weights");
        assert!(e.message.contains("weights[1]"), "{}", e.message);
        let e = bad(Dist::Discrete {
            values: vec![0.1, 1.2],
            weights: vec![1.0, 1.0],
        });
        assert_eq!(e.key, "values");
        assert!(e.message.contains("values[1] is 1.2"), "{}", e.message);
        let e = bad(Dist::Empirical { values: vec![0.5] });
        assert_eq!(e.key, "values");
        let e = bad(Dist::Empirical {
            values: vec![0.5, -0.1],
        });
        assert_eq!(e.key, "values");
    }

    #[test]
    fn quantiles_invert_the_sampled_distributions() {
        // The share of draws below each quantile is its probability, for the families
        // whose inverse CDF comes from special functions.
        let cases = [
            Dist::Pert {
                min: 0.0,
                mode: 0.15,
                max: 0.45,
            },
            Dist::Beta {
                mean: 0.05,
                sd: 0.02,
            },
            Dist::LogNormal {
                median: 2.0,
                sigma: 0.5,
            },
            Dist::Normal { mean: 0.3, sd: 0.1 },
        ];
        for d in cases {
            let s = d.clone().into_sampler(Range::at_least(0.0)).unwrap();
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
            let draws: Vec<f64> = (0..100_000).map(|_| s.sample(&mut rng)).collect();
            for p in [0.05, 0.25, 0.5, 0.75, 0.95] {
                let q = s.quantile(p);
                let below = draws.iter().filter(|&&x| x <= q).count() as f64 / 1e5;
                assert!((below - p).abs() < 0.006, "{d:?} at {p}: {below}");
            }
        }
    }
}
