//! Lowering of expressions: the Pratt fold of operator sequences, literals and strings.

use std::sync::LazyLock;

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::{Lowerer, MAX_EXPR_DEPTH, children};
use crate::syntax::prescan::MAX_NESTING;

/// Deepest recursion of the lowering itself: as deep as brackets may nest.
const MAX_NESTING_DEPTH: u32 = MAX_NESTING as u32;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::parser::Rule;
use crate::time::{Duration, parse_timestamp};

/// Operator precedence, lowest first, as in the language brief.
static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::op_coalesce, Assoc::Right))
        .op(Op::infix(Rule::op_or, Assoc::Left))
        .op(Op::infix(Rule::op_and, Assoc::Left))
        .op(Op::prefix(Rule::op_not))
        .op(Op::infix(Rule::op_eq, Assoc::Left)
            | Op::infix(Rule::op_ne, Assoc::Left)
            | Op::infix(Rule::op_lt, Assoc::Left)
            | Op::infix(Rule::op_le, Assoc::Left)
            | Op::infix(Rule::op_gt, Assoc::Left)
            | Op::infix(Rule::op_ge, Assoc::Left)
            | Op::infix(Rule::op_in, Assoc::Left)
            | Op::infix(Rule::op_not_in, Assoc::Left)
            | Op::infix(Rule::op_matches, Assoc::Left))
        .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
        .op(Op::infix(Rule::op_mul, Assoc::Left)
            | Op::infix(Rule::op_div, Assoc::Left)
            | Op::infix(Rule::op_mod, Assoc::Left))
        .op(Op::postfix(Rule::op_cast))
        .op(Op::prefix(Rule::op_neg))
        .op(Op::postfix(Rule::op_field)
            | Op::postfix(Rule::op_opt_field)
            | Op::postfix(Rule::op_index)
            | Op::postfix(Rule::call_args))
});

/// An expression and the height of its tree.
struct Lowered {
    expr: Expr,
    height: u32,
    /// Part of a tree already reported as too deep: do not report it again.
    too_deep: bool,
}

impl Lowered {
    fn leaf(expr: Expr) -> Lowered {
        Lowered {
            expr,
            height: 1,
            too_deep: false,
        }
    }
}

