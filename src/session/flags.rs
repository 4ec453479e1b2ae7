//! Feature flags through the facade: the project's flags, and one evaluation of a flag by
//! its external key in a context given as JSON, as `cpl flag` and the OFREP server ask.

use std::sync::Arc;

use super::args::read_json;
use super::{Session, Status, Stopped, split_assignment, typed_value, unknown_item};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::eval::Env;
use crate::eval::flags::{ErrorCode, Evaluation, not_found, served_default};
use crate::ir::{FlagDef, FlagId, ItemRef, Type, Value};
use crate::source::SourceMap;

/// A flag as services see it.
#[derive(Clone, Debug)]
pub struct FlagInfo {
    pub key: Arc<str>,
    pub name: Arc<str>,
    pub ty: crate::ir::Type,
}

/// The OpenFeature context attribute that names the subject; accepted in every context,
/// and ignored unless the project's `context` declares it.
pub const TARGETING_KEY: &str = "targetingKey";

/// Why a context given as JSON cannot be used.
#[derive(Clone, Debug, PartialEq)]
pub struct ContextError {
    pub code: ErrorCode,
    pub message: String,
}

impl Session {
    /// Every flag of the project, in declaration order.
    pub fn flags(&self) -> Vec<FlagInfo> {
        self.project
            .program
            .flags
            .iter()
            .map(|f| FlagInfo {
                key: f.key.clone(),
                name: f.name.clone(),
                ty: f.ty.clone(),
            })
            .collect()
    }

    /// Evaluates the flag whose external key is `key` in `context` (a JSON object).
    pub fn evaluate_flag(&self, key: &str, context: &serde_json::Value) -> Evaluation {
        let Some((id, def)) = self.project.program.flag_by_key(key) else {
            return not_found(&Arc::from(key));
        };
        self.evaluate_one(&self.env(), id, def, &mut Reading::new(context))
    }

    /// Evaluates every flag, in declaration order, in one `context` (OFREP's bulk
    /// evaluation): the context is read once, as [`Session::evaluate_flag`] reads it.
    pub fn evaluate_flags(&self, context: &serde_json::Value) -> Vec<Evaluation> {
        let env = self.env();
        let mut reading = Reading::new(context);
        (0u32..)
            .zip(&self.project.program.flags)
            .map(|(index, def)| self.evaluate_one(&env, FlagId(index), def, &mut reading))
            .collect()
    }

    /// One flag in a context: the project's problems first, then a context that is not an
    /// object; a disabled flag or one without rules reads no context, so a kill switch
    /// works whatever the caller sends.
    fn evaluate_one(&self, env: &Env<'_>, id: FlagId, def: &FlagDef, reading: &mut Reading<'_>) -> Evaluation {
        if let Some(problem) = self.project_problem() {
            return served_default(def, ErrorCode::General, problem);
        }
        if !reading.given.is_object() {
            let message = format!("the context is {}, not a JSON object", json_kind(reading.given));
            return served_default(def, ErrorCode::ParseError, message);
        }
        if !def.enabled || def.rules.is_empty() {
            return env.evaluate_flag(id, &Value::Null);
        }
        match reading.read(self) {
            Ok(context) => env.evaluate_flag(id, context),
            Err(error) => served_default(def, error.code, error.message.clone()),
        }
    }

    /// Evaluates the flag `key` in a context already read with [`Session::flag_context`]:
    /// the path of a service that evaluates many flags in one context.
    pub fn evaluate_flag_in(&self, key: &str, context: &Value) -> Evaluation {
        let Some((id, def)) = self.project.program.flag_by_key(key) else {
            return not_found(&Arc::from(key));
        };
        if let Some(problem) = self.project_problem() {
            return served_default(def, ErrorCode::General, problem);
        }
        self.env().evaluate_flag(id, context)
    }

