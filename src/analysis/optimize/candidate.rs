//! A search's candidates: a point of the search box decoded into lever values, and
//! those values written into the scenario's text and validated like any file.

use toml::{Table, Value};

use super::levers::{
    Lever, LeverKind, LeverValue, RANGE_STEPS, SHARE_PARTS, STAFFING, SearchPlan, Target,
};
use crate::analysis::variants::Document;
use crate::scenario::Scenario;

impl SearchPlan {
    /// Coordinates of the search box.
    pub(super) fn dimensions(&self) -> usize {
        self.levers.iter().map(Lever::dimensions).sum()
    }

    /// Which coordinates are discrete.
    pub(super) fn discrete(&self) -> Vec<bool> {
        self.levers
            .iter()
            .flat_map(|l| std::iter::repeat_n(l.is_discrete(), l.dimensions()))
            .collect()
    }

    /// The lever values at a point of the box (coordinates clamped to 0..=1).
    pub(super) fn decode(&self, point: &[f64]) -> Vec<LeverValue> {
        let mut at = 0;
        let mut values = Vec::with_capacity(self.levers.len());
        for lever in &self.levers {
            let n = lever.dimensions();
            let u: Vec<f64> = point[at..at + n]
                .iter()
                .map(|x| if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) })
                .collect();
            at += n;
            values.push(match &lever.kind {
                LeverKind::Number { low, high } if lever.is_whole() => {
                    // One equal slice of the coordinate per whole value.
                    let count = high - low + 1.0;
                    LeverValue::Number(low + (u[0] * count).floor().min(count - 1.0))
                }
                LeverKind::Number { low, high } => {
                    let step = (u[0] * RANGE_STEPS).round() / RANGE_STEPS;
                    LeverValue::Number(tidy(low + step * (high - low)))
                }
                LeverKind::Switch => LeverValue::Switch(u[0] >= 0.5),
                LeverKind::Staffing => LeverValue::Staffing(STAFFING[usize::from(u[0] >= 0.5)]),
                LeverKind::Allocation { .. } => LeverValue::Shares(shares(&u)),
            });
        }
        values
    }

    /// The point of the box holding `values` (the inverse of [`SearchPlan::decode`]).
    pub(super) fn encode(&self, values: &[LeverValue]) -> Vec<f64> {
        let mut point = Vec::with_capacity(self.dimensions());
        for (lever, value) in self.levers.iter().zip(values) {
            match (&lever.kind, value) {
                (LeverKind::Number { low, high }, LeverValue::Number(x)) if lever.is_whole() => {
                    // The middle of the value's slice.
                    let count = high - low + 1.0;
                    point.push(((x - low + 0.5) / count).clamp(0.0, 1.0));
                }
                (LeverKind::Number { low, high }, LeverValue::Number(x)) => {
                    point.push(((x - low) / (high - low)).clamp(0.0, 1.0));
                }
                (_, LeverValue::Switch(b)) => point.push(if *b { 0.75 } else { 0.25 }),
                (_, LeverValue::Staffing(s)) => {
                    point.push(if *s == STAFFING[1] { 0.75 } else { 0.25 });
                }
                (_, LeverValue::Shares(s)) => point.extend(s.iter().map(|x| x.clamp(0.0, 1.0))),
                _ => point.extend(std::iter::repeat_n(0.5, lever.dimensions())),
            }
        }
        point
    }

    /// `KEY=value, ...` of a candidate, for messages and the terminal.
    pub fn describe(&self, values: &[LeverValue]) -> String {
        describe(&self.levers, values)
    }

    /// Set `values` on the strategy at `index` of `document`.
    pub(super) fn apply(
        &self,
        document: &mut Document,
        index: usize,
        values: &[LeverValue],
    ) -> Result<(), String> {
        let strategy = document
            .strategies_mut()
            .and_then(|s| s.get_mut(index))
            .and_then(Value::as_table_mut)
            .ok_or_else(|| "the strategy is missing from the file".to_string())?;
        for (lever, value) in self.levers.iter().zip(values) {
            let new = match (value, &lever.kind) {
                (LeverValue::Number(x), _) if lever.is_whole() => Value::Integer(*x as i64),
                (LeverValue::Number(x), _) => Value::Float(*x),
                (LeverValue::Switch(b), _) => Value::Boolean(*b),
                (LeverValue::Staffing(s), _) => Value::String((*s).to_string()),
                (LeverValue::Shares(shares), LeverKind::Allocation { vendors }) => Value::Array(
                    vendors
                        .iter()
                        .zip(shares)
                        .filter(|(_, s)| **s > 0.0)
                        .map(|(vendor, share)| {
                            let mut entry = Table::new();
                            entry.insert("vendor".into(), Value::String(vendor.clone()));
                            entry.insert("share".into(), Value::Float(*share));
                            Value::Table(entry)
                        })
                        .collect(),
                ),
                (LeverValue::Shares(_), _) => {
                    return Err("shares of a lever that is no allocation".into());
                }
            };
            match &lever.target {
                Target::Strategy => {
                    strategy.insert(lever.name.clone(), new);
                }
                Target::Exit { rule, key } => {
                    let rule = strategy
                        .get_mut("exits")
                        .and_then(Value::as_array_mut)
                        .and_then(|rules| rules.get_mut(*rule))
                        .and_then(Value::as_table_mut)
                        .ok_or_else(|| format!("the strategy has no {}", lever.name))?;
                    rule.insert(key.clone(), new);
                }
            }
        }
        Ok(())
    }

    /// The document with a copy of the strategy per `(name, values)` appended.
    pub(super) fn with_copies(
        &self,
        plans: &[(String, &[LeverValue])],
    ) -> Result<Document, String> {
        let mut document = self.document.clone();
        for (name, values) in plans {
            let strategies = document
                .strategies_mut()
                .ok_or_else(|| "the file has no strategies".to_string())?;
            let mut copy = strategies
                .get(self.strategy_index)
                .cloned()
                .ok_or_else(|| "the strategy is missing from the file".to_string())?;
            if let Some(t) = copy.as_table_mut() {
                t.insert("name".into(), Value::String(name.clone()));
            }
            strategies.push(copy);
            let index = strategies.len() - 1;
            self.apply(&mut document, index, values)?;
        }
        Ok(document)
    }

    /// The scenario running only the strategy with `values`, validated as any file.
    pub(super) fn candidate_scenario(&self, values: &[LeverValue]) -> Result<Scenario, String> {
        let mut document = self.document.clone();
        self.apply(&mut document, self.strategy_index, values)?;
        let text = document.to_text().map_err(|e| e.to_string())?;
        let mut scenario = Scenario::from_toml_str(&text, &self.path).map_err(|e| {
            let issues: Vec<String> = e
                .issues()
                .iter()
                .map(|i| format!("`{}` {}", i.key, i.message))
                .collect();
            if issues.is_empty() {
                e.to_string()
            } else {
                issues.join("; ")
            }
        })?;
        let kept = scenario.strategies.swap_remove(self.strategy_index);
        scenario.strategies = vec![kept];
        Ok(scenario)
    }

    /// A name for a new strategy, unlike every name in the file.
    pub(super) fn fresh_name(&self, suffix: &str) -> String {
        let taken = |n: &str| self.scenario.strategies.iter().any(|s| s.name == n);
        let mut name = format!("{} ({suffix})", self.strategy);
        let mut k = 2;
        while taken(&name) {
            name = format!("{} ({suffix} {k})", self.strategy);
            k += 1;
        }
        name
    }
}

