//! The plan of a run: everything about a scenario that is the same in every trial.
//!
//! [`Plan::new`] turns a validated scenario, once per run, into flat per-strategy and
//! per-vendor records ([`StrategyPlan`], [`SlotPlan`]): calendar multipliers, discount
//! factors, each vendor's [`Levers`] under each strategy, and which month loop
//! ([`super::lanes`]) each strategy runs, so the month loop reads plain numbers.

use super::lanes::{Kind, can_pair, kind};
use super::levers::Levers;
use crate::model::copula::Copula;
use crate::model::dist::Sampler;
use crate::model::sampling::PoissonMonths;
use crate::scenario::{
    Allocation, InputId, Pricing, Sampling, Scenario, Staffing, Strategy, VendorKind, VolumeTier,
};

/// SLA credit terms of a vendor with a target.
#[derive(Clone, Copy)]
pub(super) struct Sla {
    pub(super) target: f64,
    pub(super) credit_per_point: f64,
    pub(super) cap: f64,
}

/// One vendor of one strategy: its share and every constant its month needs, copied out
/// of the scenario so the month loop reads one flat record.
pub(super) struct SlotPlan {
    pub(super) vendor: usize,
    pub(super) share: f64,
    pub(super) levers: Levers,
    /// Whether this slot records the vendor's disruptions and incident losses as the
    /// trial's inputs (the first strategy that uses the vendor; all see the same ones).
    pub(super) record_inputs: bool,
    pub(super) initial_fte: u64,
    pub(super) min_fte: u64,
    pub(super) max_fte: u64,
    pub(super) max_hires: u64,
    pub(super) max_release: u64,
    pub(super) ramp_months: usize,
    pub(super) ramp_productivity: f64,
    pub(super) onboarding_cost: f64,
    pub(super) units: f64,
    /// `units_per_fte_month * prod_mult`: output of one head when staffing.
    pub(super) staffing_units: f64,
    /// `1 - disruption_capacity_loss`.
    pub(super) disrupted_mult: f64,
    pub(super) disruption_months: u32,
    /// `new_hire_defect_multiplier - 1`.
    pub(super) defect_ramp: f64,
    pub(super) rate: f64,
    /// Setup cost plus due diligence, paid in month 1.
    pub(super) setup: f64,
    /// Oversight hours plus IP-protection and cultural-training fees, per month.
    pub(super) monthly_fees: f64,
    pub(super) sla: Option<Sla>,
    pub(super) incident_keep_threshold: f64,
    /// What the general month loop ([`super::sourcing`]) adds: contract, currency,
    /// entry, exit and failure terms.
    pub(super) terms: Terms,
}

/// A vendor's model v2 terms (V2.1-V2.3), as the general month loop reads them.
pub(super) struct Terms {
    pub(super) pricing: Pricing,
    /// `rate_per_fte_month` (per head) or `price_per_unit`.
    pub(super) price: f64,
    pub(super) min_monthly_fee: f64,
    pub(super) tiers: Vec<VolumeTier>,
    /// `1 + min(e_v, cap)` is the escalation applied: the cap, or infinity.
    pub(super) escalation_cap: f64,
    /// Index of the vendor's currency path; `None`: the scenario's currency.
    pub(super) currency: Option<usize>,
    /// `setup_cost`, in the vendor's currency (times the index on entry).
    pub(super) setup_cost: f64,
    /// `due_diligence_cost` under due diligence, else 0, in the scenario's currency.
    pub(super) due_diligence_cost: f64,
    pub(super) release_cost: f64,
    pub(super) exit_fee: f64,
    pub(super) transition_months: u32,
    pub(super) transition_productivity: f64,
    pub(super) knowledge_transfer_cost: f64,
    /// `max(1, hiring_lead_months)`: how far ahead step 11 looks (V2.3).
    pub(super) lead: usize,
    /// `(1 + gbar)^(lead / 12)`: a year's mean growth over the lead (V2.4).
    pub(super) lead_growth: f64,
}

