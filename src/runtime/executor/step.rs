//! One step on the scheduler thread: whether it runs at all (the steps it needs, its
//! `when`), its arguments, and its call. `log`, `fail` and policy steps end here; a
//! connector step is handed to a thread of its own, and its attempts come back to
//! [`Run::attempt_ended`].

use std::sync::Arc;

use jiff::Timestamp;
use serde_json::{Map, Value as Json};

use super::reply::typed_reply;
use super::schedule::Run;
use super::worker::{self, Job, Message};
use super::{Event, StepDecision, StepError};
use crate::compile::StepId;
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::{EvalError, Outcome, apply_waivers, new_frame};
use crate::ir::Value;
use crate::ir::{ConnectorKind, Expr, StepCall, StepDef};
use crate::runtime::connector::{Call, ExecCall, HttpCall, program_outside_root};
use crate::runtime::runlog::{AttemptStatus, Decision, StepAttempt};
use crate::source::Span;

/// Slots for the few locals a connector's `url` or `headers` may use (comprehension
/// variables); the checker gives those expressions no frame of their own.
const SETTING_LOCALS: u32 = 64;

/// The longest condition quoted in a skip reason.
const QUOTE_CHARS: usize = 80;

impl Run<'_, '_, '_> {
    /// Starts a step whose dependencies have all ended. Returns `true` when a thread
    /// now carries out its call; otherwise the step has already ended.
    pub(super) fn start(&mut self, step: StepId) -> bool {
        let Some(def) = self.def.steps.get(step.index()) else {
            return false;
        };
        if !def.always
            && let Some(reason) = self.blocked_by(step)
        {
            self.skip(step, reason);
            return false;
        }
        let started = Timestamp::now();
        if let Some(when) = &def.when {
            match self.ex.env.eval(when, &mut self.frame) {
                Ok(Value::Bool(true)) => {}
                Ok(Value::Bool(false)) => {
                    let reason = format!("`{}` was false", self.quote(when.span));
                    self.skip(step, reason);
                    return false;
                }
                Ok(other) => {
                    let e = EvalError::new(
                        Code::CastFailed,
                        format!("the condition gave a {}, not a bool", other.kind_name()),
                        when.span,
                    );
                    self.eval_failed(step, started, &e);
                    return false;
                }
                Err(e) => {
                    self.eval_failed(step, started, &e);
                    return false;
                }
            }
        }
        match &def.call {
            StepCall::Log(message) => {
                match self.eval(message) {
                    Ok(value) => {
                        let text = self.redactor.text(&value.to_string());
                        self.emit(&Event::Log {
                            step: &def.name,
                            message: &text,
                        });
                        let output = Value::Str(Arc::from(text.as_str()));
                        self.succeeded(step, started, output, Json::String(text), false);
                    }
                    Err(e) => self.eval_failed(step, started, &e),
                }
                false
            }
            StepCall::Fail(message) => {
                match self.eval(message) {
                    Ok(value) => {
                        let text = self.redactor.text(&value.to_string());
                        let error = self.failure(step, Code::StepFailed, &text, None);
                        self.failed(step, started, AttemptStatus::Failed, error, None, false);
                    }
                    Err(e) => self.eval_failed(step, started, &e),
                }
                false
            }
            StepCall::Policy { policy, args } => {
                self.policy_step(step, def, *policy, args, started);
                false
            }
            StepCall::Action {
                connector,
                action,
                args,
            } => self.dispatch(step, def, *connector, *action, args, started),
        }
    }

    fn eval(&mut self, expr: &Expr) -> Result<Value, EvalError> {
        let value = self.ex.env.eval(expr, &mut self.frame)?;
        self.redactor.learn(&value);
        Ok(value)
    }

    /// Why a (non-`always`) step cannot run: the first step it needs that did not
    /// succeed.
    fn blocked_by(&self, step: StepId) -> Option<String> {
        self.ex.workflow.dependencies(step).iter().find_map(|&dep| {
            let report = self.report(dep)?;
            let name = self.name(dep);
            match report.status {
                AttemptStatus::Succeeded => None,
                AttemptStatus::Failed => Some(format!("`{name}` failed")),
                AttemptStatus::TimedOut => Some(format!("`{name}` timed out")),
                AttemptStatus::Skipped => Some(format!("`{name}` was skipped")),
            }
        })
    }

    /// The source text at `span` on one line, shortened.
    fn quote(&self, span: Span) -> String {
        let text = self.ex.env.sources.slice(span);
        let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if one_line.chars().count() > QUOTE_CHARS {
            let cut: String = one_line.chars().take(QUOTE_CHARS).collect();
            format!("{cut}…")
        } else {
            one_line
        }
    }

    /// Ends a step that does not run.
    pub(super) fn skip(&mut self, step: StepId, reason: String) {
        let now = Timestamp::now();
        let attempt = StepAttempt {
            step: self.name(step).to_owned(),
            attempt: 1,
            status: AttemptStatus::Skipped,
            started_at: now,
            ended_at: now,
            output: None,
            error: None,
            stderr: None,
            reason: Some(reason.clone()),
        };
        let durability = self.durability(false);
        self.record(attempt, durability);
        if let Some(r) = self.report_mut(step) {
            r.status = AttemptStatus::Skipped;
            r.reason = Some(reason);
        }
        self.finish(step, Value::Null);
    }

    /// A step's failure as a diagnostic: at the failing expression when there is one
    /// (with the step as a second place), else at the step.
    pub(super) fn failure(&self, step: StepId, code: Code, message: &str, at: Option<&EvalError>) -> StepError {
        let name = self.name(step);
        let step_span = self.def.steps.get(step.index()).map(|s| s.span);
        let headline = match code {
            Code::StepTimeout => format!("step `{name}` timed out: {message}"),
            Code::ConnectorReply => message.to_owned(),
            _ => format!("step `{name}` failed: {message}"),
        };
        let mut diagnostic = Diagnostic::new(code, headline.clone());
        match (at, step_span) {
            (Some(e), Some(span)) => {
                diagnostic = diagnostic
                    .at(e.span, "evaluation failed here")
                    .with_label(span, "in this step")
                    .with_help_opt(e.help.as_deref().map(|help| self.redactor.text(help)));
            }
            (Some(e), None) => diagnostic = diagnostic.at(e.span, "evaluation failed here"),
            (None, Some(span)) => diagnostic = diagnostic.at(span, "this step"),
            (None, None) => {}
        }
        StepError {
            code,
            message: headline,
            cause: message.to_owned(),
            diagnostic,
        }
    }

    fn eval_failed(&mut self, step: StepId, started: Timestamp, e: &EvalError) {
        let message = self.redactor.text(&e.message);
        let error = self.failure(step, Code::StepFailed, &message, Some(e));
        self.failed(step, started, AttemptStatus::Failed, error, None, false);
    }

    /// Ends a step that ran once, inline, and succeeded.
    fn succeeded(&mut self, step: StepId, started: Timestamp, output: Value, shown: Json, side_effect: bool) {
        let ended = Timestamp::now();
        let attempt = StepAttempt {
            step: self.name(step).to_owned(),
            attempt: 1,
            status: AttemptStatus::Succeeded,
            started_at: started,
            ended_at: ended,
            output: Some(shown.clone()),
            error: None,
            stderr: None,
            reason: None,
        };
        let durability = self.durability(side_effect);
        self.record(attempt, durability);
        if let Some(r) = self.report_mut(step) {
            r.status = AttemptStatus::Succeeded;
            r.attempts = 1;
            r.started_at = Some(started);
            r.ended_at = Some(ended);
            r.output = Some(shown);
        }
        self.finish(step, output);
    }

    /// Ends a step that ran once, inline, and failed.
    fn failed(
        &mut self,
        step: StepId,
        started: Timestamp,
        status: AttemptStatus,
        error: StepError,
        stderr: Option<String>,
        side_effect: bool,
    ) {
        let ended = Timestamp::now();
        let attempt = StepAttempt {
            step: self.name(step).to_owned(),
            attempt: 1,
            status,
            started_at: started,
            ended_at: ended,
            output: None,
            error: Some(error.cause.clone()),
            stderr: stderr.clone(),
            reason: None,
        };
        let durability = self.durability(side_effect);
        self.record(attempt, durability);
        if let Some(r) = self.report_mut(step) {
            r.status = status;
            r.attempts = 1;
            r.started_at = Some(started);
            r.ended_at = Some(ended);
            r.error = Some(error);
            r.stderr = stderr;
        }
        self.finish(step, Value::Null);
    }

    fn policy_step(
        &mut self,
        step: StepId,
        def: &StepDef,
        policy: crate::ir::PolicyId,
        args: &[Option<Expr>],
        started: Timestamp,
    ) {
        let env = self.ex.env;
        let Some(policy_def) = env.program.policies.get(policy.index()) else {
            let error = self.failure(step, Code::StepFailed, "internal error: unknown policy", None);
            self.failed(step, started, AttemptStatus::Failed, error, None, false);
            return;
        };
        let mut named = Vec::new();
        for (param, arg) in policy_def.params.iter().zip(args) {
            if let Some(arg) = arg {
                match self.eval(arg) {
                    Ok(value) => named.push((param.name.clone(), value)),
                    Err(e) => {
                        self.eval_failed(step, started, &e);
                        return;
                    }
                }
            }
        }
        let decision = env.decide(policy, &named);
        let result = apply_waivers(env.program, decision, env.host.now());
        let detail = self.redactor.json((self.ex.describe_decision)(env, &result));
        let decision = &result.decision;
        let record = Decision {
            step: def.name.to_string(),
            policy: decision.name.to_string(),
            outcome: decision.outcome.as_str().to_owned(),
            detail: detail.clone(),
        };
        let durability = self.durability(false);
        self.record_decision(&record, durability);
        let summary = StepDecision {
            policy: decision.name.to_string(),
            level: decision.level.as_str().to_owned(),
            outcome: decision.outcome.as_str().to_owned(),
            violations: decision
                .violations
                .iter()
                .map(|v| self.redactor.text(&v.message))
                .collect(),
            detail,
        };
        if let Some(r) = self.report_mut(step) {
            r.decision = Some(summary);
        }
        if decision.outcome == Outcome::Indeterminate {
            let why = decision
                .errors
                .first()
                .map(|f| f.describe(env))
                .unwrap_or_else(|| "it could not be evaluated".to_owned());
            let message = self
                .redactor
                .text(&format!("policy `{}` could not be decided: {why}", decision.name));
            let error = self.failure(step, Code::StepFailed, &message, None);
            self.failed(step, started, AttemptStatus::Failed, error, None, false);
            return;
        }
        if let Some(expired) = expired_waiver_text(env.program, &result) {
            let message = self.redactor.text(&format!("policy `{}` has {expired}", decision.name));
            let error = self.failure(step, Code::StepFailed, &message, None);
            self.failed(step, started, AttemptStatus::Failed, error, None, false);
            return;
        }
        let value = decision.to_value(env);
        let shown = self.redactor.value(&value);
        self.succeeded(step, started, value, shown, false);
    }

    /// Builds a connector call and hands it to a thread.
    fn dispatch(
        &mut self,
        step: StepId,
        def: &StepDef,
        connector: crate::ir::ConnectorId,
        action: usize,
        args: &[Expr],
        started: Timestamp,
    ) -> bool {
        let env = self.ex.env;
        let found = env
            .program
            .connectors
            .get(connector.index())
            .and_then(|c| c.actions.get(action).map(|a| (c, a)));
        let Some((connector_def, action_def)) = found else {
            let error = self.failure(step, Code::StepFailed, "internal error: unknown connector action", None);
            self.failed(step, started, AttemptStatus::Failed, error, None, false);
            return false;
        };
        let mut body = Map::new();
        for ((name, _), arg) in action_def.params.iter().zip(args) {
            match self.eval(arg) {
                Ok(value) => {
                    body.insert(name.to_string(), value.to_json(true));
                }
                Err(e) => {
                    self.eval_failed(step, started, &e);
                    return false;
                }
            }
        }
        let call = match &connector_def.kind {
            ConnectorKind::Http {
                url,
                timeout,
                headers,
                token,
            } => {
                let Some(base_url) = self.setting(step, started, url) else {
                    return false;
                };
                let Some(mut sent) = self.settings(step, started, headers) else {
                    return false;
                };
                if let Some(token) = token {
                    let Some(value) = self.setting(step, started, token) else {
                        return false;
                    };
                    sent.push(("authorization".to_owned(), format!("Bearer {value}")));
                }
                Call::Http(HttpCall {
                    base_url,
                    action: action_def.name.to_string(),
                    args: Json::Object(body),
                    timeout: def.timeout.or(*timeout).unwrap_or(self.ex.options.default_http_timeout),
                    headers: sent,
                })
            }
            ConnectorKind::Exec {
                command,
                dir,
                timeout,
                env: variables,
            } => {
                let root = &self.ex.options.root;
                let cwd = root.join(dir);
                let outside = command
                    .first()
                    .and_then(|program| program_outside_root(program.as_ref(), &cwd, root));
                if let Some(problem) = outside {
                    let error = self.failure(step, Code::PathEscapesRoot, &problem, None);
                    self.failed(step, started, AttemptStatus::Failed, error, None, false);
                    return false;
                }
                let Some(variables) = self.settings(step, started, variables) else {
                    return false;
                };
                Call::Exec(ExecCall {
                    command: command.iter().map(|c| c.to_string()).collect(),
                    cwd,
                    action: action_def.name.to_string(),
                    args: Json::Object(body),
                    timeout: def.timeout.or(*timeout),
                    env: variables,
                })
            }
        };
        let shown = self.redactor.text(&call.display());
        self.emit(&Event::Calling {
            step: &def.name,
            call: &shown,
        });
        if let Some(r) = self.report_mut(step) {
            r.started_at = Some(started);
        }
        let job = Job {
            step,
            call,
            attempts: def.retries.saturating_add(1),
            backoff: def.backoff.unwrap_or(self.ex.options.default_backoff),
            run: self.id.to_string(),
            workflow: self.def.name.to_string(),
            step_name: def.name.to_string(),
        };
        let spawned = worker::spawn(
            job,
            self.ex.connectors.clone(),
            self.ex.options.cancel.clone(),
            self.tx.clone(),
        );
        if !spawned {
            let error = self.failure(step, Code::StepFailed, "cannot start a thread for the call", None);
            self.failed(step, started, AttemptStatus::Failed, error, None, false);
        }
        spawned
    }

    /// Named connector settings (`headers`, `env`) as the texts sent, or `None` when
    /// one fails to evaluate (the step has then failed).
    fn settings(
        &mut self,
        step: StepId,
        started: Timestamp,
        named: &[(Arc<str>, Expr)],
    ) -> Option<Vec<(String, String)>> {
        let mut sent = Vec::new();
        for (name, expr) in named {
            sent.push((name.to_string(), self.setting(step, started, expr)?));
        }
        Some(sent)
    }

    /// One connector setting as the text sent: a secret's own text, which the masker
    /// learns first so that no record can show it.
    fn setting(&mut self, step: StepId, started: Timestamp, expr: &Expr) -> Option<String> {
        let mut frame = new_frame(SETTING_LOCALS);
        match self.ex.env.eval(expr, &mut frame) {
            Ok(value) => {
                self.redactor.learn(&value);
                Some(revealed(&value))
            }
            Err(e) => {
                self.eval_failed(step, started, &e);
                None
            }
        }
    }

    /// An attempt of a connector step ended (or its retries were cut short).
    pub(super) fn attempt_ended(&mut self, message: Message) {
        let (step, attempt, started, ended, result, retry_after) = match message {
            Message::Attempt {
                step,
                attempt,
                started,
                ended,
                result,
                retry_after,
            } => (step, attempt, started, ended, result, retry_after),
            Message::Stopped { step } => {
                // Cancelled while waiting to retry: the last attempt's failure stands.
                self.finish(step, Value::Null);
                return;
            }
        };
        let Some(def) = self.def.steps.get(step.index()) else {
            return;
        };
        let returns = match &def.call {
            StepCall::Action { connector, action, .. } => self
                .ex
                .env
                .program
                .connectors
                .get(connector.index())
                .and_then(|c| c.actions.get(*action).map(|a| (c, a))),
            _ => None,
        };
        let name = def.name.to_string();
        let durability = self.durability(true);
        let mut record = StepAttempt {
            step: name.clone(),
            attempt,
            status: AttemptStatus::Failed,
            started_at: started,
            ended_at: ended,
            output: None,
            error: None,
            stderr: None,
            reason: None,
        };
        match result {
            Ok(reply) => {
                let typed = match returns {
                    Some((_, action)) => typed_reply(self.ex.env, &reply.value, &action.returns),
                    None => Ok(Value::from_json(&reply.value)),
                };
                // A `secret` field of the reply is learnt before anything of the
                // attempt is recorded: the program may have printed it on stderr too.
                if let Ok(value) = &typed {
                    self.redactor.learn(value);
                }
                let stderr = reply
                    .stderr
                    .as_deref()
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| self.redactor.text(s));
                record.stderr = stderr.clone();
                match typed {
                    Ok(value) => {
                        let shown = self.redactor.value(&value);
                        record.status = AttemptStatus::Succeeded;
                        record.output = Some(shown.clone());
                        self.record(record, durability);
                        if let Some(r) = self.report_mut(step) {
                            r.status = AttemptStatus::Succeeded;
                            r.attempts = attempt;
                            r.ended_at = Some(ended);
                            r.output = Some(shown);
                            r.stderr = stderr;
                            r.error = None;
                        }
                        self.finish(step, value);
                    }
                    Err(why) => {
                        let (connector, action) = returns.map_or(("?", "?"), |(c, a)| (&*c.name, &*a.name));
                        let message = self.redactor.text(&format!(
                            "the reply of `{connector}.{action}` does not match its type: {why}"
                        ));
                        let mut error = self.failure(step, Code::ConnectorReply, &message, None);
                        if let Some((_, action_def)) = returns {
                            let ty = self.ex.env.program.display_type(&action_def.returns);
                            error.diagnostic = error
                                .diagnostic
                                .with_label(action_def.span, format!("declared to return `{ty}`"))
                                .with_help("fix the connector's reply, or the action's declared return type");
                        }
                        record.error = Some(error.cause.clone());
                        self.record(record, durability);
                        if let Some(r) = self.report_mut(step) {
                            r.status = AttemptStatus::Failed;
                            r.attempts = attempt;
                            r.ended_at = Some(ended);
                            r.error = Some(error);
                            r.stderr = stderr;
                        }
                        self.finish(step, Value::Null);
                    }
                }
            }
            Err(e) => {
                let text = self.redactor.text(&e.to_string());
                let stderr = e
                    .stderr()
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| self.redactor.text(s));
                let (status, code) = if e.is_timeout() {
                    (AttemptStatus::TimedOut, Code::StepTimeout)
                } else {
                    (AttemptStatus::Failed, Code::StepFailed)
                };
                let mut error = self.failure(step, code, &text, None);
                if code == Code::StepTimeout {
                    error.diagnostic = error
                        .diagnostic
                        .with_help("give the step a longer `timeout`, or make the call faster");
                }
                record.status = status;
                record.error = Some(text.clone());
                record.stderr = stderr.clone();
                self.record(record, durability);
                if let Some(r) = self.report_mut(step) {
                    r.status = status;
                    r.attempts = attempt;
                    r.ended_at = Some(ended);
                    r.error = Some(error);
                    r.stderr = stderr;
                }
                match retry_after {
                    Some(wait) => self.emit(&Event::Retrying {
                        step: &name,
                        attempt,
                        error: &text,
                        wait,
                    }),
                    None => self.finish(step, Value::Null),
                }
            }
        }
    }
}

