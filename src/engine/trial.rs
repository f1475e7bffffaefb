//! One trial: one possible future, simulated for every strategy.
//!
//! [`Plan`] holds what does not change between trials (calendar multipliers, discount
//! factors, each strategy's levers and every per-vendor constant the month loop needs);
//! [`Workspace`] holds every buffer a trial needs, so the month loop allocates nothing.
//! [`simulate_trial`] follows `docs/model.md` step by step: the shared draws (demand
//! path, vendor draws), then for each strategy the month loop (arrivals, disruption,
//! capacity, work, overflow, defects, costs, attrition, ramp, disruption clock,
//! staffing) and the per-trial outputs.
//!
//! Counts are drawn by the tuned samplers of [`crate::model::sampling`]. A plan built
//! with [`Plan::straightforward`] draws every count with `rand_distr`'s general samplers
//! instead (a fresh Poisson count each month, `rand_distr::Binomial` for defects and
//! leavers); the two give the same distributions, which `tests/all/samplers.rs` checks.

use rand_distr::{Binomial, Distribution, Poisson};

use super::levers::Levers;
use super::outputs::{MonthPoint, TrialInputs, TrialMetrics};
use super::streams::{Purpose, StreamRng, TrialStreams};
use crate::model::dist::unit;
use crate::model::sampling::{ExactBinomial, PoissonMonths, binomial_units};
use crate::scenario::{Scenario, VendorKind};

/// SLA credit terms of a vendor with a target.
#[derive(Clone, Copy)]
struct Sla {
    target: f64,
    credit_per_point: f64,
    cap: f64,
}

/// One vendor of one strategy: its share and every constant its month needs, copied out
/// of the scenario so the month loop reads one flat record.
struct SlotPlan {
    vendor: usize,
    share: f64,
    levers: Levers,
    /// Whether this slot records the vendor's disruptions and incident losses as the
    /// trial's inputs (the first strategy that uses the vendor; all see the same ones).
    record_inputs: bool,
    initial_fte: u64,
    min_fte: u64,
    max_fte: u64,
    max_hires: u64,
    max_release: u64,
    ramp_months: usize,
    ramp_productivity: f64,
    onboarding_cost: f64,
    units: f64,
    /// `units_per_fte_month * prod_mult`: output of one head when staffing.
    staffing_units: f64,
    /// `1 - disruption_capacity_loss`.
    disrupted_mult: f64,
    disruption_months: u32,
    /// `new_hire_defect_multiplier - 1`.
    defect_ramp: f64,
    rate: f64,
    /// Setup cost plus due diligence, paid in month 1.
    setup: f64,
    /// Oversight hours plus IP-protection and cultural-training fees, per month.
    monthly_fees: f64,
    sla: Option<Sla>,
    incident_keep_threshold: f64,
}

