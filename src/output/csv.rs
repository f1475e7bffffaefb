//! The CSV tables of outsim: `summary.csv`, `pairs.csv`, `monthly.csv`,
//! `monthly_vendors.csv`, `exits.csv`, `stress.csv` and `sensitivity.csv`, as bytes.
//!
//! Every table is a sequence of `#[derive(Serialize)]` rows written by the `csv` crate,
//! so the header and the rows come from one definition and cannot drift apart
//! ([`crate::results::StrategySummary`] is the row of `summary.csv` and of
//! `summary.json`; the other rows are defined here). One dialect applies to every cell:
//!
//! - **Numbers** are written in their shortest form that reads back as exactly the same
//!   `f64` ([`number`]): plain decimals from 1e-4 up to 1e16 (`1234.5`, `0.25`), an
//!   exponent outside that range (`1e19`, `1.5e-7`), so that no value is written as a
//!   long run of digits. NaN is an empty cell (what pandas, R and spreadsheets read as
//!   missing); infinities are `inf` and `-inf` (which pandas and Rust read back).
//! - **Text** that a spreadsheet would run as a formula (a cell beginning with `=`, `+`,
//!   `-`, `@`, a tab or a carriage return) gets a leading `'`, following OWASP's
//!   CSV-injection guidance ([`neutralise`]); such a cell is quoted whenever it holds a
//!   comma, quote or line break, like every cell. Numeric columns are never touched (a
//!   negative number stays a number), nor are stress levels that are numbers (`-0.1`).
//!   Parquet and JSON keep every name exactly as written.
//!
//! The dialect is applied by a serde adapter around each row, so the row types stay
//! plain data that JSON serialises too.

use std::borrow::Cow;

use serde::Serialize;
use serde::ser::{self, Serializer};

use super::OutputError;
use crate::analysis::sensitivity::Sensitivity;
use crate::analysis::stress::StressGrid;
use crate::results::{Results, StrategySummary};

/// The shortest text that reads back as exactly `x`: plain decimal notation for
/// magnitudes in [1e-4, 1e16) and zero, an exponent otherwise (`1e19`, `-2.5e-7`); NaN
/// is empty, infinities are `inf` and `-inf`. Both notations are Rust's shortest
/// round-trip formatting, which pandas, R and spreadsheets read as a number.
pub fn number(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else if x.is_infinite() || x == 0.0 || (1e-4..1e16).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// Whether a spreadsheet could read `text` as a formula: it begins with `=`, `+`, `-`,
/// `@`, a tab or a carriage return (OWASP's list). A name such as `-5` counts too: in a
/// text column it is a name, not a number.
pub fn is_formula_like(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// `text` as a CSV text cell: with a leading `'` if a spreadsheet would read it as a
/// formula ([`is_formula_like`]), as it is otherwise.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if is_formula_like(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A value serialised as CSV cells: floats through [`number`], text through
/// [`neutralise`], everything else (integers, booleans, missing values) as it is.
struct Cells<'a, T: ?Sized>(&'a T);

impl<T: Serialize + ?Sized> Serialize for Cells<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(CellSerializer(serializer))
    }
}

/// The serializer behind [`Cells`]: rewrites floats and text, and wraps struct fields
/// and optional values so that the rewriting reaches them; forwards everything else.
struct CellSerializer<S>(S);

/// The fields of a struct inside [`Cells`].
struct CellStruct<S>(S);

impl<S: ser::SerializeStruct> ser::SerializeStruct for CellStruct<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), S::Error> {
        self.0.serialize_field(key, &Cells(value))
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*) -> $out:ty;)*) => {
        $(fn $method(self, $($arg: $ty),*) -> Result<$out, S::Error> {
            self.0.$method($($arg),*)
        })*
    };
}

