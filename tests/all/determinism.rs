//! Same scenario, seed and trial count: byte-identical outputs on any number of threads.

use std::path::Path;

use super::common::{files_below, outsim, reference, stderr};

/// `outsim run tests/reference/r2_dual_source.toml ARGS...` in `dir`, which must succeed.
fn run_r2(dir: &Path, args: &[&str]) -> std::process::Output {
    let file = reference("r2_dual_source.toml");
    let mut all = vec!["run", file.to_str().expect("utf-8 path")];
    all.extend_from_slice(args);
    let result = outsim(dir, &all);
    assert!(result.status.success(), "run failed: {}", stderr(&result));
    result
}

fn run_into(dir: &Path, out: &str, threads: &str, seed: &str) {
    run_r2(
        dir,
        &[
            "--trials",
            "3000",
            "--seed",
            seed,
            "--threads",
            threads,
            "--out",
            out,
            "--quiet",
        ],
    );
}

/// `run.json` minus the fields that describe the machine rather than the results.
fn run_json_without_timing(path: &Path) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("run.json")).expect("json");
    let obj = v.as_object_mut().expect("object");
    assert!(obj.remove("wall_time_seconds").is_some());
    assert!(obj.remove("threads").is_some());
    v
}

#[test]
fn outputs_are_byte_identical_across_thread_counts() {
    let dir = tempfile::tempdir().expect("temp dir");
    run_into(dir.path(), "one", "1", "5");
    run_into(dir.path(), "two", "2", "5");
    run_into(dir.path(), "three", "3", "5");
    let one = dir.path().join("one/r2_dual_source");
    let files = files_below(&one);
    assert!(files.iter().any(|f| f.ends_with("trials.parquet")));
    assert!(files.iter().any(|f| f.ends_with("monthly.csv")));
    for other in ["two", "three"] {
        let dir_other = dir.path().join(other).join("r2_dual_source");
        assert_eq!(
            files,
            files_below(&dir_other),
            "{other}: different file lists"
        );
        for f in &files {
            if f.ends_with("run.json") {
                assert_eq!(
                    run_json_without_timing(&one.join(f)),
                    run_json_without_timing(&dir_other.join(f))
                );
            } else {
                let a = std::fs::read(one.join(f)).expect("read");
                let b = std::fs::read(dir_other.join(f)).expect("read");
                assert!(
                    a == b,
                    "{} differs between 1 and {other} threads",
                    f.display()
                );
            }
        }
    }
}

#[test]
fn a_different_seed_changes_the_results() {
    let dir = tempfile::tempdir().expect("temp dir");
    run_into(dir.path(), "a", "2", "5");
    run_into(dir.path(), "b", "2", "6");
    let a = std::fs::read(dir.path().join("a/r2_dual_source/summary.csv")).expect("read");
    let b = std::fs::read(dir.path().join("b/r2_dual_source/summary.csv")).expect("read");
    assert_ne!(a, b);
}

/// r1 cut to `months` months, as a scenario.
fn short_r1(months: u32) -> outsim::scenario::Scenario {
    let path = reference("r1_single_vendor.toml");
    let text = std::fs::read_to_string(&path)
        .expect("reference scenario")
        .replace("horizon_months = 24", &format!("horizon_months = {months}"));
    outsim::scenario::Scenario::from_toml_str(&text, &path).expect("valid")
}

/// Runs long enough to span several chunks of blocks on every thread count give the same
/// summaries, bands and per-trial outputs, in trial order.
#[test]
fn many_chunks_reduce_identically_on_any_thread_count() {
    use crate::common::run_collect;
    let scenario = short_r1(3);
    let (trials, seed) = (70_001, 11);
    let on = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool")
            .install(|| run_collect(&scenario, trials, seed))
    };
    let (one, one_trials) = on(1);
    assert_eq!(one_trials.len(), 70_001 * 2);
    assert_eq!(one.costs_of(1).len(), 70_001);
    for (k, m) in one_trials.iter().enumerate() {
        assert_eq!(m.cost_npv, one.costs_of(k % 2)[k / 2], "trial output {k}");
    }
    for threads in [2, 3] {
        let (other, other_trials) = on(threads);
        assert_eq!(one.summary, other.summary, "{threads} threads");
        assert_eq!(one.pairs, other.pairs, "{threads} threads");
        assert_eq!(one.monthly, other.monthly, "{threads} threads");
        assert!(
            one_trials == other_trials,
            "{threads} threads: trial outputs"
        );
    }
}

