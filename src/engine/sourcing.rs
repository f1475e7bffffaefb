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

use rand_distr::Distribution;

use super::counts::Counts;
use super::month::{Calendar, overflow};
use super::outputs::{MonthPoint, TrialInputs, TrialMetrics};
use super::plan::{Plan, SlotPlan, StrategyPlan};
use super::streams::{Purpose, TrialStreams};
use super::trial::{StrategyBuffers, Sums};
use super::whole::{ceil_count, heads_f64, lesser, not_negative, round_whole};
use super::workspace::{NEVER, Running, SlotState, SourcingSlot, SourcingState};
use crate::model::dist::unit;
use crate::scenario::Pricing;

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

/// Empties a vendor: no staff, no pipeline. Returns the heads it had.
fn empty(run: &mut Running, state: &mut SlotState) -> u64 {
    let heads = run.tenured + run.ramp_heads;
    run.tenured = 0;
    run.ramp_heads = 0;
    state.ramp.fill(0);
    state.pipeline.fill(0);
    run.pipeline_total = 0;
    heads
}

/// Moves `amount` of share of slot `from` to the others over `months`, as V2.8 rule 7
/// says for a failed vendor without a usable fallback: to the vendors with a positive
/// share in each month that have not failed, in proportion to their shares; it stays
/// when there is none.
fn spread(
    shares: &mut [f64],
    h: usize,
    from: usize,
    months: std::ops::Range<usize>,
    failed: &[bool],
) {
    let n = shares.len() / h;
    for i in months {
        let moving = shares[from * h + i];
        if moving <= 0.0 {
            continue;
        }
        let total: f64 = (0..n)
            .filter(|&k| k != from && !failed[k])
            .map(|k| shares[k * h + i])
            .filter(|&s| s > 0.0)
            .sum();
        if total > 0.0 {
            for k in (0..n).filter(|&k| k != from && !failed[k]) {
                let s = shares[k * h + i];
                if s > 0.0 {
                    shares[k * h + i] = s + moving * s / total;
                }
            }
            shares[from * h + i] = 0.0;
        }
    }
}

/// Moves every share of `from` to `to` from month index `start` on.
fn hand_over(shares: &mut [f64], h: usize, from: usize, to: usize, start: usize) {
    for i in start..h {
        let moving = std::mem::take(&mut shares[from * h + i]);
        shares[to * h + i] += moving;
    }
}

/// Passes on the shares that sit with failed vendors (V2.8 rule 7): each failed
/// vendor's shares from the month after its failure go to its exit rule's fallback if
/// that has not failed, else to the others in proportion. Repeated so that chains
/// compose.
fn pass_on_failed(
    sp: &StrategyPlan,
    shares: &mut [f64],
    h: usize,
    failed_at: &[usize],
    now: usize,
) {
    let n = sp.slots.len();
    let failed: Vec<bool> = failed_at.iter().map(|&f| f <= now).collect();
    for _ in 0..n {
        let mut moved = false;
        for k in (0..n).filter(|&k| failed[k]) {
            let start = failed_at[k]; // index of month t_f + 1
            if start >= h || shares[k * h + start..(k + 1) * h].iter().all(|&s| s <= 0.0) {
                continue;
            }
            moved = true;
            match sp.sourcing.exits[k] {
                Some(rule) if !failed[rule.fallback] => {
                    hand_over(shares, h, k, rule.fallback, start);
                }
                _ => spread(shares, h, k, start..h, &failed),
            }
        }
        if !moved {
            break;
        }
    }
}