impl<S: Serializer> Serializer for CellSerializer<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = S::SerializeSeq;
    type SerializeTuple = S::SerializeTuple;
    type SerializeTupleStruct = S::SerializeTupleStruct;
    type SerializeTupleVariant = S::SerializeTupleVariant;
    type SerializeMap = S::SerializeMap;
    type SerializeStruct = CellStruct<S::SerializeStruct>;
    type SerializeStructVariant = S::SerializeStructVariant;

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }

    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        self.0.serialize_str(&number(v))
    }

    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        self.0.serialize_str(&number(f64::from(v)))
    }

    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        self.0.serialize_str(&neutralise(v))
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&Cells(value))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &Cells(value))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(CellStruct(self.0.serialize_struct(name, len)?))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &Cells(value))
    }

    forward! {
        serialize_bool(v: bool) -> S::Ok;
        serialize_i8(v: i8) -> S::Ok;
        serialize_i16(v: i16) -> S::Ok;
        serialize_i32(v: i32) -> S::Ok;
        serialize_i64(v: i64) -> S::Ok;
        serialize_u8(v: u8) -> S::Ok;
        serialize_u16(v: u16) -> S::Ok;
        serialize_u32(v: u32) -> S::Ok;
        serialize_u64(v: u64) -> S::Ok;
        serialize_char(v: char) -> S::Ok;
        serialize_bytes(v: &[u8]) -> S::Ok;
        serialize_none() -> S::Ok;
        serialize_unit() -> S::Ok;
        serialize_unit_struct(name: &'static str) -> S::Ok;
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str) -> S::Ok;
        serialize_seq(len: Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(len: usize) -> Self::SerializeTuple;
        serialize_tuple_struct(name: &'static str, len: usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(
            name: &'static str,
            index: u32,
            variant: &'static str,
            len: usize
        ) -> Self::SerializeTupleVariant;
        serialize_map(len: Option<usize>) -> Self::SerializeMap;
        serialize_struct_variant(
            name: &'static str,
            index: u32,
            variant: &'static str,
            len: usize
        ) -> Self::SerializeStructVariant;
    }
}

/// A CSV table being written: a header of optional leading columns and a row type's
/// field names, then rows of as many cells. The `csv` writer refuses a row of another
/// width, so a header and its rows cannot drift apart.
struct Table {
    file: &'static str,
    writer: ::csv::Writer<Vec<u8>>,
}

impl Table {
    /// A table for `file` whose header is `leading` followed by `R`'s field names.
    fn new<R: Serialize + Default>(
        file: &'static str,
        leading: &[Cow<'_, str>],
    ) -> Result<Self, OutputError> {
        let mut table = Table {
            file,
            writer: ::csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new()),
        };
        let fields = field_names(&R::default()).map_err(|e| table.error(e))?;
        let header = leading
            .iter()
            .map(|cell| &**cell)
            .chain(fields.iter().map(String::as_str));
        table
            .writer
            .write_record(header)
            .map_err(|e| table.error(e))?;
        Ok(table)
    }

    fn error(&self, e: ::csv::Error) -> OutputError {
        OutputError::Csv {
            file: self.file,
            message: e.to_string(),
        }
    }

    /// Write one row: `leading` cells as they are, then `row`'s cells.
    fn row<R: Serialize>(&mut self, leading: &[Cow<'_, str>], row: &R) -> Result<(), OutputError> {
        for cell in leading {
            self.writer
                .write_field(cell.as_ref())
                .map_err(|e| self.error(e))?;
        }
        self.writer.serialize(Cells(row)).map_err(|e| self.error(e))
    }

    /// The bytes written.
    fn finish(self) -> Result<Vec<u8>, OutputError> {
        let file = self.file;
        self.writer.into_inner().map_err(|e| OutputError::Csv {
            file,
            message: e.error().to_string(),
        })
    }
}

/// The field names of a row type, in order, as the `csv` crate writes them in a header.
fn field_names<R: Serialize>(row: &R) -> Result<Vec<String>, ::csv::Error> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.serialize(Cells(row))?;
    let bytes = writer
        .into_inner()
        .map_err(|e| ::csv::Error::from(e.into_error()))?;
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes.as_slice());
    match reader.records().next() {
        Some(header) => Ok(header?.iter().map(str::to_string).collect()),
        None => Ok(Vec::new()),
    }
}

