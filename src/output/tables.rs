//! Tables of a run, as bytes: `summary.csv`, `summary.json`, `pairs.csv`, `monthly.csv`,
//! `trials.parquet` and `run.json`.
//!
//! Numbers are written with Rust's shortest round-trip formatting, so a CSV value reads
//! back as exactly the number computed, and the same results always give the same bytes.

use std::io::Cursor;

use polars::prelude::{Column, DataFrame, NamedFrom, Series};
use polars_io::prelude::{ParquetCompression, ParquetWriter};
use serde::Serialize;

use super::OutputError;
use crate::results::{Band, Results, StrategySummary};
use crate::scenario::Scenario;

/// Column names of `summary.csv`, in order: MODEL.md's list, then outsim's additions.
pub const SUMMARY_COLUMNS: [&str; 33] = [
    "strategy",
    "trials",
    "cost_mean",
    "cost_sd",
    "cost_se",
    "cost_p5",
    "cost_p50",
    "cost_p95",
    "cost_cvar95",
    "cost_per_unit_mean",
    "service_level_mean",
    "service_level_p5",
    "defect_rate_mean",
    "leavers_mean",
    "hires_mean",
    "incidents_mean",
    "shortfall_months_mean",
    "p_shortfall",
    "final_backlog_mean",
    "p_objectives_met",
    "meets_objectives",
    "labor_mean",
    "onboarding_mean",
    "setup_mean",
    "oversight_mean",
    "defects_mean",
    "delay_mean",
    "incidents_cost_mean",
    "credits_mean",
    "cost_total_mean",
    "first_shortfall_month",
    "first_shortfall_month_ci_low",
    "first_shortfall_month_ci_high",
];

/// Quote a CSV field where needed (RFC 4180).
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn num(x: f64) -> String {
    format!("{x}")
}

fn summary_row(s: &StrategySummary) -> Vec<String> {
    vec![
        csv_field(&s.strategy),
        s.trials.to_string(),
        num(s.cost_mean),
        num(s.cost_sd),
        num(s.cost_se),
        num(s.cost_p5),
        num(s.cost_p50),
        num(s.cost_p95),
        num(s.cost_cvar95),
        num(s.cost_per_unit_mean),
        num(s.service_level_mean),
        num(s.service_level_p5),
        num(s.defect_rate_mean),
        num(s.leavers_mean),
        num(s.hires_mean),
        num(s.incidents_mean),
        num(s.shortfall_months_mean),
        num(s.p_shortfall),
        num(s.final_backlog_mean),
        num(s.p_objectives_met),
        s.meets_objectives.to_string(),
        num(s.labor_mean),
        num(s.onboarding_mean),
        num(s.setup_mean),
        num(s.oversight_mean),
        num(s.defects_mean),
        num(s.delay_mean),
        num(s.incidents_cost_mean),
        num(s.credits_mean),
        num(s.cost_total_mean),
        s.first_shortfall_month
            .map_or(String::new(), |m| m.to_string()),
    ]
}

