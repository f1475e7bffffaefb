//! `outsim merge SHARD...`: put the shard folders of a run split with `run --shard I/N`
//! back together into the results folder one run would have written. Shards of
//! `stress --shard I/N` (their manifest's `kind` is `stress`) go to
//! [`super::stress_shard::merge`] instead; a mix of the two is refused.
//!
//! Every shard is checked before anything is written: they must come from the same
//! scenario file (by hash), seed, trial count, sampling, shard count and outsim
//! version, every `I` from 1 to `N` once, each holding exactly the trials `I` of `N`
//! runs. The shards' blocks are then replayed in trial order through the engine's
//! reduction ([`engine::replay`]) and the very writers of `outsim run`, so the folder is
//! byte for byte that of a single run (`run.json`'s `threads`, `wall_time_seconds` and
//! `file` aside).

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::run::{self, Job, Plan};
use super::stress::Loaded;
use super::{CliError, MergeArgs, Settings, optimize_shard, print_out, shard, stress_shard};
use crate::engine::{self, MonthlySketches, ReplayBlock, SinkError};
use crate::output::optimize_shard as optimize_format;
use crate::output::shard::{self as format, Manifest, Origin, ShardError};
use crate::output::stress_shard as stress_format;
use crate::output::xlsx;
use crate::scenario::{Sampling, Scenario};

/// The output options of a merge, as `Settings`.
pub(super) fn settings(args: &MergeArgs) -> Settings {
    Settings::output(args.output.clone())
}

pub(super) fn merge(args: MergeArgs) -> Result<(), CliError> {
    let found = read_manifests(&args.shards)?;
    let kinds: Vec<Option<String>> = found.iter().map(|(_, bytes)| kind_of(bytes)).collect();
    if let Some(other) = kinds.iter().position(|k| *k != kinds[0]) {
        let command = |k: &Option<String>| match k.as_deref() {
            Some(stress_format::KIND) => "`outsim stress`",
            Some(optimize_format::KIND) => "`outsim optimize`",
            _ => "`outsim run`",
        };
        return Err(CliError::Invalid(format!(
            "{} is a shard of {}, {} of {}: merge each command's shards on their own; nothing was written",
            found[0].0.display(),
            command(&kinds[0]),
            found[other].0.display(),
            command(&kinds[other])
        )));
    }
    match kinds.first().cloned().flatten().as_deref() {
        Some(stress_format::KIND) => return stress_shard::merge(found, args),
        Some(optimize_format::KIND) => return optimize_shard::merge(found, args),
        _ => {}
    }
    let settings = settings(&args);
    let (shards, loaded) = open_set::<Manifest>(found, |stem, count| {
        shard::folder_name(stem, shard::ShardSpec { index: 1, count })
            .replace("shard-1-of", "shard-I-of")
    })?;
    check_blocks(&shards)?;
    let (first_folder, first) = &shards[0];
    let Loaded {
        file, mut scenario, ..
    } = loaded;
    if let Some(sampling) = sampling_of(first_folder, &first.origin)? {
        scenario.meta.sampling = sampling;
    }
    if scenario.strategies.len() as u64 != first.strategies {
        return Err(CliError::Invalid(format!(
            "{}: the manifest does not match its scenario.toml; nothing was written",
            first_folder.display()
        )));
    }
    let monthly = shards
        .iter()
        .map(|(folder, _)| {
            let path = folder.join(format::MONTHLY);
            let bytes = fs::read(&path)
                .map_err(|e| CliError::Invalid(format!("{}: cannot read: {e}", path.display())))?;
            format::decode_monthly(&bytes, &path).map_err(refused)
        })
        .collect::<Result<Vec<MonthlySketches>, CliError>>()?;
    let stem = crate::output::folder::plain_stem(&file)
        .map_err(|e| CliError::Invalid(format!("{e}; nothing was written")))?;
    let job = Job {
        file,
        stem,
        scenario,
        trials: first.origin.trials,
        seed: first.origin.seed,
    };
    let plan = Plan {
        settings,
        precision: None,
        trials_file: !args.no_trials_file,
        workbook: !args.no_xlsx,
    };
    if plan.workbook {
        xlsx::fits(job.scenario.strategies.len(), job.scenario.horizon()).map_err(|e| {
            CliError::Invalid(format!("{}: {e}; nothing was written", job.file.display()))
        })?;
    }
    let artifacts = plan.settings.open_out()?;
    let folder = artifacts
        .results_folder(&job.file)
        .map_err(|e| CliError::artifact(Some(&job.file), e))?;
    let strategies = job.scenario.strategies.len();
    let mut readers = Vec::with_capacity(shards.len());
    for (folder, _) in &shards {
        readers.push(format::read_blocks(folder, strategies).map_err(refused)?);
    }
    let blocks = in_order(readers.into_iter().flatten(), job.trials);
    let bar = plan.settings.progress_bar(job.trials);
    let pool = plan.settings.pool()?;
    let finished = pool.install(|| {
        run::run_job(&job, &folder, &plan, &|n| bar.inc(n), |options| {
            engine::replay(&job.scenario, options, blocks, monthly)
        })
    });
    bar.finish_and_clear();
    let finished = finished?;
    if !plan.settings.quiet {
        print_out(&finished.table);
    }
    Ok(())
}

