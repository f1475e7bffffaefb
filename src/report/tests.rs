//! Report and index tests over real runs with one, three and eight strategies, and the
//! cheapest rate card.

use std::path::Path;

use super::*;
use crate::charts::fixtures;
use crate::verdict::rate_card_price_per_unit;

/// Text as it must appear in HTML content or a double-quoted attribute.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page with SVG namespace declarations removed: those name a namespace and are
/// never fetched, so they are the only `http` text allowed.
fn without_namespaces(page: &str) -> String {
    page.replace("xmlns=\"http://www.w3.org/2000/svg\"", "")
        .replace("xmlns:xlink=\"http://www.w3.org/1999/xlink\"", "")
}

fn assert_offline(page: &str) {
    let stripped = without_namespaces(page);
    for needle in [
        "http://", "https://", "//cdn", "<script", "<link", "@import", "url(",
    ] {
        assert!(
            !stripped.contains(needle),
            "the page refers to something outside it: {needle}"
        );
    }
}

fn report_for(strategies: usize) -> (Scenario, Results, String) {
    let (scenario, results) = fixtures::run(strategies, 200);
    let charts = charts::render_all(&scenario, &results, &[ImageFormat::Svg]).expect("charts");
    let page = render_report(
        &scenario,
        &results,
        Path::new("scenarios/support.toml"),
        &charts,
    );
    (scenario, results, page)
}

fn check_report(strategies: usize) {
    let (scenario, results, page) = report_for(strategies);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.trim_end().ends_with("</html>"));
    assert!(page.contains(&escaped(&scenario.meta.name)));
    assert!(page.contains("Customer support for a growing product"));
    assert!(page.contains("scenarios/support.toml"));
    for name in &results.strategies {
        assert!(
            page.contains(&escaped(name)),
            "report lacks strategy {name}"
        );
    }
    // The verdict, in the same words as the terminal.
    assert!(page.contains("id=\"verdict\""));
    assert!(page.contains(&escaped(&verdict_line(&scenario, &results))));
    assert!(page.contains("really costs") || page.contains("rate card leaves out"));
    // Every assumption and parameter with its value.
    assert!(page.contains("id=\"assumptions\""));
    for (name, _) in scenario.assumptions.entries() {
        assert!(page.contains(name), "report lacks assumption {name}");
    }
    for v in &scenario.vendors {
        assert!(page.contains(&escaped(&v.name)));
    }
    assert!(page.contains("triangular(0.3, 0.4, 0.6)"));
    assert!(page.contains("$1,800"));
    assert!(page.contains("Self-service portal &lt;beta&gt; &amp; chat"));
    // Summary, pairwise and charts.
    assert!(page.contains("id=\"summary\""));
    assert!(page.contains("id=\"pairwise\""));
    assert_eq!(page.matches("<svg").count(), 8, "eight inline charts");
    assert!(page.contains("<style>"));
    assert_offline(&page);
}

#[test]
fn report_with_one_strategy() {
    check_report(1);
}

#[test]
fn report_with_three_strategies() {
    check_report(3);
}

#[test]
fn report_with_eight_strategies() {
    check_report(8);
}

#[test]
fn report_renders_its_own_charts_when_given_none() {
    let (scenario, results) = fixtures::run(2, 50);
    let page = render_report(&scenario, &results, Path::new("x.toml"), &[]);
    assert_eq!(page.matches("<svg").count(), 8);
    assert_offline(&page);
}

#[test]
fn report_without_objectives_says_success_is_undefined() {
    let text = fixtures::scenario_text(2);
    let cut = text.find("[objectives]").expect("fixture has objectives");
    let scenario = Scenario::from_toml_str(&text[..cut], Path::new("t.toml")).expect("valid");
    let raw = crate::engine::run(&scenario, crate::engine::RunOptions::new(50, 3))
        .unwrap_or_else(|e| panic!("{e}"));
    let results = crate::results::Results::new(&scenario, raw);
    let page = render_report(&scenario, &results, Path::new("t.toml"), &[]);
    assert!(page.contains("sets no objectives"));
    assert!(page.contains("Warnings from validation"));
    assert_offline(&page);
}

