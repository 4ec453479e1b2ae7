//! Environments and configs: the `environments [...]` list, and each `config` item's
//! fields (defaults, `where` constraints) and `env` blocks, whose overrides must name a
//! declared environment, an existing dotted path and a value of the field's type.
//!
//! Whether a constant value satisfies its constraint is decided after checking, by the
//! evaluator (`eval::config::check_constants`): the checker does not evaluate.

use std::sync::Arc;

use super::Checker;
use super::assign::assignable;
use super::scope::Frame;
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::{self, ConfigBody, ConfigDef, ConfigEnv, ConfigLeaf, ConfigNode, ConfigOverride, ConfigValue};
use crate::source::Span;
use crate::syntax::ast::{self, ItemKind, TypeExprKind};

/// The name the `environments` item is registered under.
const ENVIRONMENTS: &str = "environments";

impl Checker<'_> {
    /// The `environments` list: each name once.
    pub(super) fn check_environments(&mut self) {
        for item in self.environment_items.clone() {
            let ItemKind::Environments(names) = &item.kind else {
                continue;
            };
            for name in names {
                if let Some(first) = self.program.environments.iter().find(|e| e.name == name.name) {
                    let first = first.span;
                    self.report(
                        Diagnostic::new(
                            Code::DuplicateDefinition,
                            format!("environment `{}` is listed twice", name.name),
                        )
                        .at(name.span, "listed again here")
                        .with_label(first, "first listed here")
                        .with_help("remove the repeated name"),
                    );
                    continue;
                }
                self.program.environments.push(ir::EnvironmentDef {
                    name: name.name.clone(),
                    span: name.span,
                });
            }
        }
    }

    /// Every `config` item, into [`ir::Program::configs`] in id order.
    pub(super) fn check_configs(&mut self) {
        for item in self.config_items.clone() {
            let ItemKind::Config(decl) = &item.kind else {
                continue;
            };
            let def = self.config(item, decl);
            self.program.configs.push(def);
        }
    }

    fn config(&mut self, item: &ast::Item, decl: &ast::ConfigDecl) -> ConfigDef {
        let mut leaves = Vec::new();
        let fields = self.config_nodes(&decl.fields, "", &mut leaves);
        let mut envs: Vec<ConfigEnv> = Vec::new();
        let mut blocks: Vec<(Arc<str>, Span)> = Vec::new();
        for block in &decl.envs {
            let declared = self.environment_is_declared(&block.name);
            let repeated = blocks
                .iter()
                .find(|(name, _)| *name == block.name.name)
                .map(|(_, s)| *s);
            if let Some(first) = repeated {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        format!(
                            "`env {}` is given twice in config `{}`",
                            block.name.name, item.name.name
                        ),
                    )
                    .at(block.name.span, "given again here")
                    .with_label(first, "first given here")
                    .with_help("put all of an environment's overrides in one `env` block"),
                );
            }
            blocks.push((block.name.name.clone(), block.name.span));
            let overrides = self.config_overrides(&item.name.name, block, &fields, &leaves);
            if declared && repeated.is_none() {
                envs.push(ConfigEnv {
                    name: block.name.name.clone(),
                    overrides,
                    span: block.name.span,
                });
            }
        }
        self.report_unset_leaves(&leaves, &envs);
        ConfigDef {
            name: item.name.name.clone(),
            fields,
            leaves,
            envs,
            span: item.name.span,
        }
    }

    /// The fields of a config or of one of its groups. A field written `name: { … }`
    /// with neither default nor constraint is a group; every other field holds a value.
    fn config_nodes(&mut self, fields: &[ast::Field], prefix: &str, leaves: &mut Vec<ConfigLeaf>) -> Vec<ConfigNode> {
        let mut nodes: Vec<ConfigNode> = Vec::with_capacity(fields.len());
        let mut spans: Vec<Span> = Vec::with_capacity(fields.len());
        for field in fields {
            let name = &field.name;
            if name.name.is_empty() {
                continue;
            }
            if let Some(first) = nodes
                .iter()
                .zip(&spans)
                .find(|(n, _)| n.name == name.name)
                .map(|(_, s)| *s)
            {
                self.report(
                    Diagnostic::new(
                        Code::DuplicateDefinition,
                        format!("field `{}` is declared twice", name.name),
                    )
                    .at(name.span, "declared again here")
                    .with_label(first, "first declared here"),
                );
                continue;
            }
            let path = if prefix.is_empty() {
                name.name.to_string()
            } else {
                format!("{prefix}.{}", name.name)
            };
            let body = match (&field.ty.kind, &field.default, &field.constraint) {
                (
                    TypeExprKind::Record {
                        fields: inner,
                        open: false,
                    },
                    None,
                    None,
                ) => ConfigBody::Group(self.config_nodes(inner, &path, leaves)),
                _ => {
                    let leaf = self.config_leaf(field, path);
                    leaves.push(leaf);
                    ConfigBody::Leaf(leaves.len().saturating_sub(1))
                }
            };
            nodes.push(ConfigNode {
                name: name.name.clone(),
                body,
            });
            spans.push(name.span);
        }
        nodes
    }

    fn config_leaf(&mut self, field: &ast::Field, path: String) -> ConfigLeaf {
        let ty = self.resolve_type(&field.ty);
        let default = field.default.as_ref().map(|d| {
            let mut frame = Frame::new();
            let saved_owner = self.owner.take();
            let expr = self.check_expr(d, &mut frame, &ty);
            self.owner = saved_owner;
            self.config_value(expr, &frame)
        });
        let constraint = field
            .constraint
            .as_ref()
            .map(|c| self.where_constraint(c, &ty, field.name.span));
        ConfigLeaf {
            path: Arc::from(path),
            ty,
            default,
            constraint,
            span: field.name.span,
        }
    }

    fn config_value(&self, expr: ir::Expr, frame: &Frame) -> ConfigValue {
        let constant = if expr.ty.is_error() {
            None
        } else {
            self.fold_constant(&expr)
        };
        ConfigValue {
            expr,
            locals: frame.size(),
            constant,
        }
    }

    /// Whether an `env` block names a declared environment; reports it when not.
    fn environment_is_declared(&mut self, name: &ast::Ident) -> bool {
        if self.program.environments.iter().any(|e| e.name == name.name) {
            return true;
        }
        if self.broken.contains(ENVIRONMENTS) {
            return false;
        }
        if self.environment_items.is_empty() {
            self.report(
                Diagnostic::new(
                    Code::NoEnvironments,
                    format!(
                        "`env {}` overrides values, but the project declares no environments",
                        name.name
                    ),
                )
                .at(name.span, "no `environments` list names this")
                .with_help(format!(
                    "declare the project's environments once, in any file: `environments [{}]`",
                    name.name
                )),
            );
            return false;
        }
        let names: Vec<&str> = self.program.environments.iter().map(|e| &*e.name).collect();
        let help = did_you_mean(&name.name, names.iter().copied()).unwrap_or_else(|| {
            if names.is_empty() {
                "the `environments` list is empty: add this environment to it".to_string()
            } else {
                format!("the environments are {}", listing(&names))
            }
        });
        self.report(
            Diagnostic::new(Code::UnknownEnvironment, format!("unknown environment `{}`", name.name))
                .at(name.span, "not in the `environments` list")
                .with_help(help),
        );
        false
    }

    /// The overrides of one `env` block whose paths name a field; each value checked
    /// against its field's type, and each path set once.
    fn config_overrides(
        &mut self,
        config: &str,
        block: &ast::EnvBlock,
        nodes: &[ConfigNode],
        leaves: &[ConfigLeaf],
    ) -> Vec<ConfigOverride> {
        let mut overrides: Vec<ConfigOverride> = Vec::new();
        let mut path_spans: Vec<Span> = Vec::new();
        for written in &block.overrides {
            let Some(leaf_index) = self.config_path(config, &written.path, nodes, leaves) else {
                // The value is still checked, for its own mistakes.
                let mut frame = Frame::new();
                self.infer(&written.value, &mut frame, None);
                continue;
            };
            let Some(leaf) = leaves.get(leaf_index) else {
                continue;
            };
            let path_span = path_span(&written.path).unwrap_or(written.span);
            if let Some(first) = overrides
                .iter()
                .zip(&path_spans)
                .find(|(o, _)| o.leaf == leaf_index)
                .map(|(_, s)| *s)
            {
                self.report(
                    Diagnostic::new(
                        Code::OverrideGivenTwice,
                        format!("`{}` is set twice in `env {}`", leaf.path, block.name.name),
                    )
                    .at(path_span, "set again here")
                    .with_label(first, "first set here")
                    .with_help("keep one of the two"),
                );
                continue;
            }
            let value = self.override_value(&written.value, leaf);
            overrides.push(ConfigOverride {
                leaf: leaf_index,
                value,
                span: written.span,
            });
            path_spans.push(path_span);
        }
        overrides
    }

    /// The leaf a dotted path names, or why it names none.
    fn config_path(
        &mut self,
        config: &str,
        path: &[ast::Ident],
        nodes: &[ConfigNode],
        leaves: &[ConfigLeaf],
    ) -> Option<usize> {
        let mut level = nodes;
        let mut walked: Vec<&str> = Vec::new();
        for (depth, segment) in path.iter().enumerate() {
            let Some(node) = level.iter().find(|n| n.name == segment.name) else {
                self.unknown_config_field(config, &walked, segment, level);
                return None;
            };
            walked.push(&node.name);
            match &node.body {
                ConfigBody::Group(children) => {
                    if depth + 1 == path.len() {
                        let example = children.first().map(|c| &*c.name).unwrap_or("field");
                        let group = walked.join(".");
                        self.report(
                            Diagnostic::new(
                                Code::UnknownConfigPath,
                                format!("`{group}` is a group of fields, not a value"),
                            )
                            .at(segment.span, "a group of fields")
                            .with_help(format!("set its fields one by one: `{group}.{example} = …`")),
                        );
                        return None;
                    }
                    level = children;
                }
                ConfigBody::Leaf(index) => {
                    if let Some(next) = path.get(depth + 1) {
                        let ty = leaves.get(*index).map(|l| self.display(&l.ty)).unwrap_or_default();
                        let field = walked.join(".");
                        self.report(
                            Diagnostic::new(
                                Code::UnknownConfigPath,
                                format!("`{field}` is a value of type `{ty}`: it has no field `{}`", next.name),
                            )
                            .at(next.span, "no field of this name")
                            .with_help(format!("set `{field}` as a whole: `{field} = …`")),
                        );
                        return None;
                    }
                    return Some(*index);
                }
            }
        }
        None
    }

    fn unknown_config_field(&mut self, config: &str, walked: &[&str], segment: &ast::Ident, level: &[ConfigNode]) {
        let names: Vec<&str> = level.iter().map(|n| &*n.name).collect();
        let owner = if walked.is_empty() {
            format!("config `{config}`")
        } else {
            format!("`{}`", walked.join("."))
        };
        let help = did_you_mean(&segment.name, names.iter().copied()).unwrap_or_else(|| {
            if names.is_empty() {
                format!("{owner} has no fields")
            } else {
                format!("the fields of {owner} are {}", listing(&names))
            }
        });
        self.report(
            Diagnostic::new(
                Code::UnknownConfigPath,
                format!("{owner} has no field `{}`", segment.name),
            )
            .at(segment.span, "unknown field")
            .with_help(help),
        );
    }

    /// An override's value, checked against its field's type: a mismatch names the
    /// field and shows where its type is declared.
    fn override_value(&mut self, value: &ast::Expr, leaf: &ConfigLeaf) -> ConfigValue {
        let mut frame = Frame::new();
        let saved_owner = self.owner.take();
        let inferred = self.infer(value, &mut frame, Some(&leaf.ty));
        let expr = if inferred.ty.is_error() || assignable(&self.program, &inferred.ty, &leaf.ty) {
            self.coerce(inferred, &leaf.ty)
        } else {
            let want = self.display(&leaf.ty);
            let found = self.display(&inferred.ty);
            self.report(
                Diagnostic::new(
                    Code::TypeMismatch,
                    format!("`{}` is a `{want}`, but this value is a `{found}`", leaf.path),
                )
                .at(value.span, format!("this is `{found}`"))
                .with_label(leaf.span, format!("declared `{want}` here"))
                .with_help(format!("give a `{want}` value, or change the field's type")),
            );
            ir::Expr::error(value.span)
        };
        self.owner = saved_owner;
        self.config_value(expr, &frame)
    }

    /// A field without a default must be set by every environment: otherwise some
    /// environment's document would lack it. An optional field defaults to `null`.
    fn report_unset_leaves(&mut self, leaves: &[ConfigLeaf], envs: &[ConfigEnv]) {
        if self.broken.contains(ENVIRONMENTS) {
            return;
        }
        for (index, leaf) in leaves.iter().enumerate() {
            if leaf.default.is_some() || leaf.ty.is_optional() || leaf.ty.is_unconstrained() {
                continue;
            }
            let unset: Vec<&str> = self
                .program
                .environments
                .iter()
                .filter(|e| {
                    !envs
                        .iter()
                        .any(|b| b.name == e.name && b.overrides.iter().any(|o| o.leaf == index))
                })
                .map(|e| &*e.name)
                .collect();
            let ty = self.display(&leaf.ty);
            let diagnostic = if self.program.environments.is_empty() {
                Diagnostic::new(Code::ConfigValueMissing, format!("`{}` has no value", leaf.path))
                    .at(leaf.span, "no default, and no environment to set it")
                    .with_help(format!("give it a default: `{}: {ty} = …`", last_segment(&leaf.path)))
            } else if unset.is_empty() {
                continue;
            } else {
                let (noun, verb) = if unset.len() == 1 {
                    ("environment", "does")
                } else {
                    ("environments", "do")
                };
                let first = unset.first().copied().unwrap_or_default();
                Diagnostic::new(
                    Code::ConfigValueMissing,
                    format!(
                        "`{}` has no default, and {noun} {} {verb} not set it",
                        leaf.path,
                        listing(&unset)
                    ),
                )
                .at(leaf.span, "no default")
                .with_help(format!(
                    "give it a default (`= …`), or set it in every environment: `env {first} {{ {} = … }}`",
                    leaf.path
                ))
            };
            self.report(diagnostic);
        }
    }
}

/// From the first segment of a dotted path to its last.
fn path_span(path: &[ast::Ident]) -> Option<Span> {
    let first = path.first()?;
    let last = path.last()?;
    Some(Span::new(
        first.span.file,
        first.span.start as usize,
        last.span.end as usize,
    ))
}

fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// `` `a`, `b`, `c` ``.
fn listing(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}
