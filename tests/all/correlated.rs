//! Correlated inputs, discrete and empirical distributions, and Latin hypercube sampling
//! (MODEL.md V2.5, V2.8 rule 14): realised rank correlations, unchanged marginals,
//! refused files, and what Latin hypercube sampling keeps and gains.
//!
//! The inputs are drawn without the month loop mattering: a one-month horizon keeps
//! 100,000 trials well within a debug test's time.

use std::path::Path;

use outsim::engine::{self, RunOptions, TrialInputs};
use outsim::results::Results;
use outsim::scenario::{Sampling, Scenario};
use outsim::stats;

/// A scenario with three correlated continuous inputs and one correlated discrete one
/// (its partner empirical), `months` long.
fn scenario(months: u32, correlations: &str, sampling: &str) -> Scenario {
    let text = format!(
        r#"
[scenario]
name = "Correlated"
horizon_months = {months}
seed = 5
sampling = "{sampling}"

[demand]
base_per_month = 20000
growth_annual = {{ dist = "pert", min = 0.0, mode = 0.15, max = 0.45 }}
volatility_monthly = 0.03

[[vendors]]
name = "North"
rate_per_fte_month = 2100
price_escalation_annual = {{ dist = "discrete", values = [0.03, 0.05, 0.08], weights = [0.3, 0.5, 0.2] }}
units_per_fte_month = 420
initial_fte = 50
max_fte = 140
attrition_annual = {{ dist = "triangular", min = 0.2, mode = 0.3, max = 0.5 }}
defect_rate = {{ dist = "empirical", values = [0.02, 0.03, 0.035, 0.04, 0.06, 0.09] }}

[[vendors]]
name = "South City"
rate_per_fte_month = 1900
price_escalation_annual = {{ dist = "uniform", min = 0.04, max = 0.09 }}
units_per_fte_month = 410
initial_fte = 50
max_fte = 140
attrition_annual = {{ dist = "lognormal", median = 0.3, sigma = 0.2 }}
defect_rate = {{ dist = "beta", mean = 0.05, sd = 0.02 }}

{correlations}

[[strategies]]
name = "Both"
allocation = [{{ vendor = "North", share = 0.5 }}, {{ vendor = "South City", share = 0.5 }}]
overflow = true
"#
    );
    Scenario::from_toml_str(&text, Path::new("correlated.toml")).unwrap_or_else(|e| panic!("{e}"))
}

const CORRELATIONS: &str = r#"
[[correlations]]
between = ["demand.growth_annual", "vendors.North.attrition_annual"]
rank = 0.5

[[correlations]]
between = ["vendors.North.attrition_annual", "vendors.\"South City\".attrition_annual"]
rank = 0.7

[[correlations]]
between = ["vendors.\"South City\".defect_rate", "demand.growth_annual"]
rank = -0.3

[[correlations]]
between = ["vendors.North.price_escalation_annual", "vendors.\"South City\".price_escalation_annual"]
rank = 0.6
"#;

/// Every trial's inputs.
fn inputs(scenario: &Scenario, trials: u64, threads: usize) -> Vec<TrialInputs> {
    let raw = engine::run(
        scenario,
        RunOptions::new(trials, 17)
            .threads(threads)
            .collect_inputs(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    raw.inputs
}

/// The named input of every trial.
fn column(inputs: &[TrialInputs], name: &str) -> Vec<f64> {
    inputs
        .iter()
        .map(|i| match name {
            "growth" => i.growth,
            "north_attrition" => i.vendor_draws[0][0],
            "north_escalation" => i.vendor_draws[0][2],
            "south_attrition" => i.vendor_draws[1][0],
            "south_defects" => i.vendor_draws[1][1],
            "south_escalation" => i.vendor_draws[1][2],
            other => panic!("no input {other}"),
        })
        .collect()
}

/// Ranks 1..n, ties given their mean rank.
fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            out[k] = rank;
        }
        i = j + 1;
    }
    out
}

/// Spearman's rank correlation.
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let (ma, mb) = (stats::mean(&ra), stats::mean(&rb));
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma) * (x - ma)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb) * (y - mb)).sum();
    cov / (va * vb).sqrt()
}

/// The two-sample Kolmogorov-Smirnov statistic.
fn ks(a: &[f64], b: &[f64]) -> f64 {
    let (sa, sb) = (stats::sorted(a), stats::sorted(b));
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < sa.len() && j < sb.len() {
        let x = sa[i].min(sb[j]);
        while i < sa.len() && sa[i] <= x {
            i += 1;
        }
        while j < sb.len() && sb[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / sa.len() as f64 - j as f64 / sb.len() as f64).abs());
    }
    d
}

