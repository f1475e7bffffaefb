//! A shard folder: one part of a run split over machines, stored losslessly so that
//! `outsim merge` can put the parts back together into exactly the results of one run.
//!
//! A run of `T` trials is cut into blocks of [`BLOCK_TRIALS`] trials (the engine's own
//! blocks); shard `I` of `N` takes the contiguous blocks [`shard_trials`] gives it. Its
//! folder holds:
//!
//! - `manifest.json` ([`Manifest`]): what the shard belongs to (the scenario's hash,
//!   seed, trials, `N`, `I`, outsim's version) and what it holds. Written last: a folder
//!   without it is not a finished shard.
//! - `blocks.bin`: every block the engine handed its sink, in trial order, as written by
//!   [`BlocksWriter`] and read back by [`read_blocks`]: per block its first trial and
//!   trial count (`u64`), then every trial's outputs (trial-major, one per strategy, the
//!   values of [`TrialMetrics::values`]) and the inputs drawn once per trial, each a
//!   count (`u64`) followed by the numbers as IEEE-754 bits (`u64`); little-endian.
//! - `events.bin`: per block of `blocks.bin`, in the same order, what exits and
//!   failures did over its trials (per strategy and vendor: the trials in which it was
//!   left and failed, the months of each, what leaving cost), written by
//!   [`BlocksWriter`] and read back by [`read_blocks`] with its block. Its size varies
//!   with the events, so it is checked as it is read.
//! - `monthly.bin`: the shard's month-by-month sketches ([`encode_monthly`]), whose
//!   integer counts merge exactly.
//! - `scenario.toml`: the scenario file's text, so that the merge needs nothing else.
//!
//! Numbers are stored as bits, so nothing is rounded: the merge replays the very blocks
//! a single run would have reduced. Costs about `8 (28 S + V)` bytes a trial for `S`
//! strategies and `V` inputs drawn per trial (about 1 KB for four strategies).