/// `KEY=value, ...` of a candidate.
pub fn describe(levers: &[Lever], values: &[LeverValue]) -> String {
    levers
        .iter()
        .zip(values)
        .map(|(lever, value)| match (value, &lever.kind) {
            (LeverValue::Shares(shares), LeverKind::Allocation { vendors }) => format!(
                "allocation={}",
                vendors
                    .iter()
                    .zip(shares)
                    .map(|(v, s)| format!("{v}:{s}"))
                    .collect::<Vec<_>>()
                    .join("/")
            ),
            _ => format!("{}={}", lever.name, value.cells().join("")),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Weights in 0..=1 as shares in thousandths summing to 1 (all zero: equal shares); the
/// largest share absorbs the rounding.
fn shares(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    let n = weights.len();
    let raw: Vec<f64> = if total > 0.0 {
        weights.iter().map(|w| w / total).collect()
    } else {
        vec![1.0 / n as f64; n]
    };
    let mut parts: Vec<i64> = raw
        .iter()
        .map(|s| (s * SHARE_PARTS).round() as i64)
        .collect();
    let excess: i64 = parts.iter().sum::<i64>() - SHARE_PARTS as i64;
    let largest = (0..n)
        .max_by(|&a, &b| parts[a].cmp(&parts[b]).then(b.cmp(&a)))
        .unwrap_or(0);
    parts[largest] -= excess;
    parts.iter().map(|p| *p as f64 / SHARE_PARTS).collect()
}

/// `x` rounded to 10 significant digits, so range steps print cleanly.
fn tidy(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 9 - x.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits.clamp(-300, 300));
    (x * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn shares_sum_to_one_and_drop_a_vendor_at_zero() {
        let s = shares(&[0.0, 0.3, 0.6]);
        assert_eq!(s[0], 0.0);
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert_eq!(shares(&[0.0, 0.0]), vec![0.5, 0.5]);
        let s = shares(&[1.0, 1.0, 1.0]);
        assert_eq!(
            s.iter().map(|x| (x * 1000.0).round() as i64).sum::<i64>(),
            1000
        );
    }
}
