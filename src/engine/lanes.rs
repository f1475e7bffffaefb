//! The side-by-side scheduler: how a strategy's vendors, and two strategies, share the
//! month loop.
//!
//! A strategy's vendors run as lanes ([`One`] vendor on its own, or [`Two`] sharing work
//! through overflow); [`simulate_pair`] runs the month loops of two strategies (of one
//! trial, or the same strategy in two trials) alternately month by month, so that two
//! chains of dependent instructions interleave. Each strategy draws from its own streams
//! and adds in the same order as alone, so results are the same to the bit.

use super::counts::Counts;
use super::month::{Calendar, Month, begin_vendor_month, end_vendor_month, give_spare};
use super::outputs::{MonthPoint, TrialInputs};
use super::plan::{Plan, SlotPlan, StrategyPlan};
use super::trial::{StrategyBuffers, Sums};
use super::workspace::{Running, SlotState};
use crate::scenario::Scenario;

/// The month loop of a strategy's vendors from slot `first` on, as lanes `L`.
pub(super) fn run_lanes<'a, C: Counts, L: Lanes<'a>>(
    sc: &Scenario,
    sp: &'a StrategyPlan,
    first: usize,
    b: &'a mut StrategyBuffers,
    demand_path: &[f64],
    inputs: &mut TrialInputs,
    sums: &mut Sums,
) {
    let mut lanes = L::open(sp, b.slots, b.running, first);
    let mut calendar = Calendar::new(sc, demand_path);
    for (i, (point, avail)) in b.points.iter_mut().zip(b.available.iter_mut()).enumerate() {
        let month = calendar.month(i, sp.buffer);
        lanes.begin::<C>(&month, inputs, point, avail);
        lanes.end::<C>(sc, &month, inputs, point, sums);
    }
    lanes.finish(b.running);
}

/// How a strategy's month loop runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// One vendor: nothing to overflow to (with or without overflow, the same months).
    One,
    /// Two vendors sharing work, the usual case of overflow.
    Two,
    /// Any other number of vendors.
    Other,
}

#[inline]
pub(super) fn kind(sp: &StrategyPlan) -> Kind {
    match (sp.slots.len(), sp.overflow) {
        (1, _) => Kind::One,
        (2, true) => Kind::Two,
        _ => Kind::Other,
    }
}

/// The vendors of a strategy in its month loop, with their running states held by
/// value, so that the loop keeps them in registers; [`Lanes::finish`] copies them back.
/// Each month is [`Lanes::begin`] then [`Lanes::end`]; [`simulate_pair`] runs two
/// strategies' halves alternately.
pub(super) trait Lanes<'a>: Sized {
    /// A strategy's vendors from slot `first` on (as many as the lanes hold), from
    /// their states at the start of the trial.
    fn open(
        sp: &'a StrategyPlan,
        slots: &'a mut [SlotState],
        running: &[Running],
        first: usize,
    ) -> Self;

    /// Steps 1-5 of a month: arrivals, disruption, capacity and work, overflow.
    fn begin<C: Counts>(
        &mut self,
        month: &Month,
        inputs: &mut TrialInputs,
        point: &mut MonthPoint,
        avail: &mut f64,
    );
    /// Steps 6-11 of a month: defects, costs, attrition, ramp, disruption clock,
    /// staffing.
    fn end<C: Counts>(
        &mut self,
        sc: &Scenario,
        month: &Month,
        inputs: &mut TrialInputs,
        point: &mut MonthPoint,
        sums: &mut Sums,
    );
    /// The running states, back where they are kept.
    fn finish(self, running: &mut [Running]);
}

/// Vendor `k` of a strategy, on its own: one vendor, or one of several without overflow.
pub(super) struct One<'a> {
    pub(super) k: usize,
    pub(super) slot: &'a SlotPlan,
    pub(super) state: &'a mut SlotState,
    pub(super) run: Running,
}

