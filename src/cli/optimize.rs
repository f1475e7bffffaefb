//! `outsim optimize`: search one strategy's levers for the cheapest plan that meets the
//! objectives with the file's confidence, re-simulate the best plans on fresh trials,
//! and write `<out>/<stem>/optimize/` (`optimize.csv`, `best.toml`, the `frontier` chart
//! and `report.html` unless charts are off) atomically.
//!
//! Every KEY, SPEC, the strategy and the objectives are checked before anything runs; a
//! bad one exits with 2, naming it, and writes nothing.

use std::path::Path;

use super::budget::Estimate;
use super::signals;
use super::stress::{Loaded, load, prepare, stopped, write};
use super::{CliError, ObjectiveArg, OptimizeArgs, Settings, optimize_shard, print_out};
use crate::analysis::optimize::{
    self, DEFAULT_TRIALS_CAP, LeverValue, Objective, OptimizeError, Optimized, SearchPlan, describe,
};
use crate::charts::format::{format_money, format_probability, money_affixes};
use crate::charts::{ImageFormat, render_frontier};
use crate::output::OutputFile;
use crate::output::optimize::optimize_csv;
use crate::recommend::AmountScale;
use crate::report::render_optimize_report;
use crate::results::StrategySummary;

pub(super) fn objective(arg: ObjectiveArg) -> Objective {
    match arg {
        ObjectiveArg::Mean => Objective::Mean,
        ObjectiveArg::P95 => Objective::P95,
        ObjectiveArg::Cvar95 => Objective::Cvar95,
    }
}

pub(super) fn optimize(args: OptimizeArgs) -> Result<(), CliError> {
    signals::install();
    let settings = Settings::new(args.common);
    let loaded = load(&args.scenario)?;
    let plan = search_plan(
        &loaded,
        &args.strategy,
        &args.search,
        objective(args.objective),
    )?;
    let trials = settings
        .trials
        .unwrap_or_else(|| loaded.scenario.meta.trials.min(DEFAULT_TRIALS_CAP));
    let budget = usize::try_from(args.evaluations).unwrap_or(usize::MAX);
    if let Some(spec) = args.shard {
        let search = optimize_shard::Search {
            loaded: &loaded,
            plan: &plan,
            search: &args.search,
            objective: args.objective,
            budget,
            trials,
        };
        return optimize_shard::run_shard(&search, &settings, spec);
    }
    search(&loaded, &plan, budget, trials, &settings, Vec::new())
}

/// The search of `--strategy` with the `--search` options `search` in `loaded`, checked;
/// a bad one is invalid input.
pub(super) fn search_plan(
    loaded: &Loaded,
    strategy: &str,
    search: &[String],
    objective: Objective,
) -> Result<SearchPlan, CliError> {
    optimize::plan(&loaded.text, &loaded.file, strategy, search, objective).map_err(|e| {
        CliError::Invalid(format!(
            "{}: {e}; nothing was simulated or written",
            loaded.file.display()
        ))
    })
}

/// Search `plan` with at most `budget` evaluations of `trials` trials (the seed and
/// sampling of `settings`, else the file's), taking the `known` candidates' summaries
/// in place of simulating them; write `optimize/` and print the summary.
pub(super) fn search(
    loaded: &Loaded,
    plan: &SearchPlan,
    budget: usize,
    trials: u64,
    settings: &Settings,
    known: Vec<(Vec<LeverValue>, StrategySummary)>,
) -> Result<(), CliError> {
    // Candidates run one after another, one strategy each; the re-simulation runs three.
    let estimate = Estimate::run(trials, 3, false, 0);
    let folder = prepare(settings, loaded, estimate)?;
    let pool = settings.pool()?;
    let bar = settings.progress_bar(trials * (budget as u64 + 1));
    let progress = |n| bar.inc(n);
    let mut options = settings.run_options(&loaded.scenario).progress(&progress);
    options.trials = trials;
    let outcome = pool.install(|| optimize::optimize_with(plan, budget, options, known));
    bar.finish_and_clear();
    let outcome = match outcome {
        Ok(o) => o,
        Err(OptimizeError::Run(e)) => return Err(stopped(loaded, e)),
        Err(OptimizeError::Invalid(why)) => {
            return Err(CliError::Invalid(format!(
                "{}: {why}; nothing was written",
                loaded.file.display()
            )));
        }
        Err(e) => return Err(CliError::Failed(format!("{}: {e}", loaded.file.display()))),
    };
    let table = optimize_csv(&outcome).map_err(|e| CliError::table(&loaded.file, e))?;
    let mut files = vec![
        OutputFile::new("optimize.csv", table),
        OutputFile::new("best.toml", outcome.best_toml.clone()),
    ];
    if let Some(formats) = &settings.charts {
        // The report embeds the SVG, drawn even when only PNG files are asked for.
        let mut drawn = formats.clone();
        drawn.push(ImageFormat::Svg);
        let charts =
            render_frontier(&outcome, &drawn).map_err(|e| CliError::charts(&loaded.file, e))?;
        if let Some(svg) = charts.iter().find(|c| c.name == "frontier.svg") {
            let page = render_optimize_report(&outcome, &svg.bytes);
            files.push(OutputFile::new("report.html", page.into_bytes()));
        }
        for chart in charts {
            let asked = formats
                .iter()
                .any(|f| chart.name.ends_with(&format!(".{}", f.extension())));
            if asked {
                files.push(OutputFile::new(chart.name, chart.bytes));
            }
        }
    }
    let written = write(&folder, loaded, "optimize", &files)?;
    if !settings.quiet {
        print_out(&summary(&outcome, &loaded.file, &written.folder));
    }
    Ok(())
}

