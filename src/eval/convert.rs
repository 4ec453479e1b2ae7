//! The conversion built-ins `string(x)`, `int(x)` and `float(x)`: where `x as T` only
//! checks that a value has a type, these change it, and say so when they cannot.

use std::sync::Arc;

use super::error::{EvalError, EvalResult};
use crate::diagnostics::Code;
use crate::ir::Value;
use crate::source::Span;

/// Any plain value as `"{x}"` prints it. Secrets, collections and null are errors: a
/// secret is never printed, and a list or record has no single string form.
pub fn to_string(value: Value, span: Span) -> EvalResult<Value> {
    match value {
        Value::Str(_) => Ok(value),
        Value::Null => Err(null_argument("string", span)),
        Value::Secret(_) => Err(
            EvalError::new(Code::InvalidArgumentValue, "`string` cannot show a secret", span)
                .with_help("a secret is never turned into a string; it shows as `***` only in messages"),
        ),
        Value::List(_) | Value::Map(_) | Value::Record(_) => Err(EvalError::new(
            Code::InvalidArgumentValue,
            format!("`string` needs a plain value, found a {}", value.kind_name()),
            span,
        )
        .with_help("pick a field or an element first, or use `join(xs, \", \")` for a list")),
        other => Ok(Value::Str(Arc::from(other.to_string()))),
    }
}

/// An integer from an integer, from a float with no fractional part (never rounded),
/// or from a string of decimal digits with an optional sign and no spaces.
pub fn to_int(value: Value, span: Span) -> EvalResult<Value> {
    match value {
        Value::Int(_) => Ok(value),
        Value::Float(x) => whole_number(x).map(Value::Int).ok_or_else(|| {
            EvalError::new(
                Code::InvalidArgumentValue,
                format!("`int` needs a whole number, found {}", crate::ir::format_float(x)),
                span,
            )
            .with_help("`int` never rounds: compare with the float instead, or fix the data")
        }),
        Value::Str(s) => s.parse::<i64>().map(Value::Int).map_err(|_| {
            EvalError::new(Code::InvalidArgumentValue, format!("`{s}` is not an integer"), span)
                .with_help("`int` reads decimal digits with an optional sign, and no spaces")
        }),
        Value::Null => Err(null_argument("int", span)),
        other => Err(wrong_kind("int", "a number or a string", &other, span)),
    }
}

/// A float from a number, or from a string that holds a finite number.
pub fn to_float(value: Value, span: Span) -> EvalResult<Value> {
    match value {
        Value::Float(_) => Ok(value),
        Value::Int(n) => Ok(Value::Float(n as f64)),
        Value::Str(s) => s
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Value::Float)
            .ok_or_else(|| {
                EvalError::new(Code::InvalidArgumentValue, format!("`{s}` is not a number"), span)
                    .with_help("`float` reads numbers such as `2`, `-0.5` or `1e3`, without spaces")
            }),
        Value::Null => Err(null_argument("float", span)),
        other => Err(wrong_kind("float", "a number or a string", &other, span)),
    }
}

/// `x` as an `i64` when it is a whole number within range.
fn whole_number(x: f64) -> Option<i64> {
    // Bounds as floats: `i64::MAX as f64` rounds up to 2^63, which is out of range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (x.fract() == 0.0 && (-LIMIT..LIMIT).contains(&x)).then_some(x as i64)
}

fn null_argument(name: &str, span: Span) -> EvalError {
    EvalError::new(Code::NullValue, format!("`{name}` needs a value, found null"), span)
        .with_help("give a default with `??` first")
}

fn wrong_kind(name: &str, wanted: &str, value: &Value, span: Span) -> EvalError {
    EvalError::new(
        Code::InvalidArgumentValue,
        format!("`{name}` needs {wanted}, found a {}", value.kind_name()),
        span,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span() -> Span {
        Span::new(crate::source::FileId::DETACHED, 0, 0)
    }

    #[test]
    fn whole_floats_become_ints_and_others_are_errors() {
        assert!(matches!(to_int(Value::Float(3.0), span()), Ok(Value::Int(3))));
        assert!(to_int(Value::Float(2.5), span()).is_err());
        assert!(to_int(Value::Float(f64::NAN), span()).is_err());
        assert!(to_int(Value::Float(9.3e18), span()).is_err());
        assert!(to_int(Value::str(" 3"), span()).is_err());
        assert!(matches!(to_int(Value::str("-42"), span()), Ok(Value::Int(-42))));
    }

    #[test]
    fn floats_come_from_numbers_and_finite_numeric_strings() {
        assert!(matches!(to_float(Value::Int(2), span()), Ok(Value::Float(x)) if x == 2.0));
        assert!(matches!(to_float(Value::str("1e3"), span()), Ok(Value::Float(x)) if x == 1000.0));
        assert!(to_float(Value::str("NaN"), span()).is_err());
        assert!(to_float(Value::str("inf"), span()).is_err());
        assert!(to_float(Value::Bool(true), span()).is_err());
    }

    #[test]
    fn strings_are_what_interpolation_prints() {
        for value in [Value::Int(7), Value::Float(2.0), Value::Bool(false), Value::str("x")] {
            let shown = value.to_string();
            assert!(matches!(to_string(value, span()), Ok(Value::Str(s)) if *s == *shown));
        }
        assert!(to_string(Value::Null, span()).is_err());
        assert!(to_string(Value::list(vec![]), span()).is_err());
    }
}
