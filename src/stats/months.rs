//! Statistics of events counted by month: when, over the futures of a run, a vendor was
//! left or failed. The engine keeps, per vendor, a histogram of event months (trials per
//! month, month `t` at index `t - 1`); these functions read it. Pure, exact on counts.

/// The month at or below which a share `q` of the events fall: the smallest month `t`
/// whose cumulative count reaches `ceil(q * n)` (at least 1) of the `n` events (the
/// nearest-rank definition, so the answer is always a month in which an event
/// happened). `None` without events. Cost O(H).
pub fn month_quantile(counts: &[u64], q: f64) -> Option<u32> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let rank = ((q.clamp(0.0, 1.0) * n as f64).ceil() as u64).clamp(1, n);
    let mut seen = 0;
    for (i, &c) in counts.iter().enumerate() {
        seen += c;
        if seen >= rank {
            return Some(i as u32 + 1);
        }
    }
    None
}

/// The shortest run of consecutive months `(first, last)` holding at least half of the
/// events (`2 * count >= n`); among runs of the same length, the one holding the most
/// events, then the earliest. `None` without events. Cost O(H) (two pointers: for each
/// last month, the latest first month that still holds half).
pub fn busiest_run(counts: &[u64]) -> Option<(u32, u32)> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return None;
    }
    let mut best: Option<(usize, usize, u64)> = None;
    let (mut first, mut held) = (0, 0u64);
    for (last, &c) in counts.iter().enumerate() {
        held += c;
        while first < last && 2 * (held - counts[first]) >= n {
            held -= counts[first];
            first += 1;
        }
        if 2 * held >= n {
            let better = match best {
                None => true,
                Some((a, b, h)) => {
                    let (len, best_len) = (last - first, b - a);
                    len < best_len || (len == best_len && held > h)
                }
            };
            if better {
                best = Some((first, last, held));
            }
        }
    }
    best.map(|(a, b, _)| (a as u32 + 1, b as u32 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_take_the_nearest_rank() {
        // Events in months 2 (x1), 5 (x2), 9 (x1): n = 4.
        let counts = [0, 1, 0, 0, 2, 0, 0, 0, 1];
        assert_eq!(month_quantile(&counts, 0.1), Some(2)); // rank 1
        assert_eq!(month_quantile(&counts, 0.5), Some(5)); // rank 2
        assert_eq!(month_quantile(&counts, 0.9), Some(9)); // rank 4
        assert_eq!(month_quantile(&[0, 0], 0.5), None);
    }

    #[test]
    fn the_busiest_run_is_the_shortest_holding_half() {
        // 10 events: months 3-4 hold 6, the shortest run with at least 5.
        let counts = [1, 0, 3, 3, 0, 0, 1, 1, 1];
        assert_eq!(busiest_run(&counts), Some((3, 4)));
        // One month with half is enough; the later month holds more.
        assert_eq!(busiest_run(&[2, 0, 0, 2]), Some((1, 1)));
        assert_eq!(busiest_run(&[1, 0, 0, 3]), Some((4, 4)));
        // A single event.
        assert_eq!(busiest_run(&[0, 0, 1]), Some((3, 3)));
        assert_eq!(busiest_run(&[]), None);
    }
}
