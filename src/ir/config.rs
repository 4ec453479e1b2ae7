//! Per-environment configuration in the IR: the declared environments, and each
//! `config` as a tree of fields whose leaves hold a default, a `where` constraint and,
//! per environment, the overrides that replace the default.

use std::sync::Arc;

use super::{Constraint, Expr, Type, Value};
use crate::source::Span;

/// One name of the `environments [...]` list.
#[derive(Debug, Clone)]
pub struct EnvironmentDef {
    pub name: Arc<str>,
    pub span: Span,
}

/// A checked `config` item.
#[derive(Debug)]
pub struct ConfigDef {
    pub name: Arc<str>,
    /// The top-level fields, in declaration order.
    pub fields: Vec<ConfigNode>,
    /// Every field that holds a value, in declaration order; nodes refer to them by index.
    pub leaves: Vec<ConfigLeaf>,
    /// The `env` blocks that name a declared environment.
    pub envs: Vec<ConfigEnv>,
    pub span: Span,
}

/// A field of a config: a group of fields (written `name: { … }`) or a value.
#[derive(Debug)]
pub struct ConfigNode {
    pub name: Arc<str>,
    pub body: ConfigBody,
}

#[derive(Debug)]
pub enum ConfigBody {
    Group(Vec<ConfigNode>),
    /// An index into [`ConfigDef::leaves`].
    Leaf(usize),
}

/// A field holding a value.
#[derive(Debug)]
pub struct ConfigLeaf {
    /// The dotted path from the config's top, as written in overrides.
    pub path: Arc<str>,
    pub ty: Type,
    pub default: Option<ConfigValue>,
    pub constraint: Option<Arc<Constraint>>,
    /// The field's name where it is declared.
    pub span: Span,
}

/// A value expression of a config: a default or an override.
#[derive(Debug)]
pub struct ConfigValue {
    pub expr: Expr,
    /// Locals the expression needs (comprehension variables).
    pub locals: u32,
    /// The value, when the checker could fold the expression to a constant.
    pub constant: Option<Value>,
}

/// An `env NAME { … }` block that names a declared environment.
#[derive(Debug)]
pub struct ConfigEnv {
    pub name: Arc<str>,
    pub overrides: Vec<ConfigOverride>,
    pub span: Span,
}

/// `path = value` in an `env` block, its path resolved to a leaf.
#[derive(Debug)]
pub struct ConfigOverride {
    /// An index into [`ConfigDef::leaves`].
    pub leaf: usize,
    pub value: ConfigValue,
    /// The whole `path = value`.
    pub span: Span,
}

impl ConfigDef {
    /// The `env` block of an environment, when the config has one.
    pub fn env(&self, name: &str) -> Option<&ConfigEnv> {
        self.envs.iter().find(|e| &*e.name == name)
    }
}