#[test]
fn index_links_every_report_and_escapes() {
    let entries = vec![
        IndexEntry {
            scenario_name: "Support <scale-up>".to_string(),
            report_href: "support/report.html".to_string(),
            verdict: "\"Dual\" meets the objectives & costs $1.2M.".to_string(),
        },
        IndexEntry {
            scenario_name: "Back office".to_string(),
            report_href: "back office/report.html".to_string(),
            verdict: "No strategy meets the objectives.".to_string(),
        },
    ];
    let page = render_index(&entries);
    assert!(page.contains("<a href=\"support/report.html\">Support &lt;scale-up&gt;</a>"));
    assert!(page.contains("&quot;Dual&quot; meets the objectives &amp; costs $1.2M."));
    assert!(page.contains("href=\"back%20office/report.html\""));
    assert_offline(&page);
    assert!(render_index(&[]).contains("No scenarios were run."));
}

#[test]
fn ordinals_and_singulars() {
    assert_eq!(ordinal(1), "1st");
    assert_eq!(ordinal(2), "2nd");
    assert_eq!(ordinal(3), "3rd");
    assert_eq!(ordinal(4), "4th");
    assert_eq!(ordinal(11), "11th");
    assert_eq!(ordinal(22), "22nd");
    assert_eq!(singular("tickets"), "ticket");
    assert_eq!(singular("units"), "unit");
    assert_eq!(singular("process"), "process");
}

#[test]
fn a_vendors_rate_card_price_is_its_rate_over_its_units() {
    let scenario = fixtures::scenario(3);
    let prices: Vec<f64> = scenario
        .vendors
        .iter()
        .map(rate_card_price_per_unit)
        .collect();
    // 1,800 / 450, 3,200 / 480 and 5,200 / 420 a unit.
    assert_eq!(prices[0], 4.0);
    assert!(
        (prices[1] - 6.666_666_666_666_667).abs() < 1e-12,
        "{prices:?}"
    );
    assert!(
        (prices[2] - 12.380_952_380_952_381).abs() < 1e-12,
        "{prices:?}"
    );
}

#[test]
fn a_strategys_rate_card_price_weights_its_vendors_by_share() {
    let scenario = fixtures::scenario(3);
    let price = |s: usize| strategy_rate_card_price(&scenario, &scenario.strategies[s]);
    assert_eq!(price(0), Some(4.0));
    // 0.6 x 4 + 0.4 x 20/3 = 76/15.
    let dual = price(2).expect("known vendors");
    assert!((dual - 5.066_666_666_666_666).abs() < 1e-12, "{dual}");
    assert_eq!(cheapest_rate_card(&scenario), Some(0));
}

#[test]
fn the_cheapest_rate_card_is_the_lowest_share_weighted_price() {
    let mut scenario = fixtures::scenario(3);
    // Make the nearshore vendor quote 3,200 / 1,000 = 3.2 a unit: now the cheapest alone,
    // and the dual source (0.6 x 4 + 0.4 x 3.2 = 3.68) sits between.
    scenario.vendors[1].units_per_fte_month = 1000.0;
    assert_eq!(cheapest_rate_card(&scenario), Some(1));
    scenario.strategies.swap(0, 1);
    assert_eq!(cheapest_rate_card(&scenario), Some(0));
    scenario.strategies.clear();
    assert_eq!(cheapest_rate_card(&scenario), None);
}

#[test]
fn a_tie_on_the_rate_card_goes_to_the_strategy_listed_first() {
    let mut scenario = fixtures::scenario(8);
    // "Cheapest offshore" (0) and "Offshore, micromanaged" (4) both buy LowCostCo alone.
    let price = |sc: &Scenario, s: usize| strategy_rate_card_price(sc, &sc.strategies[s]);
    assert_eq!(price(&scenario, 0), price(&scenario, 4));
    assert_eq!(cheapest_rate_card(&scenario), Some(0));
    scenario.strategies.swap(0, 4);
    assert_eq!(scenario.strategies[0].name, "Offshore, micromanaged");
    assert_eq!(cheapest_rate_card(&scenario), Some(0));
}

