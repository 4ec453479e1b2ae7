//! pest errors in a user's words: "expected `}` or a field name, found `=`", never
//! pest's rule names.

use std::collections::BTreeSet;

use pest::error::{Error, ErrorVariant, InputLocation};

use super::parser::Rule;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Converts a pest error on `text[chunk_start..chunk_end]` (offsets in the whole file).
pub(super) fn syntax_error(
    file: FileId,
    text: &str,
    chunk_start: usize,
    chunk_end: usize,
    error: &Error<Rule>,
) -> Diagnostic {
    let mut local = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let expected = match (&error.variant, error.parse_attempts()) {
        (ErrorVariant::CustomError { message }, _) => {
            let at = (chunk_start + local).min(text.len());
            let code = if message.contains("limit") {
                Code::NestingTooDeep
            } else {
                Code::SyntaxError
            };
            return Diagnostic::new(code, "this item is nested too deeply to parse")
                .at(Span::new(file, at, at), "parsing gave up here")
                .with_help("split deep expressions with `let` bindings, constants or functions");
        }
        (ErrorVariant::ParsingError { .. }, Some(attempts)) => {
            // The attempts record every token tried at the furthest position reached,
            // which is further than pest's rule-level position when a literal failed.
            local = local.max(attempts.max_position);
            describe_tokens(
                &attempts
                    .expected_tokens()
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>(),
            )
        }
        (ErrorVariant::ParsingError { .. }, None) => Vec::new(),
    };
    let mut at = (chunk_start + local).min(text.len());

    // An error at the very end of an item's text belongs right after its last token
    // (the missing `}`), not in front of the next item.
    let content_end = end_of_content(text, chunk_start, chunk_end);
    let at_end = at >= content_end;
    if at_end {
        at = content_end;
    }
    // pest rejects a reserved word as a name only once it has read past it: point at
    // the word itself, which is what the user has to change.
    if !at_end
        && expected.iter().any(|e| e == "a name")
        && let Some(start) = reserved_word_before(text, chunk_start, at)
    {
        at = start;
    }
    let found = found_token(text, at, at_end);
    let expected_text = join_alternatives(&expected);
    let message = match &expected_text {
        Some(e) => format!("expected {e}, found {found}"),
        None => format!("unexpected {found}"),
    };
    let label = match &expected_text {
        Some(e) => format!("expected {e}"),
        None => "not expected here".to_string(),
    };
    let width = if found.starts_with('`') && !at_end {
        found.chars().count().saturating_sub(2).max(1)
    } else {
        0
    };
    let end = text
        .get(at..)
        .map(|rest| at + rest.chars().take(width).map(char::len_utf8).sum::<usize>())
        .unwrap_or(at);
    let mut diagnostic = Diagnostic::new(Code::SyntaxError, message).at(Span::new(file, at, end), label);
    let help = if at_end {
        // What follows the item is the next item's keyword: the item itself is unfinished.
        expected
            .iter()
            .find(|e| matches!(e.as_str(), "`}`" | "`]`" | "`)`"))
            .map(|bracket| format!("the item is not closed before the next one begins: add the missing {bracket}"))
    } else {
        help_for(&expected, &found)
    };
    if let Some(help) = help {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

/// The start of a reserved word that ends exactly at `at`, if any. (After `let = 1` the
/// error is at `=`, past a space: the keyword `let` is not the culprit there.)
fn reserved_word_before(text: &str, chunk_start: usize, at: usize) -> Option<usize> {
    let trimmed = text.get(chunk_start..at)?;
    let word_len = trimmed
        .bytes()
        .rev()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
        .count();
    let start = trimmed.len() - word_len;
    let word = trimmed.get(start..)?;
    let after_dot = trimmed.get(..start).is_some_and(|rest| rest.ends_with('.'));
    (RESERVED.contains(&word) && !after_dot).then_some(chunk_start + start)
}

/// Offset just past the last token before `end`, skipping trailing whitespace and comments.
fn end_of_content(text: &str, start: usize, end: usize) -> usize {
    let chunk = text.get(start..end).unwrap_or("");
    let mut content_end = 0;
    let mut in_block = 0usize;
    for (line_start, line) in line_offsets(chunk) {
        let mut trimmed_len = 0;
        let bytes = line.as_bytes();
        let at = |i: usize| bytes.get(i..).unwrap_or(&[]);
        let mut i = 0;
        while i < bytes.len() {
            if in_block > 0 {
                if at(i).starts_with(b"*/") {
                    in_block -= 1;
                    i += 2;
                    continue;
                }
                if at(i).starts_with(b"/*") {
                    in_block += 1;
                    i += 2;
                    continue;
                }
                i += 1;
                continue;
            }
            if at(i).starts_with(b"//") {
                break;
            }
            if at(i).starts_with(b"/*") {
                in_block += 1;
                i += 2;
                continue;
            }
            if !at(i).first().is_some_and(u8::is_ascii_whitespace) {
                trimmed_len = i + 1;
            }
            i += 1;
        }
        if trimmed_len > 0 {
            content_end = line_start + trimmed_len;
        }
    }
    // Land on a character boundary.
    let mut at = start + content_end;
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

fn line_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |line| {
        let start = offset;
        offset += line.len();
        (start, line)
    })
}

/// The token at `at`, for "found …". After the end of an item, the next token of the
/// file is what was found (usually the next item's keyword).
fn found_token(text: &str, at: usize, skip_trivia: bool) -> String {
    let mut rest = text.get(at..).unwrap_or("");
    if skip_trivia {
        loop {
            let trimmed = rest.trim_start();
            if let Some(comment) = trimmed.strip_prefix("//") {
                rest = comment.find('\n').and_then(|n| comment.get(n..)).unwrap_or("");
            } else {
                rest = trimmed;
                break;
            }
        }
    } else {
        rest = rest.trim_start_matches([' ', '\t']);
    }
    let Some(first) = rest.chars().next() else {
        return "end of file".to_string();
    };
    if first == '\n' || first == '\r' {
        return "end of line".to_string();
    }
    if first.is_ascii_alphanumeric() || first == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(40)
            .collect();
        return format!("`{word}`");
    }
    if first == '"' {
        return "a string".to_string();
    }
    for op in ["=>", "->", "==", "!=", "<=", ">=", "??", "?.", "::", "&&", "||"] {
        if rest.starts_with(op) {
            return format!("`{op}`");
        }
    }
    if first.is_control() {
        return format!("character U+{:04X}", first as u32);
    }
    format!("`{first}`")
}

