//! One trial: one possible future, simulated for every strategy.
//!
//! [`Plan`] holds what does not change between trials (calendar multipliers, discount
//! factors, each strategy's levers); [`Workspace`] holds every buffer a trial needs, so
//! the month loop allocates nothing. [`simulate_trial`] follows `docs/model.md` step by
//! step: the shared draws (demand path, vendor draws), then for each strategy the month
//! loop (arrivals, disruption, capacity, work, overflow, defects, costs, attrition, ramp,
//! disruption clock, staffing) and the per-trial outputs.

use super::streams::{Purpose, StreamRng, stream};
use crate::model::dist::unit;
use crate::model::levers::Levers;
use crate::model::sampling::{ExactBinomial, PoissonCount, binomial};
use crate::scenario::{Scenario, VendorKind};

/// Per-trial outputs of one strategy (`docs/model.md`, "Per trial, per strategy").
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TrialMetrics {
    /// Discounted total cost.
    pub cost_npv: f64,
    /// Undiscounted total cost.
    pub cost_total: f64,
    /// Labor cost.
    pub labor: f64,
    /// Onboarding cost of arriving hires.
    pub onboarding: f64,
    /// Setup and due-diligence cost.
    pub setup: f64,
    /// Oversight hours plus IP-protection and cultural-training fees.
    pub oversight: f64,
    /// Cost of handling defective units.
    pub defects: f64,
    /// Cost of backlog waiting at month ends.
    pub delay: f64,
    /// Security-incident losses.
    pub incidents_cost: f64,
    /// SLA credits received (subtracted from cost).
    pub credits: f64,
    /// Total demand over the horizon.
    pub demand_total: f64,
    /// `cost_total / demand_total`.
    pub cost_per_unit: f64,
    /// Good units over units available to work, summed over months.
    pub service_level: f64,
    /// Defective units over units processed.
    pub defect_rate: f64,
    /// Heads lost to attrition.
    pub leavers: u64,
    /// Heads hired (decided).
    pub hires: u64,
    /// Security incidents.
    pub incidents: u64,
    /// Months with capacity below the work available.
    pub shortfall_months: u64,
    /// Backlog after the last month.
    pub final_backlog: f64,
    /// Whether every objective that is set holds.
    pub objectives_met: bool,
}

/// One strategy's state at the end of one month, for the month-by-month bands.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MonthPoint {
    /// Demand `D_t`.
    pub demand: f64,
    /// Capacity `sum C`.
    pub capacity: f64,
    /// Backlog at month end `sum B`.
    pub backlog: f64,
    /// Heads paid this month.
    pub heads: f64,
    /// Undiscounted cost from month 1 to this month.
    pub cumulative_cost: f64,
    /// Whether capacity fell short of the work available.
    pub shortfall: bool,
}

/// The uncertain inputs drawn in one trial, for sensitivity analysis.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrialInputs {
    /// Annual demand growth `g`.
    pub growth: f64,
    /// Number of demand shocks.
    pub shocks: u64,
    /// Per vendor: attrition, defect rate, escalation (before due diligence).
    pub vendor_draws: Vec<[f64; 3]>,
    /// Per vendor: months that started a disruption.
    pub disruptions: Vec<u64>,
    /// Per vendor: total incident loss at full rate (before IP protection).
    pub incident_loss: Vec<f64>,
}

struct SlotPlan {
    vendor: usize,
    share: f64,
    levers: Levers,
}

struct StrategyPlan {
    slots: Vec<SlotPlan>,
    overflow: bool,
    buffer: f64,
    dd: bool,
    monthly_fees_per_vendor: f64,
    setup_extra_per_vendor: f64,
    incident_keep_threshold: f64,
}

