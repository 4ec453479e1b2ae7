//! The expression interpreter. Pure: the same program, data and host give the same
//! value. Every failure is an [`EvalError`] with the span of the failing expression;
//! nothing here panics on any input.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::env::Env;
use super::error::{EvalError, EvalResult};
use super::ops;
use crate::diagnostics::Code;
use crate::ir::Type;
use crate::ir::{BinaryOp, Quantifier, UnaryOp};
use crate::ir::{Clause, Expr, ExprKind, Part};
use crate::ir::{Record, Value};

/// The slots of one evaluation of a function, policy, constant or workflow.
pub type Frame = Vec<Value>;

pub fn new_frame(size: u32) -> Frame {
    vec![Value::Null; size as usize]
}

impl Env<'_> {
    /// Evaluates an expression. Each kind of expression is its own small function, so
    /// the frames of this recursion stay small (a debug build gives every local of a
    /// function its own stack slot).
    pub fn eval(&self, e: &Expr, frame: &mut Frame) -> EvalResult<Value> {
        match &e.kind {
            ExprKind::Const(v) => Ok(v.clone()),
            ExprKind::Local(id) | ExprKind::StepOutput { local: id, .. } => frame
                .get(id.index())
                .cloned()
                .ok_or_else(|| internal(e, "a local variable has no slot")),
            ExprKind::Interpolate(parts) => self.interpolate(parts, frame),
            ExprKind::Source(id) => self.source(*id, e),
            ExprKind::Global(id) => self.global(*id, e),
            ExprKind::Field {
                base,
                name,
                slot,
                optional,
            } => {
                // Read through locals and their fields in place: cloning each step of
                // `s.agent.name` would write to every record it passes.
                if let Some(value) = self.place(base, frame) {
                    return self.field(value, name, *slot, *optional, e, base);
                }
                let value = self.eval(base, frame)?;
                self.field(&value, name, *slot, *optional, e, base)
            }
            ExprKind::Index { base, index } => self.eval_index(base, index, frame, e),
            ExprKind::Builtin { builtin, args } => self.eval_builtin(*builtin, args, frame, e),
            ExprKind::CallFn { function, args } => self.call_fn(*function, args, frame, e),
            ExprKind::CallPolicy { policy, args } => self.call_policy(*policy, args, frame, e),
            ExprKind::CallFlag { flag, context } => self.call_flag(*flag, context, frame, e),
            ExprKind::Unary { op, operand } => self.unary(*op, operand, frame, e),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, frame, e),
            ExprKind::Cast { value, to } => {
                let v = self.eval(value, frame)?;
                super::cast::cast(v, to, self.program, e.span)
            }
            ExprKind::ToFloat(inner) => match self.eval(inner, frame)? {
                Value::Int(n) => Ok(Value::Float(n as f64)),
                other => Ok(other),
            },
            ExprKind::If {
                condition,
                then,
                otherwise,
            } => {
                let c = self.eval(condition, frame)?;
                if self.truth(&c, condition)? {
                    self.eval(then, frame)
                } else {
                    self.eval(otherwise, frame)
                }
            }
            ExprKind::Quantifier {
                kind,
                var,
                collection,
                condition,
            } => self.quantifier(*kind, *var, collection, condition, frame, e),
            ExprKind::List(items) => self.list(items, frame),
            ExprKind::Comprehension { element, clauses } => self.comprehension(element, clauses, frame, e),
            ExprKind::Record { ty, fields } => self.record(ty, fields, frame),
            ExprKind::Map(entries) => self.map(entries, frame),
            ExprKind::Error => Err(internal(e, "this expression did not pass the checker")),
        }
    }

    /// The value a local, or a chain of fields of one, denotes, borrowed from the frame;
    /// `None` for anything else (which is then evaluated).
    fn place<'f>(&self, e: &Expr, frame: &'f Frame) -> Option<&'f Value> {
        match &e.kind {
            ExprKind::Local(id) | ExprKind::StepOutput { local: id, .. } => frame.get(id.index()),
            ExprKind::Field {
                base,
                name,
                slot,
                optional: false,
            } => match self.place(base, frame)?.resolve_ref() {
                Value::Record(record) => record.shape.slot(name, *slot).and_then(|i| record.fields.get(i)),
                Value::Map(map) => map.get(&**name),
                _ => None,
            },
            _ => None,
        }
    }

    fn interpolate(&self, parts: &[Part], frame: &mut Frame) -> EvalResult<Value> {
        use std::fmt::Write;
        let mut out = String::new();
        for part in parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Expr(x) => {
                    let value = self.eval(x, frame)?;
                    let _ = write!(out, "{value}");
                }
            }
        }
        Ok(Value::Str(Arc::from(out)))
    }

    fn source(&self, id: crate::ir::SourceId, e: &Expr) -> EvalResult<Value> {
        // INVARIANT: `data` has one entry per `program.sources`, by id (`None` for an input
        // not given); a shorter vector is a bug, not a missing input.
        match self.data.get(id.index()) {
            Some(Some(value)) => Ok(value.clone()),
            None => Err(internal(e, "a source has no entry in the loaded data")),
            Some(None) => {
                let name = self
                    .program
                    .sources
                    .get(id.index())
                    .map(|s| s.name.to_string())
                    .ok_or_else(|| internal(e, "unknown source"))?;
                Err(
                    EvalError::new(Code::MissingInput, format!("input `{name}` was not given"), e.span)
                        .with_help(format!("pass it with `--input {name}=FILE`")),
                )
            }
        }
    }

    fn global(&self, id: crate::ir::ConstId, e: &Expr) -> EvalResult<Value> {
        let cell = self
            .const_cell(id.index())
            .ok_or_else(|| internal(e, "unknown constant"))?;
        cell.get_or_init(|| {
            let def = self
                .program
                .consts
                .get(id.index())
                .ok_or_else(|| internal(e, "unknown constant"))?;
            let mut frame = new_frame(def.locals);
            self.eval(&def.value, &mut frame)
        })
        .clone()
    }

    fn eval_index(&self, base: &Expr, index: &Expr, frame: &mut Frame, e: &Expr) -> EvalResult<Value> {
        let container = self.eval(base, frame)?;
        let key = self.eval(index, frame)?;
        self.index(container, key, e)
    }

    fn eval_builtin(
        &self,
        builtin: crate::ir::Builtin,
        args: &[Expr],
        frame: &mut Frame,
        e: &Expr,
    ) -> EvalResult<Value> {
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(self.eval(arg, frame)?);
        }
        self.builtin(builtin, values, args, e)
    }

    fn call_fn(
        &self,
        function: crate::ir::FnId,
        args: &[Option<Expr>],
        frame: &mut Frame,
        e: &Expr,
    ) -> EvalResult<Value> {
        let def = self
            .program
            .functions
            .get(function.index())
            .ok_or_else(|| internal(e, "unknown function"))?;
        let mut callee = new_frame(def.locals);
        self.bind_args(&def.params, args, frame, &mut callee, e)?;
        self.eval(&def.body, &mut callee)
    }

    fn call_policy(
        &self,
        policy: crate::ir::PolicyId,
        args: &[Option<Expr>],
        frame: &mut Frame,
        e: &Expr,
    ) -> EvalResult<Value> {
        let def = self
            .program
            .policies
            .get(policy.index())
            .ok_or_else(|| internal(e, "unknown policy"))?;
        let mut callee = new_frame(def.locals);
        self.bind_args(&def.params, args, frame, &mut callee, e)?;
        let decision = self.decide_in(policy, callee, super::policy::Explain::No);
        Ok(decision.to_value(self))
    }

    fn unary(&self, op: UnaryOp, operand: &Expr, frame: &mut Frame, e: &Expr) -> EvalResult<Value> {
        let value = self.eval(operand, frame)?;
        match op {
            UnaryOp::Not => Ok(Value::Bool(!self.truth(&value, operand)?)),
            UnaryOp::Neg => ops::negate(value, e.span),
        }
    }

    fn quantifier(
        &self,
        kind: Quantifier,
        var: crate::ir::LocalId,
        collection: &Expr,
        condition: &Expr,
        frame: &mut Frame,
        e: &Expr,
    ) -> EvalResult<Value> {
        let items = self.eval(collection, frame)?;
        let items = self.iterate(&items, collection)?;
        let want = matches!(kind, Quantifier::Any);
        for item in items.items.iter() {
            set(frame, var.index(), item.clone(), e)?;
            let c = self.eval(condition, frame)?;
            if self.truth(&c, condition)? == want {
                return Ok(Value::Bool(want));
            }
        }
        Ok(Value::Bool(!want))
    }

    fn list(&self, items: &[Expr], frame: &mut Frame) -> EvalResult<Value> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(self.eval(item, frame)?);
        }
        Ok(Value::list(out))
    }

    fn record(&self, ty: &Arc<crate::ir::RecordType>, fields: &[Expr], frame: &mut Frame) -> EvalResult<Value> {
        let mut values = Vec::with_capacity(fields.len());
        for field in fields {
            values.push(self.eval(field, frame)?);
        }
        Ok(Value::Record(Arc::new(Record {
            shape: ty.shape.clone(),
            fields: values.into_boxed_slice(),
            origin: None,
        })))
    }

    fn map(&self, entries: &[(Arc<str>, Expr)], frame: &mut Frame) -> EvalResult<Value> {
        let mut map = BTreeMap::new();
        for (key, value) in entries {
            map.insert(key.clone(), self.eval(value, frame)?);
        }
        Ok(Value::Map(Arc::new(map)))
    }

    /// Binds call arguments into a callee frame; defaults are evaluated in the callee.
    pub(super) fn bind_args(
        &self,
        params: &[crate::ir::Param],
        args: &[Option<Expr>],
        caller: &mut Frame,
        callee: &mut Frame,
        call: &Expr,
    ) -> EvalResult<()> {
        for (param, arg) in params.iter().zip(args) {
            let value = match arg {
                Some(a) => self.eval(a, caller)?,
                None => match &param.default {
                    Some(d) => self.eval(d, callee)?,
                    None => return Err(internal(call, "a required argument is missing")),
                },
            };
            set(callee, param.local.index(), value, call)?;
        }
        Ok(())
    }

    /// A comprehension. Its first `for`, over a long list, runs in chunks (see
    /// `parts.rs`); the first error in the list's order is the one reported, as when it
    /// runs whole.
    fn comprehension(&self, element: &Expr, clauses: &[Clause], frame: &mut Frame, e: &Expr) -> EvalResult<Value> {
        let Some((Clause::For { var, collection }, rest)) = clauses.split_first() else {
            let mut out = Vec::new();
            self.comprehend(element, clauses, frame, &mut out, e)?;
            return Ok(Value::list(out));
        };
        let items = self.eval(collection, frame)?;
        let items: &[Value] = &self.iterate(&items, collection)?.items;
        let ranges = self.parts_of(items.len());
        let mut out = Vec::new();
        if ranges.len() <= 1 {
            // One part: in this frame, with no copy of it.
            for item in items {
                set(frame, var.index(), item.clone(), e)?;
                self.comprehend(element, rest, frame, &mut out, e)?;
            }
            return Ok(Value::list(out));
        }
        let frame: &Frame = frame;
        let parts = self.in_parts(&ranges, |range| {
            let (mut frame, mut out) = (frame.clone(), Vec::new());
            // A range outside the list goes over nothing, which the count below reports.
            let elements = items.get(range).unwrap_or(&[]);
            for item in elements {
                set(&mut frame, var.index(), item.clone(), e)?;
                self.comprehend(element, rest, &mut frame, &mut out, e)?;
            }
            Ok((out, elements.len()))
        });
        let parts = parts.map_err(|failed| super::parts::part_failed(&failed, collection.span))?;
        let mut walked = 0;
        for part in parts {
            // The first part's list takes the others: one copy fewer of a long list.
            let (part, count) = part?;
            walked += count;
            if out.is_empty() {
                out = part;
            } else {
                out.extend(part);
            }
        }
        // INVARIANT: the chunks together went over every element once.
        crate::parallel::check_count(items.len(), walked)
            .map_err(|mismatch| super::parts::miscounted(&mismatch, collection.span))?;
        Ok(Value::list(out))
    }

    fn comprehend(
        &self,
        element: &Expr,
        clauses: &[Clause],
        frame: &mut Frame,
        out: &mut Vec<Value>,
        e: &Expr,
    ) -> EvalResult<()> {
        let Some((first, rest)) = clauses.split_first() else {
            out.push(self.eval(element, frame)?);
            return Ok(());
        };
        match first {
            Clause::For { var, collection } => {
                let items = self.eval(collection, frame)?;
                let items = self.iterate(&items, collection)?;
                for item in items.items.iter() {
                    set(frame, var.index(), item.clone(), e)?;
                    self.comprehend(element, rest, frame, out, e)?;
                }
                Ok(())
            }
            Clause::If(condition) => {
                let c = self.eval(condition, frame)?;
                if self.truth(&c, condition)? {
                    self.comprehend(element, rest, frame, out, e)?;
                }
                Ok(())
            }
        }
    }

    /// The elements of a collection being iterated.
    pub(super) fn iterate(&self, value: &Value, at: &Expr) -> EvalResult<Arc<crate::ir::List>> {
        match value.resolve_ref() {
            Value::List(items) => Ok(items.clone()),
            Value::Null => Err(EvalError::new(Code::NullValue, "cannot iterate over null", at.span)
                .with_help("give a default: `xs ?? []`")),
            other => Err(EvalError::new(
                Code::CastFailed,
                format!("expected a list, found a {}", other.kind_name()),
                at.span,
            )),
        }
    }

    /// A value that must be a boolean (it is, unless it came from `json`).
    pub(super) fn truth(&self, value: &Value, at: &Expr) -> EvalResult<bool> {
        match value {
            Value::Bool(b) => Ok(*b),
            other => Err(EvalError::new(
                Code::CastFailed,
                format!("expected a bool, found a {}", other.kind_name()),
                at.span,
            )
            .with_help("convert `json` data with `as bool`")),
        }
    }

    fn field(&self, value: &Value, name: &str, slot: u32, optional: bool, e: &Expr, base: &Expr) -> EvalResult<Value> {
        // The key of a referenced entity is the reference's own text: no need to visit
        // the entity (which, in a large registry, is a cache miss away).
        if let Value::Ref(reference) = value
            && reference.resolved().is_some()
            && self.is_key_field(reference.kind, name)
        {
            return Ok(Value::Str(reference.key.clone()));
        }
        let missing = |what: &str| {
            let text = self.sources.slice(base.span);
            EvalError::new(
                Code::MissingJsonField,
                format!("`{text}` has no field `{name}`{what}"),
                e.span,
            )
            .with_help(format!("use `{text}?.{name}` to get null when it is absent"))
        };
        match value.resolve_ref() {
            Value::Record(record) => match record.shape.slot(name, slot).and_then(|i| record.fields.get(i)) {
                Some(v) => Ok(v.clone()),
                None if optional => Ok(Value::Null),
                None => Err(missing("")),
            },
            Value::Map(map) => match map.get(name) {
                Some(v) => Ok(v.clone()),
                None if optional => Ok(Value::Null),
                None => Err(missing("")),
            },
            Value::Null if optional => Ok(Value::Null),
            Value::Null => {
                let text = self.sources.slice(base.span);
                Err(EvalError::new(
                    Code::NullValue,
                    format!("`{text}` is null, so it has no field `{name}`"),
                    e.span,
                )
                .with_help(format!("use `{text}?.{name}`")))
            }
            Value::Ref(slot) => Err(EvalError::new(
                Code::DanglingRef,
                format!("`{}` refers to an entity that does not exist", slot.key),
                e.span,
            )),
            other => Err(missing(&format!(" (it is a {})", other.kind_name()))),
        }
    }

    fn index(&self, container: Value, key: Value, e: &Expr) -> EvalResult<Value> {
        match (container.resolve_ref(), &key) {
            (Value::List(items), Value::Int(i)) => {
                let len = items.items.len();
                usize::try_from(*i)
                    .ok()
                    .and_then(|i| items.items.get(i))
                    .cloned()
                    .ok_or_else(|| {
                        EvalError::new(
                            Code::IndexOutOfRange,
                            format!("index {i} is out of range for a list of {len}"),
                            e.span,
                        )
                        .with_help(if len == 0 {
                            "the list is empty: test `len(xs) > 0` first".to_string()
                        } else {
                            format!("indexes go from 0 to {}", len - 1)
                        })
                    })
            }
            (Value::Map(map), Value::Str(k)) => map.get(&**k).cloned().ok_or_else(|| {
                EvalError::new(Code::MissingJsonField, format!("no entry `{k}`"), e.span)
                    .with_help("test `key in map` first")
            }),
            (Value::Record(record), Value::Str(k)) => record
                .get(k)
                .cloned()
                .ok_or_else(|| EvalError::new(Code::MissingJsonField, format!("no field `{k}`"), e.span)),
            (Value::Null, _) => Err(EvalError::new(Code::NullValue, "cannot index null", e.span)),
            (c, k) => Err(EvalError::new(
                Code::CastFailed,
                format!("cannot index a {} with a {}", c.kind_name(), k.kind_name()),
                e.span,
            )),
        }
    }

    fn binary(&self, op: BinaryOp, lhs: &Expr, rhs: &Expr, frame: &mut Frame, e: &Expr) -> EvalResult<Value> {
        match op {
            BinaryOp::And => {
                let l = self.eval(lhs, frame)?;
                if !self.truth(&l, lhs)? {
                    return Ok(Value::Bool(false));
                }
                let r = self.eval(rhs, frame)?;
                Ok(Value::Bool(self.truth(&r, rhs)?))
            }
            BinaryOp::Or => {
                let l = self.eval(lhs, frame)?;
                if self.truth(&l, lhs)? {
                    return Ok(Value::Bool(true));
                }
                let r = self.eval(rhs, frame)?;
                Ok(Value::Bool(self.truth(&r, rhs)?))
            }
            BinaryOp::Coalesce => {
                let l = self.eval(lhs, frame)?;
                if l.is_null() { self.eval(rhs, frame) } else { Ok(l) }
            }
            BinaryOp::Matches => {
                let l = self.eval(lhs, frame)?;
                let r = self.eval(rhs, frame)?;
                self.matches(&l, &r, e)
            }
            _ => self.strict_binary(op, lhs, rhs, frame, e),
        }
    }

    /// An operator that needs both operands' values.
    fn strict_binary(&self, op: BinaryOp, lhs: &Expr, rhs: &Expr, frame: &mut Frame, e: &Expr) -> EvalResult<Value> {
        let l = self.eval(lhs, frame)?;
        let r = self.eval(rhs, frame)?;
        ops::binary(op, &l, &r, e.span)
    }

    pub(super) fn matches(&self, text: &Value, pattern: &Value, e: &Expr) -> EvalResult<Value> {
        match (text, pattern) {
            (Value::Str(t), Value::Str(p)) => {
                let re = self.regex(p).map_err(|m| {
                    EvalError::new(Code::InvalidRegex, format!("invalid regular expression: {m}"), e.span)
                })?;
                Ok(Value::Bool(re.is_match(t)))
            }
            (t, p) => Err(EvalError::new(
                Code::CastFailed,
                format!(
                    "`matches` needs strings, found a {} and a {}",
                    t.kind_name(),
                    p.kind_name()
                ),
                e.span,
            )),
        }
    }
}

