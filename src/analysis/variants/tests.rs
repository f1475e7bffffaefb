//! Tests of `--vary`: KEYs, SPECs, fields and the edited documents.

use toml::Value;

use super::fields::{NUMBER_FIELDS, UNCERTAIN_FIELDS};
use super::*;

const TEXT: &str = r#"
[demand]
base_per_month = 1000
growth_annual = { dist = "normal", mean = 0.2, sd = 0.1 }

[[demand.events]]
month = 6
multiplier = 1.5

[[vendors]]
name = "Budget Co"
max_fte = 90
defect_rate = { dist = "beta", mean = 0.05, sd = 0.02 }

[[strategies]]
name = "Dual source"
capacity_buffer = 0.1
"#;

/// Resolve `key` in `doc` and set it to `level`.
fn put(doc: &mut Document, key: &str, level: Level) -> Result<(), VaryError> {
    let field = doc.resolve(&parse_key(key)?)?;
    doc.apply(&field, level)
}

fn get(doc: &Document, path: &[&str]) -> Value {
    let mut v = &doc.root;
    for p in path {
        v = match p.parse::<usize>() {
            Ok(i) => &v[i],
            Err(_) => &v[*p],
        };
    }
    v.clone()
}

#[test]
fn keys_parse_names_quotes_and_indices() {
    let k = parse_key("strategies.\"Dual source\".capacity_buffer").unwrap();
    assert_eq!(
        k.segments,
        vec![
            Segment::Key("strategies".into()),
            Segment::Key("Dual source".into()),
            Segment::Key("capacity_buffer".into())
        ]
    );
    let k = parse_key("demand.events[0].multiplier").unwrap();
    assert_eq!(k.segments[2], Segment::Index(0));
    assert!(parse_key("demand..x").is_err());
    assert!(parse_key("demand.").is_err());
    assert!(parse_key("vendors[a]").is_err());
    assert!(parse_key("").is_err());
}

#[test]
fn specs_parse_lists_and_ranges() {
    assert_eq!(
        parse_spec("60,80,100").unwrap(),
        vec![
            Level::Absolute(60.0),
            Level::Absolute(80.0),
            Level::Absolute(100.0)
        ]
    );
    let r = parse_spec("0.5x..2x:7").unwrap();
    assert_eq!(r.len(), 7);
    assert_eq!(r[0], Level::Multiple(0.5));
    assert_eq!(r[1], Level::Multiple(0.75));
    assert_eq!(r[6], Level::Multiple(2.0));
    assert_eq!(parse_spec("20..120:6").unwrap()[1], Level::Absolute(40.0));
    for bad in [
        "", "abc", "1,,2", "1..2", "1..2:1", "1..2:x", "1x..2:3", "1,1", "1..2:500",
    ] {
        assert!(parse_spec(bad).is_err(), "{bad} was accepted");
    }
    assert!(parse_vary("no-equals").is_err());
    let e = parse_vary("demand.growth_annual=zz").unwrap_err();
    assert!(
        e.0.contains("demand.growth_annual") && e.0.contains("zz"),
        "{e}"
    );
}

#[test]
fn multiples_scale_numbers_and_locations() {
    let mut doc = Document::parse(TEXT).unwrap();
    put(
        &mut doc,
        "vendors.\"Budget Co\".max_fte",
        Level::Multiple(0.75),
    )
    .unwrap();
    assert_eq!(get(&doc, &["vendors", "0", "max_fte"]), Value::Integer(68));
    put(&mut doc, "demand.growth_annual", Level::Multiple(2.0)).unwrap();
    assert_eq!(
        get(&doc, &["demand", "growth_annual", "mean"]),
        Value::Float(0.4)
    );
    assert_eq!(
        get(&doc, &["demand", "growth_annual", "sd"]),
        Value::Float(0.1)
    );
    put(&mut doc, "vendors[0].defect_rate", Level::Multiple(2.0)).unwrap();
    assert_eq!(
        get(&doc, &["vendors", "0", "defect_rate", "mean"]),
        Value::Float(0.1)
    );
    put(
        &mut doc,
        "demand.events[0].multiplier",
        Level::Absolute(2.0),
    )
    .unwrap();
    assert_eq!(
        get(&doc, &["demand", "events", "0", "multiplier"]),
        Value::Integer(2)
    );
    assert!(doc.to_text().unwrap().contains("Budget Co"));
}

