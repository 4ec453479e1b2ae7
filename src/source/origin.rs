//! Where a value of a data file came from: a byte offset, or a path into the document
//! for formats located after the fact (JSON). Resolved to a line and column only when shown.

use std::fmt;
use std::sync::Arc;

use super::FileId;

/// Where a value sits in a data file. Resolved to a line and column only when shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: FileId,
    pub at: OriginAt,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OriginAt {
    /// A byte offset, for formats whose parser reports positions.
    Offset(u32),
    /// A path from the document root, for formats located after the fact (JSON).
    Path(Arc<DataPath>),
    /// Element `index` of the list at `list`; shares the list's path.
    Element { list: Arc<DataPath>, index: u32 },
}

/// A path into a data document: `agents[3].metadata.timeout_ms`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DataPath(pub Vec<PathSeg>);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathSeg {
    Key(Arc<str>),
    Index(u32),
}

impl fmt::Display for DataPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSeg::Key(k) if i == 0 => write!(f, "{k}")?,
                PathSeg::Key(k) => write!(f, ".{k}")?,
                PathSeg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}
