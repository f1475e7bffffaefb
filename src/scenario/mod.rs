//! Scenario files: from TOML text to a validated [`Scenario`].
//!
//! The path is parse, then validate, once: `reader` walks the TOML tree with its source
//! spans, `parse` turns it into the types below while checking every rule of the model
//! (ranges, shares, names, distribution parameters, the [`text`] rules), and collects
//! every problem with its line, column and key path. Only a fully valid file becomes a [`Scenario`]; the engine
//! accepts nothing else, so its invariants hold from then on.

pub mod error;
pub mod key;
mod parse;
mod reader;
#[cfg(test)]
mod tests;
pub mod text;

use std::path::Path;

pub use error::{Issue, ScenarioError};
pub use parse::{
    MAX_ANNUAL_RATE, MAX_BASE_DEMAND, MAX_EVENTS_PRODUCT, MAX_HEADS, MAX_MULTIPLIER, MAX_TRIALS,
    MIN_BASE_DEMAND, MIN_MULTIPLIER, MIN_UNITS_PER_FTE_MONTH,
};
pub use text::{MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_UNIT_CHARS, TextKind};

use crate::model::dist::Sampler;

/// A validated scenario: demand, costs, vendors, strategies, assumptions, objectives.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// `[scenario]` table.
    pub meta: Meta,
    /// `[demand]` table.
    pub demand: Demand,
    /// `[costs]` table.
    pub costs: Costs,
    /// `[[vendors]]`, in file order.
    pub vendors: Vec<Vendor>,
    /// `[[strategies]]`, in file order.
    pub strategies: Vec<Strategy>,
    /// `[[currencies]]` (MODEL.md V2.2), in file order; a vendor's `currency` indexes it.
    pub currencies: Vec<Currency>,
    /// `[assumptions]` table, with defaults filled in.
    pub assumptions: Assumptions,
    /// `[objectives]`; `None` when the file has none (success is then undefined).
    pub objectives: Option<Objectives>,
    /// Non-fatal remarks found while validating (e.g. no objectives).
    pub warnings: Vec<String>,
    /// `[[correlations]]` (MODEL.md V2.5), in file order; empty when the file has none.
    pub correlations: Vec<Correlation>,
}

/// `[scenario]`: name, horizon, trials, seed, currency, discounting.
#[derive(Debug, Clone)]
pub struct Meta {
    /// Name shown in every output.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Months simulated, 1..=600.
    pub horizon_months: u32,
    /// Trials to run unless overridden on the command line.
    pub trials: u64,
    /// Seed of every random stream.
    pub seed: u64,
    /// Currency label, e.g. `USD`.
    pub currency: String,
    /// Annual discount rate for `cost_npv`.
    pub discount_rate_annual: f64,
    /// How the inputs drawn once per trial are sampled (`sampling`, default random).
    pub sampling: Sampling,
}

/// How the inputs drawn once per trial are sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sampling {
    /// Independent draws, trial by trial (version 1).
    #[default]
    Random,
    /// Each block of the engine's trials is one Latin hypercube over the per-trial
    /// inputs (growth, each vendor's attrition, defect rate and escalation, and the
    /// copula's normals).
    Lhs,
}

impl Sampling {
    /// The name used in scenario files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Sampling::Random => "random",
            Sampling::Lhs => "lhs",
        }
    }
}

/// An input drawn once per trial, as `[[correlations]]` and `trials.parquet` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputId {
    /// `demand.growth_annual`.
    Growth,
    /// `vendors.<name>.attrition_annual` of the vendor at this index.
    Attrition(usize),
    /// `vendors.<name>.defect_rate`.
    DefectRate(usize),
    /// `vendors.<name>.price_escalation_annual`.
    Escalation(usize),
}

impl InputId {
    /// Every input of a scenario with `vendors` vendors, in the order the engine draws
    /// them: growth, then each vendor's attrition, defect rate and escalation.
    pub fn all(vendors: usize) -> Vec<InputId> {
        let mut out = vec![InputId::Growth];
        for v in 0..vendors {
            out.extend([
                InputId::Attrition(v),
                InputId::DefectRate(v),
                InputId::Escalation(v),
            ]);
        }
        out
    }

