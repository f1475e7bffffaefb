//! The search: the starting strategy, a Latin hypercube over the box, then argmin's
//! Nelder–Mead over the continuous levers and single flips of the discrete ones, every
//! candidate on the same trials and seed.

use std::cell::RefCell;
use std::collections::HashMap;

use argmin::core::{CostFunction, Executor};
use argmin::solver::neldermead::NelderMead;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use super::levers::{LeverValue, SearchPlan};
use super::recheck::{recheck, recheck_seed};
use super::{Evaluation, OptimizeError, Optimized};
use crate::engine::{self, RunError, RunOptions};
use crate::results::{Results, StrategySummary};

/// Why the search stopped evaluating.
enum Stop {
    /// The budget of evaluations is spent.
    Budget,
    /// A run stopped.
    Run(RunError),
    /// A candidate was not a valid scenario.
    Invalid(String),
}

/// The state every evaluation shares: the cache and the record.
struct Evaluator<'p, 'o> {
    plan: &'p SearchPlan,
    options: &'p RunOptions<'o>,
    budget: usize,
    penalty: RefCell<f64>,
    evaluations: RefCell<Vec<Evaluation>>,
    cache: RefCell<HashMap<String, usize>>,
    /// Summaries of candidates simulated elsewhere (by `optimize --shard`), by key:
    /// taken in place of a simulation when the search reaches them.
    known: RefCell<HashMap<String, StrategySummary>>,
    stop: RefCell<Option<Stop>>,
}

/// The key a candidate is cached by: its values, every number in full (Rust's
/// shortest representation that reads back to the same bits).
pub fn candidate_key(values: &[LeverValue]) -> String {
    format!("{values:?}")
}

/// The starting strategy's summary with `values` applied, on `options`' trials and
/// seed.
fn simulate(
    plan: &SearchPlan,
    options: &RunOptions<'_>,
    values: &[LeverValue],
) -> Result<StrategySummary, OptimizeError> {
    let scenario = plan
        .candidate_scenario(values)
        .map_err(|why| OptimizeError::Invalid(format!("{}: {why}", plan.describe(values))))?;
    let raw = engine::run(&scenario, options.for_another_run())?;
    Ok(Results::new(&scenario, raw).summary.swap_remove(0))
}

impl Evaluator<'_, '_> {
    /// The penalised objective of a candidate (cost + penalty × shortfall).
    fn score(&self, e: &Evaluation) -> f64 {
        e.cost + *self.penalty.borrow() * (self.plan.confidence - e.p_objectives_met).max(0.0)
    }

    /// Evaluate the candidate at `point` (cached); `None` once the search must stop.
    fn evaluate(&self, point: &[f64]) -> Option<usize> {
        self.evaluate_values(self.plan.decode(point))
    }

    /// Evaluate the candidate with `values` (cached); `None` once the search must stop.
    fn evaluate_values(&self, values: Vec<LeverValue>) -> Option<usize> {
        let key = candidate_key(&values);
        if let Some(&i) = self.cache.borrow().get(&key) {
            return Some(i);
        }
        if self.stop.borrow().is_some() {
            return None;
        }
        if self.evaluations.borrow().len() >= self.budget {
            *self.stop.borrow_mut() = Some(Stop::Budget);
            return None;
        }
        let known = self.known.borrow_mut().remove(&key);
        let summary = match known {
            Some(summary) => summary,
            None => match simulate(self.plan, self.options, &values) {
                Ok(summary) => summary,
                Err(e) => {
                    *self.stop.borrow_mut() = Some(match e {
                        OptimizeError::Run(e) => Stop::Run(e),
                        other => Stop::Invalid(other.to_string()),
                    });
                    return None;
                }
            },
        };
        let evaluation = Evaluation {
            values,
            cost_mean: summary.cost_mean,
            cost_p95: summary.cost_p95,
            cost_cvar95: summary.cost_cvar95,
            cost: self.plan.objective.value(&summary),
            p_objectives_met: summary.p_objectives_met,
            feasible: summary.p_objectives_met >= self.plan.confidence,
        };
        let mut evaluations = self.evaluations.borrow_mut();
        if evaluations.is_empty() {
            *self.penalty.borrow_mut() = 100.0 * evaluation.cost.abs().max(1.0);
        }
        evaluations.push(evaluation);
        let i = evaluations.len() - 1;
        self.cache.borrow_mut().insert(key, i);
        Some(i)
    }

    /// The best evaluation so far: cheapest feasible, else nearest feasibility.
    fn ranked(&self) -> Vec<usize> {
        rank(&self.evaluations.borrow())
    }
}

/// Evaluation indices best first: feasible ones by cost, then infeasible ones by
/// P(objectives met) (higher first) and cost; ties keep the order run.
fn rank(evaluations: &[Evaluation]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..evaluations.len()).collect();
    order.sort_by(|&a, &b| {
        let (ea, eb) = (&evaluations[a], &evaluations[b]);
        eb.feasible
            .cmp(&ea.feasible)
            .then_with(|| {
                if ea.feasible {
                    std::cmp::Ordering::Equal
                } else {
                    eb.p_objectives_met.total_cmp(&ea.p_objectives_met)
                }
            })
            .then(ea.cost.total_cmp(&eb.cost))
            .then(a.cmp(&b))
    });
    order
}

