//! `outsim optimize --shard I/N`: simulate one shard of the search's first batch and
//! write its shard folder ([`crate::output::optimize_shard`]); and the merge of such
//! shards, which runs the rest of the search and writes the `optimize/` folder one
//! `outsim optimize` would have written.
//!
//! The first batch (the starting strategy and the Latin hypercube, a quarter of the
//! evaluations) is the part of the search whose candidates do not depend on each
//! other's results; every candidate is a whole run on the same trials and seed, so a
//! shard computes exactly the summaries a single search computes for them. The merge
//! hands them to the search in place of simulating them, and the search goes on from
//! there on the merging machine (Nelder–Mead, flips, the re-simulation), taking the
//! same steps as on one machine.

use std::fs;
use std::path::{Path, PathBuf};

use clap::ValueEnum;

use super::optimize::{objective, search, search_plan};
use super::shard::{self, ShardSpec, Staging, sampling_name};
use super::stress::{Loaded, stopped};
use super::{CliError, MergeArgs, ObjectiveArg, Settings, print_out};
use crate::analysis::optimize::{self as analysis, SearchPlan, candidate_key};
use crate::output::folder;
use crate::output::optimize_shard::{self as format, OptimizeManifest};
use crate::output::shard::{self as run_format, ShardError};
use crate::scenario::{Sampling, Scenario};

/// A search to shard: the scenario, its checked plan, and the options that decide it.
pub(super) struct Search<'a> {
    pub(super) loaded: &'a Loaded,
    pub(super) plan: &'a SearchPlan,
    /// The `--search` options as given.
    pub(super) search: &'a [String],
    pub(super) objective: ObjectiveArg,
    /// `--evaluations`.
    pub(super) budget: usize,
    /// Trials of every evaluation.
    pub(super) trials: u64,
}

/// The name of the optimize shard folder of `stem`: `<stem>.optimize-shard-I-of-N`.
fn folder_name(stem: &str, index: &str, count: u64) -> String {
    format!("{stem}.optimize-shard-{index}-of-{count}")
}

/// `--objective` as the manifest records it (the option's own spelling).
fn objective_name(arg: ObjectiveArg) -> String {
    arg.to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// Simulate shard `spec` of the first batch of `job` (with the seed and sampling of
/// `settings`, else the file's) and write its shard folder under `--out`.
pub(super) fn run_shard(
    job: &Search<'_>,
    settings: &Settings,
    spec: ShardSpec,
) -> Result<(), CliError> {
    let loaded = job.loaded;
    let artifacts = settings.open_out()?;
    let stem = folder::plain_stem(&loaded.file).map_err(|e| CliError::artifact(None, e))?;
    let target = shard::target(
        artifacts.out(),
        &folder_name(&stem, &spec.index.to_string(), spec.count),
    )?;
    let seed = settings.run_options(&loaded.scenario).seed;
    let batch = analysis::start_batch(job.plan, job.budget, seed);
    let total = batch.len() as u64;
    let range = format::shard_candidates(total, spec.count, spec.index);
    let mine = &batch[range.start as usize..range.end as usize];
    let pool = settings.pool()?;
    let bar = settings.progress_bar(job.trials * mine.len() as u64);
    let progress = |n| bar.inc(n);
    let mut options = settings.run_options(&loaded.scenario).progress(&progress);
    options.trials = job.trials;
    let run = pool.install(move || analysis::simulate_batch(job.plan, mine, &options));
    bar.finish_and_clear();
    let summaries = run.map_err(|e| match e {
        analysis::OptimizeError::Run(e) => stopped(loaded, e),
        other => CliError::Invalid(format!(
            "{}: {other}; nothing was written",
            loaded.file.display()
        )),
    })?;
    let candidates: Vec<(String, _)> = mine
        .iter()
        .map(|v| candidate_key(v))
        .zip(summaries)
        .collect();
    let manifest = OptimizeManifest {
        kind: format::KIND.to_string(),
        format: format::FORMAT,
        outsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_file: loaded.file.display().to_string(),
        scenario_hash: run_format::scenario_hash(loaded.text.as_bytes()),
        seed,
        trials: job.trials,
        sampling: sampling_name(settings.sampling),
        strategy: job.plan.strategy.clone(),
        search: job.search.to_vec(),
        objective: objective_name(job.objective),
        evaluations: job.budget as u64,
        shards: spec.count,
        shard: spec.index,
        candidates: total,
        first_candidate: range.start,
        end_candidate: range.end,
    };
    let failed = |e: ShardError| CliError::Failed(format!("{}: {e}", loaded.file.display()));
    let manifest = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| CliError::Failed(format!("{}: manifest: {e}", loaded.file.display())))?;
    Staging::new(&target)
        .and_then(|staging| {
            staging.finish(
                &target,
                [
                    (format::CANDIDATES, format::encode_candidates(&candidates)),
                    (run_format::SCENARIO, loaded.text.as_bytes().to_vec()),
                    (run_format::MANIFEST, manifest),
                ],
            )
        })
        .map_err(failed)?;
    if !settings.quiet {
        print_out(&format!(
            "{}: optimize shard {}/{} (candidates {}..{} of the first batch's {}, {} trials each) written to {}\n",
            loaded.file.display(),
            spec.index,
            spec.count,
            range.start,
            range.end,
            total,
            job.trials,
            target.display()
        ));
    }
    Ok(())
}

/// One optimize shard folder, its manifest read.
struct Shard {
    folder: PathBuf,
    manifest: OptimizeManifest,
}

