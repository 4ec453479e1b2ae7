//! One evaluation of one flag in one context: the rules top to bottom, the first that
//! matches giving the value. A rule that fails serves the default with reason `ERROR` and
//! an error code, never a value passed off as a success; a flag called in an expression
//! fails that expression instead.

use std::sync::Arc;

use super::outcome::{ErrorCode, Evaluation, FlagError, Reason};
use crate::bucket::{self, NoPick};
use crate::diagnostics::Code;
use crate::eval::{Env, EvalError, EvalResult, Frame, new_frame};
use crate::ir::{Expr, FlagDef, FlagId, FlagRule, FlagVariant, Value};

/// Why a rule could not be evaluated: the code services see, and the error with its place.
#[derive(Debug, Clone)]
pub struct RuleFailure {
    pub code: ErrorCode,
    pub error: EvalError,
}

/// The variant a flag resolved to, and why.
#[derive(Debug)]
pub struct Resolved<'p> {
    pub variant: &'p FlagVariant,
    pub reason: Reason,
}

impl<'p> Env<'p> {
    /// Evaluates the flag `id` in `context`, a value of the project's context type (or
    /// null when it declares none).
    pub fn evaluate_flag(&self, id: FlagId, context: &Value) -> Evaluation {
        let Some(def) = self.program.flags.get(id.index()) else {
            return not_found(&Arc::from(format!("#{}", id.0)));
        };
        match self.resolve_flag(def, context) {
            Ok(resolved) => Evaluation {
                key: def.key.clone(),
                value: Some(resolved.variant.value.clone()),
                variant: Some(resolved.variant.name.clone()),
                reason: resolved.reason,
                error: None,
            },
            Err(failure) => served_default(def, failure.code, failure.error.message),
        }
    }

    /// The variant `def` gives in `context`, or why no rule could be evaluated.
    pub fn resolve_flag(&self, def: &'p FlagDef, context: &Value) -> Result<Resolved<'p>, RuleFailure> {
        let served = |variant, reason| Ok(Resolved { variant, reason });
        if !def.enabled {
            return served(&def.default, Reason::Disabled);
        }
        if def.rules.is_empty() {
            return served(&def.default, Reason::Static);
        }
        let mut frame = new_frame(def.locals);
        if let Some(slot) = frame.first_mut() {
            *slot = context.clone();
        }
        for rule in &def.rules {
            if let Some(resolved) = self.apply_rule(def, rule, &mut frame)? {
                return Ok(resolved);
            }
        }
        served(&def.default, Reason::Default)
    }

    /// The variant a rule gives, `None` when it does not match (a rollout's key fell
    /// outside its share).
    fn apply_rule(
        &self,
        def: &'p FlagDef,
        rule: &'p FlagRule,
        frame: &mut Frame,
    ) -> Result<Option<Resolved<'p>>, RuleFailure> {
        match rule {
            FlagRule::When { condition, variant, .. } => match self.eval(condition, frame).map_err(general)? {
                Value::Bool(true) => Ok(Some(Resolved {
                    variant,
                    reason: Reason::TargetingMatch,
                })),
                Value::Bool(false) => Ok(None),
                other => Err(general(EvalError::new(
                    Code::InternalError,
                    format!("a condition gave a {}, not a bool", other.kind_name()),
                    condition.span,
                ))),
            },
            FlagRule::Rollout {
                weights, variant, by, ..
            } => {
                let key = self.bucketing_key(def, by, frame)?;
                match bucket::pick(&key, weights) {
                    Ok(true) => Ok(Some(Resolved {
                        variant,
                        reason: Reason::TargetingMatch,
                    })),
                    Ok(false) => Ok(None),
                    Err(no_pick) => Err(unpicked(no_pick, by)),
                }
            }
            FlagRule::Split { by, arms, .. } => {
                let key = self.bucketing_key(def, by, frame)?;
                match bucket::pick(&key, arms) {
                    Ok(variant) => Ok(Some(Resolved {
                        variant,
                        reason: Reason::Split,
                    })),
                    Err(no_pick) => Err(unpicked(no_pick, by)),
                }
            }
        }
    }

    /// The bucketing string `(salt ?? key) + by-value`; a null by-value has no bucket.
    fn bucketing_key(&self, def: &FlagDef, by: &Expr, frame: &mut Frame) -> Result<String, RuleFailure> {
        let value = self.eval(by, frame).map_err(general)?;
        let text = match &value {
            Value::Str(text) => bucket::bucketing_string(&def.seed, text),
            Value::Int(number) => bucket::bucketing_string(&def.seed, &number.to_string()),
            Value::Null => {
                return Err(RuleFailure {
                    code: ErrorCode::TargetingKeyMissing,
                    error: EvalError::new(
                        Code::FlagFailed,
                        format!(
                            "`{}` is null in this context: there is no key to bucket by",
                            self.sources.slice(by.span)
                        ),
                        by.span,
                    )
                    .with_help("give the context the field this rule buckets by, or fall back: `… ?? other.id`"),
                });
            }
            other => {
                return Err(general(EvalError::new(
                    Code::InternalError,
                    format!("a bucketing key is a {}, not a string or an integer", other.kind_name()),
                    by.span,
                )));
            }
        };
        Ok(text)
    }

    /// `flag_name(context)` in an expression: the flag's value, or an evaluation error
    /// where it failed. The default is never passed off as the flag's answer.
    pub(crate) fn call_flag(&self, id: FlagId, context: &Expr, frame: &mut Frame, e: &Expr) -> EvalResult<Value> {
        let def = self
            .program
            .flags
            .get(id.index())
            .ok_or_else(|| EvalError::new(Code::InternalError, "unknown flag", e.span))?;
        let context = self.eval(context, frame)?;
        match self.resolve_flag(def, &context) {
            Ok(resolved) => Ok(resolved.variant.value.clone()),
            Err(failure) => {
                let mut error = failure.error;
                let called = format!(
                    "flag `{}` was called at {}, and its rule failed ({})",
                    def.name,
                    self.sources.location(e.span),
                    failure.code.as_str()
                );
                error.help = Some(match error.help {
                    Some(help) => format!("{help}; {called}"),
                    None => called,
                });
                Err(error)
            }
        }
    }
}

/// No flag has this key.
pub fn not_found(key: &Arc<str>) -> Evaluation {
    Evaluation {
        key: key.clone(),
        value: None,
        variant: None,
        reason: Reason::Error,
        error: Some(FlagError {
            code: ErrorCode::FlagNotFound,
            message: format!("no flag has the key `{key}`"),
        }),
    }
}

/// The flag's default, served because the evaluation failed, and saying so.
pub fn served_default(def: &FlagDef, code: ErrorCode, message: String) -> Evaluation {
    Evaluation {
        key: def.key.clone(),
        value: Some(def.default.value.clone()),
        variant: Some(def.default.name.clone()),
        reason: Reason::Error,
        error: Some(FlagError { code, message }),
    }
}

/// An evaluation error in a rule.
fn general(error: EvalError) -> RuleFailure {
    RuleFailure {
        code: ErrorCode::General,
        error,
    }
}

/// A weighted choice that chose nothing. The checker admits only shares that add up, so
/// this needs a bug in cpl; it is still an error, not a value.
fn unpicked(no_pick: NoPick, by: &Expr) -> RuleFailure {
    general(EvalError::new(
        Code::InternalError,
        format!("the rule's weights pick no variant ({no_pick:?})"),
        by.span,
    ))
}
