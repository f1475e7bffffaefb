//! Cost of the random draws a vendor-month needs, and of one whole trial, with divan:
//! `cargo bench --bench samplers`. Each tuned sampler of `outsim::model::sampling` is
//! timed beside the straightforward `rand_distr` sampler of the same distribution, at
//! the parameters the example scenarios meet, so the floor the engine works toward is on
//! record next to what it reaches (`scaling` measures whole runs).

use std::path::Path;

use divan::Bencher;
use divan::counter::ItemsCount;
use outsim::engine::{MonthPoint, Plan, TrialMetrics, Workspace, simulate_trial};
use outsim::model::sampling::{ExactBinomial, PoissonMonths, binomial_units};
use outsim::scenario::Scenario;
use outsim::stats::sketch::QuantileSketch;
use rand::{Rng, RngExt, SeedableRng};
use rand_distr::{Binomial, Distribution, Poisson};
use rand_xoshiro::Xoshiro256PlusPlus;

fn main() {
    divan::main();
}

fn rng() -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(7)
}

/// Months in a batch of monthly counts.
const MONTHS: u64 = 36;
/// A team's monthly leave probability (about 35% a year) and size.
const LEAVE_P: f64 = 0.035;
const TEAM: u64 = 150;
/// Units worked in a month and their defect probability.
const UNITS: f64 = 20_000.0;
const DEFECT_P: f64 = 0.05;
/// Disruptions or incidents a month (half an event a year).
const RARE: f64 = 0.5 / 12.0;

#[divan::bench]
fn generator_u64(bencher: Bencher) {
    let mut r = rng();
    bencher.bench_local(|| r.next_u64());
}

#[divan::bench]
fn leavers_tuned(bencher: Bencher) {
    let mut r = rng();
    let counts = ExactBinomial::for_sizes(LEAVE_P, 4 * TEAM);
    bencher.bench_local(|| counts.sample(&mut r, divan::black_box(TEAM)));
}

#[divan::bench]
fn leavers_rand_distr(bencher: Bencher) {
    let mut r = rng();
    bencher.bench_local(|| {
        Binomial::new(divan::black_box(TEAM), LEAVE_P).map_or(0, |d| d.sample(&mut r))
    });
}

#[divan::bench]
fn defects_tuned(bencher: Bencher) {
    let mut r = rng();
    bencher.bench_local(|| binomial_units(&mut r, divan::black_box(UNITS), DEFECT_P));
}

#[divan::bench]
fn defects_rand_distr(bencher: Bencher) {
    let mut r = rng();
    bencher.bench_local(|| {
        Binomial::new(divan::black_box(UNITS as u64), DEFECT_P).map_or(0, |d| d.sample(&mut r))
    });
}

#[divan::bench]
fn rare_events_tuned(bencher: Bencher) {
    let mut r = rng();
    let mut events = PoissonMonths::new(RARE);
    bencher.counter(ItemsCount::new(MONTHS)).bench_local(|| {
        events.start(&mut r);
        (1..=MONTHS as usize)
            .map(|t| events.count(&mut r, t))
            .sum::<u64>()
    });
}

#[divan::bench]
fn rare_events_rand_distr(bencher: Bencher) {
    let mut r = rng();
    let poisson = Poisson::new(RARE).expect("a valid mean");
    bencher.counter(ItemsCount::new(MONTHS)).bench_local(|| {
        (0..MONTHS)
            .map(|_| poisson.sample(&mut r) as u64)
            .sum::<u64>()
    });
}

#[divan::bench]
fn sketch_add(bencher: Bencher) {
    let mut r = rng();
    let values: Vec<f64> = (0..64)
        .map(|_| 1e6 * (1.0 + 0.2 * r.random::<f64>()))
        .collect();
    let mut sketch = QuantileSketch::new();
    bencher
        .counter(ItemsCount::new(values.len()))
        .bench_local(|| sketch.add_all(divan::black_box(&values)));
}

/// One trial of each example, counted in vendor-months.
#[divan::bench(args = [
    "back_office_security",
    "contact_centre_scaleup",
    "engineering_roadmap",
    "service_desk_oversight",
])]
fn trial(bencher: Bencher, name: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scenario = Scenario::load(&root.join("scenarios").join(format!("{name}.toml")))
        .expect("the example is valid");
    let plan = Plan::new(&scenario);
    let mut ws = Workspace::new(&plan);
    let mut metrics = vec![TrialMetrics::default(); plan.strategy_count()];
    let mut months = vec![MonthPoint::default(); plan.strategy_count() * plan.horizon()];
    let slots: usize = scenario.strategies.iter().map(|s| s.allocation.len()).sum();
    let mut t = 0;
    bencher
        .counter(ItemsCount::new(slots * plan.horizon()))
        .bench_local(|| {
            t += 1;
            simulate_trial(&plan, 1, t, &mut ws, &mut metrics, &mut months);
        });
}