const N: u64 = 100_000;

#[test]
fn realised_rank_correlations_meet_their_targets() {
    for sampling in ["random", "lhs"] {
        let drawn = inputs(&scenario(1, CORRELATIONS, sampling), N, 2);
        assert_eq!(drawn.len(), N as usize);
        for (a, b, target) in [
            ("growth", "north_attrition", 0.5),
            ("north_attrition", "south_attrition", 0.7),
            ("south_defects", "growth", -0.3),
        ] {
            let got = spearman(&column(&drawn, a), &column(&drawn, b));
            assert!(
                (got - target).abs() <= 0.01,
                "{sampling}: {a} ~ {b}: rank correlation {got}, target {target}"
            );
        }
        // A pair no entry names is 0 in the matrix, though both inputs are
        // correlated with North's attrition.
        let unnamed = spearman(
            &column(&drawn, "growth"),
            &column(&drawn, "south_attrition"),
        );
        assert!(unnamed.abs() <= 0.01, "{sampling}: {unnamed}");
        // Discrete marginals fall short of the target (ties, V2.8 rule 14) but keep
        // its sign.
        let discrete = spearman(
            &column(&drawn, "north_escalation"),
            &column(&drawn, "south_escalation"),
        );
        assert!(discrete > 0.3 && discrete < 0.6, "{sampling}: {discrete}");
    }
}

#[test]
fn correlations_leave_the_marginals_unchanged() {
    let with = inputs(&scenario(1, CORRELATIONS, "random"), N, 2);
    let without = inputs(&scenario(1, "", "random"), N, 2);
    // 99.9% critical value of the two-sample statistic: 1.95 sqrt(2 / n).
    let critical = 1.95 * (2.0 / N as f64).sqrt();
    for name in [
        "growth",
        "north_attrition",
        "north_escalation",
        "south_attrition",
        "south_defects",
    ] {
        let d = ks(&column(&with, name), &column(&without, name));
        assert!(d < critical, "{name}: KS {d} >= {critical}");
    }
    // And the inputs really are correlated in one run and not in the other.
    let r = spearman(
        &column(&without, "growth"),
        &column(&without, "north_attrition"),
    );
    assert!(r.abs() < 0.02, "{r}");
}

#[test]
fn latin_hypercube_keeps_the_marginals_and_stratifies_each_block() {
    let lhs = inputs(&scenario(1, "", "lhs"), 20 * 1024, 2);
    let random = inputs(&scenario(1, "", "random"), 20 * 1024, 2);
    let critical = 1.95 * (2.0f64 / (20.0 * 1024.0)).sqrt();
    for name in ["growth", "north_attrition", "south_defects"] {
        let d = ks(&column(&lhs, name), &column(&random, name));
        assert!(d < critical, "{name}: KS {d} >= {critical}");
    }
    // Within one block, the growth draws of uniform strata: the 1,024 draws of
    // attrition in North (triangular 0.2, 0.3, 0.5) put exactly 1024 * F(x) draws below
    // each x, up to one.
    let block: Vec<f64> = column(&lhs, "north_attrition")[1024..2048].to_vec();
    for x in [0.25, 0.3, 0.4] {
        let cdf = if x <= 0.3 {
            (x - 0.2) * (x - 0.2) / (0.3 * 0.1)
        } else {
            1.0 - (0.5 - x) * (0.5 - x) / (0.3 * 0.2)
        };
        let below = block.iter().filter(|&&a| a <= x).count() as f64;
        assert!(
            (below - 1024.0 * cdf).abs() <= 1.0 + 1e-9,
            "{x}: {below} below, stratification gives {}",
            1024.0 * cdf
        );
    }
}

#[test]
fn latin_hypercube_results_do_not_depend_on_threads() {
    let s = scenario(6, CORRELATIONS, "lhs");
    let one = engine::run(&s, RunOptions::new(3000, 3).threads(1)).unwrap();
    let three = engine::run(&s, RunOptions::new(3000, 3).threads(3)).unwrap();
    assert_eq!(one.costs, three.costs);
    assert_eq!(one.service, three.service);
    assert_eq!(one.sampling, Sampling::Lhs);
    // The option overrides the file.
    let random = engine::run(
        &s,
        RunOptions::new(3000, 3)
            .threads(1)
            .sampling(Sampling::Random),
    )
    .unwrap();
    assert_eq!(random.sampling, Sampling::Random);
    assert_ne!(one.costs, random.costs);
}

