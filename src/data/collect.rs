//! What a loaded document contributes to the registry: the entities it holds and the
//! references it makes, each with a compact position resolved only if a diagnostic needs it.

use std::sync::{Arc, OnceLock};

use crate::ir::Program;
use crate::ir::{EntityId, FieldType};
use crate::ir::{Record, RefSlot, Value};
use crate::source::{FileId, SourceMap, Span};
use crate::source::{OriginAt, PathSeg};

use super::convert;
pub(crate) use super::keys::Keys;
use super::problem::Problem;
use crate::source::Locator;

/// Where something is in a data file.
#[derive(Clone, Debug)]
pub(crate) enum DataAt {
    /// Formats whose parser reports positions (YAML, TOML, CSV).
    Span(Span),
    /// JSON: a base (usually the enclosing record's origin) and a short path below it,
    /// located in the text when shown.
    Json { file: FileId, base: OriginAt, tail: Tail },
}

/// The part of a JSON path below a base origin.
#[derive(Clone, Debug)]
pub(crate) enum Tail {
    None,
    /// One field of the base record: the common case, with no allocation.
    Field(Arc<str>),
    Path(Box<[PathSeg]>),
}

impl DataAt {
    pub fn span(&self, sources: &SourceMap, locator: &Locator) -> Span {
        match self {
            DataAt::Span(span) => *span,
            DataAt::Json { file, base, tail } => {
                let field;
                let tail: &[PathSeg] = match tail {
                    Tail::None => &[],
                    Tail::Field(name) => {
                        field = [PathSeg::Key(name.clone())];
                        &field
                    }
                    Tail::Path(segs) => segs,
                };
                locator.json_span(sources, *file, base, tail, None)
            }
        }
    }
}

/// An entity value found while loading. Its key is the record's key; where its key and
/// version values are is kept as spans by formats that have them, and found again from
/// the record's origin for JSON.
#[derive(Debug)]
pub(crate) struct FoundEntity {
    pub kind: EntityId,
    pub record: Arc<Record>,
    /// The spans of the key and version values (not for JSON: kept small for 100 000s).
    pub spans: Option<Box<(Span, Option<Span>)>>,
    /// The slot every plain reference to this entity shares, once there is one. Kept
    /// beside the record so that resolving a reference touches one entry, not two; set
    /// once, possibly by a part of a document read on another thread.
    shared: OnceLock<Arc<RefSlot>>,
}

impl FoundEntity {
    pub fn new(kind: EntityId, record: Arc<Record>, spans: Option<Box<(Span, Option<Span>)>>) -> FoundEntity {
        FoundEntity {
            kind,
            record,
            spans,
            shared: OnceLock::new(),
        }
    }

    pub fn key(&self) -> Arc<str> {
        self.record.key().unwrap_or_else(|| Arc::from(""))
    }

    /// Where the entity's field `name` is (its key or version value).
    fn field_at(&self, span: Option<Span>, name: Option<&Arc<str>>) -> DataAt {
        if let Some(span) = span {
            return DataAt::Span(span);
        }
        match (&self.record.origin, name) {
            (Some(origin), Some(name)) => DataAt::Json {
                file: origin.file,
                base: origin.at.clone(),
                tail: Tail::Field(name.clone()),
            },
            (Some(origin), None) => DataAt::Json {
                file: origin.file,
                base: origin.at.clone(),
                tail: Tail::None,
            },
            (None, _) => DataAt::Span(Span::new(FileId::DETACHED, 0, 0)),
        }
    }

    pub fn key_at(&self, program: &Program) -> DataAt {
        let record = program.entities.get(self.kind.index()).map(|e| &e.record);
        let name = record.and_then(|r| r.key_field()).map(|f| &f.name);
        self.field_at(self.spans.as_ref().map(|s| s.0), name)
    }

    pub fn version_at(&self, program: &Program) -> DataAt {
        let record = program.entities.get(self.kind.index()).map(|e| &e.record);
        let name = record.and_then(|r| r.field("version")).map(|(_, f)| &f.name);
        self.field_at(self.spans.as_ref().and_then(|s| s.1), name)
    }
}

