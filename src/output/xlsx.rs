//! `results.xlsx`: the tables of a run as one Excel workbook, with number formats in the
//! scenario's currency and native charts a finance user can restyle.
//!
//! Sheets, in order:
//!
//! - **Summary**: one row per strategy, the columns of `summary.csv`, then two charts
//!   drawn from those cells: mean NPV cost against P(objectives met) (the risk-against-
//!   cost view) and the cost S-curve of the `Cost curve` sheet.
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
//! whose unit is currency ([`TRIAL_METRICS`]) are amounts, and so on; a name nothing
//! matches is written in Excel's General format.
//!
//! Text cells are neutralised as in the CSVs ([`neutralise`]) and always written as
//! strings, never formulas; a chart names its series by reference to such a cell, never
//! by the text itself. Numbers are the exact `f64`s of the CSVs; a value that is not a
//! number is an empty cell and an infinity the text `inf` or `-inf`, as in the CSVs.
//!
//! The bytes depend only on the results: the document's creation time is fixed
//! ([`CREATED`]) and the archive's file times are the ZIP epoch, so the same run gives
//! the same file on any machine and any number of threads.
//!
//! A further sheet (the recommendation, when it lands) is one more function of the shape
//! of `summary_sheet`: it builds a [`Worksheet`] from the `Book` context (the scenario,
//! its results and the formats) and is pushed in [`workbook`] where it belongs, after
//! Summary.

use rust_xlsxwriter::{
    Chart, ChartDataLabel, ChartDataLabelPosition, ChartFormat, ChartLegendPosition, ChartLine,
    ChartMarker, ChartMarkerType, ChartSolidFill, ChartType, Color, DocProperties, ExcelDateTime,
    Format, FormatBorder, Workbook, Worksheet, XlsxError,
};
use serde::Serialize;
use serde::ser::{self, Impossible, Serializer};

use super::OutputError;
use super::csv::{monthly_rows, neutralise};
use crate::charts::format::{format_count, money_affixes};
use crate::charts::palette::strategy_color;
use crate::engine::TRIAL_METRICS;
use crate::model::dist::Sampler;
use crate::results::Results;
use crate::scenario::Scenario;
use crate::stats;

/// Name of the per-strategy sheet.
pub const SUMMARY: &str = "Summary";
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

/// One cell of a table row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A number, written with the column's number format.
    Number(f64),
    /// Text, already neutralised.
    Text(String),
    /// A yes/no value, written as Excel's TRUE or FALSE.
    Bool(bool),
    /// Nothing: a missing value or NaN.
    Empty,
}

/// The named cells of one serde row, in field order: floats and integers as numbers
/// (NaN empty, infinities as `inf`/`-inf` text), text neutralised, `None` empty.
pub fn row_cells<R: Serialize>(row: &R) -> Result<Vec<(&'static str, Cell)>, OutputError> {
    match row.serialize(CellSerializer) {
        Ok(Value::Row(cells)) => Ok(cells),
        Ok(Value::Cell(_)) => Err(OutputError::Workbook(
            "a table row is not a struct".to_string(),
        )),
        Err(e) => Err(OutputError::Workbook(e.0)),
    }
}

/// What [`CellSerializer`] makes of a value: one cell, or a struct's named cells.
enum Value {
    Cell(Cell),
    Row(Vec<(&'static str, Cell)>),
}

/// A serde error while taking a row apart.
#[derive(Debug)]
struct CellError(String);

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CellError {}

impl ser::Error for CellError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        CellError(msg.to_string())
    }
}

/// Turns a flat serde struct into cells; refuses nested sequences and maps, which no
/// table row has.
struct CellSerializer;

