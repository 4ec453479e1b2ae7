//! The command line: a thin shell over the library. Parses arguments, loads the project,
//! calls the stage that does the work, renders the result, and maps it to an exit code.

mod args;
mod commands;
mod config;
mod decisions;
mod flags;
mod interrupt;
mod output;
mod paths;
mod serve;
mod workflows;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::parallel::Jobs;

pub(crate) use output::Output;

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Everything checked out.
    Success,
    /// The input was processed and found wanting: errors, denials, breached objectives.
    Failure,
    /// The command could not run: bad arguments, unreadable files, internal errors.
    Error,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        match exit {
            Exit::Success => ExitCode::SUCCESS,
            Exit::Failure => ExitCode::from(1),
            Exit::Error => ExitCode::from(2),
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "cpl",
    version,
    about = "Check, evaluate and run control-plane programs written in cpl",
    after_help = "Examples:\n  cpl check --project examples/repo-governance\n  cpl gate registry_valid --format github\n  cpl explain E0101"
)]
pub(crate) struct Cli {
    /// The project directory (default: the nearest ancestor holding `cpl.toml`, else the
    /// current directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Output format: human, json, sarif or github.
    #[arg(long, global = true, default_value = "human", value_name = "FORMAT")]
    pub format: String,
    /// The directory that file paths in the output are relative to (default: the current
    /// directory). In CI, the checkout: `--path-base "$GITHUB_WORKSPACE"`.
    #[arg(long, global = true, value_name = "DIR")]
    pub path_base: Option<PathBuf>,
    /// Show at most N diagnostics of each code per file, and a note counting the rest
    /// (0: show all). What is not shown still counts for the exit code.
    #[arg(long, global = true, default_value_t = crate::diagnostics::DEFAULT_MAX_PER_CODE, value_name = "N")]
    pub max_per_code: usize,
    /// Parse, read data and evaluate long loops on at most N threads (default: one per
    /// core). The results do not depend on it.
    #[arg(long, global = true, value_name = "N", value_parser = parse_jobs)]
    pub jobs: Option<Jobs>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Parse and type-check the project, and load and validate its registry data.
    #[command(
        after_help = "Examples:\n  cpl check --project examples/ai-platform\n  cpl check policies/agents.cp --format sarif > cpl.sarif"
    )]
    Check {
        /// Only report problems in these files or directories (the whole project is checked).
        paths: Vec<PathBuf>,
        /// Also validate an input: `--input plan=tfplan.json`.
        #[arg(long, value_name = "NAME=FILE")]
        input: Vec<String>,
        /// The format of `--input NAME=-` (standard input) and of input files without a
        /// known extension: json, yaml, toml or csv.
        #[arg(long, value_name = "FORMAT")]
        input_format: Option<String>,
    },
    /// Evaluate an expression in the project and print its value as JSON.
    #[command(
        after_help = "Examples:\n  cpl eval 'len(agents)'\n  cpl eval 'len(fleet_drift().violations)' --input fleet=fleet.json"
    )]
    Eval {
        /// The expression.
        expr: String,
        #[arg(long, value_name = "NAME=FILE")]
        input: Vec<String>,
        /// The format of `--input NAME=-` (standard input) and of input files without a
        /// known extension: json, yaml, toml or csv.
        #[arg(long, value_name = "FORMAT")]
        input_format: Option<String>,
    },
    /// Evaluate one policy and print its decision.
    #[command(
        after_help = "Examples:\n  cpl policy agent_ownership\n  cpl policy fraud_max_drift --arg drift=0.22 --format json"
    )]
    Policy {
        name: String,
        /// A policy argument, parsed as the parameter's type: `--arg drift=0.22`.
        #[arg(long, value_name = "NAME=VALUE")]
        arg: Vec<String>,
        #[arg(long, value_name = "NAME=FILE")]
        input: Vec<String>,
        /// The format of `--input NAME=-` (standard input) and of input files without a
        /// known extension: json, yaml, toml or csv.
        #[arg(long, value_name = "FORMAT")]
        input_format: Option<String>,
    },
    /// Run a gate, as CI does: exit 0 when it passes, 1 when it fails.
    #[command(
        after_help = "Examples:\n  cpl gate registry_valid\n  cpl gate cloud_plan --input plan=tfplan.json --override no_deprecated_tools --format github\n  terraform show -json tfplan | cpl gate cloud_plan --input plan=- --input-format json"
    )]
    Gate {
        name: String,
        #[arg(long, value_name = "NAME=FILE")]
        input: Vec<String>,
        /// The format of `--input NAME=-` (standard input) and of input files without a
        /// known extension: json, yaml, toml or csv.
        #[arg(long, value_name = "FORMAT")]
        input_format: Option<String>,
        /// Let a soft policy's denials through (hard policies cannot be overridden).
        #[arg(long = "override", value_name = "POLICY")]
        overrides: Vec<String>,
    },
    /// Run a workflow, record it in the run log and print a summary: exit 0 when the run
    /// succeeded, 1 when it failed, 2 when it could not run.
    #[command(
        after_help = "Examples:\n  cpl run fraud_drift_management --arg model=fraud_v3 --arg drift=0.22\n  cpl run fraud_drift_management --arg model=fraud_v3 --arg drift=0.22 --dry-run"
    )]
    Run(workflows::RunArgs),
    /// List the runs in the run log, newest first, or show one with `runs show RUN_ID`.
    #[command(
        after_help = "Examples:\n  cpl runs --workflow fraud_drift_management --status failed\n  cpl runs show 20261122T101530123Z-3f9a1c2b --format json"
    )]
    Runs(workflows::RunsArgs),
    /// Measure service-level objectives over the run log: exit 1 when one is breached.
    #[command(after_help = "Examples:\n  cpl slo\n  cpl slo drift_workflow_health --format json")]
    Slo(workflows::SloArgs),
    /// Draw a workflow's DAG. Here `--format` is `human` (default), `dot`, `mermaid` or `json`.
    #[command(
        after_help = "Examples:\n  cpl graph fraud_drift_management --format dot | dot -Tsvg > dag.svg\n  cpl graph fraud_drift_management --format mermaid"
    )]
    Graph(workflows::GraphArgs),
    /// List the decisions `cpl serve` answered (policies, gates, flags), newest first.
    #[command(
        after_help = "Examples:\n  cpl decisions --kind flag --name new-ai-model\n  cpl decisions --outcome deny --since 2026-12-01 --format json"
    )]
    Decisions(decisions::DecisionsArgs),
    /// Print a config's document for an environment as JSON, secrets as `***`.
    #[command(
        after_help = "Examples:\n  cpl config platform --env production\n  DATABASE_URL=postgres://db/app cpl config platform --env staging --reveal"
    )]
    Config(config::ConfigArgs),
    /// Serve the project over HTTP: policies, gates, OpenFeature flags (OFREP), health
    /// and metrics. Binds 127.0.0.1 unless told otherwise; any other address needs
    /// `--token-file` or `--insecure`.
    #[command(
        after_help = "Examples:\n  cpl serve --project examples/ai-platform\n  cpl serve --addr 0.0.0.0:8181 --token-file /etc/cpl/tokens"
    )]
    Serve(serve::ServeArgs),
    /// Evaluate a feature flag in a context and print its value, variant and reason: exit
    /// 0 with a value, 1 when the evaluation failed (the default is shown), 2 when the flag
    /// or the context cannot be read.
    #[command(
        after_help = "Examples:\n  cpl flag new_ai_model --ctx tenant.id=tenant123 --ctx tenant.tier=pro\n  cpl flag checkout_flow --ctx-json '{\"tenant\": {\"id\": \"t9\", \"tier\": \"free\"}}' --format json"
    )]
    Flag(flags::FlagArgs),
    /// Print the long explanation of a diagnostic code.
    #[command(after_help = "Example:\n  cpl explain E0101")]
    Explain { code: String },
}