    /// The external key of the flag whose key or name is `name` (`cpl flag` takes
    /// either): stops on a project that does not check, as every operation does, and on a
    /// name no flag has, with the closest one.
    pub fn flag_key(&self, name: &str) -> Result<Arc<str>, Stopped> {
        let program = &self.project.program;
        let diagnostics = self.diagnostics();
        let by_name = || match program.names.get(name) {
            Some(ItemRef::Flag(id)) => program.flags.get(id.index()),
            _ => None,
        };
        let flag = program.flag_by_key(name).map(|(_, flag)| flag).or_else(by_name);
        if diagnostics.has_errors() {
            return Err(Stopped::wanting(diagnostics));
        }
        match flag {
            Some(flag) => Ok(flag.key.clone()),
            None => {
                let unknown = unknown_item(program, name, "flag", |r| matches!(r, ItemRef::Flag(_)));
                Err(Stopped::new(Status::CouldNotRun, vec![unknown]))
            }
        }
    }

    /// Reads a JSON context against the project's `context` type, through the same loader
    /// as registry data. Not an object: `PARSE_ERROR`; not of the context's type:
    /// `INVALID_CONTEXT` with the loader's message. `targetingKey` is dropped unless the
    /// context declares it.
    pub fn flag_context(&self, context: &serde_json::Value) -> Result<Value, ContextError> {
        let serde_json::Value::Object(fields) = context else {
            return Err(ContextError {
                code: ErrorCode::ParseError,
                message: format!("the context is {}, not a JSON object", json_kind(context)),
            });
        };
        let program = &self.project.program;
        let Some(declared) = &program.context else {
            return Ok(Value::Null);
        };
        let declares_targeting_key = matches!(&declared.ty, Type::Record(r) if r.field(TARGETING_KEY).is_some());
        let text = if fields.contains_key(TARGETING_KEY) && !declares_targeting_key {
            let mut kept = fields.clone();
            kept.remove(TARGETING_KEY);
            serde_json::Value::Object(kept).to_string()
        } else {
            context.to_string()
        };
        read_context(&text, &declared.ty, program).map_err(|message| ContextError {
            code: ErrorCode::InvalidContext,
            message,
        })
    }

    /// A context built from `path=value` texts (`--ctx tenant.id=t9`), each path typed
    /// against the project's `context` and each value read as that path's type, over
    /// `base` (`--ctx-json`). Unknown paths get a "did you mean"; bad values say what
    /// was expected.
    pub fn context_from_paths(
        &self,
        base: serde_json::Map<String, serde_json::Value>,
        assignments: &[String],
    ) -> Result<serde_json::Value, Vec<Diagnostic>> {
        let program = &self.project.program;
        let mut context = base;
        let mut problems = Vec::new();
        for text in assignments {
            let (path, raw) = match split_assignment(text, "ctx") {
                Ok(pair) => pair,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            let Some(declared) = &program.context else {
                problems.push(
                    Diagnostic::new(
                        Code::UnknownArg,
                        format!("`--ctx {path}=…`: this project declares no `context`"),
                    )
                    .with_help("declare what flags are evaluated in: `context { tenant: { id: string } }`"),
                );
                continue;
            };
            let segments: Vec<&str> = path.split('.').map(str::trim).collect();
            let ty = match path_type(&declared.ty, &segments, program) {
                Ok(ty) => ty,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            };
            match typed_value(raw, &ty, program) {
                Ok(value) => set_path(&mut context, &segments, value.to_json(true)),
                Err(expected) => problems.push(
                    Diagnostic::new(
                        Code::InvalidArg,
                        format!("invalid value for `--ctx {path}`: expected {expected}, found `{raw}`"),
                    )
                    .with_help(format!("`{path}` is declared as `{}`", program.display_type(&ty))),
                ),
            }
        }
        if problems.is_empty() {
            Ok(serde_json::Value::Object(context))
        } else {
            Err(problems)
        }
    }

    /// Why nothing can be evaluated in this project, if something stops it.
    fn project_problem(&self) -> Option<String> {
        let errors = self.project.diagnostics.iter().filter(|d| d.is_error()).count()
            + self.data.diagnostics.iter().filter(|d| d.is_error()).count();
        (errors > 0).then(|| {
            format!("the project has {errors} error(s): run `cpl check` (flags are not evaluated until it passes)")
        })
    }
}

/// A JSON context and, once a flag needed it, what it read as.
struct Reading<'c> {
    given: &'c serde_json::Value,
    read: Option<Result<Value, ContextError>>,
}