fn precision_run(dir: &Path, out: &str, threads: &str) -> serde_json::Value {
    run_r2(
        dir,
        &[
            "--precision",
            "0.01",
            "--max-trials",
            "40000",
            "--seed",
            "3",
            "--threads",
            threads,
            "--out",
            out,
            "--no-charts",
            "--quiet",
        ],
    );
    run_json_without_timing(&dir.join(out).join("r2_dual_source/run.json"))
}

/// `--precision` stops after the same number of trials on any number of threads, with
/// the same outputs, and those are the outputs of a fixed run of that many trials.
#[test]
fn precision_runs_are_deterministic_and_match_a_fixed_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let one = precision_run(dir.path(), "one", "1");
    let two = precision_run(dir.path(), "two", "2");
    assert_eq!(one, two);
    let precision = &one["precision"];
    assert_eq!(precision["reached"], serde_json::Value::Bool(true), "{one}");
    assert!(
        precision["worst_relative_half_width"]
            .as_f64()
            .expect("number")
            <= 0.01
    );
    let trials = one["trials"].as_u64().expect("trials");
    assert!(trials > 2048 && trials < 40_000, "{trials} trials");
    for f in ["summary.csv", "pairs.csv", "monthly.csv", "trials.parquet"] {
        let a = std::fs::read(dir.path().join("one/r2_dual_source").join(f)).expect("read");
        let b = std::fs::read(dir.path().join("two/r2_dual_source").join(f)).expect("read");
        assert!(a == b, "{f} differs between 1 and 2 threads");
    }
    let count = trials.to_string();
    let fixed = [
        "--trials",
        &count,
        "--seed",
        "3",
        "--out",
        "fixed",
        "--no-charts",
        "--quiet",
    ];
    run_r2(dir.path(), &fixed);
    for f in ["summary.csv", "pairs.csv", "monthly.csv", "trials.parquet"] {
        let a = std::fs::read(dir.path().join("one/r2_dual_source").join(f)).expect("read");
        let b = std::fs::read(dir.path().join("fixed/r2_dual_source").join(f)).expect("read");
        assert!(
            a == b,
            "{f}: the precision run differs from a fixed run of {trials}"
        );
    }
}

/// A target out of reach stops at `--max-trials` and says so.
#[test]
fn an_unreachable_precision_stops_at_the_maximum() {
    let dir = tempfile::tempdir().expect("temp dir");
    let result = run_r2(
        dir.path(),
        &[
            "--precision",
            "0.00001",
            "--max-trials",
            "5000",
            "--out",
            "out",
            "--no-charts",
        ],
    );
    assert!(
        super::common::stdout(&result).contains("NOT reached after the maximum of 5000 trials"),
        "{}",
        super::common::stdout(&result)
    );
    let info = run_json_without_timing(&dir.path().join("out/r2_dual_source/run.json"));
    assert_eq!(info["trials"].as_u64(), Some(5000));
    assert_eq!(info["precision"]["reached"], serde_json::Value::Bool(false));
}

