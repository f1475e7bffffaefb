//! What exits and failures move in the general month loop ([`super::sourcing`]): the
//! shares of the months after them (MODEL.md V2.8 rule 7) and the backlog a
//! leaving vendor leaves behind (rule 8).

use super::plan::ExitPlan;
use super::workspace::{Running, SlotMonth, SourcingSlot};

/// Moves the share of slot `from` to the others over `months`, as V2.8 rule 7 says for
/// a failed vendor without a usable fallback: to the vendors with a positive share in
/// each month that have not failed by month `now` (`failed_at`), in proportion to their
/// shares; it stays when there is none.
fn spread(
    shares: &mut [f64],
    h: usize,
    from: usize,
    months: std::ops::Range<usize>,
    failed_at: &[usize],
    now: usize,
) {
    let n = shares.len() / h;
    let takes = |k: usize| k != from && failed_at[k] > now;
    for i in months {
        let moving = shares[from * h + i];
        if moving <= 0.0 {
            continue;
        }
        let total: f64 = (0..n)
            .filter(|&k| takes(k))
            .map(|k| shares[k * h + i])
            .filter(|&s| s > 0.0)
            .sum();
        if total > 0.0 {
            for k in (0..n).filter(|&k| takes(k)) {
                let s = shares[k * h + i];
                if s > 0.0 {
                    shares[k * h + i] = s + moving * s / total;
                }
            }
            shares[from * h + i] = 0.0;
        }
    }
}

/// Moves every share of `from` to `to` from month index `start` on.
pub(super) fn hand_over(shares: &mut [f64], h: usize, from: usize, to: usize, start: usize) {
    for i in start..h {
        let moving = std::mem::take(&mut shares[from * h + i]);
        shares[to * h + i] += moving;
    }
}

/// Passes on the shares that sit with failed vendors (V2.8 rule 7): each failed
/// vendor's shares from the month after its failure go to its exit rule's fallback if
/// that has not failed, else to the others in proportion. Repeated so that chains
/// compose.
pub(super) fn pass_on_failed(
    exits: &[Option<ExitPlan>],
    shares: &mut [f64],
    h: usize,
    failed_at: &[usize],
    now: usize,
) {
    let n = exits.len();
    let failed = |k: usize| failed_at[k] <= now;
    for _ in 0..n {
        let mut moved = false;
        for k in (0..n).filter(|&k| failed(k)) {
            let start = failed_at[k]; // index of month t_f + 1
            if start >= h || shares[k * h + start..(k + 1) * h].iter().all(|&s| s <= 0.0) {
                continue;
            }
            moved = true;
            match exits[k] {
                Some(rule) if !failed(rule.fallback) => {
                    hand_over(shares, h, k, rule.fallback, start);
                }
                _ => spread(shares, h, k, start..h, failed_at, now),
            }
        }
        if !moved {
            break;
        }
    }
}

/// Passes on the backlog that vendors left behind this month (month `t`): to the exit
/// rule's fallback when the vendor left by an exit or failure and the fallback is
/// active, else to the active vendors in proportion to their shares; it stays with the
/// vendor when none is active.
#[inline(always)]
pub(super) fn pass_on_backlog(
    exits: &[Option<ExitPlan>],
    running: &mut [Running],
    sourcing: &[SourcingSlot],
    slot_months: &mut [SlotMonth],
    failed_at: &[usize],
    t: usize,
) {
    let n = slot_months.len();
    for k in 0..n {
        let moving = std::mem::take(&mut slot_months[k].left_behind);
        if moving == 0.0 {
            continue;
        }
        let by_event = failed_at[k] <= t || sourcing[k].exit_at == t;
        let fallback = exits[k]
            .map(|r| r.fallback)
            .filter(|&f| by_event && slot_months[f].on);
        if let Some(f) = fallback {
            // Walked rather than indexed by `f`, so that running states held in
            // registers stay there.
            for (j, run) in running.iter_mut().enumerate() {
                if j == f {
                    run.backlog += moving;
                }
            }
            continue;
        }
        let total: f64 = slot_months.iter().filter(|m| m.on).map(|m| m.share).sum();
        if total > 0.0 {
            for (run, m) in running.iter_mut().zip(slot_months.iter()) {
                if m.on {
                    run.backlog += moving * m.share / total;
                }
            }
        } else {
            running[k].backlog += moving;
        }
    }
}
