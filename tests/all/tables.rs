//! The tables of a run as bytes: every CSV row as wide as its header, numbers that read
//! back exactly, formula-like names neutralised in every CSV (and kept as written in
//! JSON and Parquet), and snapshots of every table of a small fixed run.

use std::path::{Path, PathBuf};

use outsim::analysis::sensitivity::{self, Sensitivity};
use outsim::analysis::stress::{self, StressGrid};
use outsim::analysis::variants::parse_vary;
use outsim::engine::RunOptions;
use outsim::output::{OutputError, csv, json};
use outsim::results::Results;
use outsim::scenario::Scenario;

/// What one scenario produces: a run, a stress grid and a sensitivity analysis.
struct Analyses {
    scenario: Scenario,
    results: Results,
    grid: StressGrid,
    sens: Sensitivity,
}

/// Run `text` (read from `path`) with `trials` and `seed`, a stress grid over `vary`,
/// and a sensitivity analysis.
fn analyse(text: &str, path: &Path, trials: u64, seed: u64, vary: &[&str]) -> Analyses {
    let scenario = Scenario::from_toml_str(text, path).unwrap_or_else(|e| panic!("{e}"));
    let varies: Vec<_> = vary
        .iter()
        .map(|v| parse_vary(v).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let plan = stress::plan(text, path, &varies).unwrap_or_else(|e| panic!("{e}"));
    let options = || RunOptions::new(trials, seed);
    Analyses {
        results: crate::common::run(&scenario, trials, seed),
        grid: stress::run(&plan, options()).unwrap_or_else(|e| panic!("{e}")),
        sens: sensitivity::analyse(&scenario, options())
            .unwrap_or_else(|e| panic!("{e}"))
            .1,
        scenario,
    }
}

/// Every table of one scenario: name and bytes.
struct Tables {
    csv: Vec<(&'static str, Vec<u8>)>,
    summary_json: Vec<u8>,
}

/// Every table of `analyses`.
fn encode(analyses: &Analyses) -> Tables {
    let encoded = |bytes: Result<Vec<u8>, OutputError>| bytes.unwrap_or_else(|e| panic!("{e}"));
    let results = &analyses.results;
    Tables {
        csv: vec![
            ("summary.csv", encoded(csv::summary(results))),
            ("pairs.csv", encoded(csv::pairs(results))),
            ("monthly.csv", encoded(csv::monthly(results))),
            ("stress.csv", encoded(csv::stress(&analyses.grid))),
            ("sensitivity.csv", encoded(csv::sensitivity(&analyses.sens))),
        ],
        summary_json: encoded(json::summary(&analyses.scenario, results)),
    }
}

/// Every table of `text`: see [`analyse`].
fn tables(text: &str, path: &Path, trials: u64, seed: u64, vary: &[&str]) -> Tables {
    encode(&analyse(text, path, trials, seed, vary))
}

/// The records of a CSV, header first, however wide each is.
fn records(bytes: &[u8]) -> Vec<Vec<String>> {
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
        .records()
        .map(|r| r.expect("valid CSV").iter().map(str::to_string).collect())
        .collect()
}

fn example_scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "{files:?}");
    files
}

/// Regression: `summary.csv` rows were two cells short of its header.
#[test]
fn every_row_of_every_table_is_as_wide_as_its_header() {
    for path in example_scenarios() {
        let text = std::fs::read_to_string(&path).expect("read");
        let tables = tables(&text, &path, 24, 5, &["demand.base_per_month=1x,1.5x"]);
        for (name, bytes) in &tables.csv {
            let rows = records(bytes);
            assert!(rows.len() > 1, "{}: {name} has no rows", path.display());
            for (i, row) in rows.iter().enumerate() {
                assert_eq!(
                    row.len(),
                    rows[0].len(),
                    "{}: {name} row {i} against the header {:?}",
                    path.display(),
                    rows[0]
                );
            }
        }
        // summary.json holds the same fields as summary.csv's header, and with sourcing
        // over time each vendor's exits and failures besides.
        let json: serde_json::Value =
            serde_json::from_slice(&tables.summary_json).expect("summary.json");
        let fields = json["strategies"][0].as_object().expect("a summary row");
        let header = &records(&tables.csv[0].1)[0];
        let own = fields.keys().filter(|k| *k != "exits").count();
        assert_eq!(header.len(), own, "{}", path.display());
        assert!(fields.get("exits").is_none_or(serde_json::Value::is_array));
        assert!(header.iter().all(|c| fields.contains_key(c)), "{header:?}");
    }
}

