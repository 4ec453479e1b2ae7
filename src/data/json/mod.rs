//! JSON documents, deserialized by serde straight into typed [`Value`]s: a
//! [`DeserializeSeed`] carries the expected [`Type`] down the document, validates as it
//! builds, and never makes an untyped tree first.
//!
//! serde_json reports no positions, so problems and records are placed by path: the path
//! lives on the stack as a chain of [`Here`] links while parsing, and is materialized only
//! for a problem (a [`DataPath`]). A record's origin is the offset of its `{`, known from
//! the address of its first key (serde_json lends unescaped strings from the input); a
//! record without one falls back to its path, shared by a list's elements
//! ([`OriginAt::Element`]). [`super::Locator`] turns paths into spans when shown.

use std::collections::HashMap;
use std::sync::Arc;

use serde::de::DeserializeSeed;

use crate::diagnostics::{CapKey, Capped, Code, Collector, Diagnostic, LeftOut, left_out_note};
use crate::ir::Program;
use crate::ir::{EntityId, FieldType, Type};
use crate::ir::{Shape, Value};
use crate::source::{DataPath, OriginAt};
use crate::source::{FileId, SourceMap};

mod parallel;
mod path;
mod typed;
mod untyped;

use path::{Here, Seg};
use typed::Typed;

use super::Split;
use super::collect::{DataAt, Found};
use super::problem::{self, Problem};
use crate::hash::{Fast, Text};
use crate::ir::ConstraintEval;
use crate::parallel::Jobs;
use crate::source::Locator;

/// Strings up to this length are shared when repeated (owners, tags, enum-like values).
const INTERN_MAX_LEN: usize = 32;
/// How many distinct strings (versions, lists) one document shares at most.
const INTERN_MAX_ENTRIES: usize = 1 << 16;
/// Lists of up to this many shared strings are shared too.
const SHARED_LIST_MAX: usize = 4;

/// A problem, placed by path (`key: Some(n)` places it at the `n`-th occurrence of the
/// path's last key rather than at the value).
struct Placed {
    path: DataPath,
    key: Option<u32>,
    problem: Problem,
    /// For a duplicate key: the first occurrence.
    first: Option<u32>,
}

struct Ctx<'a, 'de> {
    /// The document (after any BOM, which is `base` bytes long).
    text: &'de str,
    base: usize,
    program: &'a Program,
    constraints: &'a dyn ConstraintEval,
    file: FileId,
    found: &'a mut Found,
    /// At most so many of each code; the rest are counted.
    problems: Collector<Placed>,
    /// Repeated short strings, shared.
    strings: HashMap<Text<'de>, Arc<str>, Fast>,
    /// Repeated versions, parsed once and shared.
    versions: HashMap<Text<'de>, Arc<semver::Version>, Fast>,
    /// Repeated short lists of shared strings (tags), shared: keyed by the strings' addresses.
    lists: HashMap<([usize; SHARED_LIST_MAX], usize), Value, Fast>,
    /// Items of the lists being read, innermost last: each list is allocated once, at
    /// its exact size, when it ends.
    items: Vec<Value>,
    /// In a part of a long list read on its own thread: the entities read before it.
    earlier: Option<&'a Found>,
    /// When long lists are read in chunks ([`Split::NEVER`] inside a chunk), on how
    /// many threads.
    split: Split,
    jobs: Jobs,
    /// In a part: its own copies of the record shapes it has used, by the address of the
    /// shared one (see [`Ctx::shape`]).
    shapes: Vec<(usize, Arc<Shape>)>,
    /// A failure found where serde_json cannot place it (in an element read on its own),
    /// reported in place of the error that stops the document.
    failed: Option<Diagnostic>,
}

impl<'a, 'de> Ctx<'a, 'de> {
    /// A reader for a part of the document, with tables of its own, beside `self`.
    fn part(
        text: &'de str,
        base: usize,
        program: &'a Program,
        constraints: &'a dyn ConstraintEval,
        file: FileId,
        found: &'a mut Found,
        earlier: Option<&'a Found>,
    ) -> Ctx<'a, 'de> {
        Ctx {
            text,
            base,
            program,
            constraints,
            file,
            found,
            problems: Collector::new(0),
            strings: HashMap::default(),
            versions: HashMap::default(),
            lists: HashMap::default(),
            items: Vec::new(),
            earlier,
            split: Split::NEVER,
            jobs: Jobs::ONE,
            shapes: Vec::new(),
            failed: None,
        }
    }