/// Everything about a scenario that is the same in every trial.
pub struct Plan<'s> {
    scenario: &'s Scenario,
    horizon: usize,
    /// `S(t) * E(t)` for each month.
    calendar: Vec<f64>,
    /// `(1 + r)^(-t/12)` for each month.
    discount: Vec<f64>,
    strategies: Vec<StrategyPlan>,
    /// Whether any strategy uses due diligence with this vendor.
    vendor_needs_dd: Vec<bool>,
    /// Per vendor: probability that a disruption starts in a month.
    disruption_p_any: Vec<f64>,
    /// Per vendor: monthly count of incidents at the full rate.
    incident_count: Vec<PoissonCount>,
    /// Monthly count of demand shocks.
    shock_count: PoissonCount,
    /// The first strategy that uses each vendor; its disruptions and incidents are
    /// recorded as the trial's inputs (every strategy sees the same ones).
    vendor_first_strategy: Vec<Option<usize>>,
}

impl<'s> Plan<'s> {
    /// Precompute what every trial shares.
    pub fn new(scenario: &'s Scenario) -> Self {
        let h = scenario.horizon();
        let d = &scenario.demand;
        let calendar = (1..=h)
            .map(|t| {
                let season = d
                    .seasonality
                    .map_or(1.0, |s| s[(d.start_month as usize - 1 + t - 1) % 12]);
                let events: f64 = d
                    .events
                    .iter()
                    .filter(|e| e.month as usize <= t)
                    .map(|e| e.multiplier)
                    .product();
                season * events
            })
            .collect();
        let r = scenario.meta.discount_rate_annual;
        let discount = (1..=h)
            .map(|t| (1.0 + r).powf(-(t as f64) / 12.0))
            .collect();
        let a = &scenario.assumptions;
        let strategies: Vec<StrategyPlan> = scenario
            .strategies
            .iter()
            .map(|s| StrategyPlan {
                slots: s
                    .allocation
                    .iter()
                    .map(|al| SlotPlan {
                        vendor: al.vendor,
                        share: al.share,
                        levers: Levers::new(&scenario.vendors[al.vendor], s, a),
                    })
                    .collect(),
                overflow: s.overflow && s.allocation.len() > 1,
                buffer: s.capacity_buffer,
                dd: s.due_diligence,
                monthly_fees_per_vendor: if s.ip_protection {
                    a.ip_protection_cost_per_month
                } else {
                    0.0
                } + if s.cultural_training {
                    a.cultural_training_cost_per_month
                } else {
                    0.0
                },
                setup_extra_per_vendor: if s.due_diligence {
                    a.due_diligence_cost
                } else {
                    0.0
                },
                incident_keep_threshold: if s.ip_protection {
                    a.ip_protection_effect
                } else {
                    0.0
                },
            })
            .collect();
        let mut vendor_needs_dd = vec![false; scenario.vendors.len()];
        for sp in &strategies {
            if sp.dd {
                for slot in &sp.slots {
                    vendor_needs_dd[slot.vendor] = true;
                }
            }
        }
        let disruption_p_any = scenario
            .vendors
            .iter()
            .map(|v| PoissonCount::new(v.disruption_rate_per_year / 12.0).p_any())
            .collect();
        let incident_count = scenario
            .vendors
            .iter()
            .map(|v| PoissonCount::new(v.incident_rate_per_year / 12.0))
            .collect();
        let shock_count = PoissonCount::new(d.shocks.rate_per_year / 12.0);
        let mut vendor_first_strategy = vec![None; scenario.vendors.len()];
        for (si, sp) in strategies.iter().enumerate() {
            for slot in &sp.slots {
                vendor_first_strategy[slot.vendor].get_or_insert(si);
            }
        }
        Plan {
            scenario,
            horizon: h,
            calendar,
            discount,
            strategies,
            vendor_needs_dd,
            disruption_p_any,
            incident_count,
            shock_count,
            vendor_first_strategy,
        }
    }

    /// Months simulated.
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// Strategies simulated.
    pub fn strategy_count(&self) -> usize {
        self.strategies.len()
    }

    /// The scenario behind the plan.
    pub fn scenario(&self) -> &'s Scenario {
        self.scenario
    }
}

#[derive(Clone, Copy, Default)]
struct VendorDraw {
    attrition: f64,
    defect_rate: f64,
    escalation: f64,
    dd_attrition: f64,
    dd_defect_rate: f64,
}

