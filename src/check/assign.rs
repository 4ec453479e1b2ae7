//! Relations between types: which values fit where (`assignable`), what two branches
//! have in common (`join`), and structural equality.

use std::sync::Arc;

use crate::ir::Program;
use crate::ir::{EnumType, FieldType, RecordType, Type};

/// Whether a value of type `from` may be used where `to` is expected, as is or after
/// the widening the checker inserts (int to float, string to secret).
pub fn assignable(program: &Program, from: &Type, to: &Type) -> bool {
    use Type::*;
    match (from, to) {
        (Error | Unknown, _) | (_, Error | Unknown) => true,
        (_, Json) => true,
        (Null, Optional(_)) => true,
        (Optional(a), Optional(b)) => assignable(program, a, b),
        (a, Optional(b)) => assignable(program, a, b),
        (Optional(_) | Null | Json, _) => false,
        (Int, Float) => true,
        (Enum(a), Enum(b)) => a.members.iter().all(|m| b.members.contains(m)),
        (Enum(_), String) => true,
        (String, Secret) => true,
        (List(a), List(b)) => assignable(program, a, b),
        (Map(a), Map(b)) => assignable(program, a, b),
        (Entity(a) | Ref(a), Entity(b) | Ref(b)) => a == b,
        (Entity(a) | Ref(a), Record(b)) => match program.entities.get(a.index()) {
            Some(def) => record_assignable(program, &def.record, b),
            None => true,
        },
        (Record(a), Entity(b)) => match program.entities.get(b.index()) {
            Some(def) => record_assignable(program, a, &def.record),
            None => true,
        },
        (Record(a), Record(b)) => record_assignable(program, a, b),
        (a, b) => same_scalar(a, b),
    }
}

/// Every field `to` needs is in `from` with a fitting type (extra fields are allowed).
fn record_assignable(program: &Program, from: &RecordType, to: &RecordType) -> bool {
    to.fields.iter().all(|want| match from.field(&want.name) {
        Some((_, have)) => assignable(program, &have.ty, &want.ty),
        None => want.ty.is_optional() || want.default.is_some(),
    })
}

fn same_scalar(a: &Type, b: &Type) -> bool {
    use Type::*;
    matches!(
        (a, b),
        (Bool, Bool)
            | (Int, Int)
            | (Float, Float)
            | (String, String)
            | (Duration, Duration)
            | (Version, Version)
            | (Timestamp, Timestamp)
            | (Secret, Secret)
            | (Json, Json)
            | (Null, Null)
    )
}

/// Structural equality.
pub fn same_type(a: &Type, b: &Type) -> bool {
    use Type::*;
    match (a, b) {
        (List(x), List(y)) | (Map(x), Map(y)) | (Optional(x), Optional(y)) => same_type(x, y),
        (Enum(x), Enum(y)) => x.members == y.members,
        (Entity(x), Entity(y)) | (Ref(x), Ref(y)) => x == y,
        (Record(x), Record(y)) => {
            Arc::ptr_eq(x, y)
                || (x.fields.len() == y.fields.len()
                    && x.fields
                        .iter()
                        .zip(&y.fields)
                        .all(|(f, g)| f.name == g.name && same_type(&f.ty, &g.ty)))
        }
        (Error, Error) | (Unknown, Unknown) => true,
        _ => same_scalar(a, b),
    }
}

/// The type of a value that is either an `a` or a `b` (the two branches of an `if`,
/// elements of a list literal), or `None` when they have nothing in common.
pub fn join(a: &Type, b: &Type) -> Option<Type> {
    use Type::*;
    Some(match (a, b) {
        (Error, _) | (_, Error) => Error,
        (Unknown, other) | (other, Unknown) => other.clone(),
        (Json, _) | (_, Json) => Json,
        (Null, Null) => Null,
        (Null, other) | (other, Null) => Type::optional(other.clone()),
        (Optional(x), y) | (y, Optional(x)) => Type::optional(join(x, y)?),
        (Int, Float) | (Float, Int) => Float,
        (Enum(x), Enum(y)) => {
            let mut members = x.members.clone();
            for m in &y.members {
                if !members.contains(m) {
                    members.push(m.clone());
                }
            }
            Enum(Arc::new(EnumType { members }))
        }
        (Enum(_), String) | (String, Enum(_)) => String,
        (Entity(x) | Ref(x), Entity(y) | Ref(y)) if x == y => Entity(*x),
        (List(x), List(y)) => Type::list(join(x, y)?),
        (Map(x), Map(y)) => Map(Arc::new(join(x, y)?)),
        (Record(x), Record(y)) => {
            if Arc::ptr_eq(x, y) {
                return Some(a.clone());
            }
            if x.fields.len() != y.fields.len() {
                return None;
            }
            let mut fields = Vec::new();
            for f in &x.fields {
                let (_, g) = y.field(&f.name)?;
                fields.push(FieldType {
                    name: f.name.clone(),
                    ty: join(&f.ty, &g.ty)?,
                    default: None,
                    constraint: None,
                    span: f.span,
                    docs: None,
                });
            }
            Record(Arc::new(RecordType::new(fields, x.key)))
        }
        (x, y) if same_type(x, y) => x.clone(),
        _ => return None,
    })
}
