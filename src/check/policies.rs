//! Policies, gates and waivers.

use std::sync::Arc;

use super::expr::shorten;
use super::scope::Frame;
use super::{Checker, Owner};
use crate::diagnostics::{Code, Diagnostic, did_you_mean, suggest};
use crate::ir::Type;
use crate::ir::Value;
use crate::ir::{self, ItemRef, Level, PolicyId};
use crate::source::Span;
use crate::syntax::ast::{self, ItemKind, PolicyStmt};

impl<'a> Checker<'a> {
    pub(super) fn check_policies(&mut self) {
        for (i, item) in self.policy_items.clone().iter().enumerate() {
            let ItemKind::Policy(decl) = &item.kind else {
                continue;
            };
            let id = PolicyId(u32::try_from(i).unwrap_or(u32::MAX));
            let Some(def) = self.program.policies.get(i) else {
                continue;
            };
            let mut frame = Self::frame_with(&def.params);
            self.owner = Some(Owner::Policy(id));
            let checked = self.policy_body(&item.name, &decl.body, &mut frame);
            self.owner = None;
            if let Some(def) = self.program.policies.get_mut(i) {
                def.level = checked.level;
                def.setup = checked.setup;
                def.each = checked.each;
                def.body = checked.body;
                def.locals = frame.size();
            }
        }
    }

    fn policy_body(&mut self, name: &ast::Ident, stmts: &[PolicyStmt], frame: &mut Frame) -> PolicyParts {
        let mut parts = PolicyParts {
            level: Level::Hard,
            setup: Vec::new(),
            each: None,
            body: Vec::new(),
        };
        let mut level_span: Option<Span> = None;
        let mut first_rule: Option<Span> = None;
        let mut rule_number = 0u32;
        for stmt in stmts {
            match stmt {
                PolicyStmt::Level(word) => {
                    if let Some(previous) = level_span {
                        self.report(
                            Diagnostic::new(
                                Code::RepeatedClause,
                                format!("policy `{}` sets its level twice", name.name),
                            )
                            .at(word.span, "second `level`")
                            .with_label(previous, "first set here"),
                        );
                        continue;
                    }
                    level_span = Some(word.span);
                    match Level::parse(&word.name) {
                        Some(level) => parts.level = level,
                        None => {
                            let help = did_you_mean(&word.name, ["advisory", "soft", "hard"]);
                            self.report(
                                Diagnostic::new(
                                    Code::InvalidLevel,
                                    format!("`{}` is not an enforcement level", word.name),
                                )
                                .at(word.span, "expected `advisory`, `soft` or `hard`")
                                .with_help(help.unwrap_or_else(|| {
                                    "`advisory` never fails, `soft` fails unless overridden, `hard` always fails"
                                        .to_string()
                                })),
                            );
                        }
                    }
                }
                PolicyStmt::Let(stmt) => {
                    let before_for = parts.each.is_none() && first_rule.is_none();
                    self.later_loop_var = if before_for {
                        stmts.iter().find_map(|s| match s {
                            PolicyStmt::For(f) => Some(f.var.name.clone()),
                            _ => None,
                        })
                    } else {
                        None
                    };
                    let value = match &stmt.ty {
                        Some(t) => {
                            let ty = self.resolve_type(t);
                            self.check_expr(&stmt.value, frame, &ty)
                        }
                        None => self.infer(&stmt.value, frame, None),
                    };
                    self.later_loop_var = None;
                    let ty = match &stmt.ty {
                        Some(t) if !value.ty.is_error() => self.resolve_type(t),
                        _ => value.ty.clone(),
                    };
                    let local = frame.declare(stmt.name.name.clone(), ty, stmt.name.span);
                    if parts.each.is_some() || first_rule.is_some() {
                        parts.body.push(ir::PolicyStmt::Let(local, value));
                    } else {
                        parts.setup.push((local, value));
                    }
                }
                PolicyStmt::For(stmt) => {
                    if let Some(each) = &parts.each {
                        self.report(
                            Diagnostic::new(Code::PolicyShape, format!("policy `{}` has a second `for`", name.name))
                                .at(stmt.span, "second `for`")
                                .with_label(each.span, "first `for`")
                                .with_help("a policy goes over one collection; nest the other with `any`/`all` or a comprehension"),
                        );
                        // Still bind its variable, so the rules that use it are checked
                        // without a cascade of "unknown name".
                        let collection = self.infer(&stmt.collection, frame, None);
                        let element = self.element_type(&collection);
                        frame.declare(stmt.var.name.clone(), element, stmt.var.span);
                        continue;
                    }
                    if let Some(rule) = first_rule {
                        self.report(
                            Diagnostic::new(Code::PolicyShape, "`for` must come before the rules")
                                .at(stmt.span, "`for` after a rule")
                                .with_label(rule, "this rule would run outside the loop")
                                .with_help("write `let`s, then `for`, then the rules"),
                        );
                    }
                    let collection = self.infer(&stmt.collection, frame, None);
                    let element = self.element_type(&collection);
                    let var = frame.declare(stmt.var.name.clone(), element, stmt.var.span);
                    let filter = stmt.filter.as_ref().map(|f| self.check_expr(f, frame, &Type::Bool));
                    parts.each = Some(ir::ForEach {
                        var,
                        collection,
                        filter,
                        span: stmt.span,
                    });
                }
                PolicyStmt::Rule(rule) => {
                    rule_number += 1;
                    first_rule.get_or_insert(rule.span);
                    let condition = self.check_expr(&rule.condition, frame, &Type::Bool);
                    let message = rule.message.as_ref().map(|m| self.check_expr(m, frame, &Type::String));
                    parts.body.push(ir::PolicyStmt::Rule(ir::RuleDef {
                        number: rule_number,
                        kind: rule.kind,
                        condition,
                        message,
                        span: rule.span,
                    }));
                }
            }
        }
        parts
    }

