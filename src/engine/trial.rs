//! One trial: one possible future, simulated for every strategy.
//!
//! The lifecycle of a trial, and where each part lives:
//!
//! 1. [`Plan`] ([`super::plan`]) holds what does not change between trials; a
//!    [`Workspace`] ([`super::workspace`]) every buffer a trial needs.
//! 2. [`simulate_trial`] (here) opens the trial's streams and draws what every strategy
//!    shares: the demand path and each vendor's draws ([`draw_demand`], [`draw_vendors`]).
//! 3. Each strategy then starts ([`start_strategy`]) and runs its month loop: on its
//!    own ([`simulate_strategy`]) or side by side with a neighbour
//!    ([`super::lanes::simulate_pair`]). A vendor's month, steps 1-11 of
//!    `docs/model.md`, is [`super::month`], drawing counts through
//!    [`super::counts::Counts`] and rounding with [`super::whole`].
//! 4. [`finish_strategy`] prices the trial's sums into the strategy's [`TrialMetrics`],
//!    and [`finish_trial`] adds what takes the whole trial (cost per unit, objectives).

use rand_distr::Distribution;

use super::BLOCK_TRIALS;
use super::counts::{Counts, Straightforward, Tuned};
use super::lanes::{Kind, One, Two, can_pair, kind, run_lanes, simulate_pair};
use super::month::{Calendar, begin_vendor_month, end_vendor_month, overflow};
use super::outputs::{MonthPoint, TrialInputs, TrialMetrics};
use super::plan::{Plan, StrategyPlan};
use super::sourcing::{Shared, draw_sourcing, finish_general, simulate_general};
use super::streams::{Purpose, TrialStreams};
use super::whole::heads_f64;
use super::workspace::{Running, SlotState, VendorDraw, VendorStreams, Workspace};
use crate::model::copula::latin_hypercube;
use crate::model::dist::{normal_cdf, normal_quantile};
use crate::scenario::InputId;

/// Simulate trial `trial` of `plan` for every strategy.
///
/// `metrics` receives one entry per strategy; `months` receives `horizon` points per
/// strategy, strategy-major.
pub fn simulate_trial(
    plan: &Plan,
    seed: u64,
    trial: u64,
    ws: &mut Workspace,
    metrics: &mut [TrialMetrics],
    months: &mut [MonthPoint],
) {
    if plan.straightforward {
        simulate::<Straightforward>(plan, seed, trial, ws, metrics, months);
    } else {
        simulate::<Tuned>(plan, seed, trial, ws, metrics, months);
    }
}

/// Simulate trials `trial` and `trial + 1` of `plan` for every strategy, with the same
/// results as [`simulate_trial`] on each, in `ws[0]`, `metrics[0]`, `months[0]` and in
/// `ws[1]`, `metrics[1]`, `months[1]`. A strategy that has no neighbour to run beside
/// within a trial ([`Plan::pairs_trials`]) runs beside itself in the other trial.
pub fn simulate_trials(
    plan: &Plan,
    seed: u64,
    trial: u64,
    ws: [&mut Workspace; 2],
    metrics: [&mut [TrialMetrics]; 2],
    months: [&mut [MonthPoint]; 2],
) {
    if plan.straightforward {
        simulate_two::<Straightforward>(plan, seed, trial, ws, metrics, months);
    } else {
        simulate_two::<Tuned>(plan, seed, trial, ws, metrics, months);
    }
}

pub(super) fn simulate<C: Counts>(
    plan: &Plan,
    seed: u64,
    trial: u64,
    ws: &mut Workspace,
    metrics: &mut [TrialMetrics],
    months: &mut [MonthPoint],
) {
    let demand_total = start_trial::<C>(plan, seed, trial, ws);
    if plan.general {
        simulate_general_strategies::<C>(plan, ws, metrics, months);
    } else {
        simulate_strategies::<C>(plan, ws, metrics, months, false);
    }
    finish_trial(plan, metrics, demand_total);
}

