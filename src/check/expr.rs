//! Expressions: name resolution and type inference, producing typed IR. Literals take
//! their meaning from the expected type where one is known (`"1.2.0"` is a version
//! where a version is expected, `"retrival"` is checked against an enumeration).

use std::sync::Arc;

use super::assign::{assignable, join};
use super::scope::Frame;
use super::{Checker, Owner};
use crate::diagnostics::{Code, Diagnostic, did_you_mean, suggest};
use crate::ir::Value;
use crate::ir::{self, Builtin, ExprKind, ItemRef};
use crate::ir::{FieldType, RecordType, Type};
use crate::source::Span;
use crate::syntax::ast::{self, Literal};

/// A parameter as calls see it.
#[derive(Clone, Debug)]
pub(super) struct ParamSig {
    pub name: Arc<str>,
    pub ty: Type,
    pub has_default: bool,
}

impl<'a> Checker<'a> {
    /// Checks an expression where a value of type `expected` is needed.
    pub(super) fn check_expr(&mut self, e: &ast::Expr, frame: &mut Frame, expected: &Type) -> ir::Expr {
        let checked = self.infer(e, frame, Some(expected));
        self.coerce(checked, expected)
    }

    /// Makes `expr` fit `expected`, or reports why it does not.
    pub(super) fn coerce(&mut self, expr: ir::Expr, expected: &Type) -> ir::Expr {
        if assignable(&self.program, &expr.ty, expected) {
            let target = expected.strip_optional();
            return match (&expr.ty, target) {
                (Type::Int, Type::Float) => ir::Expr {
                    span: expr.span,
                    ty: Type::Float,
                    kind: ExprKind::ToFloat(Box::new(expr)),
                },
                (Type::String, Type::Secret) => ir::Expr {
                    span: expr.span,
                    ty: Type::Secret,
                    kind: ExprKind::Cast {
                        value: Box::new(expr),
                        to: Type::Secret,
                    },
                },
                _ => expr,
            };
        }
        self.mismatch(&expr, expected);
        ir::Expr::error(expr.span)
    }

    pub(super) fn mismatch(&mut self, expr: &ir::Expr, expected: &Type) {
        let found = self.display(&expr.ty);
        let want = self.display(expected);
        let text = self.source_text(expr.span);
        let inner_fits = match &expr.ty {
            Type::Optional(inner) => assignable(&self.program, inner, expected),
            _ => false,
        };
        let diagnostic = if inner_fits {
            Diagnostic::new(Code::MaybeNull, format!("`{}` may be null", shorten(text)))
                .at(expr.span, format!("this is `{found}`"))
                .with_help(format!(
                    "give a default with `{} ?? …`, or test it first",
                    shorten(text)
                ))
        } else {
            let mut d = Diagnostic::new(Code::TypeMismatch, format!("expected `{want}`, found `{found}`"))
                .at(expr.span, format!("this is `{found}`"));
            if matches!(expr.ty, Type::Json) {
                d = d.with_help(format!(
                    "`json` values are checked when used: convert with `{} as {want}`",
                    shorten(text)
                ));
            } else if matches!(expected.strip_optional(), Type::String)
                && !matches!(expr.ty, Type::List(_) | Type::Record(_))
            {
                d = d.with_help(format!(
                    "to turn it into a string, interpolate it: `\"{{{}}}\"`",
                    shorten(text)
                ));
            }
            d
        };
        self.report(diagnostic);
    }

