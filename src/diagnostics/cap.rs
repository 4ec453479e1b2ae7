//! At most so many diagnostics of one code in one file: a systematic mistake in a data file
//! of a million records is shown a hundred times and counted the rest, so that it costs
//! seconds and megabytes, not gigabytes. What is cut is never lost: a note says how many
//! more there are, and the cut ones still count (an error cut from the display still fails).
//!
//! [`Collector`] applies the cap while diagnostics are collected (the data loaders, where
//! floods come from); [`cap`] applies it to a finished list, merging what collectors cut.

use std::collections::HashMap;

use super::{Code, Diagnostic, Severity};
use crate::source::{FileId, SourceMap, Span};

/// The cap when none is given: enough to see the pattern of a mistake.
pub const DEFAULT_MAX_PER_CODE: usize = 100;

/// How many diagnostics of one code and severity in one file were left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOut {
    pub code: Code,
    pub severity: Severity,
    pub file: Option<FileId>,
    pub count: usize,
}

/// What diagnostics are counted by: the code, the severity (so an error is never cut for
/// a note's sake), and the file.
pub type CapKey = (Code, Severity, Option<FileId>);

/// Something a [`Collector`] can count.
pub trait Capped {
    fn cap_key(&self) -> CapKey;
}

impl Capped for Diagnostic {
    fn cap_key(&self) -> CapKey {
        (self.code, self.severity, self.span().map(|s| s.file))
    }
}

/// Keeps the first `max` items of each key, in order, and counts the rest.
#[derive(Debug)]
pub struct Collector<T> {
    /// `0`: no limit.
    max: usize,
    kept: Vec<T>,
    /// Per key: how many were kept and how many left out, with the order keys were first
    /// seen, so the notes come out in a stable order.
    counts: HashMap<CapKey, (usize, usize, usize)>,
}

impl<T: Capped> Collector<T> {
    /// A collector keeping `max` of each key; `0` keeps everything.
    pub fn new(max: usize) -> Collector<T> {
        Collector {
            max,
            kept: Vec::new(),
            counts: HashMap::new(),
        }
    }

    pub fn push(&mut self, item: T) {
        let order = self.counts.len();
        let (kept, left_out, _) = self.counts.entry(item.cap_key()).or_insert((0, 0, order));
        if self.max == 0 || *kept < self.max {
            *kept += 1;
            self.kept.push(item);
        } else {
            *left_out += 1;
        }
    }

    /// Counts `count` items of `key` left out elsewhere (by another collector).
    pub fn add_left_out(&mut self, key: CapKey, count: usize) {
        let order = self.counts.len();
        let (_, left_out, _) = self.counts.entry(key).or_insert((0, 0, order));
        *left_out += count;
    }

    /// Takes in what another collector (a later part of the same document) kept and cut,
    /// as if its items had been pushed here after this one's.
    pub fn append(&mut self, other: Collector<T>) {
        let (items, left_out) = other.into_parts();
        for item in items {
            self.push(item);
        }
        for left in left_out {
            self.add_left_out((left.code, left.severity, left.file), left.count);
        }
    }

    /// The most kept of each key (`0`: no limit), for a collector of a later part.
    pub fn limit(&self) -> usize {
        self.max
    }

    pub fn kept(&self) -> &[T] {
        &self.kept
    }

    /// What was kept, in order, and what was left out, in the order keys were first seen.
    pub fn into_parts(self) -> (Vec<T>, Vec<LeftOut>) {
        let mut left_out: Vec<(usize, LeftOut)> = self
            .counts
            .into_iter()
            .filter(|(_, (_, count, _))| *count > 0)
            .map(|((code, severity, file), (_, count, order))| {
                (
                    order,
                    LeftOut {
                        code,
                        severity,
                        file,
                        count,
                    },
                )
            })
            .collect();
        left_out.sort_by_key(|(order, _)| *order);
        (self.kept, left_out.into_iter().map(|(_, left)| left).collect())
    }
}

/// `diags` with at most `max` of each code and severity per file (`0`: all), and one note
/// per key that lost some, after the others. Notes that collectors already made are merged
/// into these, so each key has one note with the whole count.
pub fn cap(diags: Vec<Diagnostic>, max: usize, sources: &SourceMap) -> Vec<Diagnostic> {
    let mut collector = Collector::new(max);
    for diag in diags {
        match &diag.left_out {
            Some(left) => collector.add_left_out((left.code, left.severity, left.file), left.count),
            None => collector.push(diag),
        }
    }
    let (mut kept, left_out) = collector.into_parts();
    let notes: Vec<Diagnostic> = left_out
        .into_iter()
        .map(|left| {
            let last = last_shown(&kept, &left);
            left_out_note(left, last, sources)
        })
        .collect();
    kept.extend(notes);
    kept
}