/// Every strategy of the trial in `ws` on the general month loop ([`super::sourcing`]).
pub(super) fn simulate_general_strategies<C: Counts>(
    plan: &Plan,
    ws: &mut Workspace,
    metrics: &mut [TrialMetrics],
    months: &mut [MonthPoint],
) {
    let h = plan.horizon;
    let shared = Shared {
        demand: &ws.demand,
        fx: &ws.fx,
        failure: &ws.failure,
    };
    for (si, (((sp, ((slots, running), points)), available), g)) in plan
        .strategies
        .iter()
        .zip(
            ws.slots
                .iter_mut()
                .zip(ws.running.iter_mut())
                .zip(months.chunks_exact_mut(h)),
        )
        .zip(ws.available.chunks_exact_mut(h))
        .zip(ws.sourcing.iter_mut())
        .enumerate()
    {
        let mut b = StrategyBuffers {
            slots,
            running,
            points,
            available,
        };
        start_strategy(sp, &mut b, &ws.draws, &ws.vendor_streams, shared.demand);
        let (sums, extra) = simulate_general::<C>(plan, sp, &mut b, g, &shared, &mut ws.inputs);
        finish_strategy(plan, sp, &mut b, &sums, Some(&g.charges), &mut metrics[si]);
        finish_general(plan, sp, g, &extra, b.points, &mut metrics[si]);
    }
}

pub(super) fn simulate_two<C: Counts>(
    plan: &Plan,
    seed: u64,
    trial: u64,
    [ws_a, ws_b]: [&mut Workspace; 2],
    [metrics_a, metrics_b]: [&mut [TrialMetrics]; 2],
    [months_a, months_b]: [&mut [MonthPoint]; 2],
) {
    if plan.general {
        simulate::<C>(plan, seed, trial, ws_a, metrics_a, months_a);
        simulate::<C>(plan, seed, trial + 1, ws_b, metrics_b, months_b);
        return;
    }
    let total_a = start_trial::<C>(plan, seed, trial, ws_a);
    let total_b = start_trial::<C>(plan, seed, trial + 1, ws_b);
    simulate_strategies::<C>(plan, ws_a, metrics_a, months_a, true);
    simulate_strategies::<C>(plan, ws_b, metrics_b, months_b, true);
    let h = plan.horizon;
    for &si in &plan.lone {
        let sp = &plan.strategies[si];
        let (mut a, demand_a, inputs_a) = one_strategy(ws_a, months_a, sp, si, h);
        let (mut b, demand_b, inputs_b) = one_strategy(ws_b, months_b, sp, si, h);
        let (sums_a, sums_b) = simulate_pair::<C, _>(
            plan,
            (sp, sp),
            (&mut a, &mut b),
            (demand_a, demand_b),
            (inputs_a, inputs_b),
        );
        finish_strategy(plan, sp, &mut a, &sums_a, None, &mut metrics_a[si]);
        finish_strategy(plan, sp, &mut b, &sums_b, None, &mut metrics_b[si]);
    }
    finish_trial(plan, metrics_a, total_a);
    finish_trial(plan, metrics_b, total_b);
}

/// Strategy `si`'s buffers in the trial of `ws`, started ([`start_strategy`]), with the
/// trial's demand path and inputs.
pub(super) fn one_strategy<'w>(
    ws: &'w mut Workspace,
    months: &'w mut [MonthPoint],
    sp: &StrategyPlan,
    si: usize,
    h: usize,
) -> (StrategyBuffers<'w>, &'w [f64], &'w mut TrialInputs) {
    let at = si * h..(si + 1) * h;
    let mut b = StrategyBuffers {
        slots: &mut ws.slots[si],
        running: &mut ws.running[si],
        points: &mut months[at.clone()],
        available: &mut ws.available[at],
    };
    start_strategy(sp, &mut b, &ws.draws, &ws.vendor_streams, &ws.demand);
    (b, &ws.demand, &mut ws.inputs)
}

