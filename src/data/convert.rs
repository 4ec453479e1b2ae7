//! Conversions shared by every format: text to the typed value a field asks for
//! (versions, timestamps, durations, enumerations, references), and `where` checks.

use std::sync::Arc;

use crate::ir::Program;
use crate::ir::Value;
use crate::ir::{EntityId, FieldType, Type};
use crate::time::{Duration, parse_timestamp};

use super::problem::{self, Found, Problem};
use crate::ir::ConstraintEval;

/// A new string value (not shared).
pub(crate) fn new_str(text: &str) -> Arc<str> {
    Arc::from(text)
}

/// Whether values of this type are written as strings in data.
pub(crate) fn is_text_type(ty: &Type) -> bool {
    matches!(
        ty,
        Type::String
            | Type::Secret
            | Type::Version
            | Type::Timestamp
            | Type::Duration
            | Type::Enum(_)
            | Type::Ref(_)
            | Type::Json
            | Type::Unknown
            | Type::Error
    )
}

/// The record type a value of `ty` is checked against, with the entity kind if it is one.
pub(crate) fn record_of<'p>(
    program: &'p Program,
    ty: &'p Type,
) -> Option<(&'p Arc<crate::ir::RecordType>, Option<EntityId>)> {
    match ty {
        Type::Record(record) => Some((record, None)),
        Type::Entity(id) => program.entities.get(id.index()).map(|e| (&e.record, Some(*id))),
        _ => None,
    }
}

/// Converts a string to a value of `ty` (without `?`), except references, which need a
/// place to be recorded and go through [`parse_ref`]. `make` builds the string value, so
/// a loader can share repeated strings.
pub(crate) fn from_text(
    program: &Program,
    ty: &Type,
    text: &str,
    make: impl FnOnce(&str) -> Arc<str>,
) -> Result<Value, Problem> {
    Ok(match ty {
        Type::String | Type::Json | Type::Unknown | Type::Error => Value::Str(make(text)),
        Type::Secret => Value::Secret(Arc::from(text)),
        Type::Version => match semver::Version::parse(text) {
            Ok(version) => Value::Version(Arc::new(version)),
            Err(error) => return Err(problem::invalid_version(text, &error)),
        },
        Type::Timestamp => match parse_timestamp(text) {
            Ok(timestamp) => Value::Timestamp(timestamp),
            Err(_) => {
                return Err(
                    problem::invalid_text("timestamp", text, "not an RFC 3339 timestamp or a date")
                        .help("write a date (`2027-03-31`) or an RFC 3339 timestamp (`2027-03-31T12:00:00Z`)"),
                );
            }
        },
        Type::Duration => match Duration::parse(text) {
            Ok(duration) => Value::Duration(duration),
            Err(reason) => {
                return Err(problem::invalid_text("duration", text, &reason)
                    .help("write a number and a unit (ms, s, m, h, d), such as `30s`"));
            }
        },
        Type::Enum(members) => match members.members.iter().find(|m| &***m == text) {
            Some(member) => Value::Str(member.clone()),
            None => return Err(problem::not_in_enum(text, &members.members)),
        },
        other => return Err(problem::wrong_type(program, other, Found::Str)),
    })
}

/// Converts a CSV cell (untyped text) to a value of `ty` (without `?`): numbers and
/// booleans are read from their text, everything else as in [`from_text`].
pub(crate) fn from_cell(program: &Program, ty: &Type, text: &str) -> Result<Value, Problem> {
    let trimmed = text.trim();
    match ty {
        Type::Int => match trimmed.parse::<i64>() {
            Ok(n) => Ok(Value::Int(n)),
            Err(_)
                if !trimmed.is_empty()
                    && trimmed
                        .trim_start_matches(['-', '+'])
                        .bytes()
                        .all(|b| b.is_ascii_digit()) =>
            {
                Err(problem::out_of_range(trimmed))
            }
            Err(_) => Err(problem::invalid_text("int", trimmed, "not an integer")),
        },
        Type::Float => match trimmed.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Value::Float(x)),
            _ => Err(problem::invalid_text("float", trimmed, "not a number")),
        },
        Type::Bool => match trimmed {
            "true" | "True" | "TRUE" => Ok(Value::Bool(true)),
            "false" | "False" | "FALSE" => Ok(Value::Bool(false)),
            _ => Err(problem::invalid_text("bool", trimmed, "not `true` or `false`")),
        },
        Type::Null => Err(problem::wrong_type(program, ty, Found::Str)),
        Type::Json | Type::Unknown | Type::Error => Ok(json_cell(text)),
        Type::Version | Type::Timestamp | Type::Duration | Type::Enum(_) => from_text(program, ty, trimmed, new_str),
        _ => from_text(program, ty, text, new_str),
    }
}

