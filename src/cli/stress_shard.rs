//! `outsim stress --shard I/N`: run one shard of a stress grid's cells and write its
//! shard folder ([`crate::output::stress_shard`]); and the merge of such shards back
//! into the `stress/` folder one `outsim stress` would have written.
//!
//! A grid splits by cells, not by blocks of trials: every cell is a whole run of its
//! variant on the same trials and seed, so a shard computes exactly the cells a single
//! run computes, and the merge only puts the finished cells back in grid order and hands
//! them to the writers of `outsim stress`.

use std::fs;
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::budget::{self, Estimate};
use super::shard::{self, ShardSpec, Staging, sampling_name};
use super::stress::{self, Loaded};
use super::{CliError, MergeArgs, MetricArg, Settings, print_out};
use crate::analysis::stress::{self as analysis, StressCell, StressPlan};
use crate::analysis::variants::parse_vary;
use crate::output::folder;
use crate::output::shard::{self as run_format, ShardError};
use crate::output::stress_shard::{self as format, StressManifest};
use crate::scenario::Scenario;

/// A stress grid to shard: the scenario, its validated cells, and the options that
/// decide the results.
pub(super) struct Job<'a> {
    pub(super) loaded: &'a Loaded,
    pub(super) plan: &'a StressPlan,
    /// The `--vary` options as given.
    pub(super) vary: &'a [String],
    pub(super) metric: MetricArg,
}

/// The name of the stress shard folder of `stem`: `<stem>.stress-shard-I-of-N`.
fn folder_name(stem: &str, index: &str, count: u64) -> String {
    format!("{stem}.stress-shard-{index}-of-{count}")
}

/// `--metric` as the manifest records it (the option's own spelling).
fn metric_name(metric: MetricArg) -> String {
    metric
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// Run shard `spec` of the cells of `job` (with the trials, seed and sampling of
/// `settings`, else the file's) and write its shard folder
/// under `--out`.
pub(super) fn run_shard(
    job: &Job<'_>,
    settings: &Settings,
    estimate: Estimate,
    spec: ShardSpec,
) -> Result<(), CliError> {
    let loaded = job.loaded;
    let artifacts = settings.open_out()?;
    budget::check(estimate, artifacts.out(), false)?;
    let stem = folder::plain_stem(&loaded.file).map_err(|e| CliError::artifact(None, e))?;
    let target = shard::target(
        artifacts.out(),
        &folder_name(&stem, &spec.index.to_string(), spec.count),
    )?;
    let total = job.plan.cells.len() as u64;
    let range = format::shard_cells(total, spec.count, spec.index);
    let cells = range.start as usize..range.end as usize;
    let options = settings.run_options(&loaded.scenario);
    let (trials, seed) = (options.trials, options.seed);
    let pool = settings.pool()?;
    let bar = settings.progress_bar(trials * (range.end - range.start));
    let progress = |n| bar.inc(n);
    let run = pool.install(|| analysis::run_cells(job.plan, cells, options.progress(&progress)));
    bar.finish_and_clear();
    let cells = run.map_err(|e| stress::stopped(loaded, e))?;
    let manifest = StressManifest {
        kind: format::KIND.to_string(),
        format: format::FORMAT,
        outsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_file: loaded.file.display().to_string(),
        scenario_hash: run_format::scenario_hash(loaded.text.as_bytes()),
        seed,
        trials,
        sampling: sampling_name(settings.sampling),
        vary: job.vary.to_vec(),
        metric: metric_name(job.metric),
        shards: spec.count,
        shard: spec.index,
        cells: total,
        first_cell: range.start,
        end_cell: range.end,
        strategies: loaded.scenario.strategies.len() as u64,
    };
    let failed = |e: ShardError| CliError::Failed(format!("{}: {e}", loaded.file.display()));
    let manifest = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| CliError::Failed(format!("{}: manifest: {e}", loaded.file.display())))?;
    Staging::new(&target)
        .and_then(|staging| {
            staging.finish(
                &target,
                [
                    (format::CELLS, format::encode_cells(&cells)),
                    (run_format::SCENARIO, loaded.text.as_bytes().to_vec()),
                    (run_format::MANIFEST, manifest),
                ],
            )
        })
        .map_err(failed)?;
    if !settings.quiet {
        print_out(&format!(
            "{}: stress shard {}/{} (cells {}..{} of {}, {} trials each) written to {}\n",
            loaded.file.display(),
            spec.index,
            spec.count,
            range.start,
            range.end,
            total,
            trials,
            target.display()
        ));
    }
    Ok(())
}

/// One stress shard folder, its manifest read.
struct Shard {
    folder: PathBuf,
    manifest: StressManifest,
}

/// A shard that cannot be used: invalid input, nothing written.
fn refuse<T>(text: String) -> Result<T, CliError> {
    Err(CliError::Invalid(format!("{text}; nothing was written")))
}