/// A trial's draws: demand path, vendor draws, each vendor's streams; returns the total
/// demand.
pub(super) fn start_trial<C: Counts>(
    plan: &Plan,
    seed: u64,
    trial: u64,
    ws: &mut Workspace,
) -> f64 {
    let streams = TrialStreams::new(seed, trial);
    draw_inputs(plan, seed, trial, &streams, ws);
    draw_demand::<C>(plan, &streams, ws);
    draw_vendors(plan, &streams, ws);
    if plan.general {
        draw_sourcing(plan, &streams, &mut ws.fx, &mut ws.failure, &mut ws.inputs);
    }
    for (vi, vs) in ws.vendor_streams.iter_mut().enumerate() {
        if !plan.vendor_used[vi] {
            continue;
        }
        let index = vi as u64;
        vs.disruption_rng = streams.stream(Purpose::Disruption, index);
        vs.incident_rng = streams.stream(Purpose::Incidents, index);
        vs.defect_rng = streams.stream(Purpose::Defects, index);
        vs.attrition_rng = streams.stream(Purpose::Attrition, index);
        vs.disruptions = plan.disruptions[vi];
        vs.incidents = plan.incidents[vi];
        C::start(&mut vs.disruptions, &mut vs.disruption_rng);
        C::start(&mut vs.incidents, &mut vs.incident_rng);
    }
    ws.inputs.disruptions.fill(0);
    ws.inputs.incident_loss.fill(0.0);
    ws.demand.iter().sum()
}

/// Every strategy of the trial in `ws`, neighbours side by side where they can be;
/// with `skip_lone`, not the strategies of [`Plan::lone`].
pub(super) fn simulate_strategies<C: Counts>(
    plan: &Plan,
    ws: &mut Workspace,
    metrics: &mut [TrialMetrics],
    months: &mut [MonthPoint],
    skip_lone: bool,
) {
    let h = plan.horizon;
    let mut buffers = ws
        .slots
        .iter_mut()
        .zip(ws.running.iter_mut())
        .zip(months.chunks_exact_mut(h))
        .zip(ws.available.chunks_exact_mut(h))
        .map(|(((slots, running), points), available)| StrategyBuffers {
            slots,
            running,
            points,
            available,
        });
    let strategies = &plan.strategies;
    let demand = &ws.demand[..];
    let mut si = 0;
    while let Some(mut a) = buffers.next() {
        let sp = &strategies[si];
        match strategies.get(si + 1) {
            Some(sp_b) if can_pair(sp, sp_b) => {
                let mut b = buffers.next().expect("one buffer per strategy");
                start_strategy(sp, &mut a, &ws.draws, &ws.vendor_streams, demand);
                start_strategy(sp_b, &mut b, &ws.draws, &ws.vendor_streams, demand);
                let (sums_a, sums_b) = simulate_pair::<C, _>(
                    plan,
                    (sp, sp_b),
                    (&mut a, &mut b),
                    (demand, demand),
                    &mut ws.inputs,
                );
                finish_strategy(plan, sp, &mut a, &sums_a, None, &mut metrics[si]);
                finish_strategy(plan, sp_b, &mut b, &sums_b, None, &mut metrics[si + 1]);
                si += 2;
            }
            _ if skip_lone && plan.lone.contains(&si) => si += 1,
            _ => {
                start_strategy(sp, &mut a, &ws.draws, &ws.vendor_streams, demand);
                let sums = simulate_strategy::<C>(plan, sp, &mut a, demand, &mut ws.inputs);
                finish_strategy(plan, sp, &mut a, &sums, None, &mut metrics[si]);
                si += 1;
            }
        }
    }
}

/// What every strategy's metrics take from the whole trial: total demand, cost per
/// unit, objectives.
pub(super) fn finish_trial(plan: &Plan, metrics: &mut [TrialMetrics], demand_total: f64) {
    for out in metrics.iter_mut() {
        out.demand_total = demand_total;
        out.cost_per_unit = if demand_total > 0.0 {
            out.cost_total / demand_total
        } else {
            0.0
        };
        out.objectives_met = plan.scenario.objectives.as_ref().is_none_or(|o| {
            o.min_service_level.is_none_or(|x| out.service_level >= x)
                && o.max_cost_per_unit.is_none_or(|x| out.cost_per_unit <= x)
                && o.max_defect_rate.is_none_or(|x| out.defect_rate <= x)
                && out.break_months == 0
        });
    }
}