    /// Infers the type of an expression. `hint` is the type the context expects, used
    /// to read literals; the caller still checks the result against it.
    pub(super) fn infer(&mut self, e: &ast::Expr, frame: &mut Frame, hint: Option<&Type>) -> ir::Expr {
        // Each kind of expression is its own function, so the frames of this recursion
        // stay small even in a debug build.
        let span = e.span;
        match &e.kind {
            ast::ExprKind::Literal(lit) => self.literal(lit, span, hint),
            ast::ExprKind::Interpolated(parts) => self.interpolated(parts, frame, span),
            ast::ExprKind::Name(ident) => self.name(ident, frame),
            ast::ExprKind::Field { base, field, optional } => {
                let base = self.infer(base, frame, None);
                self.field(base, field, *optional, span)
            }
            ast::ExprKind::Index { base, index } => {
                let base = self.infer(base, frame, None);
                self.index(base, index, frame, span)
            }
            ast::ExprKind::Call { callee, args } => self.call(callee, args, frame, span),
            ast::ExprKind::Unary { op, operand } => self.unary(*op, operand, frame, span),
            ast::ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, frame, span),
            ast::ExprKind::Cast { value, ty } => {
                let value = self.infer(value, frame, None);
                let to = self.resolve_type(ty);
                self.cast(value, to, span)
            }
            ast::ExprKind::If {
                condition,
                then,
                otherwise,
            } => self.if_expr(condition, then, otherwise, frame, hint, span),
            ast::ExprKind::Quantifier {
                kind,
                var,
                collection,
                condition,
            } => self.quantifier(*kind, var, collection, condition, frame, span),
            ast::ExprKind::List(items) => self.list_literal(items, frame, hint, span),
            ast::ExprKind::Comprehension { element, clauses } => {
                self.comprehension(element, clauses, frame, hint, span)
            }
            ast::ExprKind::Record(entries) => self.record_literal(entries, frame, hint, span),
            ast::ExprKind::Error => ir::Expr::error(span),
        }
    }

    fn interpolated(&mut self, parts: &[ast::StrPart], frame: &mut Frame, span: Span) -> ir::Expr {
        let parts = parts
            .iter()
            .map(|part| match part {
                ast::StrPart::Text(t) => ir::Part::Text(Arc::from(t.as_str())),
                ast::StrPart::Expr(x) => ir::Part::Expr(self.infer(x, frame, None)),
            })
            .collect();
        typed(ExprKind::Interpolate(parts), Type::String, span)
    }

    fn if_expr(
        &mut self,
        condition: &ast::Expr,
        then: &ast::Expr,
        otherwise: &ast::Expr,
        frame: &mut Frame,
        hint: Option<&Type>,
        span: Span,
    ) -> ir::Expr {
        let condition = self.check_expr(condition, frame, &Type::Bool);
        let then = self.infer(then, frame, hint);
        let otherwise = self.infer(otherwise, frame, hint);
        let ty = match join(&then.ty, &otherwise.ty) {
            Some(ty) => ty,
            None => {
                let (a, b) = (self.display(&then.ty), self.display(&otherwise.ty));
                self.report(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!("the branches of this `if` differ: `{a}` and `{b}`"),
                    )
                    .at(then.span, format!("this is `{a}`"))
                    .with_label(otherwise.span, format!("this is `{b}`"))
                    .with_help("both branches must give the same type of value"),
                );
                Type::Error
            }
        };
        typed(
            ExprKind::If {
                condition: Box::new(condition),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            },
            ty,
            span,
        )
    }

    fn quantifier(
        &mut self,
        kind: ast::Quantifier,
        var: &ast::Ident,
        collection: &ast::Expr,
        condition: &ast::Expr,
        frame: &mut Frame,
        span: Span,
    ) -> ir::Expr {
        let collection = self.infer(collection, frame, None);
        let element = self.element_type(&collection);
        frame.nested(|frame| {
            let local = frame.declare(var.name.clone(), element, var.span);
            let condition = self.check_expr(condition, frame, &Type::Bool);
            typed(
                ExprKind::Quantifier {
                    kind,
                    var: local,
                    collection: Box::new(collection),
                    condition: Box::new(condition),
                },
                Type::Bool,
                span,
            )
        })
    }

    fn comprehension(
        &mut self,
        element: &ast::Expr,
        clauses: &[ast::Clause],
        frame: &mut Frame,
        hint: Option<&Type>,
        span: Span,
    ) -> ir::Expr {
        frame.nested(|frame| {
            let mut ir_clauses = Vec::new();
            for clause in clauses {
                match clause {
                    ast::Clause::For { var, collection } => {
                        let collection = self.infer(collection, frame, None);
                        let element_ty = self.element_type(&collection);
                        let local = frame.declare(var.name.clone(), element_ty, var.span);
                        ir_clauses.push(ir::Clause::For { var: local, collection });
                    }
                    ast::Clause::If(condition) => {
                        ir_clauses.push(ir::Clause::If(self.check_expr(condition, frame, &Type::Bool)));
                    }
                }
            }
            let element_hint = hint.and_then(|h| h.strip_optional().element().cloned());
            let element = self.infer(element, frame, element_hint.as_ref());
            let ty = Type::list(element.ty.clone());
            typed(
                ExprKind::Comprehension {
                    element: Box::new(element),
                    clauses: ir_clauses,
                },
                ty,
                span,
            )
        })
    }

    fn literal(&mut self, lit: &Literal, span: Span, hint: Option<&Type>) -> ir::Expr {
        let hint = hint.map(Type::strip_optional);
        let (value, ty) = match lit {
            Literal::Null => (Value::Null, Type::Null),
            Literal::Bool(b) => (Value::Bool(*b), Type::Bool),
            Literal::Int(n) => match hint {
                Some(Type::Float) => (Value::Float(*n as f64), Type::Float),
                _ => (Value::Int(*n), Type::Int),
            },
            Literal::Float(x) | Literal::Percent(x) => (Value::Float(*x), Type::Float),
            Literal::Duration(d) => (Value::Duration(*d), Type::Duration),
            Literal::Timestamp(t) => (Value::Timestamp(*t), Type::Timestamp),
            Literal::String(s) => return self.string_literal(s, span, hint),
        };
        typed(ExprKind::Const(value), ty, span)
    }

    /// A string literal, read as the expected type says.
    pub(super) fn string_literal(&mut self, s: &str, span: Span, hint: Option<&Type>) -> ir::Expr {
        match hint {
            Some(Type::Version) => match semver::Version::parse(s) {
                Ok(v) => typed(ExprKind::Const(Value::Version(Arc::new(v))), Type::Version, span),
                Err(e) => {
                    self.report(
                        Diagnostic::new(Code::InvalidVersion, format!("`{s}` is not a valid version"))
                            .at(span, e.to_string())
                            .with_help("versions are semantic versions such as `1.4.0` or `2.0.0-rc.1`"),
                    );
                    ir::Expr::error(span)
                }
            },
            Some(Type::Enum(e)) => {
                if e.members.iter().any(|m| &**m == s) {
                    typed(ExprKind::Const(Value::str(s)), Type::Enum(e.clone()), span)
                } else {
                    let help = did_you_mean(s, e.members.iter().map(|m| &**m));
                    let listed: Vec<String> = e.members.iter().map(|m| format!("`\"{m}\"`")).collect();
                    self.report(
                        Diagnostic::new(
                            Code::UnknownEnumValue,
                            format!("`\"{s}\"` is not one of the allowed values"),
                        )
                        .at(span, "not in the enumeration")
                        .with_help(help.unwrap_or_else(|| format!("the values are {}", listed.join(", ")))),
                    );
                    ir::Expr::error(span)
                }
            }
            Some(Type::Timestamp) => match crate::time::parse_timestamp(s) {
                Ok(t) => typed(ExprKind::Const(Value::Timestamp(t)), Type::Timestamp, span),
                Err(message) => {
                    self.report(Diagnostic::new(Code::InvalidLiteral, message).at(span, "not a timestamp"));
                    ir::Expr::error(span)
                }
            },
            Some(Type::Duration) => match crate::time::Duration::parse(s) {
                Ok(d) => typed(ExprKind::Const(Value::Duration(d)), Type::Duration, span),
                Err(message) => {
                    self.report(Diagnostic::new(Code::InvalidLiteral, message).at(span, "not a duration"));
                    ir::Expr::error(span)
                }
            },
            _ => typed(ExprKind::Const(Value::str(s)), Type::String, span),
        }
    }

    fn name(&mut self, ident: &ast::Ident, frame: &Frame) -> ir::Expr {
        let span = ident.span;
        if let Some(local) = frame.lookup(&ident.name) {
            return typed(ExprKind::Local(local.id), local.ty.clone(), span);
        }
        if let Some(step) = self.step_reference(&ident.name, span) {
            return step;
        }
        match self.program.names.get(&ident.name).copied() {
            Some(ItemRef::Const(id)) => {
                let ty = self.ensure_const(id);
                self.note_call(Owner::Const(id), span);
                typed(ExprKind::Global(id), ty, span)
            }
            Some(ItemRef::Source(id)) => {
                let ty = self
                    .program
                    .sources
                    .get(id.index())
                    .map(|s| s.ty.clone())
                    .unwrap_or(Type::Error);
                typed(ExprKind::Source(id), ty, span)
            }
            Some(ItemRef::Policy(_)) => self.not_a_value(ident, "a policy", format!("call it: `{}()`", ident.name)),
            Some(ItemRef::Fn(_)) => self.not_a_value(ident, "a function", format!("call it: `{}(…)`", ident.name)),
            Some(ItemRef::Flag(_)) => self.not_a_value(
                ident,
                "a flag",
                format!("call it with a context to get its value: `{}({{ … }})`", ident.name),
            ),
            None if Self::is_context_name(&ident.name) => self.no_context(ident),
            Some(ItemRef::Entity(_)) | Some(ItemRef::Type) => self.not_a_value(
                ident,
                "a type",
                "to work with registry data, declare a `source` of this type and use its name".to_string(),
            ),
            Some(_) if Self::is_context_name(&ident.name) => self.not_a_value(
                ident,
                "the type of the evaluation context",
                "only a flag's rules read `context`; elsewhere, call the flag with a context: `my_flag({ … })`"
                    .to_string(),
            ),
            Some(_) => {
                let what = self
                    .decls
                    .get(&ident.name)
                    .map(|i| i.kind.described())
                    .unwrap_or("an item");
                self.not_a_value(ident, what, "it cannot be used as a value".to_string())
            }
            None if self.broken.contains(&ident.name) => ir::Expr::error(span),
            None => {
                let mut candidates: Vec<&str> = frame.visible_names().collect();
                candidates.extend(
                    self.program
                        .names
                        .iter()
                        .filter(|(_, r)| matches!(r, ItemRef::Const(_) | ItemRef::Source(_)))
                        .map(|(n, _)| &**n),
                );
                if let Some(steps) = &self.steps {
                    candidates.extend(steps.names());
                }
                let help = if self.later_loop_var.as_ref() == Some(&ident.name) {
                    Some(format!(
                        "`{}` is the loop variable of the `for` below; a `let` before `for` is computed once, \
                         outside the loop: move this `let` after the `for`",
                        ident.name
                    ))
                } else {
                    did_you_mean(&ident.name, candidates)
                };
                self.report(
                    Diagnostic::new(Code::UnknownName, format!("unknown name `{}`", ident.name))
                        .at(span, "not found in this scope")
                        .with_help_opt(help),
                );
                ir::Expr::error(span)
            }
        }
    }

    fn not_a_value(&mut self, ident: &ast::Ident, what: &str, help: String) -> ir::Expr {
        self.report(
            Diagnostic::new(Code::UnknownName, format!("`{}` is {what}, not a value", ident.name))
                .at(ident.span, "used as a value here")
                .with_help(help),
        );
        ir::Expr::error(ident.span)
    }

    /// `base.field` and `base?.field`.
    pub(super) fn field(&mut self, base: ir::Expr, field: &ast::Ident, optional: bool, span: Span) -> ir::Expr {
        let mut inner = base.ty.clone();
        if optional {
            inner = inner.strip_optional().clone();
        } else if let Type::Optional(t) = &base.ty {
            let text = shorten(self.source_text(base.span)).to_string();
            let from_always = self.steps.as_ref().is_some_and(|s| s.in_always_step());
            let diagnostic = if from_always && matches!(base.kind, ExprKind::StepOutput { .. }) {
                Diagnostic::new(Code::UnguardedAlwaysRef, format!("step `{text}` may not have run"))
                    .at(
                        base.span,
                        "read by an `always` step, which runs even when this one failed or was skipped",
                    )
                    .with_help(format!("write `{text}?.{}` and give a default with `??`", field.name))
            } else {
                Diagnostic::new(Code::MaybeNull, format!("`{text}` may be null"))
                    .at(base.span, format!("this is `{}`", self.display(&base.ty)))
                    .with_help(format!(
                        "use `{text}?.{}` to get null instead, or test it first",
                        field.name
                    ))
            };
            self.report(diagnostic);
            inner = (**t).clone();
        }
        let (slot, ty, name) = match self.field_type_of(&inner, field) {
            Some(found) => found,
            None => return ir::Expr::error(span),
        };
        let ty = if optional { Type::optional(ty) } else { ty };
        typed(
            ExprKind::Field {
                base: Box::new(base),
                name,
                slot,
                optional,
            },
            ty,
            span,
        )
    }

    /// The slot and type of a field of a value of type `ty`, or `None` after reporting.
    /// The slot, the type and the declared name (shared with the record's shape, so the
    /// evaluator finds the slot by pointer) of a field of a value of type `ty`.
    fn field_type_of(&mut self, ty: &Type, field: &ast::Ident) -> Option<(u32, Type, Arc<str>)> {
        let record = match ty {
            Type::Record(r) => r.clone(),
            Type::Entity(id) | Type::Ref(id) => self.entity_record(*id)?,
            Type::Json => return Some((0, Type::Json, field.name.clone())),
            Type::Map(value) => return Some((0, (**value).clone(), field.name.clone())),
            Type::Error | Type::Unknown => return None,
            Type::Null | Type::Optional(_) => {
                self.report(
                    Diagnostic::new(
                        Code::MaybeNull,
                        format!("cannot read `{}` of a value that may be null", field.name),
                    )
                    .at(field.span, "this field")
                    .with_help("use `?.` to read a field of an optional value"),
                );
                return None;
            }
            other => {
                let shown = self.display(other);
                self.report(
                    Diagnostic::new(
                        Code::NoFields,
                        format!("`{shown}` values have no field `{}`", field.name),
                    )
                    .at(field.span, format!("read from a value of type `{shown}`"))
                    .with_help("only records, entities, maps and `json` values have fields"),
                );
                return None;
            }
        };
        match record.field(&field.name) {
            Some((slot, f)) => Some((u32::try_from(slot).unwrap_or(0), f.ty.clone(), f.name.clone())),
            None => {
                let help = did_you_mean(&field.name, record.fields.iter().map(|f| &*f.name));
                let what = match ty {
                    Type::Entity(id) | Type::Ref(id) => self
                        .program
                        .entities
                        .get(id.index())
                        .map(|e| format!("entity `{}`", e.name))
                        .unwrap_or_else(|| "this record".into()),
                    _ => "this record".to_string(),
                };
                let mut d = Diagnostic::new(Code::UnknownField, format!("{what} has no field `{}`", field.name))
                    .at(field.span, "unknown field")
                    .with_help_opt(help);
                if d.help.is_none() {
                    let names: Vec<String> = record.fields.iter().map(|f| format!("`{}`", f.name)).collect();
                    if !names.is_empty() {
                        d = d.with_note(format!("its fields are {}", names.join(", ")));
                    }
                }
                self.report(d);
                None
            }
        }
    }

    fn index(&mut self, base: ir::Expr, index: &ast::Expr, frame: &mut Frame, span: Span) -> ir::Expr {
        let (index_ty, result) = match base.ty.clone() {
            Type::List(element) => (Type::Int, (*element).clone()),
            Type::Map(value) => (Type::String, (*value).clone()),
            Type::Json => (Type::Json, Type::Json),
            Type::Error | Type::Unknown => (Type::Error, Type::Error),
            Type::Optional(_) | Type::Null => {
                let text = shorten(self.source_text(base.span)).to_string();
                self.report(
                    Diagnostic::new(Code::MaybeNull, format!("`{text}` may be null"))
                        .at(base.span, "cannot index a value that may be null")
                        .with_help(format!("give a default first: `({text} ?? [])[…]`")),
                );
                (Type::Error, Type::Error)
            }
            other => {
                let shown = self.display(&other);
                self.report(
                    Diagnostic::new(Code::NotIndexable, format!("`{shown}` values cannot be indexed"))
                        .at(base.span, format!("this is `{shown}`"))
                        .with_help("only lists, maps and `json` values can be indexed with `[…]`"),
                );
                (Type::Error, Type::Error)
            }
        };
        let index = if matches!(index_ty, Type::Json) {
            self.infer(index, frame, None)
        } else {
            self.check_expr(index, frame, &index_ty)
        };
        typed(
            ExprKind::Index {
                base: Box::new(base),
                index: Box::new(index),
            },
            result,
            span,
        )
    }

    /// The element type of a collection that is iterated (`for`, `any`, `all`).
    pub(super) fn element_type(&mut self, collection: &ir::Expr) -> Type {
        match &collection.ty {
            Type::List(element) => (**element).clone(),
            Type::Json => Type::Json,
            Type::Error | Type::Unknown => Type::Error,
            Type::Optional(inner) if matches!(**inner, Type::List(_)) => {
                let text = shorten(self.source_text(collection.span)).to_string();
                self.report(
                    Diagnostic::new(Code::MaybeNull, format!("`{text}` may be null"))
                        .at(collection.span, "cannot iterate a value that may be null")
                        .with_help(format!("iterate `{text} ?? []`")),
                );
                Type::Error
            }
            other => {
                let shown = self.display(other);
                self.report(
                    Diagnostic::new(Code::NotIterable, format!("expected a list, found `{shown}`"))
                        .at(collection.span, format!("this is `{shown}`"))
                        .with_help("`for`, `any` and `all` go over the elements of a list"),
                );
                Type::Error
            }
        }
    }

    fn list_literal(&mut self, items: &[ast::Expr], frame: &mut Frame, hint: Option<&Type>, span: Span) -> ir::Expr {
        let element_hint = match hint.map(Type::strip_optional) {
            Some(Type::List(element)) => Some((**element).clone()),
            // A list where `json` is expected may mix types, as JSON does.
            Some(Type::Json) => Some(Type::Json),
            _ => None,
        };
        if let Some(element) = &element_hint {
            let items: Vec<ir::Expr> = items.iter().map(|i| self.check_expr(i, frame, element)).collect();
            return typed(ExprKind::List(items), Type::list(element.clone()), span);
        }
        let items: Vec<ir::Expr> = items.iter().map(|i| self.infer(i, frame, None)).collect();
        let mut element = Type::Unknown;
        for item in &items {
            match join(&element, &item.ty) {
                Some(joined) => element = joined,
                None => {
                    let (a, b) = (self.display(&element), self.display(&item.ty));
                    self.report(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            format!("list elements differ in type: `{a}` and `{b}`"),
                        )
                        .at(item.span, format!("this is `{b}`"))
                        .with_help("the elements of a list share one type; use `json` for mixed data"),
                    );
                    element = Type::Error;
                    break;
                }
            }
        }
        typed(ExprKind::List(items), Type::list(element), span)
    }

    fn record_literal(
        &mut self,
        entries: &[ast::RecordEntry],
        frame: &mut Frame,
        hint: Option<&Type>,
        span: Span,
    ) -> ir::Expr {
        let target = match hint.map(Type::strip_optional) {
            Some(Type::Record(r)) => Some(r.clone()),
            Some(Type::Entity(id)) | Some(Type::Ref(id)) => self.entity_record(*id),
            Some(Type::Json) => return self.map_literal(entries, frame, &Type::Json, span),
            Some(Type::Map(value)) => {
                let value = (**value).clone();
                return self.map_literal(entries, frame, &value, span);
            }
            _ => None,
        };
        let Some(record) = target else {
            // No expected shape: the literal defines one.
            let mut fields = Vec::new();
            let mut values = Vec::new();
            for entry in entries {
                if fields.iter().any(|f: &FieldType| f.name == entry.key.name) {
                    self.duplicate_entry(&entry.key);
                    continue;
                }
                let value = self.infer(&entry.value, frame, None);
                fields.push(FieldType {
                    name: entry.key.name.clone(),
                    ty: value.ty.clone(),
                    default: None,
                    constraint: None,
                    span: entry.key.span,
                    docs: None,
                });
                values.push(value);
            }
            let record = Arc::new(RecordType::new(fields, None));
            return typed(
                ExprKind::Record {
                    ty: record.clone(),
                    fields: values,
                },
                Type::Record(record),
                span,
            );
        };
        let mut values: Vec<Option<ir::Expr>> = vec![None; record.fields.len()];
        // Fields an unknown entry was probably meant to be: suggested among the fields
        // not given, and then not reported missing as well.
        let not_given: Vec<&str> = record
            .fields
            .iter()
            .map(|f| &*f.name)
            .filter(|name| !entries.iter().any(|e| &*e.key.name == *name))
            .collect();
        let mut meant: Vec<&str> = Vec::new();
        for entry in entries {
            match record.field(&entry.key.name) {
                Some((slot, field)) => {
                    let value = self.check_expr(&entry.value, frame, &field.ty);
                    match values.get_mut(slot) {
                        Some(place @ None) => *place = Some(value),
                        _ => self.duplicate_entry(&entry.key),
                    }
                }
                None => {
                    meant.extend(suggest(&entry.key.name, not_given.iter().copied()));
                    let help = did_you_mean(&entry.key.name, not_given.iter().copied());
                    self.report(
                        Diagnostic::new(Code::UnknownField, format!("unknown field `{}`", entry.key.name))
                            .at(entry.key.span, "not a field of the expected record")
                            .with_help_opt(help),
                    );
                }
            }
        }
        let mut fields = Vec::new();
        for (field, value) in record.fields.iter().zip(values) {
            let value = match value {
                Some(v) => v,
                None => match (&field.default, field.ty.is_optional()) {
                    (Some(default), _) => typed(ExprKind::Const(default.clone()), field.ty.clone(), span),
                    (None, true) => typed(ExprKind::Const(Value::Null), Type::Null, span),
                    (None, false) if meant.contains(&&*field.name) => ir::Expr::error(span),
                    (None, false) => {
                        self.report(
                            Diagnostic::new(Code::MissingRecordField, format!("missing field `{}`", field.name))
                                .at(span, format!("this record has no `{}`", field.name))
                                .with_label(field.span, "declared here")
                                .with_help(format!("add `{}: …`", field.name)),
                        );
                        ir::Expr::error(span)
                    }
                },
            };
            fields.push(value);
        }
        typed(
            ExprKind::Record {
                ty: record.clone(),
                fields,
            },
            Type::Record(record),
            span,
        )
    }

    fn map_literal(
        &mut self,
        entries: &[ast::RecordEntry],
        frame: &mut Frame,
        value_ty: &Type,
        span: Span,
    ) -> ir::Expr {
        let mut out: Vec<(Arc<str>, ir::Expr)> = Vec::new();
        for entry in entries {
            if out.iter().any(|(k, _)| *k == entry.key.name) {
                self.duplicate_entry(&entry.key);
                continue;
            }
            let value = if matches!(value_ty, Type::Json) {
                // The hint lets nested lists mix types, as JSON does.
                self.infer(&entry.value, frame, Some(&Type::Json))
            } else {
                self.check_expr(&entry.value, frame, value_ty)
            };
            out.push((entry.key.name.clone(), value));
        }
        let ty = if matches!(value_ty, Type::Json) {
            Type::Json
        } else {
            Type::Map(Arc::new(value_ty.clone()))
        };
        typed(ExprKind::Map(out), ty, span)
    }

    fn duplicate_entry(&mut self, key: &ast::Ident) {
        self.report(
            Diagnostic::new(
                Code::DuplicateDefinition,
                format!("field `{}` is given twice", key.name),
            )
            .at(key.span, "given again here")
            .with_help("remove one of them"),
        );
    }

    /// `value as T`: a checked cast. It never converts, so a cast that no value of the
    /// static type can pass is an error that names the conversion to use instead.
    fn cast(&mut self, value: ir::Expr, to: Type, span: Span) -> ir::Expr {
        let from = value.ty.clone();
        if !self.castable(&from, &to) {
            let (a, b) = (self.display(&from), self.display(&to));
            let help = match conversion(&from, &to) {
                Some(function) => {
                    format!("`as` checks a type and never converts: use `{function}(x)` to convert")
                }
                None => "`as` checks a type and never converts: it narrows `json` data and optional values, \
                         and reads strings as versions, times and durations"
                    .to_string(),
            };
            self.report(
                Diagnostic::new(
                    Code::InvalidCast,
                    format!("a value of type `{a}` can never be {}", a_or_an(&b)),
                )
                .at(span, "this cast always fails")
                .with_help(help),
            );
            return ir::Expr::error(span);
        }
        typed(
            ExprKind::Cast {
                value: Box::new(value),
                to: to.clone(),
            },
            to,
            span,
        )
    }

    /// Whether some value of type `from` passes `as to`: `to` is `json`, the value is
    /// `json`, `to` is a supertype (the cast only states it), or a subtype the value may
    /// have (a narrowing). A string may also be a version, time or duration, as data
    /// writes them.
    fn castable(&self, from: &Type, to: &Type) -> bool {
        let target = to.strip_optional();
        match (from, target) {
            (Type::Error | Type::Unknown, _) | (_, Type::Error) => true,
            (Type::Json, _) | (_, Type::Json) => true,
            (Type::Optional(inner), _) => self.castable(inner, target) || assignable(&self.program, from, to),
            (Type::String, Type::Version | Type::Timestamp | Type::Duration) => true,
            // A number never holds the other kind: `2.0` is not an `int` (`int(x)` is).
            (Type::Float, Type::Int) | (Type::Secret, Type::String) => false,
            _ => assignable(&self.program, from, to) || assignable(&self.program, target, from),
        }
    }

    // -----------------------------------------------------------------------
    // Calls

    fn call(&mut self, callee: &ast::Expr, args: &[ast::Arg], frame: &mut Frame, span: Span) -> ir::Expr {
        let ast::ExprKind::Name(name) = &callee.kind else {
            if let ast::ExprKind::Field { base, field, .. } = &callee.kind
                && let ast::ExprKind::Name(connector) = &base.kind
                && matches!(self.program.names.get(&connector.name), Some(ItemRef::Connector(_)))
            {
                self.report(
                    Diagnostic::new(
                        Code::NotAStep,
                        format!(
                            "`{}.{}` can only be called as a workflow step",
                            connector.name, field.name
                        ),
                    )
                    .at(span, "connector call in an expression")
                    .with_help(format!(
                        "write it as a step: `step {} = {}.{}(…)`",
                        field.name, connector.name, field.name
                    )),
                );
                return ir::Expr::error(span);
            }
            self.report(
                Diagnostic::new(Code::NotCallable, "this expression cannot be called")
                    .at(callee.span, "not a function")
                    .with_help("call functions, policies and built-ins by name: `len(xs)`"),
            );
            return ir::Expr::error(span);
        };
        if let Some(builtin) = ir::Builtin::lookup(&name.name) {
            return self.builtin_call(builtin, name, args, frame, span);
        }
        match self.program.names.get(&name.name).copied() {
            Some(ItemRef::Fn(id)) => {
                let (params, ret) = match self.program.functions.get(id.index()) {
                    Some(f) => (self.fn_params(f), f.ret.clone()),
                    None => return ir::Expr::error(span),
                };
                let args = self.match_args(&name.name, &params, args, frame, span);
                self.note_call(Owner::Fn(id), span);
                typed(ExprKind::CallFn { function: id, args }, ret, span)
            }
            Some(ItemRef::Flag(id)) => self.flag_call(id, name, args, frame, span),
            Some(ItemRef::Policy(id)) => {
                let params = match self.program.policies.get(id.index()) {
                    Some(p) => self.fn_params_of(&p.params),
                    None => return ir::Expr::error(span),
                };
                let args = self.match_args(&name.name, &params, args, frame, span);
                self.note_call(Owner::Policy(id), span);
                typed(
                    ExprKind::CallPolicy { policy: id, args },
                    Type::Record(crate::ir::decision_record()),
                    span,
                )
            }
            _ if matches!(&*name.name, "log" | "fail") => {
                self.report(
                    Diagnostic::new(Code::NotAStep, format!("`{}` is a workflow step", name.name))
                        .at(name.span, "only steps can call it")
                        .with_help(format!("use it in a workflow: `step record = {}(\"…\")`", name.name)),
                );
                ir::Expr::error(span)
            }
            _ if frame.lookup(&name.name).is_some() => {
                self.report(
                    Diagnostic::new(Code::NotCallable, format!("`{}` is a value, not a function", name.name))
                        .at(name.span, "not callable")
                        .with_help("only functions, policies and built-ins can be called"),
                );
                ir::Expr::error(span)
            }
            Some(_) => {
                let what = self
                    .decls
                    .get(&name.name)
                    .map(|i| i.kind.described())
                    .unwrap_or("an item");
                let help = match what {
                    "gate" => format!("run gates from the command line: `cpl gate {}`", name.name),
                    "workflow" => format!("run workflows from the command line: `cpl run {}`", name.name),
                    "flag" => format!("evaluate flags from the command line: `cpl flag {}`", name.name),
                    _ => "only functions, policies and built-ins can be called".to_string(),
                };
                self.report(
                    Diagnostic::new(Code::NotCallable, format!("`{}` is {what}, not a function", name.name))
                        .at(name.span, "not callable here")
                        .with_help(help),
                );
                ir::Expr::error(span)
            }
            None if self.broken.contains(&name.name) => ir::Expr::error(span),
            None => {
                let mut candidates: Vec<&str> = ir::Builtin::ALL.iter().map(|(n, _)| *n).collect();
                candidates.extend(
                    self.program
                        .names
                        .iter()
                        .filter(|(_, r)| matches!(r, ItemRef::Fn(_) | ItemRef::Policy(_) | ItemRef::Flag(_)))
                        .map(|(n, _)| &**n),
                );
                let help = did_you_mean(&name.name, candidates);
                self.report(
                    Diagnostic::new(Code::UnknownFunction, format!("unknown function `{}`", name.name))
                        .at(name.span, "no function, policy or built-in of this name")
                        .with_help_opt(help),
                );
                ir::Expr::error(span)
            }
        }
    }

    pub(super) fn fn_params(&self, f: &ir::FnDef) -> Vec<ParamSig> {
        self.fn_params_of(&f.params)
    }

    pub(super) fn fn_params_of(&self, params: &[ir::Param]) -> Vec<ParamSig> {
        params
            .iter()
            .map(|p| ParamSig {
                name: p.name.clone(),
                ty: p.ty.clone(),
                has_default: p.default.is_some(),
            })
            .collect()
    }

    /// Matches call arguments to parameters: positional ones first, then by name.
    /// Returns one entry per parameter; `None` takes the default.
    pub(super) fn match_args(
        &mut self,
        callee: &str,
        params: &[ParamSig],
        args: &[ast::Arg],
        frame: &mut Frame,
        span: Span,
    ) -> Vec<Option<ir::Expr>> {
        let mut out: Vec<Option<ir::Expr>> = vec![None; params.len()];
        let mut seen_named = false;
        // Arguments already reported as misplaced (unknown name, positional after named):
        // each probably meant one of the missing parameters, so those are not reported too.
        let mut stray = 0usize;
        for (position, arg) in args.iter().enumerate() {
            let slot = match &arg.name {
                Some(name) => {
                    seen_named = true;
                    match params.iter().position(|p| p.name == name.name) {
                        Some(i) => i,
                        None => {
                            let help = did_you_mean(&name.name, params.iter().map(|p| &*p.name));
                            self.report(
                                Diagnostic::new(
                                    Code::UnknownArgument,
                                    format!("`{callee}` has no parameter `{}`", name.name),
                                )
                                .at(name.span, "unknown argument")
                                .with_help(help.unwrap_or_else(|| signature_help(callee, params))),
                            );
                            stray += 1;
                            self.infer(&arg.value, frame, None);
                            continue;
                        }
                    }
                }
                None => {
                    if seen_named {
                        self.report(
                            Diagnostic::new(Code::ArgumentCount, "a positional argument after a named one")
                                .at(arg.value.span, "give this one by name too")
                                .with_help(signature_help(callee, params)),
                        );
                        stray += 1;
                        self.infer(&arg.value, frame, None);
                        continue;
                    }
                    if position >= params.len() {
                        self.report(
                            Diagnostic::new(
                                Code::ArgumentCount,
                                format!("`{callee}` takes {} argument{}", params.len(), plural(params.len())),
                            )
                            .at(arg.value.span, "extra argument")
                            .with_help(signature_help(callee, params)),
                        );
                        self.infer(&arg.value, frame, None);
                        continue;
                    }
                    position
                }
            };
            let Some(param) = params.get(slot) else {
                continue;
            };
            let value = self.check_expr(&arg.value, frame, &param.ty.clone());
            match out.get_mut(slot) {
                Some(place @ None) => *place = Some(value),
                _ => self.report(
                    Diagnostic::new(Code::ArgumentCount, format!("argument `{}` is given twice", param.name))
                        .at(arg.value.span, "given again here"),
                ),
            }
        }
        let missing: Vec<&ParamSig> = params
            .iter()
            .zip(&out)
            .filter(|(p, a)| a.is_none() && !p.has_default)
            .map(|(p, _)| p)
            .collect();
        if missing.len() > stray {
            let names: Vec<String> = missing.iter().map(|p| format!("`{}`", p.name)).collect();
            self.report(
                Diagnostic::new(
                    Code::ArgumentCount,
                    format!(
                        "missing argument{} {} for `{callee}`",
                        plural(missing.len()),
                        names.join(", ")
                    ),
                )
                .at(span, "in this call")
                .with_help(signature_help(callee, params)),
            );
        }
        out
    }
}

