//! Chart tests over real runs with one, three and eight strategies: every file exists, PNGs
//! are 1920 x 1080 and not blank, SVGs are well-formed XML carrying their titles. Then
//! hostile text: whatever a scenario's names, labels, currency and unit hold, every chart
//! renders without a panic and every SVG stays well-formed, with the text escaped.

use super::*;
use crate::charts::fixtures;

/// Check that `text` is well-formed XML: one root, nested tags that match, quoted
/// attributes, and only the predefined or numeric entities.
pub(crate) fn check_xml(text: &str) -> Result<(), String> {
    fn entity_ok(rest: &str) -> bool {
        let Some(end) = rest.find(';') else {
            return false;
        };
        let name = &rest[1..end];
        matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
            || name
                .strip_prefix("#x")
                .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
            || name
                .strip_prefix('#')
                .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
    }
    fn check_text(t: &str) -> Result<(), String> {
        for (i, _) in t.match_indices('&') {
            if !entity_ok(&t[i..]) {
                return Err(format!(
                    "bad entity near {:?}",
                    &t[i..(i + 12).min(t.len())]
                ));
            }
        }
        Ok(())
    }
    // XML 1.0 allows no other control characters, not even as references.
    if let Some(c) = text.chars().find(|&c| {
        matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}')
            || c == '\u{FFFE}'
            || c == '\u{FFFF}'
    }) {
        return Err(format!("character {c:?} is not allowed in XML"));
    }
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let before = &rest[..open];
        if stack.is_empty() && !before.trim().is_empty() {
            return Err(format!("text outside the root: {:?}", before.trim()));
        }
        check_text(before)?;
        rest = &rest[open..];
        if rest.starts_with("<?") {
            let end = rest.find("?>").ok_or("unclosed declaration")?;
            rest = &rest[end + 2..];
            continue;
        }
        if rest.starts_with("<!--") {
            let end = rest.find("-->").ok_or("unclosed comment")?;
            rest = &rest[end + 3..];
            continue;
        }
        if rest.starts_with("<!") {
            let end = rest.find('>').ok_or("unclosed doctype")?;
            rest = &rest[end + 1..];
            continue;
        }
        // Find the end of the tag, honouring quoted attribute values.
        let mut quote: Option<char> = None;
        let mut end = None;
        for (i, ch) in rest.char_indices().skip(1) {
            match (quote, ch) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), '<') => return Err("< inside an attribute value".to_string()),
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(ch),
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                (None, '<') => return Err("< inside a tag".to_string()),
                _ => {}
            }
        }
        let end = end.ok_or("unclosed tag")?;
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let name: String = body.chars().take_while(|c| !c.is_whitespace()).collect();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || "-_:.".contains(c))
        {
            return Err(format!("bad tag name {name:?}"));
        }
        // Attributes: name="value" pairs.
        let mut attrs = body[name.len()..].trim();
        while !attrs.is_empty() {
            let eq = attrs
                .find('=')
                .ok_or(format!("attribute without value in <{name}>"))?;
            let attr = attrs[..eq].trim();
            if attr.is_empty() || attr.contains(char::is_whitespace) {
                return Err(format!("bad attribute {attr:?} in <{name}>"));
            }
            let after = attrs[eq + 1..].trim_start();
            let q = after.chars().next().ok_or("missing attribute value")?;
            if q != '"' && q != '\'' {
                return Err(format!("unquoted attribute {attr} in <{name}>"));
            }
            let close = after[1..].find(q).ok_or("unclosed attribute value")? + 1;
            check_text(&after[1..close])?;
            attrs = after[close + 1..].trim_start();
        }
        if stack.is_empty() {
            roots += 1;
        }
        if !self_closing {
            stack.push(name);
        }
    }
    if !rest.trim().is_empty() {
        return Err("text after the root".to_string());
    }
    if !stack.is_empty() {
        return Err(format!("unclosed elements {stack:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(())
}

/// Decode a PNG into (width, height, RGB pixels).
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(bytes);
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Share of pixels that are not white, and the number of distinct colours.
fn ink(rgb: &[u8]) -> (f64, usize) {
    let mut colours = std::collections::HashSet::new();
    let mut inked = 0usize;
    for px in rgb.chunks_exact(3) {
        if px != [255, 255, 255] {
            inked += 1;
        }
        if colours.len() < 5000 {
            colours.insert([px[0], px[1], px[2]]);
        }
    }
    (inked as f64 / (rgb.len() / 3) as f64, colours.len())
}

fn check_run(strategies: usize) {
    let (scenario, results) = fixtures::run(strategies, 200);
    let files = render_all(&scenario, &results, &[ImageFormat::Png, ImageFormat::Svg])
        .expect("charts render");
    assert_eq!(files.len(), 16);
    for chart in RUN_CHARTS {
        let png = files
            .iter()
            .find(|f| f.name == format!("{}.png", chart.stem))
            .unwrap_or_else(|| panic!("{}.png missing", chart.stem));
        let (w, h, rgb) = decode_png(&png.bytes);
        assert_eq!((w, h), (1920, 1080), "{}", png.name);
        let (share, colours) = ink(&rgb);
        assert!(share > 0.02, "{} is nearly blank: {share}", png.name);
        assert!(colours > 50, "{} has only {colours} colours", png.name);

        let svg = files
            .iter()
            .find(|f| f.name == format!("{}.svg", chart.stem))
            .unwrap_or_else(|| panic!("{}.svg missing", chart.stem));
        let text = std::str::from_utf8(&svg.bytes).expect("SVG is UTF-8");
        if let Err(e) = check_xml(text) {
            panic!("{} is not well-formed: {e}", svg.name);
        }
        let title = xml_escape(chart.title);
        assert!(
            text.contains(&format!("<title>{title}</title>")),
            "{} lacks <title>",
            svg.name
        );
        // plotters writes an apostrophe as `&apos;`, the title element as `&#39;`.
        let shown = text.replace("&apos;", "&#39;");
        assert!(
            shown.matches(title.as_str()).count() >= 2,
            "{} does not show its title",
            svg.name
        );
        assert!(text.contains("viewBox=\"0 0 1920 1080\""), "{}", svg.name);
    }
    // Strategy names appear in the charts that name them (shortened if too long).
    let scurve = files
        .iter()
        .find(|f| f.name == "cost_scurve.svg")
        .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
        .unwrap_or_default();
    for name in &results.strategies {
        let shown = name.chars().take(12).collect::<String>();
        assert!(
            scurve.contains(&xml_escape(&shown)),
            "cost_scurve.svg lacks {name}"
        );
    }
}

/// The amounts after `label` in `svg` (up to the next space or `<`).
fn amounts_after<'a>(svg: &'a str, label: &str) -> Vec<&'a str> {
    svg.match_indices(label)
        .map(|(at, _)| {
            let rest = &svg[at + label.len()..];
            &rest[..rest.find([' ', '<', ')']).unwrap_or(rest.len())]
        })
        .collect()
}

