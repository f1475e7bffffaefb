//! Stress grids: one or two KEYs varied over their levels, every cell run with every
//! strategy on the same trials and seed (common random numbers), summarised per cell.
//!
//! [`plan`] builds and validates every variant before anything runs, so a bad KEY or
//! value is refused up front, naming it; [`run`] simulates the cells in order; the
//! result is plain data that the output layer's stress table (`stress.csv`) and the
//! charts render.

use std::path::Path;

use super::variants::{Level, Vary, VaryError, grid_texts};
use crate::engine::{self, RunError, RunOptions};
use crate::results::{Results, StrategySummary};
use crate::scenario::Scenario;

/// The figure a stress chart shows per cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StressMetric {
    /// Share of trials meeting every objective.
    ObjectivesMet,
    /// 95th percentile of NPV cost.
    CostP95,
    /// Share of trials with at least one shortfall month.
    Shortfall,
    /// Share of trials with at least one month that breaks (V2.7).
    Break,
}

impl StressMetric {
    /// The metric's value in a strategy's summary.
    pub fn value(self, s: &StrategySummary) -> f64 {
        match self {
            StressMetric::ObjectivesMet => s.p_objectives_met,
            StressMetric::CostP95 => s.cost_p95,
            StressMetric::Shortfall => s.p_shortfall,
            StressMetric::Break => s.p_break,
        }
    }

    /// Name for titles and axes.
    pub fn name(self) -> &'static str {
        match self {
            StressMetric::ObjectivesMet => "P(objectives met)",
            StressMetric::CostP95 => "P95 NPV cost",
            StressMetric::Shortfall => "P(shortfall)",
            StressMetric::Break => "P(break)",
        }
    }

    /// Whether the value is a probability (0..=1) rather than money.
    pub fn is_probability(self) -> bool {
        !matches!(self, StressMetric::CostP95)
    }

    /// Whether a larger value is better.
    pub fn higher_is_better(self) -> bool {
        matches!(self, StressMetric::ObjectivesMet)
    }
}

/// One varied KEY and its levels.
#[derive(Debug, Clone, PartialEq)]
pub struct StressAxis {
    /// The KEY as written.
    pub key: String,
    /// Each level as given, e.g. `80` or `1.5x`.
    pub labels: Vec<String>,
    /// Each level's number (the value, or the multiple).
    pub values: Vec<f64>,
    /// Whether the levels are multiples of the file's value.
    pub multiples: bool,
}

/// A validated stress grid, ready to run.
#[derive(Debug, Clone)]
pub struct StressPlan {
    /// The varied KEYs, first slowest.
    pub axes: Vec<StressAxis>,
    /// Each cell's level indices and scenario.
    pub cells: Vec<(Vec<usize>, Scenario)>,
}

/// One cell of a finished grid.
#[derive(Debug, Clone, PartialEq)]
pub struct StressCell {
    /// Index of this cell's level on each axis.
    pub levels: Vec<usize>,
    /// Each strategy's summary, in file order.
    pub summary: Vec<StrategySummary>,
}

/// A finished stress grid.
#[derive(Debug, Clone, PartialEq)]
pub struct StressGrid {
    /// Scenario name.
    pub scenario_name: String,
    /// Currency label.
    pub currency: String,
    /// Trials per cell.
    pub trials: u64,
    /// Seed of every cell.
    pub seed: u64,
    /// Whether the scenario sets objectives (otherwise there is no frontier).
    pub has_objectives: bool,
    /// The scenario's `max_backlog_months`, if set: "what breaks first" then reads
    /// breaks instead of shortfalls (V2.7).
    pub max_backlog_months: Option<f64>,
    /// The varied KEYs.
    pub axes: Vec<StressAxis>,
    /// Strategy names.
    pub strategies: Vec<String>,
    /// Cells, first axis slowest.
    pub cells: Vec<StressCell>,
}

impl StressGrid {
    /// The cell at `levels`, if the grid has it.
    pub fn cell(&self, levels: &[usize]) -> Option<&StressCell> {
        self.cells.iter().find(|c| c.levels == levels)
    }

