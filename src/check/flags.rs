//! The evaluation context and feature flags: settings, rules and shares, checked against
//! the flag's type and the `context` declaration, and calls of flags in expressions.

use std::sync::Arc;

use super::expr::{ParamSig, shorten, typed};
use super::scope::Frame;
use super::{Checker, Owner};
use crate::bucket;
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::{self, ExprKind, FlagId, FlagVariant, Type, Value};
use crate::source::Span;
use crate::syntax::ast::{self, ItemKind, Literal};

/// The settings a flag accepts.
const FLAG_SETTINGS: [&str; 4] = ["default", "enabled", "key", "salt"];

/// The name by which a flag's rules read the context.
const CONTEXT: &str = "context";

/// A whole split, in bucket weight units (hundredths of a percent).
const WHOLE: u32 = 100 * bucket::WEIGHT_PER_PERCENT;

impl<'a> Checker<'a> {
    /// The context's type and every flag's type, before any body is checked, so that
    /// functions and policies can call flags.
    pub(super) fn declare_flags(&mut self) {
        if let Some(item) = self.context_item
            && let ItemKind::Context(fields) = &item.kind
        {
            let record = ast::TypeExpr {
                kind: ast::TypeExprKind::Record {
                    fields: fields.clone(),
                    open: false,
                },
                span: item.span,
            };
            let ty = self.resolve_type(&record);
            self.program.context = Some(ir::ContextDef {
                ty,
                span: item.name.span,
            });
        }
        for item in self.flag_items.clone() {
            let ItemKind::Flag(decl) = &item.kind else {
                continue;
            };
            let ty = self.resolve_type(&decl.ty);
            self.program.flags.push(ir::FlagDef {
                name: item.name.name.clone(),
                key: item.name.name.clone(),
                seed: item.name.name.clone(),
                ty,
                default: FlagVariant::of(Value::Null),
                enabled: true,
                rules: Vec::new(),
                locals: 0,
                span: item.name.span,
                docs: item.docs.clone(),
            });
        }
    }

    /// Every flag's settings and rules, then that no two flags share an external key.
    pub(super) fn check_flags(&mut self) {
        let mut keys: Vec<(Arc<str>, Span)> = Vec::new();
        for (index, item) in self.flag_items.clone().into_iter().enumerate() {
            let ItemKind::Flag(decl) = &item.kind else {
                continue;
            };
            let id = FlagId(u32::try_from(index).unwrap_or(u32::MAX));
            let Some(ty) = self.program.flags.get(index).map(|f| f.ty.clone()) else {
                continue;
            };
            let settings = self.flag_settings(item, &decl.settings, &ty);
            let saved_owner = self.owner.replace(Owner::Flag(id));
            let mut frame = Frame::new();
            if let Some(context) = &self.program.context {
                frame.declare(Arc::from(CONTEXT), context.ty.clone(), context.span);
            }
            let rules: Vec<ir::FlagRule> = decl
                .rules
                .iter()
                .filter_map(|rule| self.flag_rule(rule, &ty, &mut frame))
                .collect();
            self.owner = saved_owner;
            self.claim_key(&mut keys, &settings, item);
            if let Some(def) = self.program.flags.get_mut(index) {
                def.seed = settings.salt.clone().unwrap_or_else(|| settings.key.0.clone());
                def.key = settings.key.0;
                def.enabled = settings.enabled;
                if let Some(default) = settings.default {
                    def.default = FlagVariant::of(default);
                }
                def.rules = rules;
                def.locals = frame.size().max(1);
            }
        }
        for (index, (key, _)) in keys.into_iter().enumerate() {
            let id = FlagId(u32::try_from(index).unwrap_or(u32::MAX));
            self.program.flag_keys.entry(key).or_insert(id);
        }
    }

    /// Records a flag's external key, or reports the flag that already has it.
    fn claim_key(&mut self, keys: &mut Vec<(Arc<str>, Span)>, settings: &FlagSettings, item: &ast::Item) {
        let (key, span) = &settings.key;
        if let Some((_, first)) = keys.iter().find(|(k, _)| k == key) {
            self.report(
                Diagnostic::new(
                    Code::DuplicateFlagKey,
                    format!("two flags have the external key `{key}`"),
                )
                .at(*span, format!("flag `{}` has this key", item.name.name))
                .with_label(*first, "and so does this flag")
                .with_help("services ask for flags by key: give one of them another `key \"…\"`"),
            );
        }
        // Pushed even when taken, so that ids stay in declaration order.
        keys.push((key.clone(), *span));
    }