impl Lowerer<'_> {
    /// Lowers an `expr` pair.
    pub(super) fn expr(&self, pair: Pair<'_, Rule>) -> Expr {
        self.expr_tree(pair, 0).expr
    }

    /// Lowers the first expression inside a wrapper pair (`message`, `field_default`, …).
    pub(super) fn first_expr(&self, pair: Pair<'_, Rule>) -> Expr {
        let span = self.span(&pair);
        self.expr_or_error(children(pair).find(|p| p.as_rule() == Rule::expr), span)
    }

    pub(super) fn expr_or_error(&self, pair: Option<Pair<'_, Rule>>, span: Span) -> Expr {
        match pair {
            Some(p) if p.as_rule() == Rule::expr => self.expr(p),
            _ => Expr {
                kind: ExprKind::Error,
                span,
            },
        }
    }

    fn expr_tree(&self, pair: Pair<'_, Rule>, nesting: u32) -> Lowered {
        let span = self.span(&pair);
        // Nesting that brackets do not show (`if` in `if`, `not` in `not`) is bounded
        // like bracket nesting, so no stage recurses deeper than the prescan allows.
        let shape = OperatorShape::of(&pair);
        if nesting > MAX_NESTING_DEPTH
            || shape.longest_prefix_run > MAX_NESTING
            || shape.coalesce_count > MAX_EXPR_DEPTH as usize
        {
            return self.too_deep(span);
        }
        if shape.postfix_only {
            // Most expressions are one operand (`s.name`, a message, an argument): no
            // precedence to resolve, so the Pratt machinery is skipped.
            let mut parts = pair.into_inner();
            let Some(first) = parts.next() else {
                return Lowered::leaf(error_expr(span));
            };
            let operand = self.primary(first, nesting + 1);
            return parts.fold(operand, |base, op| self.postfix(base, op, nesting + 1));
        }
        PRATT
            .map_primary(|p| self.primary(p, nesting + 1))
            .map_prefix(|op, operand| {
                let op_span = self.span(&op);
                let op = if op.as_rule() == Rule::op_not {
                    UnaryOp::Not
                } else {
                    UnaryOp::Neg
                };
                let span = op_span.to(operand.expr.span);
                self.node(span, [operand], |[operand]| ExprKind::Unary {
                    op,
                    operand: Box::new(operand),
                })
            })
            .map_postfix(|base, op| self.postfix(base, op, nesting + 1))
            .map_infix(|lhs, op, rhs| {
                let span = lhs.expr.span.to(rhs.expr.span);
                let op = binary_op(op.as_rule());
                self.node(span, [lhs, rhs], |[lhs, rhs]| ExprKind::Binary {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                })
            })
            .parse(pair.into_inner())
    }

    /// Builds a node from lowered children, enforcing the depth bound.
    fn node<const N: usize>(
        &self,
        span: Span,
        kids: [Lowered; N],
        build: impl FnOnce([Expr; N]) -> ExprKind,
    ) -> Lowered {
        if kids.iter().any(|k| k.too_deep) {
            return Lowered {
                expr: error_expr(span),
                height: 1,
                too_deep: true,
            };
        }
        let height = kids.iter().map(|k| k.height).max().unwrap_or(0) + 1;
        if height > MAX_EXPR_DEPTH {
            return self.too_deep(span);
        }
        Lowered {
            expr: Expr {
                kind: build(kids.map(|k| k.expr)),
                span,
            },
            height,
            too_deep: false,
        }
    }

    fn too_deep(&self, span: Span) -> Lowered {
        self.report(
            Diagnostic::new(
                Code::ExpressionTooDeep,
                format!("expression nested deeper than {MAX_EXPR_DEPTH} levels"),
            )
            .at(span, "this expression is too deep")
            .with_help("split it into `let` bindings, constants or functions"),
        );
        Lowered {
            expr: error_expr(span),
            height: 1,
            too_deep: true,
        }
    }

    fn postfix(&self, base: Lowered, op: Pair<'_, Rule>, nesting: u32) -> Lowered {
        let span = base.expr.span.to(self.span(&op));
        match op.as_rule() {
            Rule::op_field | Rule::op_opt_field => {
                let optional = op.as_rule() == Rule::op_opt_field;
                let field = children(op)
                    .next()
                    .map(|p| self.ident(&p))
                    .unwrap_or_else(|| self.error_ident(span));
                self.node(span, [base], |[base]| ExprKind::Field {
                    base: Box::new(base),
                    field,
                    optional,
                })
            }
            Rule::op_index => {
                let index = match children(op).next() {
                    Some(p) => self.expr_tree(p, nesting),
                    None => Lowered::leaf(error_expr(span)),
                };
                self.node(span, [base, index], |[base, index]| ExprKind::Index {
                    base: Box::new(base),
                    index: Box::new(index),
                })
            }
            Rule::op_cast => {
                let ty = children(op).next().map(|p| self.type_expr(p)).unwrap_or(TypeExpr {
                    kind: TypeExprKind::Error,
                    span,
                });
                self.node(span, [base], |[value]| ExprKind::Cast {
                    value: Box::new(value),
                    ty,
                })
            }
            _ => {
                let args = self.call_args_nested(op, nesting);
                let too_deep = args.iter().any(|a| a.1.too_deep);
                let height = args.iter().map(|a| a.1.height).max().unwrap_or(0).max(base.height) + 1;
                if too_deep || base.too_deep {
                    return Lowered {
                        expr: error_expr(span),
                        height: 1,
                        too_deep: true,
                    };
                }
                if height > MAX_EXPR_DEPTH {
                    return self.too_deep(span);
                }
                let args = args
                    .into_iter()
                    .map(|(name, value)| Arg {
                        name,
                        value: value.expr,
                    })
                    .collect();
                Lowered {
                    expr: Expr {
                        kind: ExprKind::Call {
                            callee: Box::new(base.expr),
                            args,
                        },
                        span,
                    },
                    height,
                    too_deep: false,
                }
            }
        }
    }

    pub(super) fn call_args(&self, pair: Pair<'_, Rule>) -> Vec<Arg> {
        self.call_args_nested(pair, 0)
            .into_iter()
            .map(|(name, value)| Arg {
                name,
                value: value.expr,
            })
            .collect()
    }

    fn call_args_nested(&self, pair: Pair<'_, Rule>, nesting: u32) -> Vec<(Option<Ident>, Lowered)> {
        children(pair)
            .map(|arg| {
                let span = self.span(&arg);
                let mut name = None;
                let mut value = None;
                for part in children(arg) {
                    match part.as_rule() {
                        Rule::arg_name => name = Some(self.ident(&part)),
                        _ => value = Some(self.expr_tree(part, nesting)),
                    }
                }
                (name, value.unwrap_or_else(|| Lowered::leaf(error_expr(span))))
            })
            .collect()
    }

    fn primary(&self, pair: Pair<'_, Rule>, nesting: u32) -> Lowered {
        let span = self.span(&pair);
        let literal = |lit: Literal| {
            Lowered::leaf(Expr {
                kind: ExprKind::Literal(lit),
                span,
            })
        };
        match pair.as_rule() {
            Rule::k_true => literal(Literal::Bool(true)),
            Rule::k_false => literal(Literal::Bool(false)),
            Rule::k_null => literal(Literal::Null),
            Rule::int => match pair.as_str().parse::<i64>() {
                Ok(n) => literal(Literal::Int(n)),
                Err(_) => self.bad_literal(
                    span,
                    format!("integer `{}` is too large", pair.as_str()),
                    "integers are 64-bit: the largest is 9223372036854775807",
                ),
            },
            Rule::float => match pair.as_str().parse::<f64>() {
                Ok(x) if x.is_finite() => literal(Literal::Float(x)),
                _ => self.bad_literal(
                    span,
                    format!("number `{}` is too large", pair.as_str()),
                    "floats are 64-bit",
                ),
            },
            Rule::percent => {
                let digits = pair.as_str().trim_end_matches('%');
                match digits.parse::<f64>() {
                    Ok(x) if x.is_finite() => literal(Literal::Percent(x / 100.0)),
                    _ => self.bad_literal(
                        span,
                        format!("percentage `{}` is too large", pair.as_str()),
                        "write a share between 0% and 100%",
                    ),
                }
            }
            Rule::duration => match Duration::parse(pair.as_str()) {
                Ok(d) => literal(Literal::Duration(d)),
                Err(message) => self.bad_literal(span, message, "durations range up to about 292 years"),
            },
            Rule::timestamp => match parse_timestamp(pair.as_str()) {
                Ok(t) => literal(Literal::Timestamp(t)),
                Err(message) => self.bad_literal(
                    span,
                    message,
                    "write a date as `2027-03-31` or a time as `2027-03-31T12:00:00Z`",
                ),
            },
            Rule::string => Lowered::leaf(Expr {
                kind: self.string(pair),
                span,
            }),
            Rule::raw_string => {
                let text = pair.as_str();
                let inner = text.get(2..text.len().saturating_sub(1)).unwrap_or("");
                literal(Literal::String(inner.to_string()))
            }
            Rule::name => Lowered::leaf(Expr {
                kind: ExprKind::Name(
                    children(pair)
                        .next()
                        .map(|p| self.ident(&p))
                        .unwrap_or_else(|| self.error_ident(span)),
                ),
                span,
            }),
            Rule::paren_expr => match children(pair).next() {
                Some(inner) => {
                    let mut lowered = self.expr_tree(inner, nesting);
                    // The span includes the parentheses, so `(a + b) * c` shows whole.
                    lowered.expr.span = span;
                    lowered
                }
                None => Lowered::leaf(error_expr(span)),
            },
            Rule::if_expr => self.if_expr(pair, span, nesting),
            Rule::quantifier => self.quantifier(pair, span, nesting),
            Rule::list_expr => self.list(pair, span, nesting),
            Rule::record_expr => self.record(pair, span, nesting),
            _ => Lowered::leaf(error_expr(span)),
        }
    }

    fn if_expr(&self, pair: Pair<'_, Rule>, span: Span, nesting: u32) -> Lowered {
        let mut parts = children(pair).map(|p| self.expr_tree(p, nesting));
        let mut next = || parts.next().unwrap_or_else(|| Lowered::leaf(error_expr(span)));
        let (c, t, o) = (next(), next(), next());
        self.node(span, [c, t, o], |[condition, then, otherwise]| ExprKind::If {
            condition: Box::new(condition),
            then: Box::new(then),
            otherwise: Box::new(otherwise),
        })
    }

    fn quantifier(&self, pair: Pair<'_, Rule>, span: Span, nesting: u32) -> Lowered {
        let mut kind = Quantifier::Any;
        let mut var = self.error_ident(span);
        let mut exprs = Vec::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::k_all => kind = Quantifier::All,
                Rule::ident => var = self.ident(&part),
                Rule::expr => exprs.push(self.expr_tree(part, nesting)),
                _ => {}
            }
        }
        let mut exprs = exprs.into_iter();
        let collection = exprs.next().unwrap_or_else(|| Lowered::leaf(error_expr(span)));
        let condition = exprs.next().unwrap_or_else(|| Lowered::leaf(error_expr(span)));
        self.node(span, [collection, condition], |[collection, condition]| {
            ExprKind::Quantifier {
                kind,
                var,
                collection: Box::new(collection),
                condition: Box::new(condition),
            }
        })
    }

    fn record(&self, pair: Pair<'_, Rule>, span: Span, nesting: u32) -> Lowered {
        let mut entries = Vec::new();
        let mut values = Vec::new();
        for entry in children(pair) {
            let entry_span = self.span(&entry);
            let mut parts = children(entry);
            let key = match parts.next() {
                Some(k) if k.as_rule() == Rule::plain_string => Ident {
                    name: self.plain_string(k.clone()).into(),
                    span: self.span(&k),
                },
                Some(k) => self.ident(&k),
                None => self.error_ident(entry_span),
            };
            let value = match parts.next() {
                Some(v) => self.expr_tree(v, nesting),
                None => Lowered::leaf(error_expr(entry_span)),
            };
            entries.push(key);
            values.push(value);
        }
        self.collection(span, values, |exprs| {
            ExprKind::Record(
                entries
                    .into_iter()
                    .zip(exprs)
                    .map(|(key, value)| RecordEntry { key, value })
                    .collect(),
            )
        })
    }

    fn list(&self, pair: Pair<'_, Rule>, span: Span, nesting: u32) -> Lowered {
        let mut elements = Vec::new();
        let mut clauses = Vec::new();
        for part in children(pair) {
            match part.as_rule() {
                Rule::comprehension => {
                    for clause in children(part) {
                        let clause_span = self.span(&clause);
                        match clause.as_rule() {
                            Rule::comp_for => {
                                let mut parts = children(clause);
                                let var = parts
                                    .next()
                                    .map(|p| self.ident(&p))
                                    .unwrap_or_else(|| self.error_ident(clause_span));
                                let collection = match parts.next() {
                                    Some(p) => self.expr_tree(p, nesting),
                                    None => Lowered::leaf(error_expr(clause_span)),
                                };
                                clauses.push((Some(var), collection));
                            }
                            _ => {
                                let condition = match children(clause).next() {
                                    Some(p) => self.expr_tree(p, nesting),
                                    None => Lowered::leaf(error_expr(clause_span)),
                                };
                                clauses.push((None, condition));
                            }
                        }
                    }
                }
                _ => elements.push(self.expr_tree(part, nesting)),
            }
        }
        if clauses.is_empty() {
            return self.collection(span, elements, ExprKind::List);
        }
        let (vars, clause_exprs): (Vec<_>, Vec<_>) = clauses.into_iter().unzip();
        let mut all = elements;
        all.extend(clause_exprs);
        self.collection(span, all, |mut exprs| {
            let element = if exprs.is_empty() {
                error_expr(span)
            } else {
                exprs.remove(0)
            };
            let clauses = vars
                .into_iter()
                .zip(exprs)
                .map(|(var, expr)| match var {
                    Some(var) => Clause::For { var, collection: expr },
                    None => Clause::If(expr),
                })
                .collect();
            ExprKind::Comprehension {
                element: Box::new(element),
                clauses,
            }
        })
    }

    /// Builds a node with any number of children, enforcing the depth bound.
    fn collection(&self, span: Span, kids: Vec<Lowered>, build: impl FnOnce(Vec<Expr>) -> ExprKind) -> Lowered {
        if kids.iter().any(|k| k.too_deep) {
            return Lowered {
                expr: error_expr(span),
                height: 1,
                too_deep: true,
            };
        }
        let height = kids.iter().map(|k| k.height).max().unwrap_or(0) + 1;
        if height > MAX_EXPR_DEPTH {
            return self.too_deep(span);
        }
        Lowered {
            expr: Expr {
                kind: build(kids.into_iter().map(|k| k.expr).collect()),
                span,
            },
            height,
            too_deep: false,
        }
    }

    fn bad_literal(&self, span: Span, message: String, help: &str) -> Lowered {
        self.report(
            Diagnostic::new(Code::InvalidLiteral, message)
                .at(span, "invalid literal")
                .with_help(help),
        );
        Lowered::leaf(error_expr(span))
    }

    fn string(&self, pair: Pair<'_, Rule>) -> ExprKind {
        let mut parts = Vec::new();
        let mut text = String::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::string_text => text.push_str(part.as_str()),
                Rule::escape => self.escape(&part, &mut text),
                Rule::interpolation => {
                    if !text.is_empty() {
                        parts.push(StrPart::Text(std::mem::take(&mut text)));
                    }
                    parts.push(StrPart::Expr(self.first_expr(part)));
                }
                _ => {}
            }
        }
        if parts.is_empty() {
            return ExprKind::Literal(Literal::String(text));
        }
        if !text.is_empty() {
            parts.push(StrPart::Text(text));
        }
        ExprKind::Interpolated(parts)
    }

    /// The value of a string without interpolation.
    pub(super) fn plain_string(&self, pair: Pair<'_, Rule>) -> String {
        let mut text = String::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::escape => self.escape(&part, &mut text),
                _ => text.push_str(part.as_str()),
            }
        }
        text
    }

    fn escape(&self, pair: &Pair<'_, Rule>, out: &mut String) {
        let raw = pair.as_str();
        let decoded = match raw {
            "\\n" => Some('\n'),
            "\\t" => Some('\t'),
            "\\r" => Some('\r'),
            "\\0" => Some('\0'),
            "\\\"" => Some('"'),
            "\\\\" => Some('\\'),
            "\\{" => Some('{'),
            "\\}" => Some('}'),
            _ => raw
                .strip_prefix("\\u{")
                .and_then(|r| r.strip_suffix('}'))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => out.push(c),
            None => {
                self.report(
                    Diagnostic::new(Code::InvalidEscape, format!("unknown escape `{raw}`"))
                        .at(self.span(pair), "not an escape cpl knows")
                        .with_help(
                            "the escapes are `\\n` `\\t` `\\r` `\\0` `\\\"` `\\\\` `\\{` `\\}` and `\\u{1F600}`; \
                             for backslashes, a raw string `r\"…\"` has no escapes",
                        ),
                );
                out.push_str(raw);
            }
        }
    }
}

