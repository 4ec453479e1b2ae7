//! Policy evaluation: `let`s, `for … if`, and every rule for every element. No rule
//! short-circuits another; an evaluation error makes the decision indeterminate and is
//! reported with the subject it failed for.

use std::ops::Range;
use std::sync::Arc;

use super::EvalError;
use super::decision::{Decision, Failure, Outcome, Violation};
use super::env::Env;
use super::expr::{Frame, new_frame};
use super::parts::{miscounted, part_failed};
use crate::ir::RuleKind;
use crate::ir::Value;
use crate::ir::{PolicyDef, PolicyId, PolicyStmt, RuleDef};
use crate::source::Origin;

impl Env<'_> {
    /// Evaluates a policy with the given arguments (by parameter name; absent ones take
    /// their defaults).
    pub fn decide(&self, policy: PolicyId, args: &[(Arc<str>, Value)]) -> Decision {
        let Some(def) = self.program.policies.get(policy.index()) else {
            return self.failed(policy, None, "unknown policy");
        };
        let mut frame = new_frame(def.locals);
        for param in &def.params {
            let value = match args.iter().find(|(name, _)| *name == param.name) {
                Some((_, v)) => v.clone(),
                None => match &param.default {
                    Some(d) => match self.eval(d, &mut frame) {
                        Ok(v) => v,
                        Err(error) => return self.indeterminate(policy, def, error),
                    },
                    None => Value::Null,
                },
            };
            if let Err(error) = bind(&mut frame, param.local, value, param.span) {
                return self.indeterminate(policy, def, error);
            }
        }
        self.decide_in(policy, frame, Explain::Yes)
    }

    /// Evaluates a policy in a frame whose parameters are already bound.
    pub(super) fn decide_in(&self, policy: PolicyId, mut frame: Frame, explain: Explain) -> Decision {
        let Some(def) = self.program.policies.get(policy.index()) else {
            return self.failed(policy, None, "unknown policy");
        };
        let mut decision = Decision {
            policy,
            name: def.name.clone(),
            level: def.level,
            outcome: Outcome::Allow,
            violations: Vec::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
            subjects: 0,
        };
        for (local, expr) in &def.setup {
            let bound = self
                .eval(expr, &mut frame)
                .and_then(|value| bind(&mut frame, *local, value, expr.span));
            if let Err(error) = bound {
                return self.indeterminate(policy, def, error);
            }
        }
        match &def.each {
            None => {
                decision.subjects = 1;
                let subject = Subject { item: None, index: 0 };
                self.run_body(def, &mut frame, subject, &mut decision, explain);
            }
            Some(each) => {
                let items = match self
                    .eval(&each.collection, &mut frame)
                    .and_then(|c| self.iterate(&c, &each.collection))
                {
                    Ok(items) => items,
                    Err(error) => return self.indeterminate(policy, def, error),
                };
                let items: &[Value] = &items.items;
                let parts = self.in_parts(&self.parts_of(items.len()), |range| {
                    let (mut frame, mut part) = (frame.clone(), decision.empty_like());
                    let walked = self.decide_each(def, each, items, range, &mut frame, &mut part, explain);
                    (part, walked)
                });
                let at = each.collection.span;
                let parts = match parts {
                    Ok(parts) => parts,
                    Err(failed) => return self.indeterminate(policy, def, part_failed(&failed, at)),
                };
                let mut walked = 0;
                for (part, count) in parts {
                    decision.append(part);
                    walked += count;
                }
                // INVARIANT: the chunks together went over every element once.
                if let Err(mismatch) = crate::parallel::check_count(items.len(), walked) {
                    return self.indeterminate(policy, def, miscounted(&mismatch, at));
                }
            }
        }
        decision.outcome = if !decision.errors.is_empty() {
            Outcome::Indeterminate
        } else if !decision.violations.is_empty() {
            Outcome::Deny
        } else {
            Outcome::Allow
        };
        decision
    }

    /// The elements `range` of a `for`, in order: filter, then every rule; returns how
    /// many elements it went over. A long `for` runs in chunks (see `parts.rs`).
    #[expect(clippy::too_many_arguments, reason = "one policy's state, passed once per part")]
    fn decide_each(
        &self,
        def: &PolicyDef,
        each: &crate::ir::ForEach,
        items: &[Value],
        range: Range<usize>,
        frame: &mut Frame,
        decision: &mut Decision,
        explain: Explain,
    ) -> usize {
        // A range outside the list goes over nothing, which the join's count reports.
        let elements = items.get(range.clone()).unwrap_or(&[]);
        for (index, item) in range.zip(elements) {
            let subject = Subject {
                item: Some(item),
                index,
            };
            if let Err(error) = bind(frame, each.var, item.clone(), each.collection.span) {
                // The decision already fails on this error; the count is not also wrong.
                decision.errors.push(subject.failure(error, None));
                return elements.len();
            }
            if let Some(filter) = &each.filter {
                match self.eval(filter, frame).and_then(|v| self.truth(&v, filter)) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(error) => {
                        decision.errors.push(subject.failure(error, None));
                        continue;
                    }
                }
            }
            decision.subjects += 1;
            self.run_body(def, frame, subject, decision, explain);
        }
        elements.len()
    }

    fn run_body(
        &self,
        def: &PolicyDef,
        frame: &mut Frame,
        subject: Subject<'_>,
        decision: &mut Decision,
        explain: Explain,
    ) {
        for stmt in &def.body {
            match stmt {
                PolicyStmt::Let(local, expr) => {
                    match self.eval(expr, frame).and_then(|v| bind(frame, *local, v, expr.span)) {
                        Ok(()) => {}
                        Err(error) => {
                            // Later rules may read this binding: stop here for this element.
                            decision.errors.push(subject.failure(error, None));
                            return;
                        }
                    }
                }
                PolicyStmt::Rule(rule) => {
                    let fired = match self
                        .eval(&rule.condition, frame)
                        .and_then(|v| self.truth(&v, &rule.condition))
                    {
                        Ok(holds) => holds != (rule.kind == RuleKind::Require),
                        Err(error) => {
                            decision.errors.push(subject.failure(error, Some(rule.number)));
                            continue;
                        }
                    };
                    if !fired {
                        continue;
                    }
                    let message = match self.message(def, rule, frame) {
                        Ok(m) => m,
                        Err(error) => {
                            decision.errors.push(subject.failure(error, Some(rule.number)));
                            continue;
                        }
                    };
                    let (explanation, hint) = match explain {
                        Explain::Yes => self.explain(rule, frame),
                        Explain::No => (Vec::new(), None),
                    };
                    let violation = Violation {
                        policy: def.name.clone(),
                        rule: rule.number,
                        kind: rule.kind,
                        message,
                        level: def.level,
                        subject: subject.key(),
                        origin: subject.origin(),
                        rule_span: rule.span,
                        explanation,
                        hint,
                    };
                    if rule.kind == RuleKind::Warn {
                        decision.warnings.push(violation);
                    } else {
                        decision.violations.push(violation);
                    }
                }
            }
        }
    }

    fn message(&self, def: &PolicyDef, rule: &RuleDef, frame: &mut Frame) -> super::error::EvalResult<String> {
        if let Some(message) = &rule.message {
            return Ok(self.eval(message, frame)?.to_string());
        }
        let condition = self.sources.slice(rule.condition.span);
        Ok(match rule.kind {
            RuleKind::Deny => format!("denied by `{}`: `{condition}`", def.name),
            RuleKind::Warn => format!("warning from `{}`: `{condition}`", def.name),
            RuleKind::Require => format!("`{}` requires `{condition}`", def.name),
        })
    }

    fn indeterminate(&self, policy: PolicyId, def: &PolicyDef, error: super::error::EvalError) -> Decision {
        Decision {
            policy,
            name: def.name.clone(),
            level: def.level,
            outcome: Outcome::Indeterminate,
            violations: Vec::new(),
            warnings: Vec::new(),
            errors: vec![Failure {
                error,
                subject: None,
                origin: None,
                rule: None,
            }],
            subjects: 0,
        }
    }

    fn failed(&self, policy: PolicyId, span: Option<crate::source::Span>, what: &str) -> Decision {
        let span = span.unwrap_or(crate::source::Span::new(crate::source::FileId::DETACHED, 0, 0));
        Decision {
            policy,
            name: Arc::from("?"),
            level: crate::ir::Level::Hard,
            outcome: Outcome::Indeterminate,
            violations: Vec::new(),
            warnings: Vec::new(),
            errors: vec![Failure {
                error: internal_error(span, what),
                subject: None,
                origin: None,
                rule: None,
            }],
            subjects: 0,
        }
    }
}