/// The CSV bytes of `rows` under a header of `R`'s field names.
fn table<'r, R: Serialize + Default + 'r>(
    file: &'static str,
    rows: impl IntoIterator<Item = &'r R>,
) -> Result<Vec<u8>, OutputError> {
    let mut table = Table::new::<R>(file, &[])?;
    for row in rows {
        table.row(&[], row)?;
    }
    table.finish()
}

/// `summary.csv`: one [`StrategySummary`] per strategy.
pub fn summary(results: &Results) -> Result<Vec<u8>, OutputError> {
    table("summary.csv", &results.summary)
}

/// `pairs.csv`: every ordered pair of distinct strategies
/// ([`crate::results::PairSummary`]).
pub fn pairs(results: &Results) -> Result<Vec<u8>, OutputError> {
    table("pairs.csv", &results.pairs)
}

/// A row of `monthly.csv`: one strategy in one month, P10/P50/P90 over trials.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonthlyCsvRow<'a> {
    /// Strategy name.
    pub strategy: &'a str,
    /// Month, 1-based.
    pub month: u32,
    /// Demand, 10th percentile.
    pub demand_p10: f64,
    /// Demand, median.
    pub demand_p50: f64,
    /// Demand, 90th percentile.
    pub demand_p90: f64,
    /// Capacity, 10th percentile.
    pub capacity_p10: f64,
    /// Capacity, median.
    pub capacity_p50: f64,
    /// Capacity, 90th percentile.
    pub capacity_p90: f64,
    /// Backlog, 10th percentile.
    pub backlog_p10: f64,
    /// Backlog, median.
    pub backlog_p50: f64,
    /// Backlog, 90th percentile.
    pub backlog_p90: f64,
    /// Heads, 10th percentile.
    pub heads_p10: f64,
    /// Heads, median.
    pub heads_p50: f64,
    /// Heads, 90th percentile.
    pub heads_p90: f64,
    /// Cumulative NPV cost, 10th percentile.
    pub cumulative_cost_p10: f64,
    /// Cumulative NPV cost, median.
    pub cumulative_cost_p50: f64,
    /// Cumulative NPV cost, 90th percentile.
    pub cumulative_cost_p90: f64,
    /// Share of trials short of capacity in this month.
    pub p_shortfall: f64,
    /// Share of trials in which this month broke (V2.7).
    pub p_break: f64,
}

/// The rows of `monthly.csv`, strategy-major.
pub fn monthly_rows(results: &Results) -> Vec<MonthlyCsvRow<'_>> {
    results
        .monthly
        .iter()
        .map(|r| MonthlyCsvRow {
            strategy: results
                .strategies
                .get(r.strategy)
                .map_or("", String::as_str),
            month: r.month,
            demand_p10: r.demand.p10,
            demand_p50: r.demand.p50,
            demand_p90: r.demand.p90,
            capacity_p10: r.capacity.p10,
            capacity_p50: r.capacity.p50,
            capacity_p90: r.capacity.p90,
            backlog_p10: r.backlog.p10,
            backlog_p50: r.backlog.p50,
            backlog_p90: r.backlog.p90,
            heads_p10: r.heads.p10,
            heads_p50: r.heads.p50,
            heads_p90: r.heads.p90,
            cumulative_cost_p10: r.cumulative_cost.p10,
            cumulative_cost_p50: r.cumulative_cost.p50,
            cumulative_cost_p90: r.cumulative_cost.p90,
            p_shortfall: r.p_shortfall,
            p_break: r.p_break,
        })
        .collect()
}

/// `monthly.csv`: P10/P50/P90 per strategy and month ([`MonthlyCsvRow`]).
pub fn monthly(results: &Results) -> Result<Vec<u8>, OutputError> {
    table("monthly.csv", &monthly_rows(results))
}

