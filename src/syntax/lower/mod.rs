//! Lowering: pest pairs to the AST. This is the only place that knows pest's pair
//! structure; it never fails, reporting problems it finds (bad literals, repeated
//! clauses, too-deep expressions) as diagnostics and leaving error nodes behind.

mod expr;
mod items;
mod types;

use std::cell::RefCell;

use pest::iterators::Pair;

use super::parser::Rule;
use crate::diagnostics::Diagnostic;
use crate::source::{FileId, Span};
use crate::syntax::ast::{Ident, Item};

/// Deepest expression tree the lowering builds. Deeper trees (a 200 000-term sum, a
/// tower of `not`) become one diagnostic, so no later stage recurses without bound.
pub const MAX_EXPR_DEPTH: u32 = 256;

pub(super) struct Lowerer<'a> {
    file: FileId,
    /// Where the chunk being lowered starts in its file.
    offset: usize,
    /// The whole file, for doc comments that precede the chunk's items.
    text: &'a str,
    diagnostics: RefCell<Vec<Diagnostic>>,
}

impl<'a> Lowerer<'a> {
    pub(super) fn new(file: FileId, offset: usize, text: &'a str) -> Lowerer<'a> {
        Lowerer {
            file,
            offset,
            text,
            diagnostics: RefCell::new(Vec::new()),
        }
    }

    pub(super) fn lower_file(self, pair: Pair<'_, Rule>) -> (Vec<Item>, Vec<Diagnostic>) {
        let items = pair
            .into_inner()
            .filter(|p| p.as_rule() != Rule::EOI)
            .filter_map(|p| self.item(p))
            .collect();
        (items, self.diagnostics.into_inner())
    }

    fn report(&self, diagnostic: Diagnostic) {
        self.diagnostics.borrow_mut().push(diagnostic);
    }

    /// The pair's span without the whitespace pest leaves at its end (a rule that ends
    /// in an optional part keeps the whitespace skipped before trying it).
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let s = pair.as_span();
        let end = s.start() + content_len(s.as_str());
        Span::new(self.file, self.offset + s.start(), self.offset + end)
    }

    fn ident(&self, pair: &Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().into(),
            span: self.span(pair),
        }
    }

    fn docs_before(&self, span: Span) -> Option<String> {
        super::docs::doc_comment_before(self.text, span.start as usize)
    }
}

/// The length of `text` without trailing whitespace. (pest parses the text with its
/// comments blanked out, so whitespace is all the trivia a pair can end with.)
fn content_len(text: &str) -> usize {
    text.trim_end_matches([' ', '\t', '\n', '\x0B', '\x0C', '\r']).len()
}

/// The children of a pair without keyword tokens, which only mark structure.
fn children<'i>(pair: Pair<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    pair.into_inner().filter(|p| !is_keyword(p.as_rule()))
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::k_entity
            | Rule::k_type
            | Rule::k_source
            | Rule::k_const
            | Rule::k_fn
            | Rule::k_policy
            | Rule::k_gate
            | Rule::k_waiver
            | Rule::k_connector
            | Rule::k_workflow
            | Rule::k_flag
            | Rule::k_environments
            | Rule::k_config
            | Rule::k_slo
            | Rule::k_test
            | Rule::k_let
            | Rule::k_for
            | Rule::k_in
            | Rule::k_if
            | Rule::k_then
            | Rule::k_else
            | Rule::k_any
            | Rule::k_all
            | Rule::k_and
            | Rule::k_or
            | Rule::k_not
            | Rule::k_as
            | Rule::k_matches
            | Rule::k_deny
            | Rule::k_warn
            | Rule::k_require
            | Rule::k_when
            | Rule::k_context
            | Rule::k_input
            | Rule::k_key
            | Rule::k_level
            | Rule::k_policies
            | Rule::k_action
            | Rule::k_step
            | Rule::k_retry
            | Rule::k_backoff
            | Rule::k_timeout
            | Rule::k_always
            | Rule::k_after
            | Rule::k_rollout
            | Rule::k_split
            | Rule::k_by
            | Rule::k_env
            | Rule::k_mock
            | Rule::k_given
            | Rule::k_expect
            | Rule::k_map
            | Rule::k_ref
            | Rule::k_where
    )
}

impl Lowerer<'_> {
    /// Lowers a lone expression and returns it with the diagnostics found.
    pub(super) fn expr_alone(self, pair: Pair<'_, Rule>) -> (crate::syntax::ast::Expr, Vec<Diagnostic>) {
        let expr = self.expr(pair);
        (expr, self.diagnostics.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::content_len;

    #[test]
    fn trailing_whitespace_is_not_part_of_a_span() {
        for (text, content) in [("a == b\n  ", "a == b"), ("x \t\r\n", "x"), ("a.b", "a.b"), ("", "")] {
            assert_eq!(&text[..content_len(text)], content, "{text:?}");
        }
    }
}