    /// What breaks first over the grid: the first cell, in grid order, in which a
    /// strategy breaks in most futures in some month, and the strategy that does so
    /// earliest there (ties to file order), as `(cell index, strategy, month)`. Breaking
    /// is a backlog beyond `max_backlog_months` of demand when the scenario sets it,
    /// capacity short of the work available otherwise.
    pub fn breaks_first(&self) -> Option<(usize, usize, u32)> {
        self.cells.iter().enumerate().find_map(|(c, cell)| {
            cell.summary
                .iter()
                .enumerate()
                .filter_map(|(s, x)| {
                    let month = match self.max_backlog_months {
                        Some(_) => x.first_break_month,
                        None => x.first_shortfall_month,
                    };
                    month.map(|m| (s, m))
                })
                .min_by_key(|&(s, m)| (m, s))
                .map(|(s, m)| (c, s, m))
        })
    }

    /// Where strategy `s` stops meeting its objectives along the first axis, for a line
    /// grid: `(last level met, first level failed after it)`, as level indices.
    /// `None` if the scenario has no objectives or the grid is not a line.
    pub fn line_frontier(&self, s: usize) -> Option<Frontier> {
        if !self.has_objectives || self.axes.len() != 1 {
            return None;
        }
        let meets: Vec<bool> = self
            .cells
            .iter()
            .map(|c| c.summary[s].meets_objectives)
            .collect();
        Some(if meets.iter().all(|m| *m) {
            Frontier::Always
        } else if meets.iter().all(|m| !m) {
            Frontier::Never
        } else {
            let change = meets.windows(2).position(|w| w[0] != w[1]).unwrap_or(0);
            Frontier::Between {
                from: change,
                to: change + 1,
                meets_before: meets[change],
            }
        })
    }
}

/// Where a strategy's objectives stop being met along a line of levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frontier {
    /// Met at every level.
    Always,
    /// Met at no level.
    Never,
    /// Changes between level `from` and level `to` (the first change).
    Between {
        /// Last level of the first run.
        from: usize,
        /// First level after the change.
        to: usize,
        /// Whether the objectives are met before the change.
        meets_before: bool,
    },
}