/// The terminal summary: the search, the best plan, and the verdict on fresh trials.
fn summary(run: &Optimized, file: &Path, written: &Path) -> String {
    let money = |v: f64| format_money(v, &run.currency);
    let mut out = format!(
        "\n{} ({}): optimize {} for the lowest {} with P(objectives met) >= {}\n",
        run.scenario_name,
        file.display(),
        run.strategy,
        run.objective.name(),
        format_probability(run.confidence)
    );
    out.push_str(&format!(
        "  {} evaluation(s) of {} asked, {} trials each, seed {}; re-simulated on seed {}\n",
        run.evaluations.len(),
        run.budget,
        run.trials,
        run.seed,
        run.recheck_seed
    ));
    let best = &run.evaluations[run.best];
    out.push_str(&format!(
        "  Best plan: {}\n",
        describe(&run.levers, &best.values)
    ));
    out.push_str(&format!(
        "    search: {} {}, P(objectives met) {}{}\n",
        run.objective.name(),
        money(best.cost),
        format_probability(best.p_objectives_met),
        if best.feasible {
            ""
        } else {
            " (infeasible: no plan searched meets the objectives)"
        }
    ));
    if let Some(r) = run.runner_up {
        out.push_str(&format!(
            "  Runner-up: {}\n",
            describe(&run.levers, &run.evaluations[r].values)
        ));
    }
    out.push_str("  On fresh trials (95% intervals):\n");
    let width = run
        .recheck
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    // Costs of one kind on one scale, so that `$18.0M` stands beside `$17.8M`.
    let currency: crate::recommend::Currency = money_affixes(&run.currency).into();
    let scale = |values: Vec<f64>| AmountScale::of(values, &currency);
    let costs = scale(run.recheck.iter().map(|c| c.cost).collect());
    let means = scale(run.recheck.iter().map(|c| c.cost_mean).collect());
    for c in &run.recheck {
        // The mean is always given with its interval; another objective comes first.
        let statistic = match run.objective {
            Objective::Mean => String::new(),
            other => format!("{} {}, ", other.name(), costs.format(c.cost)),
        };
        out.push_str(&format!(
            "    {:<width$}  {statistic}mean NPV cost {} ± {}, P(objectives met) {} ± {}{}\n",
            c.name,
            means.format(c.cost_mean),
            money(c.cost_mean_half_width),
            format_probability(c.p_objectives_met),
            format_probability(c.p_half_width),
            if c.feasible { "" } else { " (misses)" }
        ));
    }
    let verdict = match run.best_checked() {
        Some(c) if c.feasible => format!(
            "  Verdict: the best plan meets the objectives with P {} on fresh trials.\n",
            format_probability(c.p_objectives_met)
        ),
        Some(_) => "  Verdict: on fresh trials the best plan falls short of the confidence asked: treat it as borderline (raise --trials, or the buffer).\n".to_string(),
        None => String::new(),
    };
    out.push_str(&verdict);
    out.push_str(&format!(
        "  Results: {}/ (run best.toml to compare)\n",
        written.display()
    ));
    out
}
