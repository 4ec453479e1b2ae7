//! Lowering of type expressions.

use pest::iterators::Pair;

use super::{Lowerer, children};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::parser::Rule;

impl Lowerer<'_> {
    pub(super) fn type_or_error(&self, pair: Option<Pair<'_, Rule>>, span: Span) -> TypeExpr {
        match pair {
            Some(p) if p.as_rule() == Rule::type_expr => self.type_expr(p),
            _ => TypeExpr {
                kind: TypeExprKind::Error,
                span,
            },
        }
    }

    /// Lowers a `type_expr`: one type, or a `|` union of string literals.
    pub(super) fn type_expr(&self, pair: Pair<'_, Rule>) -> TypeExpr {
        let span = self.span(&pair);
        let members: Vec<TypeExpr> = children(pair).map(|p| self.type_postfix(p)).collect();
        if members.len() == 1 {
            if let Some(only) = members.into_iter().next() {
                return only;
            }
            return TypeExpr {
                kind: TypeExprKind::Error,
                span,
            };
        }
        let mut literals = Vec::new();
        for member in members {
            match member.kind {
                TypeExprKind::Enum(values) => literals.extend(values),
                TypeExprKind::Error => {}
                TypeExprKind::Optional(_) => {
                    self.report(
                        Diagnostic::new(Code::InvalidEnumType, "`?` inside an enumeration")
                            .at(member.span, "this member is marked optional")
                            .with_help("mark the whole enumeration: `(\"a\" | \"b\")?`"),
                    );
                }
                _ => {
                    self.report(
                        Diagnostic::new(Code::InvalidEnumType, "only string literals can be joined with `|`")
                            .at(member.span, "not a string literal")
                            .with_help("an enumeration lists its values: `\"data\" | \"action\" | \"retrieval\"`"),
                    );
                }
            }
        }
        TypeExpr {
            kind: TypeExprKind::Enum(literals),
            span,
        }
    }

    fn type_postfix(&self, pair: Pair<'_, Rule>) -> TypeExpr {
        let mut ty = TypeExpr {
            kind: TypeExprKind::Error,
            span: self.span(&pair),
        };
        for part in children(pair) {
            match part.as_rule() {
                Rule::optional_mark => {
                    let span = ty.span.to(self.span(&part));
                    ty = TypeExpr {
                        kind: TypeExprKind::Optional(Box::new(ty)),
                        span,
                    };
                }
                _ => ty = self.type_atom(part),
            }
        }
        ty
    }

    fn type_atom(&self, pair: Pair<'_, Rule>) -> TypeExpr {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut parts = children(pair);
        let kind = match rule {
            Rule::list_type => TypeExprKind::List(Box::new(self.type_or_error(parts.next(), span))),
            Rule::map_type => TypeExprKind::Map(Box::new(self.type_or_error(parts.next(), span))),
            Rule::record_type => {
                let (fields, open) = parts.next().map(|p| self.fields(p)).unwrap_or_default();
                TypeExprKind::Record {
                    fields,
                    open: open.is_some(),
                }
            }
            Rule::ref_type => match parts.next() {
                Some(p) => TypeExprKind::Ref(self.ident(&p)),
                None => TypeExprKind::Error,
            },
            Rule::enum_literal => match parts.next() {
                Some(p) => TypeExprKind::Enum(vec![(self.plain_string(p), span)]),
                None => TypeExprKind::Error,
            },
            Rule::paren_type => return self.type_or_error(parts.next(), span),
            Rule::named_type => match parts.next() {
                Some(p) => TypeExprKind::Named(self.ident(&p)),
                None => TypeExprKind::Error,
            },
            _ => TypeExprKind::Error,
        };
        TypeExpr { kind, span }
    }
}