/// A shard that cannot be used: invalid input, nothing written.
fn refused(e: ShardError) -> CliError {
    CliError::Invalid(format!("{e}; nothing was written"))
}

/// The blocks of every shard, checked to follow each other from trial 0 to `trials`
/// with no gap or overlap.
fn in_order(
    blocks: impl Iterator<Item = Result<ReplayBlock, SinkError>>,
    trials: u64,
) -> impl Iterator<Item = Result<ReplayBlock, SinkError>> {
    let mut next = 0u64;
    let mut ended = false;
    blocks
        .map(move |block| {
            let block = block?;
            if block.first_trial != next || block.first_trial + block.trials > trials {
                return Err(format!(
                    "the shards' blocks do not follow each other: expected trial {next}, found a block of trials {}..{}",
                    block.first_trial,
                    block.first_trial + block.trials
                )
                .into());
            }
            next += block.trials;
            Ok(block)
        })
        .take_while(move |block| {
            let go = !ended;
            ended |= block.is_err();
            go
        })
}

/// The shard folders named by `paths`: a folder with a manifest is a shard; a folder
/// without one contributes the shard folders directly inside it. Each with its
/// manifest's bytes.
fn read_manifests(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Vec<u8>)>, CliError> {
    let mut folders = Vec::new();
    for path in paths {
        if path.join(format::MANIFEST).is_file() {
            folders.push(path.clone());
        } else if path.is_dir() {
            let entries = fs::read_dir(path).map_err(|e| {
                CliError::Invalid(format!("{}: cannot read folder: {e}", path.display()))
            })?;
            let mut found: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.join(format::MANIFEST).is_file())
                .collect();
            if found.is_empty() {
                return Err(CliError::Invalid(format!(
                    "{}: not a shard folder (no {}) and holds none; nothing was written",
                    path.display(),
                    format::MANIFEST
                )));
            }
            found.sort();
            folders.extend(found);
        } else {
            return Err(CliError::Invalid(format!(
                "{}: no such shard folder; nothing was written",
                path.display()
            )));
        }
    }
    folders
        .into_iter()
        .map(|folder| {
            let path = folder.join(format::MANIFEST);
            let bytes = fs::read(&path)
                .map_err(|e| CliError::Invalid(format!("{}: cannot read: {e}", path.display())))?;
            Ok((folder, bytes))
        })
        .collect()
}

/// The `kind` a manifest's bytes declare (`stress`, `optimize`; none for a run's).
fn kind_of(manifest: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Kind {
        kind: Option<String>,
    }
    serde_json::from_slice::<Kind>(manifest)
        .ok()
        .and_then(|k| k.kind)
}

/// Check that each run shard of `shards` holds the blocks and events its manifest says.
fn check_blocks(shards: &[(PathBuf, Manifest)]) -> Result<(), CliError> {
    for (folder, o) in shards {
        let blocks = folder.join(format::BLOCKS);
        let size = fs::metadata(&blocks).map(|meta| meta.len()).ok();
        let again = format!("run shard {}/{} again", o.origin.shard, o.origin.shards);
        if size.is_none() || size != o.blocks_bytes() {
            return Err(CliError::Invalid(format!(
                "{}: missing or not of the size its manifest says (truncated?): {again}; nothing was written",
                blocks.display()
            )));
        }
        if let Err(e) = format::check_events(folder, o) {
            return Err(CliError::Invalid(format!(
                "{e}: {again}; nothing was written"
            )));
        }
    }
    Ok(())
}

