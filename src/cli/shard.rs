//! `outsim run --shard I/N`: run one shard of each scenario's trials and write its
//! shard folder ([`crate::output::shard`]) for `outsim merge`.
//!
//! A shard runs whole blocks of the engine's trials, exactly those a single run would
//! simulate for them, and stores what the engine handed its sink losslessly; the merge
//! replays the blocks in order through the same reduction and writers as `run`. The
//! folder is written into a temporary sibling first and renamed into place, so a shard
//! folder with a manifest is always complete.

use std::fs;
use std::path::{Path, PathBuf};

use super::run::Job;
use super::stress::Loaded;
use super::{CliError, Settings, print_out};
use crate::engine::{self, RunError, RunOptions};
use crate::output::folder;
use crate::output::shard::{self, BlocksWriter, Manifest, Origin, ShardError};
use crate::scenario::{InputId, Sampling};

/// `--shard I/N`: shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ShardSpec {
    /// `I`, from 1 to `count`.
    pub(super) index: u64,
    /// `N`.
    pub(super) count: u64,
}

/// Most shards a run may be split into.
const MAX_SHARDS: u64 = 100_000;

/// Parse `I/N` with `1 <= I <= N`.
pub(super) fn parse_shard(text: &str) -> Result<ShardSpec, String> {
    let refuse = || {
        format!(
            "{text} is not I/N with 1 <= I <= N <= {MAX_SHARDS} (e.g. 3/8 for the third of eight shards)"
        )
    };
    let (i, n) = text.split_once('/').ok_or_else(refuse)?;
    let index: u64 = i.trim().parse().map_err(|_| refuse())?;
    let count: u64 = n.trim().parse().map_err(|_| refuse())?;
    if index == 0 || index > count || count > MAX_SHARDS {
        return Err(refuse());
    }
    Ok(ShardSpec { index, count })
}

/// The name of the shard folder of `stem`: `<stem>.shard-I-of-N`.
pub(super) fn folder_name(stem: &str, spec: ShardSpec) -> String {
    format!("{stem}.shard-{}-of-{}", spec.index, spec.count)
}

/// The `--sampling` override as the manifest records it.
pub(super) fn sampling_name(sampling: Option<Sampling>) -> Option<String> {
    sampling.map(|s| match s {
        Sampling::Random => "random".to_string(),
        Sampling::Lhs => "lhs".to_string(),
    })
}

/// Run shard `spec` of every job and write its shard folders under `--out`.
pub(super) fn run_shards(
    jobs: &[Job],
    settings: &Settings,
    spec: ShardSpec,
) -> Result<(), CliError> {
    let artifacts = settings.open_out()?;
    let pool = settings.pool()?;
    for job in jobs {
        let texts = fs::read(&job.file)
            .map_err(|e| CliError::Invalid(format!("{}: cannot read: {e}", job.file.display())))?;
        let trials = shard::shard_trials(job.trials, spec.count, spec.index);
        let target = target(artifacts.out(), &folder_name(&job.stem, spec))?;
        let bar = settings.progress_bar(trials.end - trials.start);
        let written = pool.install(|| {
            write_shard(job, settings, spec, &texts, trials.clone(), &target, &|n| {
                bar.inc(n)
            })
        });
        bar.finish_and_clear();
        written?;
        let holds = format!("trials {}..{} of {}", trials.start, trials.end, job.trials);
        say_written(settings, &job.file, "shard", spec, &holds, &target);
    }
    Ok(())
}

/// Simulate `trials` of `job` and write the shard folder at `target`.
fn write_shard(
    job: &Job,
    settings: &Settings,
    spec: ShardSpec,
    scenario_text: &[u8],
    trials: std::ops::Range<u64>,
    target: &Path,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), CliError> {
    let failed = |e: ShardError| CliError::Failed(format!("{}: {e}", job.file.display()));
    let staging = Staging::new(target).map_err(failed)?;
    let strategies = job.scenario.strategies.len();
    let mut blocks = BlocksWriter::create(&staging.path, strategies).map_err(failed)?;
    let options = RunOptions::new(job.trials, job.seed)
        .cancel(folder::cancellation())
        .progress(progress)
        .sink(&mut blocks);
    let raw = engine::run_trials(&job.scenario, options, trials.clone()).map_err(|e| match e {
        RunError::Cancelled => CliError::Interrupted {
            written: Vec::new(),
        },
        other => CliError::Failed(format!("{}: {other}", job.file.display())),
    })?;
    let inputs_per_trial = blocks
        .finish()
        .map_err(failed)?
        .unwrap_or_else(|| InputId::all(job.scenario.vendors.len()).len());
    let manifest = Manifest {
        origin: Origin::new(
            shard::FORMAT,
            &job.file,
            scenario_text,
            (job.seed, job.trials, sampling_name(settings.sampling)),
            (spec.index, spec.count),
        ),
        first_trial: trials.start,
        end_trial: trials.end,
        strategies: strategies as u64,
        inputs_per_trial: inputs_per_trial as u64,
    };
    let manifest = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| CliError::Failed(format!("{}: manifest: {e}", job.file.display())))?;
    staging
        .finish(
            target,
            [
                (shard::MONTHLY, shard::encode_monthly(&raw.monthly)),
                (shard::SCENARIO, scenario_text.to_vec()),
                (shard::MANIFEST, manifest),
            ],
        )
        .map_err(failed)
}