/// Running sums of one strategy over a trial. The cost components that are a fixed
/// price times a summed quantity (onboarding, setup, oversight, defects, delay) are
/// priced once at the end of the trial instead of month by month.
#[derive(Default)]
pub(super) struct Sums {
    pub(super) labor: f64,
    pub(super) incidents_cost: f64,
    pub(super) credits: f64,
    pub(super) incidents: u64,
    pub(super) leavers: u64,
    pub(super) hires: u64,
    pub(super) good: f64,
    pub(super) defective: f64,
    pub(super) work: f64,
}

/// One strategy's buffers for a trial: its slots' states and running states, its
/// month points and the work available each month.
pub(super) struct StrategyBuffers<'w> {
    pub(super) slots: &'w mut [SlotState],
    pub(super) running: &'w mut [Running],
    pub(super) points: &'w mut [MonthPoint],
    pub(super) available: &'w mut [f64],
}

/// Start of a strategy's trial: tenured heads, everything else empty; the month points
/// hold the demand and zeros, to which each month's sums over the vendors are added
/// (the month's cost, for now, to `cumulative_cost`), and no work is available yet.
pub(super) fn start_strategy(
    sp: &StrategyPlan,
    b: &mut StrategyBuffers,
    draws: &[VendorDraw],
    vendor_streams: &[VendorStreams],
    demand_path: &[f64],
) {
    for ((slot, state), run) in sp
        .slots
        .iter()
        .zip(b.slots.iter_mut())
        .zip(b.running.iter_mut())
    {
        let draw = draws[slot.vendor];
        let (attrition, defect_rate) = if sp.dd {
            (draw.dd_attrition, draw.dd_defect_rate)
        } else {
            (draw.attrition, draw.defect_rate)
        };
        *run = Running {
            tenured: slot.initial_fte,
            // Month 1's position.
            ramp_pos: if slot.ramp_months > 1 { 1 } else { 0 },
            price_factor: 1.0,
            ..Running::default()
        };
        state.ramp.fill(0);
        state.pipeline.fill(0);
        state.escalation_mult = 1.0 + draw.escalation;
        state.leavers.reset(
            slot.levers.monthly_leave_probability(attrition),
            slot.max_fte,
        );
        state.defect_base = defect_rate * slot.levers.timezone_mult * slot.levers.quality_mult;
        state.streams.clone_from(&vendor_streams[slot.vendor]);
    }
    for ((point, &demand), avail) in b
        .points
        .iter_mut()
        .zip(demand_path)
        .zip(b.available.iter_mut())
    {
        *point = MonthPoint {
            demand,
            ..MonthPoint::default()
        };
        *avail = 0.0;
    }
}

/// One strategy's month loop for the current trial, after [`start_strategy`].
pub(super) fn simulate_strategy<C: Counts>(
    plan: &Plan,
    sp: &StrategyPlan,
    b: &mut StrategyBuffers,
    demand_path: &[f64],
    inputs: &mut TrialInputs,
) -> Sums {
    let sc = plan.scenario;
    let mut sums = Sums::default();
    match kind(sp) {
        Kind::One => run_lanes::<C, One>(sc, sp, 0, b, demand_path, inputs, &mut sums),
        Kind::Two => run_lanes::<C, Two>(sc, sp, 0, b, demand_path, inputs, &mut sums),
        Kind::Other if sp.overflow => {
            // Steps 1-4 for each vendor, step 5 across them, then steps 6-11, month by
            // month.
            let slots = &mut *b.slots;
            let running = &mut *b.running;
            let mut calendar = Calendar::new(sc, demand_path);
            for (i, (point, avail)) in b.points.iter_mut().zip(b.available.iter_mut()).enumerate() {
                let month = calendar.month(i, sp.buffer);
                for ((slot, state), run) in sp
                    .slots
                    .iter()
                    .zip(slots.iter_mut())
                    .zip(running.iter_mut())
                {
                    begin_vendor_month::<C, true>(slot, run, state, &month, inputs);
                    point.capacity += run.capacity;
                    *avail += run.available;
                    point.heads += run.heads;
                }
                overflow(running);
                for ((slot, state), run) in sp
                    .slots
                    .iter()
                    .zip(slots.iter_mut())
                    .zip(running.iter_mut())
                {
                    point.cumulative_cost += end_vendor_month::<C, true>(
                        sc, slot, run, state, &month, inputs, &mut sums,
                    );
                    point.backlog += run.backlog;
                    point.defective += run.defective;
                }
            }
        }
        Kind::Other => {
            // Without overflow the vendors do not interact: each vendor's months in one go.
            for k in 0..sp.slots.len() {
                run_lanes::<C, One>(sc, sp, k, b, demand_path, inputs, &mut sums);
            }
        }
    }
    sums
}

