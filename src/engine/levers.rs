//! How a strategy's choices become multipliers on a vendor (`docs/model.md`, "Per
//! strategy and vendor: constants"): oversight lowers defects with diminishing returns,
//! too much of it cuts productivity and raises attrition, a short working-hour overlap
//! raises defects and cultural training removes part of that penalty.

use crate::scenario::{Assumptions, Strategy, Vendor};

/// The constants of one vendor under one strategy that do not depend on the trial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Levers {
    /// Oversight hours per head per month, `h`.
    pub oversight_hours: f64,
    /// `max(0.1, 1 - loss * over)`: productivity left under micromanagement.
    pub productivity_mult: f64,
    /// `1 + increase * over`: attrition multiplier under micromanagement.
    pub attrition_mult: f64,
    /// `1 - q_max (1 - exp(-h / scale))`: defects left after oversight.
    pub quality_mult: f64,
    /// `1 + tz_pen * max(0, 1 - overlap / 8)`: time-zone defect multiplier.
    pub timezone_mult: f64,
}

impl Levers {
    /// MODEL.md's formulas for `vendor` under `strategy`.
    pub fn new(vendor: &Vendor, strategy: &Strategy, a: &Assumptions) -> Self {
        let h = strategy.oversight_hours_per_fte;
        let over = (h - a.micromanagement_threshold_hours).max(0.0);
        let tz_pen = a.timezone_defect_penalty
            * if strategy.cultural_training {
                1.0 - a.cultural_training_effect
            } else {
                1.0
            };
        Levers {
            oversight_hours: h,
            productivity_mult: (1.0 - a.micromanagement_productivity_loss * over).max(0.1),
            attrition_mult: 1.0 + a.micromanagement_attrition_increase * over,
            quality_mult: 1.0
                - a.oversight_quality_max * (1.0 - (-h / a.oversight_scale_hours).exp()),
            timezone_mult: 1.0 + tz_pen * (1.0 - vendor.overlap_hours / 8.0).max(0.0),
        }
    }

    /// Monthly probability that a head leaves, from annual attrition `a`:
    /// `1 - (1 - min(0.99, a * attr_mult))^(1/12)`.
    pub fn monthly_leave_probability(&self, attrition_annual: f64) -> f64 {
        let annual = (attrition_annual * self.attrition_mult).min(0.99);
        1.0 - (1.0 - annual).powf(1.0 / 12.0)
    }
}
