//! Where the JSON reader is: the path from the root, as links on the stack.

use std::sync::Arc;

use crate::source::FileId;
use crate::source::{DataPath, OriginAt, PathSeg};

use super::super::collect::{DataAt, Tail};

/// One link of the path from the document root to the value being read.
#[derive(Clone, Copy)]
pub(super) struct Here<'p> {
    pub(super) parent: Option<&'p Here<'p>>,
    pub(super) seg: Seg<'p>,
    /// On a record: its origin, the base of positions recorded below it.
    pub(super) base: Option<&'p OriginAt>,
}

#[derive(Clone, Copy)]
pub(super) enum Seg<'p> {
    Root,
    Key(&'p Arc<str>),
    Index(u32),
}

impl<'p> Here<'p> {
    pub(super) fn child(parent: &'p Here<'p>, seg: Seg<'p>) -> Here<'p> {
        Here {
            parent: Some(parent),
            seg,
            base: None,
        }
    }

    fn seg(&self) -> Option<PathSeg> {
        match self.seg {
            Seg::Root => None,
            Seg::Key(key) => Some(PathSeg::Key(key.clone())),
            Seg::Index(i) => Some(PathSeg::Index(i)),
        }
    }

    /// The whole path from the root.
    pub(super) fn path(&self) -> DataPath {
        let mut segs = Vec::new();
        let mut cur = Some(self);
        while let Some(here) = cur {
            segs.extend(here.seg());
            cur = here.parent;
        }
        segs.reverse();
        DataPath(segs)
    }

    /// A compact position: the nearest record's origin and the path below it.
    pub(super) fn data_at(&self, file: FileId) -> DataAt {
        if let (Seg::Key(key), Some(parent)) = (self.seg, self.parent)
            && let Some(base) = parent.base
        {
            return DataAt::Json {
                file,
                base: base.clone(),
                tail: Tail::Field(key.clone()),
            };
        }
        let mut segs = Vec::new();
        let mut cur = Some(self);
        let mut base = None;
        while let Some(here) = cur {
            if let Some(b) = here.base {
                base = Some(b.clone());
                break;
            }
            segs.extend(here.seg());
            cur = here.parent;
        }
        segs.reverse();
        DataAt::Json {
            file,
            base: base.unwrap_or_else(|| OriginAt::Path(Arc::new(DataPath::default()))),
            tail: if segs.is_empty() {
                Tail::None
            } else {
                Tail::Path(segs.into_boxed_slice())
            },
        }
    }
}