/// End of a strategy's trial: each month's shared costs priced on the month's sums,
/// the cumulative and discounted cost, and the strategy's metrics. `charges`: per month,
/// the setup paid and the vendors' fees, when they change from month to month (the
/// general loop); `None`: every vendor's setup in month 1 and its fees every month.
pub(super) fn finish_strategy(
    plan: &Plan,
    sp: &StrategyPlan,
    b: &mut StrategyBuffers,
    sums: &Sums,
    charges: Option<&[[f64; 2]]>,
    out: &mut TrialMetrics,
) {
    let costs = &plan.scenario.costs;
    let points = &mut *b.points;
    let mut cumulative = 0.0;
    let mut cost_npv = 0.0;
    let mut cash_npv = 0.0;
    let mut available_sum = 0.0;
    let mut heads_sum = 0.0;
    let mut backlog_sum = 0.0;
    let mut shortfall_months = 0;
    // A month breaks when its backlog exceeds this many months of its demand (V2.7).
    let max_backlog = (plan.scenario.objectives.as_ref()).and_then(|o| o.max_backlog_months);
    let mut break_months = 0;
    // What every vendor pays each month in proportion to its heads (oversight hours, the
    // same for every vendor of a strategy), its fees and its backlog, and setup in month
    // 1: priced once per month on the month's sums.
    let oversight_per_head = sp.oversight_hours * costs.manager_hourly_cost;
    let monthly_fees: f64 = sp.slots.iter().map(|slot| slot.monthly_fees).sum();
    let setup_total: f64 = sp.slots.iter().map(|slot| slot.setup).sum();
    let delay_cost = costs.delay_cost_per_unit_month;
    for (i, ((point, &avail), &discount)) in points
        .iter_mut()
        .zip(b.available.iter())
        .zip(&plan.discount)
        .enumerate()
    {
        let (setup, monthly_fees) = match charges {
            Some(charges) => (charges[i][0], charges[i][1]),
            None => (if i == 0 { setup_total } else { 0.0 }, monthly_fees),
        };
        let shared = oversight_per_head * point.heads + monthly_fees + delay_cost * point.backlog;
        let cost_month = point.cumulative_cost + shared + setup;
        cumulative += cost_month;
        cost_npv += cost_month * discount;
        // Cash leaves out the client's own economic costs: defects and delay (V2.6).
        let economic = point.defective * costs.defect_cost_per_unit + delay_cost * point.backlog;
        cash_npv += (cost_month - economic) * discount;
        point.cumulative_cost = cumulative;
        point.shortfall = point.capacity < avail;
        shortfall_months += u64::from(point.shortfall);
        if let Some(limit) = max_backlog {
            point.broke = point.backlog > limit * point.demand;
            break_months += u64::from(point.broke);
        }
        available_sum += avail;
        heads_sum += point.heads;
        backlog_sum += point.backlog;
    }
    let final_backlog = points.last().map_or(0.0, |p| p.backlog);
    let mut onboarding = 0.0;
    let mut setup = 0.0;
    let mut fees = 0.0;
    for (slot, run) in sp.slots.iter().zip(b.running.iter()) {
        onboarding += heads_f64(run.arrivals) * slot.onboarding_cost;
        setup += slot.setup;
        fees += slot.monthly_fees;
    }
    *out = TrialMetrics {
        cost_npv,
        cost_total: cumulative,
        labor: sums.labor,
        onboarding,
        setup,
        oversight: sp.oversight_hours * heads_sum * costs.manager_hourly_cost
            + fees * plan.horizon as f64,
        defects: sums.defective * costs.defect_cost_per_unit,
        delay: backlog_sum * costs.delay_cost_per_unit_month,
        incidents_cost: sums.incidents_cost,
        credits: sums.credits,
        commitment: 0.0,
        releases: 0.0,
        transition: 0.0,
        exit: 0.0,
        cash_npv,
        exits: 0,
        first_exit_month: 0,
        break_months,
        demand_total: 0.0,
        cost_per_unit: 0.0,
        service_level: if available_sum > 0.0 {
            (sums.good / available_sum).clamp(0.0, 1.0)
        } else {
            1.0
        },
        defect_rate: if sums.work > 0.0 {
            (sums.defective / sums.work).clamp(0.0, 1.0)
        } else {
            0.0
        },
        leavers: sums.leavers,
        hires: sums.hires,
        incidents: sums.incidents,
        shortfall_months,
        final_backlog,
        objectives_met: false,
    };
}

