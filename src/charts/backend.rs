//! One drawing backend for both image formats, so a chart page is drawn by one
//! non-generic function whatever it is rendered to.
//!
//! plotters' backends are separate types (`SVGBackend`, `BitMapBackend`) with their own
//! error types, which would make every drawing function generic and a list of pages
//! impossible (a generic method cannot sit behind `dyn`). [`PageBackend`] wraps either
//! and forwards every call to it, so SVG keeps its native text, paths and circles and
//! bitmaps their rasteriser.

use plotters::prelude::{BitMapBackend, DrawingBackend, SVGBackend};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// Either of plotters' backends outsim renders to.
pub(crate) enum PageBackend<'a> {
    /// Vector output.
    Svg(SVGBackend<'a>),
    /// An RGB pixel buffer.
    Bitmap(BitMapBackend<'a>),
}

/// What a backend reported when it failed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct BackendFailure(String);

/// A backend's error as [`BackendFailure`].
fn lift<E: std::error::Error + Send + Sync>(
    e: DrawingErrorKind<E>,
) -> DrawingErrorKind<BackendFailure> {
    match e {
        DrawingErrorKind::DrawingError(e) => {
            DrawingErrorKind::DrawingError(BackendFailure(e.to_string()))
        }
        DrawingErrorKind::FontError(e) => DrawingErrorKind::FontError(e),
    }
}

/// Forward a call to whichever backend is inside.
macro_rules! forward {
    ($self:ident, $b:ident => $call:expr) => {
        match $self {
            PageBackend::Svg($b) => $call.map_err(lift),
            PageBackend::Bitmap($b) => $call.map_err(lift),
        }
    };
}

impl DrawingBackend for PageBackend<'_> {
    type ErrorType = BackendFailure;

    fn get_size(&self) -> (u32, u32) {
        match self {
            PageBackend::Svg(b) => b.get_size(),
            PageBackend::Bitmap(b) => b.get_size(),
        }
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<BackendFailure>> {
        forward!(self, b => b.ensure_prepared())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<BackendFailure>> {
        forward!(self, b => b.present())
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<BackendFailure>> {
        forward!(self, b => b.draw_pixel(point, color))
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<BackendFailure>> {
        forward!(self, b => b.draw_line(from, to, style))
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<BackendFailure>> {
        forward!(self, b => b.draw_rect(upper_left, bottom_right, style, fill))
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<BackendFailure>> {
        forward!(self, b => b.draw_path(path, style))
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<BackendFailure>> {
        forward!(self, b => b.draw_circle(center, radius, style, fill))
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<BackendFailure>> {
        forward!(self, b => b.fill_polygon(vert, style))
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<BackendFailure>> {
        forward!(self, b => b.draw_text(text, style, pos))
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<BackendFailure>> {
        forward!(self, b => b.estimate_text_size(text, style))
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<BackendFailure>> {
        forward!(self, b => b.blit_bitmap(pos, size, src))
    }
}
