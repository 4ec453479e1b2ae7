//! Spans to the positions that machine formats print: file name and 1-based line and
//! character column ranges, with the end exclusive (the column after the last character),
//! as SARIF counts them.

use crate::diagnostics::{Diagnostic, Label};
use crate::source::{FileKind, SourceFile, SourceMap, Span};

/// Where a span is, in the terms users and tools see.
#[derive(Clone, Debug)]
pub(crate) struct Region<'a> {
    pub file: &'a SourceFile,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Region<'_> {
    /// The path shown to users, relative to the project root.
    pub fn name(&self) -> &str {
        &self.file.name
    }

    /// Whether the file is a real file that tools can open, rather than text given on the
    /// command line.
    pub fn is_artifact(&self) -> bool {
        self.file.kind != FileKind::CommandLine
    }
}

/// The region of a span, or `None` when its file is not in `sources`.
pub(crate) fn region(span: Span, sources: &SourceMap) -> Option<Region<'_>> {
    let file = sources.get(span.file)?;
    let start = file.line_col(span.start);
    let end = file.line_col(span.end.max(span.start));
    Some(Region {
        file,
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    })
}

/// Every label of a diagnostic, the primary first, with whether it is the primary.
pub(crate) fn labels(diag: &Diagnostic) -> impl Iterator<Item = (&Label, bool)> {
    diag.primary
        .iter()
        .map(|label| (label, true))
        .chain(diag.secondary.iter().map(|label| (label, false)))
}

/// `file:line:column` of a region.
pub(crate) fn location(region: &Region<'_>) -> String {
    format!("{}:{}:{}", region.name(), region.line, region.column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    #[test]
    fn regions_count_characters_and_end_after_the_last() {
        let mut sources = SourceMap::new();
        let file = sources.add("a.cp", None, FileKind::Cpl, "ab\nçd = x\n");
        // `d = x` on line 2: starts after the two-byte `ç`.
        let r = region(Span::new(file, 5, 10), &sources).unwrap();
        assert_eq!((r.line, r.column, r.end_line, r.end_column), (2, 2, 2, 7));
        // Zero width at the end of the file, after the last newline.
        let r = region(Span::new(file, 11, 11), &sources).unwrap();
        assert_eq!((r.line, r.column, r.end_line, r.end_column), (3, 1, 3, 1));
        assert!(region(Span::new(FileId::DETACHED, 0, 1), &sources).is_none());
    }
}