/// The demand path shared by all strategies: growth, noise, calendar, shocks.
pub(super) fn draw_demand<C: Counts>(plan: &Plan, streams: &TrialStreams, ws: &mut Workspace) {
    let d = &plan.scenario.demand;
    // Growth, noise and shocks each have their own stream, so fixing one (a sensitivity
    // swing) leaves the others' draws unchanged.
    let g = ws.input_values[InputId::Growth.index()];
    let mut rng = streams.stream(Purpose::Demand, 0);
    let mut shock_rng = streams.stream(Purpose::Shocks, 0);
    let mut shocks = plan.shocks;
    C::start(&mut shocks, &mut shock_rng);
    let drift = (1.0 + g).ln() / 12.0;
    let sigma = d.volatility_monthly;
    let step_mean = drift - 0.5 * sigma * sigma;
    ws.shock_add.fill(0.0);
    let mut level = d.base_per_month;
    let mut shock_count = 0;
    let h = plan.horizon;
    for t in 0..h {
        let eps: f64 = if sigma > 0.0 {
            rand_distr::StandardNormal.sample(&mut rng)
        } else {
            0.0
        };
        level *= (step_mean + sigma * eps).exp();
        ws.demand[t] = level;
        if shocks.mean() > 0.0 {
            let n = C::count(&mut shocks, &mut shock_rng, (t + 1) as f64);
            shock_count += n;
            for _ in 0..n {
                let size = d.shocks.size.sample(&mut shock_rng);
                let end = (t + d.shocks.duration_months as usize).min(h);
                for add in &mut ws.shock_add[t..end] {
                    *add += size;
                }
            }
        }
    }
    for t in 0..h {
        ws.demand[t] *= plan.calendar[t] * (1.0 + ws.shock_add[t]);
    }
    ws.inputs.growth = g;
    ws.inputs.shocks = shock_count;
}

/// Each vendor's draws, shared by all strategies; and the due-diligence pick.
pub(super) fn draw_vendors(plan: &Plan, streams: &TrialStreams, ws: &mut Workspace) {
    let sc = plan.scenario;
    let candidates = sc.assumptions.due_diligence_candidates;
    for (vi, v) in sc.vendors.iter().enumerate() {
        let attrition = ws.input_values[InputId::Attrition(vi).index()];
        let defect_rate = ws.input_values[InputId::DefectRate(vi).index()];
        let escalation = ws.input_values[InputId::Escalation(vi).index()];
        let (mut best_a, mut best_d) = (attrition, defect_rate);
        if plan.vendor_needs_dd[vi] {
            let mut dd_attrition = streams.stream(Purpose::DueDiligence, 2 * vi as u64);
            let mut dd_defects = streams.stream(Purpose::DueDiligence, 2 * vi as u64 + 1);
            for _ in 1..candidates {
                let a = v.attrition_annual.sample(&mut dd_attrition);
                let d = v.defect_rate.sample(&mut dd_defects);
                if d < best_d {
                    best_a = a;
                    best_d = d;
                }
            }
        }
        ws.draws[vi] = VendorDraw {
            attrition,
            defect_rate,
            escalation,
            dd_attrition: best_a,
            dd_defect_rate: best_d,
        };
        ws.inputs.vendor_draws[vi] = [attrition, defect_rate, escalation];
    }
}

