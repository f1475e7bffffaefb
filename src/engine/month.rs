//! One month of one vendor: the model's physics (`docs/model.md`, steps 1-11).
//!
//! [`begin_vendor_month`] takes arrivals, disruption and capacity (steps 1-4);
//! [`overflow`] and [`give_spare`] move work between a strategy's vendors (step 5);
//! [`end_vendor_month`] works, counts defects, prices the month, draws leavers, ramps
//! hires and staffs (steps 6-11). [`Calendar`] gives each month's shared figures
//! ([`Month`]). Everything here is `#[inline(always)]` into the month loops of
//! [`super::lanes`]: this is the hot loop.

use super::counts::Counts;
use super::outputs::TrialInputs;
use super::plan::SlotPlan;
use super::trial::Sums;
use super::whole::{ceil_count, heads_f64, lesser, not_negative, round_whole};
use super::workspace::{Running, SlotState};
use crate::model::dist::unit;
use crate::scenario::Scenario;

/// The calendar of the month loop: month `i + 1`'s [`Month`], given the month of the
/// contract year before it.
#[derive(Clone, Copy)]
pub(super) struct Calendar<'a> {
    pub(super) sc: &'a Scenario,
    pub(super) demand_path: &'a [f64],
    pub(super) month_of_year: u32,
}

impl<'a> Calendar<'a> {
    #[inline]
    pub(super) fn new(sc: &'a Scenario, demand_path: &'a [f64]) -> Self {
        Calendar {
            sc,
            demand_path,
            month_of_year: 0,
        }
    }

    #[inline(always)]
    pub(super) fn month(&mut self, i: usize, buffer: f64) -> Month<'a> {
        self.month_of_year += 1;
        let new_year = self.month_of_year == 13;
        if new_year {
            self.month_of_year = 1;
        }
        Month {
            end: (i + 1) as f64,
            demand: self.demand_path[i],
            new_year,
            costs: &self.sc.costs,
            backlog_clear_months: self.sc.assumptions.backlog_clear_months,
            buffer,
        }
    }
}

/// What every vendor of a strategy shares in one month.
#[derive(Clone, Copy)]
pub(super) struct Month<'a> {
    /// `t` as a float: the end of month `t` in months from the start of month 1.
    pub(super) end: f64,
    pub(super) demand: f64,
    /// Whether month `t` starts a contract year after the first (`t = 13, 25, ...`).
    pub(super) new_year: bool,
    pub(super) costs: &'a crate::scenario::Costs,
    pub(super) backlog_clear_months: f64,
    pub(super) buffer: f64,
}

/// Steps 1-4 for one vendor: arrivals, disruption, capacity and work. `OVERFLOW`: whether
/// the strategy moves work between its vendors (step 5), without which nothing flows.
#[inline(always)]
pub(super) fn begin_vendor_month<C: Counts, const OVERFLOW: bool>(
    slot: &SlotPlan,
    run: &mut Running,
    state: &mut SlotState,
    month: &Month,
    inputs: &mut TrialInputs,
) {
    if month.new_year {
        run.price_factor *= state.escalation_mult;
    }
    // Step 1: arrivals.
    run.pipeline_pos += 1;
    if run.pipeline_pos == state.pipeline.len() {
        run.pipeline_pos = 0;
    }
    let arrived = std::mem::take(&mut state.pipeline[run.pipeline_pos]);
    run.pipeline_total -= arrived;
    run.arrivals += arrived;
    if slot.ramp_months == 0 {
        run.tenured += arrived;
    } else {
        state.ramp[run.ramp_pos] += arrived;
        run.ramp_heads += arrived;
    }
    run.onboarding = heads_f64(arrived) * slot.onboarding_cost;
    // Step 2: disruption.
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
    // Steps 3-4: capacity and work.
    run.heads = heads_f64(run.tenured + run.ramp_heads);
    run.effective = heads_f64(run.tenured) + slot.ramp_productivity * heads_f64(run.ramp_heads);
    run.capacity = run.effective * slot.units * slot.levers.productivity_mult * dmult;
    run.available = slot.share * month.demand + run.backlog;
    // Capacity is never NaN; available work may be, in overflowing scenarios.
    run.own_work = lesser(run.capacity, run.available);
    if OVERFLOW {
        run.inflow = 0.0;
        run.outflow = 0.0;
    }
}

