//! `--format human`: diagnostics for people, drawn by miette's [`GraphicalReportHandler`]
//! with a rustc-like header (`error[E0101]: unknown name …`), labelled snippets, help and
//! notes.
//!
//! miette gives a diagnostic one source. Ours may point into several files (a YAML data
//! error and the schema field in a `.cp` file), so the adapter lays the files it needs one
//! after another in a [`FileSet`], a source of its own, and every label keeps its own file
//! name and line numbers in its snippet.

use std::borrow::Cow;
use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan,
    SpanContents,
};

use super::RenderOptions;
use super::position::{self, PathBase};
use crate::diagnostics::{Diagnostic, Label, Severity};
use crate::source::{FileId, SourceFile, SourceMap};

/// The files one diagnostic points into, laid end to end: file `i` covers the virtual
/// offsets `base..base + len`, and a one-byte gap keeps a span at the end of one file from
/// touching the start of the next.
struct FileSet<'a> {
    files: Vec<VirtualFile<'a>>,
}

struct VirtualFile<'a> {
    id: FileId,
    file: &'a SourceFile,
    /// The file's path, from the report's [`PathBase`].
    name: String,
    /// The file's text, with a newline added when a label sits at the end of a file that
    /// lacks one: miette draws a label only on a character of a line, and a label at the
    /// very end would otherwise vanish.
    text: Cow<'a, str>,
    base: usize,
    /// The lines (0-based) of the labels this copy of the file shows.
    first_line: usize,
    last_line: usize,
    /// For labels on a long line (see [`LONG_LINE`]): where the first of them starts.
    /// Such a copy shows a window of its line around them, not the whole line.
    anchor: Option<u32>,
    /// That window, once every label is placed.
    clip: Option<Clip>,
}

/// The part of a long line a snippet shows: bytes `start..end` of the file, with `...` in
/// place of the first or last three bytes where the line goes on beyond them. Three ASCII
/// dots replace three ASCII bytes, so every offset and column stays where it was.
struct Clip {
    start: usize,
    end: usize,
    text: String,
}

impl Clip {
    /// The window of `file` around the labels `start..end` (already cut to [`NEAR`]).
    fn around(file: &SourceFile, start: usize, end: usize) -> Clip {
        let text = &*file.text;
        let line = line_range(
            file,
            file.line_index().line_of(u32::try_from(start).unwrap_or(u32::MAX)),
        );
        let from = floor_char_boundary(text, start.saturating_sub(WINDOW).max(line.start));
        let to = ceil_char_boundary(text, (end + WINDOW).min(line.end).max(end));
        let mut shown = text.get(from..to).unwrap_or("").to_string();
        let dots = "...";
        if from > line.start && start >= from + dots.len() && shown.get(..dots.len()).is_some_and(|s| s.is_ascii()) {
            shown.replace_range(..dots.len(), dots);
        }
        let tail = shown.len().saturating_sub(dots.len());
        if to < line.end && to >= end + dots.len() && shown.get(tail..).is_some_and(|s| s.is_ascii()) {
            shown.replace_range(tail.., dots);
        }
        Clip {
            start: from,
            end: to,
            text: shown,
        }
    }
}

/// Labels closer than this many lines share a snippet.
const CLUSTER_GAP: usize = 6;

/// A line longer than this (in bytes) is shown as a window around its labels: a JSON
/// document may be one line of 20 MB, and miette pads a label to its column.
const LONG_LINE: usize = 512;

/// Bytes of a long line shown on each side of its labels.
const WINDOW: usize = 60;

/// On a long line, labels this close (in bytes) share a window; a label is cut to this
/// length.
const NEAR: u32 = 40;

impl VirtualFile<'_> {
    /// Whether a label on lines `first..=last` (starting at `anchor` when on a long line)
    /// is shown in this copy of its file.
    fn shows(&self, first: usize, last: usize, anchor: Option<u32>) -> bool {
        match (self.anchor, anchor) {
            (None, None) => first <= self.last_line + CLUSTER_GAP && last + CLUSTER_GAP >= self.first_line,
            (Some(mine), Some(theirs)) => mine.abs_diff(theirs) <= NEAR,
            _ => false,
        }
    }
}

/// The 0-based lines of a label, and where it starts when either is a long line.
fn placement(file: &SourceFile, label: &Label) -> (usize, usize, Option<u32>) {
    let index = file.line_index();
    let (first, last) = (index.line_of(label.span.start), index.line_of(label.span.end));
    let long = is_long(file, first) || is_long(file, last);
    (first, last, long.then_some(label.span.start))
}