/// Four vendors with every mechanism a month loop branches on, and strategies of every
/// shape: one vendor (with and without overflow), two sharing work, three sharing work,
/// two without overflow; in an order that puts each shape beside each other shape.
fn every_shape_of_strategy(strategies: &[(&str, &str, bool)]) -> outsim::scenario::Scenario {
    let mut text = String::from(
        "[scenario]\nname = \"Shapes\"\nhorizon_months = 30\n\n[demand]\nbase_per_month = 20000\n\
         growth_annual = { dist = \"normal\", mean = 0.3, sd = 0.1 }\nvolatility_monthly = 0.04\n\
         seasonality = [1.2, 0.9, 0.9, 1.0, 1.0, 1.0, 0.9, 0.9, 1.0, 1.0, 1.1, 1.3]\n\n\
         [[demand.events]]\nmonth = 9\nmultiplier = 1.4\n\n\
         [demand.shocks]\nrate_per_year = 2.0\nsize = { dist = \"lognormal\", median = 0.2, sigma = 0.5 }\n\n\
         [costs]\nmanager_hourly_cost = 80\ndefect_cost_per_unit = 4\ndelay_cost_per_unit_month = 2\n",
    );
    for (v, (ramp, lead, sla)) in [(0, 0, true), (2, 1, false), (3, 2, true), (1, 1, false)]
        .iter()
        .enumerate()
    {
        text.push_str(&format!(
            "\n[[vendors]]\nname = \"V{v}\"\nrate_per_fte_month = {rate}\nunits_per_fte_month = 300\n\
             initial_fte = {fte}\nmin_fte = 2\nmax_fte = 120\nmax_hires_per_month = 12\n\
             max_release_per_month = 6\nramp_months = {ramp}\nhiring_lead_months = {lead}\n\
             attrition_annual = {{ dist = \"triangular\", min = 0.2, mode = 0.4, max = 0.6 }}\n\
             defect_rate = {{ dist = \"beta\", mean = 0.08, sd = 0.02 }}\noverlap_hours = {v}\n\
             disruption_rate_per_year = 1.5\ndisruption_capacity_loss = 0.4\n\
             incident_rate_per_year = 0.8\n\
             incident_loss = {{ dist = \"lognormal\", median = 50000, sigma = 1.0 }}\n{sla}",
            rate = 2000 + 300 * v,
            fte = 30 + 10 * v,
            sla = if *sla {
                "sla_target = 0.9\nsla_credit_per_point = 0.01\nsla_credit_cap = 0.1\n"
            } else {
                ""
            },
        ));
    }
    for (name, allocation, overflow) in strategies {
        text.push_str(&format!(
            "\n[[strategies]]\nname = \"{name}\"\nallocation = [{allocation}]\n\
             overflow = {overflow}\ncapacity_buffer = {buffer}\noversight_hours_per_fte = 1\n",
            // Each strategy its own buffer, so that no strategy's month can pass for
            // another's.
            buffer = 0.05 + 0.02 * (name.len() % 10) as f64,
        ));
    }
    outsim::scenario::Scenario::from_toml_str(&text, Path::new("shapes.toml")).expect("valid")
}

/// The engine runs the month loops of neighbouring strategies side by side where their
/// shapes allow, and a strategy without such a neighbour beside itself in the next
/// trial; each strategy's trials must come out the same to the bit as when it is
/// simulated on its own (where it runs beside itself in the next trial).
#[test]
fn a_strategy_gives_the_same_trials_whatever_runs_beside_it() {
    use crate::common::run_collect;
    use outsim::engine::TRIAL_METRICS;
    let share = |v: usize, s: f64| format!("{{ vendor = \"V{v}\", share = {s} }}");
    let one = |v| share(v, 1.0);
    let two = |a, b| format!("{}, {}", share(a, 0.4), share(b, 0.6));
    let strategies: Vec<(&str, String, bool)> = vec![
        ("one", one(0), false),
        ("one, overflow", one(1), true),
        ("two", two(0, 1), true),
        (
            "three",
            format!("{}, {}, {}", share(0, 0.3), share(1, 0.3), share(2, 0.4)),
            true,
        ),
        ("two apart", two(2, 3), false),
        ("two then one", two(2, 3), true),
        ("one after two", one(3), false),
        ("one before two", one(2), false),
        ("two after one", two(3, 0), true),
        ("two and two", two(1, 2), true),
        ("two beside two", two(3, 1), true),
        ("one at the end", one(1), false),
    ];
    let as_refs: Vec<(&str, &str, bool)> = strategies
        .iter()
        .map(|(n, a, o)| (*n, a.as_str(), *o))
        .collect();
    // An odd number of trials, so that the last of a pair of trials run together
    // (for a strategy without a neighbour) runs alone.
    let (trials, seed) = (401, 5);
    let (_, together) = run_collect(&every_shape_of_strategy(&as_refs), trials, seed);
    let n = strategies.len();
    assert_eq!(together.len(), 401 * n);
    for (si, strategy) in as_refs.iter().enumerate() {
        let (_, alone) = run_collect(&every_shape_of_strategy(&[*strategy]), trials, seed);
        for (t, m) in alone.iter().enumerate() {
            let beside = &together[t * n + si];
            for metric in TRIAL_METRICS {
                let (name, x, y) = (metric.name, (metric.value)(m), (metric.value)(beside));
                assert_eq!(
                    x.to_bits(),
                    y.to_bits(),
                    "{}: trial {t}, {name}",
                    strategy.0
                );
            }
            assert_eq!(
                (m.leavers, m.hires, m.incidents, m.shortfall_months),
                (
                    beside.leavers,
                    beside.hires,
                    beside.incidents,
                    beside.shortfall_months
                ),
                "{}: trial {t}",
                strategy.0
            );
        }
    }
}

