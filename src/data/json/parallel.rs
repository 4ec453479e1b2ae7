//! Long lists of records, read on every core.
//!
//! A large document is mostly one or two long lists (the fleet's 100 000 agents and
//! 10 000 workflows). serde_json lends each element's text ([`RawValue`]: one pass that
//! checks the syntax and finds where every element ends), and each part of the list is
//! read by the ordinary typed reader on its own thread, with tables of its own and a
//! [`Found`] of its own that sees the entities read before the list.
//!
//! The pass runs on one core, so the first part begins while it is still running, on a
//! thread that is sent the elements in batches as they are found ([`Scan`]); when the
//! pass ends, the first part is told where to stop ([`Claims`]) and the other parts read
//! the rest. The first part's thread allocates more slowly than the main thread, so the
//! main thread then takes over the end of what the first part has not begun.
//!
//! The parts are merged in document order: the same values, problems, duplicate keys and
//! references as reading them one after the other, wherever the parts were cut, except
//! that a reference from one part to an entity of an earlier part is resolved at the end
//! rather than on the spot.

use std::fmt;
use std::ops::Range;
use std::sync::{Arc, Mutex, mpsc};

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::diagnostics::{Collector, Diagnostic};
use crate::ir::Type;
use crate::ir::Value;
use crate::source::DataPath;

use super::super::collect::Found;
use super::super::convert;
use super::path::{Here, Seg};
use super::typed::{ElementOf, Typed};
use super::{Ctx, Placed, Split, syntax_error};

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
        let LongList { typed, elem } = self;
        let Typed { ctx, here, field, .. } = typed;
        let shared = Shared {
            ctx: &*ctx,
            elem,
            field,
            here,
            path: Arc::new(here.path()),
        };
        let claims = Claims::default();
        let parts = std::thread::scope(|scope| {
            let mut scan = Scan::new(shared.ctx.split);
            let t = crate::timing::Timer::start("list scan");
            let scanned = loop {
                match seq.next_element::<&'de RawValue>() {
                    Ok(Some(element)) => scan.push(element, scope, &shared, &claims),
                    Ok(None) => break Ok(()),
                    Err(error) => break Err(error),
                }
            };
            t.stop();
            match scanned {
                Ok(()) => Ok(scan.read(&shared, &claims)),
                Err(error) => {
                    scan.abandon(&shared, &claims);
                    Err(error)
                }
            }
        })?;
        drop(shared);
        merge(ctx, parts).map_err(de::Error::custom)
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

/// The elements of a list found so far, and the first part, once begun.
struct Scan<'scope, 'de> {
    split: Split,
    elements: Vec<&'de RawValue>,
    /// The elements sent to the first part, batch by batch.
    batches: Vec<Range<usize>>,
    front: Option<Front<'scope, 'de>>,
    /// Whether the first part was begun (or its thread could not start).
    begun: bool,
}

impl<'scope, 'de> Scan<'scope, 'de> {
    fn new(split: Split) -> Scan<'scope, 'de> {
        Scan {
            split,
            elements: Vec::new(),
            batches: Vec::new(),
            front: None,
            begun: false,
        }
    }

    fn sent(&self) -> usize {
        self.batches.last().map_or(0, |b| b.end)
    }