/// The fields of a struct being taken apart.
struct RowFields(Vec<(&'static str, Cell)>);

impl ser::SerializeStruct for RowFields {
    type Ok = Value;
    type Error = CellError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), CellError> {
        match value.serialize(CellSerializer)? {
            Value::Cell(cell) => {
                self.0.push((key, cell));
                Ok(())
            }
            Value::Row(_) => Err(CellError(format!("{key} is a nested struct"))),
        }
    }

    fn end(self) -> Result<Value, CellError> {
        Ok(Value::Row(self.0))
    }
}

/// A number as a cell: NaN empty, infinities as the CSVs write them.
fn number_cell(x: f64) -> Cell {
    if x.is_nan() {
        Cell::Empty
    } else if x.is_infinite() {
        Cell::Text(if x > 0.0 { "inf" } else { "-inf" }.to_string())
    } else {
        Cell::Number(x)
    }
}

fn unsupported(what: &str) -> CellError {
    CellError(format!("a table cell cannot hold {what}"))
}

impl Serializer for CellSerializer {
    type Ok = Value;
    type Error = CellError;
    type SerializeSeq = Impossible<Value, CellError>;
    type SerializeTuple = Impossible<Value, CellError>;
    type SerializeTupleStruct = Impossible<Value, CellError>;
    type SerializeTupleVariant = Impossible<Value, CellError>;
    type SerializeMap = Impossible<Value, CellError>;
    type SerializeStruct = RowFields;
    type SerializeStructVariant = Impossible<Value, CellError>;

    fn serialize_bool(self, v: bool) -> Result<Value, CellError> {
        Ok(Value::Cell(Cell::Bool(v)))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, CellError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, CellError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, CellError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, CellError> {
        self.serialize_f64(v as f64)
    }
    fn serialize_u8(self, v: u8) -> Result<Value, CellError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, CellError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, CellError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, CellError> {
        self.serialize_f64(v as f64)
    }
    fn serialize_f32(self, v: f32) -> Result<Value, CellError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, CellError> {
        Ok(Value::Cell(number_cell(v)))
    }
    fn serialize_char(self, v: char) -> Result<Value, CellError> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<Value, CellError> {
        Ok(Value::Cell(Cell::Text(neutralise(v).into_owned())))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Value, CellError> {
        Err(unsupported("bytes"))
    }
    fn serialize_none(self) -> Result<Value, CellError> {
        Ok(Value::Cell(Cell::Empty))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, CellError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, CellError> {
        Ok(Value::Cell(Cell::Empty))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, CellError> {
        Ok(Value::Cell(Cell::Empty))
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Value, CellError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Value, CellError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Value, CellError> {
        Err(unsupported("an enum with data"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, CellError> {
        Err(unsupported("a list"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, CellError> {
        Err(unsupported("a tuple"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, CellError> {
        Err(unsupported("a tuple"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, CellError> {
        Err(unsupported("an enum with data"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, CellError> {
        Err(unsupported("a map"))
    }
    fn serialize_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, CellError> {
        Ok(RowFields(Vec::with_capacity(len)))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, CellError> {
        Err(unsupported("an enum with data"))
    }
}

/// How a column's numbers are shown, decided from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// An amount in the scenario's currency, whole units: `$1,234,567`.
    Money,
    /// An amount per unit of work, with cents: `$4.25`.
    MoneyPerUnit,
    /// A share shown as a percentage: `93.4%`.
    Share,
    /// A whole number: `10,000`.
    Whole,
    /// A quantity or a mean count, one decimal: `1,234.5`.
    Quantity,
    /// A month's index: `7`.
    Month,
    /// Anything else: Excel's General format.
    General,
}

/// Statistics a summary column name ends with, after the figure it describes.
const STATISTIC_SUFFIXES: [&str; 11] = [
    "_mean", "_sd", "_se", "_p5", "_p10", "_p50", "_p90", "_p95", "_cvar95", "_ci_low", "_ci_high",
];

impl ColumnKind {
    /// The kind of a column named `name`: `p_*` are shares; `trials` and `heads_*` whole
    /// numbers; `first_*month*` month indices; otherwise the figure left after removing
    /// a statistic suffix (`cost_p95` → `cost`) decides: NPV cost, pairwise differences
    /// and cumulative cost are money, and a per-trial output takes its unit from
    /// [`TRIAL_METRICS`] (currency → money, currency per unit, share, counts and
    /// quantities).
    pub fn of(name: &str) -> ColumnKind {
        if name.starts_with("p_") {
            return ColumnKind::Share;
        }
        if name == "trials" || name.starts_with("heads_") || name == "rank" {
            return ColumnKind::Whole;
        }
        if name == "month" || (name.starts_with("first_") && name.contains("month")) {
            return ColumnKind::Month;
        }
        let mut base = name;
        while let Some(stripped) = STATISTIC_SUFFIXES
            .iter()
            .find_map(|suffix| base.strip_suffix(suffix))
        {
            base = stripped;
        }
        match base {
            "cost" | "cumulative_cost" | "mean_diff" | "diff" => return ColumnKind::Money,
            "demand" | "capacity" | "backlog" => return ColumnKind::Quantity,
            _ => {}
        }
        match TRIAL_METRICS
            .iter()
            .find(|m| m.name == base)
            .map(|m| m.unit)
        {
            Some("currency") => ColumnKind::Money,
            Some("currency per unit") => ColumnKind::MoneyPerUnit,
            Some("share" | "flag") => ColumnKind::Share,
            Some("count" | "months" | "units") => ColumnKind::Quantity,
            Some("month") => ColumnKind::Month,
            _ => ColumnKind::General,
        }
    }

    /// Characters `x` takes when shown in this kind, for column widths.
    fn shown_width(self, x: f64, affixes: usize) -> usize {
        let grouped = |decimals: usize| {
            let text = format!("{:.decimals$}", x.abs());
            let int = text.split('.').next().map_or(0, str::len);
            text.len() + (int.saturating_sub(1)) / 3 + usize::from(x < 0.0)
        };
        match self {
            ColumnKind::Money => grouped(0) + affixes,
            ColumnKind::MoneyPerUnit => grouped(2) + affixes,
            ColumnKind::Share => format!("{:.1}%", 100.0 * x).len(),
            ColumnKind::Whole | ColumnKind::Month => grouped(0),
            ColumnKind::Quantity => grouped(1),
            ColumnKind::General => super::csv::number(x).len().min(11),
        }
    }
}

/// `text` as a quoted literal of an Excel number format; quotes in it are dropped, since
/// a quoted literal cannot hold one. Empty text gives an empty string.
fn literal(text: &str) -> String {
    let text: String = text.chars().filter(|&c| c != '"').collect();
    if text.is_empty() {
        text
    } else {
        format!("\"{text}\"")
    }
}

/// Excel's number format for amounts in `currency` with the digit pattern `digits`
/// (`#,##0`): the currency's symbol or code around it as [`money_affixes`] places it,
/// as quoted literal text: `"$"#,##0`, `#,##0" SEK"`.
pub fn money_number_format(currency: &str, digits: &str) -> String {
    let (prefix, suffix) = money_affixes(currency);
    format!("{}{digits}{}", literal(&prefix), literal(&suffix))
}

/// The number format of a chart axis of amounts in `currency` up to `largest` in
/// magnitude: scaled to thousands, millions or billions as the charts' ticks are
/// (`"$"#,##0.0,,"M"` shows 26,469,369 as `$26.5M`), whole units below 10,000.
pub fn money_axis_format(currency: &str, largest: f64) -> String {
    let (digits, unit) = match largest.abs() {
        x if x >= 1e9 => ("#,##0.0,,,", "B"),
        x if x >= 1e6 => ("#,##0.0,,", "M"),
        x if x >= 1e4 => ("#,##0,", "k"),
        _ => ("#,##0", ""),
    };
    let (prefix, suffix) = money_affixes(currency);
    format!(
        "{}{digits}{}",
        literal(&prefix),
        literal(&format!("{unit}{suffix}"))
    )
}

/// The formats a workbook uses, built once for the scenario's currency.
struct Formats {
    header: Format,
    money: Format,
    money_per_unit: Format,
    share: Format,
    whole: Format,
    quantity: Format,
    month: Format,
    general: Format,
    /// Characters the currency adds around an amount.
    affix_width: usize,
}

impl Formats {
    fn new(currency: &str) -> Self {
        let (prefix, suffix) = money_affixes(currency);
        let money = |digits: &str| money_number_format(currency, digits);
        Formats {
            header: Format::new()
                .set_bold()
                .set_border_bottom(FormatBorder::Thin),
            money: Format::new().set_num_format(money("#,##0")),
            money_per_unit: Format::new().set_num_format(money("#,##0.00")),
            share: Format::new().set_num_format("0.0%"),
            whole: Format::new().set_num_format("#,##0"),
            quantity: Format::new().set_num_format("#,##0.0"),
            month: Format::new().set_num_format("0"),
            general: Format::new(),
            affix_width: prefix.chars().count() + suffix.chars().count(),
        }
    }

    fn of(&self, kind: ColumnKind) -> &Format {
        match kind {
            ColumnKind::Money => &self.money,
            ColumnKind::MoneyPerUnit => &self.money_per_unit,
            ColumnKind::Share => &self.share,
            ColumnKind::Whole => &self.whole,
            ColumnKind::Quantity => &self.quantity,
            ColumnKind::Month => &self.month,
            ColumnKind::General => &self.general,
        }
    }
}

/// What every sheet is built from.
struct Book<'a> {
    scenario: &'a Scenario,
    results: &'a Results,
    formats: Formats,
}

/// Where a table landed on its sheet: its column names and number of data rows.
struct Placed {
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
struct Widths(Vec<usize>);

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

fn col_num(col: usize) -> Result<u16, XlsxError> {
    u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)
}

fn row_num(row: usize) -> Result<u32, XlsxError> {
    u32::try_from(row).map_err(|_| XlsxError::RowColumnLimitError)
}

/// Write `rows` as a table from the top-left cell of `sheet`: a bold header of field
/// names, frozen with the first `frozen_columns`, an autofilter, formats by column name
/// and widths that fit.
fn write_table<R: Serialize + Default>(
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
    workbook.push_worksheet(pairs_sheet(&book)?);
    workbook.push_worksheet(monthly_sheet(&book)?);
    workbook.push_worksheet(assumptions_sheet(&book)?);
    workbook.push_worksheet(cost_curve_sheet(&book)?);
    workbook.save_to_buffer().map_err(fail)
}

/// Summary: one row per strategy, then the risk-against-cost chart and the S-curve.
fn summary_sheet(book: &Book<'_>) -> Result<Worksheet, OutputError> {
    let fail = |e: XlsxError| OutputError::Workbook(e.to_string());
    let mut sheet = Worksheet::new();
    sheet.set_name(SUMMARY).map_err(fail)?;
    let placed = write_table(book, &mut sheet, &book.results.summary, 1)?;
    let below = placed.rows + 2;
    if let Some(chart) = risk_chart(book, &placed) {
        sheet.insert_chart(below, 0, &chart).map_err(fail)?;
    }
    sheet
        .insert_chart(below, 8, &cost_curve_chart(book))
        .map_err(fail)?;
    Ok(sheet)
}

/// Mean NPV cost against P(objectives met), one point per strategy named in the legend:
/// the cheaper and surer strategies sit to the left and at the top. `None` when the
/// summary lacks either column.
fn risk_chart(book: &Book<'_>, summary: &Placed) -> Option<Chart> {
    let name = summary.column("strategy")?;
    let cost = summary.column("cost_mean")?;
    let met = summary.column("p_objectives_met")?;
    let mut chart = Chart::new(ChartType::Scatter);
    chart.title().set_name("Risk against cost");
    chart
        .x_axis()
        .set_name("Mean NPV cost")
        .set_num_format(book.money_format());
    chart
        .y_axis()
        .set_name("P(objectives met)")
        .set_num_format("0%")
        .set_min(0.0)
        .set_max(1.0);
    chart.legend().set_position(ChartLegendPosition::Bottom);
    for (s, row) in (1..=summary.rows).enumerate() {
        let color = series_color(s);
        chart
            .add_series()
            .set_name((SUMMARY, row, name))
            .set_categories((SUMMARY, row, cost, row, cost))
            .set_values((SUMMARY, row, met, row, met))
            .set_marker(
                ChartMarker::new()
                    .set_type(ChartMarkerType::Circle)
                    .set_size(9)
                    .set_format(
                        ChartFormat::new()
                            .set_solid_fill(ChartSolidFill::new().set_color(color))
                            .set_border(ChartLine::new().set_color(color)),
                    ),
            )
            .set_data_label(
                ChartDataLabel::new()
                    .show_series_name()
                    .set_position(ChartDataLabelPosition::Right),
            );
    }
    chart.set_width(640).set_height(400);
    Some(chart)
}

/// The cost S-curve: for each strategy, the share of futures whose NPV cost is at most
/// each amount, drawn from the `Cost curve` sheet.
fn cost_curve_chart(book: &Book<'_>) -> Chart {
    let mut chart = Chart::new(ChartType::ScatterStraight);
    chart.title().set_name("Cost S-curve");
    chart
        .x_axis()
        .set_name("NPV cost")
        .set_num_format(book.money_format());
    chart
        .y_axis()
        .set_name("Share of futures at or below the cost")
        .set_num_format("0%")
        .set_min(0.0)
        .set_max(1.0);
    chart.legend().set_position(ChartLegendPosition::Bottom);
    let last = CURVE_POINTS + 1;
    for s in 0..book.results.strategies.len() {
        let Ok(col) = u16::try_from(s + 1) else {
            break;
        };
        chart
            .add_series()
            .set_name((COST_CURVE, 0, col))
            .set_categories((COST_CURVE, 1, col, last, col))
            .set_values((COST_CURVE, 1, 0, last, 0))
            .set_format(
                ChartFormat::new()
                    .set_line(ChartLine::new().set_color(series_color(s)).set_width(2.25)),
            );
    }
    chart.set_width(640).set_height(400);
    chart
}

/// The colour of the strategy at position `s`, as in the PNG and SVG charts.
fn series_color(s: usize) -> Color {
    let plotters::style::RGBColor(r, g, b) = strategy_color(s);
    Color::RGB(u32::from(r) << 16 | u32::from(g) << 8 | u32::from(b))
}

/// Pairs: every ordered pair of strategies.
fn pairs_sheet(book: &Book<'_>) -> Result<Worksheet, OutputError> {
    let mut sheet = Worksheet::new();
    sheet
        .set_name(PAIRS)
        .map_err(|e| OutputError::Workbook(e.to_string()))?;
    write_table(book, &mut sheet, &book.results.pairs, 2)?;
    Ok(sheet)
}

/// Monthly: P10/P50/P90 per strategy and month.
fn monthly_sheet(book: &Book<'_>) -> Result<Worksheet, OutputError> {
    let mut sheet = Worksheet::new();
    sheet
        .set_name(MONTHLY)
        .map_err(|e| OutputError::Workbook(e.to_string()))?;
    write_table(book, &mut sheet, &monthly_rows(book.results), 2)?;
    Ok(sheet)
}

/// One row of the Assumptions sheet: where the value comes from, its key, the value and
/// how it is shown; amounts in another currency than the scenario's name it.
struct AssumptionRow {
    section: &'static str,
    parameter: String,
    value: Cell,
    kind: ColumnKind,
    currency: Option<String>,
}

impl AssumptionRow {
    fn new(
        section: &'static str,
        parameter: impl Into<String>,
        value: Cell,
        kind: ColumnKind,
    ) -> Self {
        AssumptionRow {
            section,
            parameter: neutralise(&parameter.into()).into_owned(),
            value,
            kind,
            currency: None,
        }
    }

    /// A number shown as `kind`.
    fn number(
        section: &'static str,
        parameter: impl Into<String>,
        x: f64,
        kind: ColumnKind,
    ) -> Self {
        Self::new(section, parameter, number_cell(x), kind)
    }

    /// Text, neutralised.
    fn text(section: &'static str, parameter: impl Into<String>, text: &str) -> Self {
        Self::new(
            section,
            parameter,
            Cell::Text(neutralise(text).into_owned()),
            ColumnKind::General,
        )
    }

    /// An uncertain value: its number when it is fixed, else its distribution as text.
    fn sampler(
        section: &'static str,
        parameter: impl Into<String>,
        s: &Sampler,
        kind: ColumnKind,
    ) -> Self {
        let d = s.dist();
        if d.is_uncertain() {
            Self::text(section, parameter, &d.describe())
        } else {
            Self::number(section, parameter, d.location(), kind)
        }
    }
}

/// Assumptions: the run's settings, demand, each vendor's rate card and staffing, the
/// objectives and `[assumptions]`, one value a row (the report lists every parameter).
fn assumptions_sheet(book: &Book<'_>) -> Result<Worksheet, OutputError> {
    use AssumptionRow as Row;
    use ColumnKind::{General, Money, Quantity, Share, Whole};
    let fail = |e: XlsxError| OutputError::Workbook(e.to_string());
    let scenario = book.scenario;
    let meta = &scenario.meta;
    let mut rows = vec![
        Row::text("scenario", "name", &meta.name),
        Row::text("scenario", "currency", &meta.currency),
        Row::number(
            "scenario",
            "horizon_months",
            f64::from(meta.horizon_months),
            Whole,
        ),
        Row::number(
            "scenario",
            "discount_rate_annual",
            meta.discount_rate_annual,
            Share,
        ),
        Row::number("run", "trials", book.results.trials as f64, Whole),
        // A seed can exceed the integers a spreadsheet holds exactly: written as text.
        Row::text("run", "seed", &book.results.seed.to_string()),
        Row::number(
            "demand",
            "base_per_month",
            scenario.demand.base_per_month,
            Quantity,
        ),
        Row::sampler(
            "demand",
            "growth_annual",
            &scenario.demand.growth_annual,
            Share,
        ),
        Row::number(
            "demand",
            "volatility_monthly",
            scenario.demand.volatility_monthly,
            Share,
        ),
    ];
    for v in &scenario.vendors {
        // A vendor priced in another currency (MODEL.md V2.2) shows its own code.
        let currency = v
            .currency
            .and_then(|i| scenario.currencies.get(i))
            .map(|c| c.code.clone());
        let key = |field: &str| format!("{}.{field}", v.name);
        let money = |field: &str, x: f64| {
            let mut row = Row::number("vendors", key(field), x, Money);
            row.currency.clone_from(&currency);
            row
        };
        rows.extend([
            money("rate_per_fte_month", v.rate_per_fte_month),
            money("setup_cost", v.setup_cost),
            money("onboarding_cost_per_hire", v.onboarding_cost_per_hire),
        ]);
        rows.extend([
            Row::number(
                "vendors",
                key("units_per_fte_month"),
                v.units_per_fte_month,
                Quantity,
            ),
            Row::number(
                "vendors",
                key("initial_fte"),
                f64::from(v.initial_fte),
                Whole,
            ),
            Row::number("vendors", key("min_fte"), f64::from(v.min_fte), Whole),
            Row::number("vendors", key("max_fte"), f64::from(v.max_fte), Whole),
            Row::sampler(
                "vendors",
                key("price_escalation_annual"),
                &v.price_escalation_annual,
                Share,
            ),
            Row::sampler(
                "vendors",
                key("attrition_annual"),
                &v.attrition_annual,
                Share,
            ),
            Row::sampler("vendors", key("defect_rate"), &v.defect_rate, Share),
        ]);
    }
    match &scenario.objectives {
        Some(o) => {
            let optional = [
                ("min_service_level", o.min_service_level, Share),
                (
                    "max_cost_per_unit",
                    o.max_cost_per_unit,
                    ColumnKind::MoneyPerUnit,
                ),
                ("max_defect_rate", o.max_defect_rate, Share),
                ("max_backlog_months", o.max_backlog_months, General),
            ];
            for (key, value, kind) in optional {
                if let Some(v) = value {
                    rows.push(Row::number("objectives", key, v, kind));
                }
            }
            rows.push(Row::number("objectives", "confidence", o.confidence, Share));
        }
        None => rows.push(Row::text(
            "objectives",
            "(none)",
            "no objectives: success is undefined",
        )),
    }
    for (key, value) in scenario.assumptions.entries() {
        let kind = if key.ends_with("_cost") || key.ends_with("_cost_per_month") {
            Money
        } else {
            General
        };
        rows.push(Row::number("assumptions", key, value, kind));
    }

    let mut sheet = Worksheet::new();
    sheet.set_name(ASSUMPTIONS).map_err(fail)?;
    let mut widths = Widths(Vec::new());
    for (col, name) in ["section", "parameter", "value"].iter().enumerate() {
        let c = col_num(col).map_err(fail)?;
        sheet
            .write_string_with_format(0, c, *name, &book.formats.header)
            .map_err(fail)?;
        widths.fit(col, name.len() + 2);
    }
    for (i, row) in rows.iter().enumerate() {
        let r = row_num(i + 1).map_err(fail)?;
        sheet.write_string(r, 0, row.section).map_err(fail)?;
        sheet.write_string(r, 1, &row.parameter).map_err(fail)?;
        match (&row.value, &row.currency) {
            (Cell::Number(x), Some(code)) => {
                let format = Format::new().set_num_format(money_number_format(code, "#,##0"));
                sheet
                    .write_number_with_format(r, 2, *x, &format)
                    .map_err(fail)?;
            }
            (cell, _) => book
                .write_cell(&mut sheet, r, 2, cell, row.kind)
                .map_err(fail)?,
        }
        let affixes = row.currency.as_ref().map_or(0, |c| c.chars().count() + 1);
        widths.fit(0, row.section.len());
        widths.fit(1, row.parameter.chars().count());
        widths.fit(2, book.shown_width(&row.value, row.kind) + affixes);
    }
    let last_row = row_num(rows.len()).map_err(fail)?;
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    sheet.autofilter(0, 0, last_row, 2).map_err(fail)?;
    widths.apply(&mut sheet).map_err(fail)?;
    Ok(sheet)
}

/// Cost curve: NPV cost at each whole percentile (0 to 100) of each strategy's trials,
/// the data block of the S-curve.
fn cost_curve_sheet(book: &Book<'_>) -> Result<Worksheet, OutputError> {
    let fail = |e: XlsxError| OutputError::Workbook(e.to_string());
    let results = book.results;
    let mut sheet = Worksheet::new();
    sheet.set_name(COST_CURVE).map_err(fail)?;
    let mut widths = Widths(Vec::new());
    sheet
        .write_string_with_format(0, 0, "share_of_futures", &book.formats.header)
        .map_err(fail)?;
    widths.fit(0, "share_of_futures".len() + 2);
    for q in 0..=CURVE_POINTS {
        let share = f64::from(q) / f64::from(CURVE_POINTS);
        sheet
            .write_number_with_format(q + 1, 0, share, &book.formats.share)
            .map_err(fail)?;
    }
    for (s, name) in results.strategies.iter().enumerate() {
        let col = col_num(s + 1).map_err(fail)?;
        let name = neutralise(name);
        sheet
            .write_string_with_format(0, col, &*name, &book.formats.header)
            .map_err(fail)?;
        widths.fit(s + 1, name.chars().count());
        let sorted = stats::sorted(results.costs_of(s));
        for q in 0..=CURVE_POINTS {
            let cost = stats::quantile_sorted(&sorted, f64::from(q) / f64::from(CURVE_POINTS));
            let cell = number_cell(cost);
            book.write_cell(&mut sheet, q + 1, col, &cell, ColumnKind::Money)
                .map_err(fail)?;
            widths.fit(s + 1, book.shown_width(&cell, ColumnKind::Money));
        }
    }
    sheet.set_freeze_panes(1, 1).map_err(fail)?;
    widths.apply(&mut sheet).map_err(fail)?;
    Ok(sheet)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{PairSummary, StrategySummary};

    #[test]
    fn columns_take_their_format_from_their_names() {
        for (name, kind) in [
            ("strategy", ColumnKind::General),
            ("trials", ColumnKind::Whole),
            ("cost_mean", ColumnKind::Money),
            ("cost_cvar95", ColumnKind::Money),
            ("cost_per_unit_mean", ColumnKind::MoneyPerUnit),
            ("labor_mean", ColumnKind::Money),
            ("cash_npv_mean", ColumnKind::Money),
            ("service_level_p5", ColumnKind::Share),
            ("defect_rate_mean", ColumnKind::Share),
            ("p_shortfall", ColumnKind::Share),
            ("p_a_cheaper", ColumnKind::Share),
            ("leavers_mean", ColumnKind::Quantity),
            ("final_backlog_mean", ColumnKind::Quantity),
            ("first_shortfall_month_ci_low", ColumnKind::Month),
            ("mean_diff", ColumnKind::Money),
            ("diff_ci_high", ColumnKind::Money),
            ("month", ColumnKind::Month),
            ("heads_p90", ColumnKind::Whole),
            ("cumulative_cost_p50", ColumnKind::Money),
            ("capacity_p10", ColumnKind::Quantity),
            ("something_new", ColumnKind::General),
        ] {
            assert_eq!(ColumnKind::of(name), kind, "{name}");
        }
    }

    #[test]
    fn amounts_are_formatted_in_the_scenario_currency() {
        assert_eq!(money_number_format("USD", "#,##0"), "\"$\"#,##0");
        assert_eq!(money_number_format("EUR", "#,##0.00"), "\"€\"#,##0.00");
        assert_eq!(money_number_format("SEK", "#,##0"), "#,##0\" SEK\"");
        assert_eq!(money_number_format("", "#,##0"), "#,##0");
        assert_eq!(money_number_format("a\"b", "#,##0"), "#,##0\" ab\"");
        assert_eq!(
            money_axis_format("USD", 26_469_368.7),
            "\"$\"#,##0.0,,\"M\""
        );
        assert_eq!(money_axis_format("SEK", 2.5e9), "#,##0.0,,,\"B SEK\"");
        assert_eq!(money_axis_format("EUR", 85_000.0), "\"€\"#,##0,\"k\"");
        assert_eq!(money_axis_format("", 9_999.0), "#,##0");
        assert_eq!(money_axis_format("USD", f64::NAN), "\"$\"#,##0");
    }

    #[test]
    fn every_field_of_a_row_becomes_a_named_cell_in_order() {
        let summary = StrategySummary {
            strategy: "=1+2".to_string(),
            cost_mean: f64::NAN,
            cost_p95: f64::INFINITY,
            meets_objectives: true,
            first_shortfall_month: Some(4),
            ..StrategySummary::default()
        };
        let cells = row_cells(&summary).expect("a flat row");
        let json = serde_json::to_value(&summary).expect("json");
        let names: Vec<&str> = cells.iter().map(|(name, _)| *name).collect();
        let json_names: Vec<&str> = json
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, json_names, "the same fields as summary.json");
        let cell = |name: &str| {
            cells
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, c)| c.clone())
        };
        assert_eq!(names[0], "strategy");
        assert_eq!(cell("strategy"), Some(Cell::Text("'=1+2".to_string())));
        assert_eq!(cell("cost_mean"), Some(Cell::Empty));
        assert_eq!(cell("cost_p95"), Some(Cell::Text("inf".to_string())));
        assert_eq!(cell("meets_objectives"), Some(Cell::Bool(true)));
        assert_eq!(cell("first_shortfall_month"), Some(Cell::Number(4.0)));
        assert_eq!(cell("first_shortfall_month_ci_low"), Some(Cell::Empty));
        let pair = row_cells(&PairSummary::default()).expect("a flat row");
        assert_eq!(pair.len(), 6);
    }

    #[test]
    fn tables_larger_than_a_sheet_are_refused_before_they_are_written() {
        assert!(
            fits(1024, 600).is_ok(),
            "1024 x 1023 pairs and a header fit"
        );
        assert!(fits(1025, 12).is_err(), "1025 x 1024 pairs do not");
        assert!(fits(600, 1747).is_ok());
        assert!(
            fits(600, 1748).is_err(),
            "600 x 1748 monthly rows do not fit"
        );
        let message = fits(2000, 1)
            .map(|()| String::new())
            .unwrap_or_else(|e| e.to_string());
        assert!(
            message.contains("--no-xlsx") && message.contains(PAIRS),
            "{message}"
        );
        assert!(fits(usize::MAX, usize::MAX).is_err());
    }

    #[test]
    fn a_value_that_is_not_a_struct_is_refused() {
        assert!(matches!(row_cells(&1.5), Err(OutputError::Workbook(_))));
        assert!(matches!(row_cells(&vec![1]), Err(OutputError::Workbook(_))));
    }
}