/// State of one vendor within one strategy during a trial.
struct SlotState {
    tenured: u64,
    /// `ramp[j]`: heads with `j` months of ramp left (index 0 unused).
    ramp: Vec<u64>,
    /// Hires by arrival month, a ring indexed by month modulo its length.
    pipeline: Vec<u64>,
    pipeline_total: u64,
    backlog: f64,
    disrupted_left: u32,
    price_factor: f64,
    leavers: ExactBinomial,
    defect_base: f64,
    disruption_rng: StreamRng,
    incident_rng: StreamRng,
    defect_rng: StreamRng,
    attrition_rng: StreamRng,
    // This month's quantities.
    heads: u64,
    ramp_heads: u64,
    effective: f64,
    capacity: f64,
    available: f64,
    own_work: f64,
    inflow: f64,
    outflow: f64,
    onboarding: f64,
}

/// Buffers reused across trials so the month loop allocates nothing.
pub struct Workspace {
    demand: Vec<f64>,
    shock_add: Vec<f64>,
    draws: Vec<VendorDraw>,
    slots: Vec<Vec<SlotState>>,
    /// The uncertain inputs of the last trial simulated.
    pub inputs: TrialInputs,
}

impl Workspace {
    /// Buffers sized for `plan`.
    pub fn new(plan: &Plan) -> Self {
        let sc = plan.scenario;
        let seed_rng = || stream(0, 0, Purpose::Demand, 0);
        let slots = plan
            .strategies
            .iter()
            .map(|sp| {
                sp.slots
                    .iter()
                    .map(|slot| {
                        let v = &sc.vendors[slot.vendor];
                        SlotState {
                            tenured: 0,
                            ramp: vec![0; v.ramp_months as usize + 1],
                            pipeline: vec![0; v.hiring_lead_months.max(1) as usize + 1],
                            pipeline_total: 0,
                            backlog: 0.0,
                            disrupted_left: 0,
                            price_factor: 1.0,
                            leavers: ExactBinomial::new(0.0),
                            defect_base: 0.0,
                            disruption_rng: seed_rng(),
                            incident_rng: seed_rng(),
                            defect_rng: seed_rng(),
                            attrition_rng: seed_rng(),
                            heads: 0,
                            ramp_heads: 0,
                            effective: 0.0,
                            capacity: 0.0,
                            available: 0.0,
                            own_work: 0.0,
                            inflow: 0.0,
                            outflow: 0.0,
                            onboarding: 0.0,
                        }
                    })
                    .collect()
            })
            .collect();
        let nv = sc.vendors.len();
        Workspace {
            demand: vec![0.0; plan.horizon],
            shock_add: vec![0.0; plan.horizon],
            draws: vec![VendorDraw::default(); nv],
            slots,
            inputs: TrialInputs {
                growth: 0.0,
                shocks: 0,
                vendor_draws: vec![[0.0; 3]; nv],
                disruptions: vec![0; nv],
                incident_loss: vec![0.0; nv],
            },
        }
    }
}

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
    let sc = plan.scenario;
    let h = plan.horizon;
    draw_demand(plan, seed, trial, ws);
    draw_vendors(plan, seed, trial, ws);
    let demand_total: f64 = ws.demand.iter().sum();
    ws.inputs.disruptions.fill(0);
    ws.inputs.incident_loss.fill(0.0);
    for (si, sp) in plan.strategies.iter().enumerate() {
        let out = &mut metrics[si];
        *out = TrialMetrics {
            demand_total,
            ..TrialMetrics::default()
        };
        let slots = &mut ws.slots[si];
        let inputs = &mut ws.inputs;
        // Start of trial: tenured heads, everything else empty.
        for (slot, state) in sp.slots.iter().zip(slots.iter_mut()) {
            let v = &sc.vendors[slot.vendor];
            let draw = ws.draws[slot.vendor];
            let (attrition, defect_rate) = if sp.dd {
                (draw.dd_attrition, draw.dd_defect_rate)
            } else {
                (draw.attrition, draw.defect_rate)
            };
            state.tenured = u64::from(v.initial_fte);
            state.ramp.fill(0);
            state.pipeline.fill(0);
            state.pipeline_total = 0;
            state.backlog = 0.0;
            state.disrupted_left = 0;
            state.price_factor = 1.0;
            state.leavers = ExactBinomial::new(slot.levers.monthly_leave_probability(attrition));
            state.defect_base = defect_rate * slot.levers.timezone_mult * slot.levers.quality_mult;
            state.disruption_rng = stream(seed, trial, Purpose::Disruption, slot.vendor as u64);
            state.incident_rng = stream(seed, trial, Purpose::Incidents, slot.vendor as u64);
            state.defect_rng = stream(seed, trial, Purpose::Defects, slot.vendor as u64);
            state.attrition_rng = stream(seed, trial, Purpose::Attrition, slot.vendor as u64);
        }
        let mut cumulative = 0.0;
        let mut good_sum = 0.0;
        let mut available_sum = 0.0;
        let mut defect_sum = 0.0;
        let mut work_sum = 0.0;
        for t in 1..=h {
            let demand = ws.demand[t - 1];
            // Steps 1-4 for each vendor.
            let mut capacity_sum = 0.0;
            let mut available_month = 0.0;
            let mut heads_month = 0u64;
            for (slot, state) in sp.slots.iter().zip(slots.iter_mut()) {
                let v = &sc.vendors[slot.vendor];
                if t > 1 && (t - 1) % 12 == 0 {
                    state.price_factor *= 1.0 + ws.draws[slot.vendor].escalation;
                }
                let ring = state.pipeline.len();
                let arrived = std::mem::take(&mut state.pipeline[t % ring]);
                state.pipeline_total -= arrived;
                if v.ramp_months == 0 {
                    state.tenured += arrived;
                } else {
                    state.ramp[v.ramp_months as usize] += arrived;
                }
                state.onboarding = arrived as f64 * v.onboarding_cost_per_hire;
                if v.disruption_rate_per_year > 0.0
                    && unit(&mut state.disruption_rng) < plan.disruption_p_any[slot.vendor]
                {
                    state.disrupted_left = state.disrupted_left.max(v.disruption_months);
                    if plan.vendor_first_strategy[slot.vendor] == Some(si) {
                        inputs.disruptions[slot.vendor] += 1;
                    }
                }
                let dmult = if state.disrupted_left > 0 {
                    1.0 - v.disruption_capacity_loss
                } else {
                    1.0
                };
                state.ramp_heads = state.ramp.iter().sum();
                state.heads = state.tenured + state.ramp_heads;
                state.effective =
                    state.tenured as f64 + v.ramp_productivity * state.ramp_heads as f64;
                state.capacity =
                    state.effective * v.units_per_fte_month * slot.levers.productivity_mult * dmult;
                state.available = slot.share * demand + state.backlog;
                state.own_work = state.available.min(state.capacity);
                state.inflow = 0.0;
                state.outflow = 0.0;
                capacity_sum += state.capacity;
                available_month += state.available;
                heads_month += state.heads;
            }
            // Step 5: overflow, in allocation order.
            if sp.overflow {
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
            // Steps 6-11 for each vendor.
            let mut cost_month = 0.0;
            let mut backlog_month = 0.0;
            for (slot, state) in sp.slots.iter().zip(slots.iter_mut()) {
                let v = &sc.vendors[slot.vendor];
                let a = &sc.assumptions;
                let work = state.own_work + state.inflow;
                let ramp_share = if state.effective > 0.0 {
                    v.ramp_productivity * state.ramp_heads as f64 / state.effective
                } else {
                    0.0
                };
                let p_defect = (state.defect_base
                    * (1.0 + (a.new_hire_defect_multiplier - 1.0) * ramp_share))
                    .clamp(0.0, 1.0);
                let trials_n = work.round().max(0.0) as u64;
                let defects =
                    (binomial(&mut state.defect_rng, trials_n, p_defect) as f64).min(work);
                let good = work - defects;
                state.backlog =
                    (state.available - state.own_work - state.outflow + defects).max(0.0);

                let heads = state.heads as f64;
                let labor = heads * v.rate_per_fte_month * state.price_factor;
                let setup = if t == 1 {
                    v.setup_cost + sp.setup_extra_per_vendor
                } else {
                    0.0
                };
                let oversight = slot.levers.oversight_hours * heads * sc.costs.manager_hourly_cost
                    + sp.monthly_fees_per_vendor;
                let defects_cost = defects * sc.costs.defect_cost_per_unit;
                let delay = state.backlog * sc.costs.delay_cost_per_unit_month;
                let mut credits = 0.0;
                if let (VendorKind::Vendor, Some(target)) = (v.kind, v.sla_target) {
                    let sl = if state.available > 0.0 {
                        (good / state.available).min(1.0)
                    } else {
                        1.0
                    };
                    if sl < target {
                        credits = ((target - sl) * 100.0 * v.sla_credit_per_point)
                            .min(v.sla_credit_cap)
                            * labor;
                    }
                }
                let mut incident_cost = 0.0;
                let mut incidents = 0u64;
                if v.incident_rate_per_year > 0.0 {
                    let n = plan.incident_count[slot.vendor].sample(&mut state.incident_rng);
                    for _ in 0..n {
                        let keep = unit(&mut state.incident_rng) >= sp.incident_keep_threshold;
                        let loss = v.incident_loss.sample(&mut state.incident_rng);
                        if keep {
                            incidents += 1;
                            incident_cost += loss;
                        }
                        if plan.vendor_first_strategy[slot.vendor] == Some(si) {
                            inputs.incident_loss[slot.vendor] += loss;
                        }
                    }
                }
                let cost = labor
                    + state.onboarding
                    + setup
                    + oversight
                    + defects_cost
                    + delay
                    + incident_cost
                    - credits;
                out.labor += labor;
                out.onboarding += state.onboarding;
                out.setup += setup;
                out.oversight += oversight;
                out.defects += defects_cost;
                out.delay += delay;
                out.incidents_cost += incident_cost;
                out.credits += credits;
                out.incidents += incidents;
                cost_month += cost;
                good_sum += good;
                defect_sum += defects;
                work_sum += work;
                backlog_month += state.backlog;

                // Step 8: attrition; leavers worked this month.
                let mut leavers = state
                    .leavers
                    .sample(&mut state.attrition_rng, state.tenured);
                state.tenured -= leavers;
                for j in 1..state.ramp.len() {
                    let l = state
                        .leavers
                        .sample(&mut state.attrition_rng, state.ramp[j]);
                    state.ramp[j] -= l;
                    leavers += l;
                }
                out.leavers += leavers;
                // Step 9: ramp.
                if state.ramp.len() > 1 {
                    state.tenured += state.ramp[1];
                    state.ramp.copy_within(2.., 1);
                    let last = state.ramp.len() - 1;
                    state.ramp[last] = 0;
                }
                // Step 10: disruption clock.
                state.disrupted_left = state.disrupted_left.saturating_sub(1);
                // Step 11: staffing for the months ahead.
                let forecast = slot.share * demand + state.backlog / a.backlog_clear_months;
                let need = ceil_count(
                    forecast * (1.0 + sp.buffer)
                        / (v.units_per_fte_month * slot.levers.productivity_mult),
                );
                let ramp_total: u64 = state.ramp.iter().sum();
                let have = state.tenured + ramp_total + state.pipeline_total;
                if need > have {
                    let room = u64::from(v.max_fte).saturating_sub(have);
                    let hire = (need - have)
                        .min(u64::from(v.max_hires_per_month))
                        .min(room);
                    if hire > 0 {
                        let lead = state.pipeline.len() - 1;
                        let ring = state.pipeline.len();
                        state.pipeline[(t + lead) % ring] += hire;
                        state.pipeline_total += hire;
                        out.hires += hire;
                    }
                } else if need < have {
                    let release = (have - need)
                        .min(u64::from(v.max_release_per_month))
                        .min(state.tenured.saturating_sub(u64::from(v.min_fte)));
                    state.tenured -= release;
                }
            }
            available_sum += available_month;
            if capacity_sum < available_month {
                out.shortfall_months += 1;
            }
            cumulative += cost_month;
            out.cost_npv += cost_month * plan.discount[t - 1];
            months[si * h + t - 1] = MonthPoint {
                demand,
                capacity: capacity_sum,
                backlog: backlog_month,
                heads: heads_month as f64,
                cumulative_cost: cumulative,
                shortfall: capacity_sum < available_month,
            };
            out.final_backlog = backlog_month;
        }
        out.cost_total = cumulative;
        out.cost_per_unit = if demand_total > 0.0 {
            cumulative / demand_total
        } else {
            0.0
        };
        out.service_level = if available_sum > 0.0 {
            (good_sum / available_sum).clamp(0.0, 1.0)
        } else {
            1.0
        };
        out.defect_rate = if work_sum > 0.0 {
            (defect_sum / work_sum).clamp(0.0, 1.0)
        } else {
            0.0
        };
        out.objectives_met = sc.objectives.as_ref().is_none_or(|o| {
            o.min_service_level.is_none_or(|x| out.service_level >= x)
                && o.max_cost_per_unit.is_none_or(|x| out.cost_per_unit <= x)
                && o.max_defect_rate.is_none_or(|x| out.defect_rate <= x)
        });
    }
}

