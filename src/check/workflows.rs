//! Connectors, workflows and service-level objectives. The checker resolves each step's
//! call and records which steps it depends on; `compile` turns that into a DAG.

use std::collections::HashMap;
use std::sync::Arc;

use super::Checker;
use super::expr::{ParamSig, shorten};
use super::scope::Frame;
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::Type;
use crate::ir::Value;
use crate::ir::{self, ConnectorId, ExprKind, ItemRef, Metric, WorkflowId};
use crate::source::Span;
use crate::syntax::ast::{self, ItemKind};
use crate::time::Duration;

/// The steps of the workflow being checked, so that steps can refer to each other
/// regardless of the order they are written in.
#[derive(Debug, Default)]
pub(super) struct StepScope {
    steps: Vec<(Arc<str>, ir::LocalId, Type)>,
    /// Each name's first step, so a workflow of thousands of steps resolves in
    /// linear time.
    index: HashMap<Arc<str>, usize>,
    /// The step being checked, and whether it is `always`.
    current: Option<(u32, bool)>,
    /// Dependencies found while checking the current step.
    found: Vec<(u32, Span)>,
}

impl StepScope {
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().map(|(n, _, _)| &**n)
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Whether the step being checked is `always` (its references are optional).
    pub(super) fn in_always_step(&self) -> bool {
        self.current.is_some_and(|(_, always)| always)
    }
}

impl<'a> Checker<'a> {
    /// A reference to another step's output, inside a workflow.
    pub(super) fn step_reference(&mut self, name: &str, span: Span) -> Option<ir::Expr> {
        let scope = self.steps.as_mut()?;
        let index = scope.position(name)?;
        let (_, local, ty) = scope.steps.get(index)?.clone();
        let index = u32::try_from(index).ok()?;
        let always = match scope.current {
            Some((current, always)) if current != index => always,
            _ => false,
        };
        scope.found.push((index, span));
        // From an `always` step, another step may not have run: its output is optional.
        let ty = if always { Type::optional(ty) } else { ty };
        Some(ir::Expr {
            kind: ExprKind::StepOutput { step: index, local },
            ty,
            span,
        })
    }

