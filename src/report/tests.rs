//! Report and index tests over real runs with one, three and eight strategies.

use std::path::Path;

use super::*;
use crate::charts::fixtures;

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
    assert!(page.contains(&esc(&scenario.meta.name)));
    assert!(page.contains("Customer support for a growing product"));
    assert!(page.contains("scenarios/support.toml"));
    for name in &results.strategies {
        assert!(page.contains(&esc(name)), "report lacks strategy {name}");
    }
    // The verdict, in the same words as the terminal.
    assert!(page.contains("id=\"verdict\""));
    assert!(page.contains(&esc(&verdict_line(&scenario, &results))));
    assert!(page.contains("really costs") || page.contains("rate card leaves out"));
    // Every assumption and parameter with its value.
    assert!(page.contains("id=\"assumptions\""));
    for (name, _) in scenario.assumptions.entries() {
        assert!(page.contains(name), "report lacks assumption {name}");
    }
    for v in &scenario.vendors {
        assert!(page.contains(&esc(&v.name)));
    }
    assert!(page.contains("triangular(0.3, 0.4, 0.6)"));
    assert!(page.contains("$1,800"));
    assert!(page.contains("Self-service portal &lt;beta&gt; &amp; chat"));
    // Summary, pairwise and charts.
    assert!(page.contains("id=\"summary\""));
    assert!(page.contains("id=\"pairwise\""));
    assert_eq!(page.matches("<svg").count(), 7, "seven inline charts");
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
    assert_eq!(page.matches("<svg").count(), 7);
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
