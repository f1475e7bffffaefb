//! `outsim sensitivity`: rank every uncertain input by how much it drives each
//! strategy's cost and service, from one recorded run plus one-at-a-time swings, and
//! write `<out>/<stem>/sensitivity/` (table, tornado charts, report) atomically.

use super::stress::{check_out, config, formats, load, pool, progress_bar, write};
use super::{CliError, SensitivityArgs, print_out};
use crate::analysis::sensitivity::{self, Sensitivity};
use crate::charts::format::format_money;
use crate::charts::{self, ChartFile, ImageFormat};
use crate::output::OutputFile;
use crate::report;

pub(super) fn sensitivity(args: SensitivityArgs) -> Result<(), CliError> {
    let options = &args.options;
    let loaded = load(&args.scenario)?;
    check_out(options)?;
    let config = config(options, &loaded.scenario);
    let pool = pool(options)?;
    let runs = sensitivity::planned_runs(&loaded.scenario);
    let bar = progress_bar(config.trials * runs, options.quiet);
    let progress = |n| bar.inc(n);
    let (results, sens) = pool
        .install(|| sensitivity::analyse(&loaded.scenario, config.progress(&progress)))
        .map_err(|e| CliError::Failed(format!("{}: {e}", loaded.file.display())))?;
    bar.finish_and_clear();
    let failed =
        |e: charts::ChartError| CliError::Failed(format!("{}: charts: {e}", loaded.file.display()));
    let mut files = vec![OutputFile::new(
        "sensitivity.csv",
        sensitivity::sensitivity_csv(&sens),
    )];
    if !options.no_charts {
        let mut wanted = formats(options);
        let svg_wanted = wanted.contains(&ImageFormat::Svg);
        if !svg_wanted {
            wanted.push(ImageFormat::Svg);
        }
        let tornadoes = pool
            .install(|| charts::render_tornado(&sens, &wanted))
            .map_err(failed)?;
        let run_charts = pool
            .install(|| charts::render_all(&loaded.scenario, &results, &[ImageFormat::Svg]))
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
        for chart in tornadoes {
            if svg_wanted || !chart.name.ends_with(".svg") {
                files.push(OutputFile::new(chart.name, chart.bytes));
            }
        }
    }
    let written = write(options, &loaded, "sensitivity", &files)?;
    if !options.quiet {
        print_out(&summary(&sens, &loaded.file.display().to_string()));
        print_out(&format!("  Results: {}/\n", written.display()));
    }
    Ok(())
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
