//! What a trial works in: every buffer and random stream the month loop needs, made
//! once per worker thread ([`Workspace::new`]) and reused trial after trial, so the
//! month loop allocates nothing; and the per-vendor running state ([`Running`],
//! [`SlotState`]) that the month loop carries from one month to the next.

use super::outputs::TrialInputs;
use super::plan::Plan;
use super::streams::{Purpose, StreamRng, TrialStreams};
use crate::model::sampling::{ExactBinomial, PoissonMonths};

#[derive(Clone, Copy, Default)]
pub(super) struct VendorDraw {
    pub(super) attrition: f64,
    pub(super) defect_rate: f64,
    pub(super) escalation: f64,
    pub(super) dd_attrition: f64,
    pub(super) dd_defect_rate: f64,
}

/// A vendor's streams for the month loop, opened once per trial and copied to every
/// strategy that uses the vendor, so each strategy starts them afresh (common random
/// numbers).
#[derive(Clone)]
pub(super) struct VendorStreams {
    pub(super) disruption_rng: StreamRng,
    pub(super) incident_rng: StreamRng,
    pub(super) defect_rng: StreamRng,
    pub(super) attrition_rng: StreamRng,
    pub(super) disruptions: PoissonMonths,
    pub(super) incidents: PoissonMonths,
}

