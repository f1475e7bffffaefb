//! The model v2 keys of a scenario file (MODEL.md V2.1-V2.4, V2.7): a file using all of
//! them validates into the values it states, and every rule that ties them together is
//! refused with exit code 2, the file, line and key path, and nothing written.

use std::path::Path;

use outsim::scenario::{Contract, Pricing, Scenario, Staffing};

use super::common::{outsim, stderr};

/// A valid scenario using every model v2 key.
const BASE: &str = r#"[scenario]
name = "V2 inputs"
horizon_months = 24
trials = 20
seed = 1
currency = "USD"

[demand]
base_per_month = 10000

[[currencies]]
code = "INR"
drift_annual = 0.02
volatility_annual = 0.08

[[currencies]]
code = "PHP"
volatility_annual = 0.06

[[vendors]]
name = "Home"
kind = "inhouse"
rate_per_fte_month = 5000
units_per_fte_month = 400
initial_fte = 25
max_fte = 60
release_cost_per_head = 8000

[[vendors]]
name = "Offshore"
currency = "INR"
rate_per_fte_month = 1800
units_per_fte_month = 380
max_fte = 60
exit_fee = 50000
transition_months = 3
transition_productivity = 0.6
knowledge_transfer_cost = 20000
failure_rate_per_year = 0.05

[vendors.contract]
pricing = "per_fte"
volume_tiers = [{ from = 20, discount = 0.02 }, { from = 40, discount = 0.05 }]
escalation_cap = 0.05

[[vendors]]
name = "PerCase"
currency = "PHP"
units_per_fte_month = 400
max_fte = 60

[vendors.contract]
pricing = "per_unit"
price_per_unit = 4.5
min_monthly_fee = 20000

[[strategies]]
name = "Move"
allocation = [{ vendor = "Home", share = 1.0 }]
staffing = "planned"

[[strategies.phases]]
month = 4
allocation = [{ vendor = "Home", share = 0.5 }, { vendor = "Offshore", share = 0.5 }]

[[strategies.phases]]
month = 10
allocation = [{ vendor = "Offshore", share = 1.0 }]

[[strategies.exits]]
vendor = "Offshore"
when_service_below = 0.8
for_months = 3
fallback = "PerCase"
notice_months = 1

[[strategies]]
name = "Stay"
allocation = [{ vendor = "Home", share = 1.0 }]

[objectives]
min_service_level = 0.9
max_backlog_months = 1.0
"#;

/// [`BASE`] with the one occurrence of `from` replaced by `to`.
fn edited(from: &str, to: &str) -> String {
    assert_eq!(BASE.matches(from).count(), 1, "{from} must occur once");
    BASE.replacen(from, to, 1)
}

/// 1-based line of the first line of `text` holding `needle`.
fn line_at(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not found"));
    text[..at].matches('\n').count() + 1
}