/// Runs the command line; the binary's `main` calls this.
///
/// The work runs on the main thread: its allocator arena grows fastest, which matters
/// when a registry of 100 000 records is loaded. Recursion in every stage is bounded
/// (see `syntax::prescan::MAX_NESTING` and `syntax::MAX_EXPR_DEPTH`), well within the
/// main thread's stack.
pub fn main() -> ExitCode {
    match Cli::try_parse() {
        Ok(cli) => run(cli).into(),
        Err(error) => argument_error(&error).into(),
    }
}

/// A command line clap refused. Help and version go to standard output as clap prints
/// them. A mistake is reported in the format the command line asked for, so a CI job
/// reading `--format json` or `sarif` gets a document it can parse, not clap's text.
fn argument_error(error: &clap::Error) -> Exit {
    use clap::error::ErrorKind;
    if matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = error.print();
        return Exit::Success;
    }
    let args: Vec<String> = std::env::args().collect();
    let format = requested_format(&args).and_then(|f| Output::new(&f).ok());
    match format {
        Some(out) if out.format != crate::report::Format::Human => {
            // clap's text is the message, its continuation lines (the names it is about)
            // and, after a blank line, the usage.
            let rendered = error.render().to_string();
            let (message, rest) = rendered.split_once("\n\n").unwrap_or((&rendered, ""));
            let message = message
                .trim_start_matches("error: ")
                .lines()
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ");
            let mut diagnostic = crate::diagnostics::Diagnostic::new(crate::diagnostics::Code::InvalidArg, message)
                .with_help("`cpl --help` lists the commands, `cpl COMMAND --help` their options");
            if let Some(usage) = rest.lines().find(|l| l.starts_with("Usage:")) {
                diagnostic = diagnostic.with_note(usage.to_string());
            }
            out.fatal(diagnostic);
        }
        _ => {
            let _ = error.print();
        }
    }
    Exit::Error
}