/// `KEY=label, KEY=label` of a cell.
pub fn cell_label(axes: &[StressAxis], levels: &[usize]) -> String {
    axes.iter()
        .zip(levels)
        .map(|(a, &i)| format!("{}={}", a.key, a.labels[i]))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Build and validate every variant of `text` (the file at `path`) over `varies`.
/// Nothing is simulated; the first invalid cell is refused, naming its KEYs and values.
pub fn plan(text: &str, path: &Path, varies: &[Vary]) -> Result<StressPlan, VaryError> {
    if varies.is_empty() || varies.len() > 2 {
        return Err(VaryError(format!(
            "give one or two --vary options (got {})",
            varies.len()
        )));
    }
    let axes: Vec<StressAxis> = varies
        .iter()
        .map(|v| StressAxis {
            key: v.key.text.clone(),
            labels: v.levels.iter().map(|l| l.label()).collect(),
            values: v.levels.iter().map(|l| l.number()).collect(),
            multiples: v.levels.iter().all(|l| matches!(l, Level::Multiple(_))),
        })
        .collect();
    let texts = grid_texts(text, varies)?;
    let mut cells = Vec::with_capacity(texts.len());
    for (levels, variant) in texts {
        match Scenario::from_toml_str(&variant, path) {
            Ok(scenario) => cells.push((levels, scenario)),
            Err(e) => {
                let issues: Vec<String> = e
                    .issues()
                    .iter()
                    .map(|i| {
                        if i.key.is_empty() {
                            i.message.clone()
                        } else {
                            format!("`{}` {}", i.key, i.message)
                        }
                    })
                    .collect();
                let why = if issues.is_empty() {
                    e.to_string()
                } else {
                    issues.join("; ")
                };
                return Err(VaryError(format!(
                    "{}: this variant is not a valid scenario: {why}",
                    cell_label(&axes, &levels)
                )));
            }
        }
    }
    Ok(StressPlan { axes, cells })
}

/// Run every cell with `options` (the same trials and seed in each; its progress
/// receives finished trials). Deterministic on any thread count.
///
/// # Errors
///
/// The first cell's run that stops ([`RunError`]).
pub fn run(plan: &StressPlan, options: RunOptions<'_>) -> Result<StressGrid, RunError> {
    let (trials, seed) = (options.trials, options.seed);
    let cells = run_cells(plan, 0..plan.cells.len(), options)?;
    Ok(grid(plan, trials, seed, cells))
}

/// Run the cells `range` of `plan` (in order) with `options`: what a single run
/// computes for them, whatever other cells run elsewhere, since every cell is a whole
/// run of the same trials and seed.
///
/// # Errors
///
/// The first cell's run that stops ([`RunError`]).
pub fn run_cells(
    plan: &StressPlan,
    range: std::ops::Range<usize>,
    options: RunOptions<'_>,
) -> Result<Vec<StressCell>, RunError> {
    plan.cells
        .get(range)
        .unwrap_or_default()
        .iter()
        .map(|(levels, scenario)| {
            let raw = engine::run(scenario, options.for_another_run())?;
            Ok(StressCell {
                levels: levels.clone(),
                summary: Results::new(scenario, raw).summary,
            })
        })
        .collect()
}

/// The grid of `plan` whose cells, all of them in order, are `cells`, run with `trials`
/// trials and `seed`.
pub fn grid(plan: &StressPlan, trials: u64, seed: u64, cells: Vec<StressCell>) -> StressGrid {
    let first = &plan.cells[0].1;
    StressGrid {
        scenario_name: first.meta.name.clone(),
        currency: first.meta.currency.clone(),
        trials,
        seed,
        has_objectives: first.objectives.is_some(),
        max_backlog_months: first.objectives.as_ref().and_then(|o| o.max_backlog_months),
        axes: plan.axes.clone(),
        strategies: first.strategies.iter().map(|s| s.name.clone()).collect(),
        cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::variants::parse_vary;

    const TEXT: &str = r#"
[scenario]
name = "Grid"
horizon_months = 6
trials = 50

[demand]
base_per_month = 1000

[[vendors]]
name = "A"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 5
max_fte = 20

[[strategies]]
name = "Only A"
allocation = [{ vendor = "A", share = 1.0 }]

[objectives]
min_service_level = 0.9
"#;

    #[test]
    fn a_grid_runs_every_cell_and_writes_a_row_each() {
        let varies = [
            parse_vary("vendors.A.max_fte=8,20").unwrap_or_else(|e| panic!("{e}")),
            parse_vary("demand.base_per_month=1x,1.5x").unwrap_or_else(|e| panic!("{e}")),
        ];
        let plan = plan(TEXT, Path::new("grid.toml"), &varies).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plan.cells.len(), 4);
        let grid = run(&plan, RunOptions::new(50, 1)).unwrap_or_else(|e| panic!("{e}"));
        let csv =
            String::from_utf8(crate::output::csv::stress(&grid).unwrap_or_else(|e| panic!("{e}")))
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(csv.lines().count(), 5);
        assert!(csv.starts_with("vendors.A.max_fte,demand.base_per_month,strategy,"));
        assert!(csv.contains("\n20,1.5x,Only A,"));
        // Eight heads of 100 units fall short of 1,000 units a month.
        let capped = grid.cell(&[0, 0]).map(|c| c.summary[0].p_shortfall);
        assert_eq!(capped, Some(1.0));
    }

    #[test]
    fn invalid_values_are_refused_naming_the_cell() {
        let varies = [parse_vary("vendors.A.max_fte=20,-5").unwrap_or_else(|e| panic!("{e}"))];
        let e = plan(TEXT, Path::new("grid.toml"), &varies).unwrap_err();
        assert!(e.0.contains("vendors.A.max_fte=-5"), "{e}");
        let varies = [parse_vary("vendors.A.no_such_key=1").unwrap_or_else(|e| panic!("{e}"))];
        let e = plan(TEXT, Path::new("grid.toml"), &varies).unwrap_err();
        assert!(e.0.contains("no_such_key"), "{e}");
    }
}