    pub(super) fn check_gates(&mut self) {
        for item in self.gate_items.clone() {
            let ItemKind::Gate(decl) = &item.kind else {
                continue;
            };
            let mut frame = Frame::new();
            let mut inputs: Vec<ir::GateInput> = Vec::new();
            for input in &decl.inputs {
                let ty = self.resolve_type(&input.ty);
                if let Some(previous) = inputs.iter().find(|i| i.name == input.name.name) {
                    self.report(
                        Diagnostic::new(
                            Code::DuplicateDefinition,
                            format!("input `{}` is declared twice", input.name.name),
                        )
                        .at(input.name.span, "declared again here")
                        .with_label(previous.span, "first declared here"),
                    );
                    continue;
                }
                let local = frame.declare(input.name.name.clone(), ty.clone(), input.name.span);
                inputs.push(ir::GateInput {
                    name: input.name.name.clone(),
                    ty,
                    local,
                    span: input.name.span,
                });
            }
            let mut policies = Vec::new();
            for policy_ref in &decl.policies {
                let Some(id) = self.policy_named(&policy_ref.name) else {
                    continue;
                };
                let params = match self.program.policies.get(id.index()) {
                    Some(p) => self.fn_params_of(&p.params),
                    None => continue,
                };
                let args = policy_ref.args.as_deref().unwrap_or(&[]);
                let args = self.match_args(&policy_ref.name.name, &params, args, &mut frame, policy_ref.span);
                policies.push(ir::GatePolicy {
                    policy: id,
                    args,
                    span: policy_ref.span,
                });
            }
            if decl.policies.is_empty() {
                self.report(
                    Diagnostic::new(Code::PolicyShape, format!("gate `{}` runs no policy", item.name.name))
                        .at(item.name.span, "empty gate")
                        .with_help("list what it runs: `policies [agent_ownership, no_deprecated_tools]`"),
                );
            }
            self.program.gates.push(ir::GateDef {
                name: item.name.name.clone(),
                inputs,
                policies,
                locals: frame.size(),
                span: item.name.span,
            });
        }
    }

