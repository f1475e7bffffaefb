//! No text from a scenario file reaches HTML unescaped.
//!
//! Every free-text field a scenario has (scenario name, description, currency, demand
//! unit, roadmap event labels, vendor names, strategy names) carries a hostile payload:
//! markup that would run a script, markup that closes an attribute first, and text that
//! is already made of entities. Rendered through the report, the sensitivity report and
//! the index page, each field must appear only in its escaped form, never raw. The inline
//! SVG charts carry scenario text too, and are checked on their own as well.

use std::path::Path;

use outsim::analysis::sensitivity;
use outsim::charts::{self, ChartFile, ImageFormat};
use outsim::engine::{self, RunOptions};
use outsim::report::{self, IndexEntry};
use outsim::results::Results;
use outsim::scenario::Scenario;

use crate::common::{files_below, outsim, reference, stderr};

/// Payloads for names, labels and the description.
const PAYLOADS: [&str; 3] = [
    "<img src=x onerror=alert(1)>",
    "\"><script>alert(1)</script>",
    "R&amp;D &lt;b&gt; &#60;i&#62;",
];

/// Payloads short enough for the currency and the demand unit (16 characters at most).
const SHORT_PAYLOADS: [&str; 3] = ["<img src=x>", "\"><b>x</b>", "&amp;&lt;b&gt;"];

/// Text as it must appear in HTML content or a double-quoted attribute.
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A hostile scenario: the second reference case with `payload` in every name, label and
/// the description, and `short` as currency and unit. Returns the TOML text and every
/// hostile field as it was written.
fn hostile(payload: &str, short: &str) -> (String, Vec<String>) {
    let field = |what: &str| format!("{payload} {what}");
    let fields = vec![
        field("scenario"),
        field("description"),
        short.to_string(),
        field("event"),
        field("vendor 1"),
        field("vendor 2"),
        field("strategy 1"),
        field("strategy 2"),
        field("strategy 3"),
    ];
    let text = std::fs::read_to_string(reference("r2_dual_source.toml")).expect("read");
    // TOML literal strings: none of the payloads holds a single quote.
    let text = text
        .replace(
            "name = \"Reference dual source\"",
            &format!(
                "name = '{}'\ndescription = '{}'\ncurrency = '{}'",
                fields[0], fields[1], fields[2]
            ),
        )
        .replace("unit = \"orders\"", &format!("unit = '{}'", fields[2]))
        .replace("\"Marketplace launch\"", &format!("'{}'", fields[3]))
        .replace("\"Offshore\"", &format!("'{}'", fields[4]))
        .replace("\"Nearshore\"", &format!("'{}'", fields[5]))
        .replace("\"Offshore only\"", &format!("'{}'", fields[6]))
        .replace("\"Dual source\"", &format!("'{}'", fields[7]))
        .replace("\"Micromanaged offshore\"", &format!("'{}'", fields[8]));
    (text, fields)
}

/// Every hostile scenario, parsed, with its hostile fields.
fn hostile_scenarios() -> Vec<(Scenario, Vec<String>)> {
    PAYLOADS
        .iter()
        .zip(SHORT_PAYLOADS)
        .map(|(payload, short)| {
            let (text, fields) = hostile(payload, short);
            let scenario = Scenario::from_toml_str(&text, Path::new("hostile.toml"))
                .unwrap_or_else(|e| panic!("the hostile scenario is valid: {e}"));
            for f in &fields {
                assert!(text.contains(f.as_str()), "{f} is in the file");
            }
            (scenario, fields)
        })
        .collect()
}

fn run(scenario: &Scenario) -> Results {
    let raw = engine::run(scenario, RunOptions::new(40, 2)).unwrap_or_else(|e| panic!("{e}"));
    Results::new(scenario, raw)
}

fn analyse(scenario: &Scenario) -> (Results, sensitivity::Sensitivity) {
    sensitivity::analyse(scenario, RunOptions::new(40, 2)).unwrap_or_else(|e| panic!("{e}"))
}

/// `page` holds every field escaped and none raw, and no markup a payload could bring.
fn assert_escaped(page: &str, fields: &[String], what: &str) {
    for f in fields {
        assert!(!page.contains(f.as_str()), "{what}: raw {f:?}");
        assert!(page.contains(&escaped(f)), "{what}: lacks escaped {f:?}");
    }
    for markup in ["<img", "<script", "<b>", "<i>"] {
        assert!(!page.contains(markup), "{what}: holds {markup}");
    }
}

/// No chart file holds a field raw.
fn assert_charts_escape(files: &[ChartFile], fields: &[String]) {
    for file in files {
        let svg = String::from_utf8_lossy(&file.bytes);
        for f in fields {
            assert!(!svg.contains(f.as_str()), "{}: raw {f:?}", file.name);
        }
    }
}

