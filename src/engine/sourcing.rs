//! The general month loop: model v2's contracts, currencies and sourcing over time
//! (`docs/model.md`; MODEL.md V2.1-V2.4 and V2.8).
//!
//! A scenario that uses any of these ([`crate::scenario::Scenario::uses_v2_sourcing`])
//! runs every strategy here instead of on the tuned loops of [`super::lanes`]. The loop
//! is plainer: one strategy at a time, month by month, every vendor of the strategy in
//! order of first mention, with shares that change by phase, exit and failure. It draws
//! from the same streams, in the same order per vendor, and rounds with the same
//! helpers as version 1's loop, and it adds its sums in version 1's order, so a version
//! 1 scenario run here ([`super::Plan::general`]) gives version 1's results to the bit.
//!
//! What every strategy of a trial shares is drawn once per trial by [`draw_sourcing`]:
//! one index path per currency and one failure month per vendor.

use std::ops::Range;

use rand_distr::Distribution;

use super::counts::Counts;
use super::month::{Calendar, Month, give_spare, overflow, staff};
use super::moves::{hand_over, pass_on_backlog, pass_on_failed};
use super::outputs::{MonthPoint, TrialInputs, TrialMetrics};
use super::plan::{Plan, SlotPlan, StrategyPlan};
use super::streams::{Purpose, TrialStreams};
use super::trial::{StrategyBuffers, Sums};
use super::whole::{heads_f64, lesser, not_negative, round_whole};
use super::workspace::{NEVER, Running, SlotMonth, SlotState, SourcingSlot, SourcingState};
use crate::model::dist::unit;
use crate::scenario::Pricing;

/// Runs `$body` for each of a strategy's `$n` vendors in order, with `$k` the slot. For
/// one or two vendors the body is written out for each, so that each vendor's month is a
/// copy of the code of its own whose branches the processor predicts for that vendor
/// alone, as it does for version 1's lanes (in one loop over both, they alternate
/// between the two vendors' patterns).
macro_rules! each_slot {
    ($n:expr, |$k:ident| $body:block) => {
        match $n {
            1 => {
                let $k = 0;
                $body
            }
            2 => {
                {
                    let $k = 0;
                    $body
                }
                {
                    let $k = 1;
                    $body
                }
            }
            n => {
                for $k in 0..n $body
            }
        }
    };
}

/// The trial's currency index paths and failure months, shared by every strategy, with
/// each index at the horizon and each failure month recorded in `inputs`.
pub(super) fn draw_sourcing(
    plan: &Plan,
    streams: &TrialStreams,
    fx: &mut [f64],
    failure: &mut [usize],
    inputs: &mut TrialInputs,
) {
    let sc = plan.scenario;
    let h = plan.horizon;
    for (ci, (c, path)) in sc.currencies.iter().zip(fx.chunks_exact_mut(h)).enumerate() {
        let mu = (1.0 + c.drift_annual).ln() / 12.0;
        let sigma = c.volatility_annual / 12f64.sqrt();
        let step_mean = mu - 0.5 * sigma * sigma;
        let mut rng = streams.stream(Purpose::Currency, ci as u64);
        let mut level = 1.0;
        for x in path {
            let eps: f64 = if sigma > 0.0 {
                rand_distr::StandardNormal.sample(&mut rng)
            } else {
                0.0
            };
            level *= (step_mean + sigma * eps).exp();
            *x = level;
        }
        inputs.currency_index[ci] = level;
    }
    for (vi, (v, month)) in sc.vendors.iter().zip(failure.iter_mut()).enumerate() {
        *month = NEVER;
        if v.failure_rate_per_year > 0.0 && plan.vendor_used[vi] {
            let p = 1.0 - (-v.failure_rate_per_year / 12.0).exp();
            let mut rng = streams.stream(Purpose::Failure, vi as u64);
            if let Some(i) = (0..h).find(|_| unit(&mut rng) < p) {
                *month = i + 1;
            }
        }
        inputs.failure_month[vi] = if *month == NEVER { 0 } else { *month as u64 };
    }
}

/// What the general loop adds to a strategy's trial beyond [`Sums`].
#[derive(Default)]
pub(super) struct Extra {
    pub(super) commitment: f64,
    pub(super) releases: f64,
    pub(super) transition: f64,
    pub(super) exit: f64,
    pub(super) setup: f64,
    pub(super) exits: u64,
    pub(super) first_exit_month: u64,
    /// Whether the trial was settled ([`general_months`]): every month paid the same
    /// fees.
    pub(super) settled: bool,
}

