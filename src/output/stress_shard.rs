//! A stress shard folder: some cells of a stress grid split over machines, stored
//! losslessly so that `outsim merge` can put the grid back together into exactly the
//! `stress/` folder of one `outsim stress`.
//!
//! A grid of `C` cells is split by cells: shard `I` of `N` runs the contiguous cells
//! [`shard_cells`] gives it. Every cell is a whole run of its variant on the same trials
//! and seed, so a cell's figures do not depend on which machine ran it, and nothing but
//! the finished cells crosses shards. Its folder, `<stem>.stress-shard-I-of-N`, holds:
//!
//! - `manifest.json` ([`StressManifest`], `"kind": "stress"`): what the shard belongs
//!   to (the scenario's hash, seed, trials, sampling, the `--vary` options and
//!   `--metric`, `N`, `I`, the cells it ran, outsim's version). Written last.
//! - `cells.bin`: each of its cells' level indices and per-strategy summaries
//!   ([`encode_cells`]), every number as IEEE-754 bits, so nothing is rounded and
//!   non-finite values survive.
//! - `scenario.toml`: the scenario file's text, from which the merge rebuilds the
//!   grid's variants (checked against the cells).

use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::shard::{Origin, ShardError, corrupt};
use crate::analysis::stress::StressCell;
use crate::results::StrategySummary;

/// The `kind` of a stress shard's manifest.
pub const KIND: &str = "stress";

/// Version of the stress shard folder's layout; a merge refuses shards of another.
pub const FORMAT: u32 = 1;

/// Name of the cells' results in a stress shard folder.
pub const CELLS: &str = "cells.bin";

const CELLS_MAGIC: &[u8; 8] = b"OSCELLS1";

/// What a stress shard is part of and what it holds: its `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StressManifest {
    /// Always [`KIND`]: tells a stress shard from a run's.
    pub kind: String,
    /// Where it comes from ([`FORMAT`] its layout).
    #[serde(flatten)]
    pub origin: Origin,
    /// The `--vary` options, as given, in order.
    pub vary: Vec<String>,
    /// The `--metric` the charts show.
    pub metric: String,
    /// Cells of the whole grid.
    pub cells: u64,
    /// The cells this shard ran: from `first_cell`...
    pub first_cell: u64,
    /// ...to `end_cell`, exclusive.
    pub end_cell: u64,
    /// Strategies of the scenario.
    pub strategies: u64,
}

/// The cells shard `shard` of `shards` runs, of a grid of `cells` cells: cell `c` goes
/// to shard `floor(c N / C) + 1`, so shards differ by at most one cell. Empty when there
/// are more shards than cells.
pub fn shard_cells(cells: u64, shards: u64, shard: u64) -> Range<u64> {
    let c = u128::from(cells);
    let n = u128::from(shards.max(1));
    let i = u128::from(shard.clamp(1, shards.max(1)));
    let at = |k: u128| (k * c / n) as u64;
    at(i - 1)..at(i)
}

/// Little-endian words and strings, appended.
pub(super) struct Writer(pub(super) Vec<u8>);

impl Writer {
    pub(super) fn u64(&mut self, x: u64) {
        self.0.extend_from_slice(&x.to_le_bytes());
    }

    pub(super) fn f64(&mut self, x: f64) {
        self.u64(x.to_bits());
    }

    pub(super) fn bool(&mut self, x: bool) {
        self.u64(u64::from(x));
    }

    /// `None` as `u64::MAX`, which no `u32` is.
    pub(super) fn opt_u32(&mut self, x: Option<u32>) {
        self.u64(x.map_or(u64::MAX, u64::from));
    }

    pub(super) fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    pub(super) fn f64s(&mut self, xs: &[f64]) {
        self.u64(xs.len() as u64);
        for &x in xs {
            self.f64(x);
        }
    }
}

/// The words [`Writer`] wrote, read back; every error names the file.
pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) path: &'a Path,
    /// What the file holds a list of, for messages (`a cell`).
    pub(super) entry: &'static str,
}

