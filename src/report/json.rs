//! `--format json`: cpl's own versioned JSON for diagnostics (not miette's), also embedded
//! by commands in their own JSON results through [`diagnostic_to_json`].
//!
//! Shape, version 1:
//! `{"version": 1, "diagnostics": [{"code", "severity", "message", "file", "line",
//! "column", "end_line", "end_column", "labels": [{"file", "line", "column", "end_line",
//! "end_column", "message", "primary"}], "help", "notes"}]}`.
//! Lines and columns are 1-based; columns count characters; `end_column` is the column
//! after the last character, so a zero-width span has `end_column == column`. A diagnostic
//! with no place has `null` position fields; the primary label comes first in `labels`.
//! The note `I0601`, which stands for diagnostics `--max-per-code` left out, also has
//! `"left_out": {"code", "severity", "count"}`.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use super::position::{self, PathBase, Region};
use crate::diagnostics::Diagnostic;
use crate::source::{SourceMap, Span};

/// The version of the JSON shape; it changes only when a field changes meaning or goes.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'static str,
    severity: &'static str,
    message: &'a str,
    #[serde(flatten)]
    position: Position<'a>,
    labels: Vec<JsonLabel<'a>>,
    help: Option<&'a str>,
    notes: &'a [String],
    /// On the note (`I0601`) that stands for diagnostics left out by `--max-per-code`.
    #[serde(skip_serializing_if = "Option::is_none")]
    left_out: Option<JsonLeftOut>,
}

/// How many diagnostics of one code and severity were left out of a file.
#[derive(Serialize)]
struct JsonLeftOut {
    code: &'static str,
    severity: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    #[serde(flatten)]
    position: Position<'a>,
    message: &'a str,
    primary: bool,
}

#[derive(Serialize, Default)]
struct Position<'a> {
    file: Option<Cow<'a, str>>,
    line: Option<u32>,
    column: Option<u32>,
    end_line: Option<u32>,
    end_column: Option<u32>,
}

impl<'a> Position<'a> {
    fn of(span: Option<Span>, sources: &'a SourceMap, paths: &PathBase) -> Position<'a> {
        match span.and_then(|span| position::region(span, sources, paths)) {
            Some(region) => Position::from_region(region),
            None => Position::default(),
        }
    }

    fn from_region(region: Region<'a>) -> Position<'a> {
        Position {
            file: Some(region.name),
            line: Some(region.line),
            column: Some(region.column),
            end_line: Some(region.end_line),
            end_column: Some(region.end_column),
        }
    }
}

impl<'a> JsonDiagnostic<'a> {
    fn new(diag: &'a Diagnostic, sources: &'a SourceMap, paths: &PathBase) -> JsonDiagnostic<'a> {
        JsonDiagnostic {
            code: diag.code.as_str(),
            severity: diag.severity.as_str(),
            message: &diag.message,
            position: Position::of(diag.span(), sources, paths),
            labels: position::labels(diag)
                .map(|(label, primary)| JsonLabel {
                    position: Position::of(Some(label.span), sources, paths),
                    message: &label.message,
                    primary,
                })
                .collect(),
            help: diag.help.as_deref(),
            notes: &diag.notes,
            left_out: diag.left_out.as_ref().map(|left| JsonLeftOut {
                code: left.code.info().name,
                severity: left.severity.as_str(),
                count: left.count,
            }),
        }
    }
}

/// One diagnostic as a JSON object of the shape above, for commands that report
/// diagnostics inside their own JSON results; paths are shown from `paths`.
pub fn diagnostic_to_json(diag: &Diagnostic, sources: &SourceMap, paths: &PathBase) -> Value {
    // Serialising strings, numbers and options into a `Value` cannot fail.
    serde_json::to_value(JsonDiagnostic::new(diag, sources, paths)).unwrap_or(Value::Null)
}

fn output<'a>(diags: &'a [Diagnostic], sources: &'a SourceMap, paths: &PathBase) -> Output<'a> {
    Output {
        version: JSON_VERSION,
        diagnostics: diags
            .iter()
            .map(|diag| JsonDiagnostic::new(diag, sources, paths))
            .collect(),
    }
}

/// The whole `--format json` document: `{"version": 1, "diagnostics": [...]}`.
pub fn diagnostics_to_json(diags: &[Diagnostic], sources: &SourceMap, paths: &PathBase) -> Value {
    serde_json::to_value(output(diags, sources, paths)).unwrap_or(Value::Null)
}

/// Writes the document, pretty-printed, with fields in the documented order (a `Value`
/// would sort them unless serde_json's `preserve_order` happens to be on).
pub(crate) fn write(
    diags: &[Diagnostic],
    sources: &SourceMap,
    paths: &PathBase,
    out: &mut dyn Write,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &output(diags, sources, paths))?;
    writeln!(out)
}
