//! Scenario files and `--vary` keys written to cause trouble: control characters and
//! bidi overrides in names, over-long text, names that differ only by case or spaces,
//! huge numbers, and stress axes that alias or vary what is not a model input. Each is
//! refused with exit code 2, a message naming the file, line, column and key (printed
//! escaped and short), and nothing written.

use std::path::Path;

use outsim::scenario::{MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_UNIT_CHARS, Scenario};
use proptest::prelude::*;
use proptest::test_runner::Config;

use super::common::{outsim, stderr};

/// A valid scenario; every `@FIELD@` is replaced by TOML-escaped text.
const TEMPLATE: &str = r#"[scenario]
name = "@NAME@"
description = "@DESCRIPTION@"
horizon_months = 12
trials = 50
seed = 3
currency = "@CURRENCY@"

[demand]
unit = "@UNIT@"
base_per_month = 1000

[[demand.events]]
month = 6
multiplier = 1.2
label = "@LABEL@"

[[vendors]]
name = "@VENDOR@"
rate_per_fte_month = 1000
units_per_fte_month = 100
initial_fte = 10
max_fte = 20
attrition_annual = { dist = "uniform", min = 0.1, max = 0.2 }

[[vendors]]
name = "Home team"
kind = "inhouse"
rate_per_fte_month = 1500
units_per_fte_month = 100
initial_fte = 5
max_fte = 20

[[strategies]]
name = "@STRATEGY@"
allocation = [{ vendor = "@VENDOR@", share = 1.0 }]

[[strategies]]
name = "Split"
allocation = [{ vendor = "@VENDOR@", share = 0.5 }, { vendor = "Home team", share = 0.5 }]

[objectives]
min_service_level = 0.9
"#;

/// The text fields of [`TEMPLATE`]: placeholder, key path, and a valid value.
const FIELDS: [(&str, &str, &str); 7] = [
    ("@NAME@", "scenario.name", "Hostile test"),
    (
        "@DESCRIPTION@",
        "scenario.description",
        "A plain description",
    ),
    ("@CURRENCY@", "scenario.currency", "USD"),
    ("@UNIT@", "demand.unit", "tickets"),
    ("@LABEL@", "demand.events[0].label", "Launch"),
    ("@VENDOR@", "vendors[0].name", "Budget"),
    ("@STRATEGY@", "strategies[0].name", "Budget only"),
];

/// Single-line fields, with their limits.
const LINE_FIELDS: [(&str, usize); 6] = [
    ("scenario.name", MAX_NAME_CHARS),
    ("scenario.currency", MAX_UNIT_CHARS),
    ("demand.unit", MAX_UNIT_CHARS),
    ("demand.events[0].label", MAX_NAME_CHARS),
    ("vendors[0].name", MAX_NAME_CHARS),
    ("strategies[0].name", MAX_NAME_CHARS),
];

/// Characters refused in every single-line field.
const REFUSED: [char; 12] = [
    '\u{1b}', '\u{7}', '\r', '\0', '\n', '\t', '\u{7f}', '\u{85}', '\u{202e}', '\u{2067}',
    '\u{2028}', '\u{2029}',
];

/// `text` as the inside of a TOML basic string: quotes, backslashes and control
/// characters escaped, everything else as is.
fn toml_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// [`TEMPLATE`] with `key` set to `value` and every other field valid.
fn scenario_with(key: &str, value: &str) -> String {
    let mut text = TEMPLATE.to_string();
    for (placeholder, field, valid) in FIELDS {
        let v = if field == key { value } else { valid };
        text = text.replace(placeholder, &toml_escape(v));
    }
    text
}

/// 1-based line of the first line of `text` holding `needle`.
fn line_at(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not found"));
    text[..at].matches('\n').count() + 1
}

/// The line a field's value stands on: its placeholder's line in [`TEMPLATE`] (values
/// are written on one line, escaped).
fn line_of_field(key: &str) -> usize {
    let (placeholder, _, _) = FIELDS
        .into_iter()
        .find(|(_, field, _)| *field == key)
        .unwrap_or_else(|| panic!("no field {key}"));
    line_at(TEMPLATE, placeholder)
}