/// Regression: a value of 1e19 or more was written as twenty digits; every numeric cell
/// must read back as exactly the value computed. The JSON of the same rows is the
/// reference.
#[test]
fn numeric_cells_read_back_to_the_same_bits() {
    let path = Path::new("huge.toml");
    // 20,000 heads at the largest rate accepted, 1e15 a head-month: 2e19 a month.
    let text = TINY
        .replace("rate_per_fte_month = 1000", "rate_per_fte_month = 1e15")
        .replace("initial_fte = 5\n", "initial_fte = 20000\n")
        .replace("max_fte = 20\n", "max_fte = 20000\n");
    let tables = tables(&text, path, 12, 3, &["demand.base_per_month=1x,1.5x"]);
    let json: serde_json::Value = serde_json::from_slice(&tables.summary_json).expect("json");
    let summary = records(&tables.csv[0].1);
    let mut checked = 0;
    for (row, object) in summary[1..]
        .iter()
        .zip(json["strategies"].as_array().expect("rows"))
    {
        for (column, cell) in summary[0].iter().zip(row) {
            if let Some(x) = object[column].as_f64().filter(|_| object[column].is_f64()) {
                let back: f64 = cell.parse().unwrap_or_else(|e| panic!("{cell}: {e}"));
                assert_eq!(back.to_bits(), x.to_bits(), "{column}: {cell} is not {x}");
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "{checked}");
    let monthly = String::from_utf8(tables.csv[2].1.clone()).expect("utf-8");
    let big: Vec<&str> = monthly
        .split([',', '\n'])
        .filter(|c| c.parse::<f64>().is_ok_and(|x| x >= 1e19))
        .collect();
    assert!(!big.is_empty(), "{monthly}");
    for cell in big {
        assert!(cell.contains('e'), "{cell} has no exponent");
    }
}

/// Names that a spreadsheet would run as formulas, or that begin with a character
/// OWASP lists (tab, carriage return).
const HOSTILE: [&str; 6] = [
    "=HYPERLINK(\"http://example.com\",\"x\")",
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\tx",
    "\rx",
];

/// Security regression: names that a spreadsheet would run as formulas went into every
/// CSV as they were. Every CSV cell holding such a name now begins with `'`; JSON keeps
/// the names as written. (The names are set after the run: the scenario file refuses
/// control characters, but the tables must not rely on that.)
#[test]
fn formula_like_names_are_neutralised_in_every_csv() {
    let strategies: String = (0..HOSTILE.len())
        .map(|i| {
            format!(
                "\n[[strategies]]\nname = \"S{i}\"\nallocation = [{{ vendor = \"A\", share = 1.0 }}]\n"
            )
        })
        .collect();
    let text = format!("{TINY}{strategies}");
    let mut run = analyse(
        &text,
        Path::new("hostile.toml"),
        6,
        2,
        &["vendors.A.max_fte=8,20"],
    );
    let hostile = |name: &str| -> String {
        name.strip_prefix('S')
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| HOSTILE.get(i))
            .map_or(name.to_string(), |h| h.to_string())
    };
    let results = &mut run.results;
    results.strategies = results.strategies.iter().map(|n| hostile(n)).collect();
    for s in &mut results.summary {
        s.strategy = hostile(&s.strategy);
    }
    for p in &mut results.pairs {
        p.strategy_a = hostile(&p.strategy_a);
        p.strategy_b = hostile(&p.strategy_b);
    }
    run.grid.strategies = run.grid.strategies.iter().map(|n| hostile(n)).collect();
    for cell in &mut run.grid.cells {
        for s in &mut cell.summary {
            s.strategy = hostile(&s.strategy);
        }
    }
    run.grid.axes[0].labels = vec!["-0.5".to_string(), "=1+2".to_string()];
    run.sens.strategies = run.sens.strategies.iter().map(|n| hostile(n)).collect();
    for input in &mut run.sens.inputs {
        input.label = format!("@{}", input.label);
    }
    let tables = encode(&run);
    for (name, bytes) in &tables.csv {
        let rows = records(bytes);
        for row in &rows[1..] {
            for cell in row {
                let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
                assert!(
                    !formula || cell.parse::<f64>().is_ok(),
                    "{name}: cell {cell:?} would run as a formula"
                );
            }
        }
        let cells: Vec<&String> = rows[1..].iter().flatten().collect();
        for hostile_name in HOSTILE {
            let neutral = format!("'{hostile_name}");
            assert!(
                cells.iter().any(|c| **c == neutral),
                "{name} lacks {neutral:?}"
            );
        }
    }
    let stress = records(&tables.csv[3].1);
    assert!(
        stress[1..].iter().any(|r| r[0] == "-0.5"),
        "a number stays a number"
    );
    assert!(stress[1..].iter().any(|r| r[0] == "'=1+2"), "{stress:?}");
    let labels = records(&tables.csv[4].1);
    assert!(
        labels[1..].iter().all(|r| r[3].starts_with("'@")),
        "{labels:?}"
    );
    let json: serde_json::Value = serde_json::from_slice(&tables.summary_json).expect("json");
    let names: Vec<&str> = json["strategies"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["strategy"].as_str())
        .collect();
    for hostile_name in HOSTILE {
        assert!(names.contains(&hostile_name), "{names:?}");
    }
}

/// A tiny scenario: three months, one vendor with uncertain attrition, two strategies.
const TINY: &str = r#"
[scenario]
name = "Tiny"
horizon_months = 3
trials = 8
seed = 7

[demand]
base_per_month = 1000
growth_annual = { dist = "uniform", min = 0.0, max = 0.5 }

[[vendors]]
name = "A"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 5
max_fte = 20
attrition_annual = { dist = "uniform", min = 0.1, max = 0.3 }

[[strategies]]
name = "Only A"
allocation = [{ vendor = "A", share = 1.0 }]

[[strategies]]
name = "A, lean"
allocation = [{ vendor = "A", share = 1.0 }]
oversight_hours_per_fte = 0.5

[objectives]
min_service_level = 0.9
"#;

/// Every table of a small fixed run, byte for byte, and every table's header.
#[test]
fn tables_of_a_small_fixed_run() {
    let tables = tables(
        TINY,
        Path::new("tiny.toml"),
        8,
        7,
        &["vendors.A.max_fte=8,20"],
    );
    let mut headers = String::new();
    for (name, bytes) in &tables.csv {
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        headers.push_str(&format!("{name}: {}\n", text.lines().next().unwrap_or("")));
        insta::assert_snapshot!(*name, text);
    }
    insta::assert_snapshot!("headers", headers);
    let json = String::from_utf8(tables.summary_json).expect("utf-8");
    insta::assert_snapshot!("summary.json", json);
}