pub(super) fn set(frame: &mut Frame, index: usize, value: Value, e: &Expr) -> EvalResult<()> {
    match frame.get_mut(index) {
        Some(slot) => {
            *slot = value;
            Ok(())
        }
        None => Err(internal(e, "a local variable has no slot")),
    }
}

/// A failure that means the checker and the evaluator disagree: reported, never a panic.
pub(super) fn internal(e: &Expr, what: &str) -> EvalError {
    EvalError::new(Code::InternalError, format!("internal error: {what}"), e.span)
        .with_help("this is a bug in cpl; please report it with the program that caused it")
}

impl Env<'_> {
    fn is_key_field(&self, kind: crate::ir::EntityId, name: &str) -> bool {
        self.program
            .entities
            .get(kind.index())
            .and_then(|entity| entity.record.fields.get(entity.key))
            .is_some_and(|key| std::ptr::eq(key.name.as_ptr(), name.as_ptr()) || &*key.name == name)
    }
}

/// Whether a value conforms to a type, for checked casts of `json` data.
pub fn conforms(value: &Value, ty: &Type) -> bool {
    match (value.resolve_ref(), ty) {
        (_, Type::Json | Type::Error | Type::Unknown) => true,
        (Value::Null, t) => t.is_optional(),
        (v, Type::Optional(inner)) => conforms(v, inner),
        (Value::Bool(_), Type::Bool) => true,
        (Value::Int(_), Type::Int | Type::Float) => true,
        (Value::Float(_), Type::Float) => true,
        (Value::Str(_), Type::String | Type::Secret) => true,
        (Value::Str(s), Type::Enum(e)) => e.members.iter().any(|m| m == s),
        (Value::Duration(_), Type::Duration) => true,
        (Value::Timestamp(_), Type::Timestamp) => true,
        (Value::Version(_), Type::Version) => true,
        (Value::Secret(_), Type::Secret) => true,
        (Value::List(items), Type::List(element)) => items.items.iter().all(|v| conforms(v, element)),
        (Value::Map(map), Type::Map(element)) => map.values().all(|v| conforms(v, element)),
        (Value::Map(map), Type::Record(record)) => record.fields.iter().all(|f| match map.get(&f.name) {
            Some(v) => conforms(v, &f.ty),
            None => f.ty.is_optional() || f.default.is_some(),
        }),
        (Value::Record(r), Type::Record(record)) => record.fields.iter().all(|f| match r.get(&f.name) {
            Some(v) => conforms(v, &f.ty),
            None => f.ty.is_optional() || f.default.is_some(),
        }),
        (Value::Record(_), Type::Entity(_) | Type::Ref(_)) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::FixedHost;
    use crate::ir::{Program, SourceId, Type};
    use crate::source::{FileId, SourceMap};

    #[test]
    fn a_source_without_an_entry_in_the_data_is_an_internal_error_not_a_missing_input() {
        let (program, sources, host) = (Program::default(), SourceMap::new(), FixedHost::default());
        let env = Env::new(&program, &sources, &[], &host);
        let read = Expr {
            kind: ExprKind::Source(SourceId(0)),
            ty: Type::Error,
            span: crate::source::Span::new(FileId::DETACHED, 0, 0),
        };
        let error = env.eval(&read, &mut new_frame(0)).unwrap_err();
        assert_eq!(error.code, Code::InternalError, "{error:?}");
    }
}