impl Extra {
    fn count_exit(&mut self, t: usize) {
        self.exits += 1;
        if self.first_exit_month == 0 {
            self.first_exit_month = t as u64;
        }
    }
}

/// The trial's draws the general loop reads, shared by every strategy.
pub(super) struct Shared<'a> {
    pub(super) demand: &'a [f64],
    pub(super) fx: &'a [f64],
    pub(super) failure: &'a [usize],
}

/// A vendor's currency index in month `i + 1`: 1 in the scenario's currency.
#[inline]
fn index_of(slot: &SlotPlan, fx: &[f64], h: usize, i: usize) -> f64 {
    slot.terms.currency.map_or(1.0, |c| fx[c * h + i])
}

impl SlotMonth {
    /// What month `i + 1` knows of a vendor at its start: its share and currency index
    /// do not change within the month (exits and failures move shares from month
    /// `t + 1` on).
    #[inline(always)]
    fn read(
        slot: &SlotPlan,
        k: usize,
        shares: &[f64],
        fx: &[f64],
        failed_at: usize,
        h: usize,
        i: usize,
    ) -> Self {
        let share = shares[k * h + i];
        SlotMonth {
            share,
            index: index_of(slot, fx, h, i),
            on: share > 0.0 && failed_at > i + 1,
            dormant: false,
            left_behind: 0.0,
            leaving_cost: 0.0,
            service: 1.0,
            released: 0.0,
        }
    }
}

/// Empties a vendor: no staff, no pipeline. Returns the heads it had.
#[inline(always)]
fn empty(run: &mut Running, state: &mut SlotState) -> u64 {
    let heads = run.tenured + run.ramp_heads;
    run.tenured = 0;
    run.ramp_heads = 0;
    state.ramp.fill(0);
    state.pipeline.fill(0);
    run.pipeline_total = 0;
    heads
}

/// One strategy's trial on the general loop, after `start_strategy`: returns its sums
/// and what the loop adds.
pub(super) fn simulate_general<C: Counts>(
    plan: &Plan,
    sp: &StrategyPlan,
    b: &mut StrategyBuffers,
    g: &mut SourcingState,
    shared: &Shared,
    inputs: &mut TrialInputs,
) -> (Sums, Extra) {
    let h = plan.horizon;
    let mut carry = start_months(plan, sp, b, g, shared);
    // A settled strategy keeps every vendor active with the same share until a vendor
    // fails or an exit rule fires: those months run without the checks of entries,
    // exits and failures, and the rest, from the month of the failure or the month
    // after the rule fired, with them.
    let settled_until = if sp.sourcing.settled && plan.settles {
        sp.slots
            .iter()
            .map(|slot| shared.failure[slot.vendor].saturating_sub(1))
            .fold(h, usize::min)
    } else {
        0
    };
    let mut from = 0;
    if settled_until > 0 {
        let months = 0..settled_until;
        let carry = &mut carry;
        let watch = sp.sourcing.exits.iter().any(Option::is_some);
        from = if watch {
            if sp.plain_terms {
                hold_running::<C, true, true, true>(plan, sp, b, g, shared, inputs, carry, months)
            } else {
                hold_running::<C, true, true, false>(plan, sp, b, g, shared, inputs, carry, months)
            }
        } else if sp.plain_terms {
            hold_running::<C, true, false, true>(plan, sp, b, g, shared, inputs, carry, months)
        } else {
            hold_running::<C, true, false, false>(plan, sp, b, g, shared, inputs, carry, months)
        };
    }
    if from < h {
        hold_running::<C, false, true, false>(plan, sp, b, g, shared, inputs, &mut carry, from..h);
    }
    end_months(plan, sp, g, carry, from)
}

/// What a strategy's trial carries from one run of months to the next.
struct Carry<'a> {
    sums: Sums,
    extra: Extra,
    /// Whether an exit or failure has moved shares yet in this trial.
    moved: bool,
    calendar: Calendar<'a>,
}