/// A shard that cannot be used: invalid input, nothing written.
fn refuse<T>(text: String) -> Result<T, CliError> {
    Err(CliError::Invalid(format!("{text}; nothing was written")))
}

/// Merge the optimize shards whose folders and manifests' bytes are `found`: run the
/// search with their candidates and write `<out>/<stem>/optimize/`, as `outsim
/// optimize` would have written it.
pub(super) fn merge(found: Vec<(PathBuf, Vec<u8>)>, args: MergeArgs) -> Result<(), CliError> {
    // A search writes neither file: a flag that would skip one asks for a run merge.
    for (given, flag) in [
        (args.no_xlsx, "--no-xlsx"),
        (args.no_trials_file, "--no-trials-file"),
    ] {
        if given {
            return refuse(format!(
                "{flag} applies to run shards only: a search writes no results.xlsx or trials.parquet"
            ));
        }
    }
    let mut shards = Vec::with_capacity(found.len());
    for (folder, bytes) in found {
        let manifest: OptimizeManifest = serde_json::from_slice(&bytes).map_err(|e| {
            CliError::Invalid(format!(
                "{}: not an optimize shard manifest outsim writes ({e}); nothing was written",
                folder.join(run_format::MANIFEST).display()
            ))
        })?;
        shards.push(Shard { folder, manifest });
    }
    check_shards(&shards)?;
    shards.sort_by_key(|s| s.manifest.shard);
    let first = &shards[0];
    let m = &first.manifest;
    let manifest_path = first.folder.join(run_format::MANIFEST);
    let scenario_path = first.folder.join(run_format::SCENARIO);
    let text = fs::read_to_string(&scenario_path)
        .or_else(|e| refuse(format!("{}: cannot read: {e}", scenario_path.display())))?;
    let file = PathBuf::from(&m.scenario_file);
    let scenario = Scenario::from_toml_str(&text, &file)
        .or_else(|e| refuse(format!("{}: {e}", scenario_path.display())))?;
    let loaded = Loaded {
        file,
        text,
        scenario,
    };
    let unknown = |what: &str, value: &str| {
        refuse(format!(
            "{}: unknown {what} {value:?}",
            manifest_path.display()
        ))
    };
    let objective_arg = match ObjectiveArg::from_str(&m.objective, false) {
        Ok(o) => o,
        Err(_) => return unknown("objective", &m.objective),
    };
    let sampling = match m.sampling.as_deref() {
        None => None,
        Some("random") => Some(Sampling::Random),
        Some("lhs") => Some(Sampling::Lhs),
        Some(other) => return unknown("sampling", other),
    };
    let plan = search_plan(&loaded, &m.strategy, &m.search, objective(objective_arg))
        .or_else(|e| refuse(format!("{}: {e}", manifest_path.display())))?;
    let budget = usize::try_from(m.evaluations).unwrap_or(usize::MAX);
    let batch = analysis::start_batch(&plan, budget, m.seed);
    if batch.len() as u64 != m.candidates {
        return refuse(format!(
            "{}: the manifest does not match its {}",
            manifest_path.display(),
            run_format::SCENARIO
        ));
    }
    let mut known = Vec::with_capacity(batch.len());
    for s in &shards {
        let path = s.folder.join(format::CANDIDATES);
        let bytes =
            fs::read(&path).or_else(|e| refuse(format!("{}: cannot read: {e}", path.display())))?;
        let theirs = format::decode_candidates(&bytes, &path).or_else(|e| refuse(e.to_string()))?;
        let range = s.manifest.first_candidate as usize..s.manifest.end_candidate as usize;
        let ours = &batch[range];
        let name = plan.strategy.as_str();
        if theirs.len() != ours.len()
            || theirs.iter().zip(ours).any(|((key, summary), values)| {
                *key != candidate_key(values) || summary.strategy != name
            })
        {
            return refuse(format!(
                "{}: its candidates are not those of the search its manifest names: run shard {}/{} again",
                path.display(),
                s.manifest.shard,
                s.manifest.shards
            ));
        }
        known.extend(ours.iter().cloned().zip(theirs.into_iter().map(|(_, s)| s)));
    }
    let mut settings = super::merge::settings(&args);
    settings.trials = Some(m.trials);
    settings.seed = Some(m.seed);
    settings.sampling = sampling;
    search(&loaded, &plan, budget, m.trials, &settings, known)
}

/// Check that `shards` are every shard of one search, each once and whole.
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
            layout: "optimize shard format",
            current: format::FORMAT,
        };
        let differs = [
            ("scenario file (hash)", o.scenario_hash != m.scenario_hash),
            ("seed", o.seed != m.seed),
            ("trial count", o.trials != m.trials),
            ("sampling", o.sampling != m.sampling),
            ("--strategy", o.strategy != m.strategy),
            ("--search options", o.search != m.search),
            ("--objective", o.objective != m.objective),
            ("--evaluations", o.evaluations != m.evaluations),
            ("shard count N", o.shards != m.shards),
            ("candidate count", o.candidates != m.candidates),
        ];
        if let Some(why) =
            super::merge::not_one_of(&name, &written, &first.folder, "search", &differs)
        {
            return refuse(why);
        }
        let expected = format::shard_candidates(o.candidates, o.shards, o.shard);
        if o.shard == 0 || o.shard > o.shards || (o.first_candidate..o.end_candidate) != expected {
            return refuse(format!(
                "{name}: shard {}/{} should hold candidates {}..{}, its manifest says {}..{}",
                o.shard, o.shards, expected.start, expected.end, o.first_candidate, o.end_candidate
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
