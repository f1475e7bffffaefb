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

use super::streams::{Purpose, StreamRng, TrialStreams};
use crate::model::dist::unit;
use crate::model::levers::Levers;
use crate::model::sampling::{ExactBinomial, PoissonMonths, binomial_units};
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

impl TrialMetrics {
    /// Every real-valued output with its name, for checks over all of them.
    pub fn named_values(&self) -> [(&'static str, f64); 15] {
        [
            ("cost_npv", self.cost_npv),
            ("cost_total", self.cost_total),
            ("labor", self.labor),
            ("onboarding", self.onboarding),
            ("setup", self.setup),
            ("oversight", self.oversight),
            ("defects", self.defects),
            ("delay", self.delay),
            ("incidents_cost", self.incidents_cost),
            ("credits", self.credits),
            ("demand_total", self.demand_total),
            ("cost_per_unit", self.cost_per_unit),
            ("service_level", self.service_level),
            ("defect_rate", self.defect_rate),
            ("final_backlog", self.final_backlog),
        ]
    }
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

/// State of one vendor within one strategy during a trial.
struct SlotState {
    tenured: u64,
    /// Ramping cohorts, a ring indexed by arrival month modulo `ramp_months`: in month
    /// `t`, the cohort with `j` months of ramp left is at `(t + j) % ramp_months`.
    ramp: Vec<u64>,
    /// `t % ramp_months` in month `t`, moved on to the next month's at the end of month
    /// `t` (0 without ramp).
    ramp_pos: usize,
    /// Heads in all ramping cohorts.
    ramp_heads: u64,
    /// Hires by arrival month, a ring indexed by month modulo its length.
    pipeline: Vec<u64>,
    /// `t % pipeline.len()` in month `t`.
    pipeline_pos: usize,
    pipeline_total: u64,
    /// Hires arrived so far this trial.
    arrivals: u64,
    backlog: f64,
    disrupted_left: u32,
    price_factor: f64,
    /// `1 + e_v`.
    escalation_mult: f64,
    leavers: ExactBinomial,
    defect_base: f64,
    streams: VendorStreams,
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

/// Buffers reused across trials so the month loop allocates nothing.
pub struct Workspace {
    demand: Vec<f64>,
    /// Work available in each month of the strategy being simulated, summed over its
    /// vendors.
    available: Vec<f64>,
    shock_add: Vec<f64>,
    draws: Vec<VendorDraw>,
    vendor_streams: Vec<VendorStreams>,
    slots: Vec<Vec<SlotState>>,
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
                            tenured: 0,
                            ramp: vec![0; v.ramp_months as usize],
                            ramp_pos: 0,
                            ramp_heads: 0,
                            pipeline: vec![0; v.hiring_lead_months.max(1) as usize + 1],
                            pipeline_pos: 0,
                            pipeline_total: 0,
                            arrivals: 0,
                            backlog: 0.0,
                            disrupted_left: 0,
                            price_factor: 1.0,
                            escalation_mult: 1.0,
                            leavers: ExactBinomial::for_sizes(0.0, slot.max_fte),
                            defect_base: 0.0,
                            streams: VendorStreams::placeholder(),
                            heads: 0.0,
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
            available: vec![0.0; plan.horizon],
            shock_add: vec![0.0; plan.horizon],
            draws: vec![VendorDraw::default(); nv],
            vendor_streams: (0..nv).map(|_| VendorStreams::placeholder()).collect(),
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

fn simulate<C: Counts>(
    plan: &Plan,
    seed: u64,
    trial: u64,
    ws: &mut Workspace,
    metrics: &mut [TrialMetrics],
    months: &mut [MonthPoint],
) {
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
    let demand_total: f64 = ws.demand.iter().sum();
    ws.inputs.disruptions.fill(0);
    ws.inputs.incident_loss.fill(0.0);
    let h = plan.horizon;
    for (si, sp) in plan.strategies.iter().enumerate() {
        simulate_strategy::<C>(
            plan,
            sp,
            &mut ws.slots[si],
            &ws.draws,
            &ws.vendor_streams,
            &ws.demand,
            &mut ws.inputs,
            &mut metrics[si],
            &mut months[si * h..(si + 1) * h],
            &mut ws.available,
        );
        metrics[si].demand_total = demand_total;
        let out = &mut metrics[si];
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

/// One strategy's month loop for the current trial.
#[allow(clippy::too_many_arguments)]
fn simulate_strategy<C: Counts>(
    plan: &Plan,
    sp: &StrategyPlan,
    slots: &mut [SlotState],
    draws: &[VendorDraw],
    vendor_streams: &[VendorStreams],
    demand_path: &[f64],
    inputs: &mut TrialInputs,
    out: &mut TrialMetrics,
    points: &mut [MonthPoint],
    available: &mut [f64],
) {
    let sc = plan.scenario;
    let costs = &sc.costs;
    let backlog_clear_months = sc.assumptions.backlog_clear_months;
    // Start of trial: tenured heads, everything else empty.
    for (slot, state) in sp.slots.iter().zip(slots.iter_mut()) {
        let draw = draws[slot.vendor];
        let (attrition, defect_rate) = if sp.dd {
            (draw.dd_attrition, draw.dd_defect_rate)
        } else {
            (draw.attrition, draw.defect_rate)
        };
        state.tenured = slot.initial_fte;
        state.ramp.fill(0);
        // Month 1's position.
        state.ramp_pos = if slot.ramp_months > 1 { 1 } else { 0 };
        state.ramp_heads = 0;
        state.pipeline.fill(0);
        state.pipeline_pos = 0;
        state.pipeline_total = 0;
        state.arrivals = 0;
        state.backlog = 0.0;
        state.disrupted_left = 0;
        state.price_factor = 1.0;
        state.escalation_mult = 1.0 + draw.escalation;
        state.leavers.reset(
            slot.levers.monthly_leave_probability(attrition),
            slot.max_fte,
        );
        state.defect_base = defect_rate * slot.levers.timezone_mult * slot.levers.quality_mult;
        state.streams.clone_from(&vendor_streams[slot.vendor]);
    }
    let mut sums = Sums::default();
    let month_plan = |i: usize, month_of_year: &mut u32| {
        *month_of_year += 1;
        let new_year = *month_of_year == 13;
        if new_year {
            *month_of_year = 1;
        }
        Month {
            end: (i + 1) as f64,
            demand: demand_path[i],
            new_year,
            costs,
            backlog_clear_months,
            buffer: sp.buffer,
        }
    };
    // Each month's sums over the vendors go to its point (the month's cost, for now, to
    // `cumulative_cost`), and the work available to `available`.
    for ((point, &demand), avail) in points.iter_mut().zip(demand_path).zip(available.iter_mut()) {
        *point = MonthPoint {
            demand,
            ..MonthPoint::default()
        };
        *avail = 0.0;
    }
    if let ([slot_a, slot_b], [state_a, state_b], true) =
        (&sp.slots[..], &mut slots[..], sp.overflow)
    {
        // Two vendors sharing work, the usual case of overflow: as below, unrolled.
        let mut month_of_year = 0;
        for (i, (point, avail)) in points.iter_mut().zip(available.iter_mut()).enumerate() {
            let month = month_plan(i, &mut month_of_year);
            begin_vendor_month::<C, true>(slot_a, state_a, &month, inputs);
            begin_vendor_month::<C, true>(slot_b, state_b, &month, inputs);
            point.capacity += state_a.capacity;
            point.capacity += state_b.capacity;
            *avail += state_a.available;
            *avail += state_b.available;
            point.heads += state_a.heads;
            point.heads += state_b.heads;
            give_spare(state_a, state_b);
            give_spare(state_b, state_a);
            point.cumulative_cost +=
                end_vendor_month::<C, true>(sc, slot_a, state_a, &month, inputs, &mut sums);
            point.cumulative_cost +=
                end_vendor_month::<C, true>(sc, slot_b, state_b, &month, inputs, &mut sums);
            point.backlog += state_a.backlog;
            point.backlog += state_b.backlog;
        }
    } else if sp.overflow {
        // Steps 1-4 for each vendor, step 5 across them, then steps 6-11, month by month.
        let mut month_of_year = 0;
        for (i, (point, avail)) in points.iter_mut().zip(available.iter_mut()).enumerate() {
            let month = month_plan(i, &mut month_of_year);
            for (slot, state) in sp.slots.iter().zip(slots.iter_mut()) {
                begin_vendor_month::<C, true>(slot, state, &month, inputs);
                point.capacity += state.capacity;
                *avail += state.available;
                point.heads += state.heads;
            }
            overflow(slots);
            for (slot, state) in sp.slots.iter().zip(slots.iter_mut()) {
                point.cumulative_cost +=
                    end_vendor_month::<C, true>(sc, slot, state, &month, inputs, &mut sums);
                point.backlog += state.backlog;
            }
        }
    } else {
        // Without overflow the vendors do not interact: each vendor's months in one go.
        for (slot, state) in sp.slots.iter().zip(slots.iter_mut()) {
            let mut month_of_year = 0;
            for (i, (point, avail)) in points.iter_mut().zip(available.iter_mut()).enumerate() {
                let month = month_plan(i, &mut month_of_year);
                begin_vendor_month::<C, false>(slot, state, &month, inputs);
                point.capacity += state.capacity;
                *avail += state.available;
                point.heads += state.heads;
                point.cumulative_cost +=
                    end_vendor_month::<C, false>(sc, slot, state, &month, inputs, &mut sums);
                point.backlog += state.backlog;
            }
        }
    }
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
        .zip(available.iter())
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
    for (slot, state) in sp.slots.iter().zip(slots.iter()) {
        onboarding += heads_f64(state.arrivals) * slot.onboarding_cost;
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
    state: &mut SlotState,
    month: &Month,
    inputs: &mut TrialInputs,
) {
    if month.new_year {
        state.price_factor *= state.escalation_mult;
    }
    // Step 1: arrivals.
    state.pipeline_pos += 1;
    if state.pipeline_pos == state.pipeline.len() {
        state.pipeline_pos = 0;
    }
    let arrived = std::mem::take(&mut state.pipeline[state.pipeline_pos]);
    state.pipeline_total -= arrived;
    state.arrivals += arrived;
    if slot.ramp_months == 0 {
        state.tenured += arrived;
    } else {
        state.ramp[state.ramp_pos] += arrived;
        state.ramp_heads += arrived;
    }
    state.onboarding = heads_f64(arrived) * slot.onboarding_cost;
    // Step 2: disruption.
    let s = &mut state.streams;
    if C::any(&mut s.disruptions, &mut s.disruption_rng, month.end) {
        state.disrupted_left = state.disrupted_left.max(slot.disruption_months);
        if slot.record_inputs {
            inputs.disruptions[slot.vendor] += 1;
        }
    }
    let dmult = if state.disrupted_left > 0 {
        slot.disrupted_mult
    } else {
        1.0
    };
    // Steps 3-4: capacity and work.
    state.heads = heads_f64(state.tenured + state.ramp_heads);
    state.effective =
        heads_f64(state.tenured) + slot.ramp_productivity * heads_f64(state.ramp_heads);
    state.capacity = state.effective * slot.units * slot.levers.productivity_mult * dmult;
    state.available = slot.share * month.demand + state.backlog;
    // Capacity is never NaN; available work may be, in overflowing scenarios.
    state.own_work = lesser(state.capacity, state.available);
    if OVERFLOW {
        state.inflow = 0.0;
        state.outflow = 0.0;
    }
}

/// Steps 6-11 for one vendor: defects, costs, attrition, ramp, disruption clock and
/// staffing. Returns the vendor's cost of the month and adds its outputs to `sums`.
#[inline(always)]
fn end_vendor_month<C: Counts, const OVERFLOW: bool>(
    sc: &Scenario,
    slot: &SlotPlan,
    state: &mut SlotState,
    month: &Month,
    inputs: &mut TrialInputs,
    sums: &mut Sums,
) -> f64 {
    let costs = month.costs;
    // Step 6: defects.
    let work = if OVERFLOW {
        state.own_work + state.inflow
    } else {
        state.own_work
    };
    let ramp_share = if state.effective > 0.0 {
        slot.ramp_productivity * heads_f64(state.ramp_heads) / state.effective
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
        state.available - state.own_work - state.outflow
    } else {
        state.available - state.own_work
    };
    state.backlog = not_negative(unmet + defects);

    // Step 7: costs.
    let heads = state.heads;
    let labor = heads * slot.rate * state.price_factor;
    // Setup, oversight and delay are priced per month over all vendors, with the
    // month's heads and backlog (`simulate_strategy`).
    let defects_cost = defects * costs.defect_cost_per_unit;
    let mut credits = 0.0;
    if let Some(sla) = slot.sla {
        let sl = if state.available > 0.0 {
            lesser(good / state.available, 1.0)
        } else {
            1.0
        };
        if sl < sla.target {
            credits = lesser((sla.target - sl) * 100.0 * sla.credit_per_point, sla.cap) * labor;
        }
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
    let cost = labor + state.onboarding + defects_cost + incident_cost - credits;
    sums.labor += labor;
    sums.incidents_cost += incident_cost;
    sums.credits += credits;
    sums.good += good;
    sums.defective += defects;
    sums.work += work;

    // Step 8: attrition; leavers worked this month. Tenured heads first, then the
    // ramping cohorts.
    let rng = &mut state.streams.attrition_rng;
    let mut leavers = C::leavers(&state.leavers, rng, state.tenured);
    state.tenured -= leavers;
    if slot.ramp_months > 0 {
        let ramp_leavers =
            C::cohort_leavers(&state.leavers, rng, &mut state.ramp, state.ramp_heads);
        // Step 9: ramp. R_1 joins the tenured; the others move down by the ring.
        let first = if state.ramp_pos + 1 == slot.ramp_months {
            0
        } else {
            state.ramp_pos + 1
        };
        let graduates = std::mem::take(&mut state.ramp[first]);
        // Next month's arrivals join the ring where these heads left it.
        state.ramp_pos = first;
        state.tenured += graduates;
        state.ramp_heads -= ramp_leavers + graduates;
        leavers += ramp_leavers;
    }
    sums.leavers += leavers;
    // Step 10: disruption clock.
    state.disrupted_left = state.disrupted_left.saturating_sub(1);
    // Step 11: staffing for the months ahead.
    let forecast = slot.share * month.demand + state.backlog / month.backlog_clear_months;
    let need = ceil_count(forecast * (1.0 + month.buffer) / slot.staffing_units);
    let have = state.tenured + state.ramp_heads + state.pipeline_total;
    if need > have {
        let room = slot.max_fte.saturating_sub(have);
        let hire = (need - have).min(slot.max_hires).min(room);
        if hire > 0 {
            // Arrives in month t + lead, whose ring position is the one before this
            // month's.
            let at = if state.pipeline_pos == 0 {
                state.pipeline.len() - 1
            } else {
                state.pipeline_pos - 1
            };
            state.pipeline[at] += hire;
            state.pipeline_total += hire;
            sums.hires += hire;
        }
    } else if need < have {
        let release = (have - need)
            .min(slot.max_release)
            .min(state.tenured.saturating_sub(slot.min_fte));
        state.tenured -= release;
    }
    cost
}

/// Step 5: each vendor's unmet work moves, in allocation order, to the spare capacity
/// of the others.
fn overflow(slots: &mut [SlotState]) {
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
fn give_spare(from: &mut SlotState, to: &mut SlotState) {
    let left = from.available - from.own_work;
    if left <= 0.0 {
        return;
    }
    let spare = to.capacity - to.own_work - to.inflow;
    if spare > 0.0 {
        let moved = left.min(spare);
        to.inflow += moved;
        from.outflow += moved;
    }
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

/// `round(x)` (halves away from zero) for `x >= 0`, 0 for negative or NaN `x`.
#[inline]
fn round_whole(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return 0.0;
    }
    if x >= WHOLE_FROM {
        return x;
    }
    let r = nearest_whole(x);
    // A tie went to the even neighbour below: halves go up.
    if x - r == 0.5 { r + 1.0 } else { r }
}

/// `ceil(x)` as a head count: 0 for x <= 0 or non-finite, saturating at `u64::MAX`.
#[inline]
fn ceil_count(x: f64) -> u64 {
    if x.is_nan() || x <= 0.0 {
        return 0;
    }
    if x >= WHOLE_FROM {
        return x as u64;
    }
    // Below 2^52 the truncation is exact and its conversion back too: one up if `x` had
    // a fraction.
    let down = x as i64;
    let up = if (down as f64) < x { down + 1 } else { down };
    up as u64
}
