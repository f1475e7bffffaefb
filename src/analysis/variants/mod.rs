//! Variants of a scenario for stress tests: `--vary KEY=SPEC` parsed, and applied to the
//! scenario's TOML text.
//!
//! A KEY is a path into the file: `demand.growth_annual`, `vendors.Budget.max_fte`,
//! `strategies."Dual source".capacity_buffer`, `demand.events[0].multiplier`. Vendors and
//! strategies are addressed by name (quoted when the name has dots or spaces) or by
//! index, currencies by code (`currencies.INR.volatility_annual`), a strategy's exit
//! rules by the vendor they leave (`strategies.Dual.exits.LowCostCo.for_months`) or by
//! index, events, phases and volume tiers by index. A SPEC is a list (`60,80,100`, or multiples `1x,1.5x`) or a
//! range with a number of evenly spaced steps: `20..120:6` (absolute) or `0.5x..2x:7`
//! (multiples of the value in the file).
//!
//! A variant is made by editing the parsed TOML tree and writing it back as text, which
//! the caller then validates with the same rules as any scenario file; so no variant can
//! hold a value a file could not. A multiple of an uncertain (D) value scales its
//! location (`min`, `mode`, `max`, `mean`, `median`) and keeps its spread (`sd`,
//! `sigma`); an absolute value replaces it with that fixed number.
//!
//! The parts: `spec` reads `--vary KEY=SPEC` into levels, `fields` says which fields a
//! number may set, `document` edits the TOML tree; this module resolves every KEY of a
//! stress test and writes its grid of variants.

mod document;
mod fields;
mod spec;
#[cfg(test)]
mod tests;

use std::fmt;

pub use document::Document;
pub use fields::{Field, variable_fields};
pub use spec::{Level, MAX_LEVELS, Vary, parse_key, parse_spec, parse_vary};

/// A refused `--vary`: the message names the KEY, SPEC or value at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaryError(pub String);

impl fmt::Display for VaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for VaryError {}

pub use crate::scenario::key::{KeyPath, Segment};

/// The field each of `varies` reaches in `doc`; refused when one is not a model input
/// or two reach the same field (by name and by index, or a whole uncertain value and
/// one of its parameters), naming both KEYs.
pub fn resolve_all(doc: &Document, varies: &[Vary]) -> Result<Vec<Field>, VaryError> {
    let fields = varies
        .iter()
        .map(|v| doc.resolve(&v.key))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, a) in fields.iter().enumerate() {
        for (j, b) in fields.iter().enumerate().skip(i + 1) {
            if a.covers(b) || b.covers(a) {
                let (ka, kb) = (&varies[i].key.text, &varies[j].key.text);
                let why = if a == b {
                    format!("both reach {a}")
                } else {
                    let (whole, part) = if a.covers(b) { (a, b) } else { (b, a) };
                    format!("{whole} holds {part}")
                };
                return Err(VaryError(format!(
                    "--vary {ka} and --vary {kb} set the same field ({why}); vary each field once"
                )));
            }
        }
    }
    Ok(fields)
}

/// Every combination of the levels of `varies`, first KEY slowest: the level indices of
/// each cell and its scenario text. KEYs are resolved first ([`resolve_all`]); errors
/// name the KEY and value; the texts still need validating.
pub fn grid_texts(text: &str, varies: &[Vary]) -> Result<Vec<(Vec<usize>, String)>, VaryError> {
    let base = Document::parse(text)?;
    let fields = resolve_all(&base, varies)?;
    let mut cells: Vec<Vec<usize>> = vec![Vec::new()];
    for v in varies {
        cells = cells
            .into_iter()
            .flat_map(|c| {
                (0..v.levels.len()).map(move |i| {
                    let mut c = c.clone();
                    c.push(i);
                    c
                })
            })
            .collect();
    }
    cells
        .into_iter()
        .map(|cell| {
            let mut doc = base.clone();
            for ((v, field), &i) in varies.iter().zip(&fields).zip(&cell) {
                doc.set(field, v.levels[i]).map_err(|why| {
                    VaryError(format!("{}={}: {why}", v.key.text, v.levels[i].label()))
                })?;
            }
            Ok((cell, doc.to_text()?))
        })
        .collect()
}