struct StrategyPlan {
    slots: Vec<SlotPlan>,
    /// Oversight hours per head, `h`.
    oversight_hours: f64,
    overflow: bool,
    buffer: f64,
    dd: bool,
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
    /// Whether any strategy uses this vendor.
    vendor_used: Vec<bool>,
    /// Per vendor: disruption starts, month by month.
    disruptions: Vec<PoissonMonths>,
    /// Per vendor: incidents at the full rate, month by month.
    incidents: Vec<PoissonMonths>,
    /// Demand shocks, month by month.
    shocks: PoissonMonths,
    /// Strategies that no neighbour runs beside ([`can_pair`]) but that could run beside
    /// a strategy of one or two vendors: [`simulate_trials`] runs each beside itself in
    /// the next trial.
    lone: Vec<usize>,
    /// Draw counts with `rand_distr`'s general samplers instead of the tuned ones.
    straightforward: bool,
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
        let mut vendor_used = vec![false; scenario.vendors.len()];
        let strategies: Vec<StrategyPlan> = scenario
            .strategies
            .iter()
            .map(|s| {
                let monthly_fees = if s.ip_protection {
                    a.ip_protection_cost_per_month
                } else {
                    0.0
                } + if s.cultural_training {
                    a.cultural_training_cost_per_month
                } else {
                    0.0
                };
                let setup_extra = if s.due_diligence {
                    a.due_diligence_cost
                } else {
                    0.0
                };
                let incident_keep_threshold = if s.ip_protection {
                    a.ip_protection_effect
                } else {
                    0.0
                };
                let slots = s
                    .allocation
                    .iter()
                    .map(|al| {
                        let v = &scenario.vendors[al.vendor];
                        let levers = Levers::new(v, s, a);
                        let record_inputs = !vendor_used[al.vendor];
                        vendor_used[al.vendor] = true;
                        SlotPlan {
                            vendor: al.vendor,
                            share: al.share,
                            levers,
                            record_inputs,
                            initial_fte: u64::from(v.initial_fte),
                            min_fte: u64::from(v.min_fte),
                            max_fte: u64::from(v.max_fte),
                            max_hires: u64::from(v.max_hires_per_month),
                            max_release: u64::from(v.max_release_per_month),
                            ramp_months: v.ramp_months as usize,
                            ramp_productivity: v.ramp_productivity,
                            onboarding_cost: v.onboarding_cost_per_hire,
                            units: v.units_per_fte_month,
                            staffing_units: v.units_per_fte_month * levers.productivity_mult,
                            disrupted_mult: 1.0 - v.disruption_capacity_loss,
                            disruption_months: v.disruption_months,
                            defect_ramp: a.new_hire_defect_multiplier - 1.0,
                            rate: v.rate_per_fte_month,
                            setup: v.setup_cost + setup_extra,
                            monthly_fees,
                            sla: match (v.kind, v.sla_target) {
                                (VendorKind::Vendor, Some(target)) => Some(Sla {
                                    target,
                                    credit_per_point: v.sla_credit_per_point,
                                    cap: v.sla_credit_cap,
                                }),
                                _ => None,
                            },
                            incident_keep_threshold,
                        }
                    })
                    .collect();
                StrategyPlan {
                    slots,
                    oversight_hours: s.oversight_hours_per_fte,
                    overflow: s.overflow && s.allocation.len() > 1,
                    buffer: s.capacity_buffer,
                    dd: s.due_diligence,
                }
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
        let disruptions = scenario
            .vendors
            .iter()
            .map(|v| PoissonMonths::new(v.disruption_rate_per_year / 12.0))
            .collect();
        let incidents = scenario
            .vendors
            .iter()
            .map(|v| PoissonMonths::new(v.incident_rate_per_year / 12.0))
            .collect();
        let mut lone = Vec::new();
        let mut si = 0;
        while si < strategies.len() {
            if si + 1 < strategies.len() && can_pair(&strategies[si], &strategies[si + 1]) {
                si += 2;
            } else {
                if kind(&strategies[si]) != Kind::Other {
                    lone.push(si);
                }
                si += 1;
            }
        }
        Plan {
            scenario,
            horizon: h,
            calendar,
            discount,
            strategies,
            vendor_needs_dd,
            vendor_used,
            disruptions,
            incidents,
            shocks: PoissonMonths::new(d.shocks.rate_per_year / 12.0),
            lone,
            straightforward: false,
        }
    }

    /// As [`Plan::new`], but every count is drawn with `rand_distr`'s general samplers
    /// (a fresh `Poisson` count each month for shocks, disruptions and incidents,
    /// `Binomial` for defects and leavers) instead of the tuned samplers. Slower; the
    /// reference the tuned samplers are tested against.
    pub fn straightforward(scenario: &'s Scenario) -> Self {
        Plan {
            straightforward: true,
            ..Plan::new(scenario)
        }
    }

    /// Whether [`simulate_trials`] is faster than two calls of [`simulate_trial`]: some
    /// strategy has no neighbour to run beside within a trial.
    pub fn pairs_trials(&self) -> bool {
        !self.lone.is_empty()
    }

    /// Whether counts are drawn with `rand_distr`'s general samplers
    /// ([`Plan::straightforward`]).
    pub fn is_straightforward(&self) -> bool {
        self.straightforward
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

/// A vendor's streams for the month loop, opened once per trial and copied to every
/// strategy that uses the vendor, so each strategy starts them afresh (common random
/// numbers).
#[derive(Clone)]
struct VendorStreams {
    disruption_rng: StreamRng,
    incident_rng: StreamRng,
    defect_rng: StreamRng,
    attrition_rng: StreamRng,
    disruptions: PoissonMonths,
    incidents: PoissonMonths,
}

impl VendorStreams {
    fn placeholder() -> Self {
        let streams = TrialStreams::new(0, 0);
        let rng = streams.stream(Purpose::Demand, 0);
        VendorStreams {
            disruption_rng: rng.clone(),
            incident_rng: rng.clone(),
            defect_rng: rng.clone(),
            attrition_rng: rng,
            disruptions: PoissonMonths::new(0.0),
            incidents: PoissonMonths::new(0.0),
        }
    }
}

/// What changes month by month in the state of one vendor within one strategy, apart
/// from its rings, tables and streams ([`SlotState`]). A plain value, so that the month
/// loop can keep it in registers.
#[derive(Clone, Copy, Default)]
struct Running {
    tenured: u64,
    /// `t % ramp_months` in month `t`, moved on to the next month's at the end of month
    /// `t` (0 without ramp); the position of [`SlotState::ramp`].
    ramp_pos: usize,
    /// Heads in all ramping cohorts.
    ramp_heads: u64,
    /// `t % pipeline.len()` in month `t`; the position of [`SlotState::pipeline`].
    pipeline_pos: usize,
    pipeline_total: u64,
    /// Hires arrived so far this trial.
    arrivals: u64,
    backlog: f64,
    disrupted_left: u32,
    price_factor: f64,
    // This month's quantities.
    /// Heads paid this month, as a float.
    heads: f64,
    effective: f64,
    capacity: f64,
    available: f64,
    own_work: f64,
    inflow: f64,
    outflow: f64,
    onboarding: f64,
}

/// The rest of the state of one vendor within one strategy during a trial.
struct SlotState {
    /// Ramping cohorts, a ring indexed by arrival month modulo `ramp_months`: in month
    /// `t`, the cohort with `j` months of ramp left is at `(t + j) % ramp_months`.
    ramp: Vec<u64>,
    /// Hires by arrival month, a ring indexed by month modulo its length.
    pipeline: Vec<u64>,
    /// `1 + e_v`.
    escalation_mult: f64,
    leavers: ExactBinomial,
    defect_base: f64,
    streams: VendorStreams,
}

/// Buffers reused across trials so the month loop allocates nothing.
pub struct Workspace {
    demand: Vec<f64>,
    /// Work available in each month of each strategy, summed over its vendors;
    /// strategy-major.
    available: Vec<f64>,
    shock_add: Vec<f64>,
    draws: Vec<VendorDraw>,
    vendor_streams: Vec<VendorStreams>,
    slots: Vec<Vec<SlotState>>,
    /// The running state of the vendors of each strategy, as `slots`.
    running: Vec<Vec<Running>>,
    /// The uncertain inputs of the last trial simulated.
    pub inputs: TrialInputs,
}

impl Workspace {
    /// Buffers sized for `plan`.
    pub fn new(plan: &Plan) -> Self {
        let sc = plan.scenario;
        let slots = plan
            .strategies
            .iter()
            .map(|sp| {
                sp.slots
                    .iter()
                    .map(|slot| {
                        let v = &sc.vendors[slot.vendor];
                        SlotState {
                            ramp: vec![0; v.ramp_months as usize],
                            pipeline: vec![0; v.hiring_lead_months.max(1) as usize + 1],
                            escalation_mult: 1.0,
                            leavers: ExactBinomial::for_sizes(0.0, slot.max_fte),
                            defect_base: 0.0,
                            streams: VendorStreams::placeholder(),
                        }
                    })
                    .collect()
            })
            .collect();
        let running = plan
            .strategies
            .iter()
            .map(|sp| vec![Running::default(); sp.slots.len()])
            .collect();
        let nv = sc.vendors.len();
        Workspace {
            demand: vec![0.0; plan.horizon],
            available: vec![0.0; plan.horizon * plan.strategies.len()],
            shock_add: vec![0.0; plan.horizon],
            draws: vec![VendorDraw::default(); nv],
            vendor_streams: (0..nv).map(|_| VendorStreams::placeholder()).collect(),
            slots,
            running,
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

/// How counts are drawn: the tuned samplers or `rand_distr`'s general ones. The month
/// loop is compiled once for each, so the choice costs nothing per draw.
trait Counts {
    /// Start month-by-month Poisson counts for a trial.
    fn start(events: &mut PoissonMonths, rng: &mut StreamRng);
    /// The Poisson count of the month ending at `end` (month `t` ends at `t`).
    fn count(events: &mut PoissonMonths, rng: &mut StreamRng, end: f64) -> u64;
    /// Whether the Poisson count of the month ending at `end` is positive.
    fn any(events: &mut PoissonMonths, rng: &mut StreamRng, end: f64) -> bool;
    /// Defective units out of `n` processed (a whole number), each with probability `p`.
    fn defects(rng: &mut StreamRng, n: f64, p: f64) -> f64;
    /// Leavers out of `n` heads.
    fn leavers(counts: &ExactBinomial, rng: &mut StreamRng, n: u64) -> u64;
    /// Leavers of each ramping cohort (`heads` in all), removed from `cohorts`; returns
    /// their total.
    fn cohort_leavers(
        counts: &ExactBinomial,
        rng: &mut StreamRng,
        cohorts: &mut [u64],
        heads: u64,
    ) -> u64;
}

/// The tuned samplers of [`crate::model::sampling`].
struct Tuned;

impl Counts for Tuned {
    #[inline(always)]
    fn start(events: &mut PoissonMonths, rng: &mut StreamRng) {
        events.start(rng);
    }
    #[inline(always)]
    fn count(events: &mut PoissonMonths, rng: &mut StreamRng, end: f64) -> u64 {
        events.count_until(rng, end)
    }
    #[inline(always)]
    fn any(events: &mut PoissonMonths, rng: &mut StreamRng, end: f64) -> bool {
        events.any_until(rng, end)
    }
    #[inline(always)]
    fn defects(rng: &mut StreamRng, n: f64, p: f64) -> f64 {
        binomial_units(rng, n, p)
    }
    #[inline(always)]
    fn leavers(counts: &ExactBinomial, rng: &mut StreamRng, n: u64) -> u64 {
        counts.sample(rng, n)
    }
    #[inline(always)]
    fn cohort_leavers(
        counts: &ExactBinomial,
        rng: &mut StreamRng,
        cohorts: &mut [u64],
        heads: u64,
    ) -> u64 {
        counts.sample_cohorts(rng, cohorts, heads)
    }
}

/// `rand_distr`'s general samplers, drawn afresh for every count.
struct Straightforward;

impl Counts for Straightforward {
    fn start(_: &mut PoissonMonths, _: &mut StreamRng) {}
    fn count(events: &mut PoissonMonths, rng: &mut StreamRng, _: f64) -> u64 {
        Poisson::new(events.mean()).map_or(0, |d| d.sample(rng) as u64)
    }
    fn any(events: &mut PoissonMonths, rng: &mut StreamRng, end: f64) -> bool {
        Self::count(events, rng, end) > 0
    }
    fn defects(rng: &mut StreamRng, n: f64, p: f64) -> f64 {
        Binomial::new(n as u64, p).map_or(0, |d| d.sample(rng)) as f64
    }
    fn leavers(counts: &ExactBinomial, rng: &mut StreamRng, n: u64) -> u64 {
        Binomial::new(n, counts.p()).map_or(0, |d| d.sample(rng))
    }
    fn cohort_leavers(
        counts: &ExactBinomial,
        rng: &mut StreamRng,
        cohorts: &mut [u64],
        _: u64,
    ) -> u64 {
        let mut total = 0;
        for cohort in cohorts {
            let l = Self::leavers(counts, rng, *cohort);
            *cohort -= l;
            total += l;
        }
        total
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

fn simulate<C: Counts>(
    plan: &Plan,
    seed: u64,
    trial: u64,
    ws: &mut Workspace,
    metrics: &mut [TrialMetrics],
    months: &mut [MonthPoint],
) {
    let demand_total = start_trial::<C>(plan, seed, trial, ws);
    simulate_strategies::<C>(plan, ws, metrics, months, false);
    finish_trial(plan, metrics, demand_total);
}

fn simulate_two<C: Counts>(
    plan: &Plan,
    seed: u64,
    trial: u64,
    [ws_a, ws_b]: [&mut Workspace; 2],
    [metrics_a, metrics_b]: [&mut [TrialMetrics]; 2],
    [months_a, months_b]: [&mut [MonthPoint]; 2],
) {
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
        finish_strategy(plan, sp, &mut a, &sums_a, &mut metrics_a[si]);
        finish_strategy(plan, sp, &mut b, &sums_b, &mut metrics_b[si]);
    }
    finish_trial(plan, metrics_a, total_a);
    finish_trial(plan, metrics_b, total_b);
}

/// Strategy `si`'s buffers in the trial of `ws`, started ([`start_strategy`]), with the
/// trial's demand path and inputs.
fn one_strategy<'w>(
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
fn start_trial<C: Counts>(plan: &Plan, seed: u64, trial: u64, ws: &mut Workspace) -> f64 {
    let streams = TrialStreams::new(seed, trial);
    draw_demand::<C>(plan, &streams, ws);
    draw_vendors(plan, &streams, ws);
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
fn simulate_strategies<C: Counts>(
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
                finish_strategy(plan, sp, &mut a, &sums_a, &mut metrics[si]);
                finish_strategy(plan, sp_b, &mut b, &sums_b, &mut metrics[si + 1]);
                si += 2;
            }
            _ if skip_lone && plan.lone.contains(&si) => si += 1,
            _ => {
                start_strategy(sp, &mut a, &ws.draws, &ws.vendor_streams, demand);
                let sums = simulate_strategy::<C>(plan, sp, &mut a, demand, &mut ws.inputs);
                finish_strategy(plan, sp, &mut a, &sums, &mut metrics[si]);
                si += 1;
            }
        }
    }
}

/// What every strategy's metrics take from the whole trial: total demand, cost per
/// unit, objectives.
fn finish_trial(plan: &Plan, metrics: &mut [TrialMetrics], demand_total: f64) {
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
        });
    }
}

/// Running sums of one strategy over a trial. The cost components that are a fixed
/// price times a summed quantity (onboarding, setup, oversight, defects, delay) are
/// priced once at the end of the trial instead of month by month.
#[derive(Default)]
struct Sums {
    labor: f64,
    incidents_cost: f64,
    credits: f64,
    incidents: u64,
    leavers: u64,
    hires: u64,
    good: f64,
    defective: f64,
    work: f64,
}

/// One strategy's buffers for a trial: its slots' states and running states, its
/// month points and the work available each month.
struct StrategyBuffers<'w> {
    slots: &'w mut [SlotState],
    running: &'w mut [Running],
    points: &'w mut [MonthPoint],
    available: &'w mut [f64],
}

/// Start of a strategy's trial: tenured heads, everything else empty; the month points
/// hold the demand and zeros, to which each month's sums over the vendors are added
/// (the month's cost, for now, to `cumulative_cost`), and no work is available yet.
fn start_strategy(
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

/// The calendar of the month loop: month `i + 1`'s [`Month`], given the month of the
/// contract year before it.
struct Calendar<'a> {
    sc: &'a Scenario,
    demand_path: &'a [f64],
    month_of_year: u32,
}

impl<'a> Calendar<'a> {
    fn new(sc: &'a Scenario, demand_path: &'a [f64]) -> Self {
        Calendar {
            sc,
            demand_path,
            month_of_year: 0,
        }
    }

