//! What the driver reduces trials into, as they finish: per-block sums, month-by-month
//! sketches and the few per-trial values the summaries need in full.
//!
//! A block of trials is reduced into a [`BlockSums`] (in trial order) and the month-by-
//! month points of every trial into the worker thread's [`MonthlyAccumulator`]; blocks
//! are then added, in trial order, to one [`Tally`]. When the run ends the tally becomes
//! the parts of a [`super::RawRun`], which the results layer summarises. A run keeps,
//! per trial and strategy, only the NPV cost and the service level (16 bytes), whose
//! percentiles and pairwise differences need every value; every other per-trial output
//! is summed by block as it is produced and reaches disk only through the engine's
//! [`super::TrialSink`].

use super::RawRun;
use super::outputs::{MonthPoint, TrialMetrics};
use crate::stats::sketch::QuantileSketch;

/// Streaming month-by-month statistics: five sketches and a shortfall count per
/// strategy and month. Mergeable, with results independent of merge order.
///
/// A trial touches every sketch once, and the sketches of a long scenario do not fit in
/// cache together, so [`MonthlyAccumulator::add_trial`] only copies the trial's points
/// into a buffer; once a few dozen trials wait there, they are added point by point,
/// each point's five sketches taking all the buffered values at once: each sketch's
/// buckets are then fetched once per batch instead of once per trial. Counts are
/// integers, so when a value is added changes nothing.
#[derive(Debug, Clone)]
pub struct MonthlyAccumulator {
    horizon: usize,
    trials: u64,
    sketches: Vec<[QuantileSketch; 5]>,
    shortfall: Vec<u64>,
    /// Buffered trials: point `i` of buffered trial `k` at `k * points + i`.
    pending: Vec<MonthPoint>,
    /// Trials buffered in `pending`.
    pending_trials: usize,
    /// Trials buffered before the values are added to the sketches.
    batch: usize,
}

/// Bytes of buffered points an accumulator aims at (about a core's L2 cache).
const MONTHLY_BUFFER_BYTES: usize = 512 << 10;

/// Largest number of trials buffered.
const MONTHLY_MAX_BATCH: usize = 64;

impl MonthlyAccumulator {
    /// Empty accumulator for `strategies` x `horizon` months.
    pub fn new(strategies: usize, horizon: usize) -> Self {
        let empty = || std::array::from_fn(|_| QuantileSketch::new());
        let points = strategies * horizon;
        let batch = (MONTHLY_BUFFER_BYTES / (points.max(1) * std::mem::size_of::<MonthPoint>()))
            .clamp(1, MONTHLY_MAX_BATCH);
        MonthlyAccumulator {
            horizon,
            trials: 0,
            sketches: (0..points).map(|_| empty()).collect(),
            shortfall: vec![0; points],
            pending: Vec::new(),
            pending_trials: 0,
            batch,
        }
    }

    /// Add one trial's points (strategy-major, `horizon` per strategy).
    pub fn add_trial(&mut self, points: &[MonthPoint]) {
        let n = self.sketches.len();
        if self.pending.is_empty() {
            self.pending = vec![MonthPoint::default(); n * self.batch];
        }
        let at = self.pending_trials * n;
        self.pending[at..at + n].copy_from_slice(&points[..n]);
        self.trials += 1;
        self.pending_trials += 1;
        if self.pending_trials == self.batch {
            self.flush();
        }
    }

    /// Add the buffered trials to the sketches and shortfall counts. Demand is the same
    /// for every strategy of a trial (one demand path per trial), so it is taken from
    /// the first strategy only.
    fn flush(&mut self) {
        let n = self.pending_trials;
        if n == 0 {
            return;
        }
        let points = self.sketches.len();
        let mut columns = [[0.0; MONTHLY_MAX_BATCH]; 5];
        for (i, (sketches, shortfall)) in self
            .sketches
            .iter_mut()
            .zip(&mut self.shortfall)
            .enumerate()
        {
            let mut short = 0;
            for (k, trial) in self.pending.chunks_exact(points).take(n).enumerate() {
                let p = &trial[i];
                columns[0][k] = p.demand;
                columns[1][k] = p.capacity;
                columns[2][k] = p.backlog;
                columns[3][k] = p.heads;
                columns[4][k] = p.cumulative_cost;
                short += u64::from(p.shortfall);
            }
            *shortfall += short;
            let first = if i < self.horizon { 0 } else { 1 };
            for (sketch, column) in sketches.iter_mut().zip(&columns).skip(first) {
                sketch.add_all(&column[..n]);
            }
        }
        self.pending_trials = 0;
    }