/// The start of a strategy's trial on the general loop: the planned shares, each
/// slot's failure month, and vendors not active in month 1 without staff.
#[inline(always)]
fn start_months<'a>(
    plan: &'a Plan,
    sp: &StrategyPlan,
    b: &mut StrategyBuffers,
    g: &mut SourcingState,
    shared: &Shared<'a>,
) -> Carry<'a> {
    let h = plan.horizon;
    let n = b.running.len();
    if !g.shares_planned {
        g.shares[..n * h].copy_from_slice(&sp.sourcing.planned);
    }
    g.slots[..n].fill(SourcingSlot::default());
    g.charges.fill([0.0; 2]);
    for (f, slot) in g.failed_at[..n].iter_mut().zip(&sp.slots) {
        *f = shared.failure[slot.vendor];
    }
    for (k, (slot, (run, state))) in sp.slots[..n]
        .iter()
        .zip(b.running.iter_mut().zip(b.slots.iter_mut()))
        .enumerate()
    {
        // A vendor not active in month 1 starts with no staff.
        if g.shares[k * h] <= 0.0 {
            run.tenured = 0;
        }
        let cap = 1.0 + slot.terms.escalation_cap;
        if state.escalation_mult > cap {
            state.escalation_mult = cap;
        }
        run.arrivals = 0;
    }
    Carry {
        sums: Sums::default(),
        extra: Extra::default(),
        moved: false,
        calendar: Calendar::new(plan.scenario, shared.demand),
    }
}

/// The end of a strategy's trial on the general loop, whose first `settled` months ran
/// settled ([`general_months`]): those months' activity and fees, and the sums of a
/// strategy without overflow added in version 1's order.
#[inline(always)]
fn end_months(
    plan: &Plan,
    sp: &StrategyPlan,
    g: &mut SourcingState,
    carry: Carry,
    settled: usize,
) -> (Sums, Extra) {
    let h = plan.horizon;
    let n = sp.slots.len();
    let Carry {
        mut sums,
        mut extra,
        moved,
        ..
    } = carry;
    g.shares_planned = !moved;
    // Every vendor was active in the settled months, paying month 1's fees, and
    // entered only in month 1.
    if settled > 1 {
        let fees = g.charges[0][1];
        g.charges[1..settled].fill([0.0, fees]);
        for row in g.active.chunks_exact_mut(h).take(n) {
            row[1..settled].fill(true);
        }
    }
    extra.settled = settled == h;
    // Without overflow, version 1 adds each vendor's months in one go.
    if !sp.overflow && n > 1 {
        for entry in &g.ledger[..n * h] {
            sums.labor += entry[0];
            sums.incidents_cost += entry[1];
            sums.credits += entry[2];
            sums.good += entry[3];
            sums.defective += entry[4];
            sums.work += entry[5];
        }
    }
    (sums, extra)
}

/// [`general_months`] for `months`, as `SETTLED`, `WATCH` and `PLAIN` say, with the
/// running states held by value for one or two vendors. Returns the month index it
/// stopped before.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn hold_running<C: Counts, const SETTLED: bool, const WATCH: bool, const PLAIN: bool>(
    plan: &Plan,
    sp: &StrategyPlan,
    b: &mut StrategyBuffers,
    g: &mut SourcingState,
    shared: &Shared,
    inputs: &mut TrialInputs,
    carry: &mut Carry,
    months: Range<usize>,
) -> usize {
    let StrategyBuffers {
        slots,
        running,
        points,
        available,
    } = b;
    // One or two vendors' running states are held by value, as version 1's lanes hold
    // them, so that the month loop, written for that many, keeps them in registers.
    match running.len() {
        1 => {
            let mut held = [running[0]];
            let out = general_months::<C, SETTLED, WATCH, PLAIN>(
                plan, sp, slots, &mut held, points, available, g, shared, inputs, carry, months,
            );
            running.copy_from_slice(&held);
            out
        }
        2 => {
            let mut held = [running[0], running[1]];
            let out = general_months::<C, SETTLED, WATCH, PLAIN>(
                plan, sp, slots, &mut held, points, available, g, shared, inputs, carry, months,
            );
            running.copy_from_slice(&held);
            out
        }
        _ => general_months::<C, SETTLED, WATCH, PLAIN>(
            plan, sp, slots, running, points, available, g, shared, inputs, carry, months,
        ),
    }
}

