//! Operators: which operand types each accepts and what it gives.

use std::sync::Arc;

use super::Checker;
use super::assign::{join, same_type};
use super::expr::{shorten, typed};
use super::scope::Frame;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Type;
use crate::ir::{self, ExprKind};
use crate::ir::{BinaryOp, UnaryOp};
use crate::source::Span;
use crate::syntax::ast;

impl<'a> Checker<'a> {
    pub(super) fn unary(&mut self, op: UnaryOp, operand: &ast::Expr, frame: &mut Frame, span: Span) -> ir::Expr {
        let (operand, ty) = match op {
            UnaryOp::Not => {
                let operand = self.check_expr(operand, frame, &Type::Bool);
                (operand, Type::Bool)
            }
            UnaryOp::Neg => {
                let operand = self.infer(operand, frame, None);
                let ty = match &operand.ty {
                    Type::Int | Type::Float | Type::Duration | Type::Json | Type::Error => operand.ty.clone(),
                    other => {
                        let shown = self.display(other);
                        self.report(
                            Diagnostic::new(Code::InvalidOperands, format!("cannot negate a `{shown}`"))
                                .at(operand.span, format!("this is `{shown}`"))
                                .with_help("`-` applies to numbers and durations"),
                        );
                        Type::Error
                    }
                };
                (operand, ty)
            }
        };
        typed(
            ExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
            ty,
            span,
        )
    }

    pub(super) fn binary(
        &mut self,
        op: BinaryOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        frame: &mut Frame,
        span: Span,
    ) -> ir::Expr {
        // One small function per kind of operator keeps this recursion's frames small.
        let (lhs, rhs, ty) = match op {
            BinaryOp::Or | BinaryOp::And => self.logical(lhs, rhs, frame),
            BinaryOp::Coalesce => self.coalesce(lhs, rhs, frame),
            BinaryOp::Eq | BinaryOp::Ne => self.equality(op, lhs, rhs, frame),
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => self.ordering(op, lhs, rhs, frame),
            BinaryOp::In | BinaryOp::NotIn => self.membership(lhs, rhs, frame),
            BinaryOp::Matches => self.matches_op(lhs, rhs, frame),
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => {
                self.arithmetic_op(op, lhs, rhs, frame)
            }
        };
        typed(
            ExprKind::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            ty,
            span,
        )
    }

    /// `and`, `or`: booleans.
    fn logical(&mut self, lhs: &ast::Expr, rhs: &ast::Expr, frame: &mut Frame) -> (ir::Expr, ir::Expr, Type) {
        let l = self.check_expr(lhs, frame, &Type::Bool);
        let r = self.check_expr(rhs, frame, &Type::Bool);
        (l, r, Type::Bool)
    }

