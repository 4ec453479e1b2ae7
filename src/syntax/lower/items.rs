//! Lowering of items and their statements.

use pest::iterators::Pair;

use super::{Lowerer, children};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::parser::Rule;

impl Lowerer<'_> {
    pub(super) fn item(&self, pair: Pair<'_, Rule>) -> Option<Item> {
        let span = self.span(&pair);
        let docs = self.docs_before(span);
        let rule = pair.as_rule();
        let keyword_span = pair.clone().into_inner().next().map(|p| self.span(&p)).unwrap_or(span);
        let mut parts = children(pair).peekable();
        // Items without a name of their own are known by their keyword.
        let name = match rule {
            Rule::context_item => Ident {
                name: "context".into(),
                span: keyword_span,
            },
            Rule::environments_item => Ident {
                name: "environments".into(),
                span: keyword_span,
            },
            _ => self.ident(&parts.next()?),
        };
        let kind = match rule {
            Rule::entity_item => {
                let (fields, open) = parts.next().map(|p| self.fields(p)).unwrap_or_default();
                ItemKind::Entity(EntityDecl { fields, open })
            }
            Rule::type_item => ItemKind::Type(self.type_or_error(parts.next(), span)),
            Rule::source_item => {
                let ty = self.type_or_error(parts.next(), span);
                let origin = parts
                    .next()
                    .map(|p| self.source_origin(p))
                    .unwrap_or(SourceOrigin::Input(span));
                ItemKind::Source(SourceDecl { ty, origin })
            }
            Rule::const_item => {
                let ty = parts
                    .next_if(|p| p.as_rule() == Rule::type_expr)
                    .map(|p| self.type_expr(p));
                let value = self.expr_or_error(parts.next(), span);
                ItemKind::Const(ConstDecl { ty, value })
            }
            Rule::fn_item => {
                let params = parts.next().map(|p| self.params(p)).unwrap_or_default();
                let ret = self.type_or_error(parts.next(), span);
                let body = self.expr_or_error(parts.next(), span);
                ItemKind::Fn(FnDecl { params, ret, body })
            }
            Rule::policy_item => {
                let params = parts.next_if(|p| p.as_rule() == Rule::params).map(|p| self.params(p));
                let body = parts.map(|p| self.policy_stmt(p)).collect();
                ItemKind::Policy(PolicyDecl { params, body })
            }
            Rule::gate_item => {
                let (inputs, policy_lists) = split_parts(
                    parts,
                    Rule::gate_input,
                    |p| self.param(p),
                    |p| children(p).map(|p| self.policy_ref(p)).collect::<Vec<_>>(),
                );
                let policies = policy_lists.into_iter().flatten().collect();
                ItemKind::Gate(GateDecl { inputs, policies })
            }
            Rule::waiver_item => ItemKind::Waiver(parts.map(|p| self.setting(p)).collect()),
            Rule::slo_item => ItemKind::Slo(parts.map(|p| self.setting(p)).collect()),
            Rule::connector_item => {
                let (actions, settings) =
                    split_parts(parts, Rule::connector_action, |p| self.action(p), |p| self.setting(p));
                ItemKind::Connector(ConnectorDecl { settings, actions })
            }
            Rule::workflow_item => {
                let params = parts.next_if(|p| p.as_rule() == Rule::params).map(|p| self.params(p));
                let steps = parts.map(|p| self.step(p)).collect();
                ItemKind::Workflow(WorkflowDecl { params, steps })
            }
            Rule::context_item => ItemKind::Context(parts.next().map(|p| self.fields(p).0).unwrap_or_default()),
            Rule::flag_item => {
                let ty = self.type_or_error(parts.next(), span);
                let (settings, rules) = split_parts(parts, Rule::setting, |p| self.setting(p), |p| self.flag_rule(p));
                ItemKind::Flag(FlagDecl { ty, rules, settings })
            }
            Rule::environments_item => ItemKind::Environments(parts.map(|p| self.ident(&p)).collect()),
            Rule::config_item => {
                let (envs, fields) = split_parts(parts, Rule::env_block, |p| self.env_block(p), |p| self.field(p));
                ItemKind::Config(ConfigDecl { fields, envs })
            }
            Rule::test_item => ItemKind::Test(parts.map(|p| self.test_stmt(p)).collect()),
            _ => return None,
        };
        Some(Item { name, kind, span, docs })
    }

    fn source_origin(&self, pair: Pair<'_, Rule>) -> SourceOrigin {
        let span = self.span(&pair);
        match pair.into_inner().next() {
            Some(p) if p.as_rule() == Rule::plain_string => SourceOrigin::Files {
                pattern: self.plain_string(p),
                span,
            },
            _ => SourceOrigin::Input(span),
        }
    }

    /// The fields of a record or entity, and the span of a trailing `...`.
    pub(super) fn fields(&self, pair: Pair<'_, Rule>) -> (Vec<Field>, Option<Span>) {
        let mut fields = Vec::new();
        let mut open = None;
        for part in children(pair) {
            match part.as_rule() {
                Rule::open_fields => open = Some(self.span(&part)),
                _ => fields.push(self.field(part)),
            }
        }
        (fields, open)
    }

    pub(super) fn field(&self, pair: Pair<'_, Rule>) -> Field {
        let span = self.span(&pair);
        let docs = self.docs_before(span);
        let mut field = Field {
            name: Ident { name: "".into(), span },
            key: None,
            ty: TypeExpr {
                kind: TypeExprKind::Error,
                span,
            },
            default: None,
            constraint: None,
            span,
            docs,
        };
        for part in children(pair) {
            match part.as_rule() {
                Rule::key_marker => field.key = Some(self.span(&part)),
                Rule::field_name => field.name = self.ident(&part),
                Rule::type_expr => field.ty = self.type_expr(part),
                Rule::field_default => field.default = Some(self.first_expr(part)),
                Rule::field_where => field.constraint = Some(self.first_expr(part)),
                _ => {}
            }
        }
        field
    }

    pub(super) fn params(&self, pair: Pair<'_, Rule>) -> Vec<Param> {
        children(pair).map(|p| self.param(p)).collect()
    }

    fn param(&self, pair: Pair<'_, Rule>) -> Param {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = parts
            .next()
            .map(|p| self.ident(&p))
            .unwrap_or_else(|| self.error_ident(span));
        let ty = self.type_or_error(parts.next(), span);
        let default = parts.next().map(|p| self.expr(p));
        Param {
            name,
            ty,
            default,
            span,
        }
    }

    fn policy_stmt(&self, pair: Pair<'_, Rule>) -> PolicyStmt {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::level_stmt => PolicyStmt::Level(
                children(pair)
                    .next()
                    .map(|p| self.ident(&p))
                    .unwrap_or_else(|| self.error_ident(span)),
            ),
            Rule::let_stmt => PolicyStmt::Let(self.let_stmt(pair)),
            Rule::for_stmt => {
                let mut parts = children(pair);
                let var = parts
                    .next()
                    .map(|p| self.ident(&p))
                    .unwrap_or_else(|| self.error_ident(span));
                let collection = self.expr_or_error(parts.next(), span);
                let filter = parts.next().map(|p| self.first_expr(p));
                PolicyStmt::For(ForStmt {
                    var,
                    collection,
                    filter,
                    span,
                })
            }
            rule => {
                let kind = match rule {
                    Rule::deny_rule => RuleKind::Deny,
                    Rule::warn_rule => RuleKind::Warn,
                    _ => RuleKind::Require,
                };
                let mut parts = children(pair);
                let condition = self.expr_or_error(parts.next(), span);
                let message = parts.next().map(|p| self.first_expr(p));
                PolicyStmt::Rule(PolicyRule {
                    kind,
                    condition,
                    message,
                    span,
                })
            }
        }
    }

    pub(super) fn let_stmt(&self, pair: Pair<'_, Rule>) -> LetStmt {
        let span = self.span(&pair);
        let mut parts = children(pair).peekable();
        let name = parts
            .next()
            .map(|p| self.ident(&p))
            .unwrap_or_else(|| self.error_ident(span));
        let ty = parts
            .next_if(|p| p.as_rule() == Rule::type_expr)
            .map(|p| self.type_expr(p));
        let value = self.expr_or_error(parts.next(), span);
        LetStmt { name, ty, value, span }
    }

    fn policy_ref(&self, pair: Pair<'_, Rule>) -> PolicyRef {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = parts
            .next()
            .map(|p| self.ident(&p))
            .unwrap_or_else(|| self.error_ident(span));
        let args = parts.next().map(|p| self.call_args(p));
        PolicyRef { name, args, span }
    }

    fn setting(&self, pair: Pair<'_, Rule>) -> Setting {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = parts
            .next()
            .map(|p| self.ident(&p))
            .unwrap_or_else(|| self.error_ident(span));
        let value = self.expr_or_error(parts.next(), span);
        Setting { name, value, span }
    }

    fn action(&self, pair: Pair<'_, Rule>) -> Action {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = parts
            .next()
            .map(|p| self.ident(&p))
            .unwrap_or_else(|| self.error_ident(span));
        let params = parts.next().map(|p| self.params(p)).unwrap_or_default();
        let returns = parts.next().map(|p| self.type_expr(p));
        Action {
            name,
            params,
            returns,
            span,
        }
    }

    fn step(&self, pair: Pair<'_, Rule>) -> Step {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = parts
            .next()
            .map(|p| self.ident(&p))
            .unwrap_or_else(|| self.error_ident(span));
        let call = self.expr_or_error(parts.next(), span);
        let mut step = Step {
            name,
            call,
            when: None,
            retry: None,
            timeout: None,
            always: None,
            after: Vec::new(),
            span,
        };
        for modifier in parts {
            let modifier_span = self.span(&modifier);
            let rule = modifier.as_rule();
            let already = match rule {
                Rule::step_when => step.when.replace(self.first_expr(modifier)).is_some(),
                Rule::step_timeout => step.timeout.replace(self.first_expr(modifier)).is_some(),
                Rule::step_always => step.always.replace(modifier_span).is_some(),
                Rule::step_retry => {
                    let mut retry_parts = children(modifier);
                    let attempts = self.expr_or_error(retry_parts.next(), modifier_span);
                    let backoff = retry_parts.next().map(|p| self.first_expr(p));
                    step.retry
                        .replace(Retry {
                            attempts,
                            backoff,
                            span: modifier_span,
                        })
                        .is_some()
                }
                _ => {
                    step.after.extend(children(modifier).map(|p| self.ident(&p)));
                    false
                }
            };
            if already {
                let word = match rule {
                    Rule::step_when => "when",
                    Rule::step_timeout => "timeout",
                    Rule::step_always => "always",
                    _ => "retry",
                };
                self.report(
                    Diagnostic::new(
                        Code::RepeatedClause,
                        format!("step `{}` has `{word}` twice", step.name.name),
                    )
                    .at(modifier_span, format!("second `{word}`"))
                    .with_help(format!("keep one `{word}`; the last one written would win")),
                );
            }
        }
        step
    }

    fn flag_rule(&self, pair: Pair<'_, Rule>) -> FlagRule {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut parts = children(pair);
        match rule {
            Rule::flag_when => FlagRule::When {
                condition: self.expr_or_error(parts.next(), span),
                value: self.expr_or_error(parts.next(), span),
                span,
            },
            Rule::flag_rollout => FlagRule::Rollout {
                share: self.expr_or_error(parts.next(), span),
                value: self.expr_or_error(parts.next(), span),
                by: self.expr_or_error(parts.next(), span),
                span,
            },
            _ => {
                let by = self.expr_or_error(parts.next(), span);
                let arms = parts
                    .map(|arm| {
                        let arm_span = self.span(&arm);
                        let mut arm_parts = children(arm);
                        (
                            self.expr_or_error(arm_parts.next(), arm_span),
                            self.expr_or_error(arm_parts.next(), arm_span),
                        )
                    })
                    .collect();
                FlagRule::Split { by, arms, span }
            }
        }
    }

    fn env_block(&self, pair: Pair<'_, Rule>) -> EnvBlock {
        let span = self.span(&pair);
        let mut parts = children(pair);
        let name = parts
            .next()
            .map(|p| self.ident(&p))
            .unwrap_or_else(|| self.error_ident(span));
        let overrides = parts
            .map(|o| {
                let o_span = self.span(&o);
                let mut o_parts = children(o);
                let path = o_parts.next().map(|p| self.field_path(p)).unwrap_or_default();
                let value = self.expr_or_error(o_parts.next(), o_span);
                Override {
                    path,
                    value,
                    span: o_span,
                }
            })
            .collect();
        EnvBlock { name, overrides, span }
    }

    fn field_path(&self, pair: Pair<'_, Rule>) -> Vec<Ident> {
        children(pair).map(|p| self.ident(&p)).collect()
    }

    fn test_stmt(&self, pair: Pair<'_, Rule>) -> TestStmt {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::let_stmt => TestStmt::Let(self.let_stmt(pair)),
            Rule::test_expect => TestStmt::Expect(self.first_expr(pair)),
            Rule::test_mock => {
                let mut parts = children(pair);
                let path = parts.next().map(|p| self.field_path(p)).unwrap_or_default();
                let value = self.expr_or_error(parts.next(), span);
                TestStmt::Mock { path, value, span }
            }
            _ => {
                let mut parts = children(pair);
                let name = parts
                    .next()
                    .map(|p| self.ident(&p))
                    .unwrap_or_else(|| self.error_ident(span));
                let value = self.expr_or_error(parts.next(), span);
                TestStmt::Given { name, value, span }
            }
        }
    }

    pub(super) fn error_ident(&self, span: Span) -> Ident {
        Ident { name: "".into(), span }
    }
}

/// An item's parts in two lists: those of `rule` lowered by `matched`, the others by
/// `other`, each in source order. (Blocks whose statements of two kinds may interleave.)
fn split_parts<'i, A, B>(
    parts: impl Iterator<Item = Pair<'i, Rule>>,
    rule: Rule,
    matched: impl Fn(Pair<'i, Rule>) -> A,
    other: impl Fn(Pair<'i, Rule>) -> B,
) -> (Vec<A>, Vec<B>) {
    let (mut left, mut right) = (Vec::new(), Vec::new());
    for part in parts {
        if part.as_rule() == rule {
            left.push(matched(part));
        } else {
            right.push(other(part));
        }
    }
    (left, right)
}
