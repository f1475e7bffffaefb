//! Correlated inputs and Latin hypercube samples (MODEL.md V2.5 and `[scenario] sampling`).
//!
//! A [`Copula`] is the Gaussian copula of V2.5: Spearman rank correlations `r` are turned
//! into the normals' correlations `2 sin(pi r / 6)` (exact for a Gaussian copula, Kruskal
//! 1958), the matrix is factored once (Cholesky, `O(k^3)` for `k` inputs), and each trial
//! turns `k` independent standard normals `n` into `z = L n`. The caller maps each `z_i`
//! to its input by `F_i^{-1}(Phi(z_i))`.
//!
//! [`latin_hypercube`] stratifies `n` uniforms per dimension: each of the `n` equal strata
//! of (0, 1) holds exactly one point, in an order drawn at random (McKay, Beckman and
//! Conover 1979). Pure maths: the caller passes the generator.

use rand::Rng;

use super::dist::unit;

/// The Gaussian copula of a set of inputs, ready to correlate normals.
#[derive(Debug, Clone, PartialEq)]
pub struct Copula {
    dims: usize,
    /// The lower-triangular Cholesky factor, row-major, `dims * dims`.
    lower: Vec<f64>,
}

/// The normals' correlation matrix implied by the rank correlations is not positive
/// definite, so no set of inputs can have them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotPositiveDefinite;

/// The correlation of the copula's normals that gives Spearman's rank correlation
/// `rank`: `2 sin(pi rank / 6)`.
pub fn normal_correlation(rank: f64) -> f64 {
    2.0 * (std::f64::consts::PI * rank / 6.0).sin()
}

impl Copula {
    /// The copula of `dims` inputs with the rank correlations `pairs` (`(i, j, rank)`,
    /// `i != j`, each pair at most once); inputs not in a pair are independent.
    ///
    /// # Errors
    ///
    /// [`NotPositiveDefinite`] when the implied matrix is not positive definite (a pivot
    /// of its Cholesky factorisation is not above `1e-10`).
    pub fn new(dims: usize, pairs: &[(usize, usize, f64)]) -> Result<Copula, NotPositiveDefinite> {
        let mut matrix = vec![0.0; dims * dims];
        for i in 0..dims {
            matrix[i * dims + i] = 1.0;
        }
        for &(i, j, rank) in pairs {
            let r = normal_correlation(rank);
            matrix[i * dims + j] = r;
            matrix[j * dims + i] = r;
        }
        let mut lower = vec![0.0; dims * dims];
        for i in 0..dims {
            for j in 0..=i {
                let mut sum = matrix[i * dims + j];
                for k in 0..j {
                    sum -= lower[i * dims + k] * lower[j * dims + k];
                }
                if i == j {
                    if sum <= 1e-10 || !sum.is_finite() {
                        return Err(NotPositiveDefinite);
                    }
                    lower[i * dims + i] = sum.sqrt();
                } else {
                    lower[i * dims + j] = sum / lower[j * dims + j];
                }
            }
        }
        Ok(Copula { dims, lower })
    }

    /// Number of inputs.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// `z = L n` for independent standard normals `normals` (one per input), in place.
    pub fn correlate(&self, normals: &mut [f64]) {
        let d = self.dims;
        // From the last row up, so each row reads only normals not yet replaced.
        for i in (0..d).rev() {
            let row = &self.lower[i * d..i * d + i + 1];
            normals[i] = row.iter().zip(&normals[..=i]).map(|(l, n)| l * n).sum();
        }
    }
}

/// A Latin hypercube of `n` points in `dims` dimensions, dimension-major: point `j` of
/// dimension `d` is `out[d * n + j]`, in (0, 1) up to the generator's resolution. For
/// each dimension, a random permutation of the strata (Fisher-Yates) and then a uniform
/// position within each stratum, all from `rng`. `O(n dims)`.
pub fn latin_hypercube<R: Rng + ?Sized>(rng: &mut R, n: usize, dims: usize, out: &mut Vec<f64>) {
    out.clear();
    out.reserve(n * dims);
    let mut strata: Vec<usize> = Vec::with_capacity(n);
    for _ in 0..dims {
        strata.clear();
        strata.extend(0..n);
        for i in (1..n).rev() {
            let j = ((unit(rng) * (i + 1) as f64) as usize).min(i);
            strata.swap(i, j);
        }
        let scale = 1.0 / n as f64;
        out.extend(strata.iter().map(|&s| (s as f64 + unit(rng)) * scale));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn cholesky_reproduces_the_matrix() {
        let c = Copula::new(3, &[(0, 1, 0.5), (1, 2, 0.7)]).unwrap();
        let d = 3;
        for i in 0..d {
            for j in 0..d {
                let got: f64 = (0..d)
                    .map(|k| c.lower[i * d + k] * c.lower[j * d + k])
                    .sum();
                let want = match (i.min(j), i.max(j)) {
                    (a, b) if a == b => 1.0,
                    (0, 1) => normal_correlation(0.5),
                    (1, 2) => normal_correlation(0.7),
                    _ => 0.0,
                };
                assert!((got - want).abs() < 1e-12, "{i} {j}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn impossible_correlations_are_refused() {
        // a and b move together, b and c too, but a and c oppositely.
        let pairs = [(0, 1, 0.9), (1, 2, 0.9), (0, 2, -0.9)];
        assert_eq!(Copula::new(3, &pairs), Err(NotPositiveDefinite));
        assert!(Copula::new(2, &[(0, 1, 0.99)]).is_ok());
    }

    #[test]
    fn correlate_applies_the_lower_factor() {
        let c = Copula::new(2, &[(0, 1, 0.5)]).unwrap();
        let r = normal_correlation(0.5);
        let mut n = [1.0, 2.0];
        c.correlate(&mut n);
        assert!((n[0] - 1.0).abs() < 1e-12);
        assert!((n[1] - (r + 2.0 * (1.0 - r * r).sqrt())).abs() < 1e-12);
    }

    #[test]
    fn each_stratum_holds_one_point() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let mut out = Vec::new();
        latin_hypercube(&mut rng, 100, 3, &mut out);
        assert_eq!(out.len(), 300);
        for dim in out.chunks(100) {
            let mut strata: Vec<usize> = dim.iter().map(|u| (u * 100.0) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..100).collect::<Vec<_>>());
        }
    }
}