    /// The next element. Once the list is long enough for parts, the first part begins
    /// on a thread of its own, and is sent each batch as soon as it is found.
    fn push<'env>(
        &mut self,
        element: &'de RawValue,
        scope: &'scope std::thread::Scope<'scope, 'env>,
        shared: &'scope Shared<'_, '_, 'de>,
        claims: &'scope Claims,
    ) {
        self.elements.push(element);
        let split = self.split;
        let found = self.elements.len();
        if split.max_parts < 2 || found < split.min_elements || found - self.sent() < split.batch {
            return;
        }
        if !self.begun {
            self.begun = true;
            self.front = Front::start(scope, shared, claims);
        }
        // The elements found before the first part began go in batches too: the first
        // part can only be stopped between two batches.
        while self.front.is_some() && self.sent() < found {
            let batch = self.sent()..(self.sent() + split.batch).min(found);
            self.send(batch);
        }
    }

    fn send(&mut self, batch: Range<usize>) {
        if let Some(front) = &self.front {
            front.send(self.elements.get(batch.clone()).unwrap_or(&[]).to_vec());
            self.batches.push(batch);
        }
    }

    /// The parts of the whole list, in order.
    fn read(mut self, shared: &Shared<'_, '_, 'de>, claims: &Claims) -> Vec<Part> {
        let t = crate::timing::Timer::start("list parts");
        // What is left after the last whole batch goes to the first part too.
        self.send(self.sent()..self.elements.len());
        let parts = match self.front.take() {
            Some(front) => self.read_begun(front, shared, claims),
            None => self.read_whole(shared),
        };
        t.stop();
        parts
    }

    /// With no part begun: the elements cut into parts of about equal bytes.
    fn read_whole(&self, shared: &Shared<'_, '_, 'de>) -> Vec<Part> {
        let elements = &self.elements;
        let parts = if elements.len() < self.split.min_elements {
            1
        } else {
            self.split.max_parts
        };
        // The first part's list is given room for all the items: the others join it.
        crate::threads::in_order(&split_bytes(elements, parts), |range| {
            let room = (range.start == 0).then_some(elements.len());
            read_part(
                shared,
                range.start,
                Slice::new(elements.get(range).unwrap_or(&[]), room),
            )
        })
    }

    /// With the first part begun: it is stopped where what is left for it is about as
    /// long as each of the other parts, which read the rest. It may then be behind (its
    /// thread allocates more slowly than this one, see `docs/performance.md`): what it
    /// has not taken yet is halved, and the second half read here as a part of its own,
    /// until it is down to its last batch.
    fn read_begun(&self, front: Front<'scope, 'de>, shared: &Shared<'_, '_, 'de>, claims: &Claims) -> Vec<Part> {
        let (elements, batches) = (&self.elements, &self.batches);
        let start_of = |batch: usize| batches.get(batch).map_or(elements.len(), |b| b.start);
        let others = self.split.max_parts - 1;
        let cut = claims.close(elements.len(), |taken| balanced_cut(batches, elements, taken, others));
        let ranges: Vec<Range<usize>> = split_bytes(elements.get(start_of(cut)..).unwrap_or(&[]), others)
            .into_iter()
            .map(|r| r.start + start_of(cut)..r.end + start_of(cut))
            .collect();
        let rest = crate::threads::in_order(&ranges, |range| {
            read_part(
                shared,
                range.start,
                Slice::new(elements.get(range).unwrap_or(&[]), None),
            )
        });
        let mut taken_over = Vec::new();
        while let Some(given_up) = claims.shrink(|taken, limit| {
            let before = batches.get(..limit).unwrap_or(&[]);
            balanced_cut(before, elements.get(..start_of(limit)).unwrap_or(&[]), taken, 1)
        }) {
            let range = start_of(given_up.start)..start_of(given_up.end);
            taken_over.push(read_part(
                shared,
                range.start,
                Slice::new(elements.get(range).unwrap_or(&[]), None),
            ));
        }
        let end = start_of(claims.limit().unwrap_or(cut));
        let mut parts = vec![front.join(shared, elements.get(..end).unwrap_or(&[]))];
        // The part taken over first is the furthest on in the list.
        parts.extend(taken_over.into_iter().rev());
        parts.extend(rest);
        parts
    }

    /// The list stops on a syntax error: nothing more for the first part.
    fn abandon(mut self, shared: &Shared<'_, '_, 'de>, claims: &Claims) {
        if let Some(front) = self.front.take() {
            claims.close(self.elements.len(), |taken| taken);
            drop(front.join(shared, &[]));
        }
    }
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

/// Joins the parts, in order, into `ctx`'s reader. On a failure the reader keeps its
/// diagnostic and the document stops.
fn merge(ctx: &mut Ctx<'_, '_>, parts: Vec<Part>) -> Result<Value, &'static str> {
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
    t.stop();
    Ok(Value::list(items.unwrap_or_default()))
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

/// Where the first part, which has taken the batches before `taken`, should stop: before
/// the first batch that would leave it more to read than each of the `others` parts gets
/// of the rest. It errs on the short side: the other parts can take over from the first,
/// but it cannot take over from them.
fn balanced_cut(batches: &[Range<usize>], elements: &[&RawValue], taken: usize, others: usize) -> usize {
    let bytes = |range: Range<usize>| -> usize {
        elements
            .get(range)
            .map_or(0, |slice| slice.iter().map(|e| e.get().len()).sum())
    };
    let from = batches.get(taken).map_or(elements.len(), |b| b.start);
    let mut rest = bytes(from..elements.len());
    let mut front = 0;
    for (k, batch) in batches.iter().enumerate().skip(taken) {
        let length = bytes(batch.clone());
        if (front + length) * others.max(1) > rest - length {
            return k;
        }
        front += length;
        rest -= length;
    }
    batches.len()
}

