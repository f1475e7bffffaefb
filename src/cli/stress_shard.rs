//! `outsim stress --shard I/N`: run one shard of a stress grid's cells and write its
//! shard folder ([`crate::output::stress_shard`]); and the merge of such shards back
//! into the `stress/` folder one `outsim stress` would have written.
//!
//! A grid splits by cells, not by blocks of trials: every cell is a whole run of its
//! variant on the same trials and seed, so a shard computes exactly the cells a single
//! run computes, and the merge only puts the finished cells back in grid order and hands
//! them to the writers of `outsim stress`.

use std::fs;
use std::ops::Range;
use std::path::PathBuf;

use clap::ValueEnum;

use super::budget::{self, Estimate};
use super::merge::{ShardManifest, open_set, refuse, refuse_run_flags};
use super::shard::{self, ShardSpec};
use super::stress::{self, Loaded};
use super::{CliError, MergeArgs, MetricArg, Settings};
use crate::analysis::stress::{self as analysis, StressCell, StressPlan};
use crate::analysis::variants::parse_vary;
use crate::output::shard::{self as run_format, Origin};
use crate::output::stress_shard::{self as format, StressManifest};

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
    let target = shard::target_of(artifacts.out(), loaded, spec, folder_name)?;
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
        origin: shard::origin_of(format::FORMAT, loaded, settings, (seed, trials), spec),
        vary: job.vary.to_vec(),
        metric: metric_name(job.metric),
        cells: total,
        first_cell: range.start,
        end_cell: range.end,
        strategies: loaded.scenario.strategies.len() as u64,
    };
    let holds = format!(
        "cells {}..{} of {total}, {trials} trials each",
        range.start, range.end
    );
    shard::write_and_say(
        &target,
        loaded,
        (format::CELLS, format::encode_cells(&cells)),
        &manifest,
        settings,
        "stress shard",
        spec,
        &holds,
    )
}

/// Merge the stress shards whose folders and manifests' bytes are `found` into
/// `<out>/<stem>/stress/`, as `outsim stress` would have written it.
pub(super) fn merge(found: Vec<(PathBuf, Vec<u8>)>, args: MergeArgs) -> Result<(), CliError> {
    refuse_run_flags::<StressManifest>(&args)?;
    let (shards, loaded) =
        open_set::<StressManifest>(found, |stem, count| folder_name(stem, "I", count))?;
    let (first_folder, m) = &shards[0];
    let manifest_path = first_folder.join(run_format::MANIFEST);
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
    let plan = analysis::plan(&loaded.text, &loaded.file, &varies)
        .or_else(|e| refuse(format!("{}: {e}", manifest_path.display())))?;
    if plan.cells.len() as u64 != m.cells || loaded.scenario.strategies.len() as u64 != m.strategies
    {
        return refuse(format!(
            "{}: the manifest does not match its {}",
            manifest_path.display(),
            run_format::SCENARIO
        ));
    }
    let mut cells: Vec<StressCell> = Vec::with_capacity(plan.cells.len());
    for (folder, o) in &shards {
        let path = folder.join(format::CELLS);
        let bytes =
            fs::read(&path).or_else(|e| refuse(format!("{}: cannot read: {e}", path.display())))?;
        let theirs = format::decode_cells(&bytes, &path).or_else(|e| refuse(e.to_string()))?;
        let range = o.first_cell as usize..o.end_cell as usize;
        if theirs.len() != range.len() {
            return refuse(format!(
                "{}: holds {} cells, its manifest says {}: run shard {}/{} again",
                path.display(),
                theirs.len(),
                range.len(),
                o.origin.shard,
                o.origin.shards
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
                    o.origin.shard,
                    o.origin.shards
                ));
            }
        }
        cells.extend(theirs);
    }
    let grid = analysis::grid(&plan, m.origin.trials, m.origin.seed, cells);
    let settings = super::merge::settings(&args);
    let artifacts = settings.open_out()?;
    let results = artifacts
        .results_folder(&loaded.file)
        .map_err(|e| CliError::artifact(Some(&loaded.file), e))?;
    let pool = settings.pool()?;
    stress::finish(&grid, metric, &settings, &pool, &results, &loaded)
}

/// Whether two lists of `--vary` options give the same grid: the same KEYs and levels
/// in the same order, however they are spaced or quoted (as text when one does not
/// parse).
fn same_grid(a: &[String], b: &[String]) -> bool {
    let parsed = |list: &[String]| {
        list.iter()
            .map(|v| parse_vary(v).map(|v| (v.key.segments, v.levels)))
            .collect::<Result<Vec<_>, _>>()
    };
    match (parsed(a), parsed(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

impl ShardManifest for StressManifest {
    const JOB: &'static str = "stress grid";
    const NAME: &'static str = "stress shard";
    const FORMAT: u32 = format::FORMAT;

    fn origin(&self) -> &Origin {
        &self.origin
    }

    fn of_kind(&self) -> bool {
        self.kind == format::KIND
    }

    fn differs(&self, first: &Self) -> Vec<(&'static str, bool)> {
        vec![
            ("--vary options", !same_grid(&self.vary, &first.vary)),
            ("--metric", self.metric != first.metric),
            ("cell count", self.cells != first.cells),
            ("strategies", self.strategies != first.strategies),
        ]
    }

    fn holds(&self) -> (&'static str, Range<u64>, Range<u64>) {
        let o = &self.origin;
        (
            "cells",
            self.first_cell..self.end_cell,
            format::shard_cells(self.cells, o.shards, o.shard),
        )
    }
}