/// Whether the terminal would act on any character of `text` (line feeds aside).
fn has_raw_controls(text: &str) -> bool {
    text.chars()
        .any(|c| c != '\n' && outsim::scenario::text::is_refused_char(c))
}

/// `outsim run` of `text` is refused with exit 2, the file, line and key named, the
/// message free of raw control characters, and no output folder written.
fn assert_refused(text: &str, key: &str, line: usize, what: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("hostile.toml"), text).expect("write scenario");
    let out = outsim(
        dir.path(),
        &["run", "hostile.toml", "--out", "out", "--trials", "20"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    let place = format!("hostile.toml:{line}:");
    let named = format!("`{key}`");
    assert!(
        err.lines()
            .any(|l| l.contains(&place) && l.contains(&named)),
        "{what}: expected {place} and {named} on one line: {err:?}"
    );
    assert!(!has_raw_controls(&err), "{what}: raw control text: {err:?}");
    assert!(!dir.path().join("out").exists(), "{what}: output written");
}

/// `outsim validate` of `text` succeeds.
fn assert_accepted(text: &str, what: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("ok.toml"), text).expect("write scenario");
    let out = outsim(dir.path(), &["validate", "ok.toml"]);
    assert!(out.status.success(), "{what}: {}", stderr(&out));
}

#[test]
fn control_characters_in_names_labels_and_units_are_refused_with_file_line_and_key() {
    for (key, _) in LINE_FIELDS {
        for c in REFUSED {
            let value = format!("Bad{c}name");
            let text = scenario_with(key, &value);
            let what = format!("{key} with {}", c.escape_unicode());
            assert_refused(&text, key, line_of_field(key), &what);
        }
    }
}

#[test]
fn descriptions_keep_line_feeds_and_tabs_but_no_other_control_character() {
    assert_accepted(
        &scenario_with("scenario.description", "First line\n\tindented second line"),
        "a description with a line feed and a tab",
    );
    for c in REFUSED.into_iter().filter(|c| !matches!(c, '\n' | '\t')) {
        let text = scenario_with("scenario.description", &format!("Bad{c}text"));
        let what = format!("description with {}", c.escape_unicode());
        let line = line_of_field("scenario.description");
        assert_refused(&text, "scenario.description", line, &what);
    }
}