    /// `x ?? d`: `d` of the type of `x`.
    fn coalesce(&mut self, lhs: &ast::Expr, rhs: &ast::Expr, frame: &mut Frame) -> (ir::Expr, ir::Expr, Type) {
        let l = self.infer(lhs, frame, None);
        let inner = l.ty.strip_optional().clone();
        let r = self.infer(rhs, frame, Some(&inner));
        let ty = match join(&inner, &r.ty) {
            Some(Type::Null) => Type::Null,
            Some(t) => t,
            None => {
                let (a, b) = (self.display(&inner), self.display(&r.ty));
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!("the default is a `{b}`, but the value is a `{a}`"),
                    )
                    .at(r.span, format!("this is `{b}`"))
                    .with_label(l.span, format!("this is `{a}`"))
                    .with_help("`x ?? d` needs `d` of the same type as `x`"),
                );
                Type::Error
            }
        };
        (l, r, ty)
    }

    /// `==`, `!=`: values that can be equal.
    fn equality(
        &mut self,
        op: BinaryOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        frame: &mut Frame,
    ) -> (ir::Expr, ir::Expr, Type) {
        let (l, r) = self.operand_pair(lhs, rhs, frame);
        self.require_equatable(op, &l, &r);
        (l, r, Type::Bool)
    }

    /// `<` and friends: values that are ordered.
    fn ordering(
        &mut self,
        op: BinaryOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        frame: &mut Frame,
    ) -> (ir::Expr, ir::Expr, Type) {
        let (l, r) = self.operand_pair(lhs, rhs, frame);
        if !ordered(&l.ty, &r.ty) {
            self.invalid_operands(
                op,
                &l,
                &r,
                "`<`, `<=`, `>` and `>=` compare numbers, strings, durations, timestamps and versions of the same kind",
            );
        }
        (l, r, Type::Bool)
    }

    /// `in`, `not in`: lists, maps and strings.
    fn membership(&mut self, lhs: &ast::Expr, rhs: &ast::Expr, frame: &mut Frame) -> (ir::Expr, ir::Expr, Type) {
        let r = self.infer(rhs, frame, None);
        let l = match r.ty.strip_optional().clone() {
            Type::List(element) => {
                let l = self.infer(lhs, frame, Some(&element));
                let probe = typed(ExprKind::Error, (*element).clone(), r.span);
                self.require_equatable(BinaryOp::Eq, &l, &probe);
                l
            }
            Type::Map(_) | Type::String => self.check_expr(lhs, frame, &Type::String),
            Type::Json | Type::Error | Type::Unknown => self.infer(lhs, frame, None),
            other => {
                let l = self.infer(lhs, frame, None);
                let shown = self.display(&other);
                self.report(
                    Diagnostic::new(
                        Code::InvalidOperands,
                        format!("`in` needs a list, a map or a string, found `{shown}`"),
                    )
                    .at(r.span, format!("this is `{shown}`"))
                    .with_help("`x in xs` tests membership of a list, the keys of a map, or a substring"),
                );
                l
            }
        };
        if matches!(r.ty, Type::Optional(_)) {
            let text = shorten(self.source_text(r.span)).to_string();
            self.report(
                Diagnostic::new(Code::MaybeNull, format!("`{text}` may be null"))
                    .at(r.span, "cannot test membership of a value that may be null")
                    .with_help(format!("give a default: `{text} ?? []`")),
            );
        }
        (l, r, Type::Bool)
    }

    /// `matches`: strings, and a valid pattern.
    fn matches_op(&mut self, lhs: &ast::Expr, rhs: &ast::Expr, frame: &mut Frame) -> (ir::Expr, ir::Expr, Type) {
        let l = self.check_expr(lhs, frame, &Type::String);
        let r = self.check_expr(rhs, frame, &Type::String);
        if let ExprKind::Const(crate::ir::Value::Str(pattern)) = &r.kind
            && let Err(problem) = crate::pattern::compile_pattern(pattern)
        {
            self.report(
                Diagnostic::new(Code::InvalidRegex, "invalid regular expression")
                    .at(r.span, problem)
                    .with_help("patterns use Rust's `regex` syntax; write backslashes in a raw string: `r\"\\d+\"`"),
            );
        }
        (l, r, Type::Bool)
    }

    /// `+ - * / %`.
    fn arithmetic_op(
        &mut self,
        op: BinaryOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        frame: &mut Frame,
    ) -> (ir::Expr, ir::Expr, Type) {
        let (l, r) = self.operand_pair(lhs, rhs, frame);
        let ty = match arithmetic(op, &l.ty, &r.ty) {
            Some(ty) => ty,
            None => {
                self.invalid_operands(op, &l, &r, arithmetic_help(op));
                Type::Error
            }
        };
        (l, r, ty)
    }

    /// Infers two operands so that a string literal on either side is read as the
    /// other side's type (`a.version >= "1.2.0"`, `t.category == "data"`).
    fn operand_pair(&mut self, lhs: &ast::Expr, rhs: &ast::Expr, frame: &mut Frame) -> (ir::Expr, ir::Expr) {
        if is_literal(lhs) && !is_literal(rhs) {
            let r = self.infer(rhs, frame, None);
            let l = self.infer(lhs, frame, Some(&r.ty.clone()));
            (l, r)
        } else {
            let l = self.infer(lhs, frame, None);
            let r = self.infer(rhs, frame, Some(&l.ty.clone()));
            (l, r)
        }
    }

    fn require_equatable(&mut self, op: BinaryOp, l: &ir::Expr, r: &ir::Expr) {
        let (a, b) = (&l.ty, &r.ty);
        if matches!(a, Type::Null) && !b.is_optional() && !b.is_unconstrained()
            || matches!(b, Type::Null) && !a.is_optional() && !a.is_unconstrained()
        {
            let (value, ty) = if matches!(a, Type::Null) { (r, b) } else { (l, a) };
            let text = shorten(self.source_text(value.span)).to_string();
            let shown = self.display(ty);
            self.report(
                Diagnostic::new(Code::NotComparable, format!("`{text}` is never null"))
                    .at(value.span, format!("this is `{shown}`, which has no null"))
                    .with_help(format!(
                        "this comparison is always {}",
                        if op == BinaryOp::Eq { "false" } else { "true" }
                    )),
            );
            return;
        }
        if !equatable(a, b) {
            self.invalid_operands(op, l, r, "`==` and `!=` compare values of the same type");
        }
    }

    fn invalid_operands(&mut self, op: BinaryOp, l: &ir::Expr, r: &ir::Expr, help: &str) {
        if l.ty.is_unconstrained() || r.ty.is_unconstrained() {
            return;
        }
        let (a, b) = (self.display(&l.ty), self.display(&r.ty));
        let code = if op.is_comparison() {
            Code::NotComparable
        } else {
            Code::InvalidOperands
        };
        self.report(
            Diagnostic::new(code, format!("`{}` is not defined for `{a}` and `{b}`", op.symbol()))
                .at(l.span, format!("this is `{a}`"))
                .with_label(r.span, format!("this is `{b}`"))
                .with_help(help),
        );
    }
}

