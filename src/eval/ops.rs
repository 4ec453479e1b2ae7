//! Arithmetic, comparison and membership on values. Overflow and division by zero are
//! evaluation errors, never wrapped or panicking.

use std::cmp::Ordering;
use std::sync::Arc;

use super::error::{EvalError, EvalResult};
use crate::diagnostics::Code;
use crate::ir::BinaryOp;
use crate::ir::Value;
use crate::source::Span;
use crate::time::Duration;

pub fn negate(value: Value, span: Span) -> EvalResult<Value> {
    match value {
        Value::Int(n) => n.checked_neg().map(Value::Int).ok_or_else(|| overflow(span)),
        Value::Float(x) => Ok(Value::Float(-x)),
        Value::Duration(d) => d
            .nanos()
            .checked_neg()
            .map(|n| Value::Duration(Duration::from_nanos(n)))
            .ok_or_else(|| overflow(span)),
        other => Err(mismatch("-", &other, &other, span)),
    }
}

pub fn binary(op: BinaryOp, l: &Value, r: &Value, span: Span) -> EvalResult<Value> {
    use BinaryOp::*;
    match op {
        Eq => Ok(Value::Bool(l.equals(r))),
        Ne => Ok(Value::Bool(!l.equals(r))),
        Lt | Le | Gt | Ge => {
            let ordering = l.compare(r).ok_or_else(|| {
                if l.is_null() || r.is_null() {
                    return null_operand(op.symbol(), span);
                }
                EvalError::new(
                    Code::NotComparable,
                    format!("cannot compare a {} with a {}", l.kind_name(), r.kind_name()),
                    span,
                )
            })?;
            Ok(Value::Bool(match op {
                Lt => ordering == Ordering::Less,
                Le => ordering != Ordering::Greater,
                Gt => ordering == Ordering::Greater,
                _ => ordering != Ordering::Less,
            }))
        }
        In | NotIn => {
            let found = contains(r, l, span)?;
            Ok(Value::Bool(if op == In { found } else { !found }))
        }
        Add => add(l, r, span),
        Sub => sub(l, r, span),
        Mul => mul(l, r, span),
        Div => div(l, r, span),
        Rem => rem(l, r, span),
        And | Or | Coalesce | Matches => Err(EvalError::new(
            Code::InternalError,
            "internal error: operator evaluated out of place",
            span,
        )
        .with_help("this is a bug in cpl; please report it with the program that caused it")),
    }
}

/// `needle in haystack`.
pub fn contains(haystack: &Value, needle: &Value, span: Span) -> EvalResult<bool> {
    match haystack.resolve_ref() {
        Value::List(items) => Ok(items.contains(needle)),
        Value::Map(map) => match needle {
            Value::Str(k) => Ok(map.contains_key(&**k)),
            _ => Ok(false),
        },
        Value::Str(s) => match needle {
            Value::Str(n) => Ok(s.contains(&**n)),
            other => Err(mismatch("in", other, haystack, span)),
        },
        Value::Null => Err(EvalError::new(Code::NullValue, "cannot test membership of null", span)
            .with_help("give a default: `xs ?? []`")),
        other => Err(mismatch("in", needle, other, span)),
    }
}

fn add(l: &Value, r: &Value, span: Span) -> EvalResult<Value> {
    Ok(match (l, r) {
        (Value::Int(a), Value::Int(b)) => Value::Int(a.checked_add(*b).ok_or_else(|| overflow(span))?),
        (Value::Str(a), Value::Str(b)) => Value::Str(Arc::from(format!("{a}{b}"))),
        (Value::Duration(a), Value::Duration(b)) => Value::Duration(a.checked_add(*b).ok_or_else(|| overflow(span))?),
        (Value::Timestamp(t), Value::Duration(d)) | (Value::Duration(d), Value::Timestamp(t)) => {
            Value::Timestamp(shift(*t, d.nanos(), span)?)
        }
        (Value::List(a), Value::List(b)) => Value::list(a.items.iter().chain(b.items.iter()).cloned().collect()),
        _ => float_op(l, r, span, "+", |a, b| a + b)?,
    })
}

fn sub(l: &Value, r: &Value, span: Span) -> EvalResult<Value> {
    Ok(match (l, r) {
        (Value::Int(a), Value::Int(b)) => Value::Int(a.checked_sub(*b).ok_or_else(|| overflow(span))?),
        (Value::Duration(a), Value::Duration(b)) => Value::Duration(a.checked_sub(*b).ok_or_else(|| overflow(span))?),
        (Value::Timestamp(t), Value::Duration(d)) => {
            Value::Timestamp(shift(*t, d.nanos().checked_neg().ok_or_else(|| overflow(span))?, span)?)
        }
        (Value::Timestamp(a), Value::Timestamp(b)) => {
            let nanos = a.as_nanosecond() - b.as_nanosecond();
            Value::Duration(Duration::from_nanos(i64::try_from(nanos).map_err(|_| overflow(span))?))
        }
        _ => float_op(l, r, span, "-", |a, b| a - b)?,
    })
}