/// One strategy's trial on the general loop, after `start_strategy`: returns its sums
/// and what the loop adds.
#[allow(clippy::too_many_arguments)]
pub(super) fn simulate_general<C: Counts>(
    plan: &Plan,
    sp: &StrategyPlan,
    b: &mut StrategyBuffers,
    g: &mut SourcingState,
    shared: &Shared,
    inputs: &mut TrialInputs,
) -> (Sums, Extra) {
    let sc = plan.scenario;
    let h = plan.horizon;
    let n = sp.slots.len();
    let costs = &sc.costs;
    let mut sums = Sums::default();
    let mut extra = Extra::default();
    g.shares.copy_from_slice(&sp.sourcing.planned);
    g.slots.fill(SourcingSlot::default());
    g.charges.fill([0.0; 2]);
    for (f, slot) in g.failed_at.iter_mut().zip(&sp.slots) {
        *f = shared.failure[slot.vendor];
    }
    let failed_at = &g.failed_at;
    for (k, (slot, (run, state))) in sp
        .slots
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
    // Sums in version 1's order: month by month with overflow (as they come), vendor by
    // vendor without (kept per month in the ledger and added at the end).
    let vendor_major = !sp.overflow && n > 1;
    let mut calendar = Calendar::new(sc, shared.demand);
    // Per slot: backlog left behind, service level, cost of leaving, dormant, index.
    let scratch = &mut g.scratch;
    let slots = &mut *b.slots;
    let running = &mut *b.running;
    for (i, (point, avail)) in b.points.iter_mut().zip(b.available.iter_mut()).enumerate() {
        let t = i + 1;
        let month = calendar.month(i, sp.buffer);
        let shares = &g.shares;
        let active = |k: usize| shares[k * h + i] > 0.0;
        let failed = |k: usize| failed_at[k] <= t;
        // Before step 1: failures, leaving and entering.
        scratch.fill([0.0, 1.0, 0.0, 0.0, 1.0]);
        for k in 0..n {
            let (slot, run, state) = (&sp.slots[k], &mut running[k], &mut slots[k]);
            let x = index_of(slot, shared.fx, h, i);
            scratch[k][4] = x;
            if failed_at[k] == t {
                // Staff and pipeline are gone, without release costs.
                empty(run, state);
                g.slots[k].exit_done = true;
                if active(k) {
                    extra.count_exit(t);
                    g.slots[k].failed_month = t;
                }
            }
            let now = active(k);
            let was = g.slots[k].active;
            if was && !now {
                // Leaving: backlog to the fallback or the active vendors, staff released.
                scratch[k][0] = std::mem::take(&mut run.backlog);
                if !failed(k) {
                    let heads = empty(run, state);
                    let released = heads_f64(heads) * slot.terms.release_cost * x;
                    let fee = slot.terms.exit_fee * x;
                    extra.releases += released;
                    extra.exit += fee;
                    scratch[k][2] = released + fee;
                }
                if g.slots[k].exit_at == t {
                    extra.count_exit(t);
                    g.slots[k].left_month = t;
                    g.slots[k].leave_cost = scratch[k][2];
                }
            } else if now && !was && !failed(k) {
                g.slots[k].entered = t;
                let setup = slot.terms.setup_cost * x + slot.terms.due_diligence_cost;
                g.charges[i][0] += setup;
                extra.setup += setup;
            }
            g.slots[k].active = now;
            g.active[k * h + i] = now && !failed(k);
            if now && !failed(k) {
                g.charges[i][1] += slot.monthly_fees;
            }
        }
        for k in 0..n {
            let moving = std::mem::take(&mut scratch[k][0]);
            if moving == 0.0 {
                continue;
            }
            let by_event = failed(k) || g.slots[k].exit_at == t;
            let fallback = sp.sourcing.exits[k]
                .map(|r| r.fallback)
                .filter(|&f| by_event && active(f) && !failed(f));
            if let Some(f) = fallback {
                running[f].backlog += moving;
                continue;
            }
            let total: f64 = (0..n)
                .filter(|&j| active(j) && !failed(j))
                .map(|j| shares[j * h + i])
                .sum();
            if total > 0.0 {
                for j in (0..n).filter(|&j| active(j) && !failed(j)) {
                    running[j].backlog += moving * shares[j * h + i] / total;
                }
            } else {
                running[k].backlog += moving;
            }
        }
        // Steps 1-4 for each vendor.
        for k in 0..n {
            let (slot, run, state) = (&sp.slots[k], &mut running[k], &mut slots[k]);
            let x = scratch[k][4];
            if month.new_year {
                run.price_factor *= state.escalation_mult;
            }
            // A vendor the strategy does not use this month, with no staff, pipeline
            // or backlog, only keeps its disruption stream and clock in step.
            if shares[k * h + i] <= 0.0
                && run.tenured + run.ramp_heads + run.pipeline_total == 0
                && run.backlog == 0.0
            {
                scratch[k][3] = 1.0;
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
                continue;
            }
            run.pipeline_pos += 1;
            if run.pipeline_pos == state.pipeline.len() {
                run.pipeline_pos = 0;
            }
            let arrived = std::mem::take(&mut state.pipeline[run.pipeline_pos]);
            run.pipeline_total -= arrived;
            run.arrivals += arrived;
            g.slots[k].arrivals_x += heads_f64(arrived) * x;
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
            run.effective =
                heads_f64(run.tenured) + slot.ramp_productivity * heads_f64(run.ramp_heads);
            run.capacity = if active(k) && !failed(k) {
                let c = run.effective * slot.units * slot.levers.productivity_mult * dmult;
                let u = t - g.slots[k].entered;
                let tm = slot.terms.transition_months as usize;
                if u < tm {
                    let tp = slot.terms.transition_productivity;
                    c * (tp + (1.0 - tp) * u as f64 / tm as f64)
                } else {
                    c
                }
            } else {
                0.0
            };
            run.available = shares[k * h + i] * month.demand + run.backlog;
            run.own_work = lesser(run.capacity, run.available);
            run.inflow = 0.0;
            run.outflow = 0.0;
            point.capacity += run.capacity;
            *avail += run.available;
            point.heads += run.heads;
        }
        // Step 5.
        if sp.overflow {
            overflow(running);
        }
        // Steps 6-10 for each vendor.
        for k in 0..n {
            let (slot, run, state) = (&sp.slots[k], &mut running[k], &mut slots[k]);
            if scratch[k][3] > 0.0 {
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
                    g.ledger[k * h + i] = [0.0; 6];
                }
                run.defective = 0.0;
                point.cumulative_cost += scratch[k][2];
                run.disrupted_left = run.disrupted_left.saturating_sub(1);
                continue;
            }
            let x = scratch[k][4];
            let on = active(k) && !failed(k);
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
                Pricing::PerFte => run.heads,
                Pricing::PerUnit => work,
                Pricing::PerGoodUnit => good,
            };
            let gross = quantity * terms.price * run.price_factor * x;
            let discount = terms
                .tiers
                .iter()
                .rev()
                .find(|tier| tier.from <= quantity)
                .map_or(0.0, |tier| tier.discount);
            let labor = gross * (1.0 - discount);
            let commitment = if on && terms.min_monthly_fee > 0.0 {
                not_negative(terms.min_monthly_fee * run.price_factor * x - labor)
            } else {
                0.0
            };
            let service = if run.available > 0.0 {
                lesser(good / run.available, 1.0)
            } else {
                1.0
            };
            scratch[k][1] = service;
            let defects_cost = defects * costs.defect_cost_per_unit;
            let mut credits = 0.0;
            if let Some(sla) = slot.sla {
                // Selected by a mask rather than branched on, as in version 1's loop.
                let owed = lesser(
                    (sla.target - service) * 100.0 * sla.credit_per_point,
                    sla.cap,
                ) * (labor + commitment);
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
            let transition = if on && t - g.slots[k].entered < terms.transition_months as usize {
                terms.knowledge_transfer_cost * x
            } else {
                0.0
            };
            let cost = labor + run.onboarding + defects_cost + incident_cost - credits
                + commitment
                + transition
                + scratch[k][2];
            extra.commitment += commitment;
            extra.transition += transition;
            if vendor_major {
                g.ledger[k * h + i] = [labor, incident_cost, credits, good, defects, work];
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
        // What the end of month t makes known (V2.8 rule 5): failures in t, then exits
        // triggered, in slot order.
        let mut changed = false;
        for k in 0..n {
            if failed_at[k] == t {
                changed = true;
            }
            let Some(rule) = sp.sourcing.exits[k] else {
                continue;
            };
            let state = &mut g.slots[k];
            if state.exit_done || failed(k) {
                continue;
            }
            if g.shares[k * h + i] > 0.0 && scratch[k][1] < rule.below {
                state.low_run += 1;
            } else {
                state.low_run = 0;
            }
            if state.low_run >= rule.for_months {
                state.exit_done = true;
                let at = t + rule.notice + 1;
                if at <= h {
                    state.exit_at = at;
                    hand_over(&mut g.shares, h, k, rule.fallback, at - 1);
                    changed = true;
                }
            }
        }
        if changed {
            pass_on_failed(sp, &mut g.shares, h, &g.failed_at, t);
        }
        // Step 11: staffing for the share hires will meet.
        let shares = &g.shares;
        for k in 0..n {
            let (slot, run, state) = (&sp.slots[k], &mut running[k], &mut slots[k]);
            if failed_at[k] <= t {
                continue;
            }
            let x = scratch[k][4];
            let lead = slot.terms.lead;
            let share = shares[k * h + (i + lead).min(h - 1)];
            let demand = if sp.sourcing.planned_staffing {
                let (s, e) = (&plan.season, &plan.steps);
                month.demand * s[i + lead] / s[i] * e[i + lead] / e[i] * slot.terms.lead_growth
            } else {
                month.demand
            };
            let forecast = share * demand + run.backlog / month.backlog_clear_months;
            let need = ceil_count(forecast * (1.0 + month.buffer) / slot.staffing_units);
            let have = run.tenured + run.ramp_heads + run.pipeline_total;
            let floor = if shares[k * h + i] > 0.0 {
                slot.min_fte
            } else {
                0
            };
            let room = slot.max_fte.saturating_sub(have);
            let hire = need.saturating_sub(have).min(slot.max_hires).min(room);
            let release = have
                .saturating_sub(need)
                .min(slot.max_release)
                .min(run.tenured.saturating_sub(floor));
            let at = if run.pipeline_pos == 0 {
                state.pipeline.len() - 1
            } else {
                run.pipeline_pos - 1
            };
            state.pipeline[at] += hire;
            run.pipeline_total += hire;
            sums.hires += hire;
            run.tenured -= release;
            if release > 0 {
                let released = heads_f64(release) * slot.terms.release_cost * x;
                extra.releases += released;
                point.cumulative_cost += released;
            }
        }
    }
    // Without overflow, version 1 adds each vendor's months in one go.
    if vendor_major {
        for entry in &g.ledger {
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
    let mut run_start = 0;
    let charges = &g.charges;
    for i in 1..=charges.len() {
        if i == charges.len() || charges[i][1].to_bits() != charges[run_start][1].to_bits() {
            fees += charges[run_start][1] * (i - run_start) as f64;
            run_start = i;
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