/// The byte range of a 0-based line, without its newline.
fn line_range(file: &SourceFile, line: usize) -> std::ops::Range<usize> {
    let index = file.line_index();
    let start = index.line_start(line) as usize;
    let end = if line + 1 < index.line_count() {
        (index.line_start(line + 1) as usize).saturating_sub(1)
    } else {
        file.text.len()
    };
    start..end.max(start)
}

fn is_long(file: &SourceFile, line: usize) -> bool {
    line_range(file, line).len() > LONG_LINE
}

impl<'a> FileSet<'a> {
    /// The files of `labels`, in order of first use, so the primary's file comes first.
    /// Labels of one file that are far apart get a copy of the file each, so each is shown
    /// in a snippet of its own rather than one snippet spanning everything between them.
    fn new(labels: &[&Label], sources: &'a SourceMap, paths: &PathBase) -> FileSet<'a> {
        let mut files: Vec<VirtualFile<'a>> = Vec::new();
        let mut next = 0;
        for label in labels {
            let id = label.span.file;
            let Some(file) = sources.get(id) else {
                continue;
            };
            let (first, last, anchor) = placement(file, label);
            if let Some(existing) = files.iter_mut().find(|f| f.id == id && f.shows(first, last, anchor)) {
                existing.first_line = existing.first_line.min(first);
                existing.last_line = existing.last_line.max(last);
                continue;
            }
            let original: &'a str = &file.text;
            let at_end = labels
                .iter()
                .any(|l| l.span.file == id && l.span.start as usize >= original.len());
            let text = if at_end && !original.ends_with('\n') {
                Cow::Owned(format!("{original}\n"))
            } else {
                Cow::Borrowed(original)
            };
            let len = text.len();
            files.push(VirtualFile {
                id,
                file,
                name: paths.name(file).into_owned(),
                text,
                base: next,
                first_line: first,
                last_line: last,
                anchor,
                clip: None,
            });
            next += len + 1;
        }
        let mut set = FileSet { files };
        set.clip_long_lines(labels);
        set
    }

    /// Gives each copy of a file shown on a long line its window, around all its labels.
    fn clip_long_lines(&mut self, labels: &[&Label]) {
        let mut ranges: Vec<Option<(usize, usize)>> = vec![None; self.files.len()];
        for label in labels {
            let Some(span) = self.span(label) else {
                continue;
            };
            let Some(index) = self.files.iter().rposition(|f| f.base <= span.offset()) else {
                continue;
            };
            let Some(vf) = self.files.get(index).filter(|f| f.anchor.is_some()) else {
                continue;
            };
            let start = span.offset() - vf.base;
            let end = start + span.len();
            if let Some(range) = ranges.get_mut(index) {
                *range = Some(range.map_or((start, end), |(s, e)| (s.min(start), e.max(end))));
            }
        }
        for (vf, range) in self.files.iter_mut().zip(ranges) {
            if let Some((start, end)) = range {
                vf.clip = Some(Clip::around(vf.file, start, end));
            }
        }
    }

    /// The miette span of a label, clamped to its file and to character boundaries; `None`
    /// when its file is unknown.
    fn span(&self, label: &Label) -> Option<SourceSpan> {
        let vf = self.files.iter().find(|f| {
            let (first, last, anchor) = placement(f.file, label);
            f.id == label.span.file && f.shows(first, last, anchor)
        })?;
        let text = &*vf.file.text;
        let mut start = floor_char_boundary(text, label.span.start as usize);
        let mut end = ceil_char_boundary(text, (label.span.end as usize).max(start));
        if vf.anchor.is_some() {
            // On a long line: at most `NEAR` bytes, and never past the line's end.
            let line = line_range(vf.file, vf.file.line_index().line_of(label.span.start));
            let limit = (start + NEAR as usize).min(line.end.max(start));
            end = floor_char_boundary(text, end.min(limit)).max(start);
        }
        // miette draws no empty line after a final newline, so a label there (an unclosed
        // block) would vanish: show it at the end of the last line instead. (Without a
        // final newline, the one `new` added holds the label.)
        if start == text.len()
            && let Some(rest) = text.strip_suffix('\n')
        {
            start = rest.strip_suffix('\r').unwrap_or(rest).len();
            end = start;
        }
        Some(SourceSpan::new((vf.base + start).into(), end - start))
    }
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn ceil_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

impl SourceCode for FileSet<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let offset = span.offset();
        let vf = self
            .files
            .iter()
            .rev()
            .find(|f| f.base <= offset)
            .ok_or(MietteError::OutOfBounds)?;
        let text: &'a str = &vf.text;
        let local = offset - vf.base;
        // A span running past its file would run into the next: miette then shows the two
        // places as separate snippets, which is what we want.
        if local + span.len() > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        if vf.anchor.is_some() {
            return Ok(window(vf, local, span.len(), context_lines_before == 0));
        }
        // miette reads a `str` from its first byte to the span: handing it the whole file
        // would make every snippet cost the size of the file. It gets the lines it shows.
        let lines = nearby_lines(vf, local, local + span.len(), context_lines_before, context_lines_after);
        let nearby = text.get(lines.start..lines.end).unwrap_or("");
        let inner = nearby.read_span(
            &SourceSpan::new(local.saturating_sub(lines.start).into(), span.len()),
            context_lines_before,
            context_lines_after,
        )?;
        // miette counts columns in bytes; the `file:line:col` it prints comes from a read
        // with no context, so give that one our character column.
        let (line, column) = if context_lines_before == 0 {
            let lc = vf.file.line_col(u32::try_from(local).unwrap_or(u32::MAX));
            (lc.line.saturating_sub(1) as usize, lc.column.saturating_sub(1) as usize)
        } else {
            (lines.first_line + inner.line(), inner.column())
        };
        Ok(Box::new(MietteSpanContents::new_named(
            vf.name.clone(),
            inner.data(),
            SourceSpan::new(
                (inner.span().offset() + lines.start + vf.base).into(),
                inner.span().len(),
            ),
            line,
            column,
            // Counted from the start of the file, as miette counts it when it reads a whole
            // file: it decides from this whether two snippets touch.
            lines.first_line + inner.line_count(),
        )))
    }
}