/// The text of `html` with tags removed.
fn text_of(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The paragraph under "What the cheapest rate card really costs", as text.
fn rate_card_paragraph(page: &str) -> String {
    let heading = "<h3>What the cheapest rate card really costs</h3>";
    let start = page.find(heading).expect("the section is there") + heading.len();
    let end = start + page[start..].find("</p>").expect("its paragraph ends");
    text_of(&page[start..end])
}

#[test]
fn the_rate_card_section_and_chart_name_the_cheapest_rate_card_not_the_least_labor() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/contact_centre_scaleup.toml");
    let scenario = Scenario::load(&file).expect("example scenario");
    let raw = crate::engine::run(
        &scenario,
        crate::engine::RunOptions::new(100, scenario.meta.seed),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let results = crate::results::Results::new(&scenario, raw);
    let rate_card = cheapest_rate_card(&scenario).expect("strategies");
    let least_labor = charts::cheapest_on_labor(&results.summary).expect("strategies");
    assert_eq!(scenario.strategies[rate_card].name, "Cheapest offshore");
    assert_ne!(
        rate_card, least_labor,
        "the example shows a dearer rate card with a smaller labor bill"
    );
    let charts = charts::render_all(&scenario, &results, &[ImageFormat::Svg]).expect("charts");
    let page = render_report(&scenario, &results, &file, &charts);
    let text = rate_card_paragraph(&page);
    assert!(
        text.starts_with(
            "On its rate card, Cheapest offshore is the cheapest strategy, at $1.92 per contact"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{} has the smallest labor bill",
            results.strategies[least_labor]
        )),
        "{text}"
    );
    assert!(!page.contains("price on the rate card"));
    assert_offline(&page);
    // The breakdown chart's subtitle names the same strategy.
    let breakdown = charts
        .iter()
        .find(|f| f.name == "cost_breakdown.svg")
        .expect("breakdown chart");
    let words = text_of(&String::from_utf8_lossy(&breakdown.bytes))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("“Cheapest offshore” has the cheapest rate card"),
        "{words}"
    );
}

