//! `cpl serve`: checks the arguments and the project, opens the decision log, then hands
//! them to [`crate::serve`] with the worker count (`--jobs`) and the way to open the
//! project again when it changes (unless `--no-reload`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::commands::root;
use super::{Exit, Output};
use crate::diagnostics::{Code, Diagnostic};
use crate::runtime::runlog::RunLog;
use crate::serve::{DecisionLog, DecisionWriter, Options, Reload, Tokens};
use crate::session::{OpenOptions, Session, clock_from_env, could_not_run, runlog_error};

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The address to listen on; port 0 picks a free port (logged at start).
    #[arg(long, default_value = "127.0.0.1:8181", value_name = "IP:PORT")]
    pub addr: SocketAddr,
    /// Bearer tokens, one per line: every request but `/health` must carry one.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Serve a non-loopback address without tokens (behind a proxy that authenticates).
    #[arg(long)]
    pub insecure: bool,
    /// The longest a request may take, in milliseconds, before it is answered 503.
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    pub timeout_ms: u64,
    /// The largest request body, in bytes (larger: 413).
    #[arg(long, default_value_t = 1024 * 1024, value_name = "BYTES")]
    pub max_body_bytes: usize,
    /// Serve the project as it is at start: do not watch it for changes.
    #[arg(long)]
    pub no_reload: bool,
    /// The database served decisions are appended to [default: `runlog` in cpl.toml, else
    /// `.cpl/runs.db` in the project].
    #[arg(long, value_name = "PATH")]
    pub runlog: Option<PathBuf>,
}

pub fn serve(project: Option<&Path>, args: &ServeArgs, out: &Output) -> Exit {
    let tokens = match tokens(args) {
        Ok(tokens) => tokens,
        Err(diagnostic) => {
            out.fatal(diagnostic);
            return Exit::Error;
        }
    };
    let (root, open_options) = match open_options(project, out) {
        Ok(opened) => opened,
        Err(diagnostic) => {
            out.fatal(diagnostic);
            return Exit::Error;
        }
    };
    let session = Session::open(&root, &open_options);
    if let Some(d) = session.fatal() {
        out.fatal(d.clone());
        return Exit::Error;
    }
    // Only a project without errors is served (a reload refuses one, too). A waiver that
    // expires is not one: it fails the decisions it touches, request by request, at each
    // request's time, as it would if it expired while the server runs.
    let problems = session.diagnostics();
    if problems.has_errors() {
        let problems = problems.into_vec();
        out.diagnostics(&problems, &session.project.sources, session.anchor());
        return if could_not_run(&problems) {
            Exit::Error
        } else {
            Exit::Failure
        };
    }
    let (decisions, writer) = match decision_log(args, &session) {
        Ok(started) => started,
        Err(diagnostic) => {
            out.fatal(diagnostic);
            return Exit::Error;
        }
    };
    let options = Options {
        addr: args.addr,
        tokens,
        jobs: out.jobs.get(),
        timeout: Duration::from_millis(args.timeout_ms.max(1)),
        body_limit: args.max_body_bytes,
        reload: (!args.no_reload).then(|| reload(root, open_options)),
        decisions,
    };
    let served = crate::serve::serve(session, options);
    // Every decision answered is in the log before the process exits.
    writer.finish();
    match served {
        Ok(()) => Exit::Success,
        Err(error) => {
            out.fatal(Diagnostic::new(Code::InvalidArg, error.0).with_help("choose another `--addr`"));
            Exit::Error
        }
    }
}

/// The project's root and how it is opened (as every command opens it, with no inputs).
fn open_options(project: Option<&Path>, out: &Output) -> Result<(PathBuf, OpenOptions), Diagnostic> {
    let root = root(project)?;
    let options = OpenOptions {
        max_per_code: out.max_per_code,
        jobs: out.jobs,
        ..OpenOptions::new(clock_from_env()?)
    };
    Ok((root, options))
}

/// Opens the project again as it was opened first, at the time of the reload (or at
/// `CPL_NOW`, which was valid at start).
fn reload(root: PathBuf, options: OpenOptions) -> Reload {
    let watched = root.clone();
    let reopen = move || {
        let now = clock_from_env().unwrap_or(options.now);
        Session::open(&root, &OpenOptions { now, ..options.clone() })
    };
    Reload {
        root: watched,
        reopen: Arc::new(reopen),
    }
}

/// Opens the decision log (`--runlog`, else the project's run log) and starts its
/// writer; a log that cannot be opened stops the server before it listens.
fn decision_log(args: &ServeArgs, session: &Session) -> Result<(DecisionLog, DecisionWriter), Diagnostic> {
    let path = match &args.runlog {
        Some(path) => path.clone(),
        None => session.project.config.runlog_path(&session.project.root)?,
    };
    let log = RunLog::open(&path).map_err(|e| runlog_error(&e))?;
    DecisionLog::start(log).map_err(|message| Diagnostic::new(Code::RunLog, message))
}

/// The bearer tokens asked for, or why the arguments cannot be served.
fn tokens(args: &ServeArgs) -> Result<Option<Tokens>, Diagnostic> {
    let tokens = match &args.token_file {
        Some(path) => Some(
            Tokens::from_file(path)
                .map_err(|message| Diagnostic::new(Code::InvalidArg, message).with_help("write one token per line"))?,
        ),
        None => None,
    };
    if !args.addr.ip().is_loopback() && tokens.is_none() && !args.insecure {
        return Err(Diagnostic::new(
            Code::InvalidArg,
            format!(
                "`--addr {}` is reachable from other machines, and no token is asked for",
                args.addr
            ),
        )
        .with_help(
            "give `--token-file FILE` (bearer tokens, one per line), or `--insecure` behind a proxy that authenticates",
        ));
    }
    Ok(tokens)
}