    /// Resolves a name that must be a policy.
    pub(super) fn policy_named(&mut self, name: &ast::Ident) -> Option<PolicyId> {
        match self.program.names.get(&name.name).copied() {
            Some(ItemRef::Policy(id)) => Some(id),
            _ if self.broken.contains(&name.name) => None,
            Some(_) => {
                let what = self
                    .decls
                    .get(&name.name)
                    .map(|i| i.kind.described())
                    .unwrap_or("an item");
                self.report(
                    Diagnostic::new(Code::NotAPolicy, format!("`{}` is {what}, not a policy", name.name))
                        .at(name.span, "expected a policy"),
                );
                None
            }
            None => {
                let candidates = self.program.names_of(|r| matches!(r, ItemRef::Policy(_)));
                let help = did_you_mean(&name.name, candidates);
                self.report(
                    Diagnostic::new(Code::UnknownName, format!("unknown policy `{}`", name.name))
                        .at(name.span, "no policy of this name")
                        .with_help_opt(help),
                );
                None
            }
        }
    }

    pub(super) fn check_waivers(&mut self) {
        for item in self.waiver_items.clone() {
            let ItemKind::Waiver(settings) = &item.kind else {
                continue;
            };
            let mut waiver = ir::WaiverDef {
                name: item.name.name.clone(),
                policy: None,
                subject: None,
                until: None,
                until_text: Arc::from(""),
                owner: None,
                reason: None,
                span: item.name.span,
                until_span: item.name.span,
            };
            let mut seen: Vec<(&str, Span)> = Vec::new();
            // Settings an unknown one was probably meant to be (`ownr` for `owner`): they
            // are not reported missing as well.
            let mut meant: Vec<&str> = Vec::new();
            let mut policy_span = item.name.span;
            for setting in settings {
                let key = &*setting.name.name;
                if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
                    self.report(
                        Diagnostic::new(
                            Code::RepeatedClause,
                            format!("waiver `{}` sets `{key}` twice", item.name.name),
                        )
                        .at(setting.name.span, "set again here")
                        .with_label(*first, "first set here"),
                    );
                    continue;
                }
                seen.push((key, setting.name.span));
                match key {
                    "policy" => {
                        policy_span = setting.value.span;
                        match &setting.value.kind {
                            ast::ExprKind::Name(name) => waiver.policy = self.policy_named(name),
                            _ => self.report(
                                Diagnostic::new(Code::NotAPolicy, "a waiver names its policy")
                                    .at(setting.value.span, "expected a policy name")
                                    .with_help("write `policy no_deprecated_tools`"),
                            ),
                        }
                    }
                    "subject" => waiver.subject = self.constant_string(&setting.value),
                    "owner" => waiver.owner = self.constant_string(&setting.value),
                    "reason" => waiver.reason = self.constant_string(&setting.value),
                    "until" => {
                        waiver.until_span = setting.value.span;
                        waiver.until_text = Arc::from(self.source_text(setting.value.span).trim());
                        let mut frame = Frame::new();
                        let value = self.check_expr(&setting.value, &mut frame, &Type::Timestamp);
                        match self.fold_constant(&value) {
                            // A date means "through that day": the waiver ends at the
                            // next midnight (UTC), not at the first second of the date.
                            Some(Value::Timestamp(t)) if is_plain_date(self.source_text(setting.value.span)) => {
                                waiver.until = t.checked_add(jiff::SignedDuration::from_hours(24)).ok().or(Some(t));
                            }
                            Some(Value::Timestamp(t)) => waiver.until = Some(t),
                            _ if value.ty.is_error() => {}
                            _ => self.report(
                                Diagnostic::new(Code::NotConstant, "a waiver's expiry must be a date")
                                    .at(setting.value.span, "not a constant date")
                                    .with_help("write `until 2027-03-31`"),
                            ),
                        }
                    }
                    other => {
                        const SETTINGS: [&str; 5] = ["policy", "subject", "until", "owner", "reason"];
                        meant.extend(suggest(other, SETTINGS));
                        let help = did_you_mean(other, SETTINGS);
                        self.report(
                            Diagnostic::new(Code::UnknownSetting, format!("waivers have no setting `{other}`"))
                                .at(setting.name.span, "unknown setting")
                                .with_help(help.unwrap_or_else(|| {
                                    "a waiver has `policy`, `subject`, `until`, `owner` and `reason`".to_string()
                                })),
                        );
                    }
                }
            }
            let mut missing: Vec<(&str, &str)> = Vec::new();
            for (needed, present, example) in [
                (
                    "policy",
                    seen.iter().any(|(k, _)| *k == "policy"),
                    "policy no_deprecated_tools",
                ),
                (
                    "owner",
                    waiver.owner.is_some() || seen.iter().any(|(k, _)| *k == "owner"),
                    "owner \"search-team\"",
                ),
                (
                    "reason",
                    waiver.reason.is_some() || seen.iter().any(|(k, _)| *k == "reason"),
                    "reason \"moves to the new backend, ADR-0007\"",
                ),
                ("until", seen.iter().any(|(k, _)| *k == "until"), "until 2027-03-31"),
            ] {
                if !present && !meant.contains(&needed) {
                    missing.push((needed, example));
                }
            }
            if !missing.is_empty() {
                let names: Vec<String> = missing.iter().map(|(n, _)| format!("`{n}`")).collect();
                let examples: Vec<String> = missing.iter().map(|(_, e)| format!("`{e}`")).collect();
                let names = match names.split_last() {
                    Some((last, init)) if !init.is_empty() => format!("{} or {last}", init.join(", ")),
                    _ => names.join(""),
                };
                self.report(
                    Diagnostic::new(
                        Code::WaiverIncomplete,
                        format!("waiver `{}` has no {names}", item.name.name),
                    )
                    .at(item.name.span, format!("needs {}", names.replace(" or ", " and ")))
                    .with_help(format!(
                        "every waiver names its policy, an owner, a reason and an expiry: add {}",
                        examples.join(", ")
                    )),
                );
            }
            if let Some(id) = waiver.policy
                && let Some(policy) = self.program.policies.get(id.index())
                && policy.level == Level::Hard
            {
                // Point at `level hard` when it is written, else at the policy's name.
                let written = self.policy_items.get(id.index()).and_then(|item| match &item.kind {
                    ItemKind::Policy(decl) => decl.body.iter().find_map(|stmt| match stmt {
                        PolicyStmt::Level(word) => Some(word.span),
                        _ => None,
                    }),
                    _ => None,
                });
                let (level_span, level_label) = match written {
                    Some(span) => (span, "the policy is `hard` here"),
                    None => (policy.span, "declared here, with level `hard` (the default)"),
                };
                self.report(
                    Diagnostic::new(
                        Code::WaiverOfHardPolicy,
                        format!("waiver `{}` targets the hard policy `{}`", item.name.name, policy.name),
                    )
                    .at(policy_span, "hard policies cannot be waived")
                    .with_label(level_span, level_label)
                    .with_help(
                        "waive only `soft` or `advisory` policies; to make an exception, change the policy itself",
                    ),
                );
            }
            // Expiry is not checked here: an expired waiver is an error only of the
            // commands that evaluate its policy (and of `cpl check`), not of every command.
            self.program.waivers.push(waiver);
        }
    }

    /// The value of a setting that must be a constant string.
    fn constant_string(&mut self, expr: &ast::Expr) -> Option<Arc<str>> {
        let mut frame = Frame::new();
        let value = self.check_expr(expr, &mut frame, &Type::String);
        match self.fold_constant(&value) {
            Some(Value::Str(s)) => Some(s),
            _ if value.ty.is_error() => None,
            _ => {
                let text = shorten(self.source_text(expr.span)).to_string();
                self.report(
                    Diagnostic::new(Code::NotConstant, format!("`{text}` must be a constant string"))
                        .at(expr.span, "computed at run time")
                        .with_help("write a string literal"),
                );
                None
            }
        }
    }
}

/// `2027-03-31`, as opposed to a full timestamp.
fn is_plain_date(text: &str) -> bool {
    let text = text.trim();
    text.len() == 10 && !text.contains('T')
}

struct PolicyParts {
    level: Level,
    setup: Vec<(ir::LocalId, ir::Expr)>,
    each: Option<ir::ForEach>,
    body: Vec<ir::PolicyStmt>,
}
