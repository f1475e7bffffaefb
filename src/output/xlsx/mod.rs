//! `results.xlsx`: the tables of a run as one Excel workbook, with number formats in the
//! scenario's currency and native charts a finance user can restyle.
//!
//! Sheets, in order:
//!
//! - **Summary**: one row per strategy, the columns of `summary.csv`, then two charts
//!   drawn from those cells: mean NPV cost against P(objectives met) (the risk-against-
//!   cost view) and the cost S-curve of the `Cost curve` sheet.
//! - **Recommendation**: the run's recommendation ([`crate::recommend`]): its paragraph,
//!   then each figure of `summary.json`'s `recommendation`, one row each, formatted.
//! - **Pairs**, **Monthly**: the rows of `pairs.csv` and `monthly.csv`.
//! - **Assumptions**: the run's settings, the objectives and the behavioural
//!   coefficients of `[assumptions]`.
//! - **Cost curve**: the data block behind the S-curve: NPV cost at every whole
//!   percentile, one column per strategy.
//!
//! Every table is written from the same serde rows as its CSV ([`crate::output::csv`]):
//! a [`Serialize`] row is taken apart into named cells ([`row_cells`]), so a field added
//! to [`crate::results::StrategySummary`] reaches `summary.csv`, `summary.json` and the
//! workbook alike, with no second list of columns. A column's number format follows from
//! its name ([`ColumnKind::of`]): `p_*` are shares, `cost_*` and every per-trial output
//! whose unit is currency ([`crate::engine::TRIAL_METRICS`]) are amounts, and so on; a
//! name nothing matches is written in Excel's General format.
//!
//! Text cells are neutralised as in the CSVs ([`crate::output::csv::neutralise`]) and
//! always written as strings, never formulas; a chart names its series by reference to
//! such a cell, never by the text itself. Numbers are the exact `f64`s of the CSVs; a value that is not a
//! number is an empty cell and an infinity the text `inf` or `-inf`, as in the CSVs.
//!
//! The bytes depend only on the results: the document's creation time is fixed
//! ([`CREATED`]) and the archive's file times are the ZIP epoch, so the same run gives
//! the same file on any machine and any number of threads.
//!
//! The code is split by concern: the row serializer (`cells`), number formats
//! (`formats`), one function per sheet (`sheets`) and the native charts (`charts`);
//! this module holds what they share (the `Book` context, tables and widths) and
//! assembles the workbook.

mod cells;
mod charts;
mod formats;
mod sheets;
#[cfg(test)]
mod tests;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook, Worksheet, XlsxError};
use serde::Serialize;

use super::OutputError;
use crate::charts::format::format_count;
use crate::results::Results;
use crate::scenario::Scenario;

pub use cells::{Cell, row_cells};
pub use formats::{ColumnKind, money_axis_format, money_number_format};

use formats::Formats;
use sheets::{
    assumptions_sheet, cost_curve_sheet, monthly_sheet, pairs_sheet, recommendation_sheet,
    summary_sheet,
};

/// Name of the per-strategy sheet.
pub const SUMMARY: &str = "Summary";
/// Name of the sheet of the recommendation and its figures.
pub const RECOMMENDATION: &str = "Recommendation";
/// Name of the pairwise sheet.
pub const PAIRS: &str = "Pairs";
/// Name of the month-by-month sheet.
pub const MONTHLY: &str = "Monthly";
/// Name of the sheet of settings and assumptions.
pub const ASSUMPTIONS: &str = "Assumptions";
/// Name of the sheet holding the S-curve's data block.
pub const COST_CURVE: &str = "Cost curve";

/// The creation time written in the document properties, `(year, month, day)` at
/// midnight UTC: fixed, so that the bytes depend only on the results.
pub const CREATED: (u16, u8, u8) = (2026, 1, 1);

/// Percentiles of the S-curve's data block: 0, 1, ..., 100.
const CURVE_POINTS: u32 = 100;

/// Rows of an Excel sheet, the header included.
pub const MAX_ROWS: u64 = 1_048_576;
/// Columns of an Excel sheet.
pub const MAX_COLUMNS: u64 = 16_384;

/// Widest column, in Excel's character units.
const MAX_WIDTH: f64 = 60.0;

/// What every sheet is built from.
pub(super) struct Book<'a> {
    scenario: &'a Scenario,
    results: &'a Results,
    formats: Formats,
}

/// Where a table landed on its sheet: its column names and number of data rows.
pub(super) struct Placed {
    columns: Vec<&'static str>,
    rows: u32,
}

impl Placed {
    fn column(&self, name: &str) -> Option<u16> {
        self.columns
            .iter()
            .position(|c| *c == name)
            .and_then(|i| u16::try_from(i).ok())
    }
}

/// Widths that fit a column's cells: the longest shown value or header (plus room for
/// the autofilter's button), in Excel's character units.
pub(super) struct Widths(Vec<usize>);

impl Widths {
    fn fit(&mut self, col: usize, chars: usize) {
        if self.0.len() <= col {
            self.0.resize(col + 1, 0);
        }
        self.0[col] = self.0[col].max(chars);
    }

    fn apply(&self, sheet: &mut Worksheet) -> Result<(), XlsxError> {
        for (col, &chars) in self.0.iter().enumerate() {
            let width = (chars as f64 * 1.1 + 2.0).min(MAX_WIDTH);
            sheet.set_column_width(col_num(col)?, width)?;
        }
        Ok(())
    }
}

pub(super) fn col_num(col: usize) -> Result<u16, XlsxError> {
    u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)
}

pub(super) fn row_num(row: usize) -> Result<u32, XlsxError> {
    u32::try_from(row).map_err(|_| XlsxError::RowColumnLimitError)
}

