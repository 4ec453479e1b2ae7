//! `cpl flag NAME --ctx path=value …`: one evaluation of one flag, printed as value,
//! variant and reason (or OFREP-like JSON), through the library facade.

use std::path::Path;

use clap::Args;
use serde_json::json;

use super::commands::{Inputs, leave, open, stop};
use super::{Exit, Output};
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::flags::{Evaluation, Reason};
use crate::report::{self, Format};
use crate::session::{Session, Status, Stopped};

#[derive(Args, Debug)]
pub(crate) struct FlagArgs {
    /// The flag's name or external key.
    pub name: String,
    /// A context field, typed against the project's `context`: `--ctx tenant.id=t9`.
    #[arg(long = "ctx", value_name = "PATH=VALUE")]
    pub ctx: Vec<String>,
    /// The whole context as a JSON object; `--ctx` fields are set over it.
    #[arg(long = "ctx-json", value_name = "JSON")]
    pub ctx_json: Option<String>,
}

pub(crate) fn flag(project: Option<&Path>, args: &FlagArgs, out: &mut Output) -> Exit {
    let session = match open(project, Inputs::NONE, None, None, out) {
        Ok(session) => session,
        Err(exit) => return exit,
    };
    let key = match session.flag_key(&args.name) {
        Ok(key) => key,
        Err(stopped) => return stop(&session, stopped, out),
    };
    let context = match context(&session, args) {
        Ok(context) => context,
        Err(problems) => {
            return stop(&session, Stopped::new(Status::CouldNotRun, problems), out);
        }
    };
    let evaluation = session.evaluate_flag(&key, &context);
    match out.format {
        Format::Json => out.json(&evaluation_json(&evaluation)),
        _ => {
            for line in evaluation_lines(&evaluation) {
                out.line(&line);
            }
        }
    }
    let exit = match evaluation.reason {
        Reason::Error => Exit::Failure,
        _ => Exit::Success,
    };
    leave(session, exit)
}

/// The context from `--ctx-json` and `--ctx`.
fn context(session: &Session, args: &FlagArgs) -> Result<serde_json::Value, Vec<Diagnostic>> {
    let base = match &args.ctx_json {
        None => serde_json::Map::new(),
        Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(object)) => object,
            Ok(_) => {
                return Err(vec![
                    Diagnostic::new(Code::InvalidArg, "`--ctx-json` is not a JSON object").with_help(
                        "give the whole context as an object: `--ctx-json '{\"tenant\": {\"id\": \"t9\"}}'`",
                    ),
                ]);
            }
            Err(error) => {
                return Err(vec![
                    Diagnostic::new(Code::InvalidArg, format!("`--ctx-json` is not JSON: {error}"))
                        .with_help("quote the object for the shell: `--ctx-json '{\"tenant\": {\"id\": \"t9\"}}'`"),
                ]);
            }
        },
    };
    session.context_from_paths(base, &args.ctx)
}

/// `{version, key, value, variant, reason, errorCode?, errorMessage?}`, as OFREP answers.
pub(crate) fn evaluation_json(evaluation: &Evaluation) -> serde_json::Value {
    let mut object = json!({
        "version": report::JSON_VERSION,
        "key": &*evaluation.key,
        "value": evaluation.value.as_ref().map(|v| v.to_json(false)),
        "variant": evaluation.variant.as_deref(),
        "reason": evaluation.reason.as_str(),
    });
    if let (Some(error), serde_json::Value::Object(fields)) = (&evaluation.error, &mut object) {
        fields.insert("errorCode".into(), json!(error.code.as_str()));
        fields.insert("errorMessage".into(), json!(error.message));
    }
    object
}

/// `new_ai_model = true`, then the variant, the reason and any error, one a line.
fn evaluation_lines(evaluation: &Evaluation) -> Vec<String> {
    let value = evaluation
        .value
        .as_ref()
        .map(|v| v.to_json(false).to_string())
        .unwrap_or_else(|| "(none)".to_string());
    let served = if evaluation.error.is_some() {
        " (the default)"
    } else {
        ""
    };
    let mut lines = vec![
        format!("{} = {value}{served}", evaluation.key),
        format!("  variant  {}", evaluation.variant.as_deref().unwrap_or("(none)")),
        format!("  reason   {}", evaluation.reason.as_str()),
    ];
    if let Some(error) = &evaluation.error {
        lines.push(format!("  error    {}: {}", error.code.as_str(), error.message));
    }
    lines
}
