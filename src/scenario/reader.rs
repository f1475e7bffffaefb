//! A reader over the spanned TOML tree that checks types and ranges as it goes and
//! collects every problem with its line, column and key path.
//!
//! Each [`TableReader`] remembers which keys were asked for; [`TableReader::finish`]
//! reports every other key as unknown, naming the keys that are accepted there.

use std::ops::Range as Span;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::Issue;
use super::text::{self, TextKind, quoted, short_number};
use crate::model::dist::{Dist, Range, Sampler};

/// Source text, line index and the problems found so far.
pub(crate) struct Ctx<'s> {
    src: &'s str,
    line_starts: Vec<usize>,
    pub(crate) issues: Vec<Issue>,
    pub(crate) warnings: Vec<String>,
}

impl<'s> Ctx<'s> {
    pub(crate) fn new(src: &'s str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            src.char_indices()
                .filter(|&(_, c)| c == '\n')
                .map(|(i, _)| i + 1),
        );
        Ctx {
            src,
            line_starts,
            issues: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// 1-based line and column of a byte offset.
    pub(crate) fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.src.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self
            .src
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    /// Record a problem at `span` (or at no particular place).
    pub(crate) fn report(
        &mut self,
        span: Option<Span<usize>>,
        key: &str,
        message: impl Into<String>,
    ) {
        let (line, column) = match span {
            Some(s) => {
                let (l, c) = self.position(s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        self.issues.push(Issue {
            line,
            column,
            key: key.to_string(),
            message: message.into(),
        });
    }
}

/// Join a table path and a key: `vendors[0]` + `name` = `vendors[0].name`.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

type Item<'i> = Spanned<DeValue<'i>>;

/// A value and where it stands in the file.
pub(crate) type TextAt = (String, Span<usize>);

/// Reads the keys of one table.
pub(crate) struct TableReader<'t, 'i> {
    table: &'t DeTable<'i>,
    /// Key path of this table.
    pub(crate) path: String,
    /// Span of the table header or inline table.
    pub(crate) span: Span<usize>,
    known: Vec<&'static str>,
}

impl<'t, 'i> TableReader<'t, 'i> {
    pub(crate) fn new(table: &'t DeTable<'i>, path: String, span: Span<usize>) -> Self {
        TableReader {
            table,
            path,
            span,
            known: Vec::new(),
        }
    }

    /// Key path of `key` in this table.
    pub(crate) fn key_path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The raw item at `key`, marking the key as known.
    pub(crate) fn item(&mut self, key: &'static str) -> Option<&'t Item<'i>> {
        self.known.push(key);
        self.table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    /// Whether the table sets `key`.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.table.iter().any(|(k, _)| k.get_ref().as_ref() == key)
    }

    fn missing(&self, ctx: &mut Ctx, key: &'static str, what: &str) {
        ctx.report(
            Some(self.span.clone()),
            &self.key_path(key),
            format!("required {what} is missing"),
        );
    }

    /// A number (integer or float) in `range`; `default` when absent.
    pub(crate) fn f64(
        &mut self,
        ctx: &mut Ctx,
        key: &'static str,
        default: Option<f64>,
        range: Range,
    ) -> Option<f64> {
        let path = self.key_path(key);
        match self.item(key) {
            None => {
                if default.is_none() {
                    self.missing(ctx, key, "number");
                }
                default
            }
            Some(item) => {
                let x = number(ctx, item, &path)?;
                check_range(ctx, item.span(), &path, x, range)
            }
        }
    }

    /// An optional number in `range`.
    pub(crate) fn opt_f64(
        &mut self,
        ctx: &mut Ctx,
        key: &'static str,
        range: Range,
    ) -> Result<Option<f64>, ()> {
        if self.has(key) {
            self.f64(ctx, key, None, range).map(Some).ok_or(())
        } else {
            self.known.push(key);
            Ok(None)
        }
    }

    /// A whole number in `min..=max`; `default` when absent.
    pub(crate) fn u64(
        &mut self,
        ctx: &mut Ctx,
        key: &'static str,
        default: Option<u64>,
        min: u64,
        max: u64,
    ) -> Option<u64> {
        let path = self.key_path(key);
        match self.item(key) {
            None => {
                if default.is_none() {
                    self.missing(ctx, key, "whole number");
                }
                default
            }
            Some(item) => {
                let value = match item.get_ref() {
                    DeValue::Integer(i) => u64::from_str_radix(i.as_str(), i.radix()).ok(),
                    DeValue::Float(f) => f
                        .as_str()
                        .parse::<f64>()
                        .ok()
                        .filter(|x| x.fract() == 0.0 && *x >= 0.0 && *x < 1.8e19)
                        .map(|x| x as u64),
                    _ => None,
                };
                match value {
                    None => {
                        ctx.report(
                            Some(item.span()),
                            &path,
                            format!("expected a whole number >= {min}, found {}", show(item)),
                        );
                        None
                    }
                    Some(v) if v < min || v > max => {
                        ctx.report(
                            Some(item.span()),
                            &path,
                            format!("is {v}, must be between {min} and {max}"),
                        );
                        None
                    }
                    Some(v) => Some(v),
                }
            }
        }
    }

    /// A whole number that fits `u32`, in `min..=max`.
    pub(crate) fn u32(
        &mut self,
        ctx: &mut Ctx,
        key: &'static str,
        default: Option<u32>,
        min: u32,
        max: u32,
    ) -> Option<u32> {
        self.u64(
            ctx,
            key,
            default.map(u64::from),
            u64::from(min),
            u64::from(max),
        )
        .map(|v| v as u32)
    }

    /// A boolean; `default` when absent.
    pub(crate) fn bool(&mut self, ctx: &mut Ctx, key: &'static str, default: bool) -> Option<bool> {
        let path = self.key_path(key);
        match self.item(key) {
            None => Some(default),
            Some(item) => match item.get_ref() {
                DeValue::Boolean(b) => Some(*b),
                _ => {
                    ctx.report(
                        Some(item.span()),
                        &path,
                        format!("expected true or false, found {}", show(item)),
                    );
                    None
                }
            },
        }
    }

    /// One of a fixed set of words, each standing for a value (`choices`, in the order
    /// messages list them); `default`, one of the words, when absent. Any other word is
    /// refused, naming the words allowed.
    pub(crate) fn choice<T: Copy>(
        &mut self,
        ctx: &mut Ctx,
        key: &'static str,
        default: &str,
        choices: &[(&str, T)],
    ) -> Option<T> {
        let word = self.string(ctx, key, Some(default), TextKind::Name)?;
        if let Some(&(_, value)) = choices.iter().find(|(w, _)| *w == word) {
            return Some(value);
        }
        let words: Vec<String> = choices.iter().map(|(w, _)| format!("\"{w}\"")).collect();
        let allowed = match words.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        let span = self.item(key).map(|i| i.span());
        ctx.report(
            span,
            &self.key_path(key),
            format!("is {}, must be {allowed}", text::quoted(&word)),
        );
        None
    }

    /// A string; `default` when absent. Empty strings, and strings that break the rules
    /// of `kind` (characters, length), are refused.
    pub(crate) fn string(
        &mut self,
        ctx: &mut Ctx,
        key: &'static str,
        default: Option<&str>,
        kind: TextKind,
    ) -> Option<String> {
        let path = self.key_path(key);
        match self.item(key) {
            None => {
                if default.is_none() {
                    self.missing(ctx, key, "text");
                }
                default.map(str::to_string)
            }
            Some(item) => match item.get_ref() {
                DeValue::String(s) if !s.trim().is_empty() => match text::check(s, kind) {
                    Ok(()) => Some(s.to_string()),
                    Err(why) => {
                        ctx.report(Some(item.span()), &path, why);
                        None
                    }
                },
                DeValue::String(_) => {
                    ctx.report(Some(item.span()), &path, "must not be empty");
                    None
                }
                _ => {
                    ctx.report(
                        Some(item.span()),
                        &path,
                        format!("expected text in quotes, found {}", show(item)),
                    );
                    None
                }
            },
        }
    }

    /// An uncertain (D) value: a number, or a table with `dist` and its parameters.
    pub(crate) fn dist(
        &mut self,
        ctx: &mut Ctx,
        key: &'static str,
        default: Option<f64>,
        range: Range,
    ) -> Option<Sampler> {
        let path = self.key_path(key);
        let item = match self.item(key) {
            None => {
                if default.is_none() {
                    self.missing(ctx, key, "value");
                }
                return Dist::Fixed(default?).into_sampler(range).ok();
            }
            Some(item) => item,
        };
        let dist = match item.get_ref() {
            DeValue::Integer(_) | DeValue::Float(_) => Dist::Fixed(number(ctx, item, &path)?),
            DeValue::Table(t) => {
                let mut r = TableReader::new(t, path.clone(), item.span());
                let family = r.string(ctx, "dist", None, TextKind::Name);
                let any = Range::closed(f64::MIN, f64::MAX);
                let d = match family.as_deref() {
                    Some("uniform") => {
                        let min = r.f64(ctx, "min", None, any);
                        let max = r.f64(ctx, "max", None, any);
                        Some(Dist::Uniform {
                            min: min?,
                            max: max?,
                        })
                    }
                    Some(f @ ("triangular" | "pert")) => {
                        let min = r.f64(ctx, "min", None, any);
                        let mode = r.f64(ctx, "mode", None, any);
                        let max = r.f64(ctx, "max", None, any);
                        let (min, mode, max) = (min?, mode?, max?);
                        Some(if f == "pert" {
                            Dist::Pert { min, mode, max }
                        } else {
                            Dist::Triangular { min, mode, max }
                        })
                    }
                    Some("normal") => {
                        let mean = r.f64(ctx, "mean", None, any);
                        let sd = r.f64(ctx, "sd", None, any);
                        Some(Dist::Normal {
                            mean: mean?,
                            sd: sd?,
                        })
                    }
                    Some("lognormal") => {
                        let median = r.f64(ctx, "median", None, any);
                        let sigma = r.f64(ctx, "sigma", None, any);
                        Some(Dist::LogNormal {
                            median: median?,
                            sigma: sigma?,
                        })
                    }
                    Some("beta") => {
                        let mean = r.f64(ctx, "mean", None, any);
                        let sd = r.f64(ctx, "sd", None, any);
                        Some(Dist::Beta {
                            mean: mean?,
                            sd: sd?,
                        })
                    }
                    Some("discrete") => {
                        let values = r.numbers(ctx, "values");
                        let weights = r.numbers(ctx, "weights");
                        match (values?, weights?) {
                            (Some((values, _)), weights) => {
                                let weights = match weights {
                                    Some((weights, _)) => weights,
                                    None => vec![1.0; values.len()],
                                };
                                Some(Dist::Discrete { values, weights })
                            }
                            (None, _) => {
                                r.missing(ctx, "values", "list of numbers");
                                None
                            }
                        }
                    }
                    Some("empirical") => match r.numbers(ctx, "values")? {
                        Some((values, _)) => Some(Dist::Empirical { values }),
                        None => {
                            r.missing(ctx, "values", "list of numbers");
                            None
                        }
                    },
                    Some(other) => {
                        let span = r.item("dist").map(|i| i.span());
                        ctx.report(
                            span,
                            &join(&path, "dist"),
                            format!("unknown distribution {}: use uniform, triangular, pert, normal, lognormal, beta, discrete or empirical", quoted(other)),
                        );
                        return None;
                    }
                    None => return None,
                };
                r.finish(ctx);
                d?
            }
            _ => {
                ctx.report(
                    Some(item.span()),
                    &path,
                    format!("expected a number or a table such as {{ dist = \"uniform\", min = 1, max = 2 }}, found {}", show(item)),
                );
                return None;
            }
        };
        match dist.into_sampler(range) {
            Ok(s) => Some(s),
            Err(e) => {
                let key_path = if e.key.is_empty() {
                    path.clone()
                } else {
                    join(&path, e.key)
                };
                let span = match item.get_ref() {
                    DeValue::Table(t) if !e.key.is_empty() => t
                        .iter()
                        .find(|(k, _)| k.get_ref().as_ref() == e.key)
                        .map_or(item.span(), |(_, v)| v.span()),
                    _ => item.span(),
                };
                ctx.report(Some(span), &key_path, e.message);
                None
            }
        }
    }

    /// A sub-table (`[demand.shocks]` or an inline table); `None` when absent or not a table.
    pub(crate) fn table(
        &mut self,
        ctx: &mut Ctx,
        key: &'static str,
    ) -> Option<TableReader<'t, 'i>> {
        let path = self.key_path(key);
        let item = self.item(key)?;
        match item.get_ref() {
            DeValue::Table(t) => Some(TableReader::new(t, path, item.span())),
            _ => {
                ctx.report(
                    Some(item.span()),
                    &path,
                    format!("expected a table, found {}", show(item)),
                );
                None
            }
        }
    }

    /// An array of tables (`[[vendors]]` or an inline array of inline tables).
    pub(crate) fn tables(
        &mut self,
        ctx: &mut Ctx,
        key: &'static str,
    ) -> Option<Vec<TableReader<'t, 'i>>> {
        let path = self.key_path(key);
        let item = self.item(key)?;
        let DeValue::Array(items) = item.get_ref() else {
            ctx.report(
                Some(item.span()),
                &path,
                format!("expected a list of tables, found {}", show(item)),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (i, elem) in items.iter().enumerate() {
            let elem_path = format!("{path}[{i}]");
            match elem.get_ref() {
                DeValue::Table(t) => out.push(TableReader::new(t, elem_path, elem.span())),
                _ => {
                    ctx.report(
                        Some(elem.span()),
                        &elem_path,
                        format!("expected a table, found {}", show(elem)),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    /// An array of texts, each with its span; `None` (reported) when the value is not
    /// a list of texts or absent.
    pub(crate) fn texts(
        &mut self,
        ctx: &mut Ctx,
        key: &'static str,
    ) -> Option<(Vec<TextAt>, Span<usize>)> {
        let path = self.key_path(key);
        let Some(item) = self.item(key) else {
            self.missing(ctx, key, "list");
            return None;
        };
        let DeValue::Array(items) = item.get_ref() else {
            ctx.report(
                Some(item.span()),
                &path,
                format!("expected a list of texts in quotes, found {}", show(item)),
            );
            return None;
        };
        let mut out = Vec::new();
        for (i, elem) in items.iter().enumerate() {
            match elem.get_ref() {
                DeValue::String(s) => out.push((s.to_string(), elem.span())),
                _ => {
                    ctx.report(
                        Some(elem.span()),
                        &format!("{path}[{i}]"),
                        format!("expected text in quotes, found {}", show(elem)),
                    );
                    return None;
                }
            }
        }
        Some((out, item.span()))
    }

    /// An array of numbers.
    pub(crate) fn numbers(
        &mut self,
        ctx: &mut Ctx,
        key: &'static str,
    ) -> Option<Option<(Vec<f64>, Span<usize>)>> {
        let path = self.key_path(key);
        let Some(item) = self.item(key) else {
            return Some(None);
        };
        let DeValue::Array(items) = item.get_ref() else {
            ctx.report(
                Some(item.span()),
                &path,
                format!("expected a list of numbers, found {}", show(item)),
            );
            return None;
        };
        let mut out = Vec::new();
        for (i, elem) in items.iter().enumerate() {
            out.push(number(ctx, elem, &format!("{path}[{i}]"))?);
        }
        Some(Some((out, item.span())))
    }

    /// Report every key that was not asked for.
    pub(crate) fn finish(self, ctx: &mut Ctx) {
        for (k, v) in self.table.iter() {
            let key = k.get_ref().as_ref();
            if !self.known.contains(&key) {
                let mut known: Vec<&str> = self.known.clone();
                known.sort_unstable();
                known.dedup();
                // The key is the file's own text: shown escaped and cut when it is odd.
                let shown = if key.chars().any(text::is_refused_char) || key.chars().count() > 60 {
                    quoted(key)
                } else {
                    key.to_string()
                };
                ctx.report(
                    Some(k.span().start..v.span().end),
                    &join(&self.path, &shown),
                    format!("unknown key `{shown}`; accepted here: {}", known.join(", ")),
                );
            }
        }
    }
}

/// Parse a number item, refusing non-finite values.
fn number(ctx: &mut Ctx, item: &Item<'_>, path: &str) -> Option<f64> {
    let x = match item.get_ref() {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix())
            .ok()
            .map(|v| v as f64),
        DeValue::Float(f) => f.as_str().parse::<f64>().ok(),
        _ => {
            ctx.report(
                Some(item.span()),
                path,
                format!("expected a number, found {}", show(item)),
            );
            return None;
        }
    };
    match x {
        Some(x) if x.is_finite() => Some(x),
        _ => {
            ctx.report(
                Some(item.span()),
                path,
                "must be a finite number (not inf or nan, and within range)",
            );
            None
        }
    }
}

fn check_range(ctx: &mut Ctx, span: Span<usize>, path: &str, x: f64, range: Range) -> Option<f64> {
    if range.contains(x) {
        Some(x)
    } else {
        ctx.report(
            Some(span),
            path,
            format!("is {}, must be {}", short_number(x), range.describe()),
        );
        None
    }
}

/// A short description of an item's type and value for messages.
fn show(item: &Item<'_>) -> String {
    match item.get_ref() {
        DeValue::String(s) => format!("text {}", quoted(s)),
        DeValue::Integer(i) => format!("the integer {}", text::escaped(i.as_str(), 40)),
        DeValue::Float(f) => format!("the number {}", text::escaped(f.as_str(), 40)),
        DeValue::Boolean(b) => format!("the boolean {b}"),
        DeValue::Datetime(d) => format!("the date {d}"),
        DeValue::Array(_) => "a list".to_string(),
        DeValue::Table(_) => "a table".to_string(),
    }
}