/// Steps 6-11 for one vendor: defects, costs, attrition, ramp, disruption clock and
/// staffing. Returns the vendor's cost of the month and adds its outputs to `sums`.
#[inline(always)]
pub(super) fn end_vendor_month<C: Counts, const OVERFLOW: bool>(
    sc: &Scenario,
    slot: &SlotPlan,
    run: &mut Running,
    state: &mut SlotState,
    month: &Month,
    inputs: &mut TrialInputs,
    sums: &mut Sums,
) -> f64 {
    let costs = month.costs;
    // Step 6: defects.
    let work = if OVERFLOW {
        run.own_work + run.inflow
    } else {
        run.own_work
    };
    let ramp_share = if run.effective > 0.0 {
        slot.ramp_productivity * heads_f64(run.ramp_heads) / run.effective
    } else {
        0.0
    };
    // A probability above 1 is certain; `binomial_units` draws none below 0 (or NaN).
    let p_defect = lesser(
        state.defect_base * (1.0 + slot.defect_ramp * ramp_share),
        1.0,
    );
    let defects = lesser(
        C::defects(&mut state.streams.defect_rng, round_whole(work), p_defect),
        work,
    );
    let good = work - defects;
    let unmet = if OVERFLOW {
        run.available - run.own_work - run.outflow
    } else {
        run.available - run.own_work
    };
    run.backlog = not_negative(unmet + defects);
    run.defective = defects;

    // Step 7: costs.
    let heads = run.heads;
    let labor = heads * slot.rate * run.price_factor;
    // Setup, oversight and delay are priced per month over all vendors, with the
    // month's heads and backlog (`simulate_strategy`).
    let defects_cost = defects * costs.defect_cost_per_unit;
    let mut credits = 0.0;
    if let Some(sla) = slot.sla {
        let sl = if run.available > 0.0 {
            lesser(good / run.available, 1.0)
        } else {
            1.0
        };
        // Selected by a mask of its bits rather than branched on (which the compiler
        // does for a plain `if`): whether the target is met changes from month to month
        // unpredictably. No bits left is 0.
        let owed = lesser((sla.target - sl) * 100.0 * sla.credit_per_point, sla.cap) * labor;
        let keep = u64::from(sl < sla.target).wrapping_neg();
        credits = f64::from_bits(owed.to_bits() & keep);
    }
    let mut incident_cost = 0.0;
    let s = &mut state.streams;
    let n = C::count(&mut s.incidents, &mut s.incident_rng, month.end);
    if n > 0 {
        let v = &sc.vendors[slot.vendor];
        for _ in 0..n {
            let keep = unit(&mut s.incident_rng) >= slot.incident_keep_threshold;
            let loss = v.incident_loss.sample(&mut s.incident_rng);
            if keep {
                sums.incidents += 1;
                incident_cost += loss;
            }
            if slot.record_inputs {
                inputs.incident_loss[slot.vendor] += loss;
            }
        }
    }
    let cost = labor + run.onboarding + defects_cost + incident_cost - credits;
    sums.labor += labor;
    sums.incidents_cost += incident_cost;
    sums.credits += credits;
    sums.good += good;
    sums.defective += defects;
    sums.work += work;

    // Step 8: attrition; leavers worked this month. Tenured heads first, then the
    // ramping cohorts.
    let rng = &mut state.streams.attrition_rng;
    let mut leavers = C::leavers(&state.leavers, rng, run.tenured);
    run.tenured -= leavers;
    if slot.ramp_months > 0 {
        let ramp_leavers = C::cohort_leavers(&state.leavers, rng, &mut state.ramp, run.ramp_heads);
        // Step 9: ramp. R_1 joins the tenured; the others move down by the ring.
        let first = if run.ramp_pos + 1 == slot.ramp_months {
            0
        } else {
            run.ramp_pos + 1
        };
        let graduates = std::mem::take(&mut state.ramp[first]);
        // Next month's arrivals join the ring where these heads left it.
        run.ramp_pos = first;
        run.tenured += graduates;
        run.ramp_heads -= ramp_leavers + graduates;
        leavers += ramp_leavers;
    }
    sums.leavers += leavers;
    // Step 10: disruption clock.
    run.disrupted_left = run.disrupted_left.saturating_sub(1);
    // Step 11: staffing for the months ahead.
    staff(
        slot,
        run,
        state,
        month,
        slot.share * month.demand,
        slot.min_fte,
        sums,
    );
    cost
}