#[test]
fn latin_hypercube_means_agree_with_random_sampling() {
    let trials = 40 * 1024;
    let lhs = Results::new(
        &scenario(12, CORRELATIONS, "lhs"),
        engine::run(
            &scenario(12, CORRELATIONS, "lhs"),
            RunOptions::new(trials, 8),
        )
        .unwrap(),
    );
    let s = scenario(12, CORRELATIONS, "random");
    let random = Results::new(&s, engine::run(&s, RunOptions::new(trials, 9)).unwrap());
    for (a, b) in lhs.summary.iter().zip(&random.summary) {
        for (name, x, y, sd) in [
            ("cost", a.cost_mean, b.cost_mean, b.cost_sd),
            (
                "service level",
                a.service_level_mean,
                b.service_level_mean,
                0.1,
            ),
        ] {
            let tol = 4.0 * sd * (2.0 / trials as f64).sqrt();
            assert!((x - y).abs() <= tol, "{name}: lhs {x}, random {y}, {tol}");
        }
        // 40 blocks: the standard error comes from the block means.
        let blocked = stats::standard_error(&lhs.costs[0], Some(1024));
        assert_eq!(a.cost_se, blocked);
        assert_ne!(a.cost_se, stats::sd(&lhs.costs[0]) / (trials as f64).sqrt());
    }
}

