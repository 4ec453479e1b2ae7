//! Evaluation of the typed IR: expressions, policies, decisions and gates.
mod value;

pub use value::{DataPath, List, Origin, OriginAt, PathSeg, Record, RefSlot, Shape, Value, format_float};