/// The span of the last diagnostic shown of `left`'s key, where its note points.
fn last_shown(kept: &[Diagnostic], left: &LeftOut) -> Option<Span> {
    kept.iter()
        .rev()
        .find(|d| d.cap_key() == (left.code, left.severity, left.file))
        .and_then(Diagnostic::span)
}

/// The note for what was left out of one key, at the last one shown when there is one.
pub fn left_out_note(left: LeftOut, last: Option<Span>, sources: &SourceMap) -> Diagnostic {
    let name = left.code.info().name;
    let place = left
        .file
        .map(|file| format!(" in `{}`", sources.name(file)))
        .unwrap_or_default();
    let mut note = Diagnostic::new(
        Code::DiagnosticsLeftOut,
        format!("{} more {name}{place} not shown", left.count),
    )
    .with_help("pass `--max-per-code 0` to see all");
    if let Some(span) = last {
        note = note.at(span, format!("the last {name} shown; the others are like it"));
    }
    note.left_out = Some(left);
    note
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;
    use crate::source::FileKind;

    fn sources() -> (SourceMap, FileId, FileId) {
        let mut sources = SourceMap::new();
        let a = sources.add("agents.json", None, FileKind::Json, "x".repeat(100));
        let b = sources.add("tools.json", None, FileKind::Json, "x".repeat(100));
        (sources, a, b)
    }

    fn at(code: Code, file: FileId, offset: usize) -> Diagnostic {
        Diagnostic::new(code, "problem").at(Span::new(file, offset, offset + 1), "here")
    }

    #[test]
    fn keeps_the_first_of_each_code_per_file_and_notes_the_rest() {
        let (sources, a, b) = sources();
        let mut diags = Vec::new();
        for i in 0..10 {
            diags.push(at(Code::UnknownDataField, a, i));
            diags.push(at(Code::MissingField, a, i));
            diags.push(at(Code::UnknownDataField, b, i));
        }
        let capped = cap(diags, 3, &sources);
        let notes: Vec<&Diagnostic> = capped.iter().filter(|d| d.left_out.is_some()).collect();
        assert_eq!(capped.len(), 9 + 3);
        assert_eq!(notes.len(), 3);
        assert_eq!(notes[0].message, "7 more E0402 in `agents.json` not shown");
        assert_eq!(notes[0].severity, Severity::Note);
        assert_eq!(notes[0].span(), Some(Span::new(a, 2, 3)), "at the last one shown");
        assert_eq!(notes[2].message, "7 more E0402 in `tools.json` not shown");
    }

    #[test]
    fn zero_keeps_everything() {
        let (sources, a, _) = sources();
        let diags: Vec<Diagnostic> = (0..500).map(|i| at(Code::UnknownDataField, a, i % 100)).collect();
        assert_eq!(cap(diags, 0, &sources).len(), 500);
    }

    #[test]
    fn an_error_is_never_cut_for_a_note_of_the_same_code() {
        let (sources, a, _) = sources();
        let mut diags: Vec<Diagnostic> = (0..5)
            .map(|i| at(Code::UnknownDataField, a, i).with_severity(Severity::Note))
            .collect();
        diags.push(at(Code::UnknownDataField, a, 9));
        let capped = cap(diags, 2, &sources);
        assert!(capped.iter().any(Diagnostic::is_error));
    }

    #[test]
    fn notes_of_collectors_merge_with_what_is_cut_later() {
        let (sources, a, _) = sources();
        let mut collector = Collector::new(2);
        for i in 0..10 {
            collector.push(at(Code::UnknownDataField, a, i));
        }
        let (mut diags, left_out) = collector.into_parts();
        assert_eq!(left_out.len(), 1);
        diags.extend(left_out.into_iter().map(|left| left_out_note(left, None, &sources)));
        // Another stage adds more of the same code in the same file.
        diags.push(at(Code::UnknownDataField, a, 50));
        let capped = cap(diags, 2, &sources);
        assert_eq!(capped.len(), 3);
        assert_eq!(capped[2].message, "9 more E0402 in `agents.json` not shown");
    }

    #[test]
    fn appending_a_later_part_counts_as_pushing_its_items() {
        let (_, a, _) = sources();
        let mut first = Collector::new(3);
        let mut second = Collector::new(3);
        for i in 0..2 {
            first.push(at(Code::UnknownDataField, a, i));
        }
        for i in 2..7 {
            second.push(at(Code::UnknownDataField, a, i));
        }
        first.append(second);
        let (kept, left_out) = first.into_parts();
        let offsets: Vec<u32> = kept.iter().map(|d| d.span().unwrap().start).collect();
        assert_eq!(offsets, [0, 1, 2]);
        assert_eq!(left_out[0].count, 4);
    }
}
