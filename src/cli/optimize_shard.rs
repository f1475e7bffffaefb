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
use std::ops::Range;
use std::path::PathBuf;

use clap::ValueEnum;

use super::merge::{ShardManifest, open_set, refuse, refuse_run_flags, sampling_of};
use super::optimize::{objective, search, search_plan};
use super::shard::{self, ShardSpec};
use super::stress::{Loaded, stopped};
use super::{CliError, MergeArgs, ObjectiveArg, Settings};
use crate::analysis::optimize::{self as analysis, SearchPlan, candidate_key};
use crate::output::optimize_shard::{self as format, OptimizeManifest};
use crate::output::shard::{self as run_format, Origin};

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
    let target = shard::target_of(artifacts.out(), loaded, spec, folder_name)?;
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
        origin: shard::origin_of(format::FORMAT, loaded, settings, (seed, job.trials), spec),
        strategy: job.plan.strategy.clone(),
        search: job.search.to_vec(),
        objective: objective_name(job.objective),
        evaluations: job.budget as u64,
        candidates: total,
        first_candidate: range.start,
        end_candidate: range.end,
    };
    let holds = format!(
        "candidates {}..{} of the first batch's {total}, {} trials each",
        range.start, range.end, job.trials
    );
    shard::write_and_say(
        &target,
        loaded,
        (format::CANDIDATES, format::encode_candidates(&candidates)),
        &manifest,
        settings,
        "optimize shard",
        spec,
        &holds,
    )
}

/// Merge the optimize shards whose folders and manifests' bytes are `found`: run the
/// search with their candidates and write `<out>/<stem>/optimize/`, as `outsim
/// optimize` would have written it.
pub(super) fn merge(found: Vec<(PathBuf, Vec<u8>)>, args: MergeArgs) -> Result<(), CliError> {
    refuse_run_flags::<OptimizeManifest>(&args)?;
    let (shards, loaded) =
        open_set::<OptimizeManifest>(found, |stem, count| folder_name(stem, "I", count))?;
    let (first_folder, m) = &shards[0];
    let manifest_path = first_folder.join(run_format::MANIFEST);
    let objective_arg = ObjectiveArg::from_str(&m.objective, false).or_else(|_| {
        refuse(format!(
            "{}: unknown objective {:?}",
            manifest_path.display(),
            m.objective
        ))
    })?;
    let sampling = sampling_of(first_folder, &m.origin)?;
    let plan = search_plan(&loaded, &m.strategy, &m.search, objective(objective_arg))
        .or_else(|e| refuse(format!("{}: {e}", manifest_path.display())))?;
    let budget = usize::try_from(m.evaluations).unwrap_or(usize::MAX);
    let batch = analysis::start_batch(&plan, budget, m.origin.seed);
    if batch.len() as u64 != m.candidates {
        return refuse(format!(
            "{}: the manifest does not match its {}",
            manifest_path.display(),
            run_format::SCENARIO
        ));
    }
    let mut known = Vec::with_capacity(batch.len());
    for (folder, o) in &shards {
        let path = folder.join(format::CANDIDATES);
        let bytes =
            fs::read(&path).or_else(|e| refuse(format!("{}: cannot read: {e}", path.display())))?;
        let theirs = format::decode_candidates(&bytes, &path).or_else(|e| refuse(e.to_string()))?;
        let range = o.first_candidate as usize..o.end_candidate as usize;
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
                o.origin.shard,
                o.origin.shards
            ));
        }
        known.extend(ours.iter().cloned().zip(theirs.into_iter().map(|(_, s)| s)));
    }
    let mut settings = super::merge::settings(&args);
    settings.trials = Some(m.origin.trials);
    settings.seed = Some(m.origin.seed);
    settings.sampling = sampling;
    search(&loaded, &plan, budget, m.origin.trials, &settings, known)
}

impl ShardManifest for OptimizeManifest {
    const JOB: &'static str = "search";
    const NAME: &'static str = "optimize shard";
    const FORMAT: u32 = format::FORMAT;

    fn origin(&self) -> &Origin {
        &self.origin
    }

    fn of_kind(&self) -> bool {
        self.kind == format::KIND
    }

    fn differs(&self, first: &Self) -> Vec<(&'static str, bool)> {
        vec![
            ("--strategy", self.strategy != first.strategy),
            (
                "--search options",
                !analysis::same_searches(&self.search, &first.search),
            ),
            ("--objective", self.objective != first.objective),
            ("--evaluations", self.evaluations != first.evaluations),
            ("candidate count", self.candidates != first.candidates),
        ]
    }

    fn holds(&self) -> (&'static str, Range<u64>, Range<u64>) {
        let o = &self.origin;
        (
            "candidates",
            self.first_candidate..self.end_candidate,
            format::shard_candidates(self.candidates, o.shards, o.shard),
        )
    }
}