/// Write `rows` as a table from the top-left cell of `sheet`: a bold header of field
/// names, frozen with the first `frozen_columns`, an autofilter, formats by column name
/// and widths that fit.
pub(super) fn write_table<R: Serialize + Default>(
    book: &Book<'_>,
    sheet: &mut Worksheet,
    rows: &[R],
    frozen_columns: u16,
) -> Result<Placed, OutputError> {
    let header = row_cells(&R::default())?;
    let columns: Vec<&'static str> = header.iter().map(|(name, _)| *name).collect();
    let kinds: Vec<ColumnKind> = columns.iter().map(|c| ColumnKind::of(c)).collect();
    let mut widths = Widths(Vec::new());
    let fail = |e: XlsxError| OutputError::Workbook(e.to_string());
    for (col, name) in columns.iter().enumerate() {
        sheet
            .write_string_with_format(0, col_num(col).map_err(fail)?, *name, &book.formats.header)
            .map_err(fail)?;
        widths.fit(col, name.len() + 2);
    }
    for (i, row) in rows.iter().enumerate() {
        let r = row_num(i + 1).map_err(fail)?;
        for (col, (_, cell)) in row_cells(row)?.iter().enumerate() {
            let kind = kinds.get(col).copied().unwrap_or(ColumnKind::General);
            let c = col_num(col).map_err(fail)?;
            book.write_cell(sheet, r, c, cell, kind).map_err(fail)?;
            widths.fit(col, book.shown_width(cell, kind));
        }
    }
    let last_row = row_num(rows.len()).map_err(fail)?;
    let last_col = col_num(columns.len().saturating_sub(1)).map_err(fail)?;
    sheet.set_freeze_panes(1, frozen_columns).map_err(fail)?;
    if !columns.is_empty() {
        sheet.autofilter(0, 0, last_row, last_col).map_err(fail)?;
    }
    widths.apply(sheet).map_err(fail)?;
    Ok(Placed {
        columns,
        rows: last_row,
    })
}

impl Book<'_> {
    fn write_cell(
        &self,
        sheet: &mut Worksheet,
        row: u32,
        col: u16,
        cell: &Cell,
        kind: ColumnKind,
    ) -> Result<(), XlsxError> {
        match cell {
            Cell::Number(x) => {
                sheet.write_number_with_format(row, col, *x, self.formats.of(kind))?;
            }
            Cell::Text(text) => {
                sheet.write_string(row, col, text)?;
            }
            Cell::Bool(b) => {
                sheet.write_boolean(row, col, *b)?;
            }
            Cell::Empty => {}
        }
        Ok(())
    }

    fn shown_width(&self, cell: &Cell, kind: ColumnKind) -> usize {
        match cell {
            Cell::Number(x) => kind.shown_width(*x, self.formats.affix_width),
            Cell::Text(text) => text.chars().count(),
            Cell::Bool(_) => 5,
            Cell::Empty => 0,
        }
    }

    /// The number format of the cost axes of the charts, scaled to the largest NPV cost
    /// of any trial.
    fn money_format(&self) -> String {
        let largest = self
            .results
            .costs
            .iter()
            .flatten()
            .map(|cost| cost.abs())
            .filter(|cost| cost.is_finite())
            .fold(0.0, f64::max);
        money_axis_format(&self.scenario.meta.currency, largest)
    }
}

/// Whether the workbook of `strategies` strategies over `horizon` months fits Excel's
/// sheets: Pairs has a row per ordered pair, Monthly a row per strategy and month, and
/// Cost curve a column per strategy. Known before anything runs, so a run that could
/// not write its workbook is refused before it simulates.
pub fn fits(strategies: usize, horizon: usize) -> Result<(), OutputError> {
    let n = strategies as u64;
    let tables = [
        (
            PAIRS,
            "rows",
            n.saturating_mul(n.saturating_sub(1)),
            MAX_ROWS,
        ),
        (MONTHLY, "rows", n.saturating_mul(horizon as u64), MAX_ROWS),
        (COST_CURVE, "columns", n, MAX_COLUMNS),
    ];
    for (sheet, what, needed, limit) in tables {
        // One more for the header row, or for the first column.
        if needed.saturating_add(1) > limit {
            return Err(OutputError::Workbook(format!(
                "its {sheet} sheet would need {} {what} and Excel holds at most {}: \
                 use fewer strategies or run with --no-xlsx",
                format_count(needed.saturating_add(1)),
                format_count(limit)
            )));
        }
    }
    Ok(())
}

/// `results.xlsx` of a run of `scenario`: the sheets listed in the module docs, as bytes.
pub fn workbook(scenario: &Scenario, results: &Results) -> Result<Vec<u8>, OutputError> {
    let book = Book {
        scenario,
        results,
        formats: Formats::new(&scenario.meta.currency),
    };
    fits(results.strategies.len(), results.horizon)?;
    let fail = |e: XlsxError| OutputError::Workbook(e.to_string());
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(CREATED.0, CREATED.1, CREATED.2).map_err(fail)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title("outsim results")
            .set_subject(&scenario.meta.name)
            .set_creation_datetime(&created),
    );
    workbook.push_worksheet(summary_sheet(&book)?);
    workbook.push_worksheet(recommendation_sheet(&book)?);
    workbook.push_worksheet(pairs_sheet(&book)?);
    workbook.push_worksheet(monthly_sheet(&book)?);
    workbook.push_worksheet(assumptions_sheet(&book)?);
    workbook.push_worksheet(cost_curve_sheet(&book)?);
    workbook.save_to_buffer().map_err(fail)
}