/// A row of `monthly_vendors.csv`: one vendor of one strategy in one month.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonthlyVendorCsvRow<'a> {
    /// Strategy name.
    pub strategy: &'a str,
    /// Month, 1-based.
    pub month: u32,
    /// Vendor name.
    pub vendor: &'a str,
    /// Share of trials in which the vendor is active (a positive share, not failed).
    pub p_active: f64,
}

/// The rows of `monthly_vendors.csv`, strategy-major, then month, then vendor.
pub fn monthly_vendor_rows(results: &Results) -> Vec<MonthlyVendorCsvRow<'_>> {
    results
        .monthly_vendors
        .iter()
        .map(|r| MonthlyVendorCsvRow {
            strategy: results
                .strategies
                .get(r.strategy)
                .map_or("", String::as_str),
            month: r.month,
            vendor: &r.vendor,
            p_active: r.p_active,
        })
        .collect()
}

/// `monthly_vendors.csv`: per strategy, month and vendor, the share of trials in which
/// the vendor is active ([`MonthlyVendorCsvRow`]).
pub fn monthly_vendors(results: &Results) -> Result<Vec<u8>, OutputError> {
    table("monthly_vendors.csv", &monthly_vendor_rows(results))
}

/// A row of `exits.csv`: what exits and failures did to one vendor of one strategy
/// ([`crate::results::VendorExits`]). Months are empty when the event never happened.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExitsCsvRow<'a> {
    /// Strategy name.
    pub strategy: &'a str,
    /// Vendor name.
    pub vendor: &'a str,
    /// Share of futures in which the strategy's exit rule left the vendor.
    pub p_left: f64,
    /// Share of futures in which the vendor failed while the strategy used it.
    pub p_failed: f64,
    /// Month by which 10% of the exits had happened.
    pub left_month_p10: Option<u32>,
    /// Median month of the exits.
    pub left_month_p50: Option<u32>,
    /// Month by which 90% of the exits had happened.
    pub left_month_p90: Option<u32>,
    /// Mean cost of leaving (releases and exit fee) over the futures in which it was left.
    pub left_cost_mean: f64,
    /// Month by which 10% of the failures had happened.
    pub failed_month_p10: Option<u32>,
    /// Median month of the failures.
    pub failed_month_p50: Option<u32>,
    /// Month by which 90% of the failures had happened.
    pub failed_month_p90: Option<u32>,
}

/// The rows of `exits.csv`, strategy by strategy, vendors in order of first mention.
pub fn exits_rows(results: &Results) -> Vec<ExitsCsvRow<'_>> {
    results
        .vendor_exits
        .iter()
        .map(|v| ExitsCsvRow {
            strategy: results
                .strategies
                .get(v.strategy)
                .map_or("", String::as_str),
            vendor: &v.vendor,
            p_left: v.p_left,
            p_failed: v.p_failed,
            left_month_p10: v.left_month.map(|m| m.p10),
            left_month_p50: v.left_month.map(|m| m.p50),
            left_month_p90: v.left_month.map(|m| m.p90),
            left_cost_mean: v.left_cost_mean,
            failed_month_p10: v.failed_month.map(|m| m.p10),
            failed_month_p50: v.failed_month.map(|m| m.p50),
            failed_month_p90: v.failed_month.map(|m| m.p90),
        })
        .collect()
}

/// `exits.csv`: per strategy and vendor, how often it was left or failed, when, and
/// what leaving cost ([`ExitsCsvRow`]); only a header without sourcing over time.
pub fn exits(results: &Results) -> Result<Vec<u8>, OutputError> {
    table("exits.csv", &exits_rows(results))
}

