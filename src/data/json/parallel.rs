//! Long lists of records, read in chunks.
//!
//! A large document is mostly one or two long lists (the fleet's 100 000 agents and
//! 10 000 workflows). serde_json lends each element's text ([`RawValue`]: one pass that
//! checks the syntax and finds where every element ends); the list is then cut into
//! chunks of about equal bytes, a few per job ([`crate::parallel`]), and each chunk is read
//! by the ordinary typed reader, with tables of its own and a [`Found`] of its own that
//! sees the entities read before the list.
//!
//! The chunks are merged in document order: the same values, problems, duplicate keys and
//! references as reading the list whole, wherever it was cut, except that a reference
//! from one chunk to an entity of an earlier chunk is resolved at the end rather than on
//! the spot. A chunk that fails, or a merge that holds another number of items than the
//! scan found, is an internal error that stops the document: never a shorter list.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::diagnostics::{Collector, Diagnostic};
use crate::ir::Type;
use crate::ir::Value;
use crate::source::{DataPath, Span};

use super::super::collect::Found;
use super::super::convert;
use super::path::{Here, Seg};
use super::typed::{ElementOf, Typed};
use super::{Ctx, Placed, syntax_error};

/// The element type, when the value about to be read is a list of records that may be
/// read in chunks: in a large document (`ctx.split`) read with more than one job (or a
/// fixed chunk size), outside any entity (whose references would be its own), and not
/// already in a chunk (whose `split` is never).
pub(super) fn long_list<'a>(ctx: &Ctx<'a, '_>, ty: &'a Type) -> Option<&'a Type> {
    if !ctx.split.may_cut(ctx.text.len(), ctx.jobs) || ctx.found.in_entity() {
        return None;
    }
    match ty.strip_optional() {
        Type::List(elem) if convert::record_of(ctx.program, elem.strip_optional()).is_some() => Some(elem),
        _ => None,
    }
}

/// Reads a value expected to be a list of records ([`long_list`]); anything else goes to
/// the ordinary reader, which says what is wrong with it.
pub(super) struct LongList<'c, 'a, 'de, 'p> {
    pub(super) typed: Typed<'c, 'a, 'de, 'p>,
    pub(super) elem: &'a Type,
}

impl<'de> DeserializeSeed<'de> for LongList<'_, '_, 'de, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LongList<'_, '_, 'de, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let LongList { typed, elem } = self;
        let Typed { ctx, here, field, .. } = typed;
        let t = crate::timing::Timer::start("list scan");
        let mut elements: Vec<&'de RawValue> = Vec::new();
        while let Some(element) = seq.next_element::<&'de RawValue>()? {
            elements.push(element);
        }
        let t = t.next("list parts");
        let shared = Shared {
            ctx: &*ctx,
            elem,
            field,
            here,
            path: Arc::new(here.path()),
        };
        let chunks = cut(shared.ctx, &elements);
        // The first chunk's list is given room for all the items: the others join it.
        let parts = crate::parallel::run(shared.ctx.jobs, &chunks, |range| {
            let room = (range.start == 0).then_some(elements.len());
            read_part(&shared, range.start, elements.get(range).unwrap_or(&[]), room)
        });
        t.stop();
        drop(shared);
        let parts = match parts {
            Ok(parts) => parts,
            Err(failed) => {
                let first = elements.get(failed.range.start).copied();
                ctx.failed = Some(internal(ctx, failed.message("reading the list"), first));
                return Err(de::Error::custom("a part of the list could not be read"));
            }
        };
        merge(ctx, parts, &elements).map_err(de::Error::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        self.typed.visit_map(map)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.typed.visit_unit()
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.typed.visit_none()
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        self.typed.visit_bool(b)
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        self.typed.visit_i64(n)
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        self.typed.visit_u64(n)
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> Result<Value, E> {
        self.typed.visit_f64(x)
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Value, E> {
        self.typed.visit_borrowed_str(s)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        self.typed.visit_str(s)
    }
}

/// What one part read.
struct Part {
    found: Found,
    problems: Collector<Placed>,
    items: Vec<Value>,
    failed: Option<Diagnostic>,
}

/// Everything a part reads with, shared by the threads.
struct Shared<'s, 'a, 'de> {
    ctx: &'s Ctx<'a, 'de>,
    elem: &'a Type,
    field: Option<&'a crate::ir::FieldType>,
    here: &'s Here<'s>,
    /// The list's path, for elements whose first key gives no offset.
    path: Arc<DataPath>,
}

/// Chunks of a long list per job. More than one, so that a thread that reads faster than
/// another (the caller's allocates fastest) takes more of them.
const CHUNKS_PER_JOB: usize = 4;

/// The chunks of a list: of about equal bytes, [`CHUNKS_PER_JOB`] per job, when it is
/// long enough; of the fixed size a test asks for; or the whole list.
fn cut(ctx: &Ctx<'_, '_>, elements: &[&RawValue]) -> Vec<Range<usize>> {
    let chunking = ctx.split.chunking;
    if chunking.items.is_none() && chunking.cuts(elements.len(), ctx.jobs) {
        return split_bytes(elements, ctx.jobs.get().saturating_mul(CHUNKS_PER_JOB));
    }
    chunking.ranges(elements.len(), ctx.jobs)
}

