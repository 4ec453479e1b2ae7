//! What a loaded document contributes to the registry: the entities it holds and the
//! references it makes, each with a compact position resolved only if a diagnostic needs it.

use std::sync::Arc;

use crate::check::EntityId;
use crate::eval::{OriginAt, PathSeg, Record, RefSlot};
use crate::source::{FileId, SourceMap, Span};

use super::Locator;

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

    /// The same place, one field further down (for a record's key or version field).
    pub fn field(&self, name: &Arc<str>, span: Option<Span>) -> DataAt {
        match (self, span) {
            (_, Some(span)) => DataAt::Span(span),
            (
                DataAt::Json {
                    file,
                    base,
                    tail: Tail::None,
                },
                None,
            ) => DataAt::Json {
                file: *file,
                base: base.clone(),
                tail: Tail::Field(name.clone()),
            },
            (other, None) => other.clone(),
        }
    }
}

/// An entity value found while loading.
#[derive(Debug)]
pub(crate) struct FoundEntity {
    pub kind: EntityId,
    pub key: Arc<str>,
    pub record: Arc<Record>,
    /// The key field's value.
    pub key_at: DataAt,
    /// The `version` field's value, when the entity has one.
    pub version_at: Option<DataAt>,
}

/// A reference found while loading, resolved once every source is loaded.
#[derive(Debug)]
pub(crate) struct FoundRef {
    pub slot: Arc<RefSlot>,
    pub at: DataAt,
    /// The schema field declaring the reference.
    pub field: Option<Span>,
    /// The entity (index into [`Found::entities`]) whose data holds the reference.
    pub owner: Option<u32>,
}

/// Entities and references, per document and then for the whole load.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub entities: Vec<FoundEntity>,
    pub refs: Vec<FoundRef>,
}

impl Found {
    /// Records an entity and makes it the owner of the references found since `first_ref`
    /// that no nested entity claimed.
    pub fn entity(&mut self, entity: FoundEntity, first_ref: usize) {
        let index = u32::try_from(self.entities.len()).unwrap_or(u32::MAX);
        for found in self.refs.iter_mut().skip(first_ref) {
            if found.owner.is_none() {
                found.owner = Some(index);
            }
        }
        self.entities.push(entity);
    }

    /// Appends another document's findings.
    pub fn append(&mut self, mut other: Found) {
        let offset = u32::try_from(self.entities.len()).unwrap_or(u32::MAX);
        for found in &mut other.refs {
            found.owner = found.owner.map(|o| o.saturating_add(offset));
        }
        self.entities.append(&mut other.entities);
        self.refs.append(&mut other.refs);
    }
}