/// The problem Nelder–Mead sees: the continuous coordinates, the discrete ones fixed.
struct Continuous<'e, 'p, 'o> {
    evaluator: &'e Evaluator<'p, 'o>,
    /// The incumbent point; its continuous coordinates are replaced.
    base: Vec<f64>,
    /// Indices of the continuous coordinates.
    free: Vec<usize>,
}

impl CostFunction for Continuous<'_, '_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, param: &Self::Param) -> Result<Self::Output, argmin::core::Error> {
        let mut point = self.base.clone();
        for (&i, &x) in self.free.iter().zip(param) {
            point[i] = x;
        }
        match self.evaluator.evaluate(&point) {
            Some(i) => Ok(self
                .evaluator
                .score(&self.evaluator.evaluations.borrow()[i])),
            None => Err(argmin::core::Error::msg("the search stopped")),
        }
    }
}

/// A Latin hypercube of `n` points in `dimensions` coordinates, drawn from `seed`.
fn latin_hypercube(n: usize, dimensions: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x6f70_7469_6d69_7a65);
    let mut points = vec![vec![0.0; dimensions]; n];
    for d in 0..dimensions {
        let mut strata: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = rng.random_range(0..=i);
            strata.swap(i, j);
        }
        for (point, stratum) in points.iter_mut().zip(strata) {
            let jitter: f64 = rng.random();
            point[d] = (stratum as f64 + jitter) / n as f64;
        }
    }
    points
}

/// Run Nelder–Mead over the continuous coordinates from `start`; returns when it
/// converges or the search must stop.
fn nelder_mead(
    evaluator: &Evaluator<'_, '_>,
    start: &[f64],
    free: &[usize],
) -> Result<(), OptimizeError> {
    if free.is_empty() {
        return Ok(());
    }
    let origin: Vec<f64> = free.iter().map(|&i| start[i].clamp(0.0, 1.0)).collect();
    let mut simplex = vec![origin.clone()];
    for k in 0..origin.len() {
        let mut vertex = origin.clone();
        vertex[k] = if vertex[k] + 0.25 <= 1.0 {
            vertex[k] + 0.25
        } else {
            vertex[k] - 0.25
        };
        simplex.push(vertex);
    }
    // argmin's Nelder–Mead cannot stop while it evaluates its first simplex (it unwraps
    // those costs): evaluate the vertices first, and start it only when every one was
    // simulated, so that its own evaluations of them are found in the cache.
    for vertex in &simplex {
        let mut point = start.to_vec();
        for (&i, &x) in free.iter().zip(vertex) {
            point[i] = x;
        }
        if evaluator.evaluate(&point).is_none() {
            return Ok(());
        }
    }
    let tolerance = 1e-6 * *evaluator.penalty.borrow() / 100.0;
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(tolerance)
        .map_err(|e| OptimizeError::Solver(e.to_string()))?;
    let problem = Continuous {
        evaluator,
        base: start.to_vec(),
        free: free.to_vec(),
    };
    let outcome = Executor::new(problem, solver)
        .configure(|state| state.max_iters(evaluator.budget as u64 * 4))
        .run();
    match (outcome, evaluator.stop.borrow().as_ref()) {
        (Ok(_), _) | (Err(_), Some(Stop::Budget)) => Ok(()),
        (Err(_), Some(_)) => Ok(()), // reported by the caller
        (Err(e), None) => Err(OptimizeError::Solver(e.to_string())),
    }
}

/// The points of the search's first batch, each with its candidate's values: the
/// starting strategy as written (its values need not fall on a step of the box), then
/// a Latin hypercube over the whole box of a quarter of `budget` points (at least one
/// more than the box has coordinates, at most `budget - 1`), drawn from `seed`. Two
/// points may decode to one candidate.
fn first_batch(plan: &SearchPlan, budget: usize, seed: u64) -> Vec<(Vec<f64>, Vec<LeverValue>)> {
    let dimensions = plan.dimensions();
    let sample = (budget / 4)
        .max(dimensions + 1)
        .min(budget.saturating_sub(1));
    std::iter::once((plan.encode(&plan.start), plan.start.clone()))
        .chain(
            latin_hypercube(sample, dimensions, seed)
                .into_iter()
                .map(|point| {
                    let values = plan.decode(&point);
                    (point, values)
                }),
        )
        .collect()
}

/// The distinct candidates of the search's first batch with at most `budget`
/// evaluations on `seed`, in the order the search evaluates them: the starting
/// strategy, then the Latin hypercube. None depends on another's result, so
/// `optimize --shard` splits them across machines.
pub fn start_batch(plan: &SearchPlan, budget: usize, seed: u64) -> Vec<Vec<LeverValue>> {
    let mut seen = std::collections::HashSet::new();
    first_batch(plan, budget.max(1), seed)
        .into_iter()
        .filter_map(|(_, values)| seen.insert(candidate_key(&values)).then_some(values))
        .collect()
}

