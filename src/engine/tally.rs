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
use super::outputs::{MonthPoint, TRIAL_METRICS, TrialMetrics};
use super::workspace::SourcingState;
use crate::stats::sketch::QuantileSketch;

/// Streaming month-by-month statistics: five sketches, a shortfall and a break count per
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
    broke: Vec<u64>,
    /// Buffered trials: point `i` of buffered trial `k` at `k * points + i`.
    pending: Vec<MonthPoint>,
    /// Trials buffered in `pending`.
    pending_trials: usize,
    /// Trials buffered before the values are added to the sketches.
    batch: usize,
    /// Per vendor of each strategy and month, trials in which the vendor is active
    /// ([`MonthlySketches::active`]); empty when every vendor always is.
    active: Vec<u64>,
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
            broke: vec![0; points],
            pending: Vec::new(),
            pending_trials: 0,
            batch,
            active: Vec::new(),
        }
    }

    /// Count one trial's active vendors: one flag per vendor of each strategy and month,
    /// in [`MonthlySketches::active`]'s order.
    pub fn add_active<'f>(&mut self, flags: impl Iterator<Item = &'f bool>) {
        for (k, &on) in flags.enumerate() {
            if k == self.active.len() {
                self.active.push(0);
            }
            self.active[k] += u64::from(on);
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

    /// Add the buffered trials to the sketches and the shortfall and break counts. Demand is the same
    /// for every strategy of a trial (one demand path per trial), so it is taken from
    /// the first strategy only.
    fn flush(&mut self) {
        let n = self.pending_trials;
        if n == 0 {
            return;
        }
        let points = self.sketches.len();
        let mut columns = [[0.0; MONTHLY_MAX_BATCH]; 5];
        for (i, ((sketches, shortfall), broke)) in self
            .sketches
            .iter_mut()
            .zip(&mut self.shortfall)
            .zip(&mut self.broke)
            .enumerate()
        {
            let (mut short, mut breaks) = (0, 0);
            for (k, trial) in self.pending.chunks_exact(points).take(n).enumerate() {
                let p = &trial[i];
                columns[0][k] = p.demand;
                columns[1][k] = p.capacity;
                columns[2][k] = p.backlog;
                columns[3][k] = p.heads;
                columns[4][k] = p.cumulative_cost;
                short += u64::from(p.shortfall);
                breaks += u64::from(p.broke);
            }
            *shortfall += short;
            *broke += breaks;
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
        for (a, b) in self.broke.iter_mut().zip(&other.broke) {
            *a += b;
        }
        if self.active.len() < other.active.len() {
            self.active.resize(other.active.len(), 0);
        }
        for (a, b) in self.active.iter_mut().zip(&other.active) {
            *a += b;
        }
    }

    /// An accumulator holding `sketches` (those of a finished run, or of a shard of one),
    /// to be merged into another.
    pub fn from_sketches(sketches: MonthlySketches) -> Self {
        let strategies = sketches.sketches.len() / sketches.horizon.max(1);
        let mut accumulator = MonthlyAccumulator::new(strategies, sketches.horizon);
        accumulator.trials = sketches.trials;
        accumulator.sketches = sketches.sketches;
        accumulator.shortfall = sketches.shortfall;
        accumulator.broke = sketches.broke;
        accumulator.active = sketches.active;
        accumulator
    }

    /// Add what is still buffered and hand over the finished sketches.
    pub fn finish(mut self) -> MonthlySketches {
        self.flush();
        MonthlySketches {
            horizon: self.horizon,
            trials: self.trials,
            sketches: self.sketches,
            shortfall: self.shortfall,
            broke: self.broke,
            active: self.active,
        }
    }
}

/// The month-by-month statistics of a finished run: per strategy and month
/// (strategy-major, `horizon` per strategy), sketches of demand, capacity, backlog,
/// heads and cumulative cost, and the numbers of trials short of capacity and broken.
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
    /// Per point: trials in which that month broke (V2.7).
    pub broke: Vec<u64>,
    /// Per vendor of each strategy (strategy by strategy, vendors in order of first
    /// mention) and month: trials in which the vendor is active (V2.6). Empty when the
    /// run counted none because every vendor is active in every month (version 1).
    pub active: Vec<u64>,
}

/// Number of per-trial outputs in [`TRIAL_METRICS`].
const METRICS: usize = TRIAL_METRICS.len();

/// Sums over trials of one strategy's outputs, one per entry of [`TRIAL_METRICS`] (in
/// its order), in trial order within a block and block by block in trial order; the
/// number of trials in which each output is positive (for a flag, the trials in which
/// it holds); and a sketch of the discounted cash paid, for its percentiles. Counts and
/// flags are whole numbers, summed exactly (below 2^53).
#[derive(Debug, Clone, PartialEq)]
pub struct StrategySums {
    sums: [f64; METRICS],
    positive: [u64; METRICS],
    cash: QuantileSketch,
    vendors: Vec<VendorEvents>,
}

/// What exits and failures did to one vendor of a strategy, summed over trials (V2.3,
/// V2.8 rule 9): in how many trials its exit rule left it and in how many it failed
/// while active, in which months, and what leaving cost. Counts are exact; the cost is
/// added in trial order within a block and block by block, as the other sums.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VendorEvents {
    /// Trials in which the vendor's exit rule left it.
    pub left: u64,
    /// Trials in which the vendor failed while active.
    pub failed: u64,
    /// Per month `t` at index `t - 1`: trials in which the vendor was left in `t`.
    /// Only as long as the last month with one.
    pub left_months: Vec<u64>,
    /// Per month `t` at index `t - 1`: trials in which the vendor failed in `t`. Only
    /// as long as the last month with one.
    pub failed_months: Vec<u64>,
    /// Sum over the trials in which it was left of what leaving cost: the release of
    /// every head it had and its exit fee, at that month's currency index.
    pub leave_cost: f64,
}