/// Where shard `spec` of a job on `loaded`'s scenario goes under `out`: the folder
/// `name(stem, I, N)` gives, refused if something else has that name there.
pub(super) fn target_of(
    out: &Path,
    loaded: &Loaded,
    spec: ShardSpec,
    name: fn(&str, &str, u64) -> String,
) -> Result<PathBuf, CliError> {
    let stem = folder::plain_stem(&loaded.file).map_err(|e| CliError::artifact(None, e))?;
    target(out, &name(&stem, &spec.index.to_string(), spec.count))
}

/// What every manifest of shard `spec` of a job on `loaded`'s scenario records of it,
/// in the folder format `format`, with the trials and seed it ran.
pub(super) fn origin_of(
    format: u32,
    loaded: &Loaded,
    settings: &Settings,
    (seed, trials): (u64, u64),
    spec: ShardSpec,
) -> Origin {
    Origin::new(
        format,
        &loaded.file,
        loaded.text.as_bytes(),
        (seed, trials, sampling_name(settings.sampling)),
        (spec.index, spec.count),
    )
}

/// Write the shard folder `target` ([`write_folder`]) and say so unless `--quiet`:
/// `what` shard `I/N` (`holds`) written to `target`.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_and_say(
    target: &Path,
    loaded: &Loaded,
    data: (&str, Vec<u8>),
    manifest: &impl serde::Serialize,
    settings: &Settings,
    what: &str,
    spec: ShardSpec,
    holds: &str,
) -> Result<(), CliError> {
    write_folder(target, loaded, data, manifest)?;
    say_written(settings, &loaded.file, what, spec, holds, target);
    Ok(())
}

/// Unless `--quiet`: `file`'s `what` `I/N` (`holds`) is written to `target`.
fn say_written(
    settings: &Settings,
    file: &Path,
    what: &str,
    spec: ShardSpec,
    holds: &str,
    target: &Path,
) {
    if !settings.quiet {
        print_out(&format!(
            "{}: {what} {}/{} ({holds}) written to {}\n",
            file.display(),
            spec.index,
            spec.count,
            target.display()
        ));
    }
}

/// Write the shard folder `target` of a job on `loaded`'s scenario: its results file
/// `data` (a name and bytes), a copy of the scenario file, and `manifest` last.
pub(super) fn write_folder(
    target: &Path,
    loaded: &Loaded,
    data: (&str, Vec<u8>),
    manifest: &impl serde::Serialize,
) -> Result<(), CliError> {
    let failed = |e: String| CliError::Failed(format!("{}: {e}", loaded.file.display()));
    let manifest =
        serde_json::to_vec_pretty(manifest).map_err(|e| failed(format!("manifest: {e}")))?;
    Staging::new(target)
        .and_then(|staging| {
            staging.finish(
                target,
                [
                    data,
                    (shard::SCENARIO, loaded.text.as_bytes().to_vec()),
                    (shard::MANIFEST, manifest),
                ],
            )
        })
        .map_err(|e| failed(e.to_string()))
}

/// The shard folder `name` in `out`, refused if something else has that name there.
pub(super) fn target(out: &Path, name: &str) -> Result<PathBuf, CliError> {
    let target = out.join(name);
    if target.exists() && !target.join(shard::MANIFEST).is_file() {
        return Err(CliError::Invalid(format!(
            "{} exists and is not a shard folder: move it away or choose another --out; nothing was written",
            target.display()
        )));
    }
    Ok(target)
}

/// A shard folder being written: a hidden sibling of its target, removed unless
/// committed.
struct Staging {
    path: PathBuf,
    committed: bool,
}

impl Staging {
    fn new(target: &Path) -> Result<Self, ShardError> {
        // Outsim's temporary pattern: a shard killed while writing leaves a folder that
        // the next command opening the same --out removes.
        let path = folder::temporary_beside(target);
        fs::create_dir_all(&path).map_err(|source| ShardError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(Staging {
            path,
            committed: false,
        })
    }

    /// Write `files` (the manifest last) into the staged folder, then put it in place of
    /// `target`.
    fn finish<const N: usize>(
        self,
        target: &Path,
        files: [(&str, Vec<u8>); N],
    ) -> Result<(), ShardError> {
        for (name, bytes) in files {
            let path = self.path.join(name);
            fs::write(&path, bytes).map_err(|source| ShardError::Io { path, source })?;
        }
        self.commit(target)
    }

    /// Replace `target` (a finished shard folder, if any) with the staged folder.
    fn commit(mut self, target: &Path) -> Result<(), ShardError> {
        let io = |source| ShardError::Io {
            path: target.to_path_buf(),
            source,
        };
        if target.exists() {
            fs::remove_dir_all(target).map_err(io)?;
        }
        fs::rename(&self.path, target).map_err(io)?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}