/// What an `expr` pair's flat operator sequence holds, read in one pass.
struct OperatorShape {
    /// The most prefix operators (`not`, `-`) in a row. The Pratt parser recurses once
    /// per prefix operator, so a run of 100 000 `not`s is refused before it starts.
    longest_prefix_run: usize,
    /// How many `??` the sequence holds. `??` is right-associative, and the Pratt parser
    /// recurses once per right-associative operator, so a chain of them is bounded before
    /// it starts, like a run of prefixes.
    coalesce_count: usize,
    /// One operand with postfix operators only: it folds left to right.
    postfix_only: bool,
}

impl OperatorShape {
    fn of(pair: &Pair<'_, Rule>) -> OperatorShape {
        let mut shape = OperatorShape {
            longest_prefix_run: 0,
            coalesce_count: 0,
            postfix_only: true,
        };
        let mut run = 0;
        for (i, part) in pair.clone().into_inner().enumerate() {
            let rule = part.as_rule();
            if matches!(rule, Rule::op_not | Rule::op_neg) {
                run += 1;
                shape.longest_prefix_run = shape.longest_prefix_run.max(run);
                shape.postfix_only = false;
                continue;
            }
            run = 0;
            if rule == Rule::op_coalesce {
                shape.coalesce_count += 1;
            }
            let postfix = matches!(
                rule,
                Rule::op_field | Rule::op_opt_field | Rule::op_index | Rule::call_args | Rule::op_cast
            );
            // The first part is the operand; after it, anything but a postfix is an
            // infix operator.
            if i > 0 && !postfix {
                shape.postfix_only = false;
            }
        }
        shape
    }
}

fn error_expr(span: Span) -> Expr {
    Expr {
        kind: ExprKind::Error,
        span,
    }
}

fn binary_op(rule: Rule) -> BinaryOp {
    match rule {
        Rule::op_coalesce => BinaryOp::Coalesce,
        Rule::op_or => BinaryOp::Or,
        Rule::op_and => BinaryOp::And,
        Rule::op_eq => BinaryOp::Eq,
        Rule::op_ne => BinaryOp::Ne,
        Rule::op_lt => BinaryOp::Lt,
        Rule::op_le => BinaryOp::Le,
        Rule::op_gt => BinaryOp::Gt,
        Rule::op_ge => BinaryOp::Ge,
        Rule::op_in => BinaryOp::In,
        Rule::op_not_in => BinaryOp::NotIn,
        Rule::op_matches => BinaryOp::Matches,
        Rule::op_add => BinaryOp::Add,
        Rule::op_sub => BinaryOp::Sub,
        Rule::op_mul => BinaryOp::Mul,
        Rule::op_div => BinaryOp::Div,
        _ => BinaryOp::Rem,
    }
}