/// A failure that means the checker and the evaluator disagree: the decision is
/// indeterminate (`E0509`), never decided on less than the program says.
fn internal_error(span: crate::source::Span, what: &str) -> EvalError {
    EvalError::new(
        crate::diagnostics::Code::InternalError,
        format!("internal error: {what}"),
        span,
    )
    .with_help("this is a bug in cpl; please report it with the program that caused it")
}

/// Stores `value` in `local`'s slot of `frame`.
// INVARIANT: the checker sized every policy's frame (`PolicyDef::locals`) to hold all its
// locals; a missing slot would evaluate later rules with a stale value, so it fails instead.
fn bind(
    frame: &mut Frame,
    local: crate::ir::LocalId,
    value: Value,
    span: crate::source::Span,
) -> Result<(), EvalError> {
    match frame.get_mut(local.index()) {
        Some(slot) => {
            *slot = value;
            Ok(())
        }
        None => Err(internal_error(span, "a local variable has no slot")),
    }
}

/// Whether violations carry explanations. A decision used as a value (a policy called
/// in an expression) has no place for them, so they are not computed there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Explain {
    Yes,
    No,
}

/// The element a policy's rules run for. Its key and origin are read only when a rule
/// reports something: for the elements that pass, reading them would be wasted work.
#[derive(Clone, Copy)]
struct Subject<'v> {
    item: Option<&'v Value>,
    index: usize,
}

