//! Which fields of a scenario a number may set, and the resolved [`Field`] a KEY reaches.

use std::fmt;

use super::Segment;

/// The field a KEY reaches, with every entry of a list addressed by its index:
/// `vendors."Budget Co".max_fte` and `vendors[0].max_fte` both resolve to
/// `vendors[0].max_fte` when Budget Co is the first vendor. Two KEYs reach the same
/// field exactly when their resolved fields are equal, or one holds the other (a whole
/// uncertain value and one of its parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub(super) segments: Vec<Segment>,
}

impl Field {
    /// Whether setting `self` also sets `other`: the same field, or a table holding it.
    pub fn covers(&self, other: &Field) -> bool {
        other.segments.starts_with(&self.segments)
    }

    /// The field's shape: its path with every index written `[]`
    /// (`vendors[].max_fte`), as listed in what can be varied.
    pub(super) fn shape(&self) -> String {
        let mut out = String::new();
        for seg in &self.segments {
            match seg {
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Segment::Index(_) => out.push_str("[]"),
            }
        }
        out
    }

    /// The last key on the path: the field's name in its table.
    pub(super) fn name(&self) -> &str {
        self.segments
            .iter()
            .rev()
            .find_map(|s| match s {
                Segment::Key(k) => Some(k.as_str()),
                Segment::Index(_) => None,
            })
            .unwrap_or("")
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.segments.iter().enumerate() {
            match seg {
                Segment::Key(k) if i == 0 => f.write_str(k)?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Numeric model inputs a KEY may vary, by shape (`[]` stands for any index; vendors and
/// strategies may also be named). Text, switches (true/false), and the run's own
/// settings (`trials`, `seed`) are not model inputs a number can set.
pub(super) const NUMBER_FIELDS: [&str; 73] = [
    "scenario.horizon_months",
    "scenario.discount_rate_annual",
    "demand.base_per_month",
    "demand.volatility_monthly",
    "demand.seasonality[]",
    "demand.start_month",
    "demand.events[].month",
    "demand.events[].multiplier",
    "demand.shocks.rate_per_year",
    "demand.shocks.duration_months",
    "costs.manager_hourly_cost",
    "costs.defect_cost_per_unit",
    "costs.delay_cost_per_unit_month",
    "vendors[].rate_per_fte_month",
    "vendors[].setup_cost",
    "vendors[].onboarding_cost_per_hire",
    "vendors[].units_per_fte_month",
    "vendors[].initial_fte",
    "vendors[].min_fte",
    "vendors[].max_fte",
    "vendors[].max_hires_per_month",
    "vendors[].max_release_per_month",
    "vendors[].hiring_lead_months",
    "vendors[].ramp_months",
    "vendors[].ramp_productivity",
    "vendors[].overlap_hours",
    "vendors[].disruption_rate_per_year",
    "vendors[].disruption_capacity_loss",
    "vendors[].disruption_months",
    "vendors[].incident_rate_per_year",
    "vendors[].sla_target",
    "vendors[].sla_credit_per_point",
    "vendors[].sla_credit_cap",
    "vendors[].release_cost_per_head",
    "vendors[].exit_fee",
    "vendors[].transition_months",
    "vendors[].transition_productivity",
    "vendors[].knowledge_transfer_cost",
    "vendors[].failure_rate_per_year",
    "vendors[].contract.price_per_unit",
    "vendors[].contract.min_monthly_fee",
    "vendors[].contract.escalation_cap",
    "vendors[].contract.volume_tiers[].from",
    "vendors[].contract.volume_tiers[].discount",
    "currencies[].drift_annual",
    "currencies[].volatility_annual",
    "strategies[].capacity_buffer",
    "strategies[].oversight_hours_per_fte",
    "strategies[].allocation[].share",
    "strategies[].phases[].month",
    "strategies[].phases[].allocation[].share",
    "strategies[].exits[].when_service_below",
    "strategies[].exits[].for_months",
    "strategies[].exits[].notice_months",
    "assumptions.timezone_defect_penalty",
    "assumptions.cultural_training_effect",
    "assumptions.cultural_training_cost_per_month",
    "assumptions.oversight_quality_max",
    "assumptions.oversight_scale_hours",
    "assumptions.micromanagement_threshold_hours",
    "assumptions.micromanagement_productivity_loss",
    "assumptions.micromanagement_attrition_increase",
    "assumptions.new_hire_defect_multiplier",
    "assumptions.ip_protection_effect",
    "assumptions.ip_protection_cost_per_month",
    "assumptions.due_diligence_candidates",
    "assumptions.due_diligence_cost",
    "assumptions.backlog_clear_months",
    "objectives.min_service_level",
    "objectives.max_cost_per_unit",
    "objectives.max_defect_rate",
    "objectives.max_backlog_months",
    "objectives.confidence",
];

/// Uncertain (D) model inputs: varied whole, or by one parameter of their distribution.
pub(super) const UNCERTAIN_FIELDS: [&str; 6] = [
    "demand.growth_annual",
    "demand.shocks.size",
    "vendors[].price_escalation_annual",
    "vendors[].attrition_annual",
    "vendors[].defect_rate",
    "vendors[].incident_loss",
];

/// Parameters of a (D) table a KEY may vary.
const PARAMETERS: [&str; 7] = ["min", "mode", "max", "mean", "sd", "median", "sigma"];

/// Whether a field of this shape is a numeric model input.
pub(super) fn is_variable(shape: &str) -> bool {
    NUMBER_FIELDS.contains(&shape)
        || UNCERTAIN_FIELDS.contains(&shape)
        || shape.rsplit_once('.').is_some_and(|(parent, param)| {
            UNCERTAIN_FIELDS.contains(&parent) && PARAMETERS.contains(&param)
        })
}

/// What can be varied, grouped by table, for the message refusing another KEY.
pub fn variable_fields() -> String {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let uncertain = UNCERTAIN_FIELDS.iter().map(|f| (f, "*"));
    let numbers = NUMBER_FIELDS.iter().map(|f| (f, ""));
    let mut all: Vec<(&&str, &str)> = numbers.chain(uncertain).collect();
    // Keep the file's table order, uncertain values among their table's numbers.
    let table_order = |f: &str| {
        NUMBER_FIELDS
            .iter()
            .position(|n| n.rsplit_once('.').map(|p| p.0) == f.rsplit_once('.').map(|p| p.0))
            .unwrap_or(usize::MAX)
    };
    all.sort_by_key(|(f, _)| table_order(f));
    for (field, mark) in all {
        let (parent, name) = field.rsplit_once('.').unwrap_or(("", field));
        let parent = parent.replace("[]", "[N]");
        let name = format!("{}{mark}", name.replace("[]", "[N]"));
        match groups.last_mut() {
            Some((p, names)) if *p == parent => names.push(name),
            _ => groups.push((parent, vec![name])),
        }
    }
    let mut out: Vec<String> = groups
        .into_iter()
        .map(|(parent, names)| format!("{parent}.{{{}}}", names.join(", ")))
        .collect();
    out.push(format!(
        "* uncertain values, whole or one parameter ({}), e.g. demand.growth_annual.mean",
        PARAMETERS.join(", ")
    ));
    out.push("vendors and strategies by name or index, e.g. vendors.Budget.max_fte or vendors[0].max_fte; currencies by code, e.g. currencies.INR.volatility_annual; exit rules by vendor or index".into());
    out.join("; ")
}
