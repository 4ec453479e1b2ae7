//! Arguments given as text (`--arg name=value` on the command line, `arg=value` in a
//! fixture), read as the declared type of the parameter they name.

use std::sync::Arc;

use crate::data::Loader;
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::ir::{NoConstraints, Param, Program, Type, Value};
use crate::source::{FileKind, SourceMap};

/// Splits `name=value`.
pub fn split_assignment<'a>(text: &'a str, flag: &str) -> Result<(&'a str, &'a str), Diagnostic> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim(), value)),
        _ => Err(Diagnostic::new(
            Code::InvalidArg,
            format!("`--{flag} {text}` is not of the form `name=value`"),
        )
        .with_help(format!(
            "write `--{flag} NAME=VALUE`, for example `--{flag} drift=0.22`"
        ))),
    }
}

/// The arguments of a policy or a workflow (`kind`) from `name=value` texts, by
/// parameter, each read as its parameter's type; `name=@file` reads the value from a file
/// (relative to the current directory, as curl does). Unknown names, repeats, bad values
/// and missing required parameters are errors that say what exists.
pub fn named_args(
    raw: &[String],
    kind: &str,
    callee: &str,
    params: &[Param],
    program: &Program,
) -> Result<Vec<(Arc<str>, Value)>, Vec<Diagnostic>> {
    let mut out: Vec<(Arc<str>, Value)> = Vec::new();
    let mut problems = Vec::new();
    // Parameters given, well or badly: a bad value is not also reported as missing.
    let mut given: Vec<String> = Vec::new();
    for text in raw {
        let (name, value) = match split_assignment(text, "arg") {
            Ok(pair) => pair,
            Err(d) => {
                problems.push(d);
                given.push(text.trim().to_string());
                continue;
            }
        };
        let Some(param) = params.iter().find(|p| &*p.name == name) else {
            problems.push(unknown_param(kind, callee, name, params));
            continue;
        };
        if given.iter().any(|n| n == name) {
            problems.push(Diagnostic::new(
                Code::InvalidArg,
                format!("`--arg {name}` is given twice"),
            ));
            continue;
        }
        given.push(name.to_string());
        let file_text;
        let value = match value.strip_prefix('@') {
            Some(path) => match std::fs::read_to_string(path) {
                Ok(text) => {
                    file_text = text;
                    file_text.as_str()
                }
                Err(e) => {
                    problems.push(
                        Diagnostic::new(
                            Code::UnreadableFile,
                            format!("cannot read `{path}` for `--arg {name}`: {e}"),
                        )
                        .with_help("`--arg name=@file` reads the value from a file relative to the current directory"),
                    );
                    continue;
                }
            },
            None => value,
        };
        match typed_value(value, &param.ty, program) {
            Ok(v) => out.push((param.name.clone(), v)),
            Err(expected) => {
                // A secret's text is never repeated, even when it is the wrong shape.
                let found = if matches!(param.ty.strip_optional(), Type::Secret) {
                    "***"
                } else {
                    value
                };
                problems.push(
                    Diagnostic::new(
                        Code::InvalidArg,
                        format!("invalid value for `--arg {name}`: expected {expected}, found `{found}`"),
                    )
                    .with_help(format!("`{name}` is declared as `{}`", program.display_type(&param.ty))),
                );
            }
        }
    }
    for param in params.iter().filter(|p| !given.iter().any(|n| **n == *p.name)) {
        problems.extend(missing(param, program, || {
            format!("{kind} `{callee}` needs `--arg {}=…`", param.name)
        }));
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// The arguments of a policy (`kind`) given as a JSON object (the server's `"args"`),
/// each value read as its parameter's type through the data loader. The same rules as
/// [`named_args`]: unknown names, bad values and missing required parameters are errors
/// that say what exists.
pub fn json_args(
    raw: &serde_json::Map<String, serde_json::Value>,
    kind: &str,
    callee: &str,
    params: &[Param],
    program: &Program,
) -> Result<Vec<(Arc<str>, Value)>, Vec<Diagnostic>> {
    let mut out: Vec<(Arc<str>, Value)> = Vec::new();
    let mut problems = Vec::new();
    for (name, value) in raw {
        let Some(param) = params.iter().find(|p| *p.name == **name) else {
            problems.push(unknown_param(kind, callee, name, params));
            continue;
        };
        let text = serde_json::to_string(value).unwrap_or_default();
        match json_value(&text, &param.ty, program) {
            Ok(v) => out.push((param.name.clone(), v)),
            Err(why) => {
                // The loader's words name the kind of value found, never a secret's text.
                problems.push(
                    Diagnostic::new(Code::InvalidArg, format!("invalid value for argument `{name}`: {why}"))
                        .with_help(format!("`{name}` is declared as `{}`", program.display_type(&param.ty))),
                );
            }
        }
    }
    for param in params.iter().filter(|p| !raw.contains_key(&*p.name)) {
        problems.extend(missing(param, program, || {
            format!("{kind} `{callee}` needs the argument `{}`", param.name)
        }));
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// A parameter that was not given: an error when it has no default, worded by `message`.
fn missing(param: &Param, program: &Program, message: impl FnOnce() -> String) -> Option<Diagnostic> {
    param.default.is_none().then(|| {
        Diagnostic::new(Code::UnknownArg, message())
            .at(param.span, "declared here")
            .with_help(format!(
                "`{}` is a `{}` with no default",
                param.name,
                program.display_type(&param.ty)
            ))
    })
}

/// `kind `callee` has no parameter `name``, with the closest name or the list.
fn unknown_param(kind: &str, callee: &str, name: &str, params: &[Param]) -> Diagnostic {
    let help = did_you_mean(name, params.iter().map(|p| &*p.name));
    let listed: Vec<String> = params.iter().map(|p| format!("`{}`", p.name)).collect();
    Diagnostic::new(Code::UnknownArg, format!("{kind} `{callee}` has no parameter `{name}`")).with_help(
        help.unwrap_or_else(|| {
            if listed.is_empty() {
                format!("`{callee}` takes no arguments")
            } else {
                format!("its parameters are {}", listed.join(", "))
            }
        }),
    )
}

/// Reads command-line text as a value of `ty`; on failure, says what was expected.
pub fn typed_value(text: &str, ty: &Type, program: &Program) -> Result<Value, String> {
    let trimmed = text.trim();
    match ty {
        Type::Optional(inner) => {
            if trimmed == "null" {
                Ok(Value::Null)
            } else {
                typed_value(text, inner, program)
            }
        }
        Type::String => Ok(Value::str(text)),
        Type::Secret => Ok(Value::Secret(Arc::from(text))),
        Type::Bool => match trimmed {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("`true` or `false`".to_string()),
        },
        Type::Int => trimmed
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| "an integer".to_string()),
        Type::Float => {
            let parsed = match trimmed.strip_suffix('%') {
                Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
                None => trimmed.parse::<f64>(),
            };
            parsed
                .ok()
                .filter(|x| x.is_finite())
                .map(Value::Float)
                .ok_or_else(|| "a number".to_string())
        }
        Type::Duration => crate::time::Duration::parse(trimmed)
            .map(Value::Duration)
            .map_err(|_| "a duration such as `30s` or `10m`".to_string()),
        Type::Timestamp => crate::time::parse_timestamp(trimmed)
            .map(Value::Timestamp)
            .map_err(|_| "a date or an RFC 3339 timestamp".to_string()),
        Type::Version => semver::Version::parse(trimmed)
            .map(|v| Value::Version(Arc::new(v)))
            .map_err(|_| "a version such as `1.4.0`".to_string()),
        Type::Enum(e) => {
            if e.members.iter().any(|m| &**m == trimmed) {
                Ok(Value::str(trimmed))
            } else {
                let listed: Vec<String> = e.members.iter().map(|m| format!("`{m}`")).collect();
                let suggestion = did_you_mean(trimmed, e.members.iter().map(|m| &**m))
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default();
                Err(format!("one of {}{suggestion}", listed.join(", ")))
            }
        }
        _ => json_value(text, ty, program)
            .map_err(|why| format!("JSON data of type `{}` ({why})", program.display_type(ty))),
    }
}

/// Reads JSON text as a value of `ty`, through the same loader as registry data.
fn json_value(text: &str, ty: &Type, program: &Program) -> Result<Value, String> {
    read_json("<arg>", "arg", text, ty, program).map_err(|unread| match unread.problem {
        Some(problem) => problem.message,
        None => "not JSON".to_string(),
    })
}

/// JSON text that did not read as a value of its type: the loader's first error (`None`
/// when it gave no value and no error), and the text's source map, to place it.
pub(super) struct Unread {
    pub problem: Option<Diagnostic>,
    pub sources: SourceMap,
}

/// JSON text (named `name` in a source map of its own) read as a value of `ty` through the
/// data loader, as registry data is: every check of the type, no `where` constraints.
pub(super) fn read_json(name: &str, what: &str, text: &str, ty: &Type, program: &Program) -> Result<Value, Unread> {
    let mut sources = SourceMap::new();
    let file = sources.add(name, None, FileKind::Json, text);
    let mut problems = Vec::new();
    let value = Loader::new(program, &sources, &NoConstraints).load_document(file, ty, what, &mut problems);
    match (value, problems.into_iter().find(Diagnostic::is_error)) {
        (Some(value), None) => Ok(value),
        (_, problem) => Err(Unread { problem, sources }),
    }
}