impl Reader<'_> {
    pub(super) fn short(&self) -> ShardError {
        corrupt(self.path, format!("ends in the middle of {}", self.entry))
    }

    pub(super) fn take(&mut self, n: usize) -> Result<&[u8], ShardError> {
        if self.bytes.len() < n {
            return Err(self.short());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub(super) fn u64(&mut self) -> Result<u64, ShardError> {
        let mut word = [0u8; 8];
        word.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(word))
    }

    /// A count of items of at least `size` bytes each, no more than the bytes left
    /// can hold.
    pub(super) fn count(&mut self, size: usize) -> Result<usize, ShardError> {
        let n = self.u64()?;
        if n > (self.bytes.len() / size.max(1)) as u64 {
            return Err(self.short());
        }
        Ok(n as usize)
    }

    pub(super) fn f64(&mut self) -> Result<f64, ShardError> {
        self.u64().map(f64::from_bits)
    }

    pub(super) fn bool(&mut self) -> Result<bool, ShardError> {
        match self.u64()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(corrupt(self.path, "holds a word outsim never writes there")),
        }
    }

    pub(super) fn opt_u32(&mut self) -> Result<Option<u32>, ShardError> {
        match self.u64()? {
            u64::MAX => Ok(None),
            x => u32::try_from(x)
                .map(Some)
                .map_err(|_| corrupt(self.path, "holds a word outsim never writes there")),
        }
    }

    pub(super) fn str(&mut self) -> Result<String, ShardError> {
        let n = self.count(1)?;
        let bytes = self.take(n)?.to_vec();
        String::from_utf8(bytes).map_err(|_| corrupt(self.path, "a name is not UTF-8"))
    }

    pub(super) fn f64s(&mut self) -> Result<Vec<f64>, ShardError> {
        let n = self.count(8)?;
        (0..n).map(|_| self.f64()).collect()
    }
}

/// The encoder and decoder of a [`StrategySummary`], from one list of its fields: the
/// exhaustive destructuring and struct literal make a field added to the summary and
/// not listed here a compile error, and the one list keeps both in the same order.
macro_rules! summary_codec {
    (f64: [$($f:ident),* $(,)?], opt_u32: [$($o:ident),* $(,)?]) => {
        pub(super) fn put_summary(out: &mut Writer, s: &StrategySummary) {
            let StrategySummary {
                strategy,
                trials,
                meets_objectives,
                means,
                $($f,)*
                $($o,)*
            } = s;
            out.str(strategy);
            out.u64(*trials);
            out.bool(*meets_objectives);
            $(out.f64(*$f);)*
            $(out.opt_u32(*$o);)*
            out.f64s(means);
        }

        pub(super) fn get_summary(r: &mut Reader<'_>) -> Result<StrategySummary, ShardError> {
            let strategy = r.str()?;
            let trials = r.u64()?;
            let meets_objectives = r.bool()?;
            $(let $f = r.f64()?;)*
            $(let $o = r.opt_u32()?;)*
            let means = r.f64s()?;
            Ok(StrategySummary {
                strategy,
                trials,
                meets_objectives,
                means,
                $($f,)*
                $($o,)*
            })
        }
    };
}

summary_codec!(
    f64: [
        cost_mean, cost_sd, cost_se, cost_p5, cost_p50, cost_p95, cost_cvar95,
        cost_per_unit_mean, service_level_mean, service_level_p5, defect_rate_mean,
        leavers_mean, hires_mean, incidents_mean, shortfall_months_mean, p_shortfall,
        final_backlog_mean, p_objectives_met, labor_mean, onboarding_mean, setup_mean,
        oversight_mean, defects_mean, delay_mean, incidents_cost_mean, credits_mean,
        cost_total_mean, commitment_mean, releases_mean, transition_mean, exit_mean,
        exits_mean, first_exit_month_mean, p_exit, cash_mean, cash_p95, economic_mean,
        break_months_mean, p_break,
    ],
    opt_u32: [
        first_shortfall_month, first_shortfall_month_ci_low, first_shortfall_month_ci_high,
        first_break_month, first_break_month_ci_low, first_break_month_ci_high,
    ]
);

/// `cells.bin`: a magic word, the number of cells, then per cell its level indices
/// and its strategies' summaries (every field, numbers as IEEE-754 bits); every word a
/// little-endian `u64`, names as a length and UTF-8 bytes.
pub fn encode_cells(cells: &[StressCell]) -> Vec<u8> {
    let mut out = Writer(CELLS_MAGIC.to_vec());
    out.u64(cells.len() as u64);
    for cell in cells {
        out.u64(cell.levels.len() as u64);
        for &l in &cell.levels {
            out.u64(l as u64);
        }
        out.u64(cell.summary.len() as u64);
        for s in &cell.summary {
            put_summary(&mut out, s);
        }
    }
    out.0
}