/// [`simulate_general`] for `months`, with the vendors' running states in `running`,
/// one per slot. Returns the month index it stopped before: the end of `months`, or,
/// `SETTLED`, the month after the one at whose end an exit rule moved shares.
///
/// `SETTLED`: the strategy is settled ([`super::plan::Sourcing::settled`]), no vendor
/// fails in `months` and no exit rule has moved a share, so every vendor is active with
/// the same share in every month and pays the same fees. Every month after the first
/// is then quiet: it reads each vendor's currency index, and [`end_months`] copies the
/// activity and fees of month 1 to the others; entries, failures and transitions need
/// no checks, and exit rules only watch until one moves shares, which ends the run
/// (after the month's staffing for the moved shares). `WATCH`, read only when
/// `SETTLED`: whether the strategy has an exit rule to watch (without one, each
/// vendor's staffing follows its month at once, as in version 1's loop). `PLAIN`: every
/// vendor of the strategy bills per head in the scenario's currency, without tiers,
/// floor or release costs ([`StrategyPlan::plain_terms`]), so that the month skips
/// what those would add (each a zero, whose sums are the same without it).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn general_months<C: Counts, const SETTLED: bool, const WATCH: bool, const PLAIN: bool>(
    plan: &Plan,
    sp: &StrategyPlan,
    slots: &mut [SlotState],
    running: &mut [Running],
    points: &mut [MonthPoint],
    available: &mut [f64],
    g: &mut SourcingState,
    shared: &Shared,
    inputs: &mut TrialInputs,
    carry: &mut Carry,
    months: Range<usize>,
) -> usize {
    let sc = plan.scenario;
    let h = plan.horizon;
    let n = running.len();
    let costs = &sc.costs;
    let mut sums = std::mem::take(&mut carry.sums);
    let mut extra = std::mem::take(&mut carry.extra);
    let mut moved = carry.moved;
    let mut calendar = carry.calendar;
    // Every per-slot buffer as a slice of the strategy's `n` slots, borrowed apart, so
    // that the loops below walk them together without bounds checks.
    let SourcingState {
        shares,
        slots: sourcing,
        ledger,
        charges,
        active: active_months,
        failed_at,
        month: slot_months,
        steady,
        ..
    } = g;
    let plans = &sp.slots[..n];
    let exits = &sp.sourcing.exits[..n];
    let slots = &mut slots[..n];
    let sourcing = &mut sourcing[..n];
    let slot_months = &mut slot_months[..n];
    let failed_at = &failed_at[..n];
    let shares = &mut shares[..n * h];
    // Sums in version 1's order: month by month with overflow (as they come), vendor by
    // vendor without (kept per month in the ledger and added by `end_months`).
    let vendor_major = !sp.overflow && n > 1;
    let watch_exits = if SETTLED {
        WATCH
    } else {
        exits.iter().any(Option::is_some)
    };
    let may_fail = !SETTLED && failed_at.iter().any(|&f| f <= h);
    let mut stop = months.end;
    let start = months.start;
    for (j, ((point, avail), charge)) in points[months.clone()]
        .iter_mut()
        .zip(available[months.clone()].iter_mut())
        .zip(charges[months].iter_mut())
        .enumerate()
    {
        let i = start + j;
        let t = i + 1;
        let month = calendar.month(i, sp.buffer);
        // Before step 1: failures, leaving and entering, in a month where any vendor may
        // leave, enter or fail; then steps 1-4 for each vendor. In a quiet month, where
        // every vendor stays as it was, steps 1-4 follow what the month knows of it.
        let failing = !SETTLED && may_fail && failed_at.contains(&t);
        let quiet = i > 0 && (SETTLED || (!moved && steady[i] && !failing));
        if quiet {
            each_slot!(n, |k| {
                let (slot, run, state) = (&plans[k], &mut running[k], &mut slots[k]);
                let (src, m) = (&mut sourcing[k], &mut slot_months[k]);
                if SETTLED {
                    // Active with the share of month 1 (whose activity and fees are
                    // copied at the end).
                    if !PLAIN {
                        m.index = index_of(slot, shared.fx, h, i);
                    }
                } else {
                    *m = SlotMonth::read(slot, k, shares, shared.fx, failed_at[k], h, i);
                    active_months[k * h + i] = m.on;
                    if m.on {
                        charge[1] += slot.monthly_fees;
                    }
                }
                begin_slot::<C, SETTLED, PLAIN>(
                    slot, run, state, src, m, &month, t, inputs, point, avail,
                );
            });
        } else {
            let mut any_left = false;
            for k in 0..n {
                let (slot, run, state) = (&plans[k], &mut running[k], &mut slots[k]);
                let (src, m) = (&mut sourcing[k], &mut slot_months[k]);
                *m = SlotMonth::read(slot, k, shares, shared.fx, failed_at[k], h, i);
                let x = m.index;
                let failed = failed_at[k] <= t;
                if failed_at[k] == t {
                    // Staff and pipeline are gone, without release costs.
                    empty(run, state);
                    src.exit_done = true;
                    if m.share > 0.0 {
                        extra.count_exit(t);
                        src.failed_month = t;
                    }
                }
                let now = m.share > 0.0;
                let was = src.active;
                if was && !now {
                    // Leaving: backlog to the fallback or the active vendors, staff released.
                    m.left_behind = std::mem::take(&mut run.backlog);
                    any_left = true;
                    if !failed {
                        let heads = empty(run, state);
                        let released = heads_f64(heads) * slot.terms.release_cost * x;
                        let fee = slot.terms.exit_fee * x;
                        extra.releases += released;
                        extra.exit += fee;
                        m.leaving_cost = released + fee;
                    }
                    if src.exit_at == t {
                        extra.count_exit(t);
                        src.left_month = t;
                        src.leave_cost = m.leaving_cost;
                    }
                } else if now && !was && !failed {
                    src.entered = t;
                    let setup = slot.terms.setup_cost * x + slot.terms.due_diligence_cost;
                    charge[0] += setup;
                    extra.setup += setup;
                }
                src.active = now;
                active_months[k * h + i] = m.on;
                if m.on {
                    charge[1] += slot.monthly_fees;
                }
            }
            if any_left {
                pass_on_backlog(exits, running, sourcing, slot_months, failed_at, t);
            }
            for k in 0..n {
                let (slot, run, state) = (&plans[k], &mut running[k], &mut slots[k]);
                let (src, m) = (&mut sourcing[k], &mut slot_months[k]);
                begin_slot::<C, SETTLED, PLAIN>(
                    slot, run, state, src, m, &month, t, inputs, point, avail,
                );
            }
        }
        // Step 5: for two vendors as version 1's lanes move work, without a branch.
        if sp.overflow {
            if let [a, b] = running {
                give_spare(a, b);
                give_spare(b, a);
            } else {
                overflow(running);
            }
        }
        // Steps 6-10 for each vendor, and step 11 with them when no exit or failure
        // can move shares at the end of the month.
        let fused = !watch_exits && (SETTLED || !failing);
        each_slot!(n, |k| {
            let (slot, run, state) = (&plans[k], &mut running[k], &mut slots[k]);
            let (src, m) = (&mut sourcing[k], &mut slot_months[k]);
            'steps: {
                if !SETTLED && m.dormant {
                    // Dormant: its incident stream stays in step; it pays only for leaving.
                    let s = &mut state.streams;
                    let count = C::count(&mut s.incidents, &mut s.incident_rng, month.end);
                    for _ in 0..count {
                        let _ = unit(&mut s.incident_rng);
                        let loss = sc.vendors[slot.vendor]
                            .incident_loss
                            .sample(&mut s.incident_rng);
                        if slot.record_inputs {
                            inputs.incident_loss[slot.vendor] += loss;
                        }
                    }
                    if vendor_major {
                        ledger[k * h + i] = [0.0; 6];
                    }
                    run.defective = 0.0;
                    point.cumulative_cost += m.leaving_cost;
                    run.disrupted_left = run.disrupted_left.saturating_sub(1);
                    break 'steps;
                }
                let x = if PLAIN { 1.0 } else { m.index };
                let on = SETTLED || m.on;
                let work = run.own_work + run.inflow;
                let ramp_share = if run.effective > 0.0 {
                    slot.ramp_productivity * heads_f64(run.ramp_heads) / run.effective
                } else {
                    0.0
                };
                let p_defect = lesser(
                    state.defect_base * (1.0 + slot.defect_ramp * ramp_share),
                    1.0,
                );
                let defects = lesser(
                    C::defects(&mut state.streams.defect_rng, round_whole(work), p_defect),
                    work,
                );
                let good = work - defects;
                let unmet = run.available - run.own_work - run.outflow;
                run.backlog = not_negative(unmet + defects);
                run.defective = defects;
                // Step 7: costs.
                let terms = &slot.terms;
                let quantity = match terms.pricing {
                    _ if PLAIN => run.heads,
                    Pricing::PerFte => run.heads,
                    Pricing::PerUnit => work,
                    Pricing::PerGoodUnit => good,
                };
                let gross = quantity * terms.price * run.price_factor * x;
                // The last tier reached, selected rather than searched for: which tier
                // a month reaches changes unpredictably.
                let mut discount = 0.0f64;
                for tier in if PLAIN { &[][..] } else { &terms.tiers[..] } {
                    let reached = u64::from(tier.from <= quantity).wrapping_neg();
                    discount = f64::from_bits(
                        (tier.discount.to_bits() & reached) | (discount.to_bits() & !reached),
                    );
                }
                let labor = gross * (1.0 - discount);
                let commitment = if !PLAIN && on && terms.min_monthly_fee > 0.0 {
                    not_negative(terms.min_monthly_fee * run.price_factor * x - labor)
                } else {
                    0.0
                };
                let service = if run.available > 0.0 {
                    lesser(good / run.available, 1.0)
                } else {
                    1.0
                };
                if !SETTLED || watch_exits {
                    // Read by the exit rules at the end of the month.
                    m.service = service;
                }
                let defects_cost = defects * costs.defect_cost_per_unit;
                let mut credits = 0.0;
                if let Some(sla) = slot.sla {
                    // Selected by a mask rather than branched on, as in version 1's loop.
                    let owed = lesser(
                        (sla.target - service) * 100.0 * sla.credit_per_point,
                        sla.cap,
                    ) * if PLAIN { labor } else { labor + commitment };
                    let keep = u64::from(service < sla.target).wrapping_neg();
                    credits = f64::from_bits(owed.to_bits() & keep);
                }
                let mut incident_cost = 0.0;
                let s = &mut state.streams;
                let count = C::count(&mut s.incidents, &mut s.incident_rng, month.end);
                for _ in 0..count {
                    let keep = unit(&mut s.incident_rng) >= slot.incident_keep_threshold;
                    let loss = sc.vendors[slot.vendor]
                        .incident_loss
                        .sample(&mut s.incident_rng);
                    if keep && on {
                        sums.incidents += 1;
                        incident_cost += loss;
                    }
                    if slot.record_inputs {
                        inputs.incident_loss[slot.vendor] += loss;
                    }
                }
                let transition =
                    if !SETTLED && on && t - src.entered < terms.transition_months as usize {
                        terms.knowledge_transfer_cost * x
                    } else {
                        0.0
                    };
                // The terms a copy leaves out are zeros, and the sum before them is never
                // -0 (its terms are not negative), so that it stays as it was.
                let mut cost = labor + run.onboarding + defects_cost + incident_cost - credits;
                if !PLAIN {
                    cost += commitment;
                    extra.commitment += commitment;
                }
                if !SETTLED {
                    cost += transition;
                    cost += m.leaving_cost;
                }
                if !SETTLED {
                    extra.transition += transition;
                }
                if vendor_major {
                    ledger[k * h + i] = [labor, incident_cost, credits, good, defects, work];
                } else {
                    sums.labor += labor;
                    sums.incidents_cost += incident_cost;
                    sums.credits += credits;
                    sums.good += good;
                    sums.defective += defects;
                    sums.work += work;
                }
                point.cumulative_cost += cost;
                point.backlog += run.backlog;
                point.defective += run.defective;
                // Step 8: attrition; step 9: ramp.
                let rng = &mut state.streams.attrition_rng;
                let mut leavers = C::leavers(&state.leavers, rng, run.tenured);
                run.tenured -= leavers;
                if slot.ramp_months > 0 {
                    let ramp_leavers =
                        C::cohort_leavers(&state.leavers, rng, &mut state.ramp, run.ramp_heads);
                    let first = if run.ramp_pos + 1 == slot.ramp_months {
                        0
                    } else {
                        run.ramp_pos + 1
                    };
                    let graduates = std::mem::take(&mut state.ramp[first]);
                    run.ramp_pos = first;
                    run.tenured += graduates;
                    run.ramp_heads -= ramp_leavers + graduates;
                    leavers += ramp_leavers;
                }
                sums.leavers += leavers;
                // Step 10.
                run.disrupted_left = run.disrupted_left.saturating_sub(1);
            }
            if fused && (SETTLED || failed_at[k] > t) {
                m.released = staff_slot::<SETTLED, PLAIN>(
                    plan, sp, slot, run, state, m, shares, k, i, &month, &mut sums,
                );
                if !PLAIN {
                    extra.releases += m.released;
                }
            }
        });
        if fused {
            if !PLAIN {
                for m in slot_months.iter() {
                    point.cumulative_cost += m.released;
                }
            }
            continue;
        }
        // What the end of month t makes known (V2.8 rule 5): failures in t, then exits
        // triggered, in slot order.
        let mut changed = false;
        for k in 0..n {
            let (src, m, exit) = (&mut sourcing[k], &slot_months[k], &exits[k]);
            if failed_at[k] == t {
                changed = true;
            }
            let Some(rule) = exit else {
                continue;
            };
            if src.exit_done || failed_at[k] <= t {
                continue;
            }
            if m.share > 0.0 && m.service < rule.below {
                src.low_run += 1;
            } else {
                src.low_run = 0;
            }
            if src.low_run >= rule.for_months {
                src.exit_done = true;
                let at = t + rule.notice + 1;
                if at <= h {
                    src.exit_at = at;
                    hand_over(shares, h, k, rule.fallback, at - 1);
                    changed = true;
                }
            }
        }
        if changed {
            moved = true;
            pass_on_failed(exits, shares, h, failed_at, t);
        }
        // Step 11: staffing for the share hires will meet.
        if SETTLED && changed {
            // An exit rule has moved shares: this staffing and the months from the
            // next on need every check.
            for k in 0..n {
                let (slot, run, state) = (&plans[k], &mut running[k], &mut slots[k]);
                let m = &slot_months[k];
                let released = staff_slot::<false, false>(
                    plan, sp, slot, run, state, m, shares, k, i, &month, &mut sums,
                );
                extra.releases += released;
                point.cumulative_cost += released;
            }
            stop = t;
            break;
        }
        each_slot!(n, |k| {
            if SETTLED || failed_at[k] > t {
                let (slot, run, state) = (&plans[k], &mut running[k], &mut slots[k]);
                let m = &slot_months[k];
                let released = staff_slot::<SETTLED, PLAIN>(
                    plan, sp, slot, run, state, m, shares, k, i, &month, &mut sums,
                );
                if !PLAIN {
                    extra.releases += released;
                    point.cumulative_cost += released;
                }
            }
        });
    }
    carry.sums = sums;
    carry.extra = extra;
    carry.moved = moved;
    carry.calendar = calendar;
    stop
}