use std::fs;
use std::io::{BufReader, BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::{
    BLOCK_TRIALS, MonthlySketches, ReplayBlock, SinkError, TRIAL_METRICS, TrialMetrics, TrialSink,
    VendorEvents,
};
use crate::stats::sketch::{QuantileSketch, SketchState};

/// Version of the shard folder's layout; a merge refuses shards of another.
pub const FORMAT: u32 = 2;

/// Name of the manifest in a shard folder.
pub const MANIFEST: &str = "manifest.json";
/// Name of the blocks file in a shard folder.
pub const BLOCKS: &str = "blocks.bin";
/// Name of the exits and failures per block in a shard folder.
pub const EVENTS: &str = "events.bin";
/// Name of the month-by-month sketches in a shard folder.
pub const MONTHLY: &str = "monthly.bin";
/// Name of the copy of the scenario file in a shard folder.
pub const SCENARIO: &str = "scenario.toml";

const MONTHLY_MAGIC: &[u8; 8] = b"OSMONTH1";

/// Numbers per trial and strategy in `blocks.bin`.
const METRICS: usize = TRIAL_METRICS.len();

/// What went wrong with a shard folder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShardError {
    /// A file could not be read or written. Fatal for the shard or the merge.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A file is not what outsim writes there (truncated, corrupted or of another
    /// format). Fatal: run that shard again.
    #[error("{path}: {reason}: run that shard again")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ShardError + '_ {
    move |source| ShardError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A [`ShardError::Corrupt`] of the file at `path`.
pub(crate) fn corrupt(path: &Path, reason: impl Into<String>) -> ShardError {
    ShardError::Corrupt {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// What every shard's `manifest.json` says of where it comes from, whatever the command
/// that wrote it (a run's, a stress grid's or a search's): the merge takes shards only
/// when all of this agrees but for `shard`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// Layout version of the kind of shard ([`FORMAT`] for a run's).
    pub format: u32,
    /// outsim's version that wrote the shard; a merge takes shards of one version only.
    pub outsim_version: String,
    /// The scenario file as the user named it (names the results folder).
    pub scenario_file: String,
    /// FNV-1a hash of the scenario file's bytes ([`scenario_hash`]), in hex.
    pub scenario_hash: String,
    /// Seed of the run (of every cell or candidate).
    pub seed: u64,
    /// Trials of the whole run (of every cell or candidate).
    pub trials: u64,
    /// Sampling asked for on the command line (`random` or `lhs`), if any.
    pub sampling: Option<String>,
    /// Number of shards `N`.
    pub shards: u64,
    /// This shard's number `I`, from 1 to `N`.
    pub shard: u64,
}

impl Origin {
    /// The origin of shard `I` of `N` (`spec`: `(I, N)`) of `trials` trials of the
    /// scenario file `file` whose bytes are `text`, on `seed`, written by this outsim in
    /// layout `format`.
    pub fn new(
        format: u32,
        file: &Path,
        text: &[u8],
        (seed, trials, sampling): (u64, u64, Option<String>),
        (shard, shards): (u64, u64),
    ) -> Self {
        Origin {
            format,
            outsim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_file: file.display().to_string(),
            scenario_hash: scenario_hash(text),
            seed,
            trials,
            sampling,
            shards,
            shard,
        }
    }
}

/// What a shard is part of and what it holds: `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Where it comes from.
    #[serde(flatten)]
    pub origin: Origin,
    /// The trials this shard ran: from `first_trial`...
    pub first_trial: u64,
    /// ...to `end_trial`, exclusive.
    pub end_trial: u64,
    /// Strategies of the scenario.
    pub strategies: u64,
    /// Inputs drawn once per trial.
    pub inputs_per_trial: u64,
}

impl Manifest {
    /// Size `blocks.bin` must have for what the manifest says it holds.
    /// `None` when that size would not fit in 64 bits (no manifest outsim writes).
    pub fn blocks_bytes(&self) -> Option<u64> {
        let trials = u128::from(self.end_trial.saturating_sub(self.first_trial));
        let blocks = trials.div_ceil(BLOCK_TRIALS as u128);
        let per_trial =
            u128::from(self.strategies) * METRICS as u128 + u128::from(self.inputs_per_trial);
        u64::try_from(blocks * 32 + trials * per_trial * 8).ok()
    }
}

/// The trials shard `shard` of `shards` runs, of a run of `trials` trials: whole blocks
/// of [`BLOCK_TRIALS`], block `b` of `B` going to shard `floor(b N / B) + 1`, so shards
/// differ by at most one block. Empty when there are more shards than blocks.
pub fn shard_trials(trials: u64, shards: u64, shard: u64) -> Range<u64> {
    let blocks = u128::from(trials.div_ceil(BLOCK_TRIALS as u64));
    let n = u128::from(shards.max(1));
    let i = u128::from(shard.clamp(1, shards.max(1)));
    let first_block = (i - 1) * blocks / n;
    let end_block = i * blocks / n;
    let at = |block: u128| {
        (block as u64)
            .saturating_mul(BLOCK_TRIALS as u64)
            .min(trials)
    };
    at(first_block)..at(end_block)
}

/// FNV-1a (64-bit) of `bytes`: tells one scenario file from another (not a defence
/// against forgery).
pub fn scenario_hash(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The engine's sink of a shard: writes every block it is handed to `blocks.bin`, and
/// its exits and failures to `events.bin` beside it.
#[derive(Debug)]
pub struct BlocksWriter {
    path: PathBuf,
    out: BufWriter<fs::File>,
    events_path: PathBuf,
    events_out: BufWriter<fs::File>,
    /// The inputs of the next block, handed over before its outputs.
    inputs: Vec<f64>,
    /// The exits and failures of the next block, encoded, handed over before its
    /// outputs.
    events: Vec<u8>,
    strategies: usize,
    /// Inputs drawn per trial, as seen in the blocks written.
    inputs_per_trial: Option<usize>,
}

impl BlocksWriter {
    /// Create `blocks.bin` and `events.bin` in `folder` for blocks of a scenario of
    /// `strategies` strategies.
    ///
    /// # Errors
    ///
    /// [`ShardError::Io`] when a file cannot be created.
    pub fn create(folder: &Path, strategies: usize) -> Result<Self, ShardError> {
        let path = folder.join(BLOCKS);
        let file = fs::File::create(&path).map_err(io(&path))?;
        let events_path = folder.join(EVENTS);
        let events_file = fs::File::create(&events_path).map_err(io(&events_path))?;
        Ok(BlocksWriter {
            path,
            out: BufWriter::with_capacity(1 << 20, file),
            events_path,
            events_out: BufWriter::new(events_file),
            inputs: Vec::new(),
            events: Vec::new(),
            strategies,
            inputs_per_trial: None,
        })
    }

    /// Flush and close the file; returns the inputs drawn per trial (`None` when no
    /// block was written).
    ///
    /// # Errors
    ///
    /// [`ShardError::Io`] when the data cannot reach the disk.
    pub fn finish(mut self) -> Result<Option<usize>, ShardError> {
        self.out.flush().map_err(io(&self.path))?;
        self.out.get_ref().sync_all().map_err(io(&self.path))?;
        self.events_out.flush().map_err(io(&self.events_path))?;
        self.events_out
            .get_ref()
            .sync_all()
            .map_err(io(&self.events_path))?;
        Ok(self.inputs_per_trial)
    }

    fn write_block(&mut self, first_trial: u64, metrics: &[TrialMetrics]) -> std::io::Result<()> {
        let trials = metrics.len() / self.strategies.max(1);
        let per_trial = self.inputs.len() / trials.max(1);
        if trials > 0 && *self.inputs_per_trial.get_or_insert(per_trial) != per_trial {
            return Err(std::io::Error::other(
                "blocks hold different numbers of inputs per trial",
            ));
        }
        let mut bytes = Vec::with_capacity(32 + 8 * (metrics.len() * METRICS + self.inputs.len()));
        let mut put = |x: u64| bytes.extend_from_slice(&x.to_le_bytes());
        put(first_trial);
        put(trials as u64);
        put((metrics.len() * METRICS) as u64);
        for m in metrics {
            for x in m.values() {
                put(x.to_bits());
            }
        }
        put(self.inputs.len() as u64);
        for x in &self.inputs {
            put(x.to_bits());
        }
        self.inputs.clear();
        self.out.write_all(&bytes)
    }
}

/// One block's exits and failures as `events.bin` holds them: its first trial, the
/// number of strategies, then per strategy the number of vendors and per vendor the
/// trials it was left and failed in, the cost of leaving (bits), and the two month
/// histograms, each a length and its counts; every word a little-endian `u64`.
fn encode_events(first_trial: u64, events: &[&[VendorEvents]]) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut put = |x: u64| bytes.extend_from_slice(&x.to_le_bytes());
    put(first_trial);
    put(events.len() as u64);
    for vendors in events {
        put(vendors.len() as u64);
        for v in *vendors {
            put(v.left);
            put(v.failed);
            put(v.leave_cost.to_bits());
            for months in [&v.left_months, &v.failed_months] {
                put(months.len() as u64);
                for &c in months {
                    put(c);
                }
            }
        }
    }
    bytes
}

/// The next block's exits and failures from `reader` ([`encode_events`]), which must
/// start at `first_trial` and hold `strategies` strategies.
fn read_events(
    reader: &mut impl Read,
    path: &Path,
    first_trial: u64,
    strategies: usize,
) -> Result<Vec<Vec<VendorEvents>>, ShardError> {
    let mut next = || -> Result<u64, ShardError> {
        let mut word = [0u8; 8];
        reader
            .read_exact(&mut word)
            .map_err(|_| corrupt(path, "ends before the last block's events"))?;
        Ok(u64::from_le_bytes(word))
    };
    if next()? != first_trial || next()? != strategies as u64 {
        return Err(corrupt(path, "its blocks are not those of blocks.bin"));
    }
    // No count can exceed the trials of a block or a horizon of 1,200 months.
    let bounded = |n: u64, most: u64| {
        if n > most {
            Err(corrupt(path, "a count is larger than a block allows"))
        } else {
            Ok(n as usize)
        }
    };
    let mut all = Vec::with_capacity(strategies);
    for _ in 0..strategies {
        let vendors = bounded(next()?, 1 << 16)?;
        let mut list = Vec::with_capacity(vendors);
        for _ in 0..vendors {
            let left = next()?;
            let failed = next()?;
            let leave_cost = f64::from_bits(next()?);
            let mut months = || -> Result<Vec<u64>, ShardError> {
                let n = bounded(next()?, 1 << 16)?;
                (0..n).map(|_| next()).collect()
            };
            let left_months = months()?;
            let failed_months = months()?;
            list.push(VendorEvents {
                left,
                failed,
                left_months,
                failed_months,
                leave_cost,
            });
        }
        all.push(list);
    }
    Ok(all)
}

impl TrialSink for BlocksWriter {
    fn accept(&mut self, first_trial: u64, metrics: &[TrialMetrics]) -> Result<(), SinkError> {
        let events = std::mem::take(&mut self.events);
        if let Err(source) = self.events_out.write_all(&events) {
            let path = self.events_path.clone();
            return Err(Box::new(ShardError::Io { path, source }));
        }
        let path = self.path.clone();
        self.write_block(first_trial, metrics)
            .map_err(|source| Box::new(ShardError::Io { path, source }) as SinkError)
    }

    fn accept_events(
        &mut self,
        first_trial: u64,
        events: &[&[VendorEvents]],
    ) -> Result<(), SinkError> {
        self.events = encode_events(first_trial, events);
        Ok(())
    }

    fn wants_inputs(&self) -> bool {
        true
    }

    fn accept_inputs(&mut self, _first_trial: u64, inputs: &[f64]) -> Result<(), SinkError> {
        self.inputs.clear();
        self.inputs.extend_from_slice(inputs);
        Ok(())
    }
}

/// Whether the `events.bin` in `folder` holds exactly one entry for each block the
/// shard of `manifest` ran, in order, and nothing more.
///
/// # Errors
///
/// [`ShardError::Io`] when the file cannot be read; [`ShardError::Corrupt`] when it is
/// not what [`BlocksWriter`] writes for that shard.
pub fn check_events(folder: &Path, manifest: &Manifest) -> Result<(), ShardError> {
    let path = folder.join(EVENTS);
    let bytes = fs::read(&path).map_err(io(&path))?;
    let mut reader = bytes.as_slice();
    let strategies =
        usize::try_from(manifest.strategies).map_err(|_| corrupt(&path, "too many strategies"))?;
    let mut first = manifest.first_trial;
    while first < manifest.end_trial {
        read_events(&mut reader, &path, first, strategies)?;
        first = first.saturating_add(BLOCK_TRIALS as u64);
    }
    if reader.is_empty() {
        Ok(())
    } else {
        Err(corrupt(&path, "holds more blocks than blocks.bin"))
    }
}

/// The blocks of the `blocks.bin` and `events.bin` in `folder`, of a scenario of
/// `strategies` strategies, one at a time in file order; an error (then nothing more)
/// when a file is not what [`BlocksWriter`] writes.
///
/// # Errors
///
/// [`ShardError::Io`] when a file cannot be opened.
pub fn read_blocks(
    folder: &Path,
    strategies: usize,
) -> Result<impl Iterator<Item = Result<ReplayBlock, SinkError>> + use<>, ShardError> {
    let path = folder.join(BLOCKS);
    let file = fs::File::open(&path).map_err(io(&path))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let events_path = folder.join(EVENTS);
    let events_file = fs::File::open(&events_path).map_err(io(&events_path))?;
    let mut events_reader = BufReader::new(events_file);
    let mut failed = false;
    Ok(std::iter::from_fn(move || {
        if failed {
            return None;
        }
        let block = match read_block(&mut reader, &path, strategies) {
            Ok(Some(mut block)) => read_events(
                &mut events_reader,
                &events_path,
                block.first_trial,
                strategies,
            )
            .map(|events| {
                block.events = events;
                block
            }),
            Ok(None) => {
                // After the last block, nothing may be left of the events.
                let mut rest = [0u8; 1];
                match events_reader.read(&mut rest) {
                    Ok(0) => return None,
                    Ok(_) => Err(corrupt(&events_path, "holds more blocks than blocks.bin")),
                    Err(e) => Err(io(&events_path)(e)),
                }
            }
            Err(e) => Err(e),
        };
        failed = block.is_err();
        Some(block.map_err(|e| Box::new(e) as SinkError))
    }))
}

/// The next block of `reader`, `None` at the end of the file.
fn read_block(
    reader: &mut impl Read,
    path: &Path,
    strategies: usize,
) -> Result<Option<ReplayBlock>, ShardError> {
    let mut first = [0u8; 8];
    match reader.read(&mut first).map_err(io(path))? {
        0 => return Ok(None),
        n if n < 8 => reader.read_exact(&mut first[n..]).map_err(io(path))?,
        _ => {}
    }
    let mut next = || -> Result<u64, ShardError> {
        let mut word = [0u8; 8];
        reader
            .read_exact(&mut word)
            .map_err(|_| corrupt(path, "ends in the middle of a block"))?;
        Ok(u64::from_le_bytes(word))
    };
    let first_trial = u64::from_le_bytes(first);
    let trials = next()?;
    let values = next()?;
    if trials > BLOCK_TRIALS as u64 || values != trials * (strategies * METRICS) as u64 {
        return Err(corrupt(path, "a block's size is not that of the scenario"));
    }
    let mut metrics = Vec::with_capacity((trials as usize) * strategies);
    let mut row = [0.0; METRICS];
    for _ in 0..trials as usize * strategies {
        for x in &mut row {
            *x = f64::from_bits(next()?);
        }
        metrics.push(TrialMetrics::from_values(&row));
    }
    let inputs = next()?;
    if inputs > trials.saturating_mul(1 << 20) {
        return Err(corrupt(path, "a block holds too many inputs"));
    }
    let input_values = (0..inputs)
        .map(|_| next().map(f64::from_bits))
        .collect::<Result<_, _>>()?;
    Ok(Some(ReplayBlock {
        first_trial,
        trials,
        metrics,
        input_values,
        events: Vec::new(),
    }))
}

/// `monthly.bin`: the month-by-month sketches, every count and bound as a `u64`
/// (little-endian).
pub fn encode_monthly(monthly: &MonthlySketches) -> Vec<u8> {
    let mut bytes = MONTHLY_MAGIC.to_vec();
    let mut put = |x: u64| bytes.extend_from_slice(&x.to_le_bytes());
    put(monthly.horizon as u64);
    put(monthly.trials);
    put(monthly.sketches.len() as u64);
    for point in &monthly.sketches {
        for sketch in point {
            let state = sketch.state();
            put(state.count);
            put(state.zeros);
            put(u64::from(state.offset));
            put(state.min.to_bits());
            put(state.max.to_bits());
            put(state.buckets.len() as u64);
            for &c in &state.buckets {
                put(u64::from(c));
            }
        }
    }
    for list in [&monthly.shortfall, &monthly.broke, &monthly.active] {
        put(list.len() as u64);
        for &x in list {
            put(x);
        }
    }
    bytes
}

/// The sketches [`encode_monthly`] wrote to `bytes` (read from `path`, named in errors).
///
/// # Errors
///
/// [`ShardError::Corrupt`] when `bytes` are not what [`encode_monthly`] writes.
pub fn decode_monthly(bytes: &[u8], path: &Path) -> Result<MonthlySketches, ShardError> {
    let bad = || corrupt(path, "not the month-by-month sketches outsim writes");
    let body = bytes.strip_prefix(MONTHLY_MAGIC).ok_or_else(bad)?;
    let mut words = body.chunks_exact(8);
    if !words.remainder().is_empty() {
        return Err(bad());
    }
    let mut next = || -> Result<u64, ShardError> {
        let word = words.next().ok_or_else(bad)?;
        let mut array = [0u8; 8];
        array.copy_from_slice(word);
        Ok(u64::from_le_bytes(array))
    };
    let words_left = (body.len() / 8) as u64;
    let horizon = next()? as usize;
    let trials = next()?;
    let points = next()?;
    if points > words_left {
        return Err(bad());
    }
    let mut sketches = Vec::with_capacity(points as usize);
    for _ in 0..points {
        let mut point: [QuantileSketch; 5] = std::array::from_fn(|_| QuantileSketch::new());
        for sketch in &mut point {
            let count = next()?;
            let zeros = next()?;
            let offset = u32::try_from(next()?).map_err(|_| bad())?;
            let min = f64::from_bits(next()?);
            let max = f64::from_bits(next()?);
            let buckets = next()?;
            if buckets > words_left {
                return Err(bad());
            }
            let buckets = (0..buckets)
                .map(|_| next().and_then(|c| u32::try_from(c).map_err(|_| bad())))
                .collect::<Result<_, _>>()?;
            *sketch = QuantileSketch::from_state(SketchState {
                count,
                zeros,
                offset,
                buckets,
                min,
                max,
            })
            .ok_or_else(bad)?;
        }
        sketches.push(point);
    }
    let mut list = || -> Result<Vec<u64>, ShardError> {
        let n = next()?;
        if n > words_left {
            return Err(bad());
        }
        (0..n).map(|_| next()).collect()
    };
    let shortfall = list()?;
    let broke = list()?;
    let active = list()?;
    if words.next().is_some() || shortfall.len() != sketches.len() || broke.len() != sketches.len()
    {
        return Err(bad());
    }
    Ok(MonthlySketches {
        horizon,
        trials,
        sketches,
        shortfall,
        broke,
        active,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_take_whole_blocks_that_cover_the_run_once() {
        let block = BLOCK_TRIALS as u64;
        for (trials, shards) in [(10 * block + 5, 3), (block, 1), (3 * block, 7), (1, 2)] {
            let mut next = 0;
            for i in 1..=shards {
                let range = shard_trials(trials, shards, i);
                assert_eq!(range.start, next, "{trials} trials, shard {i} of {shards}");
                assert!(range.start % block == 0);
                next = range.end;
            }
            assert_eq!(next, trials);
        }
    }

    #[test]
    fn trial_outputs_survive_their_values() {
        let m = TrialMetrics {
            cost_npv: 1.5,
            leavers: 7,
            objectives_met: true,
            first_exit_month: 3,
            service_level: f64::from_bits(0x3fef_ffff_ffff_ffff),
            ..TrialMetrics::default()
        };
        assert_eq!(TrialMetrics::from_values(&m.values()), m);
    }

    #[test]
    fn monthly_sketches_survive_encoding_and_corruption_is_refused() {
        let mut sketch = QuantileSketch::new();
        for x in [0.0, 1.0, 2.5, 1e6] {
            sketch.add(x);
        }
        let monthly = MonthlySketches {
            horizon: 1,
            trials: 4,
            sketches: vec![std::array::from_fn(|_| sketch.clone())],
            shortfall: vec![2],
            broke: vec![1],
            active: vec![4, 3],
        };
        let path = Path::new("monthly.bin");
        let bytes = encode_monthly(&monthly);
        let back = decode_monthly(&bytes, path).expect("decodes");
        assert_eq!(back.sketches, monthly.sketches);
        assert_eq!(
            (back.shortfall, back.broke, back.active),
            (vec![2], vec![1], vec![4, 3])
        );
        assert!(decode_monthly(&bytes[..bytes.len() - 8], path).is_err());
        assert!(decode_monthly(&bytes[1..], path).is_err());
    }
}