/// A small scenario that draws from every random stream: growth, shocks, demand noise,
/// vendor draws with due diligence, disruptions, incidents, defects and attrition, over
/// two vendors and a strategy that overflows between them.
const VALUE_STABILITY: &str = r#"
[scenario]
name = "Value stability"
horizon_months = 6
discount_rate_annual = 0.05

[demand]
base_per_month = 8000
growth_annual = { dist = "normal", mean = 0.15, sd = 0.1 }
volatility_monthly = 0.08
[demand.shocks]
rate_per_year = 2.0
size = { dist = "lognormal", median = 0.2, sigma = 0.5 }

[costs]
manager_hourly_cost = 80
defect_cost_per_unit = 5
delay_cost_per_unit_month = 1

[[vendors]]
name = "A"
rate_per_fte_month = 2000
units_per_fte_month = 400
initial_fte = 20
min_fte = 5
max_fte = 40
max_hires_per_month = 4
ramp_months = 2
attrition_annual = { dist = "triangular", min = 0.2, mode = 0.3, max = 0.5 }
defect_rate = { dist = "beta", mean = 0.04, sd = 0.015 }
overlap_hours = 3
disruption_rate_per_year = 2.0
incident_rate_per_year = 1.5
incident_loss = { dist = "lognormal", median = 50000, sigma = 1.0 }
sla_target = 0.9
sla_credit_per_point = 0.01
sla_credit_cap = 0.1

[[vendors]]
name = "B"
rate_per_fte_month = 2500
units_per_fte_month = 420
initial_fte = 8
min_fte = 2
max_fte = 20
max_hires_per_month = 2
attrition_annual = { dist = "uniform", min = 0.1, max = 0.3 }
defect_rate = { dist = "beta", mean = 0.02, sd = 0.01 }
overlap_hours = 7
incident_rate_per_year = 0.5
incident_loss = { dist = "lognormal", median = 80000, sigma = 0.8 }

[[strategies]]
name = "A alone"
allocation = [{ vendor = "A", share = 1.0 }]
oversight_hours_per_fte = 2.0
due_diligence = true

[[strategies]]
name = "Split"
allocation = [{ vendor = "A", share = 0.6 }, { vendor = "B", share = 0.4 }]
overflow = true
capacity_buffer = 0.1
oversight_hours_per_fte = 5.0
ip_protection = true

[objectives]
min_service_level = 0.8
"#;

