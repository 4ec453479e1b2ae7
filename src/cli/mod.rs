//! The command line: a thin shell over the library. Parses arguments, loads the project,
//! calls the stage that does the work, renders the result, and maps it to an exit code.

mod args;
mod commands;
mod output;
mod session;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use args::typed_value;
pub use output::Output;

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
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
pub struct Cli {
    /// The project directory (default: the nearest ancestor holding `cpl.toml`, else the
    /// current directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Output format: human, json, sarif or github.
    #[arg(long, global = true, default_value = "human", value_name = "FORMAT")]
    pub format: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
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
    },
    /// Run a gate, as CI does: exit 0 when it passes, 1 when it fails.
    #[command(
        after_help = "Examples:\n  cpl gate registry_valid\n  cpl gate cloud_plan --input plan=tfplan.json --override no_deprecated_tools --format github"
    )]
    Gate {
        name: String,
        #[arg(long, value_name = "NAME=FILE")]
        input: Vec<String>,
        /// Let a soft policy's denials through (hard policies cannot be overridden).
        #[arg(long = "override", value_name = "POLICY")]
        overrides: Vec<String>,
    },
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
    run(Cli::parse()).into()
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Exit {
    let mut out = match Output::new(&cli.format) {
        Ok(out) => out,
        Err(message) => {
            let fallback = Output {
                format: crate::report::Format::Human,
                color: false,
            };
            fallback.fatal(crate::diagnostics::Diagnostic::new(
                crate::diagnostics::Code::InvalidArg,
                message,
            ));
            return Exit::Error;
        }
    };
    commands::dispatch(cli, &mut out)
}