/// The bytes of a file that a snippet of `start..end` may show, on whole lines.
struct Nearby {
    start: usize,
    end: usize,
    /// The 0-based line at `start`.
    first_line: usize,
}

/// The lines of `start..end` with up to `before` and `after` lines around them, and one
/// more after, which miette may look at to end the snippet. Long lines around are left
/// out, as [`window`] shows the labels on them: context is not worth 20 MB of padding.
fn nearby_lines(vf: &VirtualFile<'_>, start: usize, end: usize, before: usize, after: usize) -> Nearby {
    let index = vf.file.line_index();
    let at = |offset: usize| index.line_of(u32::try_from(offset).unwrap_or(u32::MAX));
    let (first, last) = (at(start), at(end));
    let mut from = first;
    while from > 0 && first - from < before && !is_long(vf.file, from - 1) {
        from -= 1;
    }
    let mut to = last;
    while to + 1 < index.line_count() && to - last <= after && !is_long(vf.file, to + 1) {
        to += 1;
    }
    let start = index.line_start(from) as usize;
    let end = if to + 1 < index.line_count() {
        index.line_start(to + 1) as usize
    } else {
        // The copy of the file may end in a newline the file lacks.
        vf.text.len()
    };
    Nearby {
        start,
        end: end.clamp(start, vf.text.len()),
        first_line: from,
    }
}

/// The part of a long line around `len` bytes at `local`, with no lines of context. The
/// read for the header (`header`) gives the character column of `local` in the whole line.
fn window<'a>(vf: &'a VirtualFile<'_>, local: usize, len: usize, header: bool) -> Box<dyn SpanContents<'a> + 'a> {
    let line = vf.file.line_index().line_of(u32::try_from(local).unwrap_or(u32::MAX));
    let (start, end, shown): (usize, usize, &'a str) = match &vf.clip {
        Some(clip) if clip.start <= local && local + len <= clip.end => (clip.start, clip.end, &clip.text),
        // A span outside the labels' window (not one miette asks for): the plain line part.
        _ => {
            let text: &'a str = &vf.text;
            let bounds = line_range(vf.file, line);
            let start = floor_char_boundary(text, local.saturating_sub(WINDOW).max(bounds.start));
            let end = ceil_char_boundary(text, (local + len + WINDOW).min(bounds.end).max(local + len));
            (start, end, text.get(start..end).unwrap_or(""))
        }
    };
    let column = if header {
        let lc = vf.file.line_col(u32::try_from(local).unwrap_or(u32::MAX));
        lc.column.saturating_sub(1) as usize
    } else {
        0
    };
    Box::new(MietteSpanContents::new_named(
        vf.name.clone(),
        shown.as_bytes(),
        SourceSpan::new((vf.base + start).into(), end - start),
        line,
        column,
        1,
    ))
}

/// Our diagnostic as miette sees it.
struct MietteView<'a> {
    diag: &'a Diagnostic,
    labels: Vec<LabeledSpan>,
    source: FileSet<'a>,
}