    pub(super) fn check_connectors(&mut self) {
        for item in self.connector_items.clone() {
            let ItemKind::Connector(decl) = &item.kind else {
                continue;
            };
            let mut kind_word: Option<(Arc<str>, Span)> = None;
            let mut url = None;
            let mut command: Option<Vec<Arc<str>>> = None;
            let mut timeout = None;
            let mut headers = Vec::new();
            let mut token: Option<(ir::Expr, Span)> = None;
            let mut env: Option<(Named, Span)> = None;
            let mut seen: Vec<(Arc<str>, Span)> = Vec::new();
            for setting in &decl.settings {
                let key = setting.name.name.clone();
                if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                    self.report(
                        Diagnostic::new(
                            Code::RepeatedClause,
                            format!("connector `{}` sets `{key}` twice", item.name.name),
                        )
                        .at(setting.name.span, "set again here")
                        .with_label(*first, "first set here"),
                    );
                    continue;
                }
                seen.push((key.clone(), setting.name.span));
                let mut frame = Frame::new();
                match &*key {
                    "kind" => match &setting.value.kind {
                        ast::ExprKind::Name(word) if matches!(&*word.name, "http" | "exec") => {
                            kind_word = Some((word.name.clone(), word.span));
                        }
                        _ => {
                            let text = self.source_text(setting.value.span).to_string();
                            let help = did_you_mean(&text, ["http", "exec"]);
                            self.report(
                                Diagnostic::new(
                                    Code::ConnectorConfig,
                                    format!("`{}` is not a connector kind", shorten(&text)),
                                )
                                .at(setting.value.span, "expected `http` or `exec`")
                                .with_help(help.unwrap_or_else(|| {
                                    "`http` posts JSON to a URL; `exec` runs a local program".to_string()
                                })),
                            );
                        }
                    },
                    "url" => url = Some(self.string_or_secret(&setting.value, &mut frame, "a url")),
                    "timeout" => timeout = self.constant_duration(&setting.value),
                    "command" => {
                        let value = self.check_expr(&setting.value, &mut frame, &Type::list(Type::String));
                        match self.fold_constant(&value) {
                            Some(Value::List(items)) => {
                                let words: Vec<Arc<str>> = items
                                    .items
                                    .iter()
                                    .filter_map(|v| match v {
                                        Value::Str(s) => Some(s.clone()),
                                        _ => None,
                                    })
                                    .collect();
                                if words.is_empty() {
                                    self.report(
                                        Diagnostic::new(Code::ConnectorConfig, "the command is empty")
                                            .at(setting.value.span, "no program to run")
                                            .with_help("write the program and its arguments: `command [\"python3\", \"agents/intel.py\"]`"),
                                    );
                                }
                                if let Some(program) = words.first()
                                    && super::escapes_root(&self.dir_of(item.span), program)
                                {
                                    self.report(
                                        Diagnostic::new(
                                            Code::PathEscapesRoot,
                                            format!("the program `{program}` is outside the project"),
                                        )
                                        .at(setting.value.span, "this command runs a program outside the project root")
                                        .with_note("a program with a directory part is relative to this file's directory and stays inside the project; a bare name (`python3`) is looked up in `PATH`")
                                        .with_help("put the program in the project, or name a program on `PATH` by its bare name"),
                                    );
                                }
                                command = Some(words);
                            }
                            _ if value.ty.is_error() => {}
                            _ => self.report(
                                Diagnostic::new(Code::NotConstant, "a command must be a list of string literals")
                                    .at(setting.value.span, "computed at run time")
                                    .with_help("commands run without a shell; write each argument as a string"),
                            ),
                        }
                    }
                    "headers" => headers = self.credential_entries(&setting.value, &mut frame, Credential::Header),
                    "token" => {
                        token = Some((
                            self.string_or_secret(&setting.value, &mut frame, "a token"),
                            setting.name.span,
                        ))
                    }
                    "env" => {
                        env = Some((
                            self.credential_entries(&setting.value, &mut frame, Credential::EnvVar),
                            setting.name.span,
                        ))
                    }
                    other => {
                        let help =
                            did_you_mean(other, ["kind", "url", "timeout", "command", "headers", "token", "env"]);
                        self.report(
                            Diagnostic::new(Code::UnknownSetting, format!("connectors have no setting `{other}`"))
                                .at(setting.name.span, "unknown setting")
                                .with_help(help.unwrap_or_else(|| {
                                    "a connector has `kind`, `url`, `timeout`, `headers` and `token` (http), or `command` and `env` (exec)"
                                        .to_string()
                                })),
                        );
                    }
                }
            }
            let kind = match kind_word.as_ref().map(|(w, s)| (&**w, *s)) {
                Some(("http", span)) => {
                    if command.is_some() {
                        self.report(
                            Diagnostic::new(Code::ConnectorConfig, "an `http` connector has no `command`")
                                .at(span, "this connector posts to a URL")
                                .with_help("remove `command`, or make it `kind exec`"),
                        );
                    }
                    if let Some((_, at)) = &env {
                        self.report(
                            Diagnostic::new(Code::ConnectorConfig, "an `http` connector has no `env`")
                                .at(*at, "only programs have an environment")
                                .with_help("send credentials with `headers { name: value }` or `token secret(\"…\")`"),
                        );
                    }
                    if let Some((_, at)) = &token
                        && headers
                            .iter()
                            .any(|(name, _)| name.eq_ignore_ascii_case("authorization"))
                    {
                        self.report(
                            Diagnostic::new(
                                Code::ConnectorConfig,
                                "`token` and an `authorization` header both set it",
                            )
                            .at(*at, "sent as `Authorization: Bearer …`")
                            .with_help("keep one of them"),
                        );
                    }
                    match url {
                        Some(url) => Some(ir::ConnectorKind::Http {
                            url,
                            timeout,
                            headers,
                            token: token.map(|(t, _)| t),
                        }),
                        None => {
                            self.report(
                                Diagnostic::new(
                                    Code::ConnectorConfig,
                                    format!("connector `{}` has no `url`", item.name.name),
                                )
                                .at(item.name.span, "an `http` connector needs a URL")
                                .with_help("add `url \"http://127.0.0.1:8700\"` or `url env(\"ATLAS_URL\", \"…\")`"),
                            );
                            None
                        }
                    }
                }
                Some((_, span)) => {
                    if url.is_some() {
                        self.report(
                            Diagnostic::new(Code::ConnectorConfig, "an `exec` connector has no `url`")
                                .at(span, "this connector runs a program")
                                .with_help("remove `url`, or make it `kind http`"),
                        );
                    }
                    if let Some((_, at)) = &token {
                        self.report(
                            Diagnostic::new(Code::ConnectorConfig, "an `exec` connector has no `token`")
                                .at(*at, "only services take a token")
                                .with_help("give the program its credential in `env { NAME: secret(\"…\") }`"),
                        );
                    }
                    if let Some(first) = seen.iter().find(|(k, _)| &**k == "headers").map(|(_, s)| *s) {
                        self.report(
                            Diagnostic::new(Code::ConnectorConfig, "an `exec` connector has no `headers`")
                                .at(first, "only services take headers")
                                .with_help("give the program its credential in `env { NAME: secret(\"…\") }`"),
                        );
                    }
                    match command {
                        Some(command) => Some(ir::ConnectorKind::Exec {
                            command,
                            dir: self.dir_of(item.span),
                            timeout,
                            env: env.map(|(e, _)| e).unwrap_or_default(),
                        }),
                        None => {
                            self.report(
                                Diagnostic::new(
                                    Code::ConnectorConfig,
                                    format!("connector `{}` has no `command`", item.name.name),
                                )
                                .at(item.name.span, "an `exec` connector needs a command")
                                .with_help("add `command [\"python3\", \"agents/intel.py\"]`"),
                            );
                            None
                        }
                    }
                }
                None => {
                    if !seen.iter().any(|(k, _)| &**k == "kind") {
                        self.report(
                            Diagnostic::new(
                                Code::ConnectorConfig,
                                format!("connector `{}` has no `kind`", item.name.name),
                            )
                            .at(item.name.span, "is it `http` or `exec`?")
                            .with_help("add `kind http` (with a `url`) or `kind exec` (with a `command`)"),
                        );
                    }
                    None
                }
            };
            let mut actions: Vec<ir::ActionDef> = Vec::new();
            for action in &decl.actions {
                if let Some(previous) = actions.iter().find(|a| a.name == action.name.name) {
                    self.report(
                        Diagnostic::new(
                            Code::DuplicateDefinition,
                            format!("action `{}` is declared twice", action.name.name),
                        )
                        .at(action.name.span, "declared again here")
                        .with_label(previous.span, "first declared here"),
                    );
                    continue;
                }
                let params = action
                    .params
                    .iter()
                    .map(|p| (p.name.name.clone(), self.resolve_type(&p.ty)))
                    .collect();
                let returns = action
                    .returns
                    .as_ref()
                    .map(|t| self.resolve_type(t))
                    .unwrap_or(Type::Json);
                actions.push(ir::ActionDef {
                    name: action.name.name.clone(),
                    params,
                    returns,
                    span: action.name.span,
                });
            }
            let kind = kind.unwrap_or(ir::ConnectorKind::Exec {
                command: Vec::new(),
                dir: Default::default(),
                timeout: None,
                env: Vec::new(),
            });
            self.program.connectors.push(ir::ConnectorDef {
                name: item.name.name.clone(),
                kind,
                actions,
                span: item.name.span,
            });
        }
    }

    /// `headers { name: value }` or `env { NAME: value }`: a literal whose values are
    /// each a `string` or a `secret`, so a credential is sent as itself and recorded as
    /// `***`.
    fn credential_entries(&mut self, value: &ast::Expr, frame: &mut Frame, what: Credential) -> Named {
        let ast::ExprKind::Record(entries) = &value.kind else {
            self.report(
                Diagnostic::new(
                    Code::ConnectorConfig,
                    format!("`{}` must be written out", what.setting()),
                )
                .at(value.span, "expected `{ name: value, … }`")
                .with_help(what.example()),
            );
            return Vec::new();
        };
        let mut out: Vec<(Arc<str>, ir::Expr)> = Vec::new();
        for entry in entries {
            let name = &entry.key.name;
            if out.iter().any(|(k, _)| what.same_name(k, name)) {
                self.report(
                    Diagnostic::new(Code::RepeatedClause, format!("`{name}` is set twice"))
                        .at(entry.key.span, "set again here")
                        .with_help(format!("keep one `{name}`")),
                );
                continue;
            }
            if let Some(problem) = what.name_problem(name) {
                self.report(
                    Diagnostic::new(Code::ConnectorConfig, format!("`{name}` cannot be {}", what.noun()))
                        .at(entry.key.span, problem)
                        .with_help(what.example()),
                );
                continue;
            }
            let checked = self.string_or_secret(&entry.value, frame, what.value_noun());
            out.push((name.clone(), checked));
        }
        out
    }

    /// A credential setting's value: a `string` (sent and shown as it is) or a
    /// `secret` (sent as its text, shown as `***`).
    fn string_or_secret(&mut self, value: &ast::Expr, frame: &mut Frame, what: &str) -> ir::Expr {
        let checked = self.infer(value, frame, Some(&Type::String));
        if checked.ty.is_error() || matches!(checked.ty, Type::Secret) {
            return checked;
        }
        if super::assign::assignable(&self.program, &checked.ty, &Type::String) && !checked.ty.is_optional() {
            return self.coerce(checked, &Type::String);
        }
        let found = self.display(&checked.ty);
        self.report(
            Diagnostic::new(
                Code::TypeMismatch,
                format!("{what} must be a `string` or a `secret`, not `{found}`"),
            )
            .at(checked.span, format!("this is `{found}`"))
            .with_help("read a credential with `secret(\"NAME\")`; convert other values with `as string`"),
        );
        ir::Expr::error(checked.span)
    }

    pub(super) fn check_workflows(&mut self) {
        for item in self.workflow_items.clone() {
            let ItemKind::Workflow(decl) = &item.kind else {
                continue;
            };
            let mut frame = Frame::new();
            let params = decl
                .params
                .as_ref()
                .map(|p| self.declare_params(p, &mut frame))
                .unwrap_or_default();
            // Every step's output gets a slot up front: steps may be written in any order.
            let mut scope = StepScope::default();
            for step in &decl.steps {
                if let Some(&first) = scope.index.get(&step.name.name) {
                    let first = decl.steps.get(first).map(|s| s.name.span);
                    let mut d = Diagnostic::new(
                        Code::DuplicateDefinition,
                        format!("step `{}` is defined twice", step.name.name),
                    )
                    .at(step.name.span, "defined again here");
                    if let Some(first) = first {
                        d = d.with_label(first, "first defined here");
                    }
                    self.report(d);
                }
                if let Some(param) = params.iter().find(|p| p.name == step.name.name) {
                    self.report(
                        Diagnostic::new(
                            Code::DuplicateDefinition,
                            format!("step `{}` has the name of a parameter", step.name.name),
                        )
                        .at(step.name.span, "step")
                        .with_label(param.span, "parameter")
                        .with_help("rename the step"),
                    );
                }
                let output = self.step_output_type(&step.call);
                let local = frame.reserve();
                scope.index.entry(step.name.name.clone()).or_insert(scope.steps.len());
                scope.steps.push((step.name.name.clone(), local, output));
            }
            self.steps = Some(scope);
            let mut steps = Vec::new();
            for (index, step) in decl.steps.iter().enumerate() {
                steps.push(self.step(index, step, &mut frame));
            }
            self.steps = None;
            self.program.workflows.push(ir::WorkflowDef {
                name: item.name.name.clone(),
                params,
                steps,
                locals: frame.size(),
                span: item.name.span,
            });
        }
    }

    /// What a step's call gives, before its arguments are checked.
    fn step_output_type(&mut self, call: &ast::Expr) -> Type {
        let ast::ExprKind::Call { callee, .. } = &call.kind else {
            return Type::Error;
        };
        match &callee.kind {
            ast::ExprKind::Name(name) => match self.program.names.get(&name.name) {
                Some(ItemRef::Policy(_)) => Type::Record(crate::ir::decision_record()),
                _ if &*name.name == "log" => Type::String,
                _ => Type::Error,
            },
            ast::ExprKind::Field { base, field, .. } => match &base.kind {
                ast::ExprKind::Name(connector) => match self.program.names.get(&connector.name) {
                    Some(ItemRef::Connector(id)) => self
                        .program
                        .connectors
                        .get(id.index())
                        .and_then(|c| c.actions.iter().find(|a| a.name == field.name))
                        .map(|a| a.returns.clone())
                        .unwrap_or(Type::Error),
                    _ => Type::Error,
                },
                _ => Type::Error,
            },
            _ => Type::Error,
        }
    }

    fn step(&mut self, index: usize, step: &ast::Step, frame: &mut Frame) -> ir::StepDef {
        let index_u32 = u32::try_from(index).unwrap_or(u32::MAX);
        if let Some(scope) = self.steps.as_mut() {
            scope.current = Some((index_u32, step.always.is_some()));
            scope.found.clear();
        }
        let (local, output) = self
            .steps
            .as_ref()
            .and_then(|s| s.steps.get(index))
            .map(|(_, l, t)| (*l, t.clone()))
            .unwrap_or((ir::LocalId(0), Type::Error));
        let call = self.step_call(step, frame);
        let when = step.when.as_ref().map(|w| self.check_expr(w, frame, &Type::Bool));
        let mut retries = 0;
        let mut backoff = None;
        if let Some(retry) = &step.retry {
            let mut empty = Frame::new();
            let attempts = self.check_expr(&retry.attempts, &mut empty, &Type::Int);
            match self.fold_constant(&attempts) {
                Some(Value::Int(n)) if (0..=100).contains(&n) => retries = u32::try_from(n).unwrap_or(0),
                Some(Value::Int(_)) => self.report(
                    Diagnostic::new(Code::InvalidLiteral, "retries must be between 0 and 100")
                        .at(retry.attempts.span, "out of range")
                        .with_help("`retry 3 backoff 10s` retries a failed step three more times"),
                ),
                _ if attempts.ty.is_error() => {}
                _ => self.report(
                    Diagnostic::new(Code::NotConstant, "the number of retries must be a constant")
                        .at(retry.attempts.span, "computed at run time"),
                ),
            }
            backoff = retry.backoff.as_ref().and_then(|b| self.constant_duration(b));
        }
        let timeout = step.timeout.as_ref().and_then(|t| self.constant_duration(t));
        let mut depends_on: Vec<(u32, Span)> = self.steps.as_ref().map(|s| s.found.clone()).unwrap_or_default();
        for after in &step.after {
            let target = self.steps.as_ref().and_then(|s| s.position(&after.name));
            match target {
                Some(target) => depends_on.push((u32::try_from(target).unwrap_or(u32::MAX), after.span)),
                None => {
                    let help = self.steps.as_ref().and_then(|s| did_you_mean(&after.name, s.names()));
                    self.report(
                        Diagnostic::new(Code::UnknownStep, format!("unknown step `{}`", after.name))
                            .at(after.span, "no step of this name in this workflow")
                            .with_help_opt(help),
                    );
                }
            }
        }
        if let Some(scope) = self.steps.as_mut() {
            scope.current = None;
        }
        ir::StepDef {
            name: step.name.name.clone(),
            local,
            call,
            when,
            retries,
            backoff,
            timeout,
            always: step.always.is_some(),
            depends_on,
            output,
            span: step.name.span,
            call_span: step.call.span,
        }
    }

    fn step_call(&mut self, step: &ast::Step, frame: &mut Frame) -> ir::StepCall {
        let fail = |this: &mut Self, span: Span| {
            this.report(
                Diagnostic::new(Code::NotAStep, "a step calls a policy, a connector action, `log` or `fail`")
                    .at(span, "not a step call")
                    .with_help("for example `step check = fraud_max_drift(drift: drift)` or `step retrain = atlas.retrain(model: model)`"),
            );
            ir::StepCall::Fail(ir::Expr::error(span))
        };
        let ast::ExprKind::Call { callee, args } = &step.call.kind else {
            return fail(self, step.call.span);
        };
        match &callee.kind {
            ast::ExprKind::Name(name) if &*name.name == "log" || &*name.name == "fail" => {
                let params = [ParamSig {
                    name: Arc::from("message"),
                    ty: Type::String,
                    has_default: false,
                }];
                let mut matched = self.match_args(&name.name, &params, args, frame, step.call.span);
                let message = matched
                    .pop()
                    .flatten()
                    .unwrap_or_else(|| ir::Expr::error(step.call.span));
                if &*name.name == "log" {
                    ir::StepCall::Log(message)
                } else {
                    ir::StepCall::Fail(message)
                }
            }
            ast::ExprKind::Name(name) => match self.program.names.get(&name.name).copied() {
                Some(ItemRef::Policy(policy)) => {
                    let params = match self.program.policies.get(policy.index()) {
                        Some(p) => self.fn_params_of(&p.params),
                        None => Vec::new(),
                    };
                    let args = self.match_args(&name.name, &params, args, frame, step.call.span);
                    ir::StepCall::Policy { policy, args }
                }
                _ if self.broken.contains(&name.name) => ir::StepCall::Fail(ir::Expr::error(step.call.span)),
                _ => fail(self, step.call.span),
            },
            ast::ExprKind::Field { base, field, .. } => {
                let ast::ExprKind::Name(connector_name) = &base.kind else {
                    return fail(self, step.call.span);
                };
                let connector = match self.program.names.get(&connector_name.name).copied() {
                    Some(ItemRef::Connector(id)) => id,
                    _ if self.broken.contains(&connector_name.name) => {
                        return ir::StepCall::Fail(ir::Expr::error(step.call.span));
                    }
                    _ => {
                        let candidates = self.program.names_of(|r| matches!(r, ItemRef::Connector(_)));
                        let help = did_you_mean(&connector_name.name, candidates);
                        self.report(
                            Diagnostic::new(
                                Code::UnknownName,
                                format!("unknown connector `{}`", connector_name.name),
                            )
                            .at(connector_name.span, "no connector of this name")
                            .with_help_opt(help),
                        );
                        return ir::StepCall::Fail(ir::Expr::error(step.call.span));
                    }
                };
                self.action_call(connector, connector_name, field, args, frame, step.call.span)
            }
            _ => fail(self, step.call.span),
        }
    }

    fn action_call(
        &mut self,
        connector: ConnectorId,
        connector_name: &ast::Ident,
        action: &ast::Ident,
        args: &[ast::Arg],
        frame: &mut Frame,
        span: Span,
    ) -> ir::StepCall {
        let found = self.program.connectors.get(connector.index()).and_then(|c| {
            c.actions
                .iter()
                .position(|a| a.name == action.name)
                .map(|i| (i, c.actions.get(i).map(|a| a.params.clone()).unwrap_or_default()))
        });
        let Some((index, params)) = found else {
            let names: Vec<Arc<str>> = self
                .program
                .connectors
                .get(connector.index())
                .map(|c| c.actions.iter().map(|a| a.name.clone()).collect())
                .unwrap_or_default();
            let help = did_you_mean(&action.name, names.iter().map(|n| &**n));
            self.report(
                Diagnostic::new(
                    Code::UnknownName,
                    format!("connector `{}` has no action `{}`", connector_name.name, action.name),
                )
                .at(action.span, "unknown action")
                .with_help_opt(help),
            );
            return ir::StepCall::Fail(ir::Expr::error(span));
        };
        let sigs: Vec<ParamSig> = params
            .iter()
            .map(|(name, ty)| ParamSig {
                name: name.clone(),
                ty: ty.clone(),
                has_default: ty.is_optional(),
            })
            .collect();
        let callee = format!("{}.{}", connector_name.name, action.name);
        let matched = self.match_args(&callee, &sigs, args, frame, span);
        let args = matched
            .into_iter()
            .map(|a| a.unwrap_or_else(|| ir::Expr::constant(Value::Null, Type::Null, span)))
            .collect();
        ir::StepCall::Action {
            connector,
            action: index,
            args,
        }
    }

    /// A duration that must be known without running anything.
    fn constant_duration(&mut self, expr: &ast::Expr) -> Option<Duration> {
        let mut frame = Frame::new();
        let value = self.check_expr(expr, &mut frame, &Type::Duration);
        match self.fold_constant(&value) {
            Some(Value::Duration(d)) if d.nanos() > 0 => Some(d),
            Some(Value::Duration(_)) => {
                self.report(
                    Diagnostic::new(Code::InvalidLiteral, "a duration here must be positive")
                        .at(expr.span, "zero or negative"),
                );
                None
            }
            _ if value.ty.is_error() => None,
            _ => {
                self.report(
                    Diagnostic::new(Code::NotConstant, "this duration must be a constant")
                        .at(expr.span, "computed at run time")
                        .with_help("write a literal such as `30s` or `10m`"),
                );
                None
            }
        }
    }

    pub(super) fn check_slos(&mut self) {
        for item in self.slo_items.clone() {
            let ItemKind::Slo(settings) = &item.kind else {
                continue;
            };
            let mut slo = ir::SloDef {
                name: item.name.name.clone(),
                workflow: None,
                window: None,
                objectives: Vec::new(),
                span: item.name.span,
            };
            let mut has_workflow = false;
            // An objective written but invalid is reported where it is, not also as missing.
            let mut wrote_objective = false;
            for setting in settings {
                match &*setting.name.name {
                    "workflow" => {
                        has_workflow = true;
                        slo.workflow = self.workflow_named(&setting.value);
                    }
                    "window" => slo.window = self.constant_duration(&setting.value),
                    "objective" => {
                        wrote_objective = true;
                        if let Some(objective) = self.objective(&setting.value) {
                            slo.objectives.push(objective);
                        }
                    }
                    other => {
                        let help = did_you_mean(other, ["workflow", "window", "objective"]);
                        self.report(
                            Diagnostic::new(Code::UnknownSetting, format!("objectives have no setting `{other}`"))
                                .at(setting.name.span, "unknown setting")
                                .with_help(help.unwrap_or_else(|| {
                                    "an `slo` has `workflow`, `window` and `objective`s".to_string()
                                })),
                        );
                    }
                }
            }
            if !has_workflow {
                self.report(
                    Diagnostic::new(Code::UnknownName, format!("slo `{}` names no workflow", item.name.name))
                        .at(item.name.span, "measured over which workflow?")
                        .with_help("add `workflow fraud_drift_management`"),
                );
            }
            if !wrote_objective {
                self.report(
                    Diagnostic::new(
                        Code::UnknownMetric,
                        format!("slo `{}` has no objective", item.name.name),
                    )
                    .at(item.name.span, "nothing to measure")
                    .with_help("add `objective success_rate >= 99%`"),
                );
            }
            self.program.slos.push(slo);
        }
    }

    fn workflow_named(&mut self, expr: &ast::Expr) -> Option<WorkflowId> {
        let ast::ExprKind::Name(name) = &expr.kind else {
            self.report(Diagnostic::new(Code::UnknownName, "expected a workflow name").at(expr.span, "not a name"));
            return None;
        };
        match self.program.names.get(&name.name).copied() {
            Some(ItemRef::Workflow(id)) => Some(id),
            _ if self.broken.contains(&name.name) => None,
            _ => {
                let candidates = self.program.names_of(|r| matches!(r, ItemRef::Workflow(_)));
                let help = did_you_mean(&name.name, candidates);
                self.report(
                    Diagnostic::new(Code::UnknownName, format!("unknown workflow `{}`", name.name))
                        .at(name.span, "no workflow of this name")
                        .with_help_opt(help),
                );
                None
            }
        }
    }

    /// `objective success_rate >= 99%`: a metric, a comparison and a constant.
    fn objective(&mut self, expr: &ast::Expr) -> Option<ir::Objective> {
        let ast::ExprKind::Binary { op, lhs, rhs } = &expr.kind else {
            self.report(
                Diagnostic::new(Code::UnknownMetric, "an objective compares a metric with a target")
                    .at(expr.span, "not a comparison")
                    .with_help("for example `objective success_rate >= 99%` or `objective p95_duration <= 5m`"),
            );
            return None;
        };
        let ast::ExprKind::Name(metric_name) = &lhs.kind else {
            self.report(
                Diagnostic::new(Code::UnknownMetric, "the left side of an objective is a metric")
                    .at(lhs.span, "not a metric name")
                    .with_help(metric_help()),
            );
            return None;
        };
        let Some(metric) = Metric::ALL
            .iter()
            .find(|(n, _)| *n == &*metric_name.name)
            .map(|(_, m)| *m)
        else {
            let help = did_you_mean(&metric_name.name, Metric::ALL.iter().map(|(n, _)| *n));
            self.report(
                Diagnostic::new(Code::UnknownMetric, format!("unknown metric `{}`", metric_name.name))
                    .at(metric_name.span, "not a metric")
                    .with_help(help.unwrap_or_else(metric_help)),
            );
            return None;
        };
        if !op.is_comparison() {
            self.report(
                Diagnostic::new(Code::UnknownMetric, format!("`{}` is not a comparison", op.symbol()))
                    .at(expr.span, "expected `<=`, `>=`, `<`, `>`, `==` or `!=`"),
            );
            return None;
        }
        let target_type = match metric {
            Metric::SuccessRate | Metric::FailureRate => Type::Float,
            Metric::Runs => Type::Int,
            _ => Type::Duration,
        };
        let mut frame = Frame::new();
        let value = self.check_expr(rhs, &mut frame, &target_type);
        let target = match self.fold_constant(&value) {
            Some(v) => v,
            None if value.ty.is_error() => return None,
            None => {
                self.report(
                    Diagnostic::new(Code::NotConstant, "an objective's target must be a constant")
                        .at(rhs.span, "computed at run time"),
                );
                return None;
            }
        };
        Some(ir::Objective {
            metric,
            op: *op,
            target,
            span: expr.span,
        })
    }
}