    /// Position in [`InputId::all`].
    pub fn index(self) -> usize {
        match self {
            InputId::Growth => 0,
            InputId::Attrition(v) => 1 + 3 * v,
            InputId::DefectRate(v) => 2 + 3 * v,
            InputId::Escalation(v) => 3 + 3 * v,
        }
    }

    /// The field's name within its table.
    pub fn field(self) -> &'static str {
        match self {
            InputId::Growth => "growth_annual",
            InputId::Attrition(_) => "attrition_annual",
            InputId::DefectRate(_) => "defect_rate",
            InputId::Escalation(_) => "price_escalation_annual",
        }
    }

    /// The key path, e.g. `vendors."Low Cost.Co".defect_rate`: a vendor name of
    /// anything but ASCII letters, digits, `_` and `-` is quoted, as in `stress` keys and
    /// `sensitivity.csv`.
    pub fn key(self, scenario: &Scenario) -> String {
        match self {
            InputId::Growth => "demand.growth_annual".to_string(),
            InputId::Attrition(v) | InputId::DefectRate(v) | InputId::Escalation(v) => {
                let name = &scenario.vendors[v].name;
                let plain = !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if plain {
                    format!("vendors.{name}.{}", self.field())
                } else {
                    format!("vendors.\"{name}\".{}", self.field())
                }
            }
        }
    }

    /// The sampler of this input in `scenario`.
    pub fn sampler(self, scenario: &Scenario) -> &Sampler {
        match self {
            InputId::Growth => &scenario.demand.growth_annual,
            InputId::Attrition(v) => &scenario.vendors[v].attrition_annual,
            InputId::DefectRate(v) => &scenario.vendors[v].defect_rate,
            InputId::Escalation(v) => &scenario.vendors[v].price_escalation_annual,
        }
    }
}

/// One `[[correlations]]` entry: Spearman's rank correlation between two inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    /// The two inputs, as in `between`.
    pub between: [InputId; 2],
    /// Spearman's rank correlation, in (-1, 1).
    pub rank: f64,
}

/// `[demand]`: base level, growth, noise, seasonality, roadmap events and shocks.
#[derive(Debug, Clone)]
pub struct Demand {
    /// Unit label, e.g. `tickets`.
    pub unit: String,
    /// Level at month 0.
    pub base_per_month: f64,
    /// Annual growth `g`, drawn once per trial.
    pub growth_annual: Sampler,
    /// Monthly log-volatility `sigma`.
    pub volatility_monthly: f64,
    /// Twelve calendar multipliers; all 1 when absent.
    pub seasonality: Option<[f64; 12]>,
    /// Calendar month (1..=12) of `t = 1`.
    pub start_month: u32,
    /// Roadmap steps, in file order.
    pub events: Vec<DemandEvent>,
    /// Transient demand shocks.
    pub shocks: Shocks,
}

/// A permanent demand step from `month` on.
#[derive(Debug, Clone)]
pub struct DemandEvent {
    /// First month the multiplier applies, 1..=horizon.
    pub month: u32,
    /// Multiplier, > 0.
    pub multiplier: f64,
    /// Label for charts and reports.
    pub label: String,
}

/// `[demand.shocks]`.
#[derive(Debug, Clone)]
pub struct Shocks {
    /// Expected shocks per year.
    pub rate_per_year: f64,
    /// Size of each shock as a fraction of demand, drawn per shock.
    pub size: Sampler,
    /// Months each shock lasts.
    pub duration_months: u32,
}

/// `[costs]`: the client's own economics.
#[derive(Debug, Clone)]
pub struct Costs {
    /// Cost of one oversight hour.
    pub manager_hourly_cost: f64,
    /// Handling cost of each defective unit.
    pub defect_cost_per_unit: f64,
    /// Cost of each unit still in backlog at month end.
    pub delay_cost_per_unit_month: f64,
}

/// Whether a provider is an outside vendor (SLA credits apply) or an in-house team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VendorKind {
    /// An outside vendor.
    Vendor,
    /// The client's own team: never pays SLA credits.
    InHouse,
}