/// The value of `--format` on a command line clap could not parse.
fn requested_format(args: &[String]) -> Option<String> {
    let mut found = None;
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        if let Some(value) = word.strip_prefix("--format=") {
            found = Some(value.to_string());
        } else if word == "--format" {
            found = words.next().cloned();
        }
    }
    found
}

/// `--jobs N`: a number of threads, from one up.
fn parse_jobs(text: &str) -> Result<Jobs, String> {
    let help = "give a number of threads from 1 up, e.g. `--jobs 4` (`--jobs 1`: everything on one thread)";
    match text.trim().parse::<usize>() {
        Ok(n) => Jobs::new(n).ok_or_else(|| format!("0 threads cannot do any work; {help}")),
        Err(_) => Err(format!("not a number; {help}")),
    }
}

/// The machine's cores, the default of `--jobs`: the one place that asks the system.
fn cores() -> Jobs {
    std::thread::available_parallelism().map_or(Jobs::ONE, Jobs::from)
}

/// Runs a parsed command line.
pub(crate) fn run(cli: Cli) -> Exit {
    let fallback = Output {
        format: crate::report::Format::Human,
        color: false,
        paths: crate::report::PathBase::Project,
        max_per_code: crate::diagnostics::DEFAULT_MAX_PER_CODE,
        jobs: Jobs::ONE,
    };
    let paths = match args::path_base(cli.path_base.as_deref()) {
        Ok(paths) => paths,
        Err(diagnostic) => {
            fallback.fatal(diagnostic);
            return Exit::Error;
        }
    };
    let jobs = cli.jobs.unwrap_or_else(cores);
    if let Command::Graph(args) = &cli.command {
        // `--format dot|mermaid` is the graph's own format, not a report format.
        return workflows::graph(cli.project.as_deref(), args, &cli.format, paths, jobs);
    }
    let mut out = match Output::new(&cli.format) {
        Ok(out) => Output {
            max_per_code: cli.max_per_code,
            jobs,
            ..out
        },
        Err(message) => {
            fallback.fatal(crate::diagnostics::Diagnostic::new(
                crate::diagnostics::Code::InvalidArg,
                message,
            ));
            return Exit::Error;
        }
    };
    out.paths = paths;
    commands::dispatch(cli, &mut out)
}