pub(super) fn typed(kind: ExprKind, ty: Type, span: Span) -> ir::Expr {
    ir::Expr { kind, ty, span }
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn signature_help(callee: &str, params: &[ParamSig]) -> String {
    let params: Vec<String> = params
        .iter()
        .map(|p| {
            if p.has_default {
                format!("{}?", p.name)
            } else {
                p.name.to_string()
            }
        })
        .collect();
    format!("`{callee}` takes ({})", params.join(", "))
}

/// Source text for messages, cut short when long.
pub(super) fn shorten(text: &str) -> &str {
    let line = text.lines().next().unwrap_or("");
    if line.len() <= 60 {
        return line;
    }
    let mut end = 60;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    line.get(..end).unwrap_or(line)
}

/// ``an `int` ``, ``a `[int]` ``: a type name in backquotes with its article.
fn a_or_an(type_name: &str) -> String {
    let article = if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} `{type_name}`")
}

/// The built-in that converts a `from` to a `to`, for the help of a cast that cannot
/// succeed.
fn conversion(from: &Type, to: &Type) -> Option<&'static str> {
    let from = from.strip_optional();
    let function = match to.strip_optional() {
        Type::String => Builtin::ToString,
        Type::Int => Builtin::ToInt,
        Type::Float => Builtin::ToFloat,
        _ => return None,
    };
    super::builtins::converts(function, from).then(|| function.name())
}