fn metric_help() -> String {
    let names: Vec<String> = Metric::ALL.iter().map(|(n, _)| format!("`{n}`")).collect();
    format!("the metrics are {}", names.join(", "))
}

/// Names and their checked values, as `headers` and `env` hold them.
type Named = Vec<(Arc<str>, ir::Expr)>;

/// The two settings that map names to credentials.
#[derive(Clone, Copy)]
enum Credential {
    Header,
    EnvVar,
}

impl Credential {
    fn setting(self) -> &'static str {
        match self {
            Credential::Header => "headers",
            Credential::EnvVar => "env",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Credential::Header => "a header name",
            Credential::EnvVar => "an environment variable",
        }
    }

    fn value_noun(self) -> &'static str {
        match self {
            Credential::Header => "a header value",
            Credential::EnvVar => "an environment variable's value",
        }
    }

    fn example(self) -> &'static str {
        match self {
            Credential::Header => "write `headers { \"x-api-key\": secret(\"API_KEY\") }`",
            Credential::EnvVar => "write `env { API_KEY: secret(\"API_KEY\"), LEVEL: \"debug\" }`",
        }
    }

    /// Header names are case-insensitive; environment variables are not.
    fn same_name(self, a: &str, b: &str) -> bool {
        match self {
            Credential::Header => a.eq_ignore_ascii_case(b),
            Credential::EnvVar => a == b,
        }
    }

    /// Why `name` cannot be used, if it cannot.
    fn name_problem(self, name: &str) -> Option<&'static str> {
        match self {
            Credential::Header => {
                // RFC 9110's `token` characters; cpl's own headers are its to set.
                let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
                if name.is_empty() || !name.chars().all(token) {
                    Some("not a valid header name")
                } else if is_reserved_header(name) {
                    Some("cpl sets this header itself")
                } else {
                    None
                }
            }
            Credential::EnvVar => {
                let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
                if name.is_empty() || !name.chars().all(word) || name.starts_with(|c: char| c.is_ascii_digit()) {
                    Some("not a valid variable name")
                } else if name.starts_with("CPL_") {
                    Some("cpl sets the `CPL_` variables itself")
                } else {
                    None
                }
            }
        }
    }
}

/// Headers every call carries from cpl: the body's type and the run's identity.
fn is_reserved_header(name: &str) -> bool {
    [
        "content-type",
        "x-cpl-run-id",
        "x-cpl-step",
        "x-cpl-attempt",
        "idempotency-key",
    ]
    .iter()
    .any(|reserved| name.eq_ignore_ascii_case(reserved))
}