/// The cells [`encode_cells`] wrote to `bytes` (read from `path`, named in errors).
///
/// # Errors
///
/// [`ShardError::Corrupt`] when `bytes` are not what [`encode_cells`] writes.
pub fn decode_cells(bytes: &[u8], path: &Path) -> Result<Vec<StressCell>, ShardError> {
    let body = bytes
        .strip_prefix(CELLS_MAGIC)
        .ok_or_else(|| corrupt(path, "not the cells outsim writes"))?;
    let mut r = Reader {
        bytes: body,
        path,
        entry: "a cell",
    };
    let n = r.count(16)?;
    let mut cells = Vec::with_capacity(n);
    for _ in 0..n {
        let axes = r.count(8)?;
        let levels = (0..axes)
            .map(|_| r.u64().map(|l| usize::try_from(l).unwrap_or(usize::MAX)))
            .collect::<Result<_, _>>()?;
        let strategies = r.count(8)?;
        let summary = (0..strategies)
            .map(|_| get_summary(&mut r))
            .collect::<Result<_, _>>()?;
        cells.push(StressCell { levels, summary });
    }
    if !r.bytes.is_empty() {
        return Err(corrupt(path, "holds more than its cells"));
    }
    Ok(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_take_contiguous_cells_that_cover_the_grid_once() {
        for (cells, shards) in [(12, 3), (12, 5), (3, 7), (1, 1), (0, 2), (100, 100)] {
            let mut next = 0;
            for i in 1..=shards {
                let range = shard_cells(cells, shards, i);
                assert_eq!(range.start, next, "{cells} cells, shard {i} of {shards}");
                assert!(range.end - range.start <= cells.div_ceil(shards));
                next = range.end;
            }
            assert_eq!(next, cells);
        }
    }

    #[test]
    fn cells_survive_their_encoding_bit_for_bit_and_damage_is_refused() {
        // Every number a different value (through the encoding: distinct bits for each
        // f64 field), some of them not finite.
        let mut distinct = Writer(Vec::new());
        distinct.str("Dual \u{2013} vendor");
        distinct.u64(2000);
        distinct.bool(true);
        for k in 0..39 {
            distinct.u64(0x3ff0_0000_0000_0001 + k);
        }
        for o in [Some(3), None, Some(0), Some(7), None, Some(u32::MAX)] {
            distinct.opt_u32(o);
        }
        distinct.f64s(&[1.0, f64::NAN, f64::NEG_INFINITY, -0.0]);
        let path = Path::new("cells.bin");
        let mut reader = Reader {
            bytes: &distinct.0,
            path,
            entry: "a cell",
        };
        let mut s = get_summary(&mut reader).expect("decodes");
        assert!(reader.bytes.is_empty());
        assert_eq!(s.cost_sd.to_bits(), 0x3ff0_0000_0000_0002);
        s.cost_sd = f64::INFINITY;
        s.p_break = f64::from_bits(0x7ff8_0000_0000_0042);
        let cells = vec![
            StressCell {
                levels: vec![0, 2],
                summary: vec![s.clone(), StrategySummary::default()],
            },
            StressCell {
                levels: vec![1, 0],
                summary: vec![s],
            },
        ];
        let bytes = encode_cells(&cells);
        let back = decode_cells(&bytes, path).expect("decodes");
        assert_eq!(encode_cells(&back), bytes);
        assert_eq!(back[0].summary[0].p_break.to_bits(), 0x7ff8_0000_0000_0042);
        assert_eq!(back[1].summary[0].first_shortfall_month, Some(3));
        assert_eq!(back[1].summary[0].first_break_month, Some(7));
        assert!(decode_cells(&bytes[..bytes.len() - 8], path).is_err());
        assert!(decode_cells(&[bytes.as_slice(), &[0; 8]].concat(), path).is_err());
        assert!(decode_cells(&bytes[1..], path).is_err());
        assert_eq!(
            decode_cells(&encode_cells(&[]), path).ok(),
            Some(Vec::new())
        );
    }
}