/// Simulate each of `candidates` (values of `plan`'s levers) on `options`' trials and
/// seed, as the search would: the summary of the strategy searched, one per candidate.
///
/// # Errors
///
/// [`OptimizeError::Run`] when a run stops; [`OptimizeError::Invalid`] if a candidate
/// is not a valid scenario.
pub fn simulate_batch(
    plan: &SearchPlan,
    candidates: &[Vec<LeverValue>],
    options: &RunOptions<'_>,
) -> Result<Vec<StrategySummary>, OptimizeError> {
    candidates
        .iter()
        .map(|values| simulate(plan, options, values))
        .collect()
}

/// Search `plan` with at most `budget` evaluations, every one on `options`' trials and
/// seed, then re-simulate the starting strategy, the best plan and the runner-up on
/// fresh trials (seed + 1). Deterministic on any number of threads.
///
/// # Errors
///
/// [`OptimizeError::Run`] when a run stops (e.g. interrupted); [`OptimizeError::Invalid`]
/// if a candidate is not a valid scenario; [`OptimizeError::Solver`] if argmin fails.
pub fn optimize(
    plan: &SearchPlan,
    budget: usize,
    options: RunOptions<'_>,
) -> Result<Optimized, OptimizeError> {
    optimize_with(plan, budget, options, Vec::new())
}

/// [`optimize`], with `known` candidates' summaries (from [`simulate_batch`] on the
/// same trials and seed, e.g. on other machines) taken in place of simulating them:
/// the search and its results are those of [`optimize`] to the bit.
///
/// # Errors
///
/// As [`optimize`].
pub fn optimize_with(
    plan: &SearchPlan,
    budget: usize,
    options: RunOptions<'_>,
    known: Vec<(Vec<LeverValue>, StrategySummary)>,
) -> Result<Optimized, OptimizeError> {
    let budget = budget.max(1);
    // Refuse a seed best.toml cannot record before anything runs.
    recheck_seed(options.seed)?;
    let evaluator = Evaluator {
        plan,
        options: &options,
        budget,
        penalty: RefCell::new(1.0),
        evaluations: RefCell::new(Vec::new()),
        cache: RefCell::new(HashMap::new()),
        known: RefCell::new(
            known
                .into_iter()
                .map(|(values, summary)| (candidate_key(&values), summary))
                .collect(),
        ),
        stop: RefCell::new(None),
    };
    let discrete = plan.discrete();
    let free: Vec<usize> = (0..discrete.len()).filter(|&i| !discrete[i]).collect();
    let dimensions = plan.dimensions();
    let mut at_point: Vec<(Vec<f64>, usize)> = Vec::new();
    for (point, values) in first_batch(plan, budget, options.seed) {
        match evaluator.evaluate_values(values) {
            Some(i) => at_point.push((point, i)),
            None => break,
        }
    }
    let point_of = |i: usize, at_point: &[(Vec<f64>, usize)]| {
        at_point
            .iter()
            .find(|(_, j)| *j == i)
            .map(|(p, _)| p.clone())
            .unwrap_or_else(|| plan.encode(&evaluator.evaluations.borrow()[i].values))
    };
    let best_score = |ev: &Evaluator<'_, '_>| {
        ev.ranked()
            .first()
            .map(|&i| (i, ev.score(&ev.evaluations.borrow()[i])))
    };
    let mut incumbent = best_score(&evaluator);
    while let Some((best, score)) = incumbent {
        if evaluator.stop.borrow().is_some() {
            break;
        }
        let from = point_of(best, &at_point);
        nelder_mead(&evaluator, &from, &free)?;
        // Then each discrete lever flipped at the incumbent.
        let (now, _) = best_score(&evaluator).unwrap_or((best, score));
        let here = plan.encode(&evaluator.evaluations.borrow()[now].values);
        for d in (0..dimensions).filter(|&d| discrete[d]) {
            let mut flipped = here.clone();
            flipped[d] = 1.0 - flipped[d];
            if let Some(i) = evaluator.evaluate(&flipped) {
                at_point.push((flipped, i));
            }
        }
        let next = best_score(&evaluator);
        match next {
            Some((i, s)) if s < score && i != best => incumbent = Some((i, s)),
            _ => break,
        }
    }
    match evaluator.stop.borrow_mut().take() {
        Some(Stop::Run(e)) => return Err(OptimizeError::Run(e)),
        Some(Stop::Invalid(why)) => return Err(OptimizeError::Invalid(why)),
        Some(Stop::Budget) | None => {}
    }
    let evaluations = evaluator.evaluations.into_inner();
    let order = rank(&evaluations);
    let best = order[0];
    let runner_up = order.get(1).copied();
    recheck(plan, options, budget, evaluations, best, runner_up)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_latin_hypercube_has_one_point_per_stratum_on_every_axis() {
        let points = latin_hypercube(8, 3, 7);
        for d in 0..3 {
            let mut strata: Vec<usize> = points.iter().map(|p| (p[d] * 8.0) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..8).collect::<Vec<_>>());
        }
    }
}
