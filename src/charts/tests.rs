//! Chart tests over real runs with one, three and eight strategies: every file exists, PNGs
//! are 1920 x 1080 and not blank, SVGs are well-formed XML carrying their titles.

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
    assert_eq!(files.len(), 14);
    let data = ChartData::new(&scenario, &results);
    for kind in ChartKind::ALL {
        let png = files
            .iter()
            .find(|f| f.name == format!("{}.png", kind.stem()))
            .unwrap_or_else(|| panic!("{}.png missing", kind.stem()));
        let (w, h, rgb) = decode_png(&png.bytes);
        assert_eq!((w, h), (1920, 1080), "{}", png.name);
        let (share, colours) = ink(&rgb);
        assert!(share > 0.02, "{} is nearly blank: {share}", png.name);
        assert!(colours > 50, "{} has only {colours} colours", png.name);

        let svg = files
            .iter()
            .find(|f| f.name == format!("{}.svg", kind.stem()))
            .unwrap_or_else(|| panic!("{}.svg missing", kind.stem()));
        let text = std::str::from_utf8(&svg.bytes).expect("SVG is UTF-8");
        if let Err(e) = check_xml(text) {
            panic!("{} is not well-formed: {e}", svg.name);
        }
        let title = xml_escape(&kind.title(&data));
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
    assert_eq!(files.len(), 14);
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
        ChartKind::ALL
            .iter()
            .map(|k| format!("{}.svg", k.stem()))
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
}

#[test]
fn svg_title_is_escaped() {
    let svg = with_svg_title("<svg width=\"1\">\n</svg>", "A & B");
    assert!(svg.contains("<title>A &amp; B</title>"));
    assert!(check_xml(&svg).is_ok());
}
