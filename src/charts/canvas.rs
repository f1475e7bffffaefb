//! The drawing surface shared by every chart: a 1920 x 1080 page in logical pixels, its
//! frame (title, subtitle, footnote), and the shapes and text charts are drawn with.
//!
//! Charts draw in logical pixels; the canvas scales them to the backend. PNGs are drawn
//! at twice the size and averaged down, which anti-aliases lines and shapes the bitmap
//! rasteriser draws with hard edges; SVGs are drawn at 1:1.
//!
//! Shapes are plotters' own elements (paths, dashed paths, rectangles, polygons,
//! circles) and grid lines its chart builder and mesh ([`Canvas::grid`]). Text is placed
//! by hand ([`Canvas::text`]): every label is measured and shortened to its room
//! (`text`), placed where it covers no data, and nudged so PNG and SVG baselines agree,
//! none of which plotters' mesh labels or series annotations do.

use plotters::chart::ChartBuilder;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::element::{Circle, DashedPathElement, PathElement, Polygon, Rectangle, Text};
use plotters::prelude::DrawingArea;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{
    Color, FontDesc, FontFamily, FontStyle, FontTransform, RGBAColor, RGBColor, ShapeStyle,
    TRANSPARENT, TextStyle,
};

use super::backend::PageBackend;
use super::font::FAMILY;
use super::palette::{self, BACKGROUND, INK, MUTED};
pub(crate) use super::text::{fit, text_width, wrap};

/// Page width in logical pixels.
pub(crate) const WIDTH: f64 = 1920.0;
/// Page height in logical pixels.
pub(crate) const HEIGHT: f64 = 1080.0;
/// Left and right page margin.
pub(crate) const MARGIN: f64 = 56.0;

/// Type sizes, in logical pixels of the glyph box (about 0.86 of the em).
pub(crate) mod size {
    /// Chart title.
    pub const TITLE: f64 = 46.0;
    /// Line under the title.
    pub const SUBTITLE: f64 = 27.0;
    /// Axis titles.
    pub const AXIS_TITLE: f64 = 29.0;
    /// Tick labels and legend entries.
    pub const LABEL: f64 = 26.0;
    /// Secondary legend lines and annotations.
    pub const SMALL: f64 = 22.0;
    /// Footnote.
    pub const FOOT: f64 = 20.0;
}

/// A drawing failure, with plotters' message.
#[derive(Debug)]
pub(crate) struct Failure(pub String);

/// Result of a drawing step.
pub(crate) type Drawn = Result<(), Failure>;

fn fail<E: std::fmt::Display>(e: E) -> Failure {
    Failure(e.to_string())
}

/// An axis-aligned rectangle in logical pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    /// Left.
    pub x0: f64,
    /// Top.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
}

impl Rect {
    /// Width.
    pub fn w(&self) -> f64 {
        self.x1 - self.x0
    }
    /// Height.
    pub fn h(&self) -> f64 {
        self.y1 - self.y0
    }
    /// Whether two rectangles overlap (touching edges do not count).
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }
    /// Whether `self` lies entirely inside `outer`.
    pub fn inside(&self, outer: &Rect) -> bool {
        self.x0 >= outer.x0 && self.x1 <= outer.x1 && self.y0 >= outer.y0 && self.y1 <= outer.y1
    }
}

/// How a piece of text is set.
#[derive(Clone, Copy)]
pub(crate) struct Font {
    /// Glyph box size in logical pixels.
    pub size: f64,
    /// Bold face.
    pub bold: bool,
    /// Colour.
    pub color: RGBColor,
    /// Horizontal anchor.
    pub h: HPos,
    /// Vertical anchor.
    pub v: VPos,
    /// Rotated a quarter turn anticlockwise (reads bottom to top).
    pub vertical: bool,
}

impl Font {
    /// Regular text of `size`, anchored at its top left.
    pub fn new(size: f64) -> Self {
        Font {
            size,
            bold: false,
            color: INK,
            h: HPos::Left,
            v: VPos::Top,
            vertical: false,
        }
    }
    /// Bold.
    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }
    /// In `color`.
    pub fn color(mut self, color: RGBColor) -> Self {
        self.color = color;
        self
    }
    /// Anchored at `h`, `v`.
    pub fn anchor(mut self, h: HPos, v: VPos) -> Self {
        self.h = h;
        self.v = v;
        self
    }
    /// Reading bottom to top.
    pub fn vertical(mut self) -> Self {
        self.vertical = true;
        self
    }
    pub(crate) fn desc(&self, scale: f64) -> FontDesc<'static> {
        let style = if self.bold {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        };
        let desc = FontDesc::new(FontFamily::Name(FAMILY), self.size * scale, style);
        if self.vertical {
            desc.transform(FontTransform::Rotate270)
        } else {
            desc
        }
    }
}