/// The demand path shared by all strategies: growth, noise, calendar, shocks.
fn draw_demand(plan: &Plan, seed: u64, trial: u64, ws: &mut Workspace) {
    let d = &plan.scenario.demand;
    // Growth, noise and shocks each have their own stream, so fixing one (a sensitivity
    // swing) leaves the others' draws unchanged.
    let g = d
        .growth_annual
        .sample(&mut stream(seed, trial, Purpose::Growth, 0));
    let mut rng = stream(seed, trial, Purpose::Demand, 0);
    let mut shock_rng = stream(seed, trial, Purpose::Shocks, 0);
    let drift = (1.0 + g).ln() / 12.0;
    let sigma = d.volatility_monthly;
    let step_mean = drift - 0.5 * sigma * sigma;
    ws.shock_add.fill(0.0);
    let mut level = d.base_per_month;
    let mut shock_count = 0;
    let h = plan.horizon;
    for t in 0..h {
        let eps: f64 = if sigma > 0.0 {
            rand_distr::Distribution::sample(&rand_distr::StandardNormal, &mut rng)
        } else {
            0.0
        };
        level *= (step_mean + sigma * eps).exp();
        ws.demand[t] = level;
        if plan.shock_count.mean() > 0.0 {
            let n = plan.shock_count.sample(&mut shock_rng);
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
fn draw_vendors(plan: &Plan, seed: u64, trial: u64, ws: &mut Workspace) {
    let sc = plan.scenario;
    let candidates = sc.assumptions.due_diligence_candidates;
    for (vi, v) in sc.vendors.iter().enumerate() {
        // One stream per drawn parameter, so fixing one leaves the others unchanged.
        let draw = |k: u64| stream(seed, trial, Purpose::VendorDraws, 3 * vi as u64 + k);
        let attrition = v.attrition_annual.sample(&mut draw(0));
        let defect_rate = v.defect_rate.sample(&mut draw(1));
        let escalation = v.price_escalation_annual.sample(&mut draw(2));
        let (mut best_a, mut best_d) = (attrition, defect_rate);
        if plan.vendor_needs_dd[vi] {
            let mut dd_attrition = stream(seed, trial, Purpose::DueDiligence, 2 * vi as u64);
            let mut dd_defects = stream(seed, trial, Purpose::DueDiligence, 2 * vi as u64 + 1);
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

/// `ceil(x)` as a head count: 0 for x <= 0 or non-finite, saturating at `u64::MAX`.
/// Avoids a libm call in the month loop.
#[inline]
fn ceil_count(x: f64) -> u64 {
    if x.is_nan() || x <= 0.0 {
        return 0;
    }
    let whole = x as u64;
    if (whole as f64) < x {
        whole.saturating_add(1)
    } else {
        whole
    }
}