impl<'a> Lanes<'a> for One<'a> {
    #[inline]
    fn open(
        sp: &'a StrategyPlan,
        slots: &'a mut [SlotState],
        running: &[Running],
        first: usize,
    ) -> Self {
        One {
            k: first,
            slot: &sp.slots[first],
            state: &mut slots[first],
            run: running[first],
        }
    }

    #[inline(always)]
    fn begin<C: Counts>(
        &mut self,
        month: &Month,
        inputs: &mut TrialInputs,
        point: &mut MonthPoint,
        avail: &mut f64,
    ) {
        begin_vendor_month::<C, false>(self.slot, &mut self.run, self.state, month, inputs);
        point.capacity += self.run.capacity;
        *avail += self.run.available;
        point.heads += self.run.heads;
    }

    #[inline(always)]
    fn end<C: Counts>(
        &mut self,
        sc: &Scenario,
        month: &Month,
        inputs: &mut TrialInputs,
        point: &mut MonthPoint,
        sums: &mut Sums,
    ) {
        point.cumulative_cost += end_vendor_month::<C, false>(
            sc,
            self.slot,
            &mut self.run,
            self.state,
            month,
            inputs,
            sums,
        );
        point.backlog += self.run.backlog;
        point.defective += self.run.defective;
    }

    #[inline]
    fn finish(self, running: &mut [Running]) {
        running[self.k] = self.run;
    }
}

/// Two vendors sharing work: [`overflow`] written out for two.
pub(super) struct Two<'a> {
    pub(super) first: usize,
    pub(super) slots: (&'a SlotPlan, &'a SlotPlan),
    pub(super) states: (&'a mut SlotState, &'a mut SlotState),
    pub(super) runs: (Running, Running),
}

impl<'a> Lanes<'a> for Two<'a> {
    #[inline]
    fn open(
        sp: &'a StrategyPlan,
        slots: &'a mut [SlotState],
        running: &[Running],
        first: usize,
    ) -> Self {
        let (Some([slot_a, slot_b]), Some([state_a, state_b]), Some([run_a, run_b])) = (
            sp.slots[first..].first_chunk(),
            slots[first..].first_chunk_mut(),
            running[first..].first_chunk(),
        ) else {
            unreachable!("lanes of two vendors are opened on two");
        };
        Two {
            first,
            slots: (slot_a, slot_b),
            states: (state_a, state_b),
            runs: (*run_a, *run_b),
        }
    }

    #[inline(always)]
    fn begin<C: Counts>(
        &mut self,
        month: &Month,
        inputs: &mut TrialInputs,
        point: &mut MonthPoint,
        avail: &mut f64,
    ) {
        let (a, b) = (&mut self.runs.0, &mut self.runs.1);
        begin_vendor_month::<C, true>(self.slots.0, a, self.states.0, month, inputs);
        begin_vendor_month::<C, true>(self.slots.1, b, self.states.1, month, inputs);
        point.capacity += a.capacity;
        point.capacity += b.capacity;
        *avail += a.available;
        *avail += b.available;
        point.heads += a.heads;
        point.heads += b.heads;
        give_spare(a, b);
        give_spare(b, a);
    }

    #[inline(always)]
    fn end<C: Counts>(
        &mut self,
        sc: &Scenario,
        month: &Month,
        inputs: &mut TrialInputs,
        point: &mut MonthPoint,
        sums: &mut Sums,
    ) {
        let (a, b) = (&mut self.runs.0, &mut self.runs.1);
        point.cumulative_cost +=
            end_vendor_month::<C, true>(sc, self.slots.0, a, self.states.0, month, inputs, sums);
        point.cumulative_cost +=
            end_vendor_month::<C, true>(sc, self.slots.1, b, self.states.1, month, inputs, sums);
        point.backlog += a.backlog;
        point.backlog += b.backlog;
        point.defective += a.defective;
        point.defective += b.defective;
    }

    #[inline]
    fn finish(self, running: &mut [Running]) {
        (running[self.first], running[self.first + 1]) = self.runs;
    }
}

/// Whether two strategies' month loops can run side by side in [`simulate_pair`].
#[inline]
pub(super) fn can_pair(a: &StrategyPlan, b: &StrategyPlan) -> bool {
    kind(a) != Kind::Other && kind(b) != Kind::Other
}