impl VendorEvents {
    /// Count one trial: the month the vendor was left (0 if not), the month it failed
    /// (0 if not) and what leaving cost.
    fn add_trial(&mut self, left_month: usize, failed_month: usize, leave_cost: f64) {
        let count = |months: &mut Vec<u64>, month: usize| {
            if month > 0 {
                if months.len() < month {
                    months.resize(month, 0);
                }
                months[month - 1] += 1;
            }
        };
        if left_month > 0 {
            self.left += 1;
            self.leave_cost += leave_cost;
        }
        self.failed += u64::from(failed_month > 0);
        count(&mut self.left_months, left_month);
        count(&mut self.failed_months, failed_month);
    }

    fn add(&mut self, other: &VendorEvents) {
        let merge = |mine: &mut Vec<u64>, theirs: &[u64]| {
            if mine.len() < theirs.len() {
                mine.resize(theirs.len(), 0);
            }
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        };
        self.left += other.left;
        self.failed += other.failed;
        merge(&mut self.left_months, &other.left_months);
        merge(&mut self.failed_months, &other.failed_months);
        self.leave_cost += other.leave_cost;
    }
}

impl Default for StrategySums {
    fn default() -> Self {
        StrategySums {
            sums: [0.0; METRICS],
            positive: [0; METRICS],
            cash: QuantileSketch::new(),
            vendors: Vec::new(),
        }
    }
}

impl StrategySums {
    /// The sum over the trials added of the output at index `metric` of
    /// [`TRIAL_METRICS`]; 0 for an index beyond it.
    pub fn sum(&self, metric: usize) -> f64 {
        self.sums.get(metric).copied().unwrap_or(0.0)
    }

    /// The number of trials added whose output at index `metric` of [`TRIAL_METRICS`]
    /// is positive (for a flag: holds); 0 for an index beyond it.
    pub fn positive(&self, metric: usize) -> u64 {
        self.positive.get(metric).copied().unwrap_or(0)
    }

    /// The sketch of [`TrialMetrics::cash_npv`] over the trials added.
    pub fn cash(&self) -> &QuantileSketch {
        &self.cash
    }

    /// Per vendor of the strategy, in order of first mention (as
    /// [`super::VendorActive`]), what exits and failures did to it; empty when the run
    /// had no sourcing over time (version 1: no vendor is ever left or fails).
    pub fn vendor_events(&self) -> &[VendorEvents] {
        &self.vendors
    }

    fn add_trial(&mut self, m: &TrialMetrics) {
        for ((sum, positive), x) in self.sums.iter_mut().zip(&mut self.positive).zip(m.values()) {
            *sum += x;
            *positive += u64::from(x > 0.0);
        }
        self.cash.add(m.cash_npv);
    }

    fn add(&mut self, other: &StrategySums) {
        for (sum, x) in self.sums.iter_mut().zip(other.sums) {
            *sum += x;
        }
        for (count, x) in self.positive.iter_mut().zip(other.positive) {
            *count += x;
        }
        self.cash.merge(&other.cash);
        if self.vendors.len() < other.vendors.len() {
            self.vendors
                .resize(other.vendors.len(), VendorEvents::default());
        }
        for (mine, theirs) in self.vendors.iter_mut().zip(&other.vendors) {
            mine.add(theirs);
        }
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

    /// Per strategy, what exits and failures did to each of its vendors over the
    /// block's trials.
    pub fn events(&self) -> Vec<&[VendorEvents]> {
        self.0.iter().map(StrategySums::vendor_events).collect()
    }

    /// Set what exits and failures did over the block's trials, as
    /// [`BlockSums::events`] gave it: a block replayed from a shard.
    pub fn set_events(&mut self, events: Vec<Vec<VendorEvents>>) {
        for (sums, vendors) in self.0.iter_mut().zip(events) {
            sums.vendors = vendors;
        }
    }

    /// Add one trial's exits and failures, from the general loop's state of each
    /// strategy after the trial (call in trial order, with [`BlockSums::add_trial`]).
    pub(super) fn add_events(&mut self, sourcing: &[SourcingState]) {
        for (sums, g) in self.0.iter_mut().zip(sourcing) {
            if sums.vendors.len() < g.slots.len() {
                sums.vendors.resize(g.slots.len(), VendorEvents::default());
            }
            for (events, slot) in sums.vendors.iter_mut().zip(&g.slots) {
                events.add_trial(slot.left_month, slot.failed_month, slot.leave_cost);
            }
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
            vendors_active: Vec::new(),
        }
    }
}