fn is_literal(e: &ast::Expr) -> bool {
    matches!(e.kind, ast::ExprKind::Literal(_))
}

/// Whether `==` between the two types can ever be true.
fn equatable(a: &Type, b: &Type) -> bool {
    use Type::*;
    match (a.strip_optional(), b.strip_optional()) {
        (Error | Unknown | Json | Null, _) | (_, Error | Unknown | Json | Null) => true,
        (Int | Float, Int | Float) => true,
        (String | Enum(_) | Secret, String | Enum(_) | Secret) => true,
        (Entity(x) | Ref(x), Entity(y) | Ref(y)) => x == y,
        (Entity(_) | Ref(_), Record(_)) | (Record(_), Entity(_) | Ref(_)) => true,
        (List(x), List(y)) => equatable(x, y),
        (Map(x), Map(y)) => equatable(x, y),
        (Record(_), Record(_)) | (Record(_), Map(_)) | (Map(_), Record(_)) => true,
        (x, y) => same_type(x, y),
    }
}

/// Whether `<` is defined between the two types.
fn ordered(a: &Type, b: &Type) -> bool {
    use Type::*;
    matches!(
        (a, b),
        (Error | Unknown | Json, _)
            | (_, Error | Unknown | Json)
            | (Int | Float, Int | Float)
            | (String | Enum(_), String | Enum(_))
            | (Duration, Duration)
            | (Timestamp, Timestamp)
            | (Version, Version)
    )
}

/// The result type of arithmetic, or `None` when the operator does not apply.
fn arithmetic(op: BinaryOp, a: &Type, b: &Type) -> Option<Type> {
    use Type::*;
    if matches!(a, Error | Unknown) || matches!(b, Error | Unknown) {
        return Some(Error);
    }
    if matches!(a, Json) || matches!(b, Json) {
        return Some(Json);
    }
    Some(match (op, a, b) {
        (BinaryOp::Div, Int | Float, Int | Float) => Float,
        (_, Int, Int) => Int,
        (_, Int | Float, Int | Float) => Float,
        (BinaryOp::Add, String | Enum(_), String | Enum(_)) => String,
        (BinaryOp::Add | BinaryOp::Sub, Duration, Duration) => Duration,
        (BinaryOp::Add, Timestamp, Duration) | (BinaryOp::Add, Duration, Timestamp) => Timestamp,
        (BinaryOp::Sub, Timestamp, Duration) => Timestamp,
        (BinaryOp::Sub, Timestamp, Timestamp) => Duration,
        (BinaryOp::Mul, Duration, Int | Float) | (BinaryOp::Mul, Int | Float, Duration) => Duration,
        (BinaryOp::Div, Duration, Int | Float) => Duration,
        (BinaryOp::Div, Duration, Duration) => Float,
        (BinaryOp::Add, List(x), List(y)) => Type::List(Arc::new(join(x, y)?)),
        _ => return None,
    })
}

fn arithmetic_help(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "`+` adds numbers and durations, joins strings and lists, and moves a timestamp by a duration",
        BinaryOp::Sub => "`-` subtracts numbers and durations; a timestamp minus a timestamp is a duration",
        BinaryOp::Mul => "`*` multiplies numbers, or a duration by a number",
        BinaryOp::Div => "`/` divides numbers (the result is a float), or a duration by a number",
        _ => "`%` is the remainder of two numbers",
    }
}