/// `[[vendors]]`: one provider of capacity.
#[derive(Debug, Clone)]
pub struct Vendor {
    /// Unique name.
    pub name: String,
    /// Vendor or in-house.
    pub kind: VendorKind,
    /// Monthly cost of one head in year 1.
    pub rate_per_fte_month: f64,
    /// Annual price escalation `e_v`, drawn per trial.
    pub price_escalation_annual: Sampler,
    /// Paid in month 1.
    pub setup_cost: f64,
    /// Paid per arriving hire.
    pub onboarding_cost_per_hire: f64,
    /// Units one tenured head completes in a month.
    pub units_per_fte_month: f64,
    /// Tenured heads at the start.
    pub initial_fte: u32,
    /// Contractual floor: never released below.
    pub min_fte: u32,
    /// Ceiling on staff plus pipeline.
    pub max_fte: u32,
    /// Largest number of hires decided in one month.
    pub max_hires_per_month: u32,
    /// Largest number of releases in one month.
    pub max_release_per_month: u32,
    /// Months from a hiring decision to arrival.
    pub hiring_lead_months: u32,
    /// Months a new hire spends ramping.
    pub ramp_months: u32,
    /// Productivity of a ramping head relative to a tenured one.
    pub ramp_productivity: f64,
    /// Annual attrition `a_v`, drawn per trial.
    pub attrition_annual: Sampler,
    /// Defect rate `d_v`, drawn per trial.
    pub defect_rate: Sampler,
    /// Working hours shared with the client.
    pub overlap_hours: f64,
    /// Expected disruptions per year.
    pub disruption_rate_per_year: f64,
    /// Share of capacity lost while disrupted.
    pub disruption_capacity_loss: f64,
    /// Months a disruption lasts.
    pub disruption_months: u32,
    /// Expected security incidents per year without IP protection.
    pub incident_rate_per_year: f64,
    /// Loss per incident, drawn per incident.
    pub incident_loss: Sampler,
    /// Service-level target for credits; none means no credits.
    pub sla_target: Option<f64>,
    /// Share of the month's labor credited per point below target.
    pub sla_credit_per_point: f64,
    /// Largest credit as a share of the month's labor.
    pub sla_credit_cap: f64,
    /// How the vendor bills (V2.1); per head, no floor, tiers or cap without a table.
    pub contract: Contract,
    /// Paid per head released, by staffing or on leaving (V2.1).
    pub release_cost_per_head: f64,
    /// Paid in the month a strategy stops using the vendor after a phase or exit (V2.3).
    pub exit_fee: f64,
    /// Index into [`Scenario::currencies`]; `None`: the scenario's currency (V2.2).
    pub currency: Option<usize>,
    /// Months of reduced productivity after each entry (V2.3).
    pub transition_months: u32,
    /// Productivity in the entry month, rising linearly over the transition (V2.3).
    pub transition_productivity: f64,
    /// Paid each month of a transition (V2.3).
    pub knowledge_transfer_cost: f64,
    /// Expected failures per year; the failure month is drawn per trial (V2.3).
    pub failure_rate_per_year: f64,
}

/// How a vendor bills its work (MODEL.md V2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pricing {
    /// Per head paid: `rate_per_fte_month`.
    #[default]
    PerFte,
    /// Per unit of work processed, rework included: `price_per_unit`.
    PerUnit,
    /// Per good unit: `price_per_unit`.
    PerGoodUnit,
}

/// One all-units volume tier: from `from` billed units a month on, every unit is
/// discounted by `discount`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VolumeTier {
    /// Billed quantity (heads or units) from which the tier applies, > 0.
    pub from: f64,
    /// Discount on the whole month's bill, in [0, 1).
    pub discount: f64,
}

/// `[vendors.contract]` (MODEL.md V2.1).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Contract {
    /// Billing basis.
    pub pricing: Pricing,
    /// Price of one (good) unit; 0 and unused for per-head pricing.
    pub price_per_unit: f64,
    /// Take-or-pay floor while the vendor is active.
    pub min_monthly_fee: f64,
    /// Volume tiers, `from` strictly increasing, discounts non-decreasing.
    pub volume_tiers: Vec<VolumeTier>,
    /// Largest yearly escalation applied; `None`: uncapped.
    pub escalation_cap: Option<f64>,
}

