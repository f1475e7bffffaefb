//! An optimize shard folder: some candidates of a search's first batch, simulated on
//! one machine and stored losslessly, so that `outsim merge` can run the search with
//! them and write exactly the `optimize/` folder of one `outsim optimize`.
//!
//! The search's first batch (the starting strategy and its Latin hypercube,
//! [`crate::analysis::optimize::start_batch`]) is a list of candidates that do not
//! depend on each other; what comes after (Nelder–Mead, flips of switches, the
//! re-simulation) depends on every result before it and runs in the merge. Shard `I` of
//! `N` simulates the contiguous candidates [`shard_candidates`] gives it. Its folder,
//! `<stem>.optimize-shard-I-of-N`, holds:
//!
//! - `manifest.json` ([`OptimizeManifest`], `"kind": "optimize"`): what the search is
//!   (the scenario's hash, seed, trials, sampling, strategy, `--search` options,
//!   `--objective`, `--evaluations`), `N`, `I`, the candidates it ran, outsim's
//!   version. Written last.
//! - `candidates.bin`: each candidate's key (its lever values, every number in full)
//!   and the summary of the strategy searched ([`encode_candidates`]), every number as
//!   IEEE-754 bits.
//! - `scenario.toml`: the scenario file's text, from which the merge rebuilds the
//!   search and its batch (checked against the keys).

use std::ops::Range;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::shard::{Origin, ShardError, corrupt};
use super::stress_shard::{Reader, Writer, get_summary, put_summary};
use crate::results::StrategySummary;

/// The `kind` of an optimize shard's manifest.
pub const KIND: &str = "optimize";

/// Version of the optimize shard folder's layout; a merge refuses shards of another.
pub const FORMAT: u32 = 1;

/// Name of the candidates' results in an optimize shard folder.
pub const CANDIDATES: &str = "candidates.bin";

const CANDIDATES_MAGIC: &[u8; 8] = b"OSCANDS1";

/// What an optimize shard is part of and what it holds: its `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptimizeManifest {
    /// Always [`KIND`]: tells an optimize shard from a run's or a stress grid's.
    pub kind: String,
    /// Where it comes from ([`FORMAT`] its layout).
    #[serde(flatten)]
    pub origin: Origin,
    /// The strategy searched (`--strategy`).
    pub strategy: String,
    /// The `--search` options, as given, in order.
    pub search: Vec<String>,
    /// `--objective`, as the option spells it.
    pub objective: String,
    /// `--evaluations`: the search's budget.
    pub evaluations: u64,
    /// Distinct candidates of the whole first batch.
    pub candidates: u64,
    /// The candidates this shard ran: from `first_candidate`...
    pub first_candidate: u64,
    /// ...to `end_candidate`, exclusive.
    pub end_candidate: u64,
}

/// The candidates shard `shard` of `shards` simulates, of a batch of `candidates`: the
/// same contiguous split as a stress grid's cells, so shards differ by at most one.
pub fn shard_candidates(candidates: u64, shards: u64, shard: u64) -> Range<u64> {
    super::stress_shard::shard_cells(candidates, shards, shard)
}

/// `candidates.bin`: a magic word, the number of candidates, then per candidate its
/// key (a length and UTF-8 bytes) and its summary (every field, numbers as IEEE-754
/// bits); every word a little-endian `u64`.
pub fn encode_candidates(candidates: &[(String, StrategySummary)]) -> Vec<u8> {
    let mut out = Writer(CANDIDATES_MAGIC.to_vec());
    out.u64(candidates.len() as u64);
    for (key, summary) in candidates {
        out.str(key);
        put_summary(&mut out, summary);
    }
    out.0
}

/// The candidates [`encode_candidates`] wrote to `bytes` (read from `path`, named in
/// errors).
///
/// # Errors
///
/// [`ShardError::Corrupt`] when `bytes` are not what [`encode_candidates`] writes.
pub fn decode_candidates(
    bytes: &[u8],
    path: &Path,
) -> Result<Vec<(String, StrategySummary)>, ShardError> {
    let body = bytes
        .strip_prefix(CANDIDATES_MAGIC)
        .ok_or_else(|| corrupt(path, "not the candidates outsim writes"))?;
    let mut r = Reader {
        bytes: body,
        path,
        entry: "a candidate",
    };
    let n = r.count(16)?;
    let mut candidates = Vec::with_capacity(n);
    for _ in 0..n {
        let key = r.str()?;
        candidates.push((key, get_summary(&mut r)?));
    }
    if !r.bytes.is_empty() {
        return Err(corrupt(path, "holds more than its candidates"));
    }
    Ok(candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_survive_their_encoding_bit_for_bit_and_damage_is_refused() {
        let odd = StrategySummary {
            strategy: "Dual \u{2013} source".into(),
            cost_mean: 1.0e7 + 0.1,
            cost_p95: f64::from_bits(0x7ff8_0000_0000_0042),
            p_objectives_met: 0.8125,
            first_break_month: Some(9),
            ..StrategySummary::default()
        };
        let candidates = vec![
            ("[Number(0.35), Switch(true)]".to_string(), odd),
            (
                "[Number(0.1), Switch(false)]".to_string(),
                StrategySummary::default(),
            ),
        ];
        let path = Path::new(CANDIDATES);
        let bytes = encode_candidates(&candidates);
        let back = decode_candidates(&bytes, path).expect("decodes");
        assert_eq!(encode_candidates(&back), bytes);
        assert_eq!(back[0].0, candidates[0].0);
        assert_eq!(back[0].1.cost_p95.to_bits(), 0x7ff8_0000_0000_0042);
        assert_eq!(back[0].1.first_break_month, Some(9));
        assert!(decode_candidates(&bytes[..bytes.len() - 8], path).is_err());
        assert!(decode_candidates(&[bytes.as_slice(), &[0; 8]].concat(), path).is_err());
        assert!(decode_candidates(&bytes[1..], path).is_err());
        assert_eq!(
            decode_candidates(&encode_candidates(&[]), path).ok(),
            Some(Vec::new())
        );
    }
}