/// The part of `page` from the opening tag of the section `id` to its end.
fn section<'p>(page: &'p str, id: &str) -> &'p str {
    let start = page
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &page[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

#[test]
fn the_report_shows_every_run_chart_and_nothing_else() {
    let (scenario, results) = fixtures::run(3, 100);
    let files = charts::render_all(&scenario, &results, &[ImageFormat::Svg]).expect("charts");
    let page = render_report(&scenario, &results, Path::new("support.toml"), &files);
    let charts = section(&page, "charts");
    // Each figure holds one chart whose own SVG title is its caption.
    let figures: Vec<&str> = charts.split("<figure>").skip(1).collect();
    assert_eq!(figures.len(), RUN_CHARTS.len(), "one figure per run chart");
    for (figure, chart) in figures.iter().zip(RUN_CHARTS) {
        let caption = format!(
            "<figcaption><strong>{}</strong> {}",
            escaped(chart.title),
            escaped(chart.reading)
        );
        assert!(
            figure.contains(&caption),
            "{} lacks its caption",
            chart.stem
        );
        assert!(
            figure.contains(&format!(
                "<title>{}</title>",
                charts::xml_escape(chart.title)
            )),
            "the figure captioned {} shows another chart",
            chart.stem
        );
    }
    // Every chart file rendered is a run chart, and the report shows it.
    assert_eq!(files.len(), RUN_CHARTS.len());
    for file in &files {
        let chart = RUN_CHARTS
            .iter()
            .find(|c| format!("{}.svg", c.stem) == file.name)
            .unwrap_or_else(|| panic!("{} is not a run chart", file.name));
        assert!(charts.contains(&escaped(chart.title)));
    }
}

/// The report lists every per-trial output of the registry with its mean, and shows
/// cash paid apart from economic cost.
#[test]
fn the_report_lists_every_output_and_cash_apart_from_economic_cost() {
    let (_, _, page) = report_for(3);
    for m in crate::engine::TRIAL_METRICS {
        assert!(
            page.contains(&format!("<code>{}</code>", m.name)),
            "the report lacks the output {}",
            m.name
        );
        assert!(page.contains(&escaped(m.description)), "{}", m.name);
    }
    assert!(page.contains("Cash paid and economic cost"));
    assert!(page.contains("Economic cost (NPV)"));
    // Defects and delay are marked as the client's economic costs in the breakdown.
    assert!(page.contains("<th>Defects*</th>"));
    assert!(page.contains("<th>Delay*</th>"));
    assert!(!page.contains("<th>Labor*</th>"));
}

/// With `max_backlog_months`, "what breaks first" speaks of breaks, not shortfalls.
#[test]
fn what_breaks_first_reads_breaks_when_the_backlog_limit_is_set() {
    let (_, mut results) = fixtures::run(2, 50);
    let page = |results: &Results| analysis::breaks_section(results).into_string();
    let shortfall = page(&results);
    assert!(shortfall.contains("P(shortfall in any month)"));
    assert!(!shortfall.contains("P(break in any month)"));
    results.max_backlog_months = Some(0.5);
    results.summary[1].first_break_month = Some(4);
    results.summary[1].first_break_month_ci_low = Some(3);
    results.summary[1].first_break_month_ci_high = Some(5);
    results.summary[0].first_break_month = None;
    let breaks = page(&results);
    let mut scenario = fixtures::run(2, 50).0;
    if let Some(o) = scenario.objectives.as_mut() {
        o.max_backlog_months = Some(0.5);
    }
    let report = Report {
        scenario: &scenario,
        results: &results,
        currency: "",
    };
    let question = report.question().into_string();
    assert!(question.contains("No month breaks"), "{question}");
    assert!(breaks.contains("P(break in any month)"));
    assert!(breaks.contains("behind by more than 0.5 months of demand"));
    assert!(breaks.contains("month 4 (95% CI 3 to 5)"));
    assert_eq!(breaks_first(&results), Some(1));
}

#[test]
fn exits_text_averages_over_the_futures_with_an_exit() {
    let s = crate::results::StrategySummary {
        p_exit: 0.5,
        first_exit_month_mean: 6.0,
        exits_mean: 0.5,
        exit_mean: 1000.0,
        ..Default::default()
    };
    let text = analysis::exits_text(&s, true, "USD").expect("a sentence");
    assert!(text.contains("in 50% of futures"), "{text}");
    assert!(
        text.contains("month 12 on average (1 vendor per such future)"),
        "{text}"
    );
    assert!(text.contains(&format_money(2000.0, "USD")), "{text}");
    let quiet = crate::results::StrategySummary::default();
    assert_eq!(
        analysis::exits_text(&quiet, true, "").as_deref(),
        Some("its exit rules never fired in the futures simulated.")
    );
    assert_eq!(analysis::exits_text(&quiet, false, ""), None);
}

#[test]
fn the_report_says_what_exits_did_and_only_when_there_are_any() {
    let text = std::fs::read_to_string("tests/reference/r4_sourcing_over_time.toml")
        .expect("reference case 4")
        .replace("Move offshore, exit to nearshore", "Move <offshore> & exit");
    let scenario = Scenario::from_toml_str(&text, Path::new("r4.toml")).expect("valid");
    let raw = crate::engine::run(&scenario, crate::engine::RunOptions::new(200, 1)).expect("a run");
    let results = Results::new(&scenario, raw);
    let page = render_report(&scenario, &results, Path::new("r4.toml"), &[]);
    let exits = section(&page, "exits");
    let mover = results
        .summary
        .iter()
        .find(|s| s.strategy == "Move <offshore> & exit")
        .expect("the strategy");
    assert!(mover.p_exit > 0.0, "the fixture exits in some futures");
    assert!(
        exits.contains(&escaped("Move <offshore> & exit")),
        "{exits}"
    );
    assert!(!exits.contains("Move <offshore>"), "names are escaped");
    let said = analysis::exits_text(mover, true, &scenario.meta.currency).expect("a sentence");
    assert!(exits.contains(&escaped(&said)), "{exits}");
    assert!(
        page.contains("href=\"#exits\""),
        "the contents link the section"
    );
    // A version 1 file has no exits, and no section about them.
    let (_, _, plain) = report_for(1);
    assert!(!plain.contains("<section id=\"exits\"") && !plain.contains("#exits"));
}

/// Overlap hours take the singular for exactly one hour, in the assumptions table too.
#[test]
fn one_hour_of_overlap_is_singular() {
    assert_eq!(parameters::hours(1.0), "1 hour");
    assert_eq!(parameters::hours(0.5), "0.5 hours");
    assert_eq!(parameters::hours(3.0), "3 hours");
    let (mut scenario, results) = fixtures::run(1, 20);
    for v in &mut scenario.vendors {
        v.overlap_hours = 1.0;
    }
    let page = render_report(&scenario, &results, Path::new("x.toml"), &[]);
    assert!(page.contains(">1 hour<"), "one hour in the vendor table");
    assert!(!page.contains("1 hours"));
}
