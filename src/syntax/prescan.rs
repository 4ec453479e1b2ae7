//! A lexical pass that runs before pest. It does three things pest cannot do well:
//!
//! * splits a file into item-sized chunks, so one syntax error costs one item, not the
//!   whole file (pest stops at its first error);
//! * reports unterminated strings and comments at their opening, where the mistake is,
//!   rather than where pest gives up;
//! * bounds bracket nesting, so a file of 20 000 `(` is a diagnostic, not a deep
//!   recursion in the parser and every later stage;
//! * finds the comments (and byte-order marks), which pest then sees as spaces: see
//!   [`Prescan::parser_text`].

use std::borrow::Cow;
use std::ops::Range;

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Deepest bracket, interpolation or comment nesting a file may have.
pub const MAX_NESTING: usize = 128;

/// Keywords that begin an item.
pub const ITEM_KEYWORDS: &[&str] = &[
    "entity",
    "type",
    "source",
    "const",
    "fn",
    "policy",
    "gate",
    "waiver",
    "connector",
    "workflow",
    "context",
    "flag",
    "environments",
    "config",
    "slo",
    "test",
];

/// A piece of a file holding whole items (usually one).
#[derive(Debug)]
pub struct Chunk {
    pub range: Range<usize>,
    /// A lexical error was found in this chunk and reported; pest is not run on it.
    pub broken: bool,
}

#[derive(Debug)]
pub struct Prescan {
    pub chunks: Vec<Chunk>,
    pub diagnostics: Vec<Diagnostic>,
    /// Comments and byte-order marks outside strings, in file order.
    trivia: Vec<Range<usize>>,
}

impl Prescan {
    /// The text pest parses for `range` of `text`: comments and byte-order marks become
    /// spaces (newlines stay), so every offset is unchanged. The grammar's whitespace is
    /// then two character ranges. Comments as grammar rules made pest try four more
    /// alternatives between every two tokens, a seventh of the whole parse; this scanner
    /// already has to find them exactly, to report an unclosed one where it opens.
    pub fn parser_text<'t>(&self, text: &'t str, range: Range<usize>) -> Cow<'t, str> {
        let original = text.get(range.clone()).unwrap_or("");
        let first = self.trivia.partition_point(|t| t.end <= range.start);
        let inside = self
            .trivia
            .get(first..)
            .unwrap_or(&[])
            .iter()
            .take_while(|t| t.start < range.end);
        let mut blanked: Option<Vec<u8>> = None;
        for trivia in inside {
            let bytes = blanked.get_or_insert_with(|| original.as_bytes().to_vec());
            let from = trivia.start.max(range.start) - range.start;
            let to = trivia.end.min(range.end) - range.start;
            for byte in bytes.get_mut(from..to).unwrap_or(&mut []) {
                if *byte != b'\n' {
                    *byte = b' ';
                }
            }
        }
        match blanked {
            None => Cow::Borrowed(original),
            // Trivia are whole characters, so the bytes are still UTF-8.
            Some(bytes) => String::from_utf8(bytes).map_or(Cow::Borrowed(original), Cow::Owned),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Open {
    Bracket,
    /// `{` inside a string: code until the matching `}`, then the string resumes.
    Interpolation,
    /// An ordinary string; cannot span lines.
    Str(usize),
}

pub fn prescan(file: FileId, text: &str) -> Prescan {
    Scanner {
        file,
        bytes: text.as_bytes(),
        pos: 0,
        stack: Vec::new(),
        chunk_start: 0,
        chunk_broken: false,
        chunks: Vec::new(),
        diagnostics: Vec::new(),
        trivia: Vec::new(),
    }
    .run()
}

struct Scanner<'a> {
    file: FileId,
    bytes: &'a [u8],
    pos: usize,
    stack: Vec<Open>,
    chunk_start: usize,
    chunk_broken: bool,
    chunks: Vec<Chunk>,
    diagnostics: Vec<Diagnostic>,
    trivia: Vec<Range<usize>>,
}

