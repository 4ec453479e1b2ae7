//! Spans to the positions that machine formats print: file name and 1-based line and
//! character column ranges, with the end exclusive (the column after the last character),
//! as SARIF counts them.

use std::borrow::Cow;
use std::path::{Component, Path, PathBuf};

use crate::diagnostics::{Diagnostic, Label};
use crate::source::{FileKind, SourceFile, SourceMap, Span};

/// The directory that file paths in a report are relative to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PathBase {
    /// As the project names its files: relative to the project root.
    #[default]
    Project,
    /// Relative to this directory, given absolute and canonical (the CLI gives the working
    /// directory, or `--path-base`): CI tools resolve paths against the checkout, not
    /// against the project, which may be a folder of it.
    Dir(PathBuf),
}

impl PathBase {
    /// The path of `file` as a report shows it. A file with no path on disk (text given
    /// on the command line) keeps its name.
    pub fn name<'a>(&self, file: &'a SourceFile) -> Cow<'a, str> {
        match (self, &file.path) {
            (PathBase::Dir(base), Some(path)) if path.is_absolute() => Cow::Owned(relative_to(base, path)),
            _ => Cow::Borrowed(&file.name),
        }
    }

    /// `path` as a report shows it: relative to the base when it is absolute and the base
    /// is a directory, else as given.
    pub fn show(&self, path: &str) -> String {
        match self {
            PathBase::Dir(base) if Path::new(path).is_absolute() => relative_to(base, Path::new(path)),
            _ => path.to_string(),
        }
    }

    /// `file:line:column` of the start of a span, as [`SourceMap::location`] but with the
    /// file's path shown from this base.
    pub fn location(&self, sources: &SourceMap, span: Span) -> String {
        match sources.get(span.file) {
            Some(file) => {
                let lc = file.line_col(span.start);
                format!("{}:{}:{}", self.name(file), lc.line, lc.column)
            }
            None => sources.location(span),
        }
    }
}

/// `path` relative to `base`, both absolute: `a/b.cp` under it, `../x/b.cp` beside it,
/// and the absolute path when they share nothing but the root.
fn relative_to(base: &Path, path: &Path) -> String {
    let base: Vec<Component<'_>> = base.components().collect();
    let path: Vec<Component<'_>> = path.components().collect();
    let shared = base.iter().zip(&path).take_while(|(a, b)| a == b).count();
    let only_the_root = shared <= 1 && path.first().is_some_and(|c| matches!(c, Component::RootDir));
    if only_the_root || shared == 0 {
        return path.iter().collect::<PathBuf>().display().to_string();
    }
    let mut out = PathBuf::new();
    for _ in base.iter().skip(shared) {
        out.push("..");
    }
    out.extend(path.iter().skip(shared));
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out.display().to_string()
}

/// Where a span is, in the terms users and tools see.
#[derive(Clone, Debug)]
pub(crate) struct Region<'a> {
    pub file: &'a SourceFile,
    /// The file's path, from the report's [`PathBase`].
    pub name: Cow<'a, str>,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Region<'_> {
    /// The path shown to users, from the report's [`PathBase`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the file is a real file that tools can open, rather than text given on the
    /// command line.
    pub fn is_artifact(&self) -> bool {
        self.file.kind != FileKind::CommandLine
    }
}

/// The region of a span, or `None` when its file is not in `sources`.
pub(crate) fn region<'a>(span: Span, sources: &'a SourceMap, paths: &PathBase) -> Option<Region<'a>> {
    let file = sources.get(span.file)?;
    let start = file.line_col(span.start);
    let end = file.line_col(span.end.max(span.start));
    Some(Region {
        file,
        name: paths.name(file),
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
        let r = region(Span::new(file, 5, 10), &sources, &PathBase::Project).unwrap();
        assert_eq!((r.line, r.column, r.end_line, r.end_column), (2, 2, 2, 7));
        // Zero width at the end of the file, after the last newline.
        let r = region(Span::new(file, 11, 11), &sources, &PathBase::Project).unwrap();
        assert_eq!((r.line, r.column, r.end_line, r.end_column), (3, 1, 3, 1));
        assert!(region(Span::new(FileId::DETACHED, 0, 1), &sources, &PathBase::Project).is_none());
    }

    #[test]
    fn paths_are_shown_from_the_base() {
        let mut sources = SourceMap::new();
        let file = sources.add("main.cp", Some("/repo/examples/x/main.cp".into()), FileKind::Cpl, "a\n");
        let typed = sources.add("<expression>", None, FileKind::CommandLine, "1");
        let file = sources.get(file).unwrap();
        let from = |base: &str| PathBase::Dir(base.into()).name(file).into_owned();
        assert_eq!(PathBase::Project.name(file), "main.cp");
        assert_eq!(from("/repo"), "examples/x/main.cp");
        assert_eq!(from("/repo/examples/x"), "main.cp");
        assert_eq!(from("/repo/other"), "../examples/x/main.cp");
        assert_eq!(from("/elsewhere"), "/repo/examples/x/main.cp");
        assert_eq!(
            PathBase::Dir("/repo".into()).name(sources.get(typed).unwrap()),
            "<expression>"
        );
        assert_eq!(PathBase::Dir("/repo".into()).show("/repo/cpl.toml"), "cpl.toml");
        assert_eq!(PathBase::Project.show("cpl.toml"), "cpl.toml");
    }
}
