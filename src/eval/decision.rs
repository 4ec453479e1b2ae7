//! Decisions: what a policy says about the data, violation by violation, with the
//! subject, the data origin and an explanation of each.

use std::sync::Arc;

use super::env::Env;
use super::error::EvalError;
use crate::ir::RuleKind;
use crate::ir::{Level, PolicyId};
use crate::ir::{Record, Value};
use crate::ir::{decision_record, violation_record};
use crate::source::Origin;
use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Allow,
    Deny,
    /// Some rule could not be evaluated: never read as allowed.
    Indeterminate,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Deny => "deny",
            Outcome::Indeterminate => "indeterminate",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Decision {
    pub policy: PolicyId,
    pub name: Arc<str>,
    pub level: Level,
    pub outcome: Outcome,
    pub violations: Vec<Violation>,
    pub warnings: Vec<Violation>,
    pub errors: Vec<Failure>,
    /// How many elements the policy's `for` went over (1 without `for`).
    pub subjects: usize,
}

/// One rule that fired for one subject.
#[derive(Clone, Debug)]
pub struct Violation {
    pub policy: Arc<str>,
    /// 1-based number of the rule within its policy.
    pub rule: u32,
    pub kind: RuleKind,
    pub message: String,
    pub level: Level,
    /// The key of the element the rule fired for.
    pub subject: Option<Arc<str>>,
    /// Where that element is in the registry data.
    pub origin: Option<Origin>,
    pub rule_span: Span,
    /// The values of the condition's sub-expressions when it fired.
    pub explanation: Vec<Explained>,
    /// What would make the rule pass, when it can be said.
    pub hint: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Explained {
    /// The sub-expression as written.
    pub expr: String,
    /// Its value, rendered.
    pub value: String,
}

/// A rule (or the policy's setup) that could not be evaluated.
#[derive(Clone, Debug)]
pub struct Failure {
    pub error: EvalError,
    pub subject: Option<Arc<str>>,
    pub origin: Option<Origin>,
    pub rule: Option<u32>,
}

impl Decision {
    pub fn allowed(&self) -> bool {
        self.outcome == Outcome::Allow
    }

    pub fn denied(&self) -> bool {
        self.outcome == Outcome::Deny
    }

    /// A decision of the same policy with nothing decided yet: for a part of a `for`.
    pub(super) fn empty_like(&self) -> Decision {
        Decision {
            policy: self.policy,
            name: self.name.clone(),
            level: self.level,
            outcome: Outcome::Allow,
            violations: Vec::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
            subjects: 0,
        }
    }

    /// Adds what a later part of the same `for` found.
    pub(super) fn append(&mut self, part: Decision) {
        self.violations.extend(part.violations);
        self.warnings.extend(part.warnings);
        self.errors.extend(part.errors);
        self.subjects += part.subjects;
    }

    /// The decision as a cpl value of type `decision`.
    pub fn to_value(&self, env: &Env<'_>) -> Value {
        let shape = decision_record().shape.clone();
        let violations = |list: &[Violation]| Value::list(list.iter().map(|v| v.to_value(env)).collect());
        let errors = Value::list(
            self.errors
                .iter()
                .map(|f| Value::Str(Arc::from(f.describe(env))))
                .collect(),
        );
        Value::Record(Arc::new(Record {
            shape,
            fields: vec![
                Value::str(self.outcome.as_str()),
                Value::Bool(self.allowed()),
                Value::Bool(self.denied()),
                violations(&self.violations),
                violations(&self.warnings),
                errors,
            ]
            .into_boxed_slice(),
            origin: None,
        }))
    }
}

impl Violation {
    pub fn to_value(&self, env: &Env<'_>) -> Value {
        let optional = |s: Option<String>| s.map(|s| Value::Str(Arc::from(s))).unwrap_or(Value::Null);
        Value::Record(Arc::new(Record {
            shape: violation_record().shape.clone(),
            fields: vec![
                Value::Str(self.policy.clone()),
                Value::Int(i64::from(self.rule)),
                Value::Str(Arc::from(self.message.as_str())),
                Value::str(self.level.as_str()),
                optional(self.subject.as_ref().map(|s| s.to_string())),
                optional(self.origin.as_ref().map(|o| env.origin_text(o))),
            ]
            .into_boxed_slice(),
            origin: None,
        }))
    }
}

impl Failure {
    /// One line: the message, and for whom and where it failed.
    pub fn describe(&self, env: &Env<'_>) -> String {
        let mut text = self.error.message.clone();
        if let Some(subject) = &self.subject {
            text.push_str(&format!(" (for `{subject}`)"));
        }
        text.push_str(&format!(" at {}", env.sources.location(self.error.span)));
        text
    }
}

impl Env<'_> {
    /// `file:line:col` of a data origin.
    pub fn origin_text(&self, origin: &Origin) -> String {
        self.sources.location(self.origin_span(origin))
    }

    pub fn origin_span(&self, origin: &Origin) -> Span {
        self.locator().locate(self.sources, origin)
    }
}
