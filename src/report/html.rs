//! The page shell shared by the report and the index, built with maud's `html!`, which
//! escapes every interpolated value: the document head with its inline stylesheet, link
//! targets, strategy chips, and chart figures.
//!
//! Two things reach the page unescaped, both wrapped in [`PreEscaped`] here and nowhere
//! else: the stylesheet below (a constant of this file) and the SVG charts drawn by our
//! own chart renderer. Everything read from a scenario file is text and is escaped.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::charts::palette::strategy_css;

/// A relative path as a link target: every byte outside the unreserved URL characters
/// and `/` is percent-encoded (UTF-8), so spaces, `#`, `?` and accents survive.
pub(crate) fn href(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The stylesheet, inline so the page needs nothing else. System fonts only.
const STYLE: &str = r#"
:root { --ink: #222; --muted: #5f5f5f; --rule: #ddd; --soft: #f5f6f7; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1240px; padding: 24px 32px 48px; color: var(--ink);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Helvetica, Arial, sans-serif; }
h1 { font-size: 2rem; margin: 0.2em 0 0.2em; }
h2 { font-size: 1.45rem; margin: 2em 0 0.5em; padding-bottom: 0.2em; border-bottom: 2px solid var(--rule); }
h3 { font-size: 1.1rem; margin: 1.4em 0 0.4em; }
.description { font-size: 1.1rem; margin: 0.2em 0; }
.meta, .note, footer { color: var(--muted); }
.note { font-size: 0.95rem; }
nav { margin: 1em 0; padding: 0.6em 0.8em; background: var(--soft); border-radius: 6px; font-size: 0.95rem; }
a { color: var(--accent); }
code { font-size: 0.92em; }
.headline { font-size: 1.2rem; padding: 0.8em 1em; background: #eef5fb; border-left: 5px solid var(--accent); border-radius: 4px; }
.warning { padding: 0.6em 1em; background: #fff5e6; border-left: 5px solid #E69F00; border-radius: 4px; }
.scroll { overflow-x: auto; margin: 0.6em 0 1em; }
table { border-collapse: collapse; font-size: 0.92rem; }
th, td { padding: 0.35em 0.6em; border-bottom: 1px solid var(--rule); vertical-align: top; }
thead th { text-align: left; border-bottom: 2px solid #bbb; background: var(--soft); }
table.numbers td { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.numbers th[scope=row], table.matrix th[scope=row] { text-align: left; font-weight: 600; }
table.matrix td { text-align: center; min-width: 5.5em; font-weight: 600; border: 2px solid #fff; }
table.matrix td.diagonal { background: #eee; color: var(--muted); }
table.params td:first-child, table.params th:first-child { white-space: nowrap; }
table.params td { font-variant-numeric: tabular-nums; }
table.index td { padding: 0.5em 0.8em; }
.chip { display: inline-block; width: 0.8em; height: 0.8em; margin-right: 0.4em; border-radius: 2px; vertical-align: -0.05em; }
.badge { display: inline-block; margin-left: 0.4em; padding: 0 0.45em; font-size: 0.75rem; font-weight: 600;
  border-radius: 3px; background: #e8e8e8; color: var(--ink); vertical-align: 0.1em; }
.badge.best { background: #e6f2ea; color: #2e6b45; }
.yes { color: #2e6b45; font-weight: 600; }
.no { color: #a04000; font-weight: 600; }
ul.meeting { padding-left: 1.2em; }
figure { margin: 1.5em 0 2em; }
figure svg { display: block; width: 100%; height: auto; border: 1px solid var(--rule); border-radius: 4px; }
figcaption { margin-top: 0.5em; color: var(--muted); font-size: 0.95rem; }
figcaption strong { color: var(--ink); }
dl.params { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1.2em; margin: 0.5em 0 1em; }
dl.params dt { color: var(--muted); }
dl.params dd { margin: 0; }
footer { margin-top: 3em; padding-top: 1em; border-top: 1px solid var(--rule); font-size: 0.9rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  figure { break-inside: avoid; }
  h2 { break-after: avoid; }
}
"#;

/// A whole document titled `title` around `body`.
pub(crate) fn page(title: &str, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content={ "outsim " (env!("CARGO_PKG_VERSION")) };
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body { (body) }
        }
    }
    .into_string()
}

/// A strategy's name after a swatch of its chart colour.
pub(crate) fn chip(strategy: usize, name: &str) -> Markup {
    html! {
        span.chip style={ "background:" (strategy_css(strategy)) } {}
        (name)
    }
}

/// One chart as an inline SVG figure with a caption and a sentence on how to read it.
///
/// `svg` is a file drawn by the chart renderer, trusted as markup; anything before its
/// `<svg` tag (an XML declaration) is dropped.
pub(crate) fn figure(caption: &str, how_to_read: &str, svg: &[u8]) -> Markup {
    let text = String::from_utf8_lossy(svg);
    let start = text.find("<svg").unwrap_or(0);
    html! {
        figure {
            (PreEscaped(text[start..].trim_end()))
            figcaption {
                strong { (caption) }
                @if !how_to_read.is_empty() { " " (how_to_read) }
            }
        }
    }
}