fn mul(l: &Value, r: &Value, span: Span) -> EvalResult<Value> {
    Ok(match (l, r) {
        (Value::Int(a), Value::Int(b)) => Value::Int(a.checked_mul(*b).ok_or_else(|| overflow(span))?),
        (Value::Duration(d), Value::Int(n)) | (Value::Int(n), Value::Duration(d)) => {
            Value::Duration(d.checked_mul(*n).ok_or_else(|| overflow(span))?)
        }
        (Value::Duration(d), Value::Float(x)) | (Value::Float(x), Value::Duration(d)) => {
            Value::Duration(scaled_duration(d.nanos() as f64 * x, span)?)
        }
        _ => float_op(l, r, span, "*", |a, b| a * b)?,
    })
}

/// A duration scaled by a float, in nanoseconds: an overflow, or a NaN from a NaN
/// factor, is an error rather than a duration saturated to its limit.
fn scaled_duration(nanos: f64, span: Span) -> EvalResult<Duration> {
    if !nanos.is_finite() || nanos.abs() >= i64::MAX as f64 {
        return Err(overflow(span));
    }
    Ok(Duration::from_nanos(nanos as i64))
}

fn div(l: &Value, r: &Value, span: Span) -> EvalResult<Value> {
    let zero = || {
        EvalError::new(Code::DivisionByZero, "division by zero", span)
            .with_help("test the divisor first: `if n > 0 then x / n else 0`")
    };
    Ok(match (l, r) {
        (_, Value::Int(0)) => return Err(zero()),
        (_, Value::Float(x)) if *x == 0.0 => return Err(zero()),
        (Value::Duration(d), Value::Int(n)) => Value::Duration(Duration::from_nanos(
            d.nanos().checked_div(*n).ok_or_else(|| overflow(span))?,
        )),
        (Value::Duration(d), Value::Float(x)) => Value::Duration(scaled_duration(d.nanos() as f64 / x, span)?),
        (Value::Duration(a), Value::Duration(b)) => {
            if b.nanos() == 0 {
                return Err(zero());
            }
            Value::Float(a.nanos() as f64 / b.nanos() as f64)
        }
        _ => float_op(l, r, span, "/", |a, b| a / b)?,
    })
}

fn rem(l: &Value, r: &Value, span: Span) -> EvalResult<Value> {
    match (l, r) {
        (_, Value::Int(0)) => Err(EvalError::new(Code::DivisionByZero, "remainder by zero", span)
            .with_help("test the divisor first: `if n != 0 then x % n else 0`")),
        (Value::Int(a), Value::Int(b)) => a.checked_rem(*b).map(Value::Int).ok_or_else(|| overflow(span)),
        _ => float_op(l, r, span, "%", |a, b| a % b),
    }
}

/// Arithmetic where at least one side is a float (or a number from `json`).
fn float_op(l: &Value, r: &Value, span: Span, symbol: &str, f: impl Fn(f64, f64) -> f64) -> EvalResult<Value> {
    let number = |v: &Value| match v {
        Value::Int(n) => Some(*n as f64),
        Value::Float(x) => Some(*x),
        _ => None,
    };
    match (number(l), number(r)) {
        (Some(a), Some(b)) => {
            let result = f(a, b);
            if result.is_finite() {
                Ok(Value::Float(result))
            } else {
                Err(overflow(span))
            }
        }
        _ => Err(mismatch(symbol, l, r, span)),
    }
}

fn shift(t: jiff::Timestamp, nanos: i64, span: Span) -> EvalResult<jiff::Timestamp> {
    t.checked_add(jiff::SignedDuration::from_nanos(nanos))
        .map_err(|_| overflow(span))
}

fn overflow(span: Span) -> EvalError {
    EvalError::new(Code::Overflow, "arithmetic overflow", span).with_help("the result does not fit in 64 bits")
}

fn mismatch(op: &str, l: &Value, r: &Value, span: Span) -> EvalError {
    if l.is_null() || r.is_null() {
        return null_operand(op, span);
    }
    EvalError::new(
        Code::CastFailed,
        format!("`{op}` is not defined for `{}` and `{}`", l.kind_name(), r.kind_name()),
        span,
    )
}

/// A null (from `json`, or an optional cast) where an operator needs a value.
fn null_operand(op: &str, span: Span) -> EvalError {
    EvalError::new(Code::NullValue, format!("`{op}` needs a value, found null"), span)
        .with_help("give a default with `??`, or test for null first")
}
