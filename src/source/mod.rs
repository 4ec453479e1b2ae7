//! Source files and positions: every file the project reads (`.cp` sources and registry
//! data alike) gets a [`FileId`], and every diagnostic points into them with a [`Span`].

mod line_index;
mod locate;
mod origin;

pub use line_index::{LineCol, LineIndex};
pub use locate::{Locator, locate};
pub use origin::{DataPath, Origin, OriginAt, PathSeg};

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Identifies one file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(u32);

impl FileId {
    /// A file id for text that has no file, such as an expression given on the command line.
    pub const DETACHED: FileId = FileId(u32::MAX);

    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: clamp_u32(start),
            end: clamp_u32(end.max(start)),
        }
    }

    /// The smallest span covering both; `other` must be in the same file.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// What a file holds; decides how it is parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Cpl,
    Yaml,
    Json,
    Csv,
    Toml,
    /// Text that is not a file, such as `cpl eval EXPR`.
    CommandLine,
}

impl FileKind {
    pub fn from_path(path: &Path) -> Option<FileKind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "cp" => FileKind::Cpl,
            "yaml" | "yml" => FileKind::Yaml,
            "json" => FileKind::Json,
            "csv" => FileKind::Csv,
            "toml" => FileKind::Toml,
            _ => return None,
        })
    }
}

/// One file's text and where it came from.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path shown to users: relative to the project root where possible.
    pub name: String,
    /// The path on disk, if any.
    pub path: Option<PathBuf>,
    pub kind: FileKind,
    /// `Arc<String>` rather than `Arc<str>`: a file read into a `String` is kept as it is,
    /// not copied (20 MB of JSON would be copied once more).
    pub text: Arc<String>,
    lines: OnceLock<LineIndex>,
}

impl SourceFile {
    pub fn line_index(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        self.line_index().line_col(&self.text, offset)
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// All files of a run. Append-only, so a [`FileId`] stays valid for the whole run.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(
        &mut self,
        name: impl Into<String>,
        path: Option<PathBuf>,
        kind: FileKind,
        text: impl Into<String>,
    ) -> FileId {
        let id = FileId(clamp_u32(self.files.len()));
        self.files.push(SourceFile {
            name: name.into(),
            path,
            kind,
            text: Arc::new(text.into()),
            lines: OnceLock::new(),
        });
        id
    }

    // INVARIANT: a `FileId` indexes `files` for the whole run (the map only grows); `None`
    // is for `FileId::DETACHED` (spans of no file), which callers show without a place.
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.index())
    }

    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map(|f| f.name.as_str()).unwrap_or("<unknown>")
    }

    pub fn text(&self, id: FileId) -> &str {
        self.get(id).map(|f| f.text.as_str()).unwrap_or("")
    }

    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file).map(|f| f.slice(span)).unwrap_or("")
    }

    pub fn line_col(&self, file: FileId, offset: u32) -> LineCol {
        self.get(file)
            .map(|f| f.line_col(offset))
            .unwrap_or(LineCol { line: 1, column: 1 })
    }

    /// `file:line:col` of the start of a span.
    pub fn location(&self, span: Span) -> String {
        let lc = self.line_col(span.file, span.start);
        format!("{}:{}:{}", self.name(span.file), lc.line, lc.column)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(clamp_u32(i)), f))
    }

    pub fn find_by_path(&self, path: &Path) -> Option<FileId> {
        self.files()
            .find(|(_, f)| f.path.as_deref() == Some(path))
            .map(|(id, _)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_id_stays_valid_as_files_are_added() {
        let mut sources = SourceMap::new();
        let first = sources.add("a.cp", None, FileKind::Cpl, "entity a {}");
        let ids: Vec<FileId> = (0..100)
            .map(|n| sources.add(format!("{n}.yaml"), None, FileKind::Yaml, "x: 1"))
            .collect();
        assert_eq!(sources.name(first), "a.cp");
        assert_eq!(sources.get(first).map(|f| f.text.as_str()), Some("entity a {}"));
        for (n, id) in ids.into_iter().enumerate() {
            assert_eq!(sources.name(id), format!("{n}.yaml"));
        }
        assert!(sources.get(FileId::DETACHED).is_none());
    }
}