/// `[[currencies]]` (MODEL.md V2.2): a currency other than the scenario's, whose index
/// follows a geometric random walk.
#[derive(Debug, Clone, PartialEq)]
pub struct Currency {
    /// Unique code, not the scenario's currency.
    pub code: String,
    /// Expected yearly change of the index, > -1.
    pub drift_annual: f64,
    /// Yearly volatility of the index, >= 0.
    pub volatility_annual: f64,
}

/// One vendor's share in a strategy.
#[derive(Debug, Clone)]
pub struct Allocation {
    /// Index into [`Scenario::vendors`].
    pub vendor: usize,
    /// Share of demand, > 0; shares of a strategy sum to 1.
    pub share: f64,
}

/// `[[strategies]]`: one way of sourcing the work.
#[derive(Debug, Clone)]
pub struct Strategy {
    /// Unique name.
    pub name: String,
    /// Vendors and shares, in allocation order.
    pub allocation: Vec<Allocation>,
    /// Whether spare capacity absorbs other vendors' backlog.
    pub overflow: bool,
    /// Extra staffing above forecast need.
    pub capacity_buffer: f64,
    /// Oversight hours per head per month, `h`.
    pub oversight_hours_per_fte: f64,
    /// Whether IP protection is bought.
    pub ip_protection: bool,
    /// Whether due diligence picks the best of several candidate teams.
    pub due_diligence: bool,
    /// Whether cultural training is bought.
    pub cultural_training: bool,
    /// Planned changes of allocation (V2.3), `month` strictly increasing.
    pub phases: Vec<Phase>,
    /// Triggered exits (V2.3), at most one per vendor.
    pub exits: Vec<ExitRule>,
    /// How step 11 forecasts the work hires will meet (V2.4).
    pub staffing: Staffing,
}

/// `[[strategies.phases]]`: from `month` on, the allocation becomes `allocation`.
#[derive(Debug, Clone)]
pub struct Phase {
    /// First month of the phase, 2..=horizon.
    pub month: u32,
    /// Vendors and shares, following the allocation's rules.
    pub allocation: Vec<Allocation>,
}

/// `[[strategies.exits]]`: leave `vendor` for `fallback` when its service stays low.
#[derive(Debug, Clone, PartialEq)]
pub struct ExitRule {
    /// Index into [`Scenario::vendors`] of the vendor left.
    pub vendor: usize,
    /// Trigger: the vendor's month service level below this ...
    pub when_service_below: f64,
    /// ... in this many consecutive active months, >= 1.
    pub for_months: u32,
    /// Index into [`Scenario::vendors`] of the vendor that takes its shares.
    pub fallback: usize,
    /// Months between the trigger and the move.
    pub notice_months: u32,
}

/// How a strategy sizes its teams (V2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Staffing {
    /// For this month's demand (version 1).
    #[default]
    Reactive,
    /// For the demand hires will meet: known seasonality, roadmap events, growth.
    Planned,
}

/// `[assumptions]`: behavioural coefficients. Every one is printed in reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumptions {
    /// Defect multiplier at zero overlap is `1 + this`.
    pub timezone_defect_penalty: f64,
    /// Share of the time-zone penalty removed by cultural training.
    pub cultural_training_effect: f64,
    /// Per vendor in the strategy, per month.
    pub cultural_training_cost_per_month: f64,
    /// Largest share of defects oversight can remove.
    pub oversight_quality_max: f64,
    /// Hours per head for ~63% of that effect.
    pub oversight_scale_hours: f64,
    /// Oversight hours per head above which micromanagement starts.
    pub micromanagement_threshold_hours: f64,
    /// Productivity lost per hour above the threshold.
    pub micromanagement_productivity_loss: f64,
    /// Relative attrition increase per hour above the threshold.
    pub micromanagement_attrition_increase: f64,
    /// Defect multiplier of a fully ramping workforce.
    pub new_hire_defect_multiplier: f64,
    /// Share of incidents prevented by IP protection.
    pub ip_protection_effect: f64,
    /// Per vendor in the strategy, per month.
    pub ip_protection_cost_per_month: f64,
    /// Candidate teams compared by due diligence.
    pub due_diligence_candidates: u32,
    /// Per vendor, paid in month 1.
    pub due_diligence_cost: f64,
    /// Months over which staffing aims to clear backlog.
    pub backlog_clear_months: f64,
}