#[test]
fn the_report_escapes_every_scenario_field() {
    for (scenario, fields) in hostile_scenarios() {
        let results = run(&scenario);
        let page = report::render_report(&scenario, &results, Path::new("hostile.toml"), &[]);
        assert_eq!(page.matches("<svg").count(), 8, "the charts are inline");
        assert_escaped(&page, &fields, "report.html");
        // The verdict quotes strategy names; it is escaped as a whole.
        assert!(page.contains(&escaped(&report::verdict_line(&scenario, &results))));
    }
}

#[test]
fn the_sensitivity_report_escapes_every_scenario_field() {
    for (scenario, fields) in hostile_scenarios() {
        let (results, sens) = analyse(&scenario);
        assert!(!sens.inputs.is_empty(), "some input varies");
        let tornadoes = charts::render_tornado(&sens, &[ImageFormat::Svg]).expect("tornadoes");
        let page = report::render_report_with_sensitivity(
            &scenario,
            &results,
            Path::new("hostile.toml"),
            &[],
            Some((&sens, &tornadoes)),
        );
        assert!(page.contains("id=\"sensitivity\""));
        assert_escaped(&page, &fields, "sensitivity report.html");
        // Input labels name vendors; those shown (inputs that reach a strategy) are escaped.
        assert!(
            sens.inputs
                .iter()
                .any(|i| i.label.contains(&fields[4]) && page.contains(&escaped(&i.label))),
            "no vendor's input is ranked"
        );
    }
}

#[test]
fn the_index_escapes_names_verdicts_and_links() {
    let mut entries = Vec::new();
    let mut all_fields = Vec::new();
    for (scenario, fields) in hostile_scenarios() {
        let results = run(&scenario);
        entries.push(IndexEntry {
            scenario_name: scenario.meta.name.clone(),
            report_href: format!("{}/report.html", fields[0]),
            verdict: report::verdict_line(&scenario, &results),
        });
        // The index shows the name and the verdict, which names strategies and amounts.
        all_fields.push(fields[0].clone());
        all_fields.push(fields[2].clone());
        all_fields.push(fields[6].clone());
    }
    let page = report::render_index(&entries);
    for f in &all_fields {
        assert!(!page.contains(f.as_str()), "index.html: raw {f:?}");
    }
    for e in &entries {
        assert!(page.contains(&escaped(&e.scenario_name)));
        assert!(page.contains(&escaped(&e.verdict)));
    }
    // Links are percent-encoded, so no payload character survives in an href.
    assert!(
        page.contains(
            "href=\"%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E%20scenario/report.html\""
        )
    );
    for markup in ["<img", "<script", "<b>", "<i>"] {
        assert!(!page.contains(markup), "index.html: holds {markup}");
    }
}

#[test]
fn the_inline_charts_escape_every_scenario_field() {
    for (scenario, fields) in hostile_scenarios() {
        let results = run(&scenario);
        let files = charts::render_all(&scenario, &results, &[ImageFormat::Svg]).expect("charts");
        assert_eq!(files.len(), 8);
        assert_charts_escape(&files, &fields);
        let (_, sens) = analyse(&scenario);
        let tornadoes = charts::render_tornado(&sens, &[ImageFormat::Svg]).expect("tornadoes");
        assert_charts_escape(&tornadoes, &fields);
    }
}

#[test]
fn files_written_by_run_escape_every_scenario_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut all_fields = Vec::new();
    for (i, (payload, short)) in PAYLOADS.iter().zip(SHORT_PAYLOADS).enumerate().take(2) {
        let (text, fields) = hostile(payload, short);
        std::fs::write(dir.path().join(format!("hostile{i}.toml")), text).expect("write");
        all_fields.extend(fields);
    }
    let out = outsim(
        dir.path(),
        &[
            "run",
            "hostile0.toml",
            "hostile1.toml",
            "--trials",
            "30",
            "--format",
            "svg",
            "--out",
            "out",
            "--quiet",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let pages: Vec<_> = files_below(&dir.path().join("out"))
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "html"))
        .collect();
    assert_eq!(pages.len(), 3, "two reports and the index: {pages:?}");
    for page in &pages {
        let html = std::fs::read_to_string(dir.path().join("out").join(page)).expect("read");
        for f in &all_fields {
            assert!(!html.contains(f.as_str()), "{}: raw {f:?}", page.display());
        }
        for markup in ["<img", "<script", "<b>"] {
            assert!(!html.contains(markup), "{}: holds {markup}", page.display());
        }
    }
}