/// Value stability, as rand's `value_stability` tests: for a fixed small scenario and
/// seed, a few per-trial outputs of several kinds and a few summary figures, written as
/// literals and compared to the bit. Any unintended change to the random streams (their
/// addresses, their order of use, a sampler) or to the arithmetic fails here loudly.
///
/// When a change of the figures is intended (a model change, a new stream): say why in
/// the commit and in `docs/model.md`, run this test, and copy the new figures from its
/// failure message, which prints every figure it checks in the form written below.
#[test]
fn figures_are_value_stable() {
    use outsim::engine::TRIAL_METRICS;
    use outsim::scenario::Scenario;

    let scenario = Scenario::from_toml_str(VALUE_STABILITY, Path::new("value_stability.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let (results, trials) = super::common::run_collect(&scenario, 6, 2024);
    let strategies = scenario.strategies.len();
    let metric = |name: &str| {
        TRIAL_METRICS
            .iter()
            .find(|m| m.name == name)
            .unwrap_or_else(|| panic!("no per-trial output {name}"))
    };
    let mut actual: Vec<(String, f64)> = Vec::new();
    for trial in [0usize, 3, 5] {
        for s in 0..strategies {
            for name in [
                "cost_npv",
                "service_level",
                "defect_rate",
                "leavers",
                "incidents",
            ] {
                let value = (metric(name).value)(&trials[trial * strategies + s]);
                actual.push((format!("trial {trial}, strategy {s}, {name}"), value));
            }
        }
    }
    for (s, summary) in results.summary.iter().enumerate() {
        for (name, value) in [
            ("cost_mean", summary.cost_mean),
            ("cost_p50", summary.cost_p50),
            ("cost_p95", summary.cost_p95),
            ("service_level_mean", summary.service_level_mean),
            ("final_backlog_mean", summary.final_backlog_mean),
        ] {
            actual.push((format!("strategy {s}, {name}"), value));
        }
        let last = results
            .monthly_of(s)
            .last()
            .map_or(f64::NAN, |r| r.backlog.p50);
        actual.push((format!("strategy {s}, last month's backlog p50"), last));
    }
    let written: String = actual
        .iter()
        .map(|(name, value)| format!("        ({name:?}, {value:?}),\n"))
        .collect();
    assert_eq!(actual.len(), EXPECTED.len(), "figures:\n{written}");
    for ((name, value), (expected_name, expected)) in actual.iter().zip(EXPECTED) {
        assert_eq!(name, expected_name, "figures:\n{written}");
        assert_eq!(
            value.to_bits(),
            expected.to_bits(),
            "{name}: {value:?}, pinned {expected:?}; figures now:\n{written}"
        );
    }
}

/// The figures of [`figures_are_value_stable`].
const EXPECTED: &[(&str, f64)] = &[
    ("trial 0, strategy 0, cost_npv", 390615.29935859545),
    ("trial 0, strategy 0, service_level", 0.8386666672830341),
    ("trial 0, strategy 0, defect_rate", 0.03303703703703704),
    ("trial 0, strategy 0, leavers", 5.0),
    ("trial 0, strategy 0, incidents", 1.0),
    ("trial 0, strategy 1, cost_npv", 431218.6761269174),
    ("trial 0, strategy 1, service_level", 0.9805913961434928),
    ("trial 0, strategy 1, defect_rate", 0.01940860385650721),
    ("trial 0, strategy 1, leavers", 3.0),
    ("trial 0, strategy 1, incidents", 0.0),
    ("trial 3, strategy 0, cost_npv", 354856.5965460248),
    ("trial 3, strategy 0, service_level", 0.6531886172616745),
    ("trial 3, strategy 0, defect_rate", 0.025089285714285713),
    ("trial 3, strategy 0, leavers", 9.0),
    ("trial 3, strategy 0, incidents", 0.0),
    ("trial 3, strategy 1, cost_npv", 586935.2707840123),
    ("trial 3, strategy 1, service_level", 0.9041842165096886),
    ("trial 3, strategy 1, defect_rate", 0.024111194066606396),
    ("trial 3, strategy 1, leavers", 4.0),
    ("trial 3, strategy 1, incidents", 1.0),
    ("trial 5, strategy 0, cost_npv", 303276.2280662257),
    ("trial 5, strategy 0, service_level", 0.5975668317804275),
    ("trial 5, strategy 0, defect_rate", 0.032158414898878836),
    ("trial 5, strategy 0, leavers", 1.0),
    ("trial 5, strategy 0, incidents", 0.0),
    ("trial 5, strategy 1, cost_npv", 388611.3601501287),
    ("trial 5, strategy 1, service_level", 0.8307345126400215),
    ("trial 5, strategy 1, defect_rate", 0.02563275750412685),
    ("trial 5, strategy 1, leavers", 1.0),
    ("trial 5, strategy 1, incidents", 0.0),
    ("strategy 0, cost_mean", 392076.99456444615),
    ("strategy 0, cost_p50", 372735.9479523101),
    ("strategy 0, cost_p95", 555457.8483560854),
    ("strategy 0, service_level_mean", 0.7598423721177525),
    ("strategy 0, final_backlog_mean", 4720.567860774268),
    ("strategy 0, last month's backlog p50", 4088.0),
    ("strategy 1, cost_mean", 473847.5986723394),
    ("strategy 1, cost_p50", 409915.0181385231),
    ("strategy 1, cost_p95", 664990.2804890149),
    ("strategy 1, service_level_mean", 0.9167245141981285),
    ("strategy 1, final_backlog_mean", 1208.078795077785),
    ("strategy 1, last month's backlog p50", 770.0),
];