    /// `default`, `enabled`, `key` and `salt`, each a constant.
    fn flag_settings(&mut self, item: &ast::Item, settings: &[ast::Setting], ty: &Type) -> FlagSettings {
        let mut out = FlagSettings {
            default: None,
            enabled: true,
            key: (item.name.name.clone(), item.name.span),
            salt: None,
        };
        let mut seen: Vec<&ast::Setting> = Vec::new();
        for setting in settings {
            let name = &*setting.name.name;
            if let Some(first) = seen.iter().find(|s| s.name.name == setting.name.name) {
                self.report(
                    Diagnostic::new(Code::RepeatedClause, format!("`{name}` is set twice"))
                        .at(setting.name.span, "set again here")
                        .with_label(first.name.span, "first set here")
                        .with_help("a flag has one of each setting: remove one"),
                );
                continue;
            }
            seen.push(setting);
            match name {
                "default" => out.default = self.flag_constant(&setting.value, ty),
                "enabled" => {
                    if let Some(Value::Bool(enabled)) = self.flag_constant(&setting.value, &Type::Bool) {
                        out.enabled = enabled;
                    }
                }
                "key" => {
                    if let Some(key) = self.flag_text(&setting.value, "key") {
                        out.key = (key, setting.value.span);
                    }
                }
                "salt" => out.salt = self.flag_text(&setting.value, "salt"),
                other => {
                    let help = did_you_mean(other, FLAG_SETTINGS);
                    self.report(
                        Diagnostic::new(Code::UnknownSetting, format!("flags have no setting `{other}`"))
                            .at(setting.name.span, "unknown setting")
                            .with_help(help.unwrap_or_else(|| {
                                "a flag has `default`, `enabled`, `key` and `salt`, and rules: `when … => …`, \
                                 `rollout P% => … by …`, `split by … { … }`"
                                    .to_string()
                            })),
                    );
                }
            }
        }
        if !seen.iter().any(|s| &*s.name.name == "default") {
            self.report(
                Diagnostic::new(
                    Code::FlagWithoutDefault,
                    format!("flag `{}` has no default", item.name.name),
                )
                .at(item.name.span, "what does it serve when no rule matches?")
                .with_help(format!(
                    "add `default …`, a `{}`: it is served when no rule matches, when the flag is disabled and \
                     when a rule fails",
                    self.display(ty)
                )),
            );
        }
        out
    }

    /// A non-empty constant string: a flag's `key` or `salt`.
    fn flag_text(&mut self, expr: &ast::Expr, setting: &str) -> Option<Arc<str>> {
        match self.flag_constant(expr, &Type::String)? {
            Value::Str(text) if !text.is_empty() => Some(text),
            _ => {
                self.report(
                    Diagnostic::new(Code::InvalidLiteral, format!("a flag's `{setting}` cannot be empty"))
                        .at(expr.span, "empty")
                        .with_help(format!(
                            "give a `{setting}` such as `\"new-ai-model\"`, or leave it out"
                        )),
                );
                None
            }
        }
    }

    /// A value a flag serves or a setting: a constant of `ty`, known before any
    /// evaluation, as a variant must be.
    fn flag_constant(&mut self, expr: &ast::Expr, ty: &Type) -> Option<Value> {
        self.flag_constant_in(expr, ty, &mut Frame::new())
    }

    /// A constant written among rules, where `context` is in scope (and not constant).
    fn flag_constant_in(&mut self, expr: &ast::Expr, ty: &Type, frame: &mut Frame) -> Option<Value> {
        let value = self.check_expr(expr, frame, ty);
        if value.ty.is_error() {
            return None;
        }
        let folded = self.fold_constant(&value);
        if folded.is_none() {
            self.report(
                Diagnostic::new(Code::NotConstant, "a flag's values and settings must be constants")
                    .at(expr.span, "computed at run time")
                    .with_help(
                        "write the value itself (a literal, a list or a record of literals); rules choose among \
                         fixed values",
                    ),
            );
        }
        folded
    }