/// A strategy's sourcing over time (V2.3, V2.4), for the general month loop.
pub(super) struct Sourcing {
    /// Planned share `p_v(t)` of slot `k` in month `i + 1` at `k * horizon + i`.
    pub(super) planned: Vec<f64>,
    /// Per slot, its exit rule.
    pub(super) exits: Vec<Option<ExitPlan>>,
    /// Planned staffing (V2.4) rather than reactive.
    pub(super) planned_staffing: bool,
    /// Whether every vendor is active with the same share in every month until one
    /// fails or an exit rule moves shares: every planned share is positive and the same
    /// throughout (no phase changes it) and no vendor has a transition after entry.
    /// Those months after the first are all quiet, and the general loop runs them
    /// without the checks that entries, failures and transitions need.
    pub(super) settled: bool,
}

/// An exit rule, with its fallback as a slot of the strategy.
#[derive(Clone, Copy)]
pub(super) struct ExitPlan {
    pub(super) below: f64,
    pub(super) for_months: u32,
    pub(super) fallback: usize,
    pub(super) notice: usize,
}

pub(super) struct StrategyPlan {
    pub(super) slots: Vec<SlotPlan>,
    /// Oversight hours per head, `h`.
    pub(super) oversight_hours: f64,
    pub(super) overflow: bool,
    pub(super) buffer: f64,
    pub(super) dd: bool,
    /// Shares month by month, exits and staffing, for the general month loop.
    pub(super) sourcing: Sourcing,
    /// Whether every vendor bills per head in the scenario's currency, without volume
    /// tiers, a monthly floor or a release cost: the general loop's settled copy then
    /// leaves those terms out.
    pub(super) plain_terms: bool,
}

/// Everything about a scenario that is the same in every trial.
pub struct Plan<'s> {
    pub(super) scenario: &'s Scenario,
    pub(super) horizon: usize,
    /// `S(t) * E(t)` for each month.
    pub(super) calendar: Vec<f64>,
    /// `(1 + r)^(-t/12)` for each month.
    pub(super) discount: Vec<f64>,
    pub(super) strategies: Vec<StrategyPlan>,
    /// Whether any strategy uses due diligence with this vendor.
    pub(super) vendor_needs_dd: Vec<bool>,
    /// Whether any strategy uses this vendor.
    pub(super) vendor_used: Vec<bool>,
    /// Per vendor: disruption starts, month by month.
    pub(super) disruptions: Vec<PoissonMonths>,
    /// Per vendor: incidents at the full rate, month by month.
    pub(super) incidents: Vec<PoissonMonths>,
    /// Demand shocks, month by month.
    pub(super) shocks: PoissonMonths,
    /// Strategies that no neighbour runs beside ([`can_pair`]) but that could run beside
    /// a strategy of one or two vendors: [`simulate_trials`] runs each beside itself in
    /// the next trial.
    pub(super) lone: Vec<usize>,
    /// Draw counts with `rand_distr`'s general samplers instead of the tuned ones.
    pub(super) straightforward: bool,
    /// The per-trial inputs, in [`InputId::all`] order, with their samplers.
    pub(super) inputs: Vec<&'s Sampler>,
    /// `[[correlations]]`: the positions (in `inputs`) of the correlated inputs and
    /// their copula; `None` without correlations.
    pub(super) copula: Option<(Vec<usize>, Copula)>,
    /// Whether each block of trials is a Latin hypercube over the per-trial inputs.
    pub(super) lhs: bool,
    /// Run every strategy on the general month loop ([`super::sourcing`]): the
    /// scenario uses a model v2 mechanism of sourcing, billing or currency, or the plan
    /// was built with [`Plan::general`].
    pub(super) general: bool,
    /// Whether a settled strategy's months may run on the general loop's settled copy
    /// (false only for [`Plan::unsettled`]).
    pub(super) settles: bool,
    /// Seasonality `S(t)` at index `t - 1`, beyond the horizon by the longest lead.
    pub(super) season: Vec<f64>,
    /// Roadmap steps `E(t)` at index `t - 1`, as `season`.
    pub(super) steps: Vec<f64>,
}

