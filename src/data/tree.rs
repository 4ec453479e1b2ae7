//! A small spanned document tree, and its validation into typed values. YAML, TOML and
//! CSV are parsed into [`Node`]s (their parsers give exact positions), then one walker
//! checks every node against its [`Type`], so the three formats share one set of rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::diagnostics::{Collector, Diagnostic};
use crate::ir::Program;
use crate::ir::{EntityId, FieldType, RecordType, Type};
use crate::ir::{Record, Value};
use crate::source::{FileId, Span};
use crate::source::{Origin, OriginAt};

use super::collect::{DataAt, Found, FoundEntity};
use super::convert;
use super::problem::{self, Found as Kind, Problem};
use super::record::{RecordBuilder, Take};
use crate::ir::ConstraintEval;

/// A value in a parsed document, with its byte range in the file.
#[derive(Debug)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub start: u32,
    pub end: u32,
}

#[derive(Debug)]
pub(crate) enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer too large for 64 bits, as written.
    BigInt(String),
    Float(f64),
    /// A float too large to hold (it would be infinity), as written.
    HugeFloat(String),
    Str(String),
    /// A CSV cell: text typed by the schema. `quoted` tells `""` from an empty cell.
    Cell {
        text: String,
        quoted: bool,
    },
    /// A TOML date or time, as written.
    Datetime(String),
    List(Vec<Node>),
    Map(Vec<Entry>),
    /// A required CSV column the header lacks, already reported once.
    Absent,
}

#[derive(Debug)]
pub(crate) struct Entry {
    pub key: String,
    pub key_start: u32,
    pub key_end: u32,
    pub value: Node,
}

impl Node {
    pub fn new(kind: NodeKind, start: usize, end: usize) -> Node {
        Node {
            kind,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end.max(start)).unwrap_or(u32::MAX),
        }
    }

    fn found(&self) -> Kind {
        match &self.kind {
            NodeKind::Null | NodeKind::Absent => Kind::Null,
            NodeKind::Bool(_) => Kind::Bool,
            NodeKind::Int(_) | NodeKind::BigInt(_) => Kind::Int,
            NodeKind::Float(_) | NodeKind::HugeFloat(_) => Kind::Float,
            NodeKind::Str(_) | NodeKind::Cell { .. } => Kind::Str,
            NodeKind::Datetime(_) => Kind::Datetime,
            NodeKind::List(_) => Kind::List,
            NodeKind::Map(_) => Kind::Object,
        }
    }

    /// An unquoted empty CSV cell: "no value".
    fn is_empty_cell(&self) -> bool {
        matches!(&self.kind, NodeKind::Cell { text, quoted: false } if text.trim().is_empty())
    }
}

/// Checks nodes against types, collecting diagnostics, entities and references.
pub(crate) struct Walker<'a> {
    pub program: &'a Program,
    pub constraints: &'a dyn ConstraintEval,
    pub file: FileId,
    pub text: &'a str,
    pub found: &'a mut Found,
    /// At most so many of each code: a mistake repeated in every record is counted, not
    /// kept a million times.
    pub diags: Collector<Diagnostic>,
    /// The document is CSV: a list with no value (an empty cell, no column) is empty.
    pub cells: bool,
}

/// Where a record's key and its value are.
#[derive(Clone, Copy)]
struct Spans {
    key: Span,
    value: Span,
}