/// Step 11 for one vendor: staffing for `expected` units a month (its share of the
/// demand its hires will meet) and for clearing its backlog. It hires up to the need,
/// hires that arrive `lead` months on, or releases down to it, keeping at least `floor`
/// tenured heads. Returns the heads released. Shared by version 1's loops and the
/// general loop of [`super::sourcing`].
#[inline(always)]
pub(super) fn staff(
    slot: &SlotPlan,
    run: &mut Running,
    state: &mut SlotState,
    month: &Month,
    expected: f64,
    floor: u64,
    sums: &mut Sums,
) -> u64 {
    let forecast = expected + run.backlog / month.backlog_clear_months;
    let need = ceil_count(forecast * (1.0 + month.buffer) / slot.staffing_units);
    let have = run.tenured + run.ramp_heads + run.pipeline_total;
    // Hire up to the need, or release down to it: at most one of the two is not zero.
    // Both are worked out without a branch, as whether the team grows or shrinks changes
    // from month to month in a way no branch predictor can foresee.
    let room = slot.max_fte.saturating_sub(have);
    let hire = need.saturating_sub(have).min(slot.max_hires).min(room);
    let release = have
        .saturating_sub(need)
        .min(slot.max_release)
        .min(run.tenured.saturating_sub(floor));
    // A hire arrives in month t + lead, whose ring position is the one before this
    // month's.
    let at = if run.pipeline_pos == 0 {
        state.pipeline.len() - 1
    } else {
        run.pipeline_pos - 1
    };
    state.pipeline[at] += hire;
    run.pipeline_total += hire;
    sums.hires += hire;
    run.tenured -= release;
    release
}

/// Step 5: each vendor's unmet work moves, in allocation order, to the spare capacity
/// of the others.
#[inline(always)]
pub(super) fn overflow(slots: &mut [Running]) {
    for j in 0..slots.len() {
        let mut left = slots[j].available - slots[j].own_work;
        if left <= 0.0 {
            continue;
        }
        for i in 0..slots.len() {
            if i == j {
                continue;
            }
            let spare = slots[i].capacity - slots[i].own_work - slots[i].inflow;
            if spare > 0.0 {
                let moved = left.min(spare);
                slots[i].inflow += moved;
                slots[j].outflow += moved;
                left -= moved;
                if left <= 0.0 {
                    break;
                }
            }
        }
    }
}

/// Step 5 between two vendors: `from`'s unmet work moves to `to`'s spare capacity, as
/// [`overflow`] moves it.
#[inline(always)]
pub(super) fn give_spare(from: &mut Running, to: &mut Running) {
    let left = from.available - from.own_work;
    let spare = to.capacity - to.own_work - to.inflow;
    // Without a branch: nothing moves (adding zero changes neither) unless there is work
    // left over (or an unknown amount, NaN) and spare capacity.
    let moved = if (left > 0.0 || left.is_nan()) && spare > 0.0 {
        left.min(spare)
    } else {
        0.0
    };
    to.inflow += moved;
    from.outflow += moved;
}