impl Subject<'_> {
    /// The element's key; its position for elements without one.
    fn key(&self) -> Option<Arc<str>> {
        let item = self.item?;
        let key = match item.resolve_ref() {
            Value::Record(record) => record.key(),
            Value::Ref(slot) => Some(slot.key.clone()),
            Value::Str(s) => Some(s.clone()),
            _ => None,
        };
        key.or_else(|| Some(Arc::from(format!("[{}]", self.index))))
    }

    /// An evaluation error for this subject, in rule `rule` if any.
    fn failure(&self, error: EvalError, rule: Option<u32>) -> Failure {
        Failure {
            error,
            subject: self.key(),
            origin: self.origin(),
            rule,
        }
    }

    fn origin(&self) -> Option<Origin> {
        match self.item?.resolve_ref() {
            Value::Record(record) => record.origin.clone(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use crate::eval::FixedHost;
    use crate::ir::{Expr, ExprKind, ForEach, Level, LocalId, Program, Type};
    use crate::source::{FileId, SourceMap, Span};

    fn span() -> Span {
        Span::new(FileId::DETACHED, 0, 0)
    }

    fn constant(value: Value) -> Expr {
        Expr {
            kind: ExprKind::Const(value),
            ty: Type::Error,
            span: span(),
        }
    }

    /// A policy `p { let x = 1 }`, or `p { for x in [1, 2] }`, whose frame holds `locals`.
    fn program(locals: u32, each: bool) -> Program {
        let (each, body) = if each {
            let collection = constant(Value::list(vec![Value::Int(1), Value::Int(2)]));
            (
                Some(ForEach {
                    var: LocalId(0),
                    collection,
                    filter: None,
                    span: span(),
                }),
                Vec::new(),
            )
        } else {
            (None, vec![PolicyStmt::Let(LocalId(0), constant(Value::Int(1)))])
        };
        let policy = PolicyDef {
            name: Arc::from("p"),
            level: Level::Hard,
            params: Vec::new(),
            setup: Vec::new(),
            each,
            body,
            locals,
            span: span(),
            docs: None,
        };
        Program {
            policies: vec![policy],
            ..Program::default()
        }
    }

    fn decide(program: &Program) -> Decision {
        let (sources, host) = (SourceMap::new(), FixedHost::default());
        Env::new(program, &sources, &[], &host).decide(PolicyId(0), &[])
    }

    #[test]
    fn a_frame_without_the_slot_of_a_local_is_an_internal_error_not_a_stale_value() {
        for each in [false, true] {
            assert_eq!(decide(&program(1, each)).outcome, Outcome::Allow, "each: {each}");
            let broken = decide(&program(0, each));
            assert_eq!(broken.outcome, Outcome::Indeterminate, "each: {each}");
            assert!(
                broken.errors.iter().all(|f| f.error.code == Code::InternalError),
                "{broken:?}"
            );
        }
    }
}