fn refused(correlations: &str) -> String {
    let text = format!(
        r#"
[scenario]
name = "Refused"
horizon_months = 12

[demand]
base_per_month = 100
growth_annual = {{ dist = "uniform", min = 0.0, max = 0.2 }}

[[vendors]]
name = "A.Co"
rate_per_fte_month = 1000
units_per_fte_month = 10
initial_fte = 10
max_fte = 20
attrition_annual = {{ dist = "uniform", min = 0.1, max = 0.3 }}
defect_rate = {{ dist = "uniform", min = 0.01, max = 0.05 }}

[[strategies]]
name = "A"
allocation = [{{ vendor = "A.Co", share = 1.0 }}]

{correlations}
"#
    );
    match Scenario::from_toml_str(&text, Path::new("refused.toml")) {
        Ok(_) => panic!("accepted:\n{correlations}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn impossible_or_unknown_correlations_are_refused_naming_them() {
    let e = refused(
        r#"
[[correlations]]
between = ["demand.growth_annual", "vendors.\"A.Co\".attrition_annual"]
rank = 0.9
[[correlations]]
between = ["vendors.\"A.Co\".attrition_annual", "vendors.\"A.Co\".defect_rate"]
rank = 0.9
[[correlations]]
between = ["vendors.\"A.Co\".defect_rate", "demand.growth_annual"]
rank = -0.9
"#,
    );
    assert!(e.contains("not positive definite"), "{e}");
    assert!(
        e.contains("correlations[0], correlations[1], correlations[2]"),
        "{e}"
    );
    let e = refused(
        r#"
[[correlations]]
between = ["demand.growth_annual", "vendors.\"A.Co\".price_escalation_annual"]
rank = 0.5
"#,
    );
    assert!(e.contains("is a plain number"), "{e}");
    let e = refused(
        r#"
[[correlations]]
between = ["demand.growth_annual", "vendors.\"A.Co\".defect_rate"]
rank = 0.5
[[correlations]]
between = ["vendors.\"A.Co\".defect_rate", "demand.growth_annual"]
rank = 0.2
"#,
    );
    assert!(e.contains("repeats the pair of correlations[0]"), "{e}");
    let e = refused(
        r#"
[[correlations]]
between = ["demand.growth_annual", "vendors.A.Co.defect_rate"]
rank = 0.5
"#,
    );
    assert!(e.contains("not an input drawn once per trial"), "{e}");
    let e = refused(
        r#"
[[correlations]]
between = ["demand.growth_annual", "vendors.B.defect_rate"]
rank = 1.0
"#,
    );
    assert!(e.contains("names no vendor"), "{e}");
    assert!(e.contains("rank"), "{e}");
}

#[test]
fn trials_parquet_holds_the_inputs_by_key_path() {
    use polars::prelude::DataType;
    use polars_io::SerReader;
    use polars_io::prelude::ParquetReader;

    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("corr.toml");
    let text = std::fs::read_to_string(super::common::reference("r5_correlated_inputs.toml"))
        .expect("reference scenario")
        .replace("name = \"South\"", "name = \"South City\"")
        .replace("vendors.South.", "vendors.\\\"South City\\\".")
        .replace("vendor = \"South\"", "vendor = \"South City\"");
    std::fs::write(&file, text).expect("write");
    let out = super::common::outsim(
        dir.path(),
        &[
            "run",
            "corr.toml",
            "--trials",
            "3000",
            "--no-charts",
            "--quiet",
            "--out",
            "out",
            "--sampling",
            "lhs",
        ],
    );
    assert!(out.status.success(), "{}", super::common::stderr(&out));
    let path = dir.path().join("out/corr/trials.parquet");
    let frame = ParquetReader::new(std::fs::File::open(&path).expect("trials.parquet"))
        .finish()
        .expect("read");
    assert_eq!(frame.height(), 2 * 3000);
    let column = |name: &str| -> Vec<f64> {
        let c = frame
            .column(name)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .cast(&DataType::Float64)
            .expect("f64");
        // One row per trial: the first strategy's.
        c.f64()
            .expect("f64")
            .into_no_null_iter()
            .step_by(2)
            .collect()
    };
    let growth = column("demand.growth_annual");
    let north = column("vendors.North.attrition_annual");
    let south = column("vendors.\"South City\".attrition_annual");
    assert!(growth.iter().all(|g| (0.0..=0.45).contains(g)));
    for name in [
        "vendors.North.defect_rate",
        "vendors.North.price_escalation_annual",
        "vendors.\"South City\".defect_rate",
        "vendors.\"South City\".price_escalation_annual",
    ] {
        assert_eq!(column(name).len(), 3000, "{name}");
    }
    // The analyst can check the correlations from the file.
    assert!((spearman(&growth, &north) - 0.5).abs() < 0.05);
    assert!((spearman(&north, &south) - 0.7).abs() < 0.05);
    // The second row of a trial holds the same inputs.
    let all = frame
        .column("demand.growth_annual")
        .expect("growth")
        .f64()
        .expect("f64")
        .into_no_null_iter()
        .collect::<Vec<f64>>();
    assert!(all.chunks(2).all(|pair| pair[0] == pair[1]));
}

#[test]
fn the_report_lists_each_correlation_with_its_realised_rank_correlation() {
    let s = scenario(2, CORRELATIONS, "random");
    let results = Results::new(&s, engine::run(&s, RunOptions::new(20_000, 4)).unwrap());
    assert_eq!(results.realised_correlations.len(), 4);
    for (c, realised) in s.correlations.iter().zip(&results.realised_correlations) {
        let r = realised.expect("the inputs vary");
        let slack = if c.rank == 0.6 { 0.2 } else { 0.02 };
        assert!((r - c.rank).abs() < slack, "{:?}: {r}", c.between);
    }
    let page = outsim::report::render_report(
        &s,
        &results,
        Path::new("correlated.toml"),
        &[outsim::charts::ChartFile {
            name: "none.svg".into(),
            bytes: Vec::new(),
        }],
    );
    assert!(
        page.contains("Correlated inputs"),
        "no correlations section"
    );
    assert!(
        page.contains("vendors.&quot;South City&quot;.attrition_annual")
            || page.contains("vendors.\"South City\".attrition_annual")
    );
    let first = results.realised_correlations[0].unwrap();
    assert!(
        page.contains(&format!("{first:+.3}")),
        "realised {first:+.3} not shown"
    );
    // Without correlations, no section.
    let plain = scenario(2, "", "random");
    let results = Results::new(
        &plain,
        engine::run(&plain, RunOptions::new(100, 4)).unwrap(),
    );
    assert!(results.realised_correlations.is_empty());
}

#[test]
fn sensitivity_names_each_inputs_correlated_partners() {
    use outsim::analysis::sensitivity::analyse;

    let s = scenario(2, CORRELATIONS, "random");
    let (_, sens) = analyse(&s, RunOptions::new(300, 2)).unwrap_or_else(|e| panic!("{e}"));
    let partners = |key: &str| {
        sens.inputs
            .iter()
            .find(|i| i.key == key)
            .unwrap_or_else(|| panic!("no input {key}"))
            .correlated_with
            .clone()
    };
    assert_eq!(
        partners("demand.growth_annual"),
        [
            "vendors.North.attrition_annual",
            "vendors.\"South City\".defect_rate"
        ]
    );
    assert_eq!(
        partners("vendors.\"South City\".attrition_annual"),
        ["vendors.North.attrition_annual"]
    );
    assert!(partners("vendors.North.defect_rate").is_empty());
    let csv = String::from_utf8(outsim::output::csv::sensitivity(&sens).unwrap()).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",correlated_with"));
    assert!(
        csv.contains("\"vendors.North.attrition_annual;vendors.\"\"South City\"\".defect_rate\""),
        "{csv}"
    );
}
