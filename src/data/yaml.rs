//! YAML documents, parsed by serde-saphyr into spanned [`Node`]s.
//!
//! Safety settings: a budget proportional to the file's size bounds events, nodes and
//! alias replays (an alias bomb fails fast with `E0412` instead of expanding), nesting is
//! limited, booleans are only `true`/`false` (YAML 1.2), and duplicate keys are passed
//! through so the walker can report both places.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Budget, DuplicateKeyPolicy, Location, MessageFormatter, Options, Spanned};

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, LineIndex, Span};

use super::Limits;
use super::tree::{Entry, Node, NodeKind};

/// Parses a YAML file into its one document, or the diagnostic saying why not.
/// `Ok(None)` is a file with no document (empty, or only comments).
pub(crate) fn parse(file: FileId, full: &str, limits: &Limits) -> Result<Option<Node>, Box<Diagnostic>> {
    let base = super::bom_len(full);
    let text = full.get(base..).unwrap_or("");
    let offsets = Offsets { text, base };
    let documents: Vec<Located> =
        serde_saphyr::from_str_multiple_with_options::<Located, Vec<Located>>(text, options(text.len(), limits))
            .map_err(|error| Box::new(parse_error(file, &offsets, &error)))?;
    let mut documents = documents.into_iter().map(|d| d.into_node(&offsets));
    let first = documents.next();
    if let Some(second) = documents.next() {
        let at = Span::new(file, second.start as usize, second.start as usize);
        return Err(Box::new(
            Diagnostic::new(Code::MalformedData, "a data file must hold one YAML document")
                .at(at, "a second document starts here")
                .with_help("put each document in its own file, or make the documents items of one list"),
        ));
    }
    Ok(first)
}

fn options(len: usize, limits: &Limits) -> Options {
    // Without aliases a node needs at least two bytes of text; scaling the budget with
    // the size keeps every honest file within it while alias expansion stays bounded.
    let scale = len.saturating_add(4096);
    let mut budget = Budget::default();
    budget.max_depth = limits.max_depth;
    budget.max_events = scale.saturating_mul(2);
    budget.max_nodes = scale;
    budget.max_total_scalar_bytes = limits.max_file_bytes;
    budget.max_documents = 16;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.alias_limits.max_total_replayed_events = limits.max_alias_replay.max(len);
    options.duplicate_keys = DuplicateKeyPolicy::PassThrough;
    options.strict_booleans = true;
    options.with_snippet = false;
    options.emit_comments = false;
    options
}

/// Byte offsets in the file for saphyr locations in the text after the BOM.
struct Offsets<'t> {
    text: &'t str,
    base: usize,
}

impl Offsets<'_> {
    fn range(&self, location: &Location) -> (usize, usize) {
        let span = location.span();
        match (span.byte_offset(), span.byte_len()) {
            (Some(start), Some(len)) if start <= self.text.len() as u64 => {
                let start = usize::try_from(start).unwrap_or(0);
                let len = usize::try_from(len).unwrap_or(0);
                (self.base + start, self.base + start + len)
            }
            _ => {
                let offset = self.at_line_col(location);
                (offset, offset)
            }
        }
    }

    /// For locations without byte information (parser errors).
    fn at_line_col(&self, location: &Location) -> usize {
        let line = u32::try_from(location.line()).unwrap_or(u32::MAX);
        let column = u32::try_from(location.column()).unwrap_or(u32::MAX);
        if line == 0 {
            return self.base;
        }
        self.base + LineIndex::new(self.text).offset(self.text, line, column) as usize
    }
}

/// A node as read, with saphyr's location.
struct Located(Spanned<Raw>);

/// Node contents as read, with keys as text.
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    BigInt(u64),
    Float(f64),
    Str(String),
    List(Vec<Located>),
    Map(Vec<(Spanned<String>, Located)>),
}