impl<'c> Reading<'c> {
    fn new(given: &'c serde_json::Value) -> Reading<'c> {
        Reading { given, read: None }
    }

    fn read(&mut self, session: &Session) -> &Result<Value, ContextError> {
        self.read.get_or_insert_with(|| session.flag_context(self.given))
    }
}

/// JSON text read as a value of the context's type, or the loader's first complaint.
fn read_context(text: &str, ty: &Type, program: &crate::ir::Program) -> Result<Value, String> {
    read_json("<context>", "context", text, ty, program).map_err(|unread| match unread.problem {
        // A context holding secrets is never echoed, even in part.
        Some(problem) if holds_secrets(ty) => problem.message,
        Some(problem) => with_place(&problem, &unread.sources),
        None => "the context could not be read".to_string(),
    })
}

/// Whether values of `ty` may hold a `secret`.
fn holds_secrets(ty: &Type) -> bool {
    match ty {
        Type::Secret => true,
        Type::List(inner) | Type::Map(inner) | Type::Optional(inner) => holds_secrets(inner),
        Type::Record(record) => record.fields.iter().any(|f| holds_secrets(&f.ty)),
        _ => false,
    }
}

/// The loader's message, with the object it is about when that is not the whole context
/// (`missing field `region` in `{"id":"t9"}``), since the caller sees no source line.
fn with_place(problem: &Diagnostic, sources: &SourceMap) -> String {
    let Some(label) = &problem.primary else {
        return problem.message.clone();
    };
    let text = sources.text(label.span.file);
    let from = text.get(label.span.start as usize..).unwrap_or_default();
    let object = serde_json::Deserializer::from_str(from)
        .into_iter::<serde_json::Value>()
        .next()
        .and_then(Result::ok)
        .filter(|value| value.is_object() && label.span.start > 0);
    match object {
        Some(object) => {
            let written = object.to_string();
            let shown: String = written.chars().take(60).collect();
            let more = if shown.len() < written.len() { "…" } else { "" };
            format!("{} in `{shown}{more}`", problem.message)
        }
        None => problem.message.clone(),
    }
}

/// The type at a dotted path of the context type, through optional records.
fn path_type(context: &Type, segments: &[&str], program: &crate::ir::Program) -> Result<Type, Diagnostic> {
    let mut ty = context.clone();
    for (depth, segment) in segments.iter().enumerate() {
        let so_far = segments.get(..depth).unwrap_or_default().join(".");
        let Type::Record(record) = ty.strip_optional() else {
            return Err(Diagnostic::new(
                Code::UnknownArg,
                format!(
                    "`--ctx {}`: `{so_far}` is a `{}`, which has no fields",
                    segments.join("."),
                    program.display_type(&ty)
                ),
            ));
        };
        let Some((_, field)) = record.field(segment) else {
            let names: Vec<&str> = record.fields.iter().map(|f| &*f.name).collect();
            let help = did_you_mean(segment, names.iter().copied()).unwrap_or_else(|| {
                let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                format!("its fields are {}", listed.join(", "))
            });
            let place = if so_far.is_empty() {
                "the context".to_string()
            } else {
                format!("`{so_far}`")
            };
            return Err(Diagnostic::new(
                Code::UnknownArg,
                format!("`--ctx {}`: {place} has no field `{segment}`", segments.join(".")),
            )
            .with_help(help));
        };
        ty = field.ty.clone();
    }
    Ok(ty)
}

/// Sets `value` at a dotted path of a JSON object, making the objects on the way.
fn set_path(object: &mut serde_json::Map<String, serde_json::Value>, segments: &[&str], value: serde_json::Value) {
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    let mut current = object;
    for segment in parents {
        let entry = current
            .entry(segment.to_string())
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        if !entry.is_object() {
            *entry = serde_json::Value::Object(serde_json::Map::new());
        }
        let serde_json::Value::Object(next) = entry else {
            return;
        };
        current = next;
    }
    current.insert(last.to_string(), value);
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}
