//! Doc comments. The grammar skips every comment; a `///` block is attached to the item
//! or field that follows it by position, which keeps the grammar free of comment rules.

/// The `///` lines directly above `offset` (blank lines allowed between), joined.
pub fn doc_comment_before(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset)?;
    // Everything on the line before `offset` must be whitespace for a doc to attach.
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    if !before.get(line_start..)?.trim().is_empty() {
        return None;
    }
    let mut lines = Vec::new();
    for line in before.get(..line_start)?.lines().rev() {
        let trimmed = line.trim();
        if let Some(doc) = trimmed.strip_prefix("///") {
            if doc.starts_with('/') {
                break;
            }
            lines.push(doc.strip_prefix(' ').unwrap_or(doc).trim_end());
        } else if trimmed.is_empty() && lines.is_empty() {
            continue;
        } else {
            break;
        }
    }
    if lines.is_empty() {
        return None;
    }
    lines.reverse();
    Some(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_the_block_above() {
        let text = "// not a doc\n/// first\n/// second\nentity a {}";
        let at = text.find("entity").unwrap();
        assert_eq!(doc_comment_before(text, at).as_deref(), Some("first\nsecond"));
        let text = "/// doc\nx: int, y: int";
        assert_eq!(doc_comment_before(text, text.find('y').unwrap()), None);
    }
}