/// Steps 1-4 for one vendor in month `t`: arrivals, disruption, capacity (scaled by
/// the transition after an entry) and the work available to it. A vendor the strategy
/// does not use this month, without staff, pipeline or backlog, is dormant: it only
/// keeps its disruption stream and clock in step. `SETTLED` and `PLAIN` as in
/// [`general_months`]: the vendor is active and past any transition, and (`PLAIN`)
/// bills in the scenario's currency.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn begin_slot<C: Counts, const SETTLED: bool, const PLAIN: bool>(
    slot: &SlotPlan,
    run: &mut Running,
    state: &mut SlotState,
    src: &mut SourcingSlot,
    m: &mut SlotMonth,
    month: &Month,
    t: usize,
    inputs: &mut TrialInputs,
    point: &mut MonthPoint,
    avail: &mut f64,
) {
    let x = if PLAIN { 1.0 } else { m.index };
    if month.new_year {
        run.price_factor *= state.escalation_mult;
    }
    // A vendor the strategy does not use this month, with no staff, pipeline
    // or backlog, only keeps its disruption stream and clock in step.
    if !SETTLED
        && m.share <= 0.0
        && run.tenured + run.ramp_heads + run.pipeline_total == 0
        && run.backlog == 0.0
    {
        m.dormant = true;
        let s = &mut state.streams;
        if C::any(&mut s.disruptions, &mut s.disruption_rng, month.end) {
            run.disrupted_left = run.disrupted_left.max(slot.disruption_months);
            if slot.record_inputs {
                inputs.disruptions[slot.vendor] += 1;
            }
        }
        run.heads = 0.0;
        run.effective = 0.0;
        run.capacity = 0.0;
        run.available = 0.0;
        run.own_work = 0.0;
        run.inflow = 0.0;
        run.outflow = 0.0;
        run.onboarding = 0.0;
        return;
    }
    // The ring's next position, worked out rather than branched on: the general loop
    // runs vendors of different leads through this code, whose wraps no predictor
    // foresees.
    let next = run.pipeline_pos + 1;
    run.pipeline_pos = next * usize::from(next != state.pipeline.len());
    let arrived = std::mem::take(&mut state.pipeline[run.pipeline_pos]);
    run.pipeline_total -= arrived;
    run.arrivals += arrived;
    src.arrivals_x += heads_f64(arrived) * x;
    if slot.ramp_months == 0 {
        run.tenured += arrived;
    } else {
        state.ramp[run.ramp_pos] += arrived;
        run.ramp_heads += arrived;
    }
    run.onboarding = heads_f64(arrived) * slot.onboarding_cost * x;
    let s = &mut state.streams;
    if C::any(&mut s.disruptions, &mut s.disruption_rng, month.end) {
        run.disrupted_left = run.disrupted_left.max(slot.disruption_months);
        if slot.record_inputs {
            inputs.disruptions[slot.vendor] += 1;
        }
    }
    let dmult = if run.disrupted_left > 0 {
        slot.disrupted_mult
    } else {
        1.0
    };
    run.heads = heads_f64(run.tenured + run.ramp_heads);
    run.effective = heads_f64(run.tenured) + slot.ramp_productivity * heads_f64(run.ramp_heads);
    run.capacity = if SETTLED || m.on {
        let c = run.effective * slot.units * slot.levers.productivity_mult * dmult;
        let u = t - src.entered;
        let tm = slot.terms.transition_months as usize;
        if !SETTLED && u < tm {
            let tp = slot.terms.transition_productivity;
            c * (tp + (1.0 - tp) * u as f64 / tm as f64)
        } else {
            c
        }
    } else {
        0.0
    };
    run.available = m.share * month.demand + run.backlog;
    run.own_work = lesser(run.capacity, run.available);
    run.inflow = 0.0;
    run.outflow = 0.0;
    point.capacity += run.capacity;
    *avail += run.available;
    point.heads += run.heads;
}

