//! Registry data: YAML, JSON, CSV and TOML documents loaded and validated against entity schemas.

use crate::eval::{Origin, OriginAt};
use crate::source::{SourceMap, Span};

/// The span of a data origin. (Paths are resolved by the loader's locator.)
pub fn locate(_sources: &SourceMap, origin: &Origin) -> Span {
    match origin.at {
        OriginAt::Offset(at) => Span::new(origin.file, at as usize, at as usize),
        _ => Span::new(origin.file, 0, 0),
    }
}
