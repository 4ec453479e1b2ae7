//! Byte offset ↔ line and column, computed once per file and only when a position is
//! shown (a 20 MB registry file with no diagnostic never pays for it).

/// A 1-based line and a 1-based column counted in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of the start of each line.
    starts: Vec<u32>,
    /// Whether each line is pure ASCII, where a column is a byte difference. Data files
    /// such as minified JSON are one 20 MB line: counting characters there for every
    /// position shown would be quadratic.
    ascii: Vec<bool>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        // A byte order mark is not a character of the first line: columns count from
        // after it, so a file saved with one shows the same positions as without.
        let bom = if text.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            0
        };
        let body = text.get(bom..).unwrap_or("");
        let mut starts = vec![u32::try_from(bom).unwrap_or(u32::MAX)];
        let mut ascii = Vec::new();
        if body.contains('\r') {
            index_any_line_ends(body, bom, &mut starts, &mut ascii);
        } else {
            index_newlines(body, bom, &mut starts, &mut ascii);
        }
        if ascii.len() < starts.len() {
            ascii.push(true);
        }
        LineIndex { starts, ascii }
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        self.starts.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    pub fn line_start(&self, line: usize) -> u32 {
        self.starts.get(line).copied().unwrap_or(0)
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(u32::try_from(text.len()).unwrap_or(u32::MAX));
        let line = self.line_of(offset);
        let start = self.line_start(line) as usize;
        let column = if self.ascii.get(line).copied().unwrap_or(false) {
            (offset as usize).saturating_sub(start)
        } else {
            text.get(start..offset as usize).map(|s| s.chars().count()).unwrap_or(0)
        };
        LineCol {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// The byte offset of a 1-based line and character column, clamped to the text.
    pub fn offset(&self, text: &str, line: u32, column: u32) -> u32 {
        let Some(start) = self.starts.get((line as usize).saturating_sub(1)).copied() else {
            return u32::try_from(text.len()).unwrap_or(u32::MAX);
        };
        let rest = text.get(start as usize..).unwrap_or("");
        let skip: usize = rest
            .chars()
            .take((column as usize).saturating_sub(1))
            .take_while(|&c| c != '\n' && c != '\r')
            .map(char::len_utf8)
            .sum();
        start + u32::try_from(skip).unwrap_or(0)
    }
}

/// Lines ended by `\n` alone, the common case.
fn index_newlines(body: &str, base: usize, starts: &mut Vec<u32>, ascii: &mut Vec<bool>) {
    // `split_inclusive` finds newlines with memchr and `is_ascii` checks a word at a
    // time: both matter on a 20 MB file.
    let mut at = base;
    for line in body.split_inclusive('\n') {
        at += line.len();
        ascii.push(line.is_ascii());
        if line.ends_with('\n') {
            starts.push(u32::try_from(at).unwrap_or(u32::MAX));
        }
    }
}

/// Lines ended by `\n`, `\r\n` or a lone `\r` (old Mac files, some CSV exports), in any
/// mix: each ends one line.
fn index_any_line_ends(body: &str, base: usize, starts: &mut Vec<u32>, ascii: &mut Vec<bool>) {
    let bytes = body.as_bytes();
    let mut line_start = 0;
    let mut at = 0;
    while let Some(&byte) = bytes.get(at) {
        at += 1;
        let ends_line = byte == b'\n' || (byte == b'\r' && bytes.get(at) != Some(&b'\n'));
        if ends_line {
            ascii.push(bytes.get(line_start..at).is_some_and(<[u8]>::is_ascii));
            starts.push(u32::try_from(base + at).unwrap_or(u32::MAX));
            line_start = at;
        }
    }
    if line_start < bytes.len() {
        ascii.push(bytes.get(line_start..).is_some_and(<[u8]>::is_ascii));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let text = "ab\nçd\n\nx";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(text, 3), LineCol { line: 2, column: 1 });
        assert_eq!(index.line_col(text, 5), LineCol { line: 2, column: 2 });
        assert_eq!(index.line_col(text, 8), LineCol { line: 4, column: 1 });
        assert_eq!(index.offset(text, 2, 2), 5);
        assert_eq!(index.offset(text, 9, 1), text.len() as u32);
    }

    #[test]
    fn every_line_end_and_a_byte_order_mark_give_the_positions_of_plain_newlines() {
        let plain = "ab\nçd\n\nx";
        let plain_index = LineIndex::new(plain);
        for (ending, bom) in [("\r\n", ""), ("\r", ""), ("\n", "\u{feff}"), ("\r\n", "\u{feff}")] {
            let text = format!("{bom}{}", plain.replace('\n', ending));
            let index = LineIndex::new(&text);
            for (i, c) in plain.char_indices().filter(|&(_, c)| c != '\n') {
                let line_before = plain.get(..i).unwrap_or("").matches('\n').count();
                let moved = bom.len() + i + line_before * (ending.len() - 1);
                assert_eq!(text.get(moved..).and_then(|t| t.chars().next()), Some(c));
                let expected = plain_index.line_col(plain, i as u32);
                assert_eq!(
                    index.line_col(&text, moved as u32),
                    expected,
                    "{ending:?} {bom:?} at {c}"
                );
                assert_eq!(index.offset(&text, expected.line, expected.column), moved as u32);
            }
        }
        let mixed = "a\r\nb\rc\nd";
        let index = LineIndex::new(mixed);
        assert_eq!(index.line_col(mixed, 7), LineCol { line: 4, column: 1 });
        assert_eq!(index.line_col(mixed, 5), LineCol { line: 3, column: 1 });
    }
}