/// An amount's unit letter and decimals: `$32.0M` -> (`M`, 1).
fn unit_and_decimals(amount: &str) -> (char, usize) {
    let unit = amount.chars().last().unwrap_or(' ');
    let decimals = amount
        .split_once('.')
        .map_or(0, |(_, d)| d.chars().filter(char::is_ascii_digit).count());
    (unit, decimals)
}

#[test]
fn a_legend_column_shows_every_strategy_on_one_scale() {
    let (scenario, results) = fixtures::run(5, 200);
    let files = render_all(&scenario, &results, &[ImageFormat::Svg]).expect("charts render");
    let svg = |name: &str| {
        files
            .iter()
            .find(|f| f.name == name)
            .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
            .unwrap_or_default()
    };
    for (chart, label) in [
        ("cost_scurve.svg", "P50 "),
        ("cost_scurve.svg", "P95 "),
        ("risk_vs_cost.svg", "CVaR95 "),
    ] {
        let text = svg(chart);
        let amounts = amounts_after(&text, label);
        assert!(amounts.len() >= 5, "{chart}: {label}{amounts:?}");
        let first = unit_and_decimals(amounts[0]);
        for a in &amounts {
            assert_eq!(unit_and_decimals(a), first, "{chart}: {label}{amounts:?}");
        }
    }
}

#[test]
fn one_strategy_renders() {
    check_run(1);
}

#[test]
fn three_strategies_render() {
    check_run(3);
}

#[test]
fn eight_strategies_render() {
    check_run(8);
}

#[test]
fn twelve_strategies_render() {
    let (scenario, results) = fixtures::run(12, 60);
    assert_eq!(results.strategies.len(), 12);
    let files = render_all(&scenario, &results, &[ImageFormat::Svg]).expect("charts render");
    for f in &files {
        let text = std::str::from_utf8(&f.bytes).expect("UTF-8");
        if let Err(e) = check_xml(text) {
            panic!("{} is not well-formed: {e}", f.name);
        }
    }
}