impl<'a> MietteView<'a> {
    fn new(diag: &'a Diagnostic, sources: &'a SourceMap, paths: &PathBase) -> MietteView<'a> {
        let all: Vec<&Label> = position::labels(diag).map(|(label, _)| label).collect();
        let source = FileSet::new(&all, sources, paths);
        let labels = position::labels(diag)
            .filter_map(|(label, primary)| {
                let span = source.span(label)?;
                let text = (!label.message.is_empty()).then(|| label.message.clone());
                Some(if primary {
                    LabeledSpan::new_primary_with_span(text, span)
                } else {
                    LabeledSpan::new_with_span(text, span)
                })
            })
            .collect();
        MietteView { diag, labels, source }
    }
}

impl fmt::Debug for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diag, f)
    }
}

impl fmt::Display for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for MietteView<'_> {}

impl miette::Diagnostic for MietteView<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag
            .help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        (!self.labels.is_empty()).then_some(&self.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

/// `error[E0101]:`, the rustc-style lead of the header line.
fn lead(diag: &Diagnostic) -> String {
    format!("{}[{}]:", diag.severity.as_str(), diag.code)
}

fn handler(diag: &Diagnostic, options: &RenderOptions) -> GraphicalReportHandler {
    let mut theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // miette starts the message with a severity sign (`×`); ours is the rustc-style lead,
    // coloured like the sign would be.
    let lead = lead(diag);
    theme.characters.error.clone_from(&lead);
    theme.characters.warning.clone_from(&lead);
    theme.characters.advice = lead;
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(options.width)
        .with_urls(false)
        .without_cause_chain();
    if options.color {
        handler
    } else {
        handler.without_syntax_highlighting()
    }
}

fn paint(text: &str, style: anstyle::Style, color: bool) -> String {
    if color {
        format!("{style}{text}{style:#}")
    } else {
        text.to_string()
    }
}

/// One diagnostic for a terminal: header, snippets with labels, help and notes, ending with
/// a newline.
pub fn render_diagnostic(diag: &Diagnostic, sources: &SourceMap, options: &RenderOptions) -> String {
    let view = MietteView::new(diag, sources, &options.paths);
    let drawn = without_panics(|| {
        let mut out = String::new();
        handler(diag, options).render_report(&mut out, &view).ok().map(|()| out)
    });
    // miette could not read a snippet, or failed on its own: fall back to the plain facts.
    let mut out = drawn.unwrap_or_else(|| plain(diag, sources, options));
    let note_style = anstyle::Style::new().bold();
    for note in &diag.notes {
        let mut lines = note.lines();
        let first = lines.next().unwrap_or_default();
        out.push_str(&format!("  {} {first}\n", paint("note:", note_style, options.color)));
        for line in lines {
            out.push_str(&format!("        {line}\n"));
        }
    }
    out
}

/// Runs a third-party renderer so that a panic inside it is a failure to draw (`None`),
/// never a crash of cpl or a panic message on the user's terminal: the caller then
/// prints the plain form.
fn without_panics<T>(draw: impl FnOnce() -> Option<T>) -> Option<T> {
    QUIET_PANIC_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !DRAWING.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    DRAWING.with(|drawing| drawing.set(true));
    let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(draw));
    DRAWING.with(|drawing| drawing.set(false));
    drawn.ok().flatten()
}

static QUIET_PANIC_HOOK: std::sync::Once = std::sync::Once::new();

thread_local! {
    /// Whether this thread is inside [`without_panics`], whose panics are not printed.
    static DRAWING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The diagnostic without snippets, for when miette fails.
fn plain(diag: &Diagnostic, sources: &SourceMap, options: &RenderOptions) -> String {
    let mut out = format!("{} {}\n", lead(diag), diag.message);
    for (label, _) in position::labels(diag) {
        if let Some(region) = position::region(label.span, sources, &options.paths) {
            out.push_str(&format!("  --> {}: {}\n", position::location(&region), label.message));
        }
    }
    if let Some(help) = &diag.help {
        out.push_str(&format!("  help: {help}\n"));
    }
    out
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The closing line, e.g. `error: 3 errors, 1 warning emitted`; `None` when there is
/// nothing to count. It is led by the worst severity present.
pub fn summary(diags: &[Diagnostic]) -> Option<String> {
    let (lead, counts) = summary_parts(diags)?;
    Some(format!("{lead}: {counts}"))
}

fn summary_parts(diags: &[Diagnostic]) -> Option<(&'static str, String)> {
    // A note standing for diagnostics left out counts them, not itself.
    let count = |severity: Severity| -> usize {
        diags
            .iter()
            .map(|d| match &d.left_out {
                Some(left) => usize::from(left.severity == severity) * left.count,
                None => usize::from(d.severity == severity),
            })
            .sum()
    };
    let counts = [
        (count(Severity::Error), "error"),
        (count(Severity::Warning), "warning"),
        (count(Severity::Note), "note"),
    ];
    let worst = diags.iter().map(|d| d.severity).max()?;
    let parts: Vec<String> = counts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, noun)| plural(*n, noun))
        .collect();
    Some((worst.as_str(), format!("{} emitted", parts.join(", "))))
}