impl<'a> Walker<'a> {
    pub fn new(
        program: &'a Program,
        constraints: &'a dyn ConstraintEval,
        file: FileId,
        text: &'a str,
        found: &'a mut Found,
        max_per_code: usize,
    ) -> Walker<'a> {
        Walker {
            program,
            constraints,
            file,
            text,
            found,
            diags: Collector::new(max_per_code),
            cells: false,
        }
    }

    fn span(&self, start: u32, end: u32) -> Span {
        Span {
            file: self.file,
            start,
            end,
        }
    }

    fn node_span(&self, node: &Node) -> Span {
        self.span(node.start, node.end)
    }

    fn report(&mut self, at: Span, problem: Problem) {
        self.diags.push(problem.at(at));
    }

    /// A whole document for a source of type `ty`. For a list source, a document that is
    /// not a list is one element.
    pub fn document(&mut self, node: &Node, ty: &Type, list_source: bool) -> Value {
        if list_source
            && let Type::List(elem) = ty.strip_optional()
            && !matches!(node.kind, NodeKind::List(_))
        {
            return Value::list(vec![self.value(node, elem, None)]);
        }
        self.value(node, ty, None)
    }

    /// The value of `node` as a `ty`; problems become diagnostics and `null` stands in.
    pub fn value(&mut self, node: &Node, ty: &Type, field: Option<&FieldType>) -> Value {
        match self.convert(node, ty, field) {
            Ok(value) => value,
            Err(problem) => {
                let at = self.node_span(node);
                self.report(at, problem.field(field));
                Value::Null
            }
        }
    }

    fn convert(&mut self, node: &Node, ty: &Type, field: Option<&FieldType>) -> Result<Value, Problem> {
        let program = self.program;
        let target = ty.strip_optional();
        if matches!(target, Type::Json | Type::Unknown | Type::Error) {
            return Ok(self.untyped(node));
        }
        if let Some((record, kind)) = convert::record_of(program, target) {
            return match &node.kind {
                NodeKind::Map(entries) => Ok(self.record(node, entries, record, kind, field)),
                NodeKind::Null if ty.is_optional() => Ok(Value::Null),
                _ => Err(problem::wrong_type(program, ty, node.found())),
            };
        }
        match (&node.kind, target) {
            (NodeKind::Absent, _) => Ok(Value::Null),
            (NodeKind::Null, _) if ty.is_optional() || matches!(target, Type::Null) => Ok(Value::Null),
            (NodeKind::Cell { .. }, _) if node.is_empty_cell() && ty.is_optional() => Ok(Value::Null),
            (NodeKind::Bool(b), Type::Bool) => Ok(Value::Bool(*b)),
            (NodeKind::Int(n), Type::Int) => Ok(Value::Int(*n)),
            (NodeKind::Int(n), Type::Float) => Ok(Value::Float(*n as f64)),
            (NodeKind::BigInt(text), Type::Int) => Err(problem::out_of_range(text)),
            (NodeKind::BigInt(text), Type::Float) => big_float(text),
            (NodeKind::HugeFloat(text), Type::Float) => Err(problem::float_out_of_range(text)),
            (NodeKind::Float(x), Type::Float) => Ok(Value::Float(*x)),
            (NodeKind::Datetime(text), Type::Timestamp) => convert::from_text(program, target, text, convert::new_str),
            (NodeKind::Str(text), Type::Ref(kind)) => Ok(self.reference(node, *kind, text, field)),
            (NodeKind::Str(text), _) if convert::is_text_type(target) => {
                convert::from_text(program, target, text, convert::new_str)
            }
            (NodeKind::Cell { text, .. }, Type::List(elem)) => Ok(self.cell_list(node, text, elem, field)),
            (NodeKind::Cell { text, .. }, Type::Ref(kind)) => Ok(self.reference(node, *kind, text.trim(), field)),
            (NodeKind::Cell { text, .. }, Type::Map(_) | Type::Record(_)) if text.is_empty() => {
                Err(problem::wrong_type(program, ty, Kind::Null))
            }
            (NodeKind::Cell { text, .. }, _) => convert::from_cell(program, target, text),
            (NodeKind::List(items), Type::List(elem)) => {
                let values = items.iter().map(|item| self.value(item, elem, field)).collect();
                Ok(Value::list(values))
            }
            (NodeKind::Map(entries), Type::Map(elem)) => Ok(self.map(entries, elem, field)),
            _ => Err(problem::wrong_type(program, ty, node.found())),
        }
    }

    fn reference(&mut self, node: &Node, kind: EntityId, text: &str, field: Option<&FieldType>) -> Value {
        let at = self.node_span(node);
        match self.found.reference(kind, text, field, || DataAt::Span(at)) {
            Ok(value) => value,
            Err(problem) => {
                let at = self.node_span(node);
                self.report(at, problem.field(field));
                Value::Null
            }
        }
    }

    /// A CSV cell holding a list: items separated by `;`, each with its own span. The items
    /// come from the decoded cell text; the file's text only places them.
    fn cell_list(&mut self, node: &Node, text: &str, elem: &Type, field: Option<&FieldType>) -> Value {
        if text.trim().is_empty() {
            return Value::list(Vec::new());
        }
        let written = self.text.get(node.start as usize..node.end as usize).unwrap_or("");
        let offsets = decoded_offsets(written, text);
        let place = |from: usize, to: usize| match &offsets {
            Some(map) => match (map.get(from), map.get(to)) {
                (Some(&start), Some(&end)) => (node.start as usize + start, node.start as usize + end),
                _ => (node.start as usize, node.end as usize),
            },
            None => (node.start as usize, node.end as usize),
        };
        let mut items = Vec::new();
        let mut at = 0;
        for part in text.split(';') {
            let lead = part.len() - part.trim_start().len();
            let item = part.trim();
            let from = at + lead;
            at += part.len() + 1;
            if item.is_empty() {
                continue;
            }
            let (start, end) = place(from, from + item.len());
            let cell = Node::new(
                NodeKind::Cell {
                    text: item.to_string(),
                    quoted: false,
                },
                start,
                end,
            );
            items.push(self.value(&cell, elem, field));
        }
        Value::list(items)
    }

    fn record(
        &mut self,
        node: &Node,
        entries: &[Entry],
        record: &RecordType,
        kind: Option<EntityId>,
        holder: Option<&FieldType>,
    ) -> Value {
        let first_ref = self.found.refs.len();
        if let Some(kind) = kind {
            self.found.open(kind);
        }
        let mut builder = RecordBuilder::<Option<Spans>>::new(self.program, record, kind, holder, self.cells);
        for entry in entries {
            let key_span = self.span(entry.key_start, entry.key_end);
            let value_span = self.node_span(&entry.value);
            let spans = Spans {
                key: key_span,
                value: value_span,
            };
            let (index, field) = match builder.key(builder.lookup(&entry.key), Some(spans)) {
                Take::Read(index, field) => (index, field),
                Take::Skip => continue,
                Take::Reject(rejected) => {
                    let mut diagnostic = rejected.problem.at(key_span);
                    if let Some(Some(first)) = rejected.first {
                        diagnostic = diagnostic.with_label(first.key, problem::FIRST_GIVEN);
                    }
                    self.diags.push(diagnostic);
                    continue;
                }
            };
            if entry.value.is_empty_cell() || matches!(entry.value.kind, NodeKind::Absent) {
                // An empty CSV cell; a column the header lacks was reported there, once.
                if let Err(problem) = builder.empty(index, &entry.key)
                    && matches!(entry.value.kind, NodeKind::Cell { .. })
                {
                    self.report(value_span, problem);
                }
                continue;
            }
            let value = self.value(&entry.value, &field.ty, Some(field));
            if let Err(problem) = builder.set(index, value, self.constraints) {
                self.report(value_span, problem);
            }
        }
        let record_span = self.node_span(node);
        let value_at = |index: usize| builder.place(index).flatten().map(|spans| spans.value);
        let entity_spans = (
            record.key.and_then(value_at).unwrap_or(record_span),
            record.field("version").and_then(|(index, _)| value_at(index)),
        );
        let fields = builder.finish(|problem| self.report(record_span, problem));
        let value = Arc::new(Record {
            shape: record.shape.clone(),
            fields,
            origin: Some(Origin {
                file: self.file,
                at: OriginAt::Offset(node.start),
            }),
        });
        if let Some(kind) = kind {
            let entity = value
                .has_key()
                .then(|| FoundEntity::new(kind, value.clone(), Some(Box::new(entity_spans))));
            self.found.close(entity, first_ref);
        }
        Value::Record(value)
    }

    fn map(&mut self, entries: &[Entry], elem: &Type, field: Option<&FieldType>) -> Value {
        let mut values: BTreeMap<Arc<str>, Value> = BTreeMap::new();
        let mut firsts: Vec<(&str, Span)> = Vec::new();
        for entry in entries {
            let key_span = self.span(entry.key_start, entry.key_end);
            if let Some((_, first)) = firsts.iter().find(|(k, _)| *k == entry.key) {
                let diagnostic = problem::duplicate_in_document(&entry.key)
                    .at(key_span)
                    .with_label(*first, problem::FIRST_GIVEN);
                self.diags.push(diagnostic);
                continue;
            }
            firsts.push((&entry.key, key_span));
            let value = self.value(&entry.value, elem, field);
            values.insert(Arc::from(entry.key.as_str()), value);
        }
        Value::Map(Arc::new(values))
    }

    /// A `json` value: any data, untyped (duplicate keys are still reported). A number
    /// no value can hold is reported at its place and stands as `null`, like any value
    /// of the wrong type.
    fn untyped(&mut self, node: &Node) -> Value {
        let read = match &node.kind {
            NodeKind::Null | NodeKind::Absent => Ok(Value::Null),
            NodeKind::Bool(b) => Ok(Value::Bool(*b)),
            NodeKind::Int(n) => Ok(Value::Int(*n)),
            NodeKind::BigInt(text) => big_float(text),
            NodeKind::Float(x) => Ok(Value::Float(*x)),
            NodeKind::HugeFloat(text) => Err(problem::float_out_of_range(text)),
            NodeKind::Str(text) | NodeKind::Datetime(text) => Ok(Value::str(text)),
            NodeKind::Cell { text, .. } => Ok(convert::json_cell(text)),
            NodeKind::List(items) => Ok(Value::list(items.iter().map(|item| self.untyped(item)).collect())),
            NodeKind::Map(entries) => Ok(self.map(entries, &Type::Json, None)),
        };
        read.unwrap_or_else(|problem| {
            let at = self.node_span(node);
            self.report(at, problem);
            Value::Null
        })
    }
}

/// An integer too large for 64 bits where a float is taken: the nearest float, or a
/// problem when even a float cannot hold it.
fn big_float(text: &str) -> Result<Value, Problem> {
    convert::big_int_as_float(text)
        .map(Value::Float)
        .ok_or_else(|| problem::float_out_of_range(text))
}

/// For each byte of a decoded CSV cell, and for its end, the offset of that byte in the
/// cell as written (`written`, quotes included). `None` when the written text does not
/// decode to it by the usual rules (the `csv` crate reads a stray quote leniently): the
/// caller then places every item at the whole cell.
fn decoded_offsets(written: &str, decoded: &str) -> Option<Vec<usize>> {
    let raw = written.as_bytes();
    let quoted = raw.first() == Some(&b'"');
    let mut at = usize::from(quoted);
    let mut offsets = Vec::with_capacity(decoded.len() + 1);
    for &byte in decoded.as_bytes() {
        offsets.push(at);
        let escaped_quote = quoted && byte == b'"';
        let width = if escaped_quote { 2 } else { 1 };
        let matches = raw.get(at..at + width).is_some_and(|w| w.iter().all(|&b| b == byte));
        if !matches {
            return None;
        }
        at += width;
    }
    offsets.push(at);
    Some(offsets)
}