    /// Add everything `other` holds.
    pub fn merge(&mut self, mut other: MonthlyAccumulator) {
        self.flush();
        other.flush();
        self.trials += other.trials;
        for (mine, theirs) in self.sketches.iter_mut().zip(&other.sketches) {
            for (m, t) in mine.iter_mut().zip(theirs) {
                m.merge(t);
            }
        }
        for (a, b) in self.shortfall.iter_mut().zip(&other.shortfall) {
            *a += b;
        }
    }

    /// Add what is still buffered and hand over the finished sketches.
    pub fn finish(mut self) -> MonthlySketches {
        self.flush();
        MonthlySketches {
            horizon: self.horizon,
            trials: self.trials,
            sketches: self.sketches,
            shortfall: self.shortfall,
        }
    }
}

/// The month-by-month statistics of a finished run: per strategy and month
/// (strategy-major, `horizon` per strategy), sketches of demand, capacity, backlog,
/// heads and cumulative cost, and the number of trials short of capacity.
#[derive(Debug, Clone)]
pub struct MonthlySketches {
    /// Months per strategy.
    pub horizon: usize,
    /// Trials added.
    pub trials: u64,
    /// Per point: the sketches of demand, capacity, backlog, heads and cumulative cost,
    /// in that order. Demand is only added to the first strategy's points (one demand
    /// path per trial): read it from point `month` of strategy 0.
    pub sketches: Vec<[QuantileSketch; 5]>,
    /// Per point: trials short of capacity in that month.
    pub shortfall: Vec<u64>,
}

/// The real-valued per-trial outputs that are summed: [`StrategySums::sum`] takes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summed {
    /// [`TrialMetrics::cost_per_unit`].
    CostPerUnit,
    /// [`TrialMetrics::defect_rate`].
    DefectRate,
    /// [`TrialMetrics::final_backlog`].
    FinalBacklog,
    /// [`TrialMetrics::labor`].
    Labor,
    /// [`TrialMetrics::onboarding`].
    Onboarding,
    /// [`TrialMetrics::setup`].
    Setup,
    /// [`TrialMetrics::oversight`].
    Oversight,
    /// [`TrialMetrics::defects`].
    Defects,
    /// [`TrialMetrics::delay`].
    Delay,
    /// [`TrialMetrics::incidents_cost`].
    IncidentsCost,
    /// [`TrialMetrics::credits`].
    Credits,
    /// [`TrialMetrics::cost_total`].
    CostTotal,
}

const SUMMED: usize = 12;

impl Summed {
    fn values(m: &TrialMetrics) -> [f64; SUMMED] {
        [
            m.cost_per_unit,
            m.defect_rate,
            m.final_backlog,
            m.labor,
            m.onboarding,
            m.setup,
            m.oversight,
            m.defects,
            m.delay,
            m.incidents_cost,
            m.credits,
            m.cost_total,
        ]
    }
}

/// Sums over trials of one strategy's outputs: counts exactly, real values in trial
/// order within a block and block by block in trial order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StrategySums {
    values: [f64; SUMMED],
    /// Heads lost to attrition (saturating).
    pub leavers: u64,
    /// Heads hired (saturating).
    pub hires: u64,
    /// Security incidents (saturating).
    pub incidents: u64,
    /// Months short of capacity (saturating).
    pub shortfall_months: u64,
    /// Trials with at least one month short of capacity.
    pub any_shortfall: u64,
    /// Trials meeting every objective.
    pub objectives_met: u64,
}

