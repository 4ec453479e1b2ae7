//! The types of cpl as the checker and the data loader see them.
//!
//! Types are structural, except entities, which are nominal (an [`EntityId`]). Named
//! `type` aliases are expanded where they are used. [`Type::Error`] stands in for a type
//! that could not be determined; it is compatible with everything, so one mistake is
//! reported once.

use std::sync::Arc;

use crate::ir::Expr;
use crate::ir::Value;
use crate::source::Span;

/// Index of an entity declaration in [`crate::ir::Program::entities`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityId(pub u32);

impl EntityId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, Debug)]
pub enum Type {
    Bool,
    Int,
    Float,
    String,
    Duration,
    Version,
    Timestamp,
    Secret,
    /// Any data; fields and casts are checked at run time.
    Json,
    /// The type of the `null` literal.
    Null,
    List(Arc<Type>),
    Map(Arc<Type>),
    Record(Arc<RecordType>),
    Optional(Arc<Type>),
    Enum(Arc<EnumType>),
    /// In data, the key of an entity; in expressions, that entity.
    Ref(EntityId),
    /// A value of an entity kind.
    Entity(EntityId),
    /// The element type of an empty list literal: fits anywhere.
    Unknown,
    /// A type that could not be determined; its problem was already reported.
    Error,
}

/// A record type: named fields in declaration order.
#[derive(Debug)]
pub struct RecordType {
    pub fields: Vec<FieldType>,
    /// The field that names a record in violations (`key` in the declaration).
    pub key: Option<usize>,
    /// The value layout shared by every value of this type.
    pub shape: Arc<crate::ir::Shape>,
    /// Declared with `...`: data may hold other fields, which are ignored.
    pub open: bool,
}

#[derive(Debug)]
pub struct FieldType {
    pub name: Arc<str>,
    pub ty: Type,
    /// Used when the field is absent from data (already checked against `ty`).
    pub default: Option<Value>,
    /// `where` constraint: a boolean expression over local 0, the field's value (`it`).
    pub constraint: Option<Arc<Constraint>>,
    /// Where the field is declared, for the secondary label of data diagnostics.
    pub span: Span,
    pub docs: Option<String>,
}

/// A `where` clause, checked once for every value of its field.
#[derive(Debug)]
pub struct Constraint {
    pub expr: Expr,
    /// Locals the expression needs (at least one: `it`).
    pub locals: u32,
    /// The source text of the constraint, for messages.
    pub text: String,
}

#[derive(Debug, PartialEq, Eq)]
pub struct EnumType {
    pub members: Vec<Arc<str>>,
}

impl RecordType {
    pub fn new(fields: Vec<FieldType>, key: Option<usize>) -> RecordType {
        let shape = Arc::new(crate::ir::Shape::new(
            fields.iter().map(|f| f.name.clone()).collect(),
            key,
        ));
        RecordType {
            fields,
            key,
            shape,
            open: false,
        }
    }

    pub fn field(&self, name: &str) -> Option<(usize, &FieldType)> {
        self.fields.iter().enumerate().find(|(_, f)| &*f.name == name)
    }

    pub fn key_field(&self) -> Option<&FieldType> {
        self.key.and_then(|k| self.fields.get(k))
    }
}

impl Type {
    pub fn list(element: Type) -> Type {
        Type::List(Arc::new(element))
    }

    pub fn optional(inner: Type) -> Type {
        match inner {
            Type::Optional(_) | Type::Null | Type::Json | Type::Error | Type::Unknown => inner,
            other => Type::Optional(Arc::new(other)),
        }
    }

    /// The type without an outer `?`.
    pub fn strip_optional(&self) -> &Type {
        match self {
            Type::Optional(inner) => inner,
            other => other,
        }
    }

    pub fn is_optional(&self) -> bool {
        matches!(self, Type::Optional(_) | Type::Null | Type::Json)
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Type::Error)
    }

    /// Whether a check against this type can say nothing useful.
    pub fn is_unconstrained(&self) -> bool {
        matches!(self, Type::Error | Type::Unknown)
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Float)
    }

    /// The element type when this is a list.
    pub fn element(&self) -> Option<&Type> {
        match self {
            Type::List(e) => Some(e),
            _ => None,
        }
    }
}

impl Type {
    /// Renders the type the way users write it; `entities` names the entity kinds.
    pub fn display(&self, entities: &[Arc<str>]) -> String {
        let mut out = String::new();
        self.write(&mut out, entities);
        out
    }

