//! TOML documents, parsed by the `toml` crate's spanned tables into [`Node`]s.
//!
//! A TOML file's top level is a table. For a list source `name: [T]` the file holds one
//! element (the table itself) or several, as an array of tables under the source's name
//! (`[[name]]`): when the top level has exactly the one key `name` holding an array, that
//! array is the list.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

use super::problem;
use super::tree::{Entry, Node, NodeKind};

/// Parses a TOML file into a node, or the diagnostic saying why not. `Ok(None)` is a file
/// with no content.
pub(crate) fn parse(
    file: FileId,
    full: &str,
    source_name: &str,
    list_source: bool,
) -> Result<Option<Node>, Box<Diagnostic>> {
    let base = super::bom_len(full);
    let text = full.get(base..).unwrap_or("");
    let table = DeTable::parse(text).map_err(|error| Box::new(parse_error(file, text, base, &error)))?;
    if table.get_ref().is_empty() {
        return Ok(None);
    }
    if list_source && table.get_ref().len() == 1 {
        let only = table.get_ref().iter().next();
        if let Some((key, value)) = only
            && key.get_ref() == source_name
            && let DeValue::Array(items) = value.get_ref()
        {
            let span = value.span();
            let items = items.iter().map(|item| node(item, base)).collect();
            return Ok(Some(Node::new(
                NodeKind::List(items),
                base + span.start,
                base + span.end,
            )));
        }
    }
    let span = table.span();
    Ok(Some(Node::new(
        NodeKind::Map(entries(table.get_ref(), base)),
        base + span.start,
        base + span.end,
    )))
}

fn entries(table: &DeTable<'_>, base: usize) -> Vec<Entry> {
    table
        .iter()
        .map(|(key, value)| {
            let span = key.span();
            Entry {
                key: key.get_ref().to_string(),
                key_start: u32::try_from(base + span.start).unwrap_or(u32::MAX),
                key_end: u32::try_from(base + span.end).unwrap_or(u32::MAX),
                value: node(value, base),
            }
        })
        .collect()
}

/// Converts one value; nesting is bounded by the parser's own depth limit.
fn node(value: &Spanned<DeValue<'_>>, base: usize) -> Node {
    let span = value.span();
    let kind = match value.get_ref() {
        DeValue::String(s) => NodeKind::Str(s.to_string()),
        DeValue::Integer(n) => match i64::from_str_radix(n.as_str(), n.radix()) {
            Ok(n) => NodeKind::Int(n),
            Err(_) => NodeKind::BigInt(n.to_string()),
        },
        DeValue::Float(x) => float(x.as_str()),
        DeValue::Boolean(b) => NodeKind::Bool(*b),
        DeValue::Datetime(d) => NodeKind::Datetime(d.to_string()),
        DeValue::Array(items) => NodeKind::List(items.iter().map(|item| node(item, base)).collect()),
        DeValue::Table(table) => NodeKind::Map(entries(table, base)),
    };
    Node::new(kind, base + span.start, base + span.end)
}

/// A TOML float as written: the parser gives it in Rust's syntax. One that is not finite
/// (`1e400`, `inf`, `nan`) is kept as written, to be reported where it is used: cpl's
/// numbers are finite, as in JSON, YAML and CSV data.
fn float(written: &str) -> NodeKind {
    match written.parse::<f64>() {
        Ok(x) if x.is_finite() => NodeKind::Float(x),
        _ => NodeKind::HugeFloat(written.to_string()),
    }
}

fn parse_error(file: FileId, text: &str, base: usize, error: &toml::de::Error) -> Diagnostic {
    let range = error.span().unwrap_or(0..0);
    let at = Span::new(file, base + range.start, base + range.end);
    let message = error.message().lines().next().unwrap_or("").trim_end_matches('.');
    if message == "duplicate key" {
        let key = text.get(range.clone()).unwrap_or("").trim_matches(['"', '\'']);
        let mut diagnostic = problem::duplicate_in_document(key).at(at);
        let first = first_occurrence(text, key, range.start).or_else(|| header_before(text, key, range.start));
        if let Some(first) = first {
            diagnostic = diagnostic.with_label(
                Span::new(file, base + first.start, base + first.end),
                problem::FIRST_GIVEN,
            );
        }
        return diagnostic;
    }
    if message.contains("recursion") {
        return Diagnostic::new(Code::DataLimit, "TOML nested too deeply")
            .at(at, "nesting limit reached here")
            .with_help("flatten the data; no registry document needs this depth");
    }
    Diagnostic::new(Code::MalformedData, format!("malformed TOML: {message}"))
        .at(at, message.to_string())
        .with_help("fix the TOML syntax; every other check of this file waits for it")
}

/// The last key named `key` before `before`, in what the parser could recover.
fn first_occurrence(text: &str, key: &str, before: usize) -> Option<std::ops::Range<usize>> {
    let (table, _) = DeTable::parse_recoverable(text);
    let mut best: Option<std::ops::Range<usize>> = None;
    // Walk iteratively: tables, and the values inside them.
    let mut tables: Vec<&DeTable<'_>> = vec![table.get_ref()];
    let mut values: Vec<&DeValue<'_>> = Vec::new();
    loop {
        if let Some(current) = tables.pop() {
            for (k, v) in current.iter() {
                let span = k.span();
                if k.get_ref() == key && span.start < before && best.as_ref().is_none_or(|b| b.start < span.start) {
                    best = Some(span);
                }
                values.push(v.get_ref());
            }
        } else if let Some(value) = values.pop() {
            match value {
                DeValue::Table(t) => tables.push(t),
                DeValue::Array(items) => values.extend(items.iter().map(|i| i.get_ref())),
                _ => {}
            }
        } else {
            break;
        }
    }
    best
}

/// The last table header or line naming `key` before `before`, found in the text (the
/// recovered tree keeps only the later table of a repeated header).
fn header_before(text: &str, key: &str, before: usize) -> Option<std::ops::Range<usize>> {
    let head = text.get(..before)?;
    let mut best = None;
    let mut line_start = 0;
    for line in head.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let name = trimmed.trim_start_matches('[').trim_start();
        let skipped = trimmed.len() - name.len();
        if name
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with([']', '=', '.']))
        {
            let start = line_start + indent + skipped;
            if start + key.len() <= before {
                best = Some(start..start + key.len());
            }
        }
        line_start += line.len();
    }
    best
}
