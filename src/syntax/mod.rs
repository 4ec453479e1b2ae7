//! Syntax: `.cp` text to a spanned AST.
//!
//! A file is split into item-sized chunks by [`prescan`], each chunk is parsed by pest
//! on its own and lowered to the [`ast`]. One syntax error therefore costs one item: the
//! other items of the file still reach the checker. pest types stay in this module.

pub mod ast;
mod docs;
mod errors;
mod lower;
pub(crate) mod parser;
pub mod prescan;

use pest::Parser;

use crate::diagnostics::Diagnostic;
use crate::source::{FileId, Span};
use ast::{Expr, ExprKind, Ident, Module};
use parser::{CplParser, Rule};

pub use docs::doc_comment_before;
pub use lower::MAX_EXPR_DEPTH;

/// A parsed file and the problems found on the way.
#[derive(Debug)]
pub struct Parsed {
    pub module: Module,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one `.cp` file. Never fails: what cannot be parsed is reported.
pub fn parse_file(file: FileId, text: &str) -> Parsed {
    let mut scan = prescan::prescan(file, text);
    let mut diagnostics = std::mem::take(&mut scan.diagnostics);
    let mut items = Vec::new();
    let mut broken_items = Vec::new();
    for chunk in &scan.chunks {
        let chunk_text = text.get(chunk.range.clone()).unwrap_or("");
        if chunk.broken {
            broken_items.extend(item_name(file, chunk.range.start, chunk_text));
            continue;
        }
        let parser_text = scan.parser_text(text, chunk.range.clone());
        match parse_chunk(Rule::file, &parser_text) {
            Ok(mut pairs) => {
                if let Some(pair) = pairs.next() {
                    let lowerer = lower::Lowerer::new(file, chunk.range.start, text);
                    let (chunk_items, chunk_diagnostics) = lowerer.lower_file(pair);
                    items.extend(chunk_items);
                    diagnostics.extend(chunk_diagnostics);
                }
            }
            Err(error) => {
                diagnostics.push(errors::syntax_error(
                    file,
                    text,
                    chunk.range.start,
                    chunk.range.end,
                    &error,
                ));
                broken_items.extend(item_name(file, chunk.range.start, chunk_text));
            }
        }
    }
    Parsed {
        module: Module {
            file,
            items,
            broken_items,
        },
        diagnostics,
    }
}

/// Parses a standalone expression, such as the argument of `cpl eval`.
pub fn parse_expression(file: FileId, text: &str) -> (Expr, Vec<Diagnostic>) {
    let scan = prescan::prescan(file, text);
    let error_expr = Expr {
        kind: ExprKind::Error,
        span: Span::new(file, 0, text.len()),
    };
    if !scan.diagnostics.is_empty() {
        return (error_expr, scan.diagnostics);
    }
    let parser_text = scan.parser_text(text, 0..text.len());
    match parse_chunk(Rule::expr_input, &parser_text) {
        Ok(pairs) => {
            let lowerer = lower::Lowerer::new(file, 0, text);
            let expr = pairs
                .flatten()
                .find(|p| p.as_rule() == Rule::expr)
                .map(|p| lowerer.expr_alone(p));
            match expr {
                Some((expr, diagnostics)) => (expr, diagnostics),
                None => (error_expr, Vec::new()),
            }
        }
        Err(error) => (
            error_expr,
            vec![errors::syntax_error(file, text, 0, text.len(), &error)],
        ),
    }
}

/// Parses with pest. Tracking what was expected at each position doubles the cost of
/// parsing, so it is done only to explain an error: a chunk that fails is parsed again
/// with the tracking on. (The switch is process-wide; a parse on another thread at that
/// moment only pays the cost, its result is the same.)
fn parse_chunk(rule: Rule, text: &str) -> Result<pest::iterators::Pairs<'_, Rule>, Box<pest::error::Error<Rule>>> {
    static DETAILED: std::sync::Mutex<()> = std::sync::Mutex::new(());
    match CplParser::parse(rule, text) {
        Ok(pairs) => Ok(pairs),
        Err(_) => {
            // Only this path turns the tracking on, one thread at a time.
            let _only_one = DETAILED.lock();
            pest::set_error_detail(true);
            let detailed = CplParser::parse(rule, text).map_err(Box::new);
            pest::set_error_detail(false);
            detailed
        }
    }
}

/// The name of the item a chunk declares, read without the parser, so that an item with
/// a syntax error does not also show up as "unknown" wherever it is used.
fn item_name(file: FileId, offset: usize, chunk: &str) -> Option<Ident> {
    let mut pos = 0;
    let mut words = Vec::new();
    let bytes = chunk.as_bytes();
    while words.len() < 2 && pos < bytes.len() {
        let rest = chunk.get(pos..)?;
        if rest.starts_with("//") {
            pos += rest.find('\n').map_or(rest.len(), |n| n + 1);
            continue;
        }
        let b = *bytes.get(pos)?;
        if b.is_ascii_whitespace() {
            pos += 1;
        } else if b.is_ascii_alphabetic() || b == b'_' {
            let len = rest
                .bytes()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                .count();
            words.push((pos, rest.get(..len)?));
            pos += len;
        } else {
            break;
        }
    }
    match words.as_slice() {
        [(_, keyword), (at, name)] if prescan::ITEM_KEYWORDS.contains(keyword) => Some(Ident {
            name: (*name).into(),
            span: Span::new(file, offset + at, offset + at + name.len()),
        }),
        // The environments list is named by its keyword.
        [(at, "environments")] => Some(Ident {
            name: "environments".into(),
            span: Span::new(file, offset + at, offset + at + "environments".len()),
        }),
        _ => None,
    }
}
