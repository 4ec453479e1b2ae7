//! A connector's JSON reply, read as the action's declared return type by the same
//! loader that reads registry data: strings become versions, timestamps, durations
//! and secrets where the type says so, unknown and missing fields are reported, and
//! `where` constraints are checked.

use crate::data::Loader;
use crate::eval::Env;
use crate::ir::Type;
use crate::ir::Value;
use crate::source::{FileKind, SourceMap};

/// The reply as a value of `ty`, or why it is not one (the first few problems, on one
/// line).
pub(super) fn typed_reply(env: &Env<'_>, reply: &serde_json::Value, ty: &Type) -> Result<Value, String> {
    if matches!(ty, Type::Json | Type::Error | Type::Unknown) {
        return Ok(Value::from_json(reply));
    }
    let text = serde_json::to_string_pretty(reply).map_err(|e| e.to_string())?;
    let mut sources = SourceMap::new();
    let file = sources.add("<reply>", None, FileKind::Json, text);
    // `where` constraints in the return type are checked by the evaluator.
    let mut loader = Loader::new(env.program, &sources, env);
    let mut problems = Vec::new();
    let value = loader.load_document(file, ty, "reply", &mut problems);
    let errors: Vec<_> = problems.iter().filter(|d| d.is_error()).collect();
    match (value, errors.first()) {
        (Some(value), None) => Ok(value),
        (_, Some(_)) => {
            let shown: Vec<String> = errors.iter().take(MAX_SHOWN).map(|d| describe(d)).collect();
            let mut message = shown.join("; ");
            let more = errors.len().saturating_sub(MAX_SHOWN);
            if more > 0 {
                message.push_str(&format!(
                    "; and {more} more problem{}",
                    if more == 1 { "" } else { "s" }
                ));
            }
            Err(message)
        }
        (None, None) => Err("the reply is not a value".to_owned()),
    }
}

/// The most problems of one reply a message lists.
const MAX_SHOWN: usize = 3;

/// A loader problem on one line, prefixed with the field it concerns when the loader
/// named one (its second label says "`run_id` is declared here").
fn describe(d: &crate::diagnostics::Diagnostic) -> String {
    let field = d.secondary.iter().find_map(|l| {
        l.message
            .strip_suffix(" is declared here")
            .filter(|f| f.starts_with('`') && f.ends_with('`'))
    });
    match field {
        Some(field) if !d.message.contains(field) => format!("{field}: {}", d.message),
        _ => d.message.clone(),
    }
}