/// `value` held within `lo..=hi`; the middle of the two when they are the wrong way
/// round (a label wider than its room), so a layout never panics on odd text.
pub(crate) fn clamp_within(value: f64, lo: f64, hi: f64) -> f64 {
    if lo <= hi {
        value.clamp(lo, hi)
    } else {
        0.5 * (lo + hi)
    }
}

/// A linear axis for plotters' mesh whose key points, where the grid lines go, are
/// given values: outsim picks its own nice ticks (money ticks share one unit), so the
/// mesh must not pick others.
struct Lines {
    linear: RangedCoordf64,
    at: Vec<f64>,
}

impl Lines {
    fn new(range: (f64, f64), at: &[f64]) -> Self {
        Lines {
            linear: (range.0..range.1).into(),
            at: at.to_vec(),
        }
    }
}

impl Ranged for Lines {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, _: Hint) -> Vec<f64> {
        self.at.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.linear.range()
    }
}

/// A plotters drawing area seen in logical pixels.
pub(crate) struct Canvas<'a> {
    area: DrawingArea<PageBackend<'a>, Shift>,
    scale: f64,
    raster: bool,
}

impl<'a> Canvas<'a> {
    /// Wrap `area`, whose pixels are `scale` logical pixels; `raster` for bitmaps.
    pub fn new(area: DrawingArea<PageBackend<'a>, Shift>, scale: f64, raster: bool) -> Self {
        Canvas {
            area,
            scale,
            raster,
        }
    }

    /// Flush everything drawn to the backend.
    pub fn present(&self) -> Drawn {
        self.area.present().map_err(fail)
    }

    fn p(&self, (x, y): (f64, f64)) -> (i32, i32) {
        (
            (x * self.scale).round() as i32,
            (y * self.scale).round() as i32,
        )
    }

    fn width(&self, w: f64) -> u32 {
        (w * self.scale).round().max(1.0) as u32
    }

    /// Paint the whole page. Raster pages start white already (see `render_one`).
    pub fn clear(&self) -> Drawn {
        if self.raster {
            return Ok(());
        }
        self.area.fill(&BACKGROUND).map_err(fail)
    }

    /// Grid lines across `rect` at the data values `x_lines` (vertical) and `y_lines`
    /// (horizontal) of a plot over `x` and `y`, drawn by plotters' chart builder and
    /// mesh in `color`, `width` logical pixels wide. No labels: those are fitted to
    /// their room by the axes (see `axes`).
    pub fn grid(
        &self,
        rect: Rect,
        (x, x_lines): ((f64, f64), &[f64]),
        (y, y_lines): ((f64, f64), &[f64]),
        color: RGBColor,
        width: f64,
    ) -> Drawn {
        if x.1 <= x.0 || y.1 <= y.0 {
            return Ok(());
        }
        let (x0, y0) = self.p((rect.x0, rect.y0));
        let (x1, y1) = self.p((rect.x1, rect.y1));
        let size = ((x1 - x0 + 1).max(1) as u32, (y1 - y0 + 1).max(1) as u32);
        let panel = self.area.clone().shrink((x0, y0), size);
        let mut chart = ChartBuilder::on(&panel)
            .build_cartesian_2d(Lines::new(x, x_lines), Lines::new(y, y_lines))
            .map_err(fail)?;
        let mut mesh = chart.configure_mesh();
        mesh.bold_line_style(color.stroke_width(self.width(width)))
            .light_line_style(TRANSPARENT);
        if x_lines.is_empty() {
            mesh.disable_x_mesh();
        }
        if y_lines.is_empty() {
            mesh.disable_y_mesh();
        }
        mesh.draw().map_err(fail)
    }

    /// A polyline.
    pub fn line(&self, points: &[(f64, f64)], color: RGBAColor, width: f64) -> Drawn {
        if points.len() < 2 {
            return Ok(());
        }
        let pts: Vec<(i32, i32)> = points.iter().map(|&p| self.p(p)).collect();
        let style = ShapeStyle {
            color,
            filled: false,
            stroke_width: self.width(width),
        };
        self.area.draw(&PathElement::new(pts, style)).map_err(fail)
    }

    /// A polyline in a strategy's colour; pale colours get a darker edge so they show
    /// on white.
    pub fn series_line(&self, points: &[(f64, f64)], color: RGBColor, width: f64) -> Drawn {
        let edge = palette::edge(color);
        if edge != color {
            self.line(points, edge.to_rgba(), width + 2.0)?;
        }
        self.line(points, color.to_rgba(), width)
    }