/// Step 11 for slot `k` in month `i + 1`: staffing for the share its hires will meet,
/// of the demand as it is now or as planned (V2.4). Returns what releasing heads cost
/// (0 if it released none). `SETTLED` and `PLAIN` as in [`general_months`]: the vendor
/// is active with the same share in every month, and (`PLAIN`) releases cost nothing.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn staff_slot<const SETTLED: bool, const PLAIN: bool>(
    plan: &Plan,
    sp: &StrategyPlan,
    slot: &SlotPlan,
    run: &mut Running,
    state: &mut SlotState,
    m: &SlotMonth,
    shares: &[f64],
    k: usize,
    i: usize,
    month: &Month,
    sums: &mut Sums,
) -> f64 {
    let h = plan.horizon;
    let lead = slot.terms.lead;
    let share = if SETTLED {
        m.share
    } else {
        shares[k * h + (i + lead).min(h - 1)]
    };
    let demand = if sp.sourcing.planned_staffing {
        let (s, e) = (&plan.season, &plan.steps);
        month.demand * s[i + lead] / s[i] * e[i + lead] / e[i] * slot.terms.lead_growth
    } else {
        month.demand
    };
    let floor = if SETTLED || m.share > 0.0 {
        slot.min_fte
    } else {
        0
    };
    let release = staff(slot, run, state, month, share * demand, floor, sums);
    // Not branched on whether any head goes, as `staff` does not: none costs +0 (cost
    // and index are finite), which leaves the sums it is added to as they were (they
    // start at +0, so they are never -0).
    if PLAIN {
        0.0
    } else {
        heads_f64(release) * slot.terms.release_cost * m.index
    }
}