/// The inputs drawn once per trial (growth, each vendor's attrition, defect rate and
/// escalation) into `ws.input_values`, in [`InputId::all`] order.
///
/// With random sampling, an input outside `[[correlations]]` is drawn from its own
/// stream (growth, and one per vendor and parameter, so fixing one leaves the others
/// unchanged), exactly as in version 1. With Latin hypercube sampling it is its inverse
/// CDF at the trial's point of the block's hypercube. The correlated inputs take the
/// copula's normals (independent draws, or the inverse normal CDF at the trial's
/// point), correlated by `z = L n`, and become `F^{-1}(Phi(z))` (MODEL.md V2.5).
pub(super) fn draw_inputs(
    plan: &Plan,
    seed: u64,
    trial: u64,
    streams: &TrialStreams,
    ws: &mut Workspace,
) {
    let position = if plan.lhs {
        Some(lhs_position(plan, seed, trial, ws))
    } else {
        None
    };
    let size = ws.lhs_built.map_or(0, |(_, n)| n);
    let point = |ws: &Workspace, input: usize, j: usize| ws.lhs_points[input * size + j];
    let members: &[usize] = plan.copula.as_ref().map_or(&[], |(m, _)| m);
    for (input, sampler) in plan.inputs.iter().enumerate() {
        if members.contains(&input) {
            continue;
        }
        ws.input_values[input] = match position {
            Some(j) => sampler.quantile(point(ws, input, j)),
            None => {
                let (purpose, index) = if input == 0 {
                    (Purpose::Growth, 0)
                } else {
                    (Purpose::VendorDraws, input as u64 - 1)
                };
                sampler.sample(&mut streams.stream(purpose, index))
            }
        };
    }
    if let Some((members, copula)) = &plan.copula {
        match position {
            Some(j) => {
                for (k, &input) in members.iter().enumerate() {
                    ws.normals[k] = normal_quantile(point(ws, input, j).clamp(1e-300, 1.0));
                }
            }
            None => {
                let mut rng = streams.stream(Purpose::Copula, 0);
                for n in ws.normals.iter_mut() {
                    *n = rand_distr::StandardNormal.sample(&mut rng);
                }
            }
        }
        copula.correlate(&mut ws.normals);
        for (k, &input) in members.iter().enumerate() {
            ws.input_values[input] = plan.inputs[input].quantile(normal_cdf(ws.normals[k]));
        }
    }
}

/// The trial's position in its block's Latin hypercube, building the hypercube when the
/// block is new to this workspace. The block is the one the driver announced
/// ([`Workspace::begin_block`]) when it holds the trial, else the [`BLOCK_TRIALS`]
/// trials around it; each input's column comes from its own stream addressed by the
/// block's first trial, so a block's points depend on nothing but the seed and the
/// block.
fn lhs_position(plan: &Plan, seed: u64, trial: u64, ws: &mut Workspace) -> usize {
    let block = match ws.lhs_block {
        Some((first, n)) if (first..first + n as u64).contains(&trial) => (first, n),
        _ => {
            let b = BLOCK_TRIALS as u64;
            (trial / b * b, BLOCK_TRIALS)
        }
    };
    if ws.lhs_built != Some(block) {
        let (first, n) = block;
        let streams = TrialStreams::new(seed, first);
        ws.lhs_points.clear();
        let mut column = Vec::with_capacity(n);
        for input in 0..plan.inputs.len() {
            let mut rng = streams.stream(Purpose::Lhs, input as u64);
            latin_hypercube(&mut rng, n, 1, &mut column);
            ws.lhs_points.extend_from_slice(&column);
        }
        ws.lhs_built = Some(block);
    }
    (trial - block.0) as usize
}
