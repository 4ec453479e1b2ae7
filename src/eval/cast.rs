//! Checked casts (`x as T`): a value is let through unchanged when it has type `T`, and
//! is an error otherwise; `as` never converts (`string(x)`, `int(x)` and `float(x)` do).
//! Two readings are not conversions: an `int` is a `float` (as everywhere in the
//! language), and a string is how data writes a version, a time, a duration or a
//! secret, so one that reads as such a value is one, as the registry loader reads it.

use std::sync::Arc;

use super::error::{EvalError, EvalResult};
use super::expr::conforms;
use crate::diagnostics::Code;
use crate::ir::Program;
use crate::ir::Type;
use crate::ir::Value;
use crate::source::Span;

pub fn cast(value: Value, to: &Type, program: &Program, span: Span) -> EvalResult<Value> {
    let fail = |value: &Value| {
        let error = EvalError::new(
            Code::CastFailed,
            format!(
                "{} is not {}",
                describe(value),
                with_article(&format!("`{}`", program.display_type(to)))
            ),
            span,
        );
        match conversion(value, to.strip_optional()) {
            Some(function) => error.with_help(format!(
                "`as` checks and never converts: use `{function}(x)` to convert"
            )),
            None => error,
        }
    };
    if value.is_null() {
        return if to.is_optional() {
            Ok(Value::Null)
        } else {
            let shown = program.display_type(to);
            Err(EvalError::new(
                Code::NullValue,
                format!("null where a value of type `{shown}` is needed"),
                span,
            )
            .with_help(format!(
                "cast to `{shown}?` to keep the null, or give a default with `??`"
            )))
        };
    }
    let target = to.strip_optional();
    match (&value, target) {
        (Value::Str(s), Type::Version) => semver::Version::parse(s)
            .map(|v| Value::Version(Arc::new(v)))
            .map_err(|e| EvalError::new(Code::CastFailed, format!("`{s}` is not a version: {e}"), span)),
        (Value::Str(s), Type::Timestamp) => crate::time::parse_timestamp(s)
            .map(Value::Timestamp)
            .map_err(|e| EvalError::new(Code::CastFailed, e, span)),
        (Value::Str(s), Type::Duration) => crate::time::Duration::parse(s)
            .map(Value::Duration)
            .map_err(|e| EvalError::new(Code::CastFailed, e, span)),
        (Value::Str(s), Type::Secret) => Ok(Value::Secret(s.clone())),
        (Value::Int(n), Type::Float) => Ok(Value::Float(*n as f64)),
        _ if conforms(&value, target) => Ok(value),
        _ => Err(fail(&value)),
    }
}

/// The built-in that converts `value` to `target`, when there is one.
fn conversion(value: &Value, target: &Type) -> Option<&'static str> {
    match (value, target) {
        (Value::Secret(_) | Value::List(_) | Value::Map(_) | Value::Record(_), _) => None,
        (_, Type::String) => Some("string"),
        (Value::Float(_) | Value::Str(_), Type::Int) => Some("int"),
        (Value::Str(_), Type::Float) => Some("float"),
        _ => None,
    }
}

/// `the string `three``, or `a list` for values too large to show; a secret is
/// never shown.
fn describe(value: &Value) -> String {
    match value {
        Value::List(_) | Value::Map(_) | Value::Record(_) | Value::Secret(_) => with_article(value.kind_name()),
        _ => {
            let shown = value.to_string();
            let short: String = shown.chars().take(40).collect();
            let cut = if short.len() < shown.len() { "…" } else { "" };
            format!("the {} `{short}{cut}`", value.kind_name())
        }
    }
}

/// `an int`, `a string`, ``an `int` ``.
fn with_article(word: &str) -> String {
    let first = word.trim_start_matches('`').chars().next();
    let article = if first.is_some_and(|c| "aeiou".contains(c)) {
        "an"
    } else {
        "a"
    };
    format!("{article} {word}")
}
