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
use std::path::{Path, PathBuf};

use super::run::{self, Job, Plan};
use super::{
    ChartFormat, CliError, CommonOptions, MergeArgs, Settings, optimize_shard, print_out, shard,
    stress_shard,
};
use crate::engine::{self, MonthlySketches, ReplayBlock, SinkError};
use crate::output::optimize_shard as optimize_format;
use crate::output::shard::{self as format, Manifest, ShardError};
use crate::output::stress_shard as stress_format;
use crate::output::xlsx;
use crate::scenario::{Sampling, Scenario};

/// One shard folder, its manifest read.
struct Shard {
    folder: PathBuf,
    manifest: Manifest,
}

/// The output options of a merge, as `Settings`.
pub(super) fn settings(args: &MergeArgs) -> Settings {
    Settings::new(CommonOptions {
        trials: None,
        seed: None,
        out: args.out.clone(),
        threads: args.threads,
        sampling: None,
        quiet: args.quiet,
        no_charts: args.no_charts,
        format: if args.format.is_empty() {
            vec![ChartFormat::Png, ChartFormat::Svg]
        } else {
            args.format.clone()
        },
    })
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
    let mut shards = found
        .into_iter()
        .map(|(folder, bytes)| {
            let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
                CliError::Invalid(format!(
                    "{}: not a shard manifest outsim writes ({e}); nothing was written",
                    folder.join(format::MANIFEST).display()
                ))
            })?;
            Ok(Shard { folder, manifest })
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    check_shards(&shards)?;
    shards.sort_by_key(|s| s.manifest.shard);
    let first = &shards[0].manifest;
    let scenario_path = shards[0].folder.join(format::SCENARIO);
    let text = fs::read_to_string(&scenario_path)
        .map_err(|e| CliError::Invalid(format!("{}: cannot read: {e}", scenario_path.display())))?;
    let file = PathBuf::from(&first.scenario_file);
    let mut scenario = Scenario::from_toml_str(&text, &file)
        .map_err(|e| CliError::Invalid(format!("{e}; nothing was written")))?;
    match first.sampling.as_deref() {
        Some("lhs") => scenario.meta.sampling = Sampling::Lhs,
        Some("random") => scenario.meta.sampling = Sampling::Random,
        Some(other) => {
            return Err(CliError::Invalid(format!(
                "{}: unknown sampling {other:?}; nothing was written",
                shards[0].folder.display()
            )));
        }
        None => {}
    }
    if scenario.strategies.len() as u64 != first.strategies {
        return Err(CliError::Invalid(format!(
            "{}: the manifest does not match its scenario.toml; nothing was written",
            shards[0].folder.display()
        )));
    }
    let monthly = shards
        .iter()
        .map(|s| {
            let path = s.folder.join(format::MONTHLY);
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
        trials: first.trials,
        seed: first.seed,
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
    for s in &shards {
        readers.push(format::read_blocks(&s.folder, strategies).map_err(refused)?);
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

/// Check that `shards` are every shard of one run, each once and whole; sort them by
/// their number.
fn check_shards(shards: &[Shard]) -> Result<(), CliError> {
    let refuse = |text: String| Err(CliError::Invalid(format!("{text}; nothing was written")));
    let Some(first) = shards.first() else {
        return refuse("no shard folders given".to_string());
    };
    let m = &first.manifest;
    if m.shards > 100_000 {
        return refuse(format!(
            "{}: {} shards is more than outsim writes",
            first.folder.display(),
            m.shards
        ));
    }
    for s in shards {
        let o = &s.manifest;
        let name = s.folder.display();
        let written = Written {
            version: &o.outsim_version,
            format: o.format,
            ours: o.format == format::FORMAT,
            layout: "shard format",
            current: format::FORMAT,
        };
        let differs = [
            ("scenario file (hash)", o.scenario_hash != m.scenario_hash),
            ("seed", o.seed != m.seed),
            ("trial count", o.trials != m.trials),
            ("sampling", o.sampling != m.sampling),
            ("shard count N", o.shards != m.shards),
            ("strategies", o.strategies != m.strategies),
            ("inputs per trial", o.inputs_per_trial != m.inputs_per_trial),
        ];
        if let Some(why) = not_one_of(&name, &written, &first.folder, "run", &differs) {
            return refuse(why);
        }
        let expected = format::shard_trials(o.trials, o.shards, o.shard);
        if o.shard == 0 || o.shard > o.shards || (o.first_trial..o.end_trial) != expected {
            return refuse(format!(
                "{name}: shard {}/{} should hold trials {}..{}, its manifest says {}..{}",
                o.shard, o.shards, expected.start, expected.end, o.first_trial, o.end_trial
            ));
        }
        let text = fs::read(s.folder.join(format::SCENARIO)).unwrap_or_default();
        if format::scenario_hash(&text) != o.scenario_hash {
            return refuse(format!(
                "{name}: its {} is not the scenario file the shard ran (changed or missing)",
                format::SCENARIO
            ));
        }
        let blocks = s.folder.join(format::BLOCKS);
        let size = fs::metadata(&blocks).map(|meta| meta.len()).ok();
        if size.is_none() || size != o.blocks_bytes() {
            return refuse(format!(
                "{}: missing or not of the size its manifest says (truncated?): run shard {}/{} again",
                blocks.display(),
                o.shard,
                o.shards
            ));
        }
        if let Err(e) = format::check_events(&s.folder, o) {
            return refuse(format!("{e}: run shard {}/{} again", o.shard, o.shards));
        }
    }
    let present: Vec<(u64, &Path)> = shards
        .iter()
        .map(|s| (s.manifest.shard, s.folder.as_path()))
        .collect();
    let stem = Path::new(&m.scenario_file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pattern = shard::folder_name(
        &stem,
        shard::ShardSpec {
            index: 1,
            count: m.shards,
        },
    )
    .replace("shard-1-of", "shard-I-of");
    check_every_shard(&present, m.shards, &pattern)
}

/// How a shard says it was written: outsim's version and the layout's.
pub(super) struct Written<'a> {
    /// outsim's version that wrote it.
    pub version: &'a str,
    /// Its layout version.
    pub format: u32,
    /// Whether it is of the layout (and kind) this outsim reads.
    pub ours: bool,
    /// What the layout is called in a message (`shard format`).
    pub layout: &'a str,
    /// The layout version this outsim writes.
    pub current: u32,
}

/// Why shard folder `name` cannot be merged with the shard at `first` into one `what`
/// (`run`, `stress grid`), if it cannot: it was written by another outsim or layout, or
/// one of `differs` (a manifest field's name and whether it differs) holds, the first
/// such named.
pub(super) fn not_one_of(
    name: &dyn std::fmt::Display,
    written: &Written,
    first: &Path,
    what: &str,
    differs: &[(&str, bool)],
) -> Option<String> {
    let ours = env!("CARGO_PKG_VERSION");
    if !written.ours || written.version != ours {
        return Some(format!(
            "{name} was written by outsim {} ({} {}); this is outsim {ours} (format {}): run every shard with one version",
            written.version, written.layout, written.format, written.current
        ));
    }
    differs.iter().find(|(_, d)| *d).map(|(field, _)| {
        format!(
            "{name} is a shard of another {what} than {}: its {field} differs (a foreign shard)",
            first.display()
        )
    })
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