#[test]
fn certain_one_month_scenario_with_awkward_names_renders() {
    let scenario =
        Scenario::from_toml_str(fixtures::FLAT, std::path::Path::new("flat.toml")).expect("valid");
    let raw = crate::engine::run(&scenario, crate::engine::RunOptions::new(20, 5))
        .unwrap_or_else(|e| panic!("{e}"));
    let results = crate::results::Results::new(&scenario, raw);
    let files = render_all(&scenario, &results, &[ImageFormat::Png, ImageFormat::Svg])
        .expect("charts render");
    assert_eq!(files.len(), 16);
    for f in &files {
        if f.name.ends_with(".svg") {
            let text = std::str::from_utf8(&f.bytes).expect("UTF-8");
            if let Err(e) = check_xml(text) {
                panic!("{} is not well-formed: {e}", f.name);
            }
        } else {
            let (w, h, rgb) = decode_png(&f.bytes);
            assert_eq!((w, h), (1920, 1080));
            assert!(ink(&rgb).0 > 0.01, "{} is nearly blank", f.name);
        }
    }
}

#[test]
fn formats_are_deduplicated_and_ordered() {
    let (scenario, results) = fixtures::run(2, 50);
    let files = render_all(&scenario, &results, &[ImageFormat::Svg, ImageFormat::Svg])
        .expect("charts render");
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        RUN_CHARTS
            .iter()
            .map(|chart| format!("{}.svg", chart.stem))
            .collect::<Vec<_>>()
    );
    assert!(
        render_all(&scenario, &results, &[])
            .expect("nothing")
            .is_empty()
    );
}

#[test]
fn rendering_is_deterministic() {
    let (scenario, results) = fixtures::run(3, 50);
    let a = render_all(&scenario, &results, &[ImageFormat::Svg]).expect("first");
    let b = render_all(&scenario, &results, &[ImageFormat::Svg]).expect("second");
    assert_eq!(a, b);
}

#[test]
fn empty_results_are_refused() {
    let (scenario, mut results) = fixtures::run(1, 10);
    results.costs.iter_mut().for_each(Vec::clear);
    assert!(matches!(
        render_all(&scenario, &results, &[ImageFormat::Png]),
        Err(ChartError::NoData)
    ));
}

#[test]
fn xml_checker_catches_mistakes() {
    assert!(check_xml("<svg a=\"1\"><g><text>a &amp; b</text></g></svg>").is_ok());
    assert!(check_xml("<svg><g></svg>").is_err());
    assert!(check_xml("<svg a=1></svg>").is_err());
    assert!(check_xml("<svg><text>a & b</text></svg>").is_err());
    assert!(check_xml("<svg></svg><svg></svg>").is_err());
    assert!(check_xml("<svg><text>a \u{1b} b</text></svg>").is_err());
}

#[test]
fn svg_title_is_escaped() {
    let svg = with_svg_title("<svg width=\"1\">\n</svg>", "A & B");
    assert!(svg.contains("<title>A &amp; B</title>"));
    assert!(check_xml(&svg).is_ok());
}

// ---------------------------------------------------------------------------------------
// Hostile text.

use std::sync::OnceLock;
use std::sync::atomic::AtomicBool;

use proptest::prelude::*;

use crate::analysis::sensitivity::{InputKind, InputSensitivity, Sensitivity, Swing};
use crate::analysis::stress::{StressAxis, StressCell, StressGrid, StressMetric};

/// The markup of the classic cross-site scripting probe.
const PROBE: &str = "<img src=x onerror=alert(1)>";

/// Every piece of scenario text a chart can show.
#[derive(Debug, Clone)]
struct Texts {
    strategies: [String; 3],
    vendor: String,
    scenario: String,
    currency: String,
    unit: String,
    event: String,
}

impl Texts {
    fn all(text: &str) -> Self {
        Texts {
            strategies: [text.to_string(), format!("{text} 2"), format!("3 {text}")],
            vendor: text.to_string(),
            scenario: text.to_string(),
            currency: text.to_string(),
            unit: text.to_string(),
            event: text.to_string(),
        }
    }
}

/// A three-strategy run, simulated once for every test here.
fn base_run() -> &'static (Scenario, Results) {
    static RUN: OnceLock<(Scenario, Results)> = OnceLock::new();
    RUN.get_or_init(|| fixtures::run(3, 40))
}