/// Merge the stress shards whose folders and manifests' bytes are `found` into
/// `<out>/<stem>/stress/`, as `outsim stress` would have written it.
pub(super) fn merge(found: Vec<(PathBuf, Vec<u8>)>, args: MergeArgs) -> Result<(), CliError> {
    // A stress grid writes neither file: a flag that would skip one asks for a run merge.
    for (given, flag) in [
        (args.no_xlsx, "--no-xlsx"),
        (args.no_trials_file, "--no-trials-file"),
    ] {
        if given {
            return refuse(format!(
                "{flag} applies to run shards only: a stress grid writes no results.xlsx or trials.parquet; nothing was written"
            ));
        }
    }
    let mut shards = Vec::with_capacity(found.len());
    for (folder, bytes) in found {
        let manifest: StressManifest = serde_json::from_slice(&bytes).map_err(|e| {
            CliError::Invalid(format!(
                "{}: not a stress shard manifest outsim writes ({e}); nothing was written",
                folder.join(run_format::MANIFEST).display()
            ))
        })?;
        shards.push(Shard { folder, manifest });
    }
    check_shards(&shards)?;
    shards.sort_by_key(|s| s.manifest.shard);
    let first = &shards[0];
    let m = &first.manifest;
    let scenario_path = first.folder.join(run_format::SCENARIO);
    let text = fs::read_to_string(&scenario_path)
        .or_else(|e| refuse(format!("{}: cannot read: {e}", scenario_path.display())))?;
    let file = PathBuf::from(&m.scenario_file);
    let scenario = Scenario::from_toml_str(&text, &file)
        .or_else(|e| refuse(format!("{}: {e}", scenario_path.display())))?;
    let manifest_path = first.folder.join(run_format::MANIFEST);
    let metric = MetricArg::from_str(&m.metric, false).or_else(|_| {
        refuse(format!(
            "{}: unknown metric {:?}",
            manifest_path.display(),
            m.metric
        ))
    })?;
    let varies = m
        .vary
        .iter()
        .map(|v| parse_vary(v))
        .collect::<Result<Vec<_>, _>>()
        .or_else(|e| refuse(format!("{}: {e}", manifest_path.display())))?;
    let plan = analysis::plan(&text, &file, &varies)
        .or_else(|e| refuse(format!("{}: {e}", manifest_path.display())))?;
    if plan.cells.len() as u64 != m.cells || scenario.strategies.len() as u64 != m.strategies {
        return refuse(format!(
            "{}: the manifest does not match its {}",
            manifest_path.display(),
            run_format::SCENARIO
        ));
    }
    let mut cells: Vec<StressCell> = Vec::with_capacity(plan.cells.len());
    for s in &shards {
        let path = s.folder.join(format::CELLS);
        let bytes =
            fs::read(&path).or_else(|e| refuse(format!("{}: cannot read: {e}", path.display())))?;
        let theirs = format::decode_cells(&bytes, &path).or_else(|e| refuse(e.to_string()))?;
        let range = s.manifest.first_cell as usize..s.manifest.end_cell as usize;
        if theirs.len() != range.len() {
            return refuse(format!(
                "{}: holds {} cells, its manifest says {}: run shard {}/{} again",
                path.display(),
                theirs.len(),
                range.len(),
                s.manifest.shard,
                s.manifest.shards
            ));
        }
        for (cell, (levels, variant)) in theirs.iter().zip(&plan.cells[range]) {
            let names = variant.strategies.iter().map(|x| x.name.as_str());
            if cell.levels != *levels
                || cell.summary.len() != variant.strategies.len()
                || !cell.summary.iter().map(|x| x.strategy.as_str()).eq(names)
            {
                return refuse(format!(
                    "{}: its cells are not those of the grid its manifest names: run shard {}/{} again",
                    path.display(),
                    s.manifest.shard,
                    s.manifest.shards
                ));
            }
        }
        cells.extend(theirs);
    }
    let grid = analysis::grid(&plan, m.trials, m.seed, cells);
    let loaded = Loaded {
        file,
        text,
        scenario,
    };
    let settings = super::merge::settings(&args);
    let artifacts = settings.open_out()?;
    let results = artifacts
        .results_folder(&loaded.file)
        .map_err(|e| CliError::artifact(Some(&loaded.file), e))?;
    let pool = settings.pool()?;
    stress::finish(&grid, metric, &settings, &pool, &results, &loaded)
}

/// Check that `shards` are every shard of one stress grid, each once and whole.
fn check_shards(shards: &[Shard]) -> Result<(), CliError> {
    let Some(first) = shards.first() else {
        return refuse("no shard folders given".to_string());
    };
    let m = &first.manifest;
    for s in shards {
        let o = &s.manifest;
        let name = s.folder.display();
        let written = super::merge::Written {
            version: &o.outsim_version,
            format: o.format,
            ours: o.kind == format::KIND && o.format == format::FORMAT,
            layout: "stress shard format",
            current: format::FORMAT,
        };
        let differs = [
            ("scenario file (hash)", o.scenario_hash != m.scenario_hash),
            ("seed", o.seed != m.seed),
            ("trial count", o.trials != m.trials),
            ("sampling", o.sampling != m.sampling),
            ("--vary options", o.vary != m.vary),
            ("--metric", o.metric != m.metric),
            ("shard count N", o.shards != m.shards),
            ("cell count", o.cells != m.cells),
            ("strategies", o.strategies != m.strategies),
        ];
        if let Some(why) =
            super::merge::not_one_of(&name, &written, &first.folder, "stress grid", &differs)
        {
            return refuse(why);
        }
        let expected = format::shard_cells(o.cells, o.shards, o.shard);
        if o.shard == 0 || o.shard > o.shards || (o.first_cell..o.end_cell) != expected {
            return refuse(format!(
                "{name}: shard {}/{} should hold cells {}..{}, its manifest says {}..{}",
                o.shard, o.shards, expected.start, expected.end, o.first_cell, o.end_cell
            ));
        }
        let text = fs::read(s.folder.join(run_format::SCENARIO)).unwrap_or_default();
        if run_format::scenario_hash(&text) != o.scenario_hash {
            return refuse(format!(
                "{name}: its {} is not the scenario file the shard ran (changed or missing)",
                run_format::SCENARIO
            ));
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
    super::merge::check_every_shard(&present, m.shards, &folder_name(&stem, "I", m.shards))
}