/// The general loop's outputs of a strategy, after `finish_strategy` priced its months:
/// onboarding, setup and fees as they were paid, and the new components.
pub(super) fn finish_general(
    plan: &Plan,
    sp: &StrategyPlan,
    g: &SourcingState,
    extra: &Extra,
    points: &[MonthPoint],
    out: &mut TrialMetrics,
) {
    let heads_sum: f64 = points.iter().fold(0.0, |sum, p| sum + p.heads);
    let mut onboarding = 0.0;
    for (slot, state) in sp.slots.iter().zip(&g.slots) {
        onboarding += state.arrivals_x * slot.onboarding_cost;
    }
    // Fees priced once per run of months with the same fees, as version 1 prices them
    // once over the horizon.
    let mut fees = 0.0;
    let charges = &g.charges;
    if extra.settled {
        // One run, the horizon.
        fees += charges[0][1] * charges.len() as f64;
    } else {
        let mut run_start = 0;
        for i in 1..=charges.len() {
            if i == charges.len() || charges[i][1].to_bits() != charges[run_start][1].to_bits() {
                fees += charges[run_start][1] * (i - run_start) as f64;
                run_start = i;
            }
        }
    }
    out.onboarding = onboarding;
    out.setup = extra.setup;
    out.oversight = sp.oversight_hours * heads_sum * plan.scenario.costs.manager_hourly_cost + fees;
    out.commitment = extra.commitment;
    out.releases = extra.releases;
    out.transition = extra.transition;
    out.exit = extra.exit;
    out.exits = extra.exits;
    out.first_exit_month = extra.first_exit_month;
}