/// Joins the parts, in order, into `ctx`'s reader. On a failure the reader keeps its
/// diagnostic and the document stops.
fn merge(ctx: &mut Ctx<'_, '_>, parts: Vec<Part>, elements: &[&RawValue]) -> Result<Value, &'static str> {
    let t = crate::timing::Timer::start("list merge");
    let mut items: Option<Vec<Value>> = None;
    for part in parts {
        if let Some(failed) = part.failed {
            ctx.failed = Some(failed);
            return Err("an element could not be read");
        }
        ctx.found.absorb(part.found);
        ctx.problems.append(part.problems);
        // The first part's items were given room for all: no copy of them.
        match &mut items {
            Some(items) => items.extend(part.items),
            None => items = Some(part.items),
        }
    }
    let items = items.unwrap_or_default();
    // INVARIANT: every element scanned is one item, in one chunk.
    if let Err(mismatch) = crate::parallel::check_count(elements.len(), items.len()) {
        let diagnostic = internal(ctx, mismatch.message("reading the list"), elements.first().copied());
        ctx.failed = Some(diagnostic);
        return Err("the parts of the list do not add up to it");
    }
    t.stop();
    Ok(Value::list(items))
}

/// An internal error (`E0509`) placed at `element` (else at the start of the document).
fn internal(ctx: &Ctx<'_, '_>, message: String, element: Option<&RawValue>) -> Diagnostic {
    let (start, len) = element.map_or((0, 0), |raw| {
        let at = (raw.get().as_ptr() as usize).saturating_sub(ctx.text.as_ptr() as usize);
        (at, raw.get().len())
    });
    let start = ctx.base + start;
    Diagnostic::new(crate::diagnostics::Code::InternalError, message)
        .at(
            Span::new(ctx.file, start, start + len),
            "in the part of the list from here",
        )
        .with_help(crate::parallel::INTERNAL_HELP)
}

/// Element ranges of about equal bytes, in order.
fn split_bytes(elements: &[&RawValue], parts: usize) -> Vec<Range<usize>> {
    let total: usize = elements.iter().map(|e| e.get().len()).sum();
    let per_part = total.div_ceil(parts.max(1)).max(1);
    let mut ranges = Vec::with_capacity(parts);
    let (mut start, mut bytes) = (0, 0);
    for (i, element) in elements.iter().enumerate() {
        bytes += element.get().len();
        if bytes >= per_part && ranges.len() + 1 < parts {
            ranges.push(start..i + 1);
            (start, bytes) = (i + 1, 0);
        }
    }
    ranges.push(start..elements.len());
    ranges
}

/// Reads `elements`, the list's from index `first` on, with room made for `room` items.
fn read_part<'de>(shared: &Shared<'_, '_, 'de>, first: usize, elements: &[&'de RawValue], room: Option<usize>) -> Part {
    let main = shared.ctx;
    let mut found = Found::part(main.program, main.found);
    let kind = convert::record_of(main.program, shared.elem.strip_optional()).and_then(|(_, kind)| kind);
    let mut ctx = Ctx::part(
        main.text,
        main.base,
        main.program,
        main.constraints,
        main.file,
        &mut found,
        Some(main.found),
    );
    ctx.problems = Collector::new(main.problems.limit());
    let mut items = Vec::with_capacity(room.unwrap_or(elements.len()));
    if let (Some(room), Some(kind)) = (room, kind) {
        ctx.found.reserve(kind, room);
    }
    let mut index = u32::try_from(first).unwrap_or(u32::MAX);
    for raw in elements {
        let child = Here::child(shared.here, Seg::Index(index));
        let mut deserializer = serde_json::Deserializer::from_str(raw.get());
        let seed = Typed {
            ctx: &mut ctx,
            ty: shared.elem,
            field: shared.field,
            here: &child,
            origin: Some(ElementOf {
                list: &shared.path,
                index,
            }),
            single: false,
            intern: true,
        };
        match seed.deserialize(&mut deserializer) {
            Ok(value) => items.push(value),
            Err(error) => {
                // Not the syntax (the list was read whole first): a number out of range.
                let at = (raw.get().as_ptr() as usize).saturating_sub(main.text.as_ptr() as usize);
                ctx.failed = Some(syntax_error(main.file, raw.get(), main.base + at, &error));
                break;
            }
        }
        index = index.saturating_add(1);
    }
    let Ctx { problems, failed, .. } = ctx;
    Part {
        found,
        problems,
        items,
        failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_every_element_in_order_with_about_equal_bytes() {
        let text = r#"[1, 22, 333, 4444, 55555, 666666, "seven", {"eight": 8}, [9]]"#;
        let elements: Vec<&RawValue> = serde_json::from_str(text).unwrap_or_default();
        assert_eq!(elements.len(), 9);
        for parts in 1..=12 {
            let ranges = split_bytes(&elements, parts);
            assert!(ranges.len() <= parts.max(1), "{parts}: {ranges:?}");
            let covered: Vec<usize> = ranges.iter().flat_map(Clone::clone).collect();
            assert_eq!(covered, (0..9).collect::<Vec<_>>(), "{parts}: {ranges:?}");
        }
        // 45 bytes: the first part ends with the element that reaches 23.
        assert_eq!(split_bytes(&elements, 2), vec![0..7, 7..9]);
        assert_eq!(split_bytes(&[], 3), vec![0..0]);
    }
}
