//! Checked casts (`x as T`): `json` data into typed values, optional values into
//! present ones, and strings parsed into versions, times and numbers.

use std::sync::Arc;

use super::Value;
use super::error::{EvalError, EvalResult};
use super::expr::conforms;
use crate::check::Type;
use crate::diagnostics::Code;
use crate::ir::Program;
use crate::source::Span;

pub fn cast(value: Value, to: &Type, program: &Program, span: Span) -> EvalResult<Value> {
    let fail = |value: &Value| {
        EvalError::new(
            Code::CastFailed,
            format!("a {} value is not a `{}`", value.kind_name(), program.display_type(to)),
            span,
        )
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
        (Value::Str(s), Type::Int) => s
            .trim()
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| EvalError::new(Code::CastFailed, format!("`{s}` is not an integer"), span)),
        (Value::Str(s), Type::Float) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Value::Float)
            .ok_or_else(|| EvalError::new(Code::CastFailed, format!("`{s}` is not a number"), span)),
        (Value::Str(s), Type::Secret) => Ok(Value::Secret(s.clone())),
        (Value::Int(n), Type::Float) => Ok(Value::Float(*n as f64)),
        (Value::Float(x), Type::Int) => {
            if x.fract() == 0.0 && x.abs() < 9.2e18 {
                Ok(Value::Int(*x as i64))
            } else {
                Err(EvalError::new(
                    Code::CastFailed,
                    format!("{x} is not a whole number"),
                    span,
                ))
            }
        }
        (Value::Secret(_), Type::String) => Err(EvalError::new(
            Code::CastFailed,
            "a secret cannot be turned into a string",
            span,
        )),
        (_, Type::String) if !matches!(value, Value::List(_) | Value::Map(_) | Value::Record(_)) => {
            if matches!(value, Value::Str(_)) {
                Ok(value)
            } else {
                Ok(Value::Str(Arc::from(value.to_string())))
            }
        }
        _ if conforms(&value, target) => Ok(value),
        _ => Err(fail(&value)),
    }
}