/// The month loops of two strategies ([`can_pair`]), after [`start_strategy`], run side
/// by side: each month of a strategy depends on its month before, so the two loops'
/// chains of dependent instructions interleave and the processor works on both at once.
/// Each strategy draws from its own streams and adds to its own sums and points in the
/// same order as in [`simulate_strategy`], so the results are the same to the bit. The
/// two may belong to one trial or to two ([`simulate_trials`]), each with its demand
/// path and inputs.
pub(super) fn simulate_pair<C: Counts, I: PairInputs>(
    plan: &Plan,
    (sp_a, sp_b): (&StrategyPlan, &StrategyPlan),
    (a, b): (&mut StrategyBuffers, &mut StrategyBuffers),
    demand_path: (&[f64], &[f64]),
    inputs: I,
) -> (Sums, Sums) {
    match (kind(sp_a), kind(sp_b)) {
        (Kind::One, Kind::One) => {
            run_pair::<C, One, One, I>(plan, (sp_a, sp_b), (a, b), demand_path, inputs)
        }
        (Kind::One, Kind::Two) => {
            run_pair::<C, One, Two, I>(plan, (sp_a, sp_b), (a, b), demand_path, inputs)
        }
        (Kind::Two, Kind::One) => {
            run_pair::<C, Two, One, I>(plan, (sp_a, sp_b), (a, b), demand_path, inputs)
        }
        (Kind::Two, Kind::Two) => {
            run_pair::<C, Two, Two, I>(plan, (sp_a, sp_b), (a, b), demand_path, inputs)
        }
        _ => unreachable!("only strategies of one or two vendors are paired"),
    }
}

/// [`simulate_pair`] for lanes of the kinds `A` and `B`.
pub(super) fn run_pair<'a, C: Counts, A: Lanes<'a>, B: Lanes<'a>, I: PairInputs>(
    plan: &Plan,
    (sp_a, sp_b): (&'a StrategyPlan, &'a StrategyPlan),
    (a, b): (&'a mut StrategyBuffers, &'a mut StrategyBuffers),
    (demand_a, demand_b): (&[f64], &[f64]),
    mut inputs: I,
) -> (Sums, Sums) {
    let mut la = A::open(sp_a, a.slots, a.running, 0);
    let mut lb = B::open(sp_b, b.slots, b.running, 0);
    let sc = plan.scenario;
    let (mut sums_a, mut sums_b) = (Sums::default(), Sums::default());
    let mut calendar_a = Calendar::new(sc, demand_a);
    let mut calendar_b = Calendar::new(sc, demand_b);
    let points = a.points.iter_mut().zip(b.points.iter_mut());
    let available = a.available.iter_mut().zip(b.available.iter_mut());
    for (i, ((pa, pb), (avail_a, avail_b))) in points.zip(available).enumerate() {
        let month_a = calendar_a.month(i, sp_a.buffer);
        let month_b = calendar_b.month(i, sp_b.buffer);
        la.begin::<C>(&month_a, inputs.first(), pa, avail_a);
        lb.begin::<C>(&month_b, inputs.second(), pb, avail_b);
        la.end::<C>(sc, &month_a, inputs.first(), pa, &mut sums_a);
        lb.end::<C>(sc, &month_b, inputs.second(), pb, &mut sums_b);
    }
    la.finish(a.running);
    lb.finish(b.running);
    (sums_a, sums_b)
}

/// Where the two strategies of [`run_pair`] record the trial's inputs: the same trial's
/// (two strategies of one trial) or each its own (one strategy of two trials).
pub(super) trait PairInputs {
    fn first(&mut self) -> &mut TrialInputs;
    fn second(&mut self) -> &mut TrialInputs;
}

impl PairInputs for &mut TrialInputs {
    #[inline(always)]
    fn first(&mut self) -> &mut TrialInputs {
        self
    }
    #[inline(always)]
    fn second(&mut self) -> &mut TrialInputs {
        self
    }
}

impl PairInputs for (&mut TrialInputs, &mut TrialInputs) {
    #[inline(always)]
    fn first(&mut self) -> &mut TrialInputs {
        &mut *self.0
    }
    #[inline(always)]
    fn second(&mut self) -> &mut TrialInputs {
        &mut *self.1
    }
}