/// The batches the first part may still take. It takes them one by one, in order, and
/// the thread that scans the list closes the claims once it has seen the whole list,
/// keeping the batches from a cut onwards for the other parts.
#[derive(Default)]
struct Claims(Mutex<ClaimState>);

#[derive(Default)]
struct ClaimState {
    /// The next batch the first part would take.
    next: usize,
    /// Batches from here on are not the first part's (none until closed).
    limit: Option<usize>,
    /// How many elements the list has, once closed.
    total: Option<usize>,
}

impl Claims {
    fn state(&self) -> std::sync::MutexGuard<'_, ClaimState> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes batch `k` for the first part, if it is still to be had; with the list's
    /// length if that is known by now.
    fn claim(&self, k: usize) -> Option<Option<usize>> {
        let mut state = self.state();
        if state.limit.is_some_and(|limit| k >= limit) {
            return None;
        }
        state.next = k + 1;
        Some(state.total)
    }

    /// No more batches for the first part from `cut(taken)` (never before the batches it
    /// has taken); returns where it stops.
    fn close(&self, total: usize, cut: impl FnOnce(usize) -> usize) -> usize {
        let mut state = self.state();
        let limit = cut(state.next).max(state.next);
        state.limit = Some(limit);
        state.total = Some(total);
        limit
    }

    /// Once closed, moves the first part's stop back to `cut(taken, limit)` if it has at
    /// least two batches left to take: the batches it gives up.
    fn shrink(&self, cut: impl FnOnce(usize, usize) -> usize) -> Option<Range<usize>> {
        let mut state = self.state();
        let limit = state.limit?;
        if limit < state.next + 2 {
            return None;
        }
        let from = cut(state.next, limit).clamp(state.next + 1, limit);
        state.limit = Some(from);
        (from < limit).then_some(from..limit)
    }

    /// Where the first part stops, once closed.
    fn limit(&self) -> Option<usize> {
        self.state().limit
    }
}

/// The first part of a long list, read on a thread of its own while the list is still
/// being scanned: it is sent the elements in batches as they are found, so that the scan
/// (a syntax pass over the whole list, on one core) is not all waiting time.
struct Front<'scope, 'de> {
    batches: mpsc::Sender<Vec<&'de RawValue>>,
    handle: std::thread::ScopedJoinHandle<'scope, Part>,
}

impl<'scope, 'de> Front<'scope, 'de> {
    fn start<'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        shared: &'scope Shared<'_, '_, 'de>,
        claims: &'scope Claims,
    ) -> Option<Front<'scope, 'de>>
    where
        'de: 'scope,
    {
        let (batches, received) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .stack_size(crate::STACK_SIZE)
            .spawn_scoped(scope, move || {
                let elements = Claimed {
                    received,
                    claims,
                    next: 0,
                    batch: Vec::new().into_iter(),
                    room: Room::Unknown,
                };
                read_part(shared, 0, elements)
            })
            .ok()?;
        Some(Front { batches, handle })
    }

    fn send(&self, batch: Vec<&'de RawValue>) {
        // A thread that has stopped is not waited for: `join` reads its part again.
        let _ = self.batches.send(batch);
    }

    /// The first part, which is `elements`: read again here if its thread failed, or
    /// did not read them all (which the claims should make impossible).
    fn join(self, shared: &Shared<'_, '_, 'de>, elements: &[&'de RawValue]) -> Part {
        drop(self.batches);
        match self.handle.join() {
            // Every element it read is an item, unless one could not be read.
            Ok(part) if part.failed.is_some() || part.items.len() == elements.len() => part,
            _ => read_part(shared, 0, Slice::new(elements, Some(elements.len()))),
        }
    }
}

/// The elements a part reads, in order.
trait Elements<'de>: Iterator<Item = &'de RawValue> {
    /// How many items the part should make room for, once that is known: the first
    /// part's list and tables become the whole list's, so it is given room for all.
    fn room(&mut self) -> Option<usize>;
}

/// Elements found already.
struct Slice<'s, 'de> {
    elements: std::slice::Iter<'s, &'de RawValue>,
    room: Option<usize>,
}

impl<'s, 'de> Slice<'s, 'de> {
    fn new(elements: &'s [&'de RawValue], room: Option<usize>) -> Slice<'s, 'de> {
        Slice {
            elements: elements.iter(),
            room,
        }
    }
}

impl<'de> Iterator for Slice<'_, 'de> {
    type Item = &'de RawValue;

    fn next(&mut self) -> Option<&'de RawValue> {
        self.elements.next().copied()
    }
}

