//! The guard against optimising the noise: the starting strategy, the best plan and the
//! runner-up re-simulated together on fresh trials, and `best.toml`.

use toml::Value;

use super::levers::{LeverValue, SearchPlan};
use super::{Checked, Evaluation, OptimizeError, Optimized};
use crate::engine::{self, RunOptions};
use crate::results::Results;
use crate::scenario::Scenario;

/// Re-simulate the starting strategy, `best` and `runner_up` on fresh trials and write
/// `best.toml`.
pub(super) fn recheck(
    plan: &SearchPlan,
    options: RunOptions<'_>,
    budget: usize,
    evaluations: Vec<Evaluation>,
    best: usize,
    runner_up: Option<usize>,
) -> Result<Optimized, OptimizeError> {
    let invalid = |why: String| OptimizeError::Invalid(format!("{}: {why}", plan.path.display()));
    let best_name = plan.fresh_name("optimised");
    let runner_name = plan.fresh_name("runner-up");
    let mut copies: Vec<(String, &[LeverValue])> =
        vec![(best_name.clone(), &evaluations[best].values)];
    if let Some(r) = runner_up {
        copies.push((runner_name.clone(), &evaluations[r].values));
    }
    let recheck_seed = recheck_seed(options.seed)?;
    // best.toml: the file, the optimised strategy beside the original, the run settings
    // of the re-simulation (trials, seed, and the sampling, which the command line may
    // have set apart from the file's).
    let mut best_document = plan.with_copies(&copies[..1]).map_err(invalid)?;
    let sampling = options.sampling.unwrap_or(plan.scenario.meta.sampling);
    if let Some(meta) = best_document.table_mut("scenario") {
        let trials = i64::try_from(options.trials)
            .map_err(|_| invalid(format!("{} trials cannot be written", options.trials)))?;
        meta.insert("trials".into(), Value::Integer(trials));
        meta.insert("seed".into(), Value::Integer(recheck_seed.1));
        meta.insert("sampling".into(), Value::String(sampling.name().into()));
    }
    let recheck_seed = recheck_seed.0;
    let best_toml = best_document
        .to_text()
        .map_err(|e| invalid(e.to_string()))?;
    let text = plan
        .with_copies(&copies)
        .and_then(|d| d.to_text().map_err(|e| e.to_string()))
        .map_err(invalid)?;
    let mut scenario =
        Scenario::from_toml_str(&text, &plan.path).map_err(|e| invalid(e.to_string()))?;
    let original = plan.strategy_index;
    let keep: Vec<usize> = std::iter::once(original)
        .chain(plan.scenario.strategies.len()..scenario.strategies.len())
        .collect();
    scenario.strategies = keep
        .iter()
        .map(|&i| scenario.strategies[i].clone())
        .collect();
    let mut fresh = options.for_another_run();
    fresh.seed = recheck_seed;
    let raw = engine::run(&scenario, fresh)?;
    let summary = Results::new(&scenario, raw).summary;
    let which = [Some(None), Some(Some(best)), runner_up.map(Some)];
    let recheck = summary
        .iter()
        .zip(which.iter().flatten())
        .map(|(s, &evaluation)| {
            let n = s.trials.max(1) as f64;
            let p = s.p_objectives_met;
            Checked {
                name: s.strategy.clone(),
                evaluation,
                cost: plan.objective.value(s),
                cost_mean: s.cost_mean,
                cost_mean_half_width: 1.96 * s.cost_se,
                p_objectives_met: p,
                p_half_width: 1.96 * (p * (1.0 - p) / n).sqrt(),
                feasible: s.meets_objectives,
            }
        })
        .collect();
    Ok(Optimized {
        scenario_name: plan.scenario.meta.name.clone(),
        currency: plan.scenario.meta.currency.clone(),
        strategy: plan.strategy.clone(),
        levers: plan.levers.clone(),
        objective: plan.objective,
        confidence: plan.confidence,
        trials: options.trials,
        seed: options.seed,
        recheck_seed,
        budget,
        evaluations,
        best,
        runner_up,
        recheck,
        best_toml,
    })
}

/// The seed of the re-simulation (`seed + 1`, wrapping), and as `best.toml` records it.
///
/// # Errors
///
/// [`OptimizeError::Invalid`] when it is beyond the largest TOML integer, so that
/// `best.toml` could not reproduce the comparison.
pub(super) fn recheck_seed(seed: u64) -> Result<(u64, i64), OptimizeError> {
    let fresh = seed.wrapping_add(1);
    let written = i64::try_from(fresh).map_err(|_| {
        OptimizeError::Invalid(format!(
            "seed {seed}: the re-simulation runs on seed {fresh}, which best.toml cannot record (a TOML integer is at most {}); use a seed below {}",
            i64::MAX,
            i64::MAX
        ))
    })?;
    Ok((fresh, written))
}