/// The sampling the shard at `folder` was run with on the command line, if any.
pub(super) fn sampling_of(folder: &Path, origin: &Origin) -> Result<Option<Sampling>, CliError> {
    match origin.sampling.as_deref() {
        None => Ok(None),
        Some("random") => Ok(Some(Sampling::Random)),
        Some("lhs") => Ok(Some(Sampling::Lhs)),
        Some(other) => Err(CliError::Invalid(format!(
            "{}: unknown sampling {other:?}; nothing was written",
            folder.join(format::MANIFEST).display()
        ))),
    }
}

/// A shard's manifest as the merge checks it, whatever the command that wrote it.
pub(super) trait ShardManifest {
    /// What the shards make together, in messages (`run`, `stress grid`, `search`).
    const JOB: &'static str;
    /// What such a shard is called in messages (`stress shard`).
    const NAME: &'static str;
    /// The layout version this outsim writes.
    const FORMAT: u32;

    /// Where it comes from.
    fn origin(&self) -> &Origin;

    /// Whether it is of the kind this merge reads (its layout version aside).
    fn of_kind(&self) -> bool;

    /// Its fields beyond [`Origin`] that every shard of one job shares, each named as in
    /// a message, with whether it differs from `first`'s.
    fn differs(&self, first: &Self) -> Vec<(&'static str, bool)>;

    /// What it holds: the name of its units (`trials`), the range it says it holds, and
    /// the range shard `I` of `N` must hold.
    fn holds(&self) -> (&'static str, Range<u64>, Range<u64>);
}

impl ShardManifest for Manifest {
    const JOB: &'static str = "run";
    const NAME: &'static str = "shard";
    const FORMAT: u32 = format::FORMAT;

    fn origin(&self) -> &Origin {
        &self.origin
    }

    fn of_kind(&self) -> bool {
        true
    }

    fn differs(&self, first: &Self) -> Vec<(&'static str, bool)> {
        vec![
            ("strategies", self.strategies != first.strategies),
            (
                "inputs per trial",
                self.inputs_per_trial != first.inputs_per_trial,
            ),
        ]
    }

    fn holds(&self) -> (&'static str, Range<u64>, Range<u64>) {
        let o = &self.origin;
        (
            "trials",
            self.first_trial..self.end_trial,
            format::shard_trials(o.trials, o.shards, o.shard),
        )
    }
}

/// A shard that cannot be used: invalid input, nothing written.
pub(super) fn refuse<T>(text: String) -> Result<T, CliError> {
    Err(CliError::Invalid(format!("{text}; nothing was written")))
}

/// The shards of one command whose folders and manifests' bytes are `found`, checked
/// to make one whole job ([`check_set`]; `pattern` names the shard folders of a stem
/// and N), sorted by `I`, and the first one's copy of the scenario file, read and
/// validated.
pub(super) fn open_set<M: ShardManifest + serde::de::DeserializeOwned>(
    found: Vec<(PathBuf, Vec<u8>)>,
    pattern: impl Fn(&str, u64) -> String,
) -> Result<(Vec<(PathBuf, M)>, Loaded), CliError> {
    let refuse = |text: String| CliError::Invalid(format!("{text}; nothing was written"));
    let mut shards = Vec::with_capacity(found.len());
    for (folder, bytes) in found {
        let manifest: M = serde_json::from_slice(&bytes).map_err(|e| {
            refuse(format!(
                "{}: not a {} manifest outsim writes ({e})",
                folder.join(format::MANIFEST).display(),
                M::NAME
            ))
        })?;
        shards.push((folder, manifest));
    }
    let set: Vec<(&Path, &M)> = shards.iter().map(|(f, m)| (f.as_path(), m)).collect();
    check_set(&set, pattern)?;
    shards.sort_by_key(|(_, m)| m.origin().shard);
    let (folder, first) = &shards[0];
    let path = folder.join(format::SCENARIO);
    let text = fs::read_to_string(&path)
        .map_err(|e| refuse(format!("{}: cannot read: {e}", path.display())))?;
    let file = PathBuf::from(&first.origin().scenario_file);
    let scenario = Scenario::from_toml_str(&text, &file)
        .map_err(|e| refuse(format!("{}: {e}", path.display())))?;
    Ok((
        shards,
        Loaded {
            file,
            text,
            scenario,
        },
    ))
}

/// Refuse `--no-xlsx` and `--no-trials-file` in `args` for shards of a job `M` that
/// writes neither file (a stress grid, a search): such a flag asks for a run merge.
pub(super) fn refuse_run_flags<M: ShardManifest>(args: &MergeArgs) -> Result<(), CliError> {
    for (given, flag) in [
        (args.no_xlsx, "--no-xlsx"),
        (args.no_trials_file, "--no-trials-file"),
    ] {
        if given {
            return Err(CliError::Invalid(format!(
                "{flag} applies to run shards only: a {} writes no results.xlsx or trials.parquet; nothing was written",
                M::JOB
            )));
        }
    }
    Ok(())
}

/// Check that `shards` (each folder with its manifest) are every shard of one job,
/// each once and whole: written by this outsim in the current layout, of one scenario
/// file (its copy unchanged), seed, trial count, sampling, N and whatever else the kind
/// of shard shares, each holding what `I` of `N` must. `pattern` names the shard folders
/// of a scenario's stem and N in the message of a missing one.
pub(super) fn check_set<M: ShardManifest>(
    shards: &[(&Path, &M)],
    pattern: impl Fn(&str, u64) -> String,
) -> Result<(), CliError> {
    let refuse = |text: String| Err(CliError::Invalid(format!("{text}; nothing was written")));
    let Some(&(first_folder, first)) = shards.first() else {
        return refuse("no shard folders given".to_string());
    };
    let m = first.origin();
    let ours = env!("CARGO_PKG_VERSION");
    for &(folder, manifest) in shards {
        let o = manifest.origin();
        let name = folder.display();
        if !manifest.of_kind() || o.format != M::FORMAT || o.outsim_version != ours {
            return refuse(format!(
                "{name} was written by outsim {} ({} format {}); this is outsim {ours} (format {}): run every shard with one version",
                o.outsim_version,
                M::NAME,
                o.format,
                M::FORMAT
            ));
        }
        let mut differs = vec![
            ("scenario file (hash)", o.scenario_hash != m.scenario_hash),
            ("seed", o.seed != m.seed),
            ("trial count", o.trials != m.trials),
            ("sampling", o.sampling != m.sampling),
            ("shard count N", o.shards != m.shards),
        ];
        differs.extend(manifest.differs(first));
        if let Some((field, _)) = differs.iter().find(|(_, d)| *d) {
            return refuse(format!(
                "{name} is a shard of another {} than {}: its {field} differs (a foreign shard)",
                M::JOB,
                first_folder.display()
            ));
        }
        let (units, held, expected) = manifest.holds();
        if o.shard == 0 || o.shard > o.shards || held != expected {
            return refuse(format!(
                "{name}: shard {}/{} should hold {units} {}..{}, its manifest says {}..{}",
                o.shard, o.shards, expected.start, expected.end, held.start, held.end
            ));
        }
        let text = fs::read(folder.join(format::SCENARIO)).unwrap_or_default();
        if format::scenario_hash(&text) != o.scenario_hash {
            return refuse(format!(
                "{name}: its {} is not the scenario file the shard ran (changed or missing)",
                format::SCENARIO
            ));
        }
    }
    let present: Vec<(u64, &Path)> = shards
        .iter()
        .map(|&(folder, manifest)| (manifest.origin().shard, folder))
        .collect();
    let stem = Path::new(&m.scenario_file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    check_every_shard(&present, m.shards, &pattern(&stem, m.shards))
}

/// Check that `present` (each shard's number `I` and folder) holds every `I` from 1 to
/// `count` once; `pattern` names the shard folders in the message of a missing one.
pub(super) fn check_every_shard(
    present: &[(u64, &Path)],
    count: u64,
    pattern: &str,
) -> Result<(), CliError> {
    let refuse = |text: String| Err(CliError::Invalid(format!("{text}; nothing was written")));
    if count > 100_000 {
        return refuse(format!("{count} shards is more than outsim writes"));
    }
    let mut seen: Vec<Option<&Path>> = vec![None; usize::try_from(count).unwrap_or(0)];
    for &(index, folder) in present {
        let Some(slot) = index.checked_sub(1).and_then(|i| seen.get_mut(i as usize)) else {
            return refuse(format!("{}: not a shard of {count}", folder.display()));
        };
        if let Some(other) = slot {
            return refuse(format!(
                "shard {index}/{count} is given twice: {} and {}",
                other.display(),
                folder.display()
            ));
        }
        *slot = Some(folder);
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{}", i + 1))
        .collect();
    if !missing.is_empty() {
        return refuse(format!(
            "shard(s) {} of {count} missing (from {pattern}): run them, or give their folders",
            missing.join(", ")
        ));
    }
    Ok(())
}