impl<'de> Elements<'de> for Slice<'_, 'de> {
    fn room(&mut self) -> Option<usize> {
        self.room.take()
    }
}

/// The batches sent to the first part, as long as it may claim them.
struct Claimed<'c, 'de> {
    received: mpsc::Receiver<Vec<&'de RawValue>>,
    claims: &'c Claims,
    next: usize,
    batch: std::vec::IntoIter<&'de RawValue>,
    room: Room,
}

/// What the first part knows of the room it needs: nothing until the list has been
/// scanned, then the list's length, which it makes room for once.
#[derive(Clone, Copy)]
enum Room {
    Unknown,
    Known(usize),
    Made,
}

impl<'de> Iterator for Claimed<'_, 'de> {
    type Item = &'de RawValue;

    fn next(&mut self) -> Option<&'de RawValue> {
        loop {
            if let Some(element) = self.batch.next() {
                return Some(element);
            }
            let batch = self.received.recv().ok()?;
            let total = self.claims.claim(self.next)?;
            if let (Room::Unknown, Some(total)) = (self.room, total) {
                self.room = Room::Known(total);
            }
            self.next += 1;
            self.batch = batch.into_iter();
        }
    }
}

impl<'de> Elements<'de> for Claimed<'_, 'de> {
    fn room(&mut self) -> Option<usize> {
        match self.room {
            Room::Known(total) => {
                self.room = Room::Made;
                Some(total)
            }
            Room::Unknown | Room::Made => None,
        }
    }
}

/// Reads `elements`, the list's from index `first` on.
fn read_part<'de>(shared: &Shared<'_, '_, 'de>, first: usize, mut elements: impl Elements<'de>) -> Part {
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
    let mut items = Vec::new();
    let mut index = u32::try_from(first).unwrap_or(u32::MAX);
    loop {
        if let Some(room) = elements.room() {
            items.reserve(room.saturating_sub(items.len()));
            if let Some(kind) = kind {
                ctx.found.reserve(kind, room.saturating_sub(items.len()));
            }
        }
        let Some(raw) = elements.next() else {
            break;
        };
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

    #[test]
    fn the_cut_leaves_the_first_part_its_share_of_what_it_has_not_taken() {
        // Ten elements of 10 bytes, in batches of two.
        let text = format!("[{}]", ["\"12345678\""; 10].join(","));
        let elements: Vec<&RawValue> = serde_json::from_str(&text).unwrap_or_default();
        let batches: Vec<Range<usize>> = (0..5).map(|k| 2 * k..2 * k + 2).collect();
        // Nothing taken yet, one other part: about half each, the first part's half
        // rounded down to a batch.
        assert_eq!(balanced_cut(&batches, &elements, 0, 1), 2);
        // Two batches taken: half of the other six elements.
        assert_eq!(balanced_cut(&batches, &elements, 2, 1), 3);
        // Three other parts: a quarter of what is left, rounded down.
        assert_eq!(balanced_cut(&batches, &elements, 0, 3), 1);
        // Everything taken.
        assert_eq!(balanced_cut(&batches, &elements, 5, 1), 5);
        assert_eq!(balanced_cut(&[], &[], 0, 1), 0);
    }

    #[test]
    fn claims_stop_the_first_part_where_closed_and_give_up_only_what_it_has_not_taken() {
        let claims = Claims::default();
        assert_eq!(claims.claim(0), Some(None));
        assert_eq!(claims.claim(1), Some(None));
        assert_eq!(claims.shrink(|_, _| 0), None, "not closed yet");
        // A cut before what it has taken is moved after it.
        assert_eq!(claims.close(100, |taken| taken - 2), 2);
        assert_eq!(claims.claim(2), None);
        let claims = Claims::default();
        assert_eq!(claims.claim(0), Some(None));
        assert_eq!(claims.close(100, |_| 8), 8);
        assert_eq!(claims.claim(1), Some(Some(100)), "the length is known once closed");
        // Batches 2 to 7 are left: it gives up the second half, then half of the rest,
        // and always keeps the next one.
        assert_eq!(claims.shrink(|taken, limit| (taken + limit) / 2), Some(5..8));
        assert_eq!(claims.shrink(|_, _| 0), Some(3..5));
        assert_eq!(claims.shrink(|_, _| 0), None, "down to its last batch");
        assert_eq!(claims.claim(2), Some(Some(100)));
        assert_eq!(claims.claim(3), None);
        assert_eq!(claims.limit(), Some(3));
    }
}