/// The columns of `stress.csv` after the varied KEYs: one strategy in one cell.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StressCsvRow<'a> {
    /// Strategy name.
    pub strategy: &'a str,
    /// Mean NPV cost.
    pub cost_mean: f64,
    /// Median NPV cost.
    pub cost_p50: f64,
    /// 95th percentile of NPV cost.
    pub cost_p95: f64,
    /// Mean of the worst 5% of NPV costs.
    pub cost_cvar95: f64,
    /// Mean service level.
    pub service_level_mean: f64,
    /// Share of trials with at least one shortfall month.
    pub p_shortfall: f64,
    /// Share of trials meeting every objective.
    pub p_objectives_met: f64,
    /// Whether the strategy meets the objectives in this cell.
    pub meets_objectives: bool,
    /// First month in which more than half the trials are short, if any.
    pub first_shortfall_month: Option<u32>,
    /// Early end of its 95% interval.
    pub first_shortfall_month_ci_low: Option<u32>,
    /// Late end of its 95% interval.
    pub first_shortfall_month_ci_high: Option<u32>,
    /// Share of trials with at least one month that breaks (V2.7).
    pub p_break: f64,
    /// First month in which more than half the trials break, if any.
    pub first_break_month: Option<u32>,
    /// Early end of its 95% interval.
    pub first_break_month_ci_low: Option<u32>,
    /// Late end of its 95% interval.
    pub first_break_month_ci_high: Option<u32>,
}

impl<'a> StressCsvRow<'a> {
    /// The row of one strategy's summary in a cell.
    pub fn new(s: &'a StrategySummary) -> Self {
        StressCsvRow {
            strategy: &s.strategy,
            cost_mean: s.cost_mean,
            cost_p50: s.cost_p50,
            cost_p95: s.cost_p95,
            cost_cvar95: s.cost_cvar95,
            service_level_mean: s.service_level_mean,
            p_shortfall: s.p_shortfall,
            p_objectives_met: s.p_objectives_met,
            meets_objectives: s.meets_objectives,
            first_shortfall_month: s.first_shortfall_month,
            first_shortfall_month_ci_low: s.first_shortfall_month_ci_low,
            first_shortfall_month_ci_high: s.first_shortfall_month_ci_high,
            p_break: s.p_break,
            first_break_month: s.first_break_month,
            first_break_month_ci_low: s.first_break_month_ci_low,
            first_break_month_ci_high: s.first_break_month_ci_high,
        }
    }
}

/// A stress level as a cell: as given when it is a number (`80`, `-0.1`), neutralised
/// text otherwise (`1.5x`).
fn level_cell(label: &str) -> Cow<'_, str> {
    if label.parse::<f64>().is_ok() {
        Cow::Borrowed(label)
    } else {
        neutralise(label)
    }
}

/// `stress.csv`: one row per cell and strategy, first axis slowest. A column per varied
/// KEY holds the cell's level as given (`80`, `1.5x`), then a [`StressCsvRow`];
/// first-shortfall months are empty when P(shortfall) never passes one half.
pub fn stress(grid: &StressGrid) -> Result<Vec<u8>, OutputError> {
    let keys: Vec<Cow<'_, str>> = grid.axes.iter().map(|a| neutralise(&a.key)).collect();
    let mut table = Table::new::<StressCsvRow<'_>>("stress.csv", &keys)?;
    for cell in &grid.cells {
        let levels: Vec<Cow<'_, str>> = grid
            .axes
            .iter()
            .zip(&cell.levels)
            .map(|(axis, &i)| level_cell(axis.labels.get(i).map_or("", String::as_str)))
            .collect();
        for s in &cell.summary {
            table.row(&levels, &StressCsvRow::new(s))?;
        }
    }
    table.finish()
}