impl StrategySums {
    /// The sum of one real-valued output over the trials added.
    pub fn sum(&self, output: Summed) -> f64 {
        self.values[output as usize]
    }

    fn add_trial(&mut self, m: &TrialMetrics) {
        for (sum, x) in self.values.iter_mut().zip(Summed::values(m)) {
            *sum += x;
        }
        self.add_counts(m.leavers, m.hires, m.incidents, m.shortfall_months);
        self.any_shortfall += u64::from(m.shortfall_months > 0);
        self.objectives_met += u64::from(m.objectives_met);
    }

    fn add_counts(&mut self, leavers: u64, hires: u64, incidents: u64, shortfall_months: u64) {
        self.leavers = self.leavers.saturating_add(leavers);
        self.hires = self.hires.saturating_add(hires);
        self.incidents = self.incidents.saturating_add(incidents);
        self.shortfall_months = self.shortfall_months.saturating_add(shortfall_months);
    }

    fn add(&mut self, other: &StrategySums) {
        for (sum, x) in self.values.iter_mut().zip(other.values) {
            *sum += x;
        }
        self.add_counts(
            other.leavers,
            other.hires,
            other.incidents,
            other.shortfall_months,
        );
        self.any_shortfall += other.any_shortfall;
        self.objectives_met += other.objectives_met;
    }
}

/// The sums of one block of trials, one [`StrategySums`] per strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockSums(Vec<StrategySums>);

impl BlockSums {
    /// Empty sums for `strategies` strategies.
    pub fn new(strategies: usize) -> Self {
        BlockSums(vec![StrategySums::default(); strategies])
    }

    /// Add one trial's outputs (one per strategy).
    pub fn add_trial(&mut self, metrics: &[TrialMetrics]) {
        for (sums, m) in self.0.iter_mut().zip(metrics) {
            sums.add_trial(m);
        }
    }
}

/// What a run keeps as its trials finish, to become a [`RawRun`]: each
/// trial's NPV cost and service level per strategy, sums added block by block in trial
/// order, and the month-by-month sketches.
#[derive(Debug, Clone)]
pub struct Tally {
    costs: Vec<Vec<f64>>,
    service: Vec<Vec<f64>>,
    sums: Vec<StrategySums>,
    monthly: MonthlyAccumulator,
}

impl Tally {
    /// Empty tally for `strategies` strategies over `horizon` months.
    pub fn new(strategies: usize, horizon: usize) -> Self {
        Tally {
            costs: vec![Vec::new(); strategies],
            service: vec![Vec::new(); strategies],
            sums: vec![StrategySums::default(); strategies],
            monthly: MonthlyAccumulator::new(strategies, horizon),
        }
    }

    /// Add the next block of trials, in trial order: their outputs (trial-major) and
    /// their sums.
    pub fn add_block(&mut self, metrics: &[TrialMetrics], sums: &BlockSums) {
        let strategies = self.costs.len();
        if strategies == 0 {
            return;
        }
        for trial in metrics.chunks_exact(strategies) {
            for (s, m) in trial.iter().enumerate() {
                self.costs[s].push(m.cost_npv);
                self.service[s].push(m.service_level);
            }
        }
        for (total, block) in self.sums.iter_mut().zip(&sums.0) {
            total.add(block);
        }
    }

    /// Add month-by-month sketches (in any order: their counts are integers).
    pub fn merge_monthly(&mut self, monthly: MonthlyAccumulator) {
        self.monthly.merge(monthly);
    }

    /// NPV costs so far, one vector per strategy in trial order.
    pub fn costs(&self) -> &[Vec<f64>] {
        &self.costs
    }

    /// The run's raw outputs, once every block and every thread's sketches are in.
    pub fn into_run(self, trials: u64, seed: u64) -> RawRun {
        RawRun {
            trials,
            seed,
            costs: self.costs,
            service: self.service,
            sums: self.sums,
            monthly: self.monthly.finish(),
            inputs: Vec::new(),
            precision: None,
            sampling: crate::scenario::Sampling::Random,
            realised_correlations: Vec::new(),
        }
    }
}