/// An integer too large for 64 bits (as written: a sign, a `0x`, `0o` or `0b` prefix and
/// `_` separators allowed) as the nearest float. `None` when the text is not such an
/// integer or the float would be infinite: the caller reports it, never a NaN or an
/// infinity in its place.
pub(crate) fn big_int_as_float(text: &str) -> Option<f64> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..)?),
        Some(b'+') => (false, text.get(1..)?),
        _ => (false, text),
    };
    let (radix, digits) = match unsigned.get(..2) {
        Some("0x" | "0X") => (16, unsigned.get(2..)?),
        Some("0o" | "0O") => (8, unsigned.get(2..)?),
        Some("0b" | "0B") => (2, unsigned.get(2..)?),
        _ => (10, unsigned),
    };
    let digits: String = digits.chars().filter(|&c| c != '_').collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = if radix == 10 {
        digits.parse::<f64>().ok()?
    } else {
        digits
            .chars()
            .filter_map(|c| c.to_digit(radix))
            .fold(0.0, |sum, digit| sum * f64::from(radix) + f64::from(digit))
    };
    let value = if negative { -magnitude } else { magnitude };
    value.is_finite().then_some(value)
}

/// A CSV cell for a `json` field: the JSON it holds, or, when it is not JSON, its text as
/// a string (so `crm` needs no quotes); nothing in it is dropped.
pub(crate) fn json_cell(text: &str) -> Value {
    serde_json::from_str::<serde_json::Value>(text).map_or_else(|_| Value::str(text), |json| Value::from_json(&json))
}

/// Splits `"key"` or `"key@^1.2"` into the key and the requirement, checking the
/// requirement. The text after the last `@` is a requirement when it starts like one (a
/// digit, an operator or `*`); otherwise the `@` belongs to the key.
pub(crate) fn split_ref(text: &str) -> Result<(&str, Option<&str>), Problem> {
    let (key, requirement) = match text.rsplit_once('@') {
        Some((key, req))
            if !key.is_empty()
                && req
                    .trim_start()
                    .starts_with(|c: char| c.is_ascii_digit() || "^~=<>*".contains(c)) =>
        {
            (key, Some(req))
        }
        Some(("", req)) => {
            return Err(Problem::new(
                crate::diagnostics::Code::DanglingRef,
                format!("reference `{text}` has no key"),
                "no key before `@`",
            )
            .help(format!("write the key before the requirement, such as `name@{req}`")));
        }
        _ => (text, None),
    };
    if let Some(req) = requirement
        && let Err(error) = semver::VersionReq::parse(req)
    {
        return Err(problem::invalid_requirement(req, &error));
    }
    Ok((key, requirement))
}

/// Checks a present field value against the field's `where` clause.
pub(crate) fn check_constraint(
    constraints: &dyn ConstraintEval,
    field: &FieldType,
    value: &Value,
) -> Result<(), Problem> {
    let Some(constraint) = &field.constraint else {
        return Ok(());
    };
    if value.is_null() {
        return Ok(());
    }
    match constraints.holds(constraint, value) {
        Ok(true) => Ok(()),
        Ok(false) => Err(problem::constraint_failed(field, &constraint.text, value)),
        Err(error) => Err(problem::constraint_error(field, &constraint.text, &error)),
    }
}