    #[inline(always)]
    fn month(&mut self, i: usize, buffer: f64) -> Month<'a> {
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

/// One strategy's month loop for the current trial, after [`start_strategy`].
fn simulate_strategy<C: Counts>(
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

/// The month loop of a strategy's vendors from slot `first` on, as lanes `L`.
fn run_lanes<'a, C: Counts, L: Lanes<'a>>(
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
enum Kind {
    /// One vendor: nothing to overflow to (with or without overflow, the same months).
    One,
    /// Two vendors sharing work, the usual case of overflow.
    Two,
    /// Any other number of vendors.
    Other,
}

fn kind(sp: &StrategyPlan) -> Kind {
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
trait Lanes<'a>: Sized {
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
struct One<'a> {
    k: usize,
    slot: &'a SlotPlan,
    state: &'a mut SlotState,
    run: Running,
}

impl<'a> Lanes<'a> for One<'a> {
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
    }

    fn finish(self, running: &mut [Running]) {
        running[self.k] = self.run;
    }
}

/// Two vendors sharing work: [`overflow`] written out for two.
struct Two<'a> {
    first: usize,
    slots: (&'a SlotPlan, &'a SlotPlan),
    states: (&'a mut SlotState, &'a mut SlotState),
    runs: (Running, Running),
}

impl<'a> Lanes<'a> for Two<'a> {
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
    }

    fn finish(self, running: &mut [Running]) {
        (running[self.first], running[self.first + 1]) = self.runs;
    }
}

