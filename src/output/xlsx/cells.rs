//! The row serializer of the workbook: a [`Serialize`] row taken apart into named cells,
//! so every table is written from the same serde rows as its CSV, with no second list
//! of columns.

use serde::Serialize;
use serde::ser::{self, Impossible, Serializer};

use super::super::OutputError;
use super::super::csv::neutralise;

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
pub(super) fn number_cell(x: f64) -> Cell {
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