    fn write(&self, out: &mut String, entities: &[Arc<str>]) {
        let entity = |id: &EntityId| {
            entities
                .get(id.index())
                .map(|n| n.to_string())
                .unwrap_or_else(|| "entity".into())
        };
        match self {
            Type::Bool => out.push_str("bool"),
            Type::Int => out.push_str("int"),
            Type::Float => out.push_str("float"),
            Type::String => out.push_str("string"),
            Type::Duration => out.push_str("duration"),
            Type::Version => out.push_str("version"),
            Type::Timestamp => out.push_str("timestamp"),
            Type::Secret => out.push_str("secret"),
            Type::Json => out.push_str("json"),
            Type::Null => out.push_str("null"),
            Type::List(e) => {
                out.push('[');
                e.write(out, entities);
                out.push(']');
            }
            Type::Map(e) => {
                out.push_str("map[");
                e.write(out, entities);
                out.push(']');
            }
            Type::Optional(inner) => {
                let paren = matches!(&**inner, Type::Enum(e) if e.members.len() > 1);
                if paren {
                    out.push('(');
                }
                inner.write(out, entities);
                if paren {
                    out.push(')');
                }
                out.push('?');
            }
            Type::Enum(e) => {
                let members: Vec<String> = e.members.iter().map(|m| format!("{m:?}")).collect();
                out.push_str(&members.join(" | "));
            }
            Type::Record(r) => {
                out.push_str("{ ");
                for (i, field) in r.fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&field.name);
                    out.push_str(": ");
                    field.ty.write(out, entities);
                }
                out.push_str(" }");
            }
            Type::Ref(e) => {
                out.push_str("ref ");
                out.push_str(&entity(e));
            }
            Type::Entity(e) => out.push_str(&entity(e)),
            Type::Unknown => out.push('_'),
            Type::Error => out.push_str("{error}"),
        }
    }
}

fn builtin_field(name: &str, ty: Type) -> FieldType {
    FieldType {
        name: Arc::from(name),
        ty,
        default: None,
        constraint: None,
        span: Span::new(crate::source::FileId::DETACHED, 0, 0),
        docs: None,
    }
}

fn enumeration(members: &[&str]) -> Type {
    Type::Enum(Arc::new(EnumType {
        members: members.iter().map(|m| Arc::from(*m)).collect(),
    }))
}

static VIOLATION: std::sync::LazyLock<Arc<RecordType>> = std::sync::LazyLock::new(|| {
    Arc::new(RecordType::new(
        vec![
            builtin_field("policy", Type::String),
            builtin_field("rule", Type::Int),
            builtin_field("message", Type::String),
            builtin_field("level", enumeration(&["advisory", "soft", "hard"])),
            builtin_field("subject", Type::optional(Type::String)),
            builtin_field("origin", Type::optional(Type::String)),
        ],
        None,
    ))
});

static DECISION: std::sync::LazyLock<Arc<RecordType>> = std::sync::LazyLock::new(|| {
    let violations = Type::list(Type::Record(VIOLATION.clone()));
    Arc::new(RecordType::new(
        vec![
            builtin_field("outcome", enumeration(&["allow", "deny", "indeterminate"])),
            builtin_field("allowed", Type::Bool),
            builtin_field("denied", Type::Bool),
            builtin_field("violations", violations.clone()),
            builtin_field("warnings", violations),
            builtin_field("errors", Type::list(Type::String)),
        ],
        None,
    ))
});

/// The built-in `violation` record type.
pub fn violation_record() -> Arc<RecordType> {
    VIOLATION.clone()
}

/// The built-in `decision` record type: what a policy call returns.
pub fn decision_record() -> Arc<RecordType> {
    DECISION.clone()
}

/// Checks `where` constraints for the loader; the evaluator implements it. `Sync`: long
/// JSON lists are read on several threads.
pub trait ConstraintEval: Sync {
    /// Whether `value` satisfies `constraint` (`it` is local 0); `Err` when the check
    /// itself failed (a run-time error in the constraint).
    fn holds(&self, constraint: &Constraint, value: &Value) -> Result<bool, String>;
}

/// Accepts every value: for loading without an evaluator.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoConstraints;

impl ConstraintEval for NoConstraints {
    fn holds(&self, _: &Constraint, _: &Value) -> Result<bool, String> {
        Ok(true)
    }
}
