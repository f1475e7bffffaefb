//! Colours: one per strategy, the same in every chart and in the report, safe for
//! readers with colour-vision deficiencies.
//!
//! Strategies take the eight colours of Okabe and Ito (2008), "Color Universal Design",
//! ordered so the first few are the most distinct on white. A ninth strategy onwards
//! takes Paul Tol's "muted" scheme (also colour-blind safe), then the sequence repeats;
//! charts that show many strategies also label them by name, so colour is never the only
//! key. Cost components use Tol's "light" scheme, which does not look like a strategy.

use plotters::style::RGBColor;

/// Okabe-Ito, then Tol muted.
const STRATEGY: [RGBColor; 17] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0xF0, 0xE4, 0x42), // yellow: drawn with a darker edge to show on white
    RGBColor(0x00, 0x00, 0x00), // black
    RGBColor(0x33, 0x22, 0x88), // indigo
    RGBColor(0x88, 0xCC, 0xEE), // cyan
    RGBColor(0x44, 0xAA, 0x99), // teal
    RGBColor(0x11, 0x77, 0x33), // green
    RGBColor(0x99, 0x99, 0x33), // olive
    RGBColor(0xDD, 0xCC, 0x77), // sand
    RGBColor(0xCC, 0x66, 0x77), // rose
    RGBColor(0x88, 0x22, 0x55), // wine
    RGBColor(0xAA, 0x44, 0x99), // purple
];

/// The colour of the strategy at position `index` in the scenario file.
pub fn strategy_color(index: usize) -> RGBColor {
    STRATEGY[index % STRATEGY.len()]
}

/// The colour of a strategy as CSS hex, e.g. `#0072B2`.
pub fn strategy_css(index: usize) -> String {
    let RGBColor(r, g, b) = strategy_color(index);
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// Cost components, in the order of MODEL.md's cost list, with their colours (Tol light)
/// and labels. Labor (heads times the rate, which moves with volume and rework) is grey;
/// the costs a rate card leaves out are coloured. Model v2's contract, transition, release
/// and exit costs come after incidents; SLA credits, which reduce the cost, are last.
pub const COMPONENTS: [(&str, RGBColor); 12] = [
    ("Labor", RGBColor(0xBB, 0xBB, 0xBB)),
    ("Onboarding", RGBColor(0x77, 0xAA, 0xDD)),
    ("Setup", RGBColor(0x99, 0xDD, 0xFF)),
    ("Oversight", RGBColor(0x44, 0xBB, 0x99)),
    ("Defects", RGBColor(0xEE, 0x88, 0x66)),
    ("Delay", RGBColor(0xEE, 0xDD, 0x88)),
    ("Incidents", RGBColor(0xFF, 0xAA, 0xBB)),
    ("Commitment", RGBColor(0xAA, 0xAA, 0x00)),
    ("Transition", RGBColor(0xCC, 0x66, 0x77)),
    ("Releases", RGBColor(0xAA, 0x44, 0x99)),
    ("Exit fees", RGBColor(0x88, 0xCC, 0xEE)),
    ("SLA credits", RGBColor(0xBB, 0xCC, 0x33)),
];

/// Text and axis grey.
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Secondary text.
pub const MUTED: RGBColor = RGBColor(0x5F, 0x5F, 0x5F);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(0xE3, 0xE3, 0xE3);
/// Axis lines.
pub const AXIS: RGBColor = RGBColor(0x8A, 0x8A, 0x8A);
/// Demand in capacity charts: neutral, so it never looks like a strategy.
pub const DEMAND: RGBColor = RGBColor(0x4D, 0x4D, 0x4D);
/// Page background.
pub const BACKGROUND: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);

/// Relative luminance (sRGB, ITU-R BT.709 weights) in 0..=1, to pick text that stays
/// readable on a coloured fill.
pub fn luminance(c: RGBColor) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2)
}

/// Linear blend of two colours; `t = 0` is `a`, `t = 1` is `b`.
pub fn blend(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// An outline for shapes filled with `c`: pale colours (the Okabe-Ito yellow) get a
/// darker edge so they show on white; others keep their own colour.
pub fn edge(c: RGBColor) -> RGBColor {
    if luminance(c) > 0.5 {
        blend(c, RGBColor(0, 0, 0), 0.45)
    } else {
        c
    }
}

/// Diverging blue-white-orange scale (ColorBrewer PuOr ends, colour-blind safe) for a
/// probability: 1 is deep blue, 0.5 white, 0 deep orange.
pub fn diverging(p: f64) -> RGBColor {
    const BLUE: RGBColor = RGBColor(0x21, 0x66, 0xAC);
    const ORANGE: RGBColor = RGBColor(0xB3, 0x58, 0x06);
    const WHITE: RGBColor = RGBColor(0xF7, 0xF7, 0xF7);
    let p = if p.is_finite() {
        p.clamp(0.0, 1.0)
    } else {
        0.5
    };
    if p >= 0.5 {
        blend(WHITE, BLUE, (p - 0.5) * 2.0)
    } else {
        blend(WHITE, ORANGE, (0.5 - p) * 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_eight_strategies_have_distinct_colours() {
        let colours: Vec<_> = (0..8).map(strategy_color).collect();
        for i in 0..8 {
            for j in i + 1..8 {
                assert_ne!(colours[i], colours[j]);
            }
        }
        assert_eq!(strategy_css(0), "#0072B2");
        assert_eq!(strategy_color(17), strategy_color(0));
    }

    #[test]
    fn diverging_scale_ends_and_middle() {
        assert_eq!(diverging(0.5), RGBColor(0xF7, 0xF7, 0xF7));
        assert_eq!(diverging(1.0), RGBColor(0x21, 0x66, 0xAC));
        assert_eq!(diverging(0.0), RGBColor(0xB3, 0x58, 0x06));
        assert!(luminance(RGBColor(0, 0, 0)) < 0.01);
        assert!(luminance(RGBColor(255, 255, 255)) > 0.99);
    }
}