/// A setting's value as the text sent: a secret's own text (it goes to the service,
/// never to the log), anything else as interpolation shows it.
fn revealed(value: &Value) -> String {
    match value {
        Value::Secret(s) | Value::Str(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// `an expired waiver `w` (until 2027-03-31)`, when the decision has one: an error
/// of the step, as it is of every gate that includes the policy.
fn expired_waiver_text(program: &crate::ir::Program, result: &crate::eval::Waived) -> Option<String> {
    let names: Vec<String> = result
        .expired
        .iter()
        // INVARIANT: a `WaiverId` indexes `program.waivers`. One that does not still counts:
        // dropping it could leave no name, and the step would run past an expired waiver.
        .map(|e| match program.waivers.get(e.waiver.index()) {
            Some(w) => format!("`{}` (until {})", w.name, w.until_text),
            None => "that is not in the program (internal error E0509)".to_string(),
        })
        .collect();
    match names.len() {
        0 => None,
        1 => Some(format!("an expired waiver {}", names.join(""))),
        _ => Some(format!("expired waivers {}", names.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::eval::{Decision, Expired, Outcome, Waived};
    use crate::ir::{Level, PolicyId, Program, WaiverId};

    #[test]
    fn an_expired_waiver_missing_from_the_program_still_stops_the_step() {
        let decision = Decision {
            policy: PolicyId(0),
            name: Arc::from("p"),
            level: Level::Hard,
            outcome: Outcome::Allow,
            violations: Vec::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
            subjects: 1,
        };
        let result = Waived {
            decision,
            waived: Vec::new(),
            unused: Vec::new(),
            expired: vec![Expired {
                waiver: WaiverId(0),
                uncovered: Vec::new(),
            }],
        };
        let text = expired_waiver_text(&Program::default(), &result).unwrap();
        assert!(text.contains("E0509"), "{text}");
    }
}