impl Default for Assumptions {
    fn default() -> Self {
        Assumptions {
            timezone_defect_penalty: 0.5,
            cultural_training_effect: 0.5,
            cultural_training_cost_per_month: 1500.0,
            oversight_quality_max: 0.4,
            oversight_scale_hours: 2.0,
            micromanagement_threshold_hours: 6.0,
            micromanagement_productivity_loss: 0.03,
            micromanagement_attrition_increase: 0.05,
            new_hire_defect_multiplier: 1.5,
            ip_protection_effect: 0.6,
            ip_protection_cost_per_month: 2500.0,
            due_diligence_candidates: 3,
            due_diligence_cost: 20000.0,
            backlog_clear_months: 3.0,
        }
    }
}

impl Assumptions {
    /// Every coefficient with its name, in file order, for reports.
    pub fn entries(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("timezone_defect_penalty", self.timezone_defect_penalty),
            ("cultural_training_effect", self.cultural_training_effect),
            (
                "cultural_training_cost_per_month",
                self.cultural_training_cost_per_month,
            ),
            ("oversight_quality_max", self.oversight_quality_max),
            ("oversight_scale_hours", self.oversight_scale_hours),
            (
                "micromanagement_threshold_hours",
                self.micromanagement_threshold_hours,
            ),
            (
                "micromanagement_productivity_loss",
                self.micromanagement_productivity_loss,
            ),
            (
                "micromanagement_attrition_increase",
                self.micromanagement_attrition_increase,
            ),
            (
                "new_hire_defect_multiplier",
                self.new_hire_defect_multiplier,
            ),
            ("ip_protection_effect", self.ip_protection_effect),
            (
                "ip_protection_cost_per_month",
                self.ip_protection_cost_per_month,
            ),
            (
                "due_diligence_candidates",
                f64::from(self.due_diligence_candidates),
            ),
            ("due_diligence_cost", self.due_diligence_cost),
            ("backlog_clear_months", self.backlog_clear_months),
        ]
    }
}

/// `[objectives]`: measurable targets. A missing target is not checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Objectives {
    /// Lowest acceptable service level.
    pub min_service_level: Option<f64>,
    /// Highest acceptable cost per unit (undiscounted total over demand).
    pub max_cost_per_unit: Option<f64>,
    /// Highest acceptable defect rate.
    pub max_defect_rate: Option<f64>,
    /// A month breaks when the month-end backlog exceeds this many months of demand
    /// (V2.7); `None`: no breaking point.
    pub max_backlog_months: Option<f64>,
    /// A strategy meets the objectives if P(all met) >= this.
    pub confidence: f64,
}

impl Scenario {
    /// Parse and validate scenario text; `path` is used only in messages.
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
        parse::parse_scenario(text).map_err(|issues| ScenarioError::Invalid {
            path: path.to_path_buf(),
            issues,
        })
    }

    /// Read, parse and validate a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Scenario::from_toml_str(&text, path)
    }

    /// Number of months simulated.
    pub fn horizon(&self) -> usize {
        self.meta.horizon_months as usize
    }

    /// Whether any strategy or vendor uses a model v2 mechanism of sourcing, billing or
    /// currency (V2.1-V2.4): such a scenario runs on the general month loop; one that
    /// uses none runs on version 1's and gives version 1's results to the bit.
    pub fn uses_v2_sourcing(&self) -> bool {
        !self.currencies.is_empty()
            || self.vendors.iter().any(|v| {
                v.contract != Contract::default()
                    || v.release_cost_per_head != 0.0
                    || v.exit_fee != 0.0
                    || v.currency.is_some()
                    || v.transition_months != 0
                    || v.knowledge_transfer_cost != 0.0
                    || v.failure_rate_per_year != 0.0
            })
            || self.strategies.iter().any(|s| {
                !s.phases.is_empty() || !s.exits.is_empty() || s.staffing != Staffing::Reactive
            })
    }
}
