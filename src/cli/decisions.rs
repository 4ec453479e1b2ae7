//! `cpl decisions`: the decisions `cpl serve` answered, from the database it shares with
//! the run log, newest first.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::json;

use super::workflows::log_for_reading;
use super::{Exit, Output};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::report::{self, Format};
use crate::runtime::runlog::{DecisionKind, ServedFilter, ServedRecord};
use crate::session::runlog_error;

#[derive(Args, Debug)]
pub struct DecisionsArgs {
    /// Only decisions of this kind: policy, gate or flag.
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    /// Only decisions of this policy, gate or flag (a flag by its key).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Only decisions with this outcome (`deny`, `failed`, `TARGETING_MATCH`, …).
    #[arg(long, value_name = "OUTCOME")]
    pub outcome: Option<String>,
    /// Only decisions made at or after this time (a date or an RFC 3339 timestamp).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// At most N decisions, newest first (0 for all).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// The database [default: `runlog` in cpl.toml, else `.cpl/runs.db` in the project].
    #[arg(long, value_name = "PATH")]
    pub runlog: Option<PathBuf>,
}

/// `cpl decisions`.
pub fn decisions(project: Option<&Path>, args: &DecisionsArgs, out: &Output) -> Exit {
    let filter = match filter(args) {
        Ok(filter) => filter,
        Err(problem) => {
            out.fatal(problem);
            return Exit::Error;
        }
    };
    let records = match log_for_reading(project, args.runlog.as_deref(), out).map(|reading| reading.log) {
        Ok(Some(log)) => match log.served(&filter) {
            Ok(records) => records,
            Err(e) => {
                out.fatal(runlog_error(&e));
                return Exit::Error;
            }
        },
        Ok(None) => Vec::new(),
        Err(exit) => return exit,
    };
    match out.format {
        Format::Json => out.json(&json!({
            "version": report::JSON_VERSION,
            "decisions": records.iter().map(record_json).collect::<Vec<_>>(),
        })),
        _ if records.is_empty() => out.line("no decisions served yet"),
        _ => {
            for record in &records {
                out.line(&record_line(record));
            }
        }
    }
    Exit::Success
}

fn filter(args: &DecisionsArgs) -> Result<ServedFilter, Diagnostic> {
    let kind = match args.kind.as_deref() {
        None => None,
        Some(text) => Some(DecisionKind::parse(text).ok_or_else(|| {
            let kinds = DecisionKind::ALL.map(DecisionKind::as_str);
            let help = did_you_mean(text, kinds).unwrap_or_else(|| "the kinds are `policy`, `gate` and `flag`".into());
            Diagnostic::new(Code::InvalidArg, format!("`--kind {text}` is not a kind of decision")).with_help(help)
        })?),
    };
    let since = match args.since.as_deref() {
        None => None,
        Some(text) => Some(crate::time::parse_timestamp(text).map_err(|e| {
            Diagnostic::new(Code::InvalidArg, format!("`--since {text}` is not a time: {e}"))
                .with_help("give a date (`2026-12-01`) or an RFC 3339 timestamp")
        })?),
    };
    Ok(ServedFilter {
        kind,
        name: args.name.clone(),
        outcome: args.outcome.clone(),
        since,
        limit: (args.limit > 0).then_some(args.limit),
    })
}

/// `2026-12-07T02:10:00Z  policy  agent_ownership  deny  (project 3f9a1c2b0d4e)`.
fn record_line(record: &ServedRecord) -> String {
    let d = &record.decision;
    let version: String = d.project_version.chars().take(12).collect();
    format!(
        "{}  {:<6}  {}  {}  (project {version})",
        record.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        d.kind.as_str(),
        d.name,
        d.outcome
    )
}

fn record_json(record: &ServedRecord) -> serde_json::Value {
    let d = &record.decision;
    json!({
        "seq": record.seq,
        "at": record.at.to_string(),
        "kind": d.kind.as_str(),
        "name": d.name,
        "outcome": d.outcome,
        "project_version": d.project_version,
        "request": d.request,
        "result": d.result,
    })
}
