//! What one trial produces and draws: the per-trial outputs of each strategy
//! ([`TrialMetrics`], described once in [`TRIAL_METRICS`]), its month-by-month points
//! ([`MonthPoint`]) and its uncertain inputs ([`TrialInputs`]).
//!
//! [`TRIAL_METRICS`] is the one list of per-trial outputs: every table column, check and
//! summary that goes over "every output of a trial" reads it, so a new output is added
//! in one place.

/// Per-trial outputs of one strategy (`docs/model.md`, "Per trial, per strategy").
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TrialMetrics {
    /// Discounted total cost.
    pub cost_npv: f64,
    /// Undiscounted total cost.
    pub cost_total: f64,
    /// Discounted cash paid: the cost without the client's economic costs, defects and
    /// delay (V2.6).
    pub cash_npv: f64,
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
    /// Take-or-pay top-ups to vendors' minimum monthly fees (V2.1).
    pub commitment: f64,
    /// Cost of heads released, by staffing or on leaving a vendor (V2.1).
    pub releases: f64,
    /// Knowledge-transfer cost during vendors' transitions (V2.3).
    pub transition: f64,
    /// Exit fees paid on leaving vendors (V2.3).
    pub exit: f64,
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
    /// Vendors left by an exit or lost to a failure (V2.6).
    pub exits: u64,
    /// Month of the first exit or failure; 0 if none (V2.6).
    pub first_exit_month: u64,
    /// Months whose month-end backlog exceeds `max_backlog_months` of demand (V2.7).
    pub break_months: u64,
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
    /// Defective units made this month `sum X`, whose handling is an economic cost but
    /// not cash (V2.6).
    pub defective: f64,
    /// Whether capacity fell short of the work available.
    pub shortfall: bool,
    /// Whether the month broke: its backlog exceeds `max_backlog_months` of demand
    /// (V2.7); never without that objective.
    pub broke: bool,
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
    /// Per `[[currencies]]` entry, in file order: its index at the horizon, `X_H`
    /// (V2.2); empty when the scenario has no sourcing over time.
    pub currency_index: Vec<f64>,
    /// Per vendor: its failure month `t_f` (V2.3), 0 if it does not fail within the
    /// horizon or cannot fail; empty when the scenario has no sourcing over time.
    pub failure_month: Vec<u64>,
}

/// A name as a key segment: bare when it can be, quoted otherwise.
fn key_name(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        name.to_string()
    } else {
        format!("\"{name}\"")
    }
}

impl TrialInputs {
    /// The sourcing draws recorded per trial, as `trials.parquet` columns after the
    /// inputs drawn once per trial: each currency's index at the horizon
    /// (`currencies.INR.index_at_horizon`) and, for every vendor that can fail, its
    /// failure month (`vendors.X.failure_month`, 0 without a failure within the
    /// horizon). Empty for a scenario without sourcing over time.
    pub fn sourcing_columns(scenario: &crate::scenario::Scenario) -> Vec<String> {
        if !scenario.uses_v2_sourcing() {
            return Vec::new();
        }
        let currencies = scenario
            .currencies
            .iter()
            .map(|c| format!("currencies.{}.index_at_horizon", key_name(&c.code)));
        let failures = scenario
            .vendors
            .iter()
            .filter(|v| v.failure_rate_per_year > 0.0)
            .map(|v| format!("vendors.{}.failure_month", key_name(&v.name)));
        currencies.chain(failures).collect()
    }

    /// This trial's values of [`TrialInputs::sourcing_columns`], in their order,
    /// appended to `out`.
    pub fn push_sourcing_values(&self, scenario: &crate::scenario::Scenario, out: &mut Vec<f64>) {
        if self.failure_month.is_empty() {
            return;
        }
        out.extend_from_slice(&self.currency_index);
        out.extend(
            scenario
                .vendors
                .iter()
                .zip(&self.failure_month)
                .filter(|(v, _)| v.failure_rate_per_year > 0.0)
                .map(|(_, &m)| m as f64),
        );
    }
}

/// What kind of number a per-trial output is, and so how it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// A real number.
    Real,
    /// A whole count (stored as `u64` in [`TrialMetrics`]).
    Count,
    /// Yes or no (a `bool` in [`TrialMetrics`]); its value is 1 or 0.
    Flag,
}

/// One per-trial output: its name, unit, meaning and how to read it.
#[derive(Debug, Clone, Copy)]
pub struct MetricInfo {
    /// Name, as in `trials.parquet` and the field of [`TrialMetrics`].
    pub name: &'static str,
    /// Unit: "currency", "currency per unit", "units", "share", "months" (a number of
    /// months), "month" (a month's index), "count" or "flag".
    pub unit: &'static str,
    /// What it means, in a sentence (`docs/model.md`, "Per trial, per strategy").
    pub description: &'static str,
    /// Real, count or flag.
    pub kind: MetricKind,
    /// Its value in one trial's outputs (counts and flags as whole numbers, exactly).
    pub value: fn(&TrialMetrics) -> f64,
}

macro_rules! metric {
    ($name:ident, $unit:literal, $kind:ident, $description:literal) => {
        MetricInfo {
            name: stringify!($name),
            unit: $unit,
            description: $description,
            kind: MetricKind::$kind,
            value: |m| metric!(@value $kind, m.$name),
        }
    };
    (@value Real, $x:expr) => { $x };
    (@value Count, $x:expr) => { $x as f64 };
    (@value Flag, $x:expr) => { f64::from(u8::from($x)) };
    (@from Real, $x:expr) => { $x };
    (@from Count, $x:expr) => { $x as u64 };
    (@from Flag, $x:expr) => { $x != 0.0 };
}