/// The base run with its text replaced by `texts`.
fn hostile_run(texts: &Texts) -> (Scenario, Results) {
    let (scenario, results) = base_run();
    let (mut scenario, mut results) = (scenario.clone(), results.clone());
    let old = results.strategies.clone();
    let rename = |name: &mut String| {
        if let Some(i) = old.iter().position(|o| o == name) {
            *name = texts.strategies[i].clone();
        }
    };
    for pair in &mut results.pairs {
        rename(&mut pair.strategy_a);
        rename(&mut pair.strategy_b);
    }
    results.strategies = texts.strategies.to_vec();
    for strategy in &mut scenario.strategies {
        rename(&mut strategy.name);
    }
    scenario.meta.name = texts.scenario.clone();
    scenario.meta.currency = texts.currency.clone();
    scenario.demand.unit = texts.unit.clone();
    for event in &mut scenario.demand.events {
        event.label = texts.event.clone();
    }
    for vendor in &mut scenario.vendors {
        vendor.name = texts.vendor.clone();
    }
    (scenario, results)
}

/// A stress grid over the base run's summaries, on one KEY or two, naming `texts`.
fn hostile_grid(texts: &Texts, two_keys: bool) -> StressGrid {
    let (_, results) = base_run();
    let key = format!("vendors.{}.max_fte", texts.vendor);
    let axis = StressAxis {
        key: key.clone(),
        labels: vec![
            format!("{} 1", texts.vendor),
            "2".to_string(),
            texts.currency.clone(),
        ],
        values: vec![1.0, 2.0, 3.0],
        multiples: false,
    };
    let axes = if two_keys {
        vec![axis.clone(), axis]
    } else {
        vec![axis]
    };
    let levels: Vec<Vec<usize>> = if two_keys {
        (0..3)
            .flat_map(|i| (0..3).map(move |j| vec![i, j]))
            .collect()
    } else {
        (0..3).map(|i| vec![i]).collect()
    };
    let cells = levels
        .into_iter()
        .enumerate()
        .map(|(k, levels)| {
            let mut summary = results.summary.clone();
            for (s, sum) in summary.iter_mut().enumerate() {
                sum.meets_objectives = (k + s) % 3 != 0;
            }
            StressCell { levels, summary }
        })
        .collect();
    StressGrid {
        scenario_name: texts.scenario.clone(),
        currency: texts.currency.clone(),
        trials: results.trials,
        seed: results.seed,
        has_objectives: true,
        max_backlog_months: None,
        axes,
        strategies: texts.strategies.to_vec(),
        cells,
    }
}

/// A sensitivity analysis with two inputs of `texts.vendor`.
fn hostile_sensitivity(texts: &Texts) -> Sensitivity {
    let n = texts.strategies.len();
    let input = |kind, label: String, low, high| InputSensitivity {
        kind,
        key: format!("vendors.{}.x", texts.vendor),
        label,
        rho_cost: vec![Some(0.4); n],
        rho_service: vec![None; n],
        swing: Some(Swing {
            low,
            high,
            p50_low: vec![1.0e6; n],
            p50_high: vec![1.4e6; n],
        }),
        correlated_with: Vec::new(),
    };
    Sensitivity {
        scenario_name: texts.scenario.clone(),
        currency: texts.currency.clone(),
        trials: 40,
        seed: 1,
        strategies: texts.strategies.to_vec(),
        base_p50: vec![1.2e6; n],
        inputs: vec![
            input(
                InputKind::Attrition(0),
                format!("{} attrition", texts.vendor),
                0.1,
                0.3,
            ),
            input(
                InputKind::IncidentLoss(0),
                format!("{} incident loss", texts.vendor),
                50_000.0,
                400_000.0,
            ),
        ],
    }
}

/// Render every chart of `texts` (run, stress line and grid, tornado) in `formats`.
fn render_everything(texts: &Texts, formats: &[ImageFormat]) -> Vec<ChartFile> {
    let (scenario, results) = hostile_run(texts);
    let mut files = render_all(&scenario, &results, formats).expect("run charts render");
    for two_keys in [false, true] {
        let grid = hostile_grid(texts, two_keys);
        files.extend(
            render_stress(&grid, StressMetric::CostP95, formats).expect("stress charts render"),
        );
    }
    files.extend(
        render_tornado(&hostile_sensitivity(texts), formats).expect("tornado charts render"),
    );
    files
}

/// Tags plotters and outsim write; anything else came from scenario text.
const SVG_TAGS: [&str; 10] = [
    "svg", "title", "rect", "circle", "polyline", "polygon", "text", "line", "path", "g",
];

/// Check every file: PNGs decode at 1920 x 1080; SVGs are well-formed, hold only the
/// tags outsim writes and no raw markup from `texts`.
fn check_files(files: &[ChartFile]) {
    for f in files {
        if f.name.ends_with(".png") {
            let (w, h, _) = decode_png(&f.bytes);
            assert_eq!((w, h), (1920, 1080), "{}", f.name);
            continue;
        }
        let text = std::str::from_utf8(&f.bytes).expect("SVG is UTF-8");
        if let Err(e) = check_xml(text) {
            panic!("{} is not well-formed: {e}", f.name);
        }
        for (i, _) in text.match_indices('<') {
            let name: String = text[i + 1..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '/' || *c == '?')
                .collect();
            let name = name.trim_start_matches('/');
            assert!(
                name.starts_with('?') || SVG_TAGS.contains(&name),
                "{} holds a <{name}> tag",
                f.name
            );
        }
        assert!(!text.contains("<img"), "{} holds raw markup", f.name);
    }
}

