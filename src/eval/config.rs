//! Configs resolved for an environment: the defaults, overlaid by the environment's
//! overrides, each value checked against its field's `where` constraint. A document is
//! produced whole or not at all: any value that fails is a diagnostic at the default or
//! override that gave it, and no partial document is returned.
//!
//! [`check_constants`] runs the same constraint check at check time on every value the
//! checker could fold to a constant, so a wrong constant fails `cpl check`, not only the
//! command that resolves its environment.

use super::env::{Env, FixedHost};
use super::expr::new_frame;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{
    Builtin, ConfigBody, ConfigDef, ConfigLeaf, ConfigNode, ConfigValue, Constraint, ConstraintEval, ExprKind, Program,
    Reach, Value, Visit,
};
use crate::source::SourceMap;

/// Where a value of a resolved config came from, for messages.
#[derive(Clone, Copy)]
enum Origin<'a> {
    Default,
    Override(&'a str),
}

/// The document of `config` in `environment` (`None`: the defaults alone), as JSON in
/// declaration order, secrets shown as `***` unless `reveal`; or every problem met.
pub fn resolve(
    env: &Env<'_>,
    config: &ConfigDef,
    environment: Option<&str>,
    reveal: bool,
) -> Result<serde_json::Value, Vec<Diagnostic>> {
    let block = environment.and_then(|name| config.env(name));
    let mut values: Vec<Value> = Vec::with_capacity(config.leaves.len());
    let mut problems = Vec::new();
    for (index, leaf) in config.leaves.iter().enumerate() {
        let chosen = block.and_then(|b| b.overrides.iter().find(|o| o.leaf == index));
        let (value, origin) = match (chosen, &leaf.default, block) {
            (Some(o), _, Some(b)) => (&o.value, Origin::Override(&b.name)),
            (_, Some(default), _) => (default, Origin::Default),
            _ if leaf.ty.is_optional() => {
                values.push(Value::Null);
                continue;
            }
            _ => {
                problems.push(unset(config, leaf, environment));
                continue;
            }
        };
        match evaluate(env, value) {
            Ok(resolved) => {
                if let Some(problem) = constraint_problem(env, leaf, value, &resolved, origin) {
                    problems.push(problem);
                }
                values.push(resolved);
            }
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(document(&config.fields, &values, reveal))
}

fn evaluate(env: &Env<'_>, value: &ConfigValue) -> Result<Value, Diagnostic> {
    if let Some(constant) = &value.constant {
        return Ok(constant.clone());
    }
    let mut frame = new_frame(value.locals);
    env.eval(&value.expr, &mut frame).map_err(|e| e.to_diagnostic())
}

/// A field without a value: the checker requires one in every declared environment, so
/// this is reached only when no environment was chosen; it is said, never skipped.
fn unset(config: &ConfigDef, leaf: &ConfigLeaf, environment: Option<&str>) -> Diagnostic {
    let (message, help) = match environment {
        Some(name) => (
            format!("`{}.{}` has no value in environment `{name}`", config.name, leaf.path),
            format!("set it in `env {name} {{ {} = … }}`, or give it a default", leaf.path),
        ),
        None => (
            format!(
                "`{}.{}` has no default, and no environment was chosen",
                config.name, leaf.path
            ),
            "choose an environment, or give the field a default".to_string(),
        ),
    };
    Diagnostic::new(Code::ConfigValueMissing, message)
        .at(leaf.span, "no default")
        .with_help(help)
}

/// The diagnostic when `resolved` fails the leaf's constraint, at the value that gave it.
fn constraint_problem(
    checker: &dyn ConstraintEval,
    leaf: &ConfigLeaf,
    value: &ConfigValue,
    resolved: &Value,
    origin: Origin<'_>,
) -> Option<Diagnostic> {
    let constraint = leaf.constraint.as_ref()?;
    // Secrets show as `***`: a message never holds one.
    let shown = resolved.to_json(false).to_string();
    let which = match origin {
        Origin::Default => format!("the default of `{}`", leaf.path),
        Origin::Override(env) => format!("`{}` in environment `{env}`", leaf.path),
    };
    let (message, label) = match checker.holds(constraint, resolved) {
        Ok(true) => return None,
        Ok(false) => (
            format!("{which} is {shown}, which fails `{}`", constraint.text),
            "fails the field's constraint".to_string(),
        ),
        Err(error) => (
            format!(
                "the constraint of `{}` could not be checked on {which}: {error}",
                leaf.path
            ),
            "this value".to_string(),
        ),
    };
    Some(
        Diagnostic::new(Code::ConfigConstraint, message)
            .at(value.expr.span, label)
            .with_label(constraint.expr.span, "the constraint")
            .with_help("give a value the constraint accepts, or change the constraint"),
    )
}

/// The JSON object of some config fields, in declaration order.
fn document(nodes: &[ConfigNode], values: &[Value], reveal: bool) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    for node in nodes {
        let value = match &node.body {
            ConfigBody::Group(children) => document(children, values, reveal),
            ConfigBody::Leaf(index) => values
                .get(*index)
                .map_or(serde_json::Value::Null, |v| v.to_json(reveal)),
        };
        object.insert(node.name.to_string(), value);
    }
    serde_json::Value::Object(object)
}

/// Checks every constant default and override of the program's configs against its
/// field's constraint, where the constraint reads neither data nor the world (the
/// clock, variables, files): the others are checked when the config is resolved.
pub fn check_constants(program: &Program, sources: &SourceMap) -> Vec<Diagnostic> {
    let host = FixedHost::default();
    let env = Env::new(program, sources, &[], &host);
    let mut problems = Vec::new();
    for config in &program.configs {
        for (index, leaf) in config.leaves.iter().enumerate() {
            let Some(constraint) = &leaf.constraint else {
                continue;
            };
            if !is_pure(program, constraint) {
                continue;
            }
            let mut check = |value: &ConfigValue, origin: Origin<'_>| {
                if let Some(constant) = &value.constant
                    && let Some(problem) = constraint_problem(&env, leaf, value, constant, origin)
                {
                    problems.push(problem);
                }
            };
            if let Some(default) = &leaf.default {
                check(default, Origin::Default);
            }
            for block in &config.envs {
                for o in block.overrides.iter().filter(|o| o.leaf == index) {
                    check(&o.value, Origin::Override(&block.name));
                }
            }
        }
    }
    problems
}

/// Whether a constraint gives the same answer wherever it is evaluated: it reads no
/// source, and calls nothing that reads the clock, a variable or a file.
fn is_pure(program: &Program, constraint: &Constraint) -> bool {
    let mut reach = Reach::new(program, Impure(false));
    reach.expr(&constraint.expr);
    !reach.visitor.0
}

/// Whether an impure node was seen.
struct Impure(bool);

impl Visit for Impure {
    fn visit(&mut self, e: &crate::ir::Expr) {
        let impure = match &e.kind {
            ExprKind::Source(_) | ExprKind::Error => true,
            ExprKind::Builtin { builtin, .. } => matches!(
                builtin,
                Builtin::Now | Builtin::Env | Builtin::Secret | Builtin::FileSha256
            ),
            _ => false,
        };
        self.0 |= impure;
    }
}