/// A row of `sensitivity.csv`: one input's influence on one strategy. Swing columns are
/// empty for inputs that cannot be swung, correlations for outputs that do not vary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SensitivityCsvRow<'a> {
    /// Strategy name.
    pub strategy: &'a str,
    /// Rank of the input by |Spearman rho| with NPV cost, 1 for the strongest.
    pub rank: usize,
    /// The input's KEY in the scenario, e.g. `vendors.A.attrition_annual`.
    pub input: &'a str,
    /// Short label, e.g. `A attrition`.
    pub label: &'a str,
    /// Spearman's rho with NPV cost.
    pub spearman_cost_npv: Option<f64>,
    /// Spearman's rho with service level.
    pub spearman_service_level: Option<f64>,
    /// The input's value at the low end of the swing (its P10).
    pub swing_input_p10: Option<f64>,
    /// The input's value at the high end (its P90).
    pub swing_input_p90: Option<f64>,
    /// Median NPV cost in the base run.
    pub cost_p50_base: f64,
    /// Median NPV cost with the input at its P10.
    pub cost_p50_at_p10: Option<f64>,
    /// Median NPV cost with the input at its P90.
    pub cost_p50_at_p90: Option<f64>,
    /// Width of the swing: |cost_p50_at_p90 - cost_p50_at_p10|.
    pub swing_width: Option<f64>,
    /// The inputs `[[correlations]]` ties this one to, `;`-separated; when not empty,
    /// the rank correlations include these partners' effect.
    pub correlated_with: String,
}

/// The rows of `sensitivity.csv`: per strategy, inputs ranked by |Spearman rho| with
/// NPV cost.
pub fn sensitivity_rows(sens: &Sensitivity) -> Vec<SensitivityCsvRow<'_>> {
    let mut rows = Vec::new();
    for (s, name) in sens.strategies.iter().enumerate() {
        for (rank, input) in sens.ranked_by_correlation(s).into_iter().enumerate() {
            let swing = input.swing.as_ref();
            let low = swing.and_then(|w| w.p50_low.get(s).copied());
            let high = swing.and_then(|w| w.p50_high.get(s).copied());
            rows.push(SensitivityCsvRow {
                strategy: name,
                rank: rank + 1,
                input: &input.key,
                label: &input.label,
                spearman_cost_npv: input.rho_cost.get(s).copied().flatten(),
                spearman_service_level: input.rho_service.get(s).copied().flatten(),
                swing_input_p10: swing.map(|w| w.low),
                swing_input_p90: swing.map(|w| w.high),
                cost_p50_base: sens.base_p50.get(s).copied().unwrap_or(f64::NAN),
                cost_p50_at_p10: low,
                cost_p50_at_p90: high,
                swing_width: low.zip(high).map(|(l, h)| (h - l).abs()),
                correlated_with: input.correlated_with.join(";"),
            });
        }
    }
    rows
}

/// `sensitivity.csv`: one [`SensitivityCsvRow`] per strategy and input.
pub fn sensitivity(sens: &Sensitivity) -> Result<Vec<u8>, OutputError> {
    table("sensitivity.csv", &sensitivity_rows(sens))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back_to_the_same_bits() {
        let values = [
            0.0,
            -0.0,
            1.0,
            -2.5,
            0.1,
            1e-4,
            9.999e-5,
            1.5e-7,
            5e-324,
            1234.5678,
            123456789.123,
            9.99e15,
            1e16,
            1e19,
            -3.7e22,
            1e308,
            f64::MAX,
            f64::MIN_POSITIVE,
            std::f64::consts::PI,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for x in values {
            let text = number(x);
            let back: f64 = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(back.to_bits(), x.to_bits(), "{x} written as {text}");
        }
        assert_eq!(number(1e19), "1e19");
        assert_eq!(number(1e308), "1e308");
        assert_eq!(number(1.5e-7), "1.5e-7");
        assert_eq!(number(1234.5), "1234.5");
        assert_eq!(number(2000.0), "2000");
        assert_eq!(number(f64::NAN), "");
    }

    #[test]
    fn formula_like_text_gets_a_leading_quote_and_numbers_do_not() {
        for (text, cell) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("Offshore only", "Offshore only"),
            ("a-b", "a-b"),
            ("-5", "'-5"),
        ] {
            assert_eq!(neutralise(text), cell, "{text:?}");
        }
        assert_eq!(level_cell("-0.1"), "-0.1");
        assert_eq!(level_cell("80"), "80");
        assert_eq!(level_cell("1.5x"), "1.5x");
        assert_eq!(level_cell("-1.5x"), "'-1.5x");
    }
}