    /// A dashed straight line from `a` to `b`: dashes `dash` long, gaps 0.8 of that.
    pub fn dashed(
        &self,
        a: (f64, f64),
        b: (f64, f64),
        color: RGBAColor,
        width: f64,
        dash: f64,
    ) -> Drawn {
        let style = ShapeStyle {
            color,
            filled: false,
            stroke_width: self.width(width),
        };
        let (dash, gap) = (dash * self.scale, 0.8 * dash * self.scale);
        self.area
            .draw(&DashedPathElement::new(
                [self.p(a), self.p(b)],
                dash,
                gap,
                style,
            ))
            .map_err(fail)
    }

    /// Hatching over `r`: lines rising at 45 degrees, `spacing` apart along the
    /// rectangle's edges and `width` wide, cut at its edges.
    pub fn hatch(&self, r: Rect, color: RGBAColor, width: f64, spacing: f64) -> Drawn {
        for (a, b) in hatch_lines(r, spacing) {
            self.line(&[a, b], color, width)?;
        }
        Ok(())
    }

    /// A filled polygon.
    pub fn polygon(&self, points: &[(f64, f64)], color: RGBAColor) -> Drawn {
        if points.len() < 3 {
            return Ok(());
        }
        let pts: Vec<(i32, i32)> = points.iter().map(|&p| self.p(p)).collect();
        self.area
            .draw(&Polygon::new(pts, color.filled()))
            .map_err(fail)
    }

    /// A filled rectangle.
    pub fn rect(&self, r: Rect, color: RGBAColor) -> Drawn {
        self.area
            .draw(&Rectangle::new(
                [self.p((r.x0, r.y0)), self.p((r.x1, r.y1))],
                color.filled(),
            ))
            .map_err(fail)
    }

    /// The outline of a rectangle.
    pub fn rect_outline(&self, r: Rect, color: RGBAColor, width: f64) -> Drawn {
        self.line(
            &[
                (r.x0, r.y0),
                (r.x1, r.y0),
                (r.x1, r.y1),
                (r.x0, r.y1),
                (r.x0, r.y0),
            ],
            color,
            width,
        )
    }

    /// A filled circle with an optional outline.
    pub fn circle(
        &self,
        c: (f64, f64),
        radius: f64,
        fill: RGBAColor,
        outline: Option<(RGBColor, f64)>,
    ) -> Drawn {
        if let Some((color, width)) = outline {
            self.disc(c, radius + width, color.to_rgba())?;
        }
        self.disc(c, radius, fill)
    }

    /// A filled circle.
    fn disc(&self, c: (f64, f64), radius: f64, color: RGBAColor) -> Drawn {
        let disc = Circle::new(self.p(c), self.width(radius), color.filled());
        self.area.draw(&disc).map_err(fail)
    }

    /// A diamond (a square on its corner) with an optional outline.
    pub fn diamond(
        &self,
        c: (f64, f64),
        radius: f64,
        fill: RGBAColor,
        outline: Option<(RGBColor, f64)>,
    ) -> Drawn {
        let shape = |r: f64| {
            [
                (c.0, c.1 - r),
                (c.0 + r, c.1),
                (c.0, c.1 + r),
                (c.0 - r, c.1),
            ]
        };
        if let Some((color, width)) = outline {
            self.polygon(&shape(radius + width * 1.4), color.to_rgba())?;
        }
        self.polygon(&shape(radius), fill)
    }

    /// Text at `pos`, shortened with an ellipsis where it would leave the page (so at
    /// most [`MAX_CHARS`](super::text::MAX_CHARS) characters are ever drawn) and with
    /// the characters XML cannot carry replaced.
    pub fn text(&self, text: &str, pos: (f64, f64), font: &Font) -> Drawn {
        if text.is_empty() {
            return Ok(());
        }
        let text = fit(text, font, room(pos, font));
        // plotters' ab_glyph rasteriser sets the baseline about 0.11 of the size higher
        // than SVG's `dy` offsets do; move raster text down to match.
        let nudge = if self.raster { 0.11 * font.size } else { 0.0 };
        let pos = if font.vertical {
            (pos.0 + nudge, pos.1)
        } else {
            (pos.0, pos.1 + nudge)
        };
        let style = TextStyle {
            font: font.desc(self.scale),
            color: font.color.to_backend_color(),
            pos: Pos::new(font.h, font.v),
        };
        self.area
            .draw(&Text::new(text, self.p(pos), style))
            .map_err(fail)
    }
}