/// The vendors of a strategy in order of first mention (V2.8 rule 4): allocation, then
/// phases, then exit fallbacks.
pub(super) fn strategy_vendors(s: &Strategy) -> Vec<usize> {
    let mut order: Vec<usize> = Vec::new();
    let mut add = |v: usize| {
        if !order.contains(&v) {
            order.push(v);
        }
    };
    for al in &s.allocation {
        add(al.vendor);
    }
    for phase in &s.phases {
        for al in &phase.allocation {
            add(al.vendor);
        }
    }
    for exit in &s.exits {
        add(exit.fallback);
    }
    order
}

/// The planned shares of strategy `s` over `vendors` month by month (slot-major).
fn planned_shares(s: &Strategy, vendors: &[usize], horizon: usize) -> Vec<f64> {
    let mut planned = vec![0.0; vendors.len() * horizon];
    for i in 0..horizon {
        let t = i + 1;
        let allocation: &[Allocation] = s
            .phases
            .iter()
            .rev()
            .find(|p| p.month as usize <= t)
            .map_or(&s.allocation, |p| &p.allocation);
        for al in allocation {
            if let Some(k) = vendors.iter().position(|&v| v == al.vendor) {
                planned[k * horizon + i] = al.share;
            }
        }
    }
    planned
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
        // The mean of growth_annual, `gbar` of planned staffing (V2.4).
        let gbar = d.growth_annual.dist().location();
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
                let vendors = strategy_vendors(s);
                let slots: Vec<SlotPlan> = vendors
                    .iter()
                    .map(|&vi| {
                        let v = &scenario.vendors[vi];
                        let share = s
                            .allocation
                            .iter()
                            .find(|al| al.vendor == vi)
                            .map_or(0.0, |al| al.share);
                        let levers = Levers::new(v, s, a);
                        let record_inputs = !vendor_used[vi];
                        vendor_used[vi] = true;
                        let lead = v.hiring_lead_months.max(1) as usize;
                        let contract = &v.contract;
                        SlotPlan {
                            vendor: vi,
                            share,
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
                            terms: Terms {
                                pricing: contract.pricing,
                                price: match contract.pricing {
                                    Pricing::PerFte => v.rate_per_fte_month,
                                    Pricing::PerUnit | Pricing::PerGoodUnit => {
                                        contract.price_per_unit
                                    }
                                },
                                min_monthly_fee: contract.min_monthly_fee,
                                tiers: contract.volume_tiers.clone(),
                                escalation_cap: contract.escalation_cap.unwrap_or(f64::INFINITY),
                                currency: v.currency,
                                setup_cost: v.setup_cost,
                                due_diligence_cost: setup_extra,
                                release_cost: v.release_cost_per_head,
                                exit_fee: v.exit_fee,
                                transition_months: v.transition_months,
                                transition_productivity: v.transition_productivity,
                                knowledge_transfer_cost: v.knowledge_transfer_cost,
                                lead,
                                lead_growth: (1.0 + gbar).powf(lead as f64 / 12.0),
                            },
                        }
                    })
                    .collect();
                let planned = planned_shares(s, &vendors, h);
                let exits: Vec<Option<ExitPlan>> = vendors
                    .iter()
                    .map(|&vi| {
                        s.exits.iter().find(|e| e.vendor == vi).map(|e| ExitPlan {
                            below: e.when_service_below,
                            for_months: e.for_months,
                            fallback: vendors
                                .iter()
                                .position(|&f| f == e.fallback)
                                .unwrap_or_default(),
                            notice: e.notice_months as usize,
                        })
                    })
                    .collect();
                let settled = planned
                    .chunks_exact(h)
                    .all(|row| row.iter().all(|&share| share > 0.0 && share == row[0]))
                    && slots.iter().all(|slot| slot.terms.transition_months == 0);
                let plain_terms = slots.iter().all(|slot| {
                    let terms = &slot.terms;
                    terms.pricing == Pricing::PerFte
                        && terms.tiers.is_empty()
                        && terms.min_monthly_fee == 0.0
                        && terms.currency.is_none()
                        && terms.release_cost == 0.0
                });
                StrategyPlan {
                    plain_terms,
                    slots,
                    oversight_hours: s.oversight_hours_per_fte,
                    overflow: s.overflow && vendors.len() > 1,
                    buffer: s.capacity_buffer,
                    dd: s.due_diligence,
                    sourcing: Sourcing {
                        settled,
                        planned,
                        exits,
                        planned_staffing: s.staffing == Staffing::Planned,
                    },
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
        let general = scenario.uses_v2_sourcing();
        let longest_lead = scenario
            .vendors
            .iter()
            .map(|v| v.hiring_lead_months.max(1) as usize)
            .max()
            .unwrap_or(1);
        let season = (1..=h + longest_lead)
            .map(|t| {
                d.seasonality
                    .map_or(1.0, |s| s[(d.start_month as usize - 1 + t - 1) % 12])
            })
            .collect();
        let steps = (1..=h + longest_lead)
            .map(|t| {
                d.events
                    .iter()
                    .filter(|e| e.month as usize <= t)
                    .map(|e| e.multiplier)
                    .product()
            })
            .collect();
        let mut lone = Vec::new();
        let mut si = 0;
        while !general && si < strategies.len() {
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
            inputs: InputId::all(scenario.vendors.len())
                .into_iter()
                .map(|id| id.sampler(scenario))
                .collect(),
            copula: copula_of(scenario),
            lhs: scenario.meta.sampling == Sampling::Lhs,
            general,
            settles: true,
            season,
            steps,
        }
    }

    /// As [`Plan::new`], but every strategy runs on the general month loop of model v2
    /// even when the scenario uses none of its mechanisms. Slower; it gives a version 1
    /// scenario the results of [`Plan::new`] to the bit, which the tests check.
    pub fn general(scenario: &'s Scenario) -> Self {
        Plan {
            general: true,
            lone: Vec::new(),
            ..Plan::new(scenario)
        }
    }

    /// As [`Plan::general`], but no month runs on the general loop's settled copy: every
    /// month of every strategy takes the checks of entries, exits and failures. Slower;
    /// it gives the results of [`Plan::new`] to the bit, which the tests check.
    pub fn unsettled(scenario: &'s Scenario) -> Self {
        Plan {
            settles: false,
            ..Plan::general(scenario)
        }
    }

    /// Whether every strategy runs on the general month loop of model v2.
    pub fn is_general(&self) -> bool {
        self.general
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

    /// Whether `simulate_trials` is faster than two calls of `simulate_trial`: some
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

/// The Gaussian copula of the scenario's `[[correlations]]` over the inputs they name
/// (in [`InputId::all`] order), or `None` without correlations. Validation has checked
/// that the matrix is positive definite; should it fail here all the same, the inputs
/// are drawn independently rather than the run stopping.
fn copula_of(scenario: &Scenario) -> Option<(Vec<usize>, Copula)> {
    if scenario.correlations.is_empty() {
        return None;
    }
    let mut members: Vec<usize> = scenario
        .correlations
        .iter()
        .flat_map(|c| c.between.map(InputId::index))
        .collect();
    members.sort_unstable();
    members.dedup();
    let at = |i: usize| members.iter().position(|&m| m == i).unwrap_or(0);
    let pairs: Vec<(usize, usize, f64)> = scenario
        .correlations
        .iter()
        .map(|c| (at(c.between[0].index()), at(c.between[1].index()), c.rank))
        .collect();
    let copula = Copula::new(members.len(), &pairs).ok()?;
    Some((members, copula))
}
