//! `optimize.csv`: one row per evaluation of `outsim optimize`, in the order run: each
//! lever's value (a column per vendor for an allocation), the cost statistics, P(objectives
//! met) and whether the plan is feasible. Pure: results in, bytes out.

use super::OutputError;
use super::csv::neutralise;
use crate::analysis::optimize::Optimized;

/// The bytes of `optimize.csv`.
///
/// # Errors
///
/// [`OutputError`] if the table cannot be encoded.
pub fn optimize_csv(run: &Optimized) -> Result<Vec<u8>, OutputError> {
    let encode = |e: csv::Error| OutputError::Csv {
        file: "optimize.csv",
        message: e.to_string(),
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["evaluation".into()];
    for lever in &run.levers {
        header.extend(lever.columns().iter().map(|c| neutralise(c).into_owned()));
    }
    header.extend(
        [
            "cost_mean",
            "cost_p95",
            "cost_cvar95",
            "p_objectives_met",
            "feasible",
            "best",
            "runner_up",
        ]
        .map(String::from),
    );
    writer.write_record(&header).map_err(encode)?;
    for (i, e) in run.evaluations.iter().enumerate() {
        let mut row: Vec<String> = vec![(i + 1).to_string()];
        row.extend(e.values.iter().flat_map(|v| v.cells()));
        row.extend([
            e.cost_mean.to_string(),
            e.cost_p95.to_string(),
            e.cost_cvar95.to_string(),
            e.p_objectives_met.to_string(),
            e.feasible.to_string(),
            (i == run.best).to_string(),
            (Some(i) == run.runner_up).to_string(),
        ]);
        writer.write_record(&row).map_err(encode)?;
    }
    writer.into_inner().map_err(|e| OutputError::Csv {
        file: "optimize.csv",
        message: e.to_string(),
    })
}