    fn reference(
        &mut self,
        kind: EntityId,
        text: &str,
        field: Option<&FieldType>,
        at: impl FnOnce() -> DataAt,
    ) -> Result<Value, Problem> {
        self.found.reference_after(self.earlier, kind, text, field, at)
    }
}

impl<'de> Ctx<'_, 'de> {
    /// The file offset of the `{` that opens the object whose first key is `key`, when
    /// `key` was lent from the document.
    fn brace_before(&self, key: Option<&'de str>) -> Option<u32> {
        let start = (key?.as_ptr() as usize).checked_sub(self.text.as_ptr() as usize)?;
        let (quote, before) = self.text.as_bytes().get(..start)?.split_last()?;
        let brace = before
            .iter()
            .rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))?;
        if *quote != b'"' || before.get(brace) != Some(&b'{') {
            return None;
        }
        u32::try_from(self.base + brace).ok()
    }

    /// The shape a record of `shape` shares. A part read on its own thread uses a copy
    /// of its own: every record takes a count of its shape, and two threads counting one
    /// shape would pass its cache line back and forth for each record.
    fn shape(&mut self, shape: &Arc<Shape>) -> Arc<Shape> {
        if self.earlier.is_none() {
            return shape.clone();
        }
        let address = Arc::as_ptr(shape) as usize;
        if let Some((_, own)) = self.shapes.iter().find(|(at, _)| *at == address) {
            return own.clone();
        }
        let own = Arc::new(Shape::clone(shape));
        self.shapes.push((address, own.clone()));
        own
    }

    fn problem(&mut self, here: &Here<'_>, problem: Problem) {
        self.problems.push(Placed {
            path: here.path(),
            key: None,
            problem,
            first: None,
        });
    }

    fn key_problem(&mut self, here: &Here<'_>, occurrence: u32, problem: Problem, first: Option<u32>) {
        self.problems.push(Placed {
            path: here.path(),
            key: Some(occurrence),
            problem,
            first,
        });
    }

    fn duplicate(&mut self, here: &Here<'_>, name: &str, occurrence: u32) {
        self.key_problem(here, occurrence, problem::duplicate_in_document(name), Some(0));
    }

    fn string(&mut self, text: &str, borrowed: Option<&'de str>) -> Arc<str> {
        let Some(text) = borrowed.filter(|t| t.len() <= INTERN_MAX_LEN) else {
            return Arc::from(text);
        };
        if let Some(shared) = self.strings.get(&Text(text)) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(text);
        if self.strings.len() < INTERN_MAX_ENTRIES {
            self.strings.insert(Text(text), shared.clone());
        }
        shared
    }

    fn version(&mut self, text: &'de str) -> Result<Value, Problem> {
        if let Some(version) = self.versions.get(&Text(text)) {
            return Ok(Value::Version(version.clone()));
        }
        match semver::Version::parse(text) {
            Ok(version) => {
                let version = Arc::new(version);
                if self.versions.len() < INTERN_MAX_ENTRIES {
                    self.versions.insert(Text(text), version.clone());
                }
                Ok(Value::Version(version))
            }
            Err(error) => Err(problem::invalid_version(text, &error)),
        }
    }

    /// The list of the items read since `start`, shared with an equal earlier one when it
    /// is a short list of shared strings. Equal addresses mean equal strings, and the
    /// table keeps the strings alive, so an address is never reused while it is a key.
    fn list(&mut self, start: usize) -> Value {
        let items = self.items.get(start..).unwrap_or(&[]);
        let mut key = [0usize; SHARED_LIST_MAX];
        let shareable = items.len() <= SHARED_LIST_MAX
            && items.iter().zip(key.iter_mut()).all(|(item, slot)| match item {
                Value::Str(s) if s.len() <= INTERN_MAX_LEN => {
                    *slot = Arc::as_ptr(s).cast::<u8>() as usize;
                    true
                }
                _ => false,
            });
        let key = (key, items.len());
        if shareable && let Some(shared) = self.lists.get(&key) {
            let shared = shared.clone();
            self.items.truncate(start);
            return shared;
        }
        let list = if start == 0 && self.items.len() > 1 << 12 {
            // An outermost long list (the 100 000 agents) takes the buffer itself: no copy.
            Value::list(std::mem::take(&mut self.items))
        } else {
            Value::list(self.items.drain(start..).collect())
        };
        if !shareable {
            return list;
        }
        if self.lists.len() < INTERN_MAX_ENTRIES {
            self.lists.insert(key, list.clone());
        }
        list
    }
}