/// The length of page a line of text anchored at `pos` has before it runs off the page.
fn room(pos: (f64, f64), font: &Font) -> f64 {
    let (along, page) = if font.vertical {
        // Reading upwards: the text's left is at the bottom.
        (HEIGHT - pos.1, HEIGHT)
    } else {
        (pos.0, WIDTH)
    };
    let room = match font.h {
        HPos::Left => page - along,
        HPos::Right => along,
        HPos::Center => 2.0 * along.min(page - along),
    };
    room.max(0.0)
}

/// Title, subtitle and footnote of a chart page; returns the space left for the chart.
pub(crate) fn frame(
    canvas: &Canvas,
    title: &str,
    subtitle: &str,
    footnote: &str,
) -> Result<Rect, Failure> {
    canvas.clear()?;
    let width = WIDTH - 2.0 * MARGIN;
    let title_font = Font::new(size::TITLE).bold();
    canvas.text(&fit(title, &title_font, width), (MARGIN, 34.0), &title_font)?;
    let sub_font = Font::new(size::SUBTITLE).color(MUTED);
    let sub_lines = wrap(subtitle, &sub_font, width, 2);
    for (i, line) in sub_lines.iter().enumerate() {
        canvas.text(line, (MARGIN, 96.0 + 36.0 * i as f64), &sub_font)?;
    }
    let foot_font = Font::new(size::FOOT)
        .color(MUTED)
        .anchor(HPos::Left, VPos::Bottom);
    canvas.text(
        &fit(footnote, &foot_font, width),
        (MARGIN, HEIGHT - 20.0),
        &foot_font,
    )?;
    let top = 96.0 + 36.0 * sub_lines.len().max(1) as f64 + 22.0;
    Ok(Rect {
        x0: MARGIN,
        y0: top,
        x1: WIDTH - MARGIN,
        y1: HEIGHT - 60.0,
    })
}

/// The lines that hatch `r`: each rises at 45 degrees from the left or bottom edge to
/// the top or right edge, the lines `spacing` apart measured along an edge. Empty for an
/// empty rectangle or a spacing under one pixel.
pub(crate) fn hatch_lines(r: Rect, spacing: f64) -> Vec<((f64, f64), (f64, f64))> {
    let (w, h) = (r.w(), r.h());
    if w <= 0.0 || h <= 0.0 || spacing.is_nan() || spacing < 1.0 {
        return Vec::new();
    }
    // Line `k` holds the points where (x - x0) + (y - y0) = `spacing` * k: it rises to
    // the right, since pixel rows grow downwards.
    let count = ((w + h) / spacing).ceil() as usize;
    (1..count)
        .map(|k| {
            let t = spacing * k as f64;
            let (u0, u1) = ((t - h).max(0.0), t.min(w));
            ((r.x0 + u0, r.y0 + (t - u0)), (r.x0 + u1, r.y0 + (t - u1)))
        })
        .collect()
}

/// Cap the number of points of a dense series for drawing: every `k`th point plus the
/// last, so SVGs stay small and PNGs fast without visible change.
pub(crate) fn thin<T: Copy>(points: &[T], max_points: usize) -> Vec<T> {
    if points.len() <= max_points || max_points < 2 {
        return points.to_vec();
    }
    let k = points.len().div_ceil(max_points - 1);
    let mut out: Vec<T> = points.iter().step_by(k).copied().collect();
    if (points.len() - 1) % k != 0 {
        out.push(points[points.len() - 1]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hatching_stays_inside_its_rectangle_at_45_degrees() {
        let r = Rect {
            x0: 100.0,
            y0: 50.0,
            x1: 160.0,
            y1: 80.0,
        };
        let lines = hatch_lines(r, 10.0);
        // (60 + 30) / 10 = 9 steps, the corners themselves left out.
        assert_eq!(lines.len(), 8);
        for (a, b) in &lines {
            for p in [a, b] {
                assert!((r.x0..=r.x1).contains(&p.0) && (r.y0..=r.y1).contains(&p.1));
            }
            assert!(
                ((b.0 - a.0) - (a.1 - b.1)).abs() < 1e-9,
                "not at 45 degrees"
            );
        }
        assert!(hatch_lines(r, 0.0).is_empty());
        assert!(hatch_lines(Rect { x1: 100.0, ..r }, 10.0).is_empty());
    }

    #[test]
    fn thinning_keeps_ends() {
        let v: Vec<usize> = (0..1000).collect();
        let t = thin(&v, 100);
        assert!(t.len() <= 101);
        assert_eq!(t[0], 0);
        assert_eq!(*t.last().unwrap_or(&0), 999);
    }
}
