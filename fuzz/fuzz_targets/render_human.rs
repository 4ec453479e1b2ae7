//! The renderers on arbitrary text with arbitrary spans and labels: spans past the end,
//! inside a UTF-8 character, reversed, on very long lines or in files the map lacks.
#![no_main]

use cpl::diagnostics::{Code, Diagnostic};
use cpl::source::{FileKind, SourceMap, Span};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

/// Reads the input as: a text length, the text, then spans (start, end, file) of 9 bytes.
fn split(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((&first, rest)) = data.split_first() else {
        return (&[], &[]);
    };
    let len = (usize::from(first) * 64).min(rest.len());
    rest.split_at(len)
}

fn spans(bytes: &[u8]) -> Vec<(Span, String)> {
    bytes
        .chunks_exact(9)
        .map(|c| {
            let start = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            let end = u32::from_le_bytes([c[4], c[5], c[6], c[7]]);
            let file = usize::from(c[8] % 3);
            let label = "x".repeat(usize::from(c[8]));
            (Span::new(file_id(file), start as usize, end as usize), label)
        })
        .collect()
}

fn file_id(index: usize) -> cpl::source::FileId {
    let mut map = SourceMap::new();
    let mut id = map.add("", None, FileKind::Cpl, "");
    for _ in 0..index {
        id = map.add("", None, FileKind::Cpl, "");
    }
    id
}

fuzz_target!(|data: &[u8]| {
    let (text, rest) = split(data);
    let text = String::from_utf8_lossy(text);
    // A long line: the text repeated on one line, past any terminal width.
    let long = text.replace('\n', " ").repeat(40);
    let mut sources = SourceMap::new();
    sources.add("a.cp", None, FileKind::Cpl, text.as_ref());
    sources.add("b.yaml", None, FileKind::Yaml, long);
    let mut diags = Vec::new();
    let spans = spans(rest);
    let mut spans = spans.into_iter();
    while let Some((span, label)) = spans.next() {
        let mut diag = Diagnostic::new(Code::SyntaxError, label.clone()).at(span, label);
        if let Some((second, text)) = spans.next() {
            diag = diag.with_label(second, text).with_help("help").with_note("note");
        }
        diags.push(diag);
    }
    common::render_all(&diags, &sources);
});