#[test]
fn bad_keys_name_what_is_missing() {
    let mut doc = Document::parse(TEXT).unwrap();
    let e = put(&mut doc, "vendors.Nope.max_fte", Level::Absolute(1.0)).unwrap_err();
    assert!(
        e.0.contains("no vendor named \"Nope\"") && e.0.contains("Budget Co"),
        "{e}"
    );
    let e = put(&mut doc, "demand.events[3].month", Level::Absolute(1.0)).unwrap_err();
    assert!(e.0.contains("[3]"), "{e}");
    let e = put(&mut doc, "nosuch.key", Level::Absolute(1.0)).unwrap_err();
    assert!(e.0.contains("nosuch"), "{e}");
    let e = put(&mut doc, "vendors[0].min_fte", Level::Multiple(2.0)).unwrap_err();
    assert!(e.0.contains("not set in the file"), "{e}");
    let e = put(&mut doc, "vendors[0].name", Level::Multiple(2.0)).unwrap_err();
    assert!(e.0.contains("not a numeric model input"), "{e}");
}

/// Every table a KEY can reach, with one entry in each list.
const FULL: &str = r#"
[scenario]
name = "Full"
horizon_months = 12

[demand]
base_per_month = 1000
seasonality = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
growth_annual = { dist = "normal", mean = 0.2, sd = 0.1 }

[[demand.events]]
month = 6
multiplier = 1.5
label = "Launch"

[demand.shocks]
rate_per_year = 1

[costs]

[[currencies]]
code = "INR"

[[vendors]]
name = "Budget Co"
rate_per_fte_month = 1000
units_per_fte_month = 100
max_fte = 90
attrition_annual = { dist = "uniform", min = 0.1, max = 0.2 }

[vendors.contract]
volume_tiers = [{ from = 10, discount = 0.1 }]

[[vendors]]
name = "Other"
rate_per_fte_month = 1000
units_per_fte_month = 100
max_fte = 90

[[strategies]]
name = "Dual source"
allocation = [{ vendor = "Budget Co", share = 1.0 }]

[[strategies.phases]]
month = 6
allocation = [{ vendor = "Budget Co", share = 1.0 }]

[[strategies.exits]]
vendor = "Budget Co"
when_service_below = 0.5
fallback = "Other"

[assumptions]

[objectives]
"#;

