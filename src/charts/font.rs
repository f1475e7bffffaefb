//! The typeface every chart uses, compiled into the binary.
//!
//! Charts must render on a machine with no system fonts and no fontconfig, so outsim
//! carries DejaVu Sans (regular and bold; Bitstream Vera licence, which allows
//! redistribution: `assets/fonts/DejaVu-LICENSE.txt`) and registers it with plotters'
//! `ab_glyph` text engine on first use. The family name is also a CSS font list, so an
//! SVG opened elsewhere falls back to the viewer's sans-serif.

use std::sync::OnceLock;

use plotters::style::{FontStyle, register_font};

use super::ChartError;

/// Family name used by every text element; written as-is into SVG `font-family`.
pub(crate) const FAMILY: &str = "DejaVu Sans, sans-serif";

/// DejaVu Sans, regular.
pub(crate) static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans, bold.
pub(crate) static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

static REGISTERED: OnceLock<bool> = OnceLock::new();

/// Register the embedded faces once per process; later calls are free.
pub(crate) fn ensure_registered() -> Result<(), ChartError> {
    let ok = *REGISTERED.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, REGULAR).is_ok()
            && register_font(FAMILY, FontStyle::Bold, BOLD).is_ok()
    });
    if ok { Ok(()) } else { Err(ChartError::Font) }
}