/// U+FEFF, which an editor may leave at the start of a file (or anywhere, after a paste).
const BYTE_ORDER_MARK: &[u8] = "\u{FEFF}".as_bytes();

impl Scanner<'_> {
    fn run(mut self) -> Prescan {
        self.at_line_start();
        while let Some(&b) = self.bytes.get(self.pos) {
            if let Some(Open::Str(start)) = self.stack.last().copied() {
                self.in_string(b, start);
            } else {
                self.in_code(b);
            }
        }
        if let Some(Open::Str(start)) = self.stack.last().copied() {
            self.unterminated_string(start);
        }
        self.close_chunk(self.bytes.len());
        Prescan {
            chunks: self.chunks,
            diagnostics: self.diagnostics,
            trivia: self.trivia,
        }
    }

    fn rest(&self, from: usize) -> &[u8] {
        self.bytes.get(from..).unwrap_or(&[])
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    fn in_string(&mut self, b: u8, start: usize) {
        match b {
            b'"' => {
                self.stack.pop();
                self.pos += 1;
            }
            b'\\' => self.pos += 2,
            b'{' => {
                self.pos += 1;
                self.push(Open::Interpolation);
            }
            b'\n' => {
                self.unterminated_string(start);
                self.stack.pop();
            }
            _ => self.pos += 1,
        }
    }

    fn in_code(&mut self, b: u8) {
        match b {
            b'/' if self.peek(1) == Some(b'/') => self.skip_line_comment(),
            b'/' if self.peek(1) == Some(b'*') => self.skip_block_comment(),
            b'r' if self.peek(1) == Some(b'"') && !self.previous_is_ident_char() => self.skip_raw_string(),
            0xEF if self.rest(self.pos).starts_with(BYTE_ORDER_MARK) => {
                self.trivia.push(self.pos..self.pos + BYTE_ORDER_MARK.len());
                self.pos += BYTE_ORDER_MARK.len();
            }
            b'"' => {
                self.stack.push(Open::Str(self.pos));
                self.pos += 1;
            }
            b'(' | b'[' | b'{' => {
                self.pos += 1;
                self.push(Open::Bracket);
            }
            b')' | b']' | b'}' => {
                self.pos += 1;
                self.stack.pop();
            }
            b'\n' => {
                self.pos += 1;
                self.at_line_start();
            }
            _ => self.pos += 1,
        }
    }

    fn previous_is_ident_char(&self) -> bool {
        self.pos > 0
            && self
                .bytes
                .get(self.pos - 1)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    }

    fn push(&mut self, open: Open) {
        self.stack.push(open);
        if self.stack.len() > MAX_NESTING {
            let at = self.pos.saturating_sub(1);
            self.fail(
                Diagnostic::new(
                    Code::NestingTooDeep,
                    format!("nesting deeper than {MAX_NESTING} levels"),
                )
                .at(Span::new(self.file, at, at + 1), "this bracket is too deep")
                .with_help("split the expression with `let` bindings, constants or functions"),
            );
        }
    }

    /// Records a lexical error and skips to the next item.
    fn fail(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
        self.chunk_broken = true;
        self.stack.clear();
        // Resume at the next line that starts an item.
        while self.pos < self.bytes.len() {
            match self.rest(self.pos).iter().position(|&b| b == b'\n') {
                Some(n) => {
                    self.pos += n + 1;
                    if self.item_keyword_at_line_start(true) {
                        self.at_line_start();
                        return;
                    }
                }
                None => self.pos = self.bytes.len(),
            }
        }
    }

    fn skip_line_comment(&mut self) {
        let start = self.pos;
        match self.rest(self.pos).iter().position(|&b| b == b'\n') {
            Some(n) => self.pos += n,
            None => self.pos = self.bytes.len(),
        }
        self.trivia.push(start..self.pos);
    }

    fn skip_block_comment(&mut self) {
        let start = self.pos;
        let mut depth = 0usize;
        while self.pos < self.bytes.len() {
            if self.peek(0) == Some(b'/') && self.peek(1) == Some(b'*') {
                depth += 1;
                self.pos += 2;
                if depth > MAX_NESTING {
                    self.fail(
                        Diagnostic::new(
                            Code::NestingTooDeep,
                            format!("comments nested deeper than {MAX_NESTING} levels"),
                        )
                        .at(Span::new(self.file, self.pos - 2, self.pos), "this comment is too deep"),
                    );
                    return;
                }
            } else if self.peek(0) == Some(b'*') && self.peek(1) == Some(b'/') {
                depth -= 1;
                self.pos += 2;
                if depth == 0 {
                    self.trivia.push(start..self.pos);
                    return;
                }
            } else {
                self.pos += 1;
            }
        }
        self.fail(
            Diagnostic::new(Code::UnterminatedComment, "unterminated block comment")
                .at(Span::new(self.file, start, start + 2), "this comment is never closed")
                .with_help("close it with `*/`; block comments nest, so every `/*` needs its own `*/`"),
        );
    }

    fn skip_raw_string(&mut self) {
        let start = self.pos;
        self.pos += 2;
        match self.rest(self.pos).iter().position(|&b| b == b'"') {
            Some(n) => self.pos += n + 1,
            None => self.fail(
                Diagnostic::new(Code::UnterminatedString, "unterminated raw string")
                    .at(
                        Span::new(self.file, start, start + 2),
                        "this raw string is never closed",
                    )
                    .with_help("a raw string ends at the next `\"`"),
            ),
        }
    }

    fn unterminated_string(&mut self, start: usize) {
        let line_end = self
            .rest(start)
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |n| start + n);
        self.diagnostics.push(
            Diagnostic::new(Code::UnterminatedString, "unterminated string")
                .at(
                    Span::new(self.file, start, start + 1),
                    "this string is not closed before the end of the line",
                )
                .with_label(Span::new(self.file, line_end, line_end), "expected `\"` here")
                .with_help(if self.has_interpolation(start, line_end) {
                    "`{` in a string starts an interpolation, which ends at its `}`: write `\\{` for a literal brace"
                } else {
                    "strings cannot span lines: close it with `\"`, or write `\\n` for a line break"
                }),
        );
        self.chunk_broken = true;
    }

    /// Whether the string opening at `start` has an unescaped `{` before `end`: a quote
    /// inside the interpolation then ends up unbalanced (`"{\"name\": 1}"`).
    fn has_interpolation(&self, start: usize, end: usize) -> bool {
        let text = self.bytes.get(start + 1..end).unwrap_or(&[]);
        let mut escaped = false;
        for &b in text {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'{' => return true,
                _ => {}
            }
        }
        false
    }

    /// At the start of a line: if an item begins here, close the current chunk.
    fn at_line_start(&mut self) {
        let at_item = self.item_keyword_at_line_start(false);
        if at_item {
            let line_start = self.pos;
            if line_start > self.chunk_start {
                self.close_chunk(line_start);
                self.chunk_start = line_start;
            }
            // An item at column 0 starts afresh even if brackets were left open: the
            // parser reports the missing `}` in the previous item, and this one parses.
            self.stack.clear();
        }
    }

    /// Whether the line starting at `self.pos` begins an item. Inside brackets only a
    /// keyword at column 0 counts (a recovery point); `force` accepts any indentation.
    fn item_keyword_at_line_start(&self, force: bool) -> bool {
        let rest = &self.rest(self.pos);
        let indent = rest.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
        if !self.stack.is_empty() && indent > 0 && !force {
            return false;
        }
        let rest = rest.get(indent..).unwrap_or(&[]);
        let word_len = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        let Ok(word) = std::str::from_utf8(rest.get(..word_len).unwrap_or(&[])) else {
            return false;
        };
        if !ITEM_KEYWORDS.contains(&word) {
            return false;
        }
        // The keyword must be followed by a name (or `{`/`[` for `context` and
        // `environments`), so a field called `type:` does not split an item.
        let after = rest.get(word_len..).unwrap_or(&[]);
        let gap = after.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
        match after.get(gap) {
            Some(b) if gap > 0 && (b.is_ascii_alphabetic() || *b == b'_') => true,
            Some(b'{') => word == "context",
            Some(b'[') => word == "environments",
            _ => false,
        }
    }

    fn close_chunk(&mut self, end: usize) {
        if end > self.chunk_start || self.chunks.is_empty() {
            // Chunks never split a UTF-8 character: boundaries are line starts.
            self.chunks.push(Chunk {
                range: self.chunk_start..end,
                broken: self.chunk_broken,
            });
        }
        self.chunk_broken = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(text: &str) -> Vec<&str> {
        prescan(FileId::DETACHED, text)
            .chunks
            .iter()
            .map(|c| &text[c.range.clone()])
            .collect()
    }

    #[test]
    fn splits_at_items() {
        let text = "const A = 1\n/// doc\npolicy p {\n  deny when true\n}\ntype t = int\n";
        assert_eq!(
            chunks(text),
            vec![
                "const A = 1\n/// doc\n",
                "policy p {\n  deny when true\n}\n",
                "type t = int\n"
            ]
        );
    }

    #[test]
    fn a_field_named_like_a_keyword_does_not_split() {
        let text = "entity e {\n  key name: string\n  type: string\n}\n";
        assert_eq!(chunks(text).len(), 1);
    }

    #[test]
    fn recovers_at_column_zero_after_an_unclosed_brace() {
        let text = "policy a {\n  deny when true\npolicy b {\n}\n";
        assert_eq!(chunks(text).len(), 2);
    }

    #[test]
    fn reports_unterminated_strings_and_comments() {
        let scan = prescan(FileId::DETACHED, "const A = \"abc\nconst B = 1 /* x");
        let codes: Vec<_> = scan.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec![Code::UnterminatedString, Code::UnterminatedComment]);
    }

    #[test]
    fn bounds_nesting() {
        let text = format!("const A = {}1{}", "(".repeat(20_000), ")".repeat(20_000));
        let scan = prescan(FileId::DETACHED, &text);
        assert_eq!(scan.diagnostics.len(), 1);
        assert_eq!(scan.diagnostics[0].code, Code::NestingTooDeep);
        assert!(scan.chunks.iter().all(|c| c.broken));
    }

    #[test]
    fn the_parser_sees_comments_as_spaces_at_the_same_offsets() {
        let text = "const A = 1 // one\nconst B = \"//x\" /* two\n */ + 2\u{FEFF}\n";
        let scan = prescan(FileId::DETACHED, text);
        let whole = scan.parser_text(text, 0..text.len());
        assert_eq!(whole.len(), text.len());
        assert_eq!(whole, "const A = 1       \nconst B = \"//x\"       \n    + 2   \n");
        // A chunk sees only its own comments, and a chunk without any is borrowed.
        let second = scan.chunks[1].range.clone();
        assert_eq!(scan.parser_text(text, second.clone()), &whole[second]);
        let plain = "const A = 1\n";
        let scan = prescan(FileId::DETACHED, plain);
        assert!(matches!(scan.parser_text(plain, 0..plain.len()), Cow::Borrowed(_)));
    }

    #[test]
    fn interpolation_braces_are_tracked() {
        let text = "const A = \"{ {a: 1}.a }\"\nconst B = \"x\"\n";
        let scan = prescan(FileId::DETACHED, text);
        assert!(scan.diagnostics.is_empty());
        assert_eq!(scan.chunks.len(), 2);
    }
}