/// Whether two strategies' month loops can run side by side in [`simulate_pair`].
fn can_pair(a: &StrategyPlan, b: &StrategyPlan) -> bool {
    kind(a) != Kind::Other && kind(b) != Kind::Other
}

/// The month loops of two strategies ([`can_pair`]), after [`start_strategy`], run side
/// by side: each month of a strategy depends on its month before, so the two loops'
/// chains of dependent instructions interleave and the processor works on both at once.
/// Each strategy draws from its own streams and adds to its own sums and points in the
/// same order as in [`simulate_strategy`], so the results are the same to the bit. The
/// two may belong to one trial or to two ([`simulate_trials`]), each with its demand
/// path and inputs.
fn simulate_pair<C: Counts, I: PairInputs>(
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
fn run_pair<'a, C: Counts, A: Lanes<'a>, B: Lanes<'a>, I: PairInputs>(
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
trait PairInputs {
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

/// End of a strategy's trial: each month's shared costs priced on the month's sums,
/// the cumulative and discounted cost, and the strategy's metrics.
fn finish_strategy(
    plan: &Plan,
    sp: &StrategyPlan,
    b: &mut StrategyBuffers,
    sums: &Sums,
    out: &mut TrialMetrics,
) {
    let costs = &plan.scenario.costs;
    let points = &mut *b.points;
    let mut cumulative = 0.0;
    let mut cost_npv = 0.0;
    let mut available_sum = 0.0;
    let mut heads_sum = 0.0;
    let mut backlog_sum = 0.0;
    let mut shortfall_months = 0;
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
        let shared = oversight_per_head * point.heads + monthly_fees + delay_cost * point.backlog;
        let setup = if i == 0 { setup_total } else { 0.0 };
        let cost_month = point.cumulative_cost + shared + setup;
        cumulative += cost_month;
        cost_npv += cost_month * discount;
        point.cumulative_cost = cumulative;
        point.shortfall = point.capacity < avail;
        shortfall_months += u64::from(point.shortfall);
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

/// What every vendor of a strategy shares in one month.
#[derive(Clone, Copy)]
struct Month<'a> {
    /// `t` as a float: the end of month `t` in months from the start of month 1.
    end: f64,
    demand: f64,
    /// Whether month `t` starts a contract year after the first (`t = 13, 25, ...`).
    new_year: bool,
    costs: &'a crate::scenario::Costs,
    backlog_clear_months: f64,
    buffer: f64,
}

/// Steps 1-4 for one vendor: arrivals, disruption, capacity and work. `OVERFLOW`: whether
/// the strategy moves work between its vendors (step 5), without which nothing flows.
#[inline(always)]
fn begin_vendor_month<C: Counts, const OVERFLOW: bool>(
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
fn end_vendor_month<C: Counts, const OVERFLOW: bool>(
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
    let forecast = slot.share * month.demand + run.backlog / month.backlog_clear_months;
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
        .min(run.tenured.saturating_sub(slot.min_fte));
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
    cost
}

/// Step 5: each vendor's unmet work moves, in allocation order, to the spare capacity
/// of the others.
fn overflow(slots: &mut [Running]) {
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
fn give_spare(from: &mut Running, to: &mut Running) {
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

/// The demand path shared by all strategies: growth, noise, calendar, shocks.
fn draw_demand<C: Counts>(plan: &Plan, streams: &TrialStreams, ws: &mut Workspace) {
    let d = &plan.scenario.demand;
    // Growth, noise and shocks each have their own stream, so fixing one (a sensitivity
    // swing) leaves the others' draws unchanged.
    let g = d
        .growth_annual
        .sample(&mut streams.stream(Purpose::Growth, 0));
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
fn draw_vendors(plan: &Plan, streams: &TrialStreams, ws: &mut Workspace) {
    let sc = plan.scenario;
    let candidates = sc.assumptions.due_diligence_candidates;
    for (vi, v) in sc.vendors.iter().enumerate() {
        // One stream per drawn parameter, so fixing one leaves the others unchanged.
        let draw = |k: u64| streams.stream(Purpose::VendorDraws, 3 * vi as u64 + k);
        let attrition = v.attrition_annual.sample(&mut draw(0));
        let defect_rate = v.defect_rate.sample(&mut draw(1));
        let escalation = v.price_escalation_annual.sample(&mut draw(2));
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

/// `min(a, b)` in one instruction, where `f64::min` needs several to handle NaN. Like
/// `f64::min`, ignores a NaN `b`; unlike it, keeps a NaN `a`, which the month loop never
/// passes.
#[inline(always)]
fn lesser(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// `max(x, 0)`, 0 for NaN, as `x.max(0.0)`, in one instruction.
#[inline(always)]
fn not_negative(x: f64) -> f64 {
    if x > 0.0 { x } else { 0.0 }
}

/// A head count as a float. Head counts never exceed `max_fte` (a `u32`), well inside
/// the range where the signed conversion, a single instruction, is exact.
#[inline(always)]
fn heads_f64(n: u64) -> f64 {
    n as i64 as f64
}

/// 2^52: from here on every float is a whole number.
const WHOLE_FROM: f64 = 4_503_599_627_370_496.0;

/// `x` rounded to the nearest whole number, ties to even, for `0 <= x < 2^52`: adding
/// and removing 2^52 leaves no fraction. Two additions instead of a libm call.
#[inline(always)]
fn nearest_whole(x: f64) -> f64 {
    (x + WHOLE_FROM) - WHOLE_FROM
}

/// `round(x)` (halves away from zero) for `x >= 0`, 0 for negative or NaN `x`. Every
/// case is worked out and the right one selected, without a branch.
#[inline(always)]
fn round_whole(x: f64) -> f64 {
    let x = not_negative(x);
    let r = nearest_whole(x);
    // A tie went to the even neighbour below: halves go up.
    let r = r + if x - r == 0.5 { 1.0 } else { 0.0 };
    if x < WHOLE_FROM { r } else { x }
}

/// `ceil(x)` as a head count: 0 for x <= 0 or non-finite, saturating at `u64::MAX`.
/// Without a branch, as [`round_whole`].
#[inline(always)]
fn ceil_count(x: f64) -> u64 {
    let x = not_negative(x);
    // Below 2^52 the truncation is exact and its conversion back too: one up if `x` had
    // a fraction.
    let small = if x < WHOLE_FROM { x } else { 0.0 };
    let down = small as i64;
    let up = down + i64::from((down as f64) < small);
    if x < WHOLE_FROM { up as u64 } else { x as u64 }
}