fn lines(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = header.join(",");
    out.push('\n');
    for row in rows {
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

/// `summary.csv`: one row per strategy.
pub fn summary_csv(results: &Results) -> Vec<u8> {
    lines(&SUMMARY_COLUMNS, results.summary.iter().map(summary_row))
}

/// `summary.json`: the same rows as `summary.csv`, as an array of objects.
pub fn summary_json(results: &Results) -> Result<Vec<u8>, OutputError> {
    let mut bytes = serde_json::to_vec_pretty(&results.summary).map_err(|e| OutputError::Json {
        file: "summary.json",
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// `pairs.csv`: every ordered pair of distinct strategies.
pub fn pairs_csv(results: &Results) -> Vec<u8> {
    let header = [
        "strategy_a",
        "strategy_b",
        "p_a_cheaper",
        "mean_diff",
        "diff_ci_low",
        "diff_ci_high",
    ];
    lines(
        &header,
        results.pairs.iter().map(|p| {
            vec![
                csv_field(&p.strategy_a),
                csv_field(&p.strategy_b),
                num(p.p_a_cheaper),
                num(p.mean_diff),
                num(p.diff_ci_low),
                num(p.diff_ci_high),
            ]
        }),
    )
}

/// `monthly.csv`: P10/P50/P90 per strategy and month.
pub fn monthly_csv(results: &Results) -> Vec<u8> {
    let mut header = vec!["strategy".to_string(), "month".to_string()];
    for series in ["demand", "capacity", "backlog", "heads", "cumulative_cost"] {
        for p in ["p10", "p50", "p90"] {
            header.push(format!("{series}_{p}"));
        }
    }
    header.push("p_shortfall".to_string());
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let band = |b: &Band| [num(b.p10), num(b.p50), num(b.p90)];
    lines(
        &header_refs,
        results.monthly.iter().map(|r| {
            let mut row = vec![
                csv_field(&results.strategies[r.strategy]),
                r.month.to_string(),
            ];
            for b in [
                &r.demand,
                &r.capacity,
                &r.backlog,
                &r.heads,
                &r.cumulative_cost,
            ] {
                row.extend(band(b));
            }
            row.push(num(r.p_shortfall));
            row
        }),
    )
}

/// `trials.parquet`: one row per trial and strategy with every per-trial output.
pub fn trials_parquet(results: &Results) -> Result<Vec<u8>, OutputError> {
    let s = results.strategies.len().max(1);
    let n = results.metrics.len();
    let m = &results.metrics;
    let f = |name: &str, get: fn(&crate::engine::trial::TrialMetrics) -> f64| -> Column {
        Series::new(name.into(), m.iter().map(get).collect::<Vec<f64>>()).into()
    };
    let u = |name: &str, get: fn(&crate::engine::trial::TrialMetrics) -> u64| -> Column {
        Series::new(name.into(), m.iter().map(get).collect::<Vec<u64>>()).into()
    };
    let columns: Vec<Column> = vec![
        Series::new(
            "trial".into(),
            (0..n).map(|i| (i / s) as u64).collect::<Vec<u64>>(),
        )
        .into(),
        Series::new(
            "strategy".into(),
            (0..n)
                .map(|i| results.strategies[i % s].as_str())
                .collect::<Vec<&str>>(),
        )
        .into(),
        f("cost_npv", |x| x.cost_npv),
        f("cost_total", |x| x.cost_total),
        f("labor", |x| x.labor),
        f("onboarding", |x| x.onboarding),
        f("setup", |x| x.setup),
        f("oversight", |x| x.oversight),
        f("defects", |x| x.defects),
        f("delay", |x| x.delay),
        f("incidents_cost", |x| x.incidents_cost),
        f("credits", |x| x.credits),
        f("demand_total", |x| x.demand_total),
        f("cost_per_unit", |x| x.cost_per_unit),
        f("service_level", |x| x.service_level),
        f("defect_rate", |x| x.defect_rate),
        u("leavers", |x| x.leavers),
        u("hires", |x| x.hires),
        u("incidents", |x| x.incidents),
        u("shortfall_months", |x| x.shortfall_months),
        f("final_backlog", |x| x.final_backlog),
        Series::new(
            "objectives_met".into(),
            m.iter().map(|x| x.objectives_met).collect::<Vec<bool>>(),
        )
        .into(),
    ];
    let parquet_err = |e: polars::prelude::PolarsError| OutputError::Parquet(e.to_string());
    let mut df = DataFrame::new(n, columns).map_err(parquet_err)?;
    let mut buffer = Cursor::new(Vec::new());
    ParquetWriter::new(&mut buffer)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)
        .map_err(parquet_err)?;
    Ok(buffer.into_inner())
}

/// What `run.json` records about a run.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// Scenario name.
    pub scenario: String,
    /// Scenario file as given.
    pub file: String,
    /// Seed used.
    pub seed: u64,
    /// Trials run.
    pub trials: u64,
    /// Months simulated.
    pub horizon_months: u32,
    /// Strategy names.
    pub strategies: Vec<String>,
    /// outsim version.
    pub outsim_version: &'static str,
    /// Worker threads used.
    pub threads: usize,
    /// Wall-clock seconds of the simulation and summaries.
    pub wall_time_seconds: f64,
    /// Validation warnings.
    pub warnings: Vec<String>,
    /// What a precision-targeted run (`--precision`) achieved; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<PrecisionInfo>,
}

/// The achieved precision of a `--precision` run.
#[derive(Debug, Clone, Serialize)]
pub struct PrecisionInfo {
    /// The requested largest relative 95% half-width.
    pub target_relative_half_width: f64,
    /// Whether every figure reached it.
    pub reached: bool,
    /// The widest relative 95% half-width achieved.
    pub worst_relative_half_width: f64,
    /// The figure with that half-width.
    pub worst_figure: String,
}

impl RunInfo {
    /// The record for one run of `scenario`.
    pub fn new(
        scenario: &Scenario,
        file: &str,
        results: &Results,
        threads: usize,
        wall_time_seconds: f64,
    ) -> Self {
        RunInfo {
            scenario: scenario.meta.name.clone(),
            file: file.to_string(),
            seed: results.seed,
            trials: results.trials,
            horizon_months: scenario.meta.horizon_months,
            strategies: results.strategies.clone(),
            outsim_version: env!("CARGO_PKG_VERSION"),
            threads,
            wall_time_seconds,
            warnings: scenario.warnings.clone(),
            precision: None,
        }
    }
}

/// `run.json`.
pub fn run_json(info: &RunInfo) -> Result<Vec<u8>, OutputError> {
    let mut bytes = serde_json::to_vec_pretty(info).map_err(|e| OutputError::Json {
        file: "run.json",
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