/// Loads `text` (the whole file, `base` bytes of BOM already skipped) as a value of `ty`.
/// On a syntax error nothing is kept but the one diagnostic.
#[expect(clippy::too_many_arguments, reason = "the loader's state, passed once per document")]
pub(crate) fn load(
    program: &Program,
    constraints: &dyn ConstraintEval,
    sources: &SourceMap,
    locator: &Locator,
    file: FileId,
    ty: &Type,
    list_source: bool,
    split: Split,
    jobs: Jobs,
    max_per_code: usize,
    found: &mut Found,
    diags: &mut Vec<Diagnostic>,
) -> Option<Value> {
    let full = sources.text(file);
    let base = super::bom_len(full);
    let text = full.get(base..).unwrap_or("");
    let mark = found.mark();
    let mut ctx = Ctx::part(text, base, program, constraints, file, found, None);
    ctx.split = split;
    ctx.jobs = jobs;
    ctx.problems = Collector::new(max_per_code);
    let root = Here {
        parent: None,
        seg: Seg::Root,
        base: None,
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let result = Typed {
        ctx: &mut ctx,
        ty,
        field: None,
        here: &root,
        origin: None,
        single: list_source,
        intern: true,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    let value = match result {
        Ok(value) => value,
        Err(error) => {
            ctx.found.reset(mark);
            diags.push(
                ctx.failed
                    .take()
                    .unwrap_or_else(|| syntax_error(file, text, base, &error)),
            );
            return None;
        }
    };
    let Ctx { problems, .. } = ctx;
    let (problems, left_out) = problems.into_parts();
    let root_base = OriginAt::Path(Arc::new(DataPath::default()));
    for placed in problems {
        let at = locator.json_span(sources, file, &root_base, &placed.path.0, placed.key);
        let mut diagnostic = placed.problem.at(at);
        if let Some(first) = placed.first {
            let first_at = locator.json_span(sources, file, &root_base, &placed.path.0, Some(first));
            diagnostic = diagnostic.with_label(first_at, problem::FIRST_GIVEN);
        }
        diags.push(diagnostic);
    }
    for left in left_out {
        let left = LeftOut {
            file: Some(file),
            ..left
        };
        diags.push(left_out_note(left, None, sources));
    }
    Some(value)
}

/// Problems of one document are counted by code; the document is the file.
impl Capped for Placed {
    fn cap_key(&self) -> CapKey {
        (self.problem.code, self.problem.code.info().severity, None)
    }
}

fn syntax_error(file: FileId, text: &str, base: usize, error: &serde_json::Error) -> Diagnostic {
    let full = error.to_string();
    let message = full.rsplit_once(" at line ").map_or(full.as_str(), |(m, _)| m);
    let offset = base + byte_offset(text, error.line(), error.column());
    let span = crate::source::Span::new(file, offset, offset);
    if message.starts_with("recursion limit exceeded") {
        return Diagnostic::new(Code::DataLimit, "JSON nested more than 128 levels deep")
            .at(span, "nesting limit reached here")
            .with_help("flatten the data; no registry document needs this depth");
    }
    Diagnostic::new(Code::MalformedData, format!("malformed JSON: {message}"))
        .at(span, message.to_string())
        .with_help("fix the JSON syntax; every other check of this file waits for it")
}

/// serde_json counts lines from 1 and columns in bytes, pointing just past the problem.
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    let mut offset = (line_start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
