//! The one way tests run the real `cpl` binary: in a directory, with the environment
//! every test pins (no colour, a fixed width and clock, no GitHub step summary, no
//! standard input), and optionally a watchdog that kills a run that hangs.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a run of the binary left behind.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// Standard output, then standard error.
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    pub fn triple(self) -> (i32, String, String) {
        (self.code, self.stdout, self.stderr)
    }
}

/// A `cpl` command being set up; [`Cpl::run`] runs it.
pub struct Cpl {
    command: Command,
    stdin: Option<Box<dyn std::io::Read + Send>>,
    patience: Option<Duration>,
    shown: String,
}

/// `cpl ARGS` in `dir`, with the pinned environment.
pub fn cpl(dir: &Path, args: &[&str]) -> Cpl {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cpl"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("CPL_NOW", "2026-11-22T12:00:00Z")
        .env_remove("GITHUB_STEP_SUMMARY");
    Cpl {
        command,
        stdin: None,
        patience: None,
        shown: args.join(" "),
    }
}

impl Cpl {
    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Cpl {
        self.command.arg(arg);
        self
    }

    pub fn env(mut self, name: &str, value: impl AsRef<std::ffi::OsStr>) -> Cpl {
        self.command.env(name, value);
        self
    }

    /// Runs on the real clock instead of the pinned one.
    pub fn real_clock(mut self) -> Cpl {
        self.command.env_remove("CPL_NOW");
        self
    }

    /// Writes `input` to standard input through a pipe (from a thread, so a child that
    /// stops reading early does not block the test).
    pub fn stdin(mut self, input: impl std::io::Read + Send + 'static) -> Cpl {
        self.stdin = Some(Box::new(input));
        self
    }

    /// Kills the run and fails the test if it has not ended within `patience`, so a hang
    /// fails one test instead of stalling the suite.
    pub fn within(mut self, patience: Duration) -> Cpl {
        self.patience = Some(patience);
        self
    }

    pub fn run(mut self) -> Ran {
        let piped = self.stdin.is_some();
        let mut child = self
            .command
            .stdin(if piped { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let writer = self.stdin.take().map(|mut input| {
            let mut pipe = child.stdin.take().unwrap();
            std::thread::spawn(move || {
                // The child may stop reading (at a size limit) and close the pipe.
                let _ = std::io::copy(&mut input, &mut pipe);
                let _ = pipe.flush();
            })
        });
        if let Some(patience) = self.patience {
            let started = Instant::now();
            while child.try_wait().unwrap().is_none() {
                if started.elapsed() > patience {
                    child.kill().unwrap();
                    child.wait().unwrap();
                    panic!("`cpl {}` did not end within {patience:?}", self.shown);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let output = child.wait_with_output().unwrap();
        if let Some(writer) = writer {
            writer.join().unwrap();
        }
        Ran {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}