/// A reference that needs work once every source is loaded: its target was not loaded
/// yet, it has a version requirement, or it may close a cycle.
#[derive(Debug)]
pub(crate) struct FoundRef {
    pub slot: Arc<RefSlot>,
    pub at: DataAt,
    /// The schema field declaring the reference.
    pub field: Option<Span>,
    /// The entity (index into [`Found::entities`]) whose data holds the reference.
    pub owner: Option<u32>,
    /// The entity it resolved to, when resolved while loading.
    pub target: Option<u32>,
}

/// Entities and references found in every document loaded so far. Keys are indexed as
/// each entity is read, and a reference to an entity already read is resolved at once,
/// while both are in cache; only references that need more are kept for the end.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub entities: Vec<FoundEntity>,
    pub refs: Vec<FoundRef>,
    /// Per entity kind.
    pub index: Vec<Keys>,
    /// (first, again): entities whose key was taken already.
    pub duplicates: Vec<(u32, u32)>,
    /// Kinds of the entity records being read, innermost last.
    open: Vec<EntityId>,
    /// The index, in the whole registry, of this `Found`'s first entity: non-zero for a
    /// part of a document read on its own thread (see [`Found::part`]). Indices kept in
    /// `index`, `refs` and `duplicates` are registry-wide.
    first: u32,
}

impl Found {
    pub fn new(program: &Program) -> Found {
        Found {
            index: program.entities.iter().map(|_| Keys::default()).collect(),
            ..Found::default()
        }
    }

    /// An empty `Found` for a part of a document read on its own, after everything
    /// `earlier` holds; [`Found::absorb`] merges it back in document order.
    pub fn part(program: &Program, earlier: &Found) -> Found {
        Found {
            first: earlier.first + u32::try_from(earlier.entities.len()).unwrap_or(u32::MAX),
            ..Found::new(program)
        }
    }

    /// Appends a part read on its own (see [`Found::part`]), which came next in the
    /// document. The part's key tables are merged into these, moving its short keys
    /// rather than reading them again from its scattered records: a key the part shares
    /// with an earlier entity is a duplicate of that one, as if the part had been read
    /// here. Its entities and references are renumbered.
    pub fn absorb(&mut self, part: Found) {
        let start = self.first + u32::try_from(self.entities.len()).unwrap_or(u32::MAX);
        // The part numbered its own entities from `part.first`; entities before that are
        // the earlier ones it could see, whose numbers stand.
        let renumber = |i: u32| if i >= part.first { i - part.first + start } else { i };
        self.refs.extend(part.refs.into_iter().map(|found| FoundRef {
            owner: found.owner.map(renumber),
            target: found.target.map(renumber),
            ..found
        }));
        // A part's entity whose key was taken here: its own duplicates are of the first.
        let mut taken: Vec<(u32, u32)> = Vec::new();
        for (keys, part_keys) in self.index.iter_mut().zip(part.index) {
            keys.absorb(part_keys, renumber, |first, again| taken.push((again, first)));
        }
        taken.sort_unstable();
        let first_of = |own: u32| match taken.binary_search_by_key(&own, |&(again, _)| again) {
            Ok(at) => taken.get(at).map_or(own, |&(_, first)| first),
            Err(_) => own,
        };
        let duplicates = part
            .duplicates
            .into_iter()
            .map(|(first, again)| (first_of(renumber(first)), renumber(again)));
        self.duplicates
            .extend(taken.iter().map(|&(again, first)| (first, again)));
        self.duplicates.extend(duplicates);
        if self.entities.is_empty() && self.entities.capacity() <= part.entities.capacity() {
            self.entities = part.entities;
        } else {
            self.entities.extend(part.entities);
        }
    }

    fn index_entity(&mut self, entity: &FoundEntity) {
        let index = self.first + u32::try_from(self.entities.len()).unwrap_or(u32::MAX);
        if let (Some(keys), Some(key)) = (self.index.get_mut(entity.kind.index()), entity.record.key())
            && let Err(first) = keys.insert(&key, index)
        {
            self.duplicates.push((first, index));
        }
    }

    /// Room for `additional` more entities of `kind`.
    pub fn reserve(&mut self, kind: EntityId, additional: usize) {
        self.entities.reserve(additional);
        if let Some(keys) = self.index.get_mut(kind.index()) {
            keys.reserve(additional);
        }
    }

    /// Whether an entity record is being read (references found now would be its own).
    pub fn in_entity(&self) -> bool {
        !self.open.is_empty()
    }