/// What pest expected at the furthest position, grouped the way a user thinks of it.
fn describe_tokens(tokens: &[String]) -> Vec<String> {
    let has = |t: &str| tokens.iter().any(|x| x == t);
    // After an operand every operator is possible; before one, every expression start.
    let operator_position = has("??");
    let expression_position = has("0..9") && has("\"");
    let name_position = !expression_position && has("_");
    let statement_keywords = ["level", "let", "for", "deny", "warn", "require"];
    let policy_body = statement_keywords.iter().filter(|k| has(k)).count() >= 4;

    let mut structural: BTreeSet<(u8, String)> = BTreeSet::new();
    let mut groups: BTreeSet<(u8, &str)> = BTreeSet::new();
    for token in tokens {
        let t = token.as_str();
        if matches!(t, " " | "\t" | "\n" | "\r" | "\u{feff}" | "/*" | "//") {
            continue;
        }
        if ITEM_KEYWORDS.contains(&t) {
            groups.insert((5, "an item (`entity`, `policy`, `gate`, …)"));
        } else if operator_position && OPERATORS.contains(&t) {
            groups.insert((3, "an operator"));
        } else if expression_position && (EXPRESSION_STARTS.contains(&t) || t.contains("..")) {
            groups.insert((2, "an expression"));
        } else if name_position && (t == "_" || t.contains("..")) {
            groups.insert((1, "a name"));
        } else if policy_body && statement_keywords.contains(&t) {
            groups.insert((4, "a policy statement (`let`, `for`, `deny`, `warn`, `require`)"));
        } else if t.contains("..") {
            continue;
        } else {
            structural.insert((rank(t), format!("`{t}`")));
        }
    }
    structural
        .into_iter()
        .map(|(_, t)| t)
        .chain(groups.into_iter().map(|(_, g)| g.to_string()))
        .collect()
}

/// Closing punctuation first: it is what is most often missing.
fn rank(token: &str) -> u8 {
    match token {
        "}" | "]" | ")" => 0,
        "," | ":" | "=>" | "=" | "->" => 1,
        _ => 2,
    }
}

const ITEM_KEYWORDS: &[&str] = crate::syntax::prescan::ITEM_KEYWORDS;

/// The words `ident` refuses (the grammar's `reserved` rule).
pub const RESERVED: &[&str] = &[
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
    "flag",
    "config",
    "slo",
    "test",
    "let",
    "for",
    "in",
    "if",
    "then",
    "else",
    "any",
    "all",
    "and",
    "or",
    "not",
    "as",
    "matches",
    "true",
    "false",
    "null",
    "deny",
    "warn",
    "require",
    "when",
];

const OPERATORS: &[&str] = &[
    "??", "or", "and", "not", "==", "!=", "<", "<=", ">", ">=", "in", "matches", "+", "-", "*", "/", "%", "as", ".",
    "?.", "[", "(",
];

const EXPRESSION_STARTS: &[&str] = &[
    "\"", "r\"", "(", "-", "[", "_", "{", "all", "any", "false", "true", "null", "if", "not", "matches",
];

fn join_alternatives(items: &[String]) -> Option<String> {
    match items {
        [] => None,
        [one] => Some(one.clone()),
        [init @ .., last] => Some(format!("{} or {last}", init.join(", "))),
    }
}

fn help_for(expected: &[String], found: &str) -> Option<String> {
    let word = found.trim_matches('`');
    if expected.iter().any(|e| e == "a name") && RESERVED.contains(&word) {
        return Some(format!(
            "`{word}` is a reserved word and cannot name anything; choose another name"
        ));
    }
    if found == "`=`" && expected.iter().any(|e| e == "an operator") {
        return Some("to compare, write `==`".to_string());
    }
    if found == "`&&`" || found == "`&`" {
        return Some("cpl writes `and`".to_string());
    }
    if found == "`||`" || (found == "`|`" && expected.iter().any(|e| e == "an operator")) {
        return Some("cpl writes `or`".to_string());
    }
    if found == "`!`" {
        return Some("cpl writes `not`".to_string());
    }
    if found == "`\\`" {
        return Some(
            "`{` in a string starts an interpolation, which ends at its `}`: write `\\{` for a literal brace"
                .to_string(),
        );
    }
    if found == "`'`" {
        return Some("strings use double quotes: `\"…\"`".to_string());
    }
    None
}