#[test]
fn text_longer_than_its_limit_is_refused_naming_the_key() {
    let limits = LINE_FIELDS
        .into_iter()
        .chain([("scenario.description", MAX_DESCRIPTION_CHARS)]);
    for (key, limit) in limits {
        // Characters are counted, not bytes: `é` is two bytes, `€` three.
        for letter in ["e", "é", "€"] {
            assert_accepted(
                &scenario_with(key, &letter.repeat(limit)),
                &format!("{key} of {limit} × {letter}"),
            );
        }
        let text = scenario_with(key, &"é".repeat(limit + 1));
        let line = line_of_field(key);
        assert_refused(
            &text,
            key,
            line,
            &format!("{key} of {} characters", limit + 1),
        );
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("long.toml"), &text).expect("write");
        let out = outsim(dir.path(), &["validate", "long.toml"]);
        assert!(
            stderr(&out).contains(&format!("at most {limit}")),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn empty_and_space_padded_names_are_refused() {
    for key in ["scenario.name", "vendors[0].name", "strategies[0].name"] {
        for name in ["", "   ", " Budget", "Budget ", "\u{a0}Budget"] {
            let text = scenario_with(key, name);
            let line = line_of_field(key);
            assert_refused(&text, key, line, &format!("{key} = {name:?}"));
        }
    }
}

#[test]
fn names_that_differ_only_by_case_are_refused() {
    let text = scenario_with("vendors[0].name", "HOME TEAM");
    let line = line_at(&text, "name = \"Home team\"");
    assert_refused(
        &text,
        "vendors[1].name",
        line,
        "vendors HOME TEAM and Home team",
    );
    let text = scenario_with("strategies[0].name", "split");
    let line = line_at(&text, "name = \"Split\"");
    assert_refused(
        &text,
        "strategies[1].name",
        line,
        "strategies split and Split",
    );
}

#[test]
fn huge_numbers_keep_error_messages_short() {
    let base = scenario_with("", "");
    let cases = [
        ("base_per_month = 1000", "1e308", "demand.base_per_month"),
        (
            "multiplier = 1.2",
            "-1.7976931348623157e308",
            "demand.events[0].multiplier",
        ),
        ("max = 0.2 }", "1e300", "vendors[0].attrition_annual.max"),
        ("min = 0.1,", "-5e-324", "vendors[0].attrition_annual.min"),
    ];
    for (from, number, key) in cases {
        let (name, _) = from.split_once(" = ").unwrap_or_default();
        let end = if from.ends_with(',') {
            ","
        } else if from.ends_with('}') {
            " }"
        } else {
            ""
        };
        let text = base.replace(from, &format!("{name} = {number}{end}"));
        assert_ne!(text, base, "{from} not in the template");
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("huge.toml"), &text).expect("write");
        let out = outsim(dir.path(), &["validate", "huge.toml"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{key} = {number}: {err}");
        assert!(
            err.contains(&format!("`{key}`: is {number},")),
            "{key} = {number}: {err}"
        );
        for line in err.lines() {
            assert!(
                line.chars().count() < 200,
                "{key} = {number}: long line {line}"
            );
        }
    }
}

#[test]
fn messages_show_file_text_escaped_and_cut() {
    let base = scenario_with("", "");
    let long = "x".repeat(5000);
    let cases = [
        (
            "kind = \"inhouse\"".to_string(),
            "kind = \"\\u001B]0;owned\\u0007\"".to_string(),
            "vendors[1].kind",
        ),
        (
            "dist = \"uniform\"".to_string(),
            format!("dist = \"uniform{long}\""),
            "vendors[0].attrition_annual.dist",
        ),
        (
            "[objectives]".to_string(),
            "[objectives]\n\"\\u001B[2J\" = 1".to_string(),
            "objectives.\"\\u{1b}[2J\"",
        ),
        (
            "{ vendor = \"Home team\"".to_string(),
            format!("{{ vendor = \"Home team{long}\""),
            "strategies[1].allocation[1].vendor",
        ),
    ];
    for (from, to, key) in cases {
        let text = base.replace(&from, &to);
        assert_ne!(text, base, "{from} not in the template");
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("odd.toml"), &text).expect("write");
        let out = outsim(dir.path(), &["validate", "odd.toml"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{to}: {err}");
        assert!(err.contains(&format!("`{key}`")), "{key}: {err}");
        assert!(!has_raw_controls(&err), "{key}: raw control text: {err:?}");
        for line in err.lines() {
            assert!(line.chars().count() < 400, "{key}: long line {line}");
        }
    }
}

/// The stress scenario: [`TEMPLATE`] with its valid values.
fn stress_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("stress.toml"), scenario_with("", "")).expect("write");
    dir
}

/// `outsim stress` with `varies` exits 2, its message naming every one of `named`,
/// and writes nothing.
fn assert_stress_refused(varies: &[&str], named: &[&str]) {
    let dir = stress_dir();
    let mut args = vec!["stress", "stress.toml", "--trials", "20", "--out", "out"];
    for v in varies {
        args.extend(["--vary", v]);
    }
    let out = outsim(dir.path(), &args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{varies:?}: {err}");
    for n in named {
        assert!(err.contains(n), "{varies:?}: {n} not named: {err}");
    }
    assert!(
        !dir.path().join("out").exists(),
        "{varies:?}: output written"
    );
}

#[test]
fn stress_axes_that_reach_the_same_field_are_refused_naming_both_keys() {
    for pair in [
        ["vendors.Budget.max_fte=15,20", "vendors[0].max_fte=30,40"],
        [
            "strategies.\"Budget only\".capacity_buffer=0,0.1",
            "strategies[0].capacity_buffer=0.2,0.3",
        ],
        [
            "vendors[0].attrition_annual=1x,2x",
            "vendors.Budget.attrition_annual.max=0.3,0.4",
        ],
        [
            "demand.events[0].month=3,4",
            "demand.\"events\"[0].month=5,6",
        ],
    ] {
        let keys: Vec<&str> = pair
            .iter()
            .map(|v| v.split('=').next().unwrap_or(""))
            .collect();
        assert_stress_refused(&pair, &keys);
    }
}

#[test]
fn stress_keys_that_are_not_model_inputs_are_refused_listing_what_can_be_varied() {
    for vary in [
        "scenario.trials=10,20",
        "scenario.seed=1,2",
        "scenario.name=1,2",
        "scenario.currency=1,2",
        "demand.unit=1,2",
        "demand.events[0].label=1,2",
        "vendors.Budget.name=1,2",
        "vendors[1].kind=1,2",
        "strategies.Split.overflow=0,1",
        "vendors.Budget.attrition_annual.dist=1,2",
    ] {
        let key = vary.split('=').next().unwrap_or("");
        assert_stress_refused(&[vary], &[key, "what can be varied", "vendors[N].{"]);
    }
}

/// A name made of characters that are allowed anywhere, 1 to `max` of them, with no
/// surrounding spaces.
fn clean_text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 1..=max)
        .prop_map(|chars| {
            chars
                .into_iter()
                .filter(|c| !outsim::scenario::text::is_refused_char(*c))
                .collect::<String>()
                .trim()
                .to_string()
        })
        .prop_filter("needs a visible character", |s| !s.is_empty())
}

/// A refused character: Cc, a bidi override or isolate, or a line separator.
fn refused_char() -> impl Strategy<Value = char> {
    prop_oneof![
        (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap_or('\0')),
        (0x7fu32..0xa0).prop_map(|c| char::from_u32(c).unwrap_or('\0')),
        (0x202au32..=0x202e).prop_map(|c| char::from_u32(c).unwrap_or('\0')),
        (0x2066u32..=0x2069).prop_map(|c| char::from_u32(c).unwrap_or('\0')),
        Just('\u{2028}'),
        Just('\u{2029}'),
    ]
}

fn validate(text: &str) -> Result<Scenario, outsim::scenario::ScenarioError> {
    Scenario::from_toml_str(text, Path::new("prop.toml"))
}

proptest! {
    #![proptest_config(Config { cases: 96, ..Config::default() })]

    #[test]
    fn any_text_with_a_refused_character_in_a_name_field_is_refused(
        field in 0..LINE_FIELDS.len(),
        text in clean_text(12),
        at in any::<proptest::sample::Index>(),
        c in refused_char(),
    ) {
        let (key, _) = LINE_FIELDS[field];
        let mut chars: Vec<char> = text.chars().collect();
        chars.insert(at.index(chars.len() + 1), c);
        let value: String = chars.into_iter().collect();
        let e = match validate(&scenario_with(key, &value)) {
            Ok(_) => return Err(TestCaseError::fail(format!("{key} = {value:?} accepted"))),
            Err(e) => e,
        };
        prop_assert!(
            e.issues().iter().any(|i| i.key == key && i.line.is_some() && i.column.is_some()),
            "{key} = {value:?}: {e}"
        );
    }

    #[test]
    fn any_text_within_limits_and_free_of_refused_characters_is_accepted(
        field in 0..LINE_FIELDS.len(),
        text in clean_text(MAX_NAME_CHARS),
    ) {
        let (key, limit) = LINE_FIELDS[field];
        let value: String = text.chars().take(limit).collect::<String>().trim_end().to_string();
        // Names that differ from the template's others only by case are refused.
        let taken = (key == "strategies[0].name" && value.to_lowercase() == "split")
            || (key == "vendors[0].name" && value.to_lowercase() == "home team");
        let value = if taken { format!("{value} 2") } else { value };
        let scenario = validate(&scenario_with(key, &value));
        prop_assert!(scenario.is_ok(), "{key} = {value:?}: {:?}", scenario.err());
        let scenario = scenario.map_err(|e| TestCaseError::fail(e.to_string()))?;
        let stored = match key {
            "scenario.name" => scenario.meta.name.clone(),
            "scenario.currency" => scenario.meta.currency.clone(),
            "demand.unit" => scenario.demand.unit.clone(),
            "demand.events[0].label" => scenario.demand.events[0].label.clone(),
            "vendors[0].name" => scenario.vendors[0].name.clone(),
            _ => scenario.strategies[0].name.clone(),
        };
        prop_assert_eq!(stored, value);
    }
}