/// [`summary`], with the lead coloured like miette colours that severity.
pub(crate) fn summary_styled(diags: &[Diagnostic], color: bool) -> Option<String> {
    let (lead, counts) = summary_parts(diags)?;
    let color_of = match diags.iter().map(|d| d.severity).max()? {
        Severity::Error => anstyle::AnsiColor::Red,
        Severity::Warning => anstyle::AnsiColor::Yellow,
        Severity::Note => anstyle::AnsiColor::Cyan,
    };
    let style = anstyle::Style::new().fg_color(Some(color_of.into())).bold();
    Some(format!("{}: {counts}", paint(lead, style, color)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use crate::source::{FileKind, Span};

    fn show(text: &str, start: usize, end: usize) -> String {
        let mut sources = SourceMap::new();
        let file = sources.add("x.cp", None, FileKind::Cpl, text);
        let diag = Diagnostic::new(Code::SyntaxError, "bad").at(Span::new(file, start, end), "here");
        render_diagnostic(&diag, &sources, &RenderOptions::default())
    }

    #[test]
    #[allow(clippy::panic)]
    fn a_renderer_that_panics_is_a_failure_to_draw_not_a_crash() {
        assert_eq!(without_panics(|| -> Option<u8> { panic!("inside the renderer") }), None);
        assert_eq!(without_panics(|| Some(7)), Some(7));
        // The thread is back to printing its own panics.
        assert!(!DRAWING.with(std::cell::Cell::get));
    }

    #[test]
    fn a_label_at_the_end_of_a_file_without_newline_is_drawn() {
        let expected = "  error[E0001]: bad
   ╭─[x.cp:1:3]
 1 │ ab
   ·   ▲
   ·   ╰── here
   ╰────
";
        assert_eq!(show("ab", 2, 2), expected);
        // Past the end is clamped to the end.
        assert_eq!(show("ab", 5, 9), expected);
    }

    #[test]
    fn a_label_in_an_empty_file_is_drawn() {
        assert_eq!(
            show("", 0, 0),
            "  error[E0001]: bad\n   ╭─[x.cp:1:1]\n 1 │ \n   · ▲\n   · ╰── here\n   ╰────\n"
        );
    }

    #[test]
    fn a_label_after_a_final_crlf_moves_to_the_end_of_the_last_line() {
        let out = show("a\r\nbc\r\n", 7, 7);
        assert!(out.contains("╭─[x.cp:2:3]"), "{out}");
        assert!(out.contains(" 2 │ bc\n   ·   ▲\n   ·   ╰── here\n"), "{out}");
    }

    #[test]
    fn header_columns_count_characters() {
        // miette would say column 4 (bytes); the character column is 3.
        let out = show("é x\n", 3, 4);
        assert!(out.contains("╭─[x.cp:1:3]"), "{out}");
    }

    #[test]
    fn snippets_show_their_own_lines_numbered_as_in_the_file() {
        let text = "a\nb\nc\nd = 1\ne\nf\n";
        let out = show(text, 6, 7);
        assert!(out.contains("╭─[x.cp:4:1]"), "{out}");
        assert!(
            out.contains(" 3 │ c\n 4 │ d = 1\n   · ┬\n   · ╰── here\n 5 │ e\n"),
            "{out}"
        );
        assert!(!out.contains("│ b") && !out.contains("│ f"), "{out}");
    }

    #[test]
    fn long_lines_around_a_label_are_not_its_context() {
        let long = "x".repeat(LONG_LINE + 1);
        let text = format!("{long}\nd = 1\n{long}\n");
        let start = long.len() + 1;
        let out = show(&text, start, start + 1);
        assert!(out.contains("╭─[x.cp:2:1]"), "{out}");
        assert!(!out.contains("xxx"), "{out}");
    }

    #[test]
    fn spans_inside_a_character_widen_to_it() {
        let out = show("é\n", 0, 1);
        assert!(out.contains(" 1 │ é\n   · ┬\n   · ╰── here\n"), "{out}");
    }
}