impl VendorStreams {
    pub(super) fn placeholder() -> Self {
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
pub(super) struct Running {
    pub(super) tenured: u64,
    /// `t % ramp_months` in month `t`, moved on to the next month's at the end of month
    /// `t` (0 without ramp); the position of [`SlotState::ramp`].
    pub(super) ramp_pos: usize,
    /// Heads in all ramping cohorts.
    pub(super) ramp_heads: u64,
    /// `t % pipeline.len()` in month `t`; the position of [`SlotState::pipeline`].
    pub(super) pipeline_pos: usize,
    pub(super) pipeline_total: u64,
    /// Hires arrived so far this trial.
    pub(super) arrivals: u64,
    pub(super) backlog: f64,
    pub(super) disrupted_left: u32,
    pub(super) price_factor: f64,
    // This month's quantities.
    /// Heads paid this month, as a float.
    pub(super) heads: f64,
    pub(super) effective: f64,
    pub(super) capacity: f64,
    pub(super) available: f64,
    pub(super) own_work: f64,
    pub(super) inflow: f64,
    pub(super) outflow: f64,
    pub(super) onboarding: f64,
    /// Defective units made this month.
    pub(super) defective: f64,
}

/// The rest of the state of one vendor within one strategy during a trial.
pub(super) struct SlotState {
    /// Ramping cohorts, a ring indexed by arrival month modulo `ramp_months`: in month
    /// `t`, the cohort with `j` months of ramp left is at `(t + j) % ramp_months`.
    pub(super) ramp: Vec<u64>,
    /// Hires by arrival month, a ring indexed by month modulo its length.
    pub(super) pipeline: Vec<u64>,
    /// `1 + e_v`.
    pub(super) escalation_mult: f64,
    pub(super) leavers: ExactBinomial,
    pub(super) defect_base: f64,
    pub(super) streams: VendorStreams,
}

/// Buffers reused across trials so the month loop allocates nothing.
pub struct Workspace {
    pub(super) demand: Vec<f64>,
    /// Work available in each month of each strategy, summed over its vendors;
    /// strategy-major.
    pub(super) available: Vec<f64>,
    pub(super) shock_add: Vec<f64>,
    pub(super) draws: Vec<VendorDraw>,
    pub(super) vendor_streams: Vec<VendorStreams>,
    pub(super) slots: Vec<Vec<SlotState>>,
    /// The running state of the vendors of each strategy, as `slots`.
    pub(super) running: Vec<Vec<Running>>,
    /// The uncertain inputs of the last trial simulated.
    pub inputs: TrialInputs,
    /// This trial's per-trial inputs, in `InputId::all` order.
    pub(super) input_values: Vec<f64>,
    /// The copula's normals of this trial.
    pub(super) normals: Vec<f64>,
    /// The block the driver is simulating: first trial and size.
    pub(super) lhs_block: Option<(u64, usize)>,
    /// The block `lhs_points` was built for.
    pub(super) lhs_built: Option<(u64, usize)>,
    /// That block's Latin hypercube, input-major (`input * size + position`).
    pub(super) lhs_points: Vec<f64>,
    /// Each currency's index `X_t` (V2.2) at `currency * horizon + t - 1`; empty unless
    /// the plan runs the general month loop.
    pub(super) fx: Vec<f64>,
    /// Each vendor's failure month `t_f` (V2.3), [`NEVER`] if it does not fail.
    pub(super) failure: Vec<usize>,
    /// Per strategy, the general month loop's state; empty unless the plan runs it.
    pub(super) sourcing: Vec<SourcingState>,
}

/// A failure month after every horizon: the vendor does not fail.
pub(super) const NEVER: usize = usize::MAX;

/// What the general month loop ([`super::sourcing`]) keeps for one strategy.
pub(super) struct SourcingState {
    /// Current share `s_v(t)` of slot `k` in month `i + 1` at `k * horizon + i`: the
    /// planned shares, moved by exits and failures as they become known.
    pub(super) shares: Vec<f64>,
    /// Per slot, its state across months.
    pub(super) slots: Vec<SourcingSlot>,
    /// Per slot and month (slot-major), the month's labor, incident losses, credits,
    /// good units, defective units and work, summed in version 1's order at the end.
    pub(super) ledger: Vec<[f64; 6]>,
    /// Per month, the setup paid on entries and the per-vendor fees of active vendors.
    pub(super) charges: Vec<[f64; 2]>,
    /// Whether slot `k` is active (a positive share, not failed) in month `i + 1`, at
    /// `k * horizon + i`.
    pub(super) active: Vec<bool>,
    /// Per month index `i`: whether no vendor's planned share turns positive or stops
    /// being positive in month `i + 1` (false for month 1).
    pub(super) steady: Vec<bool>,
    /// Per slot: its failure month `t_f` in this trial ([`NEVER`] if none).
    pub(super) failed_at: Vec<usize>,
    /// Per slot, what the month being simulated knows of it ([`SlotMonth`]).
    pub(super) month: Vec<SlotMonth>,
    /// Whether `shares` still hold the planned shares (no exit or failure moved them
    /// in the strategy's last trial), so that the next trial need not copy them again.
    pub(super) shares_planned: bool,
}

/// One vendor's figures in the month the general loop is simulating, read once at the
/// start of the month (its share and currency index do not change within the month).
#[derive(Clone, Copy, Default)]
pub(super) struct SlotMonth {
    /// Its share `s_v(t)` this month.
    pub(super) share: f64,
    /// Its currency index `X_t` (1 in the scenario's currency).
    pub(super) index: f64,
    /// Whether it is active this month: a positive share and not failed.
    pub(super) on: bool,
    /// Whether it is dormant: unused this month, without staff, pipeline or backlog.
    pub(super) dormant: bool,
    /// Backlog it left behind on leaving this month, to be passed on.
    pub(super) left_behind: f64,
    /// What leaving cost it this month: releases and exit fee.
    pub(super) leaving_cost: f64,
    /// Its service level this month (1 when dormant).
    pub(super) service: f64,
    /// What releasing heads in step 11 cost it (0 if it released none).
    pub(super) released: f64,
}

/// One vendor's sourcing state within a strategy's trial.
#[derive(Clone, Copy, Default)]
pub(super) struct SourcingSlot {
    /// Whether the vendor was active in the month before.
    pub(super) active: bool,
    /// Month of its last entry, `tau_v`.
    pub(super) entered: usize,
    /// Consecutive active months with service below the exit trigger.
    pub(super) low_run: u32,
    /// Whether its exit rule can no longer trigger (it has, or the vendor failed).
    pub(super) exit_done: bool,
    /// Month `t_x` the triggered exit takes effect, if any.
    pub(super) exit_at: usize,
    /// Arrived heads times the currency index, summed: onboarding over the trial is
    /// this times the cost per hire.
    pub(super) arrivals_x: f64,
    /// Month the vendor was left by its exit rule in this trial; 0 if it was not.
    pub(super) left_month: usize,
    /// Month the vendor failed while active in this trial; 0 if it did not.
    pub(super) failed_month: usize,
    /// What leaving by the exit rule cost: the releases of every head and the exit fee.
    pub(super) leave_cost: f64,
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
        let h = plan.horizon;
        let sourcing = if plan.general {
            plan.strategies
                .iter()
                .map(|sp| SourcingState {
                    shares: vec![0.0; sp.slots.len() * h],
                    slots: vec![SourcingSlot::default(); sp.slots.len()],
                    ledger: vec![[0.0; 6]; sp.slots.len() * h],
                    charges: vec![[0.0; 2]; h],
                    active: vec![false; sp.slots.len() * h],
                    steady: (0..h)
                        .map(|i| {
                            i > 0
                                && sp
                                    .sourcing
                                    .planned
                                    .chunks_exact(h)
                                    .all(|planned| (planned[i] > 0.0) == (planned[i - 1] > 0.0))
                        })
                        .collect(),
                    failed_at: vec![NEVER; sp.slots.len()],
                    month: vec![SlotMonth::default(); sp.slots.len()],
                    shares_planned: false,
                })
                .collect()
        } else {
            Vec::new()
        };
        let currencies = if plan.general { sc.currencies.len() } else { 0 };
        Workspace {
            fx: vec![1.0; currencies * h],
            failure: vec![NEVER; nv],
            sourcing,
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
                currency_index: vec![1.0; currencies],
                failure_month: vec![0; if plan.general { nv } else { 0 }],
            },
            input_values: vec![0.0; plan.inputs.len()],
            normals: vec![0.0; plan.copula.as_ref().map_or(0, |(m, _)| m.len())],
            lhs_block: None,
            lhs_built: None,
            lhs_points: Vec::new(),
        }
    }

    /// Say that trials `first..first + size` (one block of the driver) come next, so
    /// that Latin hypercube sampling stratifies over exactly those trials. Without it,
    /// a trial's block is the [`super::BLOCK_TRIALS`] trials around it.
    pub fn begin_block(&mut self, first: u64, size: usize) {
        self.lhs_block = Some((first, size));
    }
}
