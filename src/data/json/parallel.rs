//! Long lists of records, read on every core.
//!
//! A large document is mostly one or two long lists (the fleet's 100 000 agents and
//! 10 000 workflows). serde_json lends each element's text ([`RawValue`]: one pass that
//! checks the syntax and finds where every element ends), the elements are cut into as
//! many parts as there are cores, and each part is read by the ordinary typed reader on
//! its own thread, with tables of its own and a [`Found`] of its own that sees the
//! entities read before the list. The parts are then merged in document order: the same
//! values, problems, duplicate keys and references as reading them one after the other,
//! except that a reference from one part to an entity of an earlier part is resolved at
//! the end rather than on the spot.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::check::Type;
use crate::diagnostics::Diagnostic;
use crate::eval::{DataPath, Value};

use super::super::collect::Found;
use super::super::convert;
use super::path::{Here, Seg};
use super::typed::{ElementOf, Typed};
use super::{Ctx, Placed, syntax_error};

/// The element type, when the value about to be read is a list of records worth reading
/// in parts: in a large document (`ctx.split`), outside any entity (whose references
/// would be its own), and not already in a part (whose `split` is never).
pub(super) fn long_list<'a>(ctx: &Ctx<'a, '_>, ty: &'a Type) -> Option<&'a Type> {
    if ctx.text.len() < ctx.split.min_document_bytes || ctx.found.in_entity() {
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
        let t = crate::timing::Timer::start("list scan");
        let mut elements: Vec<&'de RawValue> = Vec::new();
        while let Some(element) = seq.next_element()? {
            elements.push(element);
        }
        t.stop();
        read(self.typed, self.elem, &elements).map_err(de::Error::custom)
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
    problems: Vec<Placed>,
    items: Vec<Value>,
    failed: Option<Diagnostic>,
}

/// Everything a part reads with, shared by the threads.
struct Shared<'s, 'a, 'de> {
    ctx: &'s Ctx<'a, 'de>,
    elem: &'a Type,
    field: Option<&'a crate::check::FieldType>,
    here: &'s Here<'s>,
    /// The list's path, for elements whose first key gives no offset.
    path: Arc<DataPath>,
    elements: &'s [&'de RawValue],
}

/// Reads the elements in parts and merges them into `typed`'s reader, in order. On a
/// failure the reader keeps its diagnostic and the document stops.
fn read<'de>(typed: Typed<'_, '_, 'de, '_>, elem: &Type, elements: &[&'de RawValue]) -> Result<Value, &'static str> {
    let Typed { ctx, here, field, .. } = typed;
    let t = crate::timing::Timer::start("list parts");
    let parts = {
        let shared = Shared {
            ctx: &*ctx,
            elem,
            field,
            here,
            path: Arc::new(here.path()),
            elements,
        };
        let parts = if elements.len() < ctx.split.min_elements {
            1
        } else {
            ctx.split.max_parts
        };
        // The first part's list is given room for all the items: the others join it.
        crate::threads::in_order(&split(elements, parts), |range| {
            let capacity = if range.start == 0 { elements.len() } else { range.len() };
            read_part(&shared, range, capacity)
        })
    };
    let t = t.next("list merge");
    let mut items: Option<Vec<Value>> = None;
    for part in parts {
        if let Some(failed) = part.failed {
            ctx.failed = Some(failed);
            return Err("an element could not be read");
        }
        ctx.found.absorb(part.found);
        ctx.problems.extend(part.problems);
        // The first part's items were given room for all: no copy of them.
        match &mut items {
            Some(items) => items.extend(part.items),
            None => items = Some(part.items),
        }
    }
    t.stop();
    Ok(Value::list(items.unwrap_or_default()))
}

/// Element ranges of about equal bytes, in order.
fn split(elements: &[&RawValue], parts: usize) -> Vec<Range<usize>> {
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

/// Reads the elements in `range` into a list with room for `capacity` items.
fn read_part(shared: &Shared<'_, '_, '_>, range: Range<usize>, capacity: usize) -> Part {
    let main = shared.ctx;
    let mut found = Found::part(main.program, main.found);
    if let Some((_, Some(kind))) = convert::record_of(main.program, shared.elem.strip_optional()) {
        // Like the items, the first part's entities get room for all: the others join them.
        found.reserve(kind, capacity);
    }
    let mut ctx = Ctx::part(
        main.text,
        main.base,
        main.program,
        main.constraints,
        main.file,
        &mut found,
        Some(main.found),
    );
    let elements = shared.elements.get(range.clone()).unwrap_or(&[]);
    let mut items = Vec::with_capacity(capacity);
    for (index, raw) in range.zip(elements) {
        let index = u32::try_from(index).unwrap_or(u32::MAX);
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
            let ranges = split(&elements, parts);
            assert!(ranges.len() <= parts.max(1), "{parts}: {ranges:?}");
            let covered: Vec<usize> = ranges.iter().flat_map(Clone::clone).collect();
            assert_eq!(covered, (0..9).collect::<Vec<_>>(), "{parts}: {ranges:?}");
        }
        // 45 bytes: the first part ends with the element that reaches 23.
        assert_eq!(split(&elements, 2), vec![0..7, 7..9]);
        assert_eq!(split(&[], 3), vec![0..0]);
    }
}