/// The registry: [`TRIAL_METRICS`] and [`TrialMetrics::values`] from one list, so the
/// list and the readers the summaries use cannot drift apart.
macro_rules! registry {
    ($(($name:ident, $unit:literal, $kind:ident, $description:literal),)*) => {
        /// Every per-trial output of a strategy, in the order of `trials.parquet`'s
        /// columns.
        pub const TRIAL_METRICS: &[MetricInfo] = &[
            $(metric!($name, $unit, $kind, $description),)*
        ];

        impl TrialMetrics {
            /// Every output's value, in the order of [`TRIAL_METRICS`] (the same values
            /// as its readers give, read directly: for sums over many trials).
            pub fn values(&self) -> [f64; TRIAL_METRICS.len()] {
                [$(metric!(@value $kind, self.$name),)*]
            }

            /// The outputs whose [`TrialMetrics::values`] are `values`: the exact
            /// inverse of it (counts are whole numbers below 2^53), for outputs stored
            /// as numbers and read back.
            pub fn from_values(values: &[f64; TRIAL_METRICS.len()]) -> Self {
                let mut at = 0..;
                let mut next = || at.next().map_or(0.0, |i| values[i]);
                TrialMetrics {
                    $($name: metric!(@from $kind, next()),)*
                }
            }
        }
    };
}

registry! {
    (cost_npv, "currency", Real, "Discounted total cost."),
    (cost_total, "currency", Real, "Undiscounted total cost."),
    (cash_npv, "currency", Real, "Discounted cash paid: the cost without defects and delay."),
    (labor, "currency", Real, "Labor cost."),
    (onboarding, "currency", Real, "Onboarding cost of arriving hires."),
    (setup, "currency", Real, "Setup and due-diligence cost."),
    (oversight, "currency", Real, "Oversight hours plus IP-protection and cultural-training fees."),
    (defects, "currency", Real, "Cost of handling defective units."),
    (delay, "currency", Real, "Cost of backlog waiting at month ends."),
    (incidents_cost, "currency", Real, "Security-incident losses."),
    (credits, "currency", Real, "SLA credits received (subtracted from cost)."),
    (commitment, "currency", Real, "Take-or-pay top-ups to minimum monthly fees."),
    (releases, "currency", Real, "Cost of heads released."),
    (transition, "currency", Real, "Knowledge-transfer cost during transitions."),
    (exit, "currency", Real, "Exit fees paid on leaving vendors."),
    (demand_total, "units", Real, "Total demand over the horizon."),
    (cost_per_unit, "currency per unit", Real, "Undiscounted total cost over total demand."),
    (service_level, "share", Real, "Good units over units available to work, summed over months."),
    (defect_rate, "share", Real, "Defective units over units processed."),
    (leavers, "count", Count, "Heads lost to attrition."),
    (hires, "count", Count, "Heads hired (decided)."),
    (incidents, "count", Count, "Security incidents."),
    (shortfall_months, "months", Count, "Months with capacity below the work available."),
    (final_backlog, "units", Real, "Backlog after the last month."),
    (exits, "count", Count, "Vendors left by an exit or lost to a failure."),
    (first_exit_month, "month", Count, "Month of the first exit or failure; 0 if none."),
    (break_months, "months", Count, "Months whose month-end backlog exceeds the tolerated months of demand."),
    (objectives_met, "flag", Flag, "Whether every objective that is set holds."),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of [`TrialMetrics`] is in the registry once, read from that field.
    #[test]
    fn the_registry_reads_every_field_once() {
        let m = TrialMetrics {
            cost_npv: 1.0,
            cost_total: 2.0,
            labor: 3.0,
            onboarding: 4.0,
            setup: 5.0,
            oversight: 6.0,
            defects: 7.0,
            delay: 8.0,
            incidents_cost: 9.0,
            credits: 10.0,
            demand_total: 11.0,
            cost_per_unit: 12.0,
            service_level: 13.0,
            defect_rate: 14.0,
            leavers: 15,
            hires: 16,
            incidents: 17,
            shortfall_months: 18,
            final_backlog: 19.0,
            objectives_met: true,
            cash_npv: 20.0,
            commitment: 21.0,
            releases: 22.0,
            transition: 23.0,
            exit: 24.0,
            exits: 25,
            first_exit_month: 26,
            break_months: 27,
        };
        let values: Vec<f64> = TRIAL_METRICS.iter().map(|x| (x.value)(&m)).collect();
        assert_eq!(
            values,
            m.values(),
            "the direct readers agree with the registry's"
        );
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let mut expected: Vec<f64> = (1..=27).map(f64::from).collect();
        expected.insert(0, 1.0);
        assert_eq!(sorted, expected);
        let names: std::collections::HashSet<&str> = TRIAL_METRICS.iter().map(|x| x.name).collect();
        assert_eq!(names.len(), TRIAL_METRICS.len());
        // 28 fields: a field added to TrialMetrics without a registry entry fails here.
        assert_eq!(
            std::mem::size_of::<TrialMetrics>(),
            27 * 8 + 8,
            "TrialMetrics changed: update TRIAL_METRICS"
        );
    }
}