#[test]
fn markup_in_names_vendors_and_currency_is_escaped() {
    let files = render_everything(&Texts::all(PROBE), &[ImageFormat::Svg]);
    check_files(&files);
    // The probe is shown, escaped, in the charts that name strategies, vendors and money.
    let escaped = "&lt;img src=x onerror=alert(1)&gt;";
    for name in [
        "cost_scurve.svg",
        "stress_lines.svg",
        "tornado_img_src_x_onerror_alert_1.svg",
    ] {
        let file = files
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        let text = String::from_utf8_lossy(&file.bytes);
        assert!(text.contains(escaped), "{name} does not show the name");
    }
}

#[test]
fn control_characters_in_names_keep_svg_well_formed() {
    let texts = Texts::all("tab\there\u{0}nul\u{1b}[31m escape\u{7f}\u{FFFF}");
    check_files(&render_everything(&texts, &[ImageFormat::Svg]));
}

#[test]
fn currency_of_45_characters_renders() {
    let (scenario, results) = base_run();
    for len in [45, 200, 5_000] {
        let mut scenario = scenario.clone();
        scenario.meta.currency = "C".repeat(len);
        let files = render_all(&scenario, results, &[ImageFormat::Png, ImageFormat::Svg])
            .expect("charts render");
        check_files(&files);
    }
}

#[test]
fn megabyte_names_render() {
    let huge = "word ".repeat(200_000) + &"x".repeat(1 << 20);
    let texts = Texts {
        currency: "USD".to_string(),
        ..Texts::all(&huge)
    };
    check_files(&render_everything(
        &texts,
        &[ImageFormat::Svg, ImageFormat::Png],
    ));
}

#[test]
fn cancelled_rendering_stops_before_drawing() {
    let (scenario, results) = base_run();
    let cancel = AtomicBool::new(true);
    assert!(matches!(
        render_all_until(scenario, results, &[ImageFormat::Png], &cancel),
        Err(ChartError::Cancelled)
    ));
    let grid = hostile_grid(&Texts::all("a"), false);
    assert!(matches!(
        render_stress_until(&grid, StressMetric::CostP95, &[ImageFormat::Svg], &cancel),
        Err(ChartError::Cancelled)
    ));
    let sens = hostile_sensitivity(&Texts::all("a"));
    assert!(matches!(
        render_tornado_until(&sens, &[ImageFormat::Svg], &cancel),
        Err(ChartError::Cancelled)
    ));
}

/// Text a scenario may carry: any Unicode, with control characters, combining marks,
/// right-to-left runs, emoji, markup and entities, from empty to far past the limits
/// validation sets (200 characters for names, 16 for currency and unit).
fn scenario_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        "[a-zA-Z0-9 ]{1,12}",
        Just(PROBE.to_string()),
        Just("&amp; &#x3c; \"'".to_string()),
        Just("e\u{301}\u{301}\u{20DD}".to_string()),
        Just("\u{5E9}\u{5DC}\u{5D5}\u{5DD} \u{627}\u{644}\u{633}\u{644}\u{627}\u{645}".to_string()),
        Just("\u{202E}\u{2067}rtl\u{2069}".to_string()),
        Just("\u{1F469}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{1F1FA}\u{1F1F8}".to_string()),
        Just("\t\n\r\u{0}\u{1b}\u{85}\u{FFFE}".to_string()),
        Just("\u{FFFD}\u{FEFF}\u{200B}".to_string()),
    ];
    (
        prop::collection::vec(piece, 0..24),
        prop_oneof![Just(1usize), Just(40), Just(400)],
    )
        .prop_map(|(pieces, times)| {
            let text = pieces.concat().repeat(times);
            text.chars().take(30_000).collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn any_scenario_text_renders_in_every_chart(
        strategies in [scenario_text(), scenario_text(), scenario_text()],
        vendor in scenario_text(),
        scenario in scenario_text(),
        currency in scenario_text(),
        unit in scenario_text(),
        event in scenario_text(),
    ) {
        let texts = Texts { strategies, vendor, scenario, currency, unit, event };
        check_files(&render_everything(&texts, &[ImageFormat::Svg, ImageFormat::Png]));
    }
}