fn varies(keys: &[&str]) -> Vec<Vary> {
    keys.iter()
        .map(|k| parse_vary(&format!("{k}=1,2")).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

#[test]
fn keys_that_reach_the_same_field_are_refused_naming_both() {
    let doc = Document::parse(FULL).unwrap();
    for pair in [
        ["vendors.\"Budget Co\".max_fte", "vendors[0].max_fte"],
        [
            "strategies[0].capacity_buffer",
            "strategies.\"Dual source\".capacity_buffer",
        ],
        [
            "vendors[0].attrition_annual",
            "vendors.\"Budget Co\".attrition_annual.min",
        ],
        ["demand.growth_annual.mean", "demand.growth_annual"],
        ["demand.events[0].month", "demand.\"events\"[0].\"month\""],
    ] {
        let e = resolve_all(&doc, &varies(&pair)).unwrap_err();
        assert!(e.0.contains(pair[0]) && e.0.contains(pair[1]), "{e}");
    }
    for pair in [
        ["vendors[0].max_fte", "vendors[0].min_fte"],
        ["demand.growth_annual.mean", "demand.growth_annual.sd"],
        ["demand.events[0].month", "demand.events[0].multiplier"],
    ] {
        let fields = resolve_all(&doc, &varies(&pair)).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(fields[0], fields[1]);
    }
}

#[test]
fn keys_that_are_not_model_inputs_are_refused_listing_what_can_be_varied() {
    let doc = Document::parse(FULL).unwrap();
    for key in [
        "scenario.trials",
        "scenario.seed",
        "scenario.name",
        "scenario.currency",
        "scenario.description",
        "demand.unit",
        "demand.events[0].label",
        "demand.growth_annual.dist",
        "vendors[0].name",
        "vendors.\"Budget Co\".kind",
        "strategies[0].overflow",
        "strategies[0].allocation[0].vendor",
        "strategies[0]",
        "vendors",
    ] {
        let e = doc.resolve(&parse_key(key).unwrap()).unwrap_err();
        assert!(
            e.0.contains(key) && e.0.contains("what can be varied") && e.0.contains("vendors[N].{"),
            "{e}"
        );
    }
}

/// The list of what can be varied names only keys the validator reads: set to text,
/// each is refused for its type, never as an unknown key.
#[test]
fn every_variable_field_is_read_by_the_validator() {
    let base = Document::parse(FULL).unwrap();
    for shape in NUMBER_FIELDS.iter().chain(&UNCERTAIN_FIELDS) {
        let key = shape.replace("[]", "[0]");
        let field = base
            .resolve(&parse_key(&key).unwrap())
            .unwrap_or_else(|e| panic!("{e}"));
        let mut doc = base.clone();
        doc.apply(&field, Level::Absolute(0.0))
            .unwrap_or_else(|e| panic!("{e}"));
        let text = doc.to_text().unwrap().replace(
            &format!("\n{} = 0\n", field.name()),
            &format!("\n{} = \"x\"\n", field.name()),
        );
        let issues =
            match crate::scenario::Scenario::from_toml_str(&text, std::path::Path::new("f.toml")) {
                Ok(_) => panic!("{key} = \"x\" was accepted"),
                Err(e) => e.issues().to_vec(),
            };
        let issue = issues
            .iter()
            .find(|i| i.key == key)
            .unwrap_or_else(|| panic!("{key}: {issues:?}"));
        // A seasonality value set to 0 is out of range; every other field is text.
        assert!(
            issue.message.contains("expected") || shape.ends_with("[]"),
            "{key}: {}",
            issue.message
        );
    }
}

#[test]
fn v2_inputs_are_reached_by_code_by_vendor_and_by_index() {
    let doc = Document::parse(FULL).unwrap();
    for (key, field) in [
        (
            "currencies.INR.volatility_annual",
            "currencies[0].volatility_annual",
        ),
        (
            "strategies.\"Dual source\".exits.\"Budget Co\".when_service_below",
            "strategies[0].exits[0].when_service_below",
        ),
        (
            "strategies.\"Dual source\".phases[0].month",
            "strategies[0].phases[0].month",
        ),
        (
            "strategies[0].phases[0].allocation[0].share",
            "strategies[0].phases[0].allocation[0].share",
        ),
        (
            "vendors.\"Budget Co\".contract.volume_tiers[0].discount",
            "vendors[0].contract.volume_tiers[0].discount",
        ),
        (
            "vendors.\"Budget Co\".contract.escalation_cap",
            "vendors[0].contract.escalation_cap",
        ),
        (
            "vendors.Other.failure_rate_per_year",
            "vendors[1].failure_rate_per_year",
        ),
        (
            "objectives.max_backlog_months",
            "objectives.max_backlog_months",
        ),
    ] {
        let resolved = doc
            .resolve(&parse_key(key).unwrap())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(resolved.to_string(), field);
    }
    let e = doc
        .resolve(&parse_key("currencies.EUR.drift_annual").unwrap())
        .unwrap_err();
    assert!(
        e.0.contains("no currency named \"EUR\"") && e.0.contains("\"INR\""),
        "{e}"
    );
    let e = doc
        .resolve(&parse_key("strategies[0].exits.Other.for_months").unwrap())
        .unwrap_err();
    assert!(e.0.contains("\"Budget Co\""), "{e}");
    // A contract table the vendor does not have cannot be reached.
    let e = doc
        .resolve(&parse_key("vendors.Other.contract.min_monthly_fee").unwrap())
        .unwrap_err();
    assert!(e.0.contains("contract"), "{e}");
}

#[test]
fn v2_variants_are_validated_like_any_file() {
    let check = |vary: &str| -> Vec<Result<(), String>> {
        grid_texts(FULL, &[parse_vary(vary).unwrap()])
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|(_, text)| {
                crate::scenario::Scenario::from_toml_str(&text, std::path::Path::new("f.toml"))
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
            .collect()
    };
    let r = check("vendors[0].transition_productivity=0.5,1.5");
    assert!(r[0].is_ok(), "{r:?}");
    assert!(
        r[1].as_ref()
            .is_err_and(|e| e.contains("vendors[0].transition_productivity")),
        "{r:?}"
    );
    let r = check("strategies[0].phases[0].month=1.5x,3x");
    assert!(r[0].is_ok(), "{r:?}");
    assert!(
        r[1].as_ref()
            .is_err_and(|e| e.contains("after the horizon (12 months)")),
        "{r:?}"
    );
    let r = check("vendors[0].contract.volume_tiers[0].discount=0.2,1");
    assert!(r[0].is_ok() && r[1].is_err(), "{r:?}");
    let r = check("vendors[0].failure_rate_per_year=0,0.5");
    assert!(r.iter().all(Result::is_ok), "{r:?}");
}

#[test]
fn multiples_of_phase_months_and_run_lengths_stay_whole() {
    let mut doc = Document::parse(FULL).unwrap();
    put(
        &mut doc,
        "strategies[0].phases[0].month",
        Level::Multiple(1.5),
    )
    .unwrap();
    assert_eq!(
        get(&doc, &["strategies", "0", "phases", "0", "month"]),
        Value::Integer(9)
    );
}

#[test]
fn grids_are_first_key_slowest() {
    let varies = [
        parse_vary("vendors[0].max_fte=10,20").unwrap(),
        parse_vary("demand.base_per_month=1x,2x,3x").unwrap(),
    ];
    let cells = grid_texts(TEXT, &varies).unwrap();
    let idx: Vec<Vec<usize>> = cells.iter().map(|c| c.0.clone()).collect();
    assert_eq!(
        idx,
        vec![
            vec![0, 0],
            vec![0, 1],
            vec![0, 2],
            vec![1, 0],
            vec![1, 1],
            vec![1, 2]
        ]
    );
    assert!(cells[5].1.contains("base_per_month = 3000"));
}

#[test]
fn fixing_a_correlated_input_drops_its_correlations_in_that_variant_only() {
    let text = format!(
        "{TEXT}\n{}",
        r#"[[vendors]]
name = "Other"
attrition_annual = { dist = "uniform", min = 0.2, max = 0.4 }

[[correlations]]
between = ["demand.growth_annual", "vendors.Other.attrition_annual"]
rank = 0.3

[[correlations]]
between = ["vendors[0].defect_rate", "vendors.Other.attrition_annual"]
rank = 0.4
"#
    );
    let correlations = |doc: &Document| match doc.root.get("correlations") {
        Some(Value::Array(a)) => a.len(),
        _ => 0,
    };
    let base = Document::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(correlations(&base), 2);
    // A multiple keeps the value uncertain, and its correlations.
    let mut doc = base.clone();
    put(&mut doc, "demand.growth_annual", Level::Multiple(2.0)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(correlations(&doc), 2);
    // A fixed value has no ranks: the one correlation naming it goes, by name or index.
    let mut doc = base.clone();
    put(&mut doc, "demand.growth_annual", Level::Absolute(0.1)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(correlations(&doc), 1);
    let mut doc = base.clone();
    put(
        &mut doc,
        "vendors.Budget Co.defect_rate",
        Level::Absolute(0.05),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(correlations(&doc), 1);
    put(
        &mut doc,
        "vendors[1].attrition_annual",
        Level::Absolute(0.3),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(doc.root.get("correlations").is_none());
    // Every variant of a grid over the correlated input is a valid scenario.
    for (_, variant) in grid_texts(
        &text,
        &[parse_vary("demand.growth_annual=0.1,0.3").unwrap()],
    )
    .unwrap_or_else(|e| panic!("{e}"))
    {
        let doc = Document::parse(&variant).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(correlations(&doc), 1, "{variant}");
    }
}