/// `outsim run` of `text` is refused with exit 2, naming the file, the line of `at` and
/// `key` on one line with `says`, with no raw control character, and writing nothing.
fn assert_refused(text: &str, at: &str, key: &str, says: &str) {
    let line = line_at(text, at);
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("v2.toml"), text).expect("write scenario");
    let out = outsim(
        dir.path(),
        &["run", "v2.toml", "--out", "out", "--trials", "20"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{key}: {err}");
    let place = format!("v2.toml:{line}:");
    let named = format!("`{key}`");
    assert!(
        err.lines()
            .any(|l| l.contains(&place) && l.contains(&named) && l.contains(says)),
        "{key}: expected {place}, {named} and {says:?} on one line: {err}"
    );
    assert!(
        !err.chars()
            .any(|c| c != '\n' && outsim::scenario::text::is_refused_char(c)),
        "{key}: raw control text: {err:?}"
    );
    assert!(!dir.path().join("out").exists(), "{key}: output written");
}

fn parse(text: &str) -> Scenario {
    Scenario::from_toml_str(text, Path::new("v2.toml")).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_file_with_every_v2_key_validates_into_what_it_states() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("v2.toml"), BASE).expect("write scenario");
    let out = outsim(dir.path(), &["validate", "v2.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let s = parse(BASE);
    assert_eq!(s.currencies.len(), 2);
    assert_eq!(s.vendors[0].currency, None);
    assert_eq!(s.vendors[1].currency, Some(0));
    assert_eq!(s.vendors[2].currency, Some(1));
    assert_eq!(s.vendors[0].release_cost_per_head, 8000.0);
    assert_eq!(s.vendors[1].contract.volume_tiers.len(), 2);
    assert_eq!(
        s.vendors[2].contract,
        Contract {
            pricing: Pricing::PerUnit,
            price_per_unit: 4.5,
            min_monthly_fee: 20000.0,
            volume_tiers: Vec::new(),
            escalation_cap: None,
        }
    );
    assert_eq!(s.strategies[0].staffing, Staffing::Planned);
    assert_eq!(s.strategies[0].phases.len(), 2);
    assert_eq!(s.strategies[0].exits[0].fallback, 2);
    assert_eq!(s.strategies[1].staffing, Staffing::Reactive);
    assert_eq!(
        s.objectives.as_ref().and_then(|o| o.max_backlog_months),
        Some(1.0)
    );
}

#[test]
fn naming_the_scenario_currency_on_a_vendor_is_the_default() {
    let s = parse(&edited(
        "name = \"Home\"\n",
        "name = \"Home\"\ncurrency = \"USD\"\n",
    ));
    assert_eq!(s.vendors[0].currency, None);
}

#[test]
fn the_rate_per_head_is_required_only_for_per_head_pricing() {
    let text = edited("rate_per_fte_month = 1800\n", "");
    assert_refused(
        &text,
        "[[vendors]]\nname = \"Offshore\"",
        "vendors[1].rate_per_fte_month",
        "required",
    );
    let text = edited(
        "pricing = \"per_fte\"\n",
        "pricing = \"per_good_unit\"\nprice_per_unit = 3\n",
    );
    assert_eq!(
        parse(&text).vendors[1].contract.pricing,
        Pricing::PerGoodUnit
    );
}

#[test]
fn volume_tiers_out_of_order_or_not_above_zero_are_refused() {
    let tiers = "volume_tiers = [{ from = 20, discount = 0.02 }, { from = 40, discount = 0.05 }]";
    let text = edited(
        tiers,
        "volume_tiers = [{ from = 40, discount = 0.02 }, { from = 40, discount = 0.05 }]",
    );
    assert_refused(
        &text,
        "volume_tiers",
        "vendors[1].contract.volume_tiers[1].from",
        "previous tier",
    );
    let text = edited(
        tiers,
        "volume_tiers = [{ from = 0, discount = 0.02 }, { from = 40, discount = 0.05 }]",
    );
    assert_refused(
        &text,
        "volume_tiers",
        "vendors[1].contract.volume_tiers[0].from",
        "must be > 0",
    );
}

#[test]
fn a_discount_of_one_or_a_falling_discount_is_refused() {
    let tiers = "volume_tiers = [{ from = 20, discount = 0.02 }, { from = 40, discount = 0.05 }]";
    let text = edited(
        tiers,
        "volume_tiers = [{ from = 20, discount = 0.02 }, { from = 40, discount = 1 }]",
    );
    assert_refused(
        &text,
        "volume_tiers",
        "vendors[1].contract.volume_tiers[1].discount",
        "< 1",
    );
    let text = edited(
        tiers,
        "volume_tiers = [{ from = 20, discount = 0.05 }, { from = 40, discount = 0.02 }]",
    );
    assert_refused(
        &text,
        "volume_tiers",
        "vendors[1].contract.volume_tiers[1].discount",
        "previous tier's discount",
    );
}

#[test]
fn per_unit_pricing_without_a_price_is_refused() {
    let text = edited("price_per_unit = 4.5\n", "");
    assert_refused(
        &text,
        "[vendors.contract]\npricing = \"per_unit\"",
        "vendors[2].contract.price_per_unit",
        "required with pricing = \"per_unit\"",
    );
}

#[test]
fn an_unknown_pricing_or_staffing_word_is_refused() {
    let text = edited("pricing = \"per_unit\"", "pricing = \"per_call\"");
    assert_refused(
        &text,
        "pricing = \"per_call\"",
        "vendors[2].contract.pricing",
        "\"per_call\"",
    );
    let text = edited("staffing = \"planned\"", "staffing = \"psychic\"");
    assert_refused(
        &text,
        "staffing = ",
        "strategies[0].staffing",
        "\"reactive\" or \"planned\"",
    );
}

#[test]
fn a_currency_nobody_defined_is_refused_listing_the_known_ones() {
    let text = edited("currency = \"PHP\"", "currency = \"EUR\"");
    assert_refused(
        &text,
        "currency = \"EUR\"",
        "vendors[2].currency",
        "unknown currency \"EUR\"",
    );
    let text = edited("currency = \"PHP\"", "currency = \"EUR\"");
    let err = Scenario::from_toml_str(&text, Path::new("v2.toml"))
        .expect_err("refused")
        .to_string();
    assert!(err.contains("\"USD\", \"INR\", \"PHP\""), "{err}");
}

#[test]
fn the_scenario_currency_or_a_code_twice_in_currencies_is_refused() {
    let text = edited("code = \"INR\"", "code = \"USD\"");
    assert_refused(
        &text,
        "code = \"USD\"",
        "currencies[0].code",
        "scenario's own currency",
    );
    let text = edited("code = \"PHP\"", "code = \"inr\"");
    assert_refused(
        &text,
        "code = \"inr\"",
        "currencies[1].code",
        "only by case",
    );
}

#[test]
fn a_drift_of_minus_one_or_less_is_refused() {
    for drift in ["-1", "-1.5"] {
        let text = edited("drift_annual = 0.02", &format!("drift_annual = {drift}"));
        assert_refused(
            &text,
            "drift_annual",
            "currencies[0].drift_annual",
            "must be > -1",
        );
    }
    let text = edited("volatility_annual = 0.06", "volatility_annual = -0.1");
    assert_refused(
        &text,
        "volatility_annual = -0.1",
        "currencies[1].volatility_annual",
        ">= 0",
    );
}

#[test]
fn phase_months_out_of_order_before_two_or_past_the_horizon_are_refused() {
    // Two phases in month 4: the second is refused, on its own line.
    let text = edited("\nmonth = 10", "\nmonth = 4");
    assert_refused(
        &text,
        "month = 4\nallocation = [{ vendor = \"Offshore\"",
        "strategies[0].phases[1].month",
        "is 4, must be after the previous phase's month (4)",
    );

    let text = edited("\nmonth = 4", "\nmonth = 1");
    assert_refused(
        &text,
        "month = 1\nallocation",
        "strategies[0].phases[0].month",
        "at least 2",
    );
    let text = edited("\nmonth = 10", "\nmonth = 25");
    assert_refused(
        &text,
        "month = 25",
        "strategies[0].phases[1].month",
        "after the horizon (24 months)",
    );
}

#[test]
fn phase_allocations_follow_the_allocation_rules() {
    let phase =
        "allocation = [{ vendor = \"Home\", share = 0.5 }, { vendor = \"Offshore\", share = 0.5 }]";
    let text = edited(
        phase,
        "allocation = [{ vendor = \"Home\", share = 0.5 }, { vendor = \"Offshore\", share = 0.4 }]",
    );
    assert_refused(
        &text,
        "share = 0.4",
        "strategies[0].phases[0].allocation",
        "must sum to 1",
    );
    let text = edited(
        phase,
        "allocation = [{ vendor = \"Home\", share = 0.5 }, { vendor = \"Nobody\", share = 0.5 }]",
    );
    assert_refused(
        &text,
        "Nobody",
        "strategies[0].phases[0].allocation[1].vendor",
        "unknown vendor \"Nobody\"",
    );
    let text = edited(
        phase,
        "allocation = [{ vendor = \"Home\", share = 0.5 }, { vendor = \"Home\", share = 0.5 }]",
    );
    assert_refused(
        &text,
        "vendor = \"Home\", share = 0.5 }, { vendor = \"Home\"",
        "strategies[0].phases[0].allocation[1].vendor",
        "appears twice",
    );
    let text = edited(phase, "allocation = []");
    assert_refused(
        &text,
        "allocation = []",
        "strategies[0].phases[0].allocation",
        "at least one vendor",
    );
}

/// [`BASE`] with a second exit rule in the strategy "Move".
fn with_exit(rule: &str) -> String {
    edited(
        "[[strategies]]\nname = \"Stay\"",
        &format!("[[strategies.exits]]\n{rule}\n\n[[strategies]]\nname = \"Stay\""),
    )
}

#[test]
fn an_exit_for_a_vendor_the_strategy_never_uses_is_refused() {
    let text = edited(
        "allocation = [{ vendor = \"Home\", share = 1.0 }]\n\n[objectives]",
        "allocation = [{ vendor = \"Home\", share = 1.0 }]\n\n[[strategies.exits]]\nvendor = \"Offshore\"\nwhen_service_below = 0.5\nfallback = \"Home\"\n\n[objectives]",
    );
    assert_refused(
        &text,
        "vendor = \"Offshore\"\nwhen_service_below = 0.5",
        "strategies[1].exits[0].vendor",
        "not used by this strategy",
    );
    // A vendor reached only as another rule's fallback is the strategy's: a chain.
    let text = with_exit("vendor = \"PerCase\"\nwhen_service_below = 0.5\nfallback = \"Home\"");
    assert_eq!(parse(&text).strategies[0].exits.len(), 2);
}

#[test]
fn a_fallback_equal_to_the_vendor_or_unknown_is_refused() {
    let text = edited("fallback = \"PerCase\"", "fallback = \"Offshore\"");
    assert_refused(
        &text,
        "fallback = \"Offshore\"",
        "strategies[0].exits[0].fallback",
        "the vendor this rule leaves",
    );
    let long = "Z".repeat(150);
    let text = edited("fallback = \"PerCase\"", &format!("fallback = \"{long}\""));
    assert_refused(
        &text,
        "fallback = \"ZZ",
        "strategies[0].exits[0].fallback",
        "unknown vendor",
    );
    let err = Scenario::from_toml_str(&text, Path::new("v2.toml"))
        .expect_err("refused")
        .to_string();
    assert!(err.contains(&format!("\"{}\"…", "Z".repeat(60))), "{err}");
    assert!(!err.contains(&long), "{err}");
}

#[test]
fn two_rules_for_one_vendor_or_a_zero_month_run_are_refused() {
    let text = with_exit("vendor = \"Offshore\"\nwhen_service_below = 0.5\nfallback = \"Home\"");
    assert_refused(
        &text,
        "vendor = \"Offshore\"\nwhen_service_below = 0.5",
        "strategies[0].exits[1].vendor",
        "exits[0] already names it",
    );
    let text = edited("for_months = 3", "for_months = 0");
    assert_refused(
        &text,
        "for_months = 0",
        "strategies[0].exits[0].for_months",
        "between 1 and 600",
    );
    let text = edited("when_service_below = 0.8", "when_service_below = 1.2");
    assert_refused(
        &text,
        "when_service_below",
        "strategies[0].exits[0].when_service_below",
        "<= 1",
    );
}

#[test]
fn an_in_house_team_that_can_fail_is_refused() {
    let text = edited(
        "release_cost_per_head = 8000",
        "release_cost_per_head = 8000\nfailure_rate_per_year = 0.1",
    );
    assert_refused(
        &text,
        "failure_rate_per_year = 0.1",
        "vendors[0].failure_rate_per_year",
        "must be 0 for kind = \"inhouse\"",
    );
    let text = edited(
        "release_cost_per_head = 8000",
        "release_cost_per_head = 8000\nfailure_rate_per_year = 0",
    );
    assert_eq!(parse(&text).vendors[0].failure_rate_per_year, 0.0);
}

#[test]
fn transition_productivity_and_failure_rate_outside_their_ranges_are_refused() {
    for bad in ["-0.1", "1.5"] {
        let text = edited(
            "transition_productivity = 0.6",
            &format!("transition_productivity = {bad}"),
        );
        assert_refused(
            &text,
            "transition_productivity",
            "vendors[1].transition_productivity",
            "must be",
        );
    }
    for bad in ["-1", "1200.5"] {
        let text = edited(
            "failure_rate_per_year = 0.05",
            &format!("failure_rate_per_year = {bad}"),
        );
        assert_refused(
            &text,
            "failure_rate_per_year",
            "vendors[1].failure_rate_per_year",
            "must be",
        );
    }
    let text = edited(
        "failure_rate_per_year = 0.05",
        "failure_rate_per_year = 1200",
    );
    assert_eq!(parse(&text).vendors[1].failure_rate_per_year, 1200.0);
}

#[test]
fn a_backlog_tolerance_of_zero_is_refused() {
    let text = edited("max_backlog_months = 1.0", "max_backlog_months = 0");
    assert_refused(
        &text,
        "max_backlog_months",
        "objectives.max_backlog_months",
        "must be > 0",
    );
}

#[test]
fn unknown_keys_in_the_new_tables_are_refused() {
    for (from, to, key) in [
        (
            "min_monthly_fee = 20000",
            "min_monthly_fee = 20000\nfloor = 1",
            "vendors[2].contract.floor",
        ),
        (
            "volatility_annual = 0.06",
            "volatility_annual = 0.06\nrate = 1",
            "currencies[1].rate",
        ),
        (
            "notice_months = 1",
            "notice_months = 1\ngrace = 1",
            "strategies[0].exits[0].grace",
        ),
        (
            "\nmonth = 10",
            "\nmonth = 10\nlabel = \"x\"",
            "strategies[0].phases[1].label",
        ),
    ] {
        let text = edited(from, to);
        let at = to.lines().last().expect("line");
        assert_refused(&text, at, key, "unknown key");
    }
}

#[test]
fn control_characters_in_currency_codes_are_refused_and_echoed_escaped() {
    let text = edited("code = \"INR\"", "code = \"IN\\u001B]0;x\\u0007R\"");
    assert_refused(
        &text,
        "code = \"IN",
        "currencies[0].code",
        "control character",
    );
    let text = edited("currency = \"INR\"", "currency = \"I\\u202ENR\"");
    assert_refused(
        &text,
        "currency = \"I",
        "vendors[1].currency",
        "control character",
    );
    let long = "C".repeat(17);
    let text = edited("code = \"PHP\"", &format!("code = \"{long}\""));
    assert_refused(&text, "code = \"CC", "currencies[1].code", "at most 16");
}

#[test]
fn a_price_per_unit_under_per_head_pricing_is_unused_and_warned_about() {
    let text = edited(
        "pricing = \"per_fte\"",
        "pricing = \"per_fte\"\nprice_per_unit = 9",
    );
    let s = parse(&text);
    assert_eq!(s.vendors[1].contract.price_per_unit, 0.0);
    let line = line_at(&text, "price_per_unit = 9");
    assert!(
        s.warnings.iter().any(|w| w.starts_with(&format!(
            "line {line}: `vendors[1].contract.price_per_unit`: pricing is per head"
        ))),
        "{:?}",
        s.warnings
    );
    assert!(
        parse(BASE).warnings.is_empty(),
        "{:?}",
        parse(BASE).warnings
    );
}

/// Every number of [`BASE`] a model v2 key sets: the text it stands in and its key path.
const V2_NUMBERS: [(&str, &str); 20] = [
    ("drift_annual = 0.02", "currencies[0].drift_annual"),
    (
        "volatility_annual = 0.08",
        "currencies[0].volatility_annual",
    ),
    (
        "release_cost_per_head = 8000",
        "vendors[0].release_cost_per_head",
    ),
    ("exit_fee = 50000", "vendors[1].exit_fee"),
    ("transition_months = 3", "vendors[1].transition_months"),
    (
        "transition_productivity = 0.6",
        "vendors[1].transition_productivity",
    ),
    (
        "knowledge_transfer_cost = 20000",
        "vendors[1].knowledge_transfer_cost",
    ),
    (
        "failure_rate_per_year = 0.05",
        "vendors[1].failure_rate_per_year",
    ),
    ("from = 20,", "vendors[1].contract.volume_tiers[0].from"),
    (
        "discount = 0.05",
        "vendors[1].contract.volume_tiers[1].discount",
    ),
    (
        "escalation_cap = 0.05",
        "vendors[1].contract.escalation_cap",
    ),
    ("price_per_unit = 4.5", "vendors[2].contract.price_per_unit"),
    (
        "min_monthly_fee = 20000",
        "vendors[2].contract.min_monthly_fee",
    ),
    ("\nmonth = 4", "strategies[0].phases[0].month"),
    ("\nmonth = 10", "strategies[0].phases[1].month"),
    (
        "share = 0.5 }, { vendor = \"Offshore\"",
        "strategies[0].phases[0].allocation[0].share",
    ),
    (
        "when_service_below = 0.8",
        "strategies[0].exits[0].when_service_below",
    ),
    ("for_months = 3", "strategies[0].exits[0].for_months"),
    ("notice_months = 1", "strategies[0].exits[0].notice_months"),
    ("max_backlog_months = 1.0", "objectives.max_backlog_months"),
];

/// Numbers as a user might type them: ordinary, negative, huge, tiny, whole or not, in
/// TOML's other spellings, or not numbers at all.
fn typed_number() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        (-1e6f64..1e6).prop_map(|x| format!("{x}")),
        (-2000i64..2000).prop_map(|x| x.to_string()),
        any::<f64>().prop_map(|x| format!("{x:e}")),
        Just("inf".to_string()),
        Just("-inf".to_string()),
        Just("nan".to_string()),
        Just("1e400".to_string()),
        Just("0x10".to_string()),
        Just("\"12\"".to_string()),
        Just("true".to_string()),
        Just("[1, 2]".to_string()),
        Just("{ dist = \"uniform\", min = 0, max = 1 }".to_string()),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 192, ..Default::default() })]

    /// Whatever number is typed for a model v2 key, validation answers without a panic:
    /// the file is accepted with that value in range, or refused naming that key.
    #[test]
    fn any_value_of_a_v2_number_is_accepted_or_refused_naming_its_key(
        which in 0..V2_NUMBERS.len(),
        value in typed_number(),
    ) {
        let (at, key) = V2_NUMBERS[which];
        let (prefix, rest) = at.split_at(at.find(" = ").expect("a key = value") + 3);
        let tail = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
        let text = edited(at, &format!("{prefix}{value}{tail}"));
        if let Err(e) = Scenario::from_toml_str(&text, Path::new("v2.toml")) {
            // The key itself; a table holding it (shares that no longer sum to 1) or, for
            // text TOML cannot read at all (`1e400`), the whole file; or, for entries that
            // must stay in order (phases, tiers), another entry of the same list.
            let list = ["phases", "volume_tiers"]
                .iter()
                .find_map(|l| key.find(&format!(".{l}[")).map(|at| &key[..at + l.len() + 1]))
                .unwrap_or(key);
            proptest::prop_assert!(
                e.issues()
                    .iter()
                    .any(|i| i.key.starts_with(list) || key.starts_with(&i.key)),
                "{key} = {value}: {e}"
            );
        }
    }
}