    fn flag_rule(&mut self, rule: &ast::FlagRule, ty: &Type, frame: &mut Frame) -> Option<ir::FlagRule> {
        match rule {
            ast::FlagRule::When { condition, value, span } => {
                let mut condition = self.check_expr(condition, frame, &Type::Bool);
                self.share_literals(&mut condition);
                let value = self.flag_constant_in(value, ty, frame)?;
                Some(ir::FlagRule::When {
                    condition,
                    variant: FlagVariant::of(value),
                    span: *span,
                })
            }
            ast::FlagRule::Rollout { share, value, by, span } => {
                let weight = self.share(share);
                let value = self.flag_constant_in(value, ty, frame);
                let by = self.bucketing_key(by, frame);
                let weight = weight?;
                Some(ir::FlagRule::Rollout {
                    weights: [(true, weight), (false, WHOLE - weight)],
                    variant: FlagVariant::of(value?),
                    by: by?,
                    span: *span,
                })
            }
            ast::FlagRule::Split { by, arms, span } => {
                let by = self.bucketing_key(by, frame);
                let arms = self.split_arms(arms, ty, *span, frame);
                Some(ir::FlagRule::Split {
                    by: by?,
                    arms: arms?,
                    span: *span,
                })
            }
        }
    }

    /// A split's arms: distinct values of the flag's type, shares adding up to 100 %.
    fn split_arms(
        &mut self,
        arms: &[(ast::Expr, ast::Expr)],
        ty: &Type,
        span: Span,
        frame: &mut Frame,
    ) -> Option<Vec<(FlagVariant, u32)>> {
        let mut out: Vec<(FlagVariant, u32, Span)> = Vec::new();
        let mut complete = true;
        for (value_expr, share) in arms {
            let value = self.flag_constant_in(value_expr, ty, frame);
            let weight = self.share(share);
            let (Some(value), Some(weight)) = (value, weight) else {
                complete = false;
                continue;
            };
            if let Some((_, _, first)) = out.iter().find(|(v, _, _)| v.value.equals(&value)) {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateVariant,
                        format!(
                            "`{}` is listed twice in this split",
                            shorten(self.source_text(value_expr.span))
                        ),
                    )
                    .at(value_expr.span, "listed again here")
                    .with_label(*first, "first listed here")
                    .with_help("give each variant one share: add the two shares up"),
                );
                complete = false;
                continue;
            }
            out.push((FlagVariant::of(value), weight, value_expr.span));
        }
        if !complete {
            return None;
        }
        let total: u32 = out.iter().map(|(_, w, _)| *w).sum();
        if total != WHOLE {
            let shown = percent_text(total);
            let (at, label) = match (arms.first(), arms.last()) {
                (Some((first, _)), Some((_, last))) => (first.span.to(last.span), format!("these add up to {shown}")),
                _ => (span, "no shares".to_string()),
            };
            self.report(
                Diagnostic::new(
                    Code::SplitNotWhole,
                    format!("the shares of this split add up to {shown}, not 100 %"),
                )
                .at(at, label)
                .with_help(
                    "every key gets exactly one variant of a split, so its shares add up to 100 %: to serve a \
                     variant to part of the keys only, use `rollout P% => value by …`",
                ),
            );
            return None;
        }
        Some(out.into_iter().map(|(v, w, _)| (v, w)).collect())
    }

    /// A share of keys: a percentage literal within 0–100 %, in hundredths of a percent.
    fn share(&mut self, expr: &ast::Expr) -> Option<u32> {
        let text = shorten(self.source_text(expr.span)).to_string();
        let ast::ExprKind::Literal(Literal::Percent(share)) = &expr.kind else {
            self.report(
                Diagnostic::new(Code::InvalidShare, format!("`{text}` is not a percentage"))
                    .at(expr.span, "expected a percentage literal")
                    .with_help("write the share as a percentage, such as `25%`"),
            );
            return None;
        };
        let weight = bucket::percent_weight(*share);
        if weight.is_none() {
            let why = if (0.0..=1.0).contains(share) {
                "finer than a hundredth of a percent"
            } else {
                "outside 0–100 %"
            };
            self.report(
                Diagnostic::new(
                    Code::InvalidShare,
                    format!("`{text}` is not a share of keys: it is {why}"),
                )
                .at(expr.span, why)
                .with_help("a share lies within 0–100 %, in steps of 0.01 %"),
            );
        }
        weight
    }

    /// A `by` expression: a string or an integer (or an optional one: a null key is an
    /// evaluation error, `TARGETING_KEY_MISSING`).
    fn bucketing_key(&mut self, by: &ast::Expr, frame: &mut Frame) -> Option<ir::Expr> {
        let key = self.infer(by, frame, None);
        match key.ty.strip_optional() {
            Type::String | Type::Int | Type::Enum(_) => Some(key),
            Type::Error => None,
            other => {
                let shown = self.display(other);
                self.report(
                    Diagnostic::new(
                        Code::InvalidBucketingKey,
                        format!("cannot bucket by a `{shown}`: keys are strings or integers"),
                    )
                    .at(by.span, format!("this is `{}`", self.display(&key.ty)))
                    .with_help(format!(
                        "bucket by an identifier such as `context.user.id`; flagd writes other values unlike \
                         cpl, so convert explicitly: `\"{{{}}}\"`",
                        shorten(self.source_text(by.span))
                    )),
                );
                None
            }
        }
    }

    /// Turns literal lists and records in a rule (`context.tenant.id in ["t1", "t2"]`)
    /// into constants, built once and shared by every evaluation: a service evaluates a
    /// flag per request, and building the list each time was most of the cost.
    fn share_literals(&self, expr: &mut ir::Expr) {
        match &mut expr.kind {
            ExprKind::List(_) | ExprKind::Record { .. } | ExprKind::Map(_) => {
                if let Some(value) = self.fold_constant(expr) {
                    expr.kind = ExprKind::Const(value);
                }
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                self.share_literals(lhs);
                self.share_literals(rhs);
            }
            ExprKind::Unary { operand, .. } | ExprKind::ToFloat(operand) => self.share_literals(operand),
            ExprKind::If {
                condition,
                then,
                otherwise,
            } => {
                self.share_literals(condition);
                self.share_literals(then);
                self.share_literals(otherwise);
            }
            ExprKind::Builtin { args, .. } => args.iter_mut().for_each(|arg| self.share_literals(arg)),
            _ => {}
        }
    }

    /// `flag_name(context)`: the flag's value in a context of the context's type.
    pub(super) fn flag_call(
        &mut self,
        id: FlagId,
        name: &ast::Ident,
        args: &[ast::Arg],
        frame: &mut Frame,
        span: Span,
    ) -> ir::Expr {
        let Some(ty) = self.program.flags.get(id.index()).map(|f| f.ty.clone()) else {
            return ir::Expr::error(span);
        };
        let params: Vec<ParamSig> = self
            .program
            .context
            .iter()
            .map(|context| ParamSig {
                name: Arc::from(CONTEXT),
                ty: context.ty.clone(),
                has_default: false,
            })
            .collect();
        let mut args = self.match_args(&name.name, &params, args, frame, span).into_iter();
        let context = match args.next() {
            Some(Some(context)) => context,
            Some(None) => return ir::Expr::error(span),
            // No context declared: the flag's rules cannot read one.
            None => typed(ExprKind::Const(Value::Null), Type::Null, span),
        };
        self.note_call(Owner::Flag(id), span);
        typed(
            ExprKind::CallFlag {
                flag: id,
                context: Box::new(context),
            },
            ty,
            span,
        )
    }

    /// `context` read where the project declares none.
    pub(super) fn no_context(&mut self, ident: &ast::Ident) -> ir::Expr {
        self.report(
            Diagnostic::new(Code::NoContext, "this project declares no `context`")
                .at(ident.span, "read here")
                .with_help("declare the type of what flags are evaluated in: `context { tenant: { id: string } }`"),
        );
        ir::Expr::error(ident.span)
    }

    pub(super) fn is_context_name(name: &str) -> bool {
        name == CONTEXT
    }
}

/// What a flag's settings say.
struct FlagSettings {
    default: Option<Value>,
    enabled: bool,
    /// The external key, and where it is written (the flag's name when there is no `key`).
    key: (Arc<str>, Span),
    salt: Option<Arc<str>>,
}

/// Hundredths of a percent as a percentage: `9000` is `90 %`, `3333` is `33.33 %`.
fn percent_text(weight: u32) -> String {
    let whole = weight / bucket::WEIGHT_PER_PERCENT;
    let rest = weight % bucket::WEIGHT_PER_PERCENT;
    if rest == 0 {
        format!("{whole} %")
    } else {
        format!("{whole}.{rest:02} %")
    }
}
