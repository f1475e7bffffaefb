//! `outsim sensitivity`: rank every uncertain input by how much it drives each
//! strategy's cost and service, from one recorded run plus one-at-a-time swings, and
//! write `<out>/<stem>/sensitivity/` (table, tornado charts, report) atomically.

use super::budget::Estimate;
use super::run::{wanted, with_svg};
use super::signals;
use super::stress::{load, prepare, stopped, write};
use super::{CliError, SensitivityArgs, Settings, print_out};
use crate::analysis::sensitivity::{self, Sensitivity};
use crate::charts::format::format_money;
use crate::charts::{self, ChartFile, ImageFormat};
use crate::engine::TrialInputs;
use crate::output::folder;
use crate::output::{OutputFile, csv};
use crate::report;

pub(super) fn sensitivity(args: SensitivityArgs) -> Result<(), CliError> {
    signals::install();
    let settings = Settings::new(args.common);
    let loaded = load(&args.scenario)?;
    let options = settings.run_options(&loaded.scenario);
    let estimate = Estimate::run(
        options.trials,
        loaded.scenario.strategies.len(),
        false,
        kept_per_trial(&loaded.scenario),
    );
    let folder = prepare(&settings, &loaded, estimate)?;
    let pool = settings.pool()?;
    let runs = sensitivity::planned_runs(&loaded.scenario);
    let bar = settings.progress_bar(options.trials * runs);
    let progress = |n| bar.inc(n);
    let analysis =
        pool.install(|| sensitivity::analyse(&loaded.scenario, options.progress(&progress)));
    bar.finish_and_clear();
    let (results, sens) = analysis.map_err(|e| stopped(&loaded, e))?;
    let failed = |e: charts::ChartError| CliError::charts(&loaded.file, e);
    let table = csv::sensitivity(&sens).map_err(|e| CliError::table(&loaded.file, e))?;
    let mut files = vec![OutputFile::new("sensitivity.csv", table)];
    if let Some(formats) = &settings.charts {
        let tornadoes = pool
            .install(|| {
                charts::render_tornado_until(&sens, &with_svg(formats), folder::cancellation())
            })
            .map_err(failed)?;
        let run_charts = pool
            .install(|| {
                charts::render_all_until(
                    &loaded.scenario,
                    &results,
                    &[ImageFormat::Svg],
                    folder::cancellation(),
                )
            })
            .map_err(failed)?;
        let svgs: Vec<ChartFile> = tornadoes
            .iter()
            .filter(|c| c.name.ends_with(".svg"))
            .cloned()
            .collect();
        let page = report::render_report_with_sensitivity(
            &loaded.scenario,
            &results,
            &loaded.file,
            &run_charts,
            Some((&sens, &svgs)),
        );
        files.push(OutputFile::new("report.html", page.into_bytes()));
        files.extend(wanted(tornadoes, formats).map(|c| OutputFile::new(c.name, c.bytes)));
    }
    let written = write(&folder, &loaded, "sensitivity", &files)?;
    if !settings.quiet {
        print_out(&summary(&sens, &loaded.file.display().to_string()));
        print_out(&format!("  Results: {}/\n", written.folder.display()));
    }
    Ok(())
}

/// Bytes sensitivity keeps per trial beyond the engine's: each trial's inputs (with
/// four small per-vendor vectors and one per currency) and the rank columns of every
/// input and strategy.
fn kept_per_trial(scenario: &crate::scenario::Scenario) -> u64 {
    let vendors = scenario.vendors.len() as u64;
    let currencies = scenario.currencies.len() as u64;
    let strategies = scenario.strategies.len() as u64;
    let inputs = std::mem::size_of::<TrialInputs>() as u64 + 5 * 16 + 48 * vendors + 8 * currencies;
    inputs + 8 * (2 * strategies + 2)
}

/// The terminal summary: the three strongest drivers of each strategy's cost.
fn summary(sens: &Sensitivity, file: &str) -> String {
    let mut out = format!(
        "\n{} ({file}): sensitivity over {} trials, seed {}; {} inputs vary\n",
        sens.scenario_name,
        sens.trials,
        sens.seed,
        sens.inputs.len()
    );
    for (s, name) in sens.strategies.iter().enumerate() {
        let top: Vec<String> = sens
            .ranked(s)
            .into_iter()
            .take(3)
            .map(|i| {
                let rho = i.rho_cost[s].map_or("n/a".to_string(), |r| format!("{r:+.2}"));
                match &i.swing {
                    Some(w) => format!(
                        "{} (rho {rho}, swing {})",
                        i.label,
                        format_money((w.p50_high[s] - w.p50_low[s]).abs(), &sens.currency)
                    ),
                    None => format!("{} (rho {rho})", i.label),
                }
            })
            .collect();
        // A ranked-only input (a currency index, a failure month) has no swing, so it
        // sorts after every swung input: name it when it is the strongest by rank.
        let mut top = top;
        if let Some(i) = sens
            .ranked_by_correlation(s)
            .first()
            .filter(|i| i.swing.is_none() && !sens.ranked(s).iter().take(3).any(|t| t.key == i.key))
        {
            let rho = i.rho_cost[s].map_or("n/a".to_string(), |r| format!("{r:+.2}"));
            top.push(format!("strongest by rank: {} (rho {rho})", i.label));
        }
        out.push_str(&format!(
            "  {name}: {}\n",
            if top.is_empty() {
                "no input varies".to_string()
            } else {
                top.join("; ")
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::sensitivity::{InputKind, InputSensitivity, Swing};

    fn input(kind: InputKind, label: &str, rho: f64, swing: Option<f64>) -> InputSensitivity {
        InputSensitivity {
            kind,
            key: label.to_string(),
            label: label.to_string(),
            rho_cost: vec![Some(rho)],
            rho_service: vec![None],
            swing: swing.map(|w| Swing {
                low: 0.0,
                high: 1.0,
                p50_low: vec![0.0],
                p50_high: vec![w],
            }),
            correlated_with: Vec::new(),
        }
    }

    /// A failure month that ranks strongest is named though three swung inputs sort
    /// first and fill the summary;
    /// when a swung input ranks strongest, nothing is added.
    #[test]
    fn the_summary_names_a_ranked_only_input_that_ranks_strongest() {
        let mut sens = Sensitivity {
            scenario_name: "S".to_string(),
            currency: "USD".to_string(),
            trials: 10,
            seed: 1,
            strategies: vec!["Only".to_string()],
            base_p50: vec![0.0],
            inputs: vec![
                input(InputKind::Growth, "Demand growth", 0.3, Some(1000.0)),
                input(InputKind::Attrition(0), "A attrition", 0.2, Some(900.0)),
                input(InputKind::DefectRate(0), "A defect rate", 0.1, Some(800.0)),
                input(InputKind::FailureMonth(0), "A failure month", -0.9, None),
            ],
        };
        let text = summary(&sens, "s.toml");
        assert!(
            text.contains("strongest by rank: A failure month (rho -0.90)"),
            "{text}"
        );
        sens.inputs[3].rho_cost = vec![Some(-0.1)];
        assert!(!summary(&sens, "s.toml").contains("strongest by rank"));
    }
}