    /// An entity record of `kind` starts: references read until it ends are its own.
    pub fn open(&mut self, kind: EntityId) {
        self.open.push(kind);
    }

    /// The entity record opened last ends. With `entity`, it is recorded (it has a key),
    /// indexed, and made the owner of the references found since `first_ref` that no
    /// nested entity claimed.
    pub fn close(&mut self, entity: Option<FoundEntity>, first_ref: usize) {
        self.open.pop();
        let Some(entity) = entity else {
            return;
        };
        let index = self.first + u32::try_from(self.entities.len()).unwrap_or(u32::MAX);
        for found in self.refs.iter_mut().skip(first_ref) {
            if found.owner.is_none() {
                found.owner = Some(index);
            }
        }
        self.index_entity(&entity);
        self.entities.push(entity);
    }

    /// A reference to an entity of `kind`, written `text` (`key` or `key@req`). Resolved
    /// now when its target was read already (sharing the key's text); kept for the end
    /// unless nothing more can be said about it.
    pub fn reference(
        &mut self,
        kind: EntityId,
        text: &str,
        field: Option<&FieldType>,
        at: impl FnOnce() -> DataAt,
    ) -> Result<Value, Problem> {
        self.reference_after(None, kind, text, field, at)
    }

    /// [`Found::reference`] in a part read on its own: the entities read before the part
    /// (`earlier`) come first in the document, so they are looked up first.
    pub fn reference_after(
        &mut self,
        earlier: Option<&Found>,
        kind: EntityId,
        text: &str,
        field: Option<&FieldType>,
        at: impl FnOnce() -> DataAt,
    ) -> Result<Value, Problem> {
        let (key, requirement) = convert::split_ref(text)?;
        let plain = requirement.is_none() && self.open.last() != Some(&kind);
        let hit = earlier
            .and_then(|e| e.entity(kind, key))
            .or_else(|| self.entity(kind, key));
        let (target, entity) = (hit.map(|(i, _)| i), hit.map(|(_, e)| e));
        if plain && let Some(slot) = entity.and_then(|e| e.shared.get()) {
            // Every plain reference to one entity is the same slot.
            return Ok(Value::Ref(slot.clone()));
        }
        let slot = Arc::new(RefSlot {
            kind,
            // A copy of the key as written (equal to the target's), allocated beside the
            // slot rather than shared with the target: reading a reference's key (the join
            // `s.agent.name`) then touches the slot alone, not a scattered target.
            key: Arc::from(key),
            requirement: requirement.map(Arc::from),
            // Built resolved rather than set afterwards: no synchronisation to pay.
            target: match entity {
                Some(e) => OnceLock::from(Value::Record(e.record.clone())),
                None => OnceLock::new(),
            },
        });
        match entity {
            // Another thread may have shared a slot first: then that one is the slot.
            Some(e) if plain => Ok(Value::Ref(e.shared.get_or_init(|| slot).clone())),
            _ => {
                self.refs.push(FoundRef {
                    slot: slot.clone(),
                    at: at(),
                    field: field.map(|f| f.span),
                    owner: None,
                    target,
                });
                Ok(Value::Ref(slot))
            }
        }
    }

    /// The entity of `kind` keyed `key`, with its registry-wide index.
    fn entity(&self, kind: EntityId, key: &str) -> Option<(u32, &FoundEntity)> {
        let i = self.index.get(kind.index())?.get(key)?;
        Some((i, self.entities.get(i.checked_sub(self.first)? as usize)?))
    }

    /// How much has been found, to forget a document that failed (see [`Found::reset`]).
    pub fn mark(&self) -> (usize, usize) {
        (self.entities.len(), self.refs.len())
    }

    pub fn reset(&mut self, (entities, refs): (usize, usize)) {
        for (i, entity) in self.entities.iter().enumerate().skip(entities) {
            if let (Some(keys), Some(key)) = (self.index.get_mut(entity.kind.index()), entity.record.key()) {
                keys.remove(&key, self.first + u32::try_from(i).unwrap_or(u32::MAX));
            }
        }
        let limit = self.first + u32::try_from(entities).unwrap_or(u32::MAX);
        self.duplicates.retain(|&(_, again)| again < limit);
        self.entities.truncate(entities);
        self.refs.truncate(refs);
        self.open.clear();
    }
}