impl Located {
    fn into_node(self, offsets: &Offsets<'_>) -> Node {
        let (start, end) = offsets.range(&self.0.referenced);
        let kind = match self.0.value {
            Raw::Null => NodeKind::Null,
            Raw::Bool(b) => NodeKind::Bool(b),
            Raw::Int(n) => NodeKind::Int(n),
            Raw::BigInt(n) => NodeKind::BigInt(n.to_string()),
            Raw::Float(x) => {
                let written = offsets
                    .text
                    .get(start.saturating_sub(offsets.base)..end.saturating_sub(offsets.base))
                    .unwrap_or("");
                if written.bytes().all(|b| b.is_ascii_digit() || b == b'-' || b == b'+') && !written.is_empty() {
                    NodeKind::BigInt(written.to_string())
                } else {
                    NodeKind::Float(x)
                }
            }
            Raw::Str(s) => NodeKind::Str(s),
            Raw::List(items) => NodeKind::List(items.into_iter().map(|i| i.into_node(offsets)).collect()),
            Raw::Map(entries) => NodeKind::Map(
                entries
                    .into_iter()
                    .map(|(key, value)| {
                        let (key_start, key_end) = offsets.range(&key.referenced);
                        Entry {
                            key: key.value,
                            key_start: u32::try_from(key_start).unwrap_or(u32::MAX),
                            key_end: u32::try_from(key_end).unwrap_or(u32::MAX),
                            value: value.into_node(offsets),
                        }
                    })
                    .collect(),
            ),
        };
        Node::new(kind, start, end)
    }
}

impl<'de> Deserialize<'de> for Located {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Located, D::Error> {
        Spanned::<Raw>::deserialize(deserializer).map(Located)
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Raw, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Raw, E> {
        Ok(Raw::Int(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Raw, E> {
        Ok(i64::try_from(n).map_or(Raw::BigInt(n), Raw::Int))
    }

    fn visit_i128<E: de::Error>(self, n: i128) -> Result<Raw, E> {
        Ok(i64::try_from(n).map_or(Raw::Float(n as f64), Raw::Int))
    }

    fn visit_u128<E: de::Error>(self, n: u128) -> Result<Raw, E> {
        Ok(i64::try_from(n).map_or(Raw::Float(n as f64), Raw::Int))
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> Result<Raw, E> {
        Ok(Raw::Float(x))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Raw, E> {
        Ok(Raw::Str(s.to_string()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Raw, E> {
        Ok(Raw::Str(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Located>()? {
            items.push(item);
        }
        Ok(Raw::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<Spanned<String>, Located>()? {
            entries.push(entry);
        }
        Ok(Raw::Map(entries))
    }
}

fn parse_error(file: FileId, offsets: &Offsets<'_>, error: &serde_saphyr::Error) -> Diagnostic {
    let inner = innermost(error);
    let offset = error
        .location()
        .map_or(offsets.base, |location| offsets.range(&location).0);
    let at = Span::new(file, offset, offset);
    let limit = |what: &str, help: &str| {
        Diagnostic::new(Code::DataLimit, format!("YAML document exceeds the limit on {what}"))
            .at(at, "limit reached here")
            .with_help(help.to_string())
    };
    const ALIASES: &str = "aliases here expand far beyond the file's size; write the data out, or share less of it";
    const DEPTH: &str = "flatten the data; no registry document needs this depth";
    const SIZE: &str = "split the data over several files";
    match inner {
        serde_saphyr::Error::Budget { breach, .. } => match breach {
            BudgetBreach::Depth { .. } => limit("nesting depth", DEPTH),
            BudgetBreach::Documents { .. } => limit("documents", "put one document in a data file"),
            BudgetBreach::Events { .. } | BudgetBreach::Nodes { .. } => limit("nodes", ALIASES),
            BudgetBreach::Aliases { .. } | BudgetBreach::AliasAnchorRatio { .. } | BudgetBreach::Anchors { .. } => {
                limit("aliases", ALIASES)
            }
            _ => limit("size", SIZE),
        },
        serde_saphyr::Error::AliasReplayLimitExceeded { .. }
        | serde_saphyr::Error::AliasExpansionLimitExceeded { .. }
        | serde_saphyr::Error::AliasReplayCounterOverflow { .. }
        | serde_saphyr::Error::AliasReplayStackDepthExceeded { .. } => limit("alias expansion", ALIASES),
        _ => {
            let message = serde_saphyr::UserMessageFormatter.format_message(inner).into_owned();
            if message.contains("recursion limit") || message.contains("nesting limit") {
                return limit("nesting depth", DEPTH);
            }
            let message = message.lines().next().unwrap_or("").trim_end_matches('.').to_string();
            Diagnostic::new(Code::MalformedData, format!("malformed YAML: {message}"))
                .at(at, message)
                .with_help("fix the YAML syntax; every other check of this file waits for it")
        }
    }
}

fn innermost(error: &serde_saphyr::Error) -> &serde_saphyr::Error {
    let mut error = error.without_snippet();
    while let serde_saphyr::Error::AliasError { error: inner, .. } = error {
        error = inner.without_snippet();
    }
    error
}
