//! `cpl config NAME [--env E] [--reveal]`: a config's resolved document as JSON.

use std::path::Path;

use serde_json::json;

use super::commands::{Inputs, exit, leave, open, stop};
use super::{Exit, Output};
use crate::report::{self, Format};

#[derive(clap::Args, Debug)]
pub(crate) struct ConfigArgs {
    /// The config.
    name: String,
    /// The environment (default: `default_environment` in `cpl.toml`, else the first
    /// of the `environments` list).
    #[arg(long, value_name = "ENV")]
    env: Option<String>,
    /// Show secrets' values instead of `***`.
    #[arg(long)]
    reveal: bool,
}

/// Prints the document: as it is for people, wrapped with the config's name and
/// environment for `--format json`; SARIF and GitHub formats carry only diagnostics.
pub fn config(project: Option<&Path>, args: &ConfigArgs, out: &mut Output) -> Exit {
    let session = match open(project, Inputs::NONE, None, None, out) {
        Ok(session) => session,
        Err(exit) => return exit,
    };
    let resolved = match session.config(&args.name, args.env.as_deref(), args.reveal) {
        Ok(resolved) => resolved,
        Err(stopped) => return stop(&session, stopped, out),
    };
    let sources = &session.project.sources;
    match out.format {
        Format::Json => out.json(&json!({
            "version": report::JSON_VERSION,
            "config": &*resolved.name,
            "env": resolved.env.as_deref(),
            "document": resolved.document,
            "diagnostics": resolved
                .diagnostics
                .iter()
                .map(|d| report::diagnostic_to_json(d, sources, &out.paths))
                .collect::<Vec<_>>(),
        })),
        Format::Human => {
            if !resolved.diagnostics.is_empty() {
                out.diagnostics(&resolved.diagnostics, sources, session.anchor());
            }
            out.json(&resolved.document);
        }
        _ => out.diagnostics(&resolved.diagnostics, sources, session.anchor()),
    }
    leave(session, exit(crate::session::Status::Passed))
}
