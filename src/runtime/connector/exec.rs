//! The `exec` connector: runs `command… action` without a shell, writes the arguments
//! as JSON to its standard input, and reads one JSON value from its standard output.
//!
//! Standard input, output and error are served by three threads, so a program that
//! writes a lot before reading, or fills one pipe while we wait on the other, cannot
//! deadlock with us. On Unix the program runs in its own process group, and when the
//! call ends early (timeout) or the program leaves a background process holding its
//! pipes, the whole group is killed: a step's processes do not outlive the step. The
//! flip side: a Ctrl-C at the terminal reaches cpl but not the program, so whoever
//! handles cpl's interruption must end running steps.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Instant;

use serde_json::Value;

use super::{ConnectorError, excerpt};
use crate::runtime::cancel::Cancel;
use crate::time::Duration;

/// The most standard error kept: its first and last halves, with a marker between.
pub const STDERR_LIMIT: usize = 64 * 1024;
/// The largest standard output read, in bytes.
pub const STDOUT_LIMIT: u64 = 64 * 1024 * 1024;

/// How long to wait for the pipes to close once the program has exited (or been
/// killed) before killing what still holds them.
const PIPE_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// One call of an action of an `exec` connector.
#[derive(Clone, Debug, PartialEq)]
pub struct ExecCall {
    /// The program and its fixed arguments; the action name is appended. A relative
    /// program path with a `/` in it is taken from `cwd`; a bare name is looked up in
    /// `PATH`.
    pub command: Vec<String>,
    /// The program's working directory (the project's, usually).
    pub cwd: PathBuf,
    pub action: String,
    /// Written to standard input as one line of JSON, then the pipe is closed.
    pub args: Value,
    /// The program is killed after this long; no limit when `None`.
    pub timeout: Option<Duration>,
    /// The program's environment, with cpl's `PATH` (which these may replace): nothing
    /// else of cpl's own environment reaches the program.
    pub env: Vec<(String, String)>,
}

impl ExecCall {
    /// The command line as messages show it: `python3 agents/intel.py summarize`.
    pub fn display(&self) -> String {
        self.command
            .iter()
            .chain(std::iter::once(&self.action))
            .map(|part| {
                if part.is_empty() || part.contains(|c: char| c.is_whitespace() || c == '"') {
                    format!("{part:?}")
                } else {
                    part.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What a successful program produced.
#[derive(Clone, Debug, PartialEq)]
pub struct ExecOutput {
    /// Its standard output, parsed.
    pub value: Value,
    /// Its standard error (at most [`STDERR_LIMIT`] bytes of it), for the run log.
    pub stderr: String,
}

/// Runs the program and returns its output. Fails if it cannot start, exits non-zero
/// or by a signal, overruns its timeout (it is killed), or prints anything but one
/// JSON value; every failure after the start carries its standard error.
pub fn call_exec(call: &ExecCall) -> Result<ExecOutput, ConnectorError> {
    call_exec_until(call, &Cancel::new())
}

/// [`call_exec`] that also ends when `cancel` is set: the program and everything it
/// started are killed, and the call fails with [`ConnectorError::Cancelled`].
pub fn call_exec_until(call: &ExecCall, cancel: &Cancel) -> Result<ExecOutput, ConnectorError> {
    let shown = call.display();
    let Some((program, fixed)) = call.command.split_first() else {
        return Err(ConnectorError::InvalidCall(
            "an `exec` connector needs a command to run".to_owned(),
        ));
    };
    if !call.cwd.is_dir() {
        return Err(ConnectorError::InvalidCall(format!(
            "cannot run `{shown}` in `{}`: no such directory",
            call.cwd.display()
        )));
    }
    let timeout = call.timeout;
    if let Some(t) = timeout
        && t.nanos() <= 0
    {
        return Err(ConnectorError::InvalidCall(format!(
            "the timeout of `{shown}` must be positive, not {t}"
        )));
    }

    let mut command = Command::new(program_path(program, &call.cwd));
    command
        .args(fixed)
        .arg(&call.action)
        .current_dir(&call.cwd)
        .env_clear()
        .envs(inherited_env())
        .envs(call.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    let started = Instant::now();
    let mut child = command.spawn().map_err(|e| ConnectorError::Spawn {
        program: program.clone(),
        reason: spawn_reason(&e),
    })?;

    let stderr = Arc::new(Mutex::new(Capture::default()));
    let (done_tx, done_rx) = mpsc::channel();
    let mut pipes = 0;
    if let Some(stdin) = child.stdin.take() {
        let mut input = call.args.to_string().into_bytes();
        input.push(b'\n');
        // A program that exits without reading its input closes the pipe under us:
        // that is its business, judged by its exit status and output.
        thread::spawn(move || {
            let mut stdin = stdin;
            let _ = stdin.write_all(&input);
        });
    }
    if let Some(out) = child.stdout.take() {
        pipes += 1;
        spawn_stdout_reader(out, done_tx.clone());
    }
    if let Some(err) = child.stderr.take() {
        pipes += 1;
        spawn_stderr_reader(err, Arc::clone(&stderr), done_tx);
    }
    let stderr_now = || lock(&stderr).text();

    let deadline = timeout.map(|t| started + t.to_std());
    let status = match wait_until(&mut child, deadline, cancel) {
        Ok(Waited::Exited(status)) => status,
        Ok(Waited::Cancelled) => {
            kill_group(&mut child);
            let _ = child.wait();
            let _ = collect(&done_rx, pipes, PIPE_GRACE);
            return Err(ConnectorError::Cancelled {
                command: shown,
                reason: cancel.reason().unwrap_or_default(),
                stderr: stderr_now(),
            });
        }
        Ok(Waited::TimedOut) => {
            kill_group(&mut child);
            let _ = child.wait();
            let _ = collect(&done_rx, pipes, PIPE_GRACE);
            return Err(ConnectorError::ExecTimeout {
                command: shown,
                after: timeout.unwrap_or(Duration::ZERO),
                stderr: stderr_now(),
            });
        }
        Err(e) => {
            kill_group(&mut child);
            let _ = child.wait();
            return Err(ConnectorError::Io {
                command: shown,
                reason: format!("cannot wait for it: {e}"),
                stderr: stderr_now(),
            });
        }
    };

    let mut finished = collect(&done_rx, pipes, PIPE_GRACE);
    if finished.pending > 0 {
        // It exited, but something it started still holds its output open.
        kill_group(&mut child);
        let more = collect(&done_rx, finished.pending, PIPE_GRACE);
        finished.pending = more.pending;
        finished.stdout = finished.stdout.or(more.stdout);
    }
    let stderr_text = stderr_now();

    if !status.success() {
        return Err(ConnectorError::Exit {
            command: shown,
            code: status.code(),
            signal: signal_of(status),
            stderr: stderr_text,
        });
    }
    if finished.pending > 0 {
        return Err(ConnectorError::Io {
            command: shown,
            reason: "a process it left behind keeps its output open".to_owned(),
            stderr: stderr_text,
        });
    }
    let stdout = match finished.stdout {
        Some(Ok(stdout)) => stdout,
        Some(Err(e)) => {
            return Err(ConnectorError::Io {
                command: shown,
                reason: format!("cannot read its standard output: {e}"),
                stderr: stderr_text,
            });
        }
        None => Stdout::default(),
    };
    if stdout.overflowed {
        return Err(ConnectorError::TooLarge {
            what: format!("the output of `{shown}`"),
            limit: STDOUT_LIMIT,
            stderr: Some(stderr_text),
        });
    }
    match serde_json::from_slice(&stdout.bytes) {
        Ok(value) => Ok(ExecOutput {
            value,
            stderr: stderr_text,
        }),
        Err(e) => Err(ConnectorError::NotJson {
            what: format!("the output of `{shown}`"),
            reason: if stdout.bytes.iter().all(u8::is_ascii_whitespace) {
                "it printed nothing".to_owned()
            } else {
                e.to_string()
            },
            excerpt: excerpt(&String::from_utf8_lossy(&stdout.bytes)),
            stderr: Some(stderr_text),
        }),
    }
}

/// A relative path with a directory part (`./run.sh`, `agents/run`) is relative to the
/// working directory given, whatever cpl's own is; a bare name goes through `PATH`.
fn program_path(program: &str, cwd: &Path) -> PathBuf {
    let path = Path::new(program);
    if path.is_relative() && path.components().count() > 1 {
        cwd.join(path)
    } else {
        path.to_path_buf()
    }
}

/// Why a command may not run: its program, with a directory part, leads out of `root`
/// once its links are followed (`../tool`, `/usr/bin/tool`, a link to one). A bare name
/// goes through `PATH` and is the machine's own, so it is allowed.
pub fn program_outside_root(program: &str, cwd: &Path, root: &Path) -> Option<String> {
    let path = program_path(program, cwd);
    if path.components().count() <= 1 {
        return None;
    }
    let real = crate::confine::inside_root(root, &path).err()?;
    Some(crate::confine::escape_diagnostic("the program", cwd, Path::new(program), &real).message)
}

fn spawn_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such program".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied (is it executable?)".to_owned(),
        _ => e.to_string(),
    }
}

#[cfg(unix)]
fn signal_of(status: ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.signal()
}

#[cfg(not(unix))]
fn signal_of(_status: ExitStatus) -> Option<i32> {
    None
}

/// What a program inherits from cpl's environment: `PATH` alone, so that `python3`
/// is found as it is from a shell. Everything else, credentials included, reaches a
/// program only when its connector's `env` names it.
fn inherited_env() -> impl Iterator<Item = (&'static str, std::ffi::OsString)> {
    std::env::var_os("PATH").map(|path| ("PATH", path)).into_iter()
}

/// Kills the program and, on Unix, every process of its group. Without `libc` (cpl
/// forbids `unsafe`), signalling a group goes through the `kill` utility; if that is
/// missing, only the program itself is killed.
fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &group])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}

/// How waiting for the program ended.
enum Waited {
    Exited(ExitStatus),
    TimedOut,
    Cancelled,
}

/// Waits for the program to exit, until `deadline` if there is one or until `cancel`
/// is set. Polls, backing off from 1 ms to 25 ms, so a short program is seen at once.
fn wait_until(child: &mut Child, deadline: Option<Instant>, cancel: &Cancel) -> io::Result<Waited> {
    let mut pause = std::time::Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Waited::Exited(status));
        }
        if cancel.is_cancelled() {
            return Ok(Waited::Cancelled);
        }
        let now = Instant::now();
        let left = match deadline {
            Some(deadline) if now >= deadline => return Ok(Waited::TimedOut),
            Some(deadline) => deadline - now,
            None => pause,
        };
        thread::sleep(pause.min(left));
        pause = (pause * 2).min(std::time::Duration::from_millis(25));
    }
}

/// What the standard output reader collected.
#[derive(Default)]
struct Stdout {
    bytes: Vec<u8>,
    overflowed: bool,
}

/// A pipe reader's report when its pipe closes.
enum Done {
    Stdout(io::Result<Stdout>),
    Stderr,
}

struct Collected {
    stdout: Option<io::Result<Stdout>>,
    /// Pipes still open when the wait gave up.
    pending: usize,
}

/// Waits up to `grace` for `pending` pipe readers to finish.
fn collect(done: &Receiver<Done>, pending: usize, grace: std::time::Duration) -> Collected {
    let until = Instant::now() + grace;
    let mut collected = Collected { stdout: None, pending };
    while collected.pending > 0 {
        let left = until.saturating_duration_since(Instant::now());
        match done.recv_timeout(left) {
            Ok(Done::Stdout(result)) => {
                collected.stdout = Some(result);
                collected.pending -= 1;
            }
            Ok(Done::Stderr) => collected.pending -= 1,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
        }
    }
    collected
}

fn spawn_stdout_reader(mut out: ChildStdout, done: Sender<Done>) {
    thread::spawn(move || {
        let mut stdout = Stdout::default();
        let mut buf = vec![0_u8; 64 * 1024];
        let limit = usize::try_from(STDOUT_LIMIT).unwrap_or(usize::MAX);
        let result = loop {
            match out.read(&mut buf) {
                Ok(0) => break Ok(stdout),
                Ok(n) => {
                    let chunk = buf.get(..n).unwrap_or_default();
                    // Past the limit, keep draining so the program is not blocked.
                    if stdout.overflowed || stdout.bytes.len().saturating_add(n) > limit {
                        stdout.overflowed = true;
                    } else {
                        stdout.bytes.extend_from_slice(chunk);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        let _ = done.send(Done::Stdout(result));
    });
}

fn spawn_stderr_reader(mut err: ChildStderr, capture: Arc<Mutex<Capture>>, done: Sender<Done>) {
    thread::spawn(move || {
        let mut buf = vec![0_u8; 16 * 1024];
        loop {
            match err.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => lock(&capture).push(buf.get(..n).unwrap_or_default()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = done.send(Done::Stderr);
    });
}

fn lock(capture: &Mutex<Capture>) -> std::sync::MutexGuard<'_, Capture> {
    capture.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Standard error, bounded: the first and the last `STDERR_LIMIT / 2` bytes.
#[derive(Default)]
struct Capture {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: u64,
}

impl Capture {
    const HALF: usize = STDERR_LIMIT / 2;

    fn push(&mut self, bytes: &[u8]) {
        self.total = self
            .total
            .saturating_add(u64::try_from(bytes.len()).unwrap_or(u64::MAX));
        let room = Self::HALF.saturating_sub(self.head.len());
        let (head, rest) = bytes.split_at_checked(room.min(bytes.len())).unwrap_or((bytes, &[]));
        self.head.extend_from_slice(head);
        self.tail.extend(rest);
        let excess = self.tail.len().saturating_sub(Self::HALF);
        self.tail.drain(..excess);
    }

    fn text(&self) -> String {
        let kept = self.head.len().saturating_add(self.tail.len());
        let omitted = self.total.saturating_sub(u64::try_from(kept).unwrap_or(u64::MAX));
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        if omitted > 0 {
            text.push_str(&format!("\n… [{omitted} bytes of standard error omitted] …\n"));
        }
        let (front, back) = self.tail.as_slices();
        let mut tail = Vec::with_capacity(self.tail.len());
        tail.extend_from_slice(front);
        tail.extend_from_slice(back);
        text.push_str(&String::from_utf8_lossy(&tail));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_keeps_head_and_tail() {
        let mut c = Capture::default();
        c.push(b"start\n");
        assert_eq!(c.text(), "start\n");
        c.push(&vec![b'x'; STDERR_LIMIT * 3]);
        c.push(b"\nend");
        let text = c.text();
        assert!(text.starts_with("start\nxxx"));
        assert!(text.ends_with("xxx\nend"));
        assert!(text.contains(&format!("[{} bytes", STDERR_LIMIT * 2 + 10)));
        assert!(text.len() < STDERR_LIMIT + 100);
    }

    #[test]
    fn display_quotes_what_needs_it() {
        let call = ExecCall {
            command: vec!["python3".into(), "my agent.py".into()],
            cwd: PathBuf::from("."),
            action: "summarize".into(),
            args: Value::Null,
            timeout: None,
            env: Vec::new(),
        };
        assert_eq!(call.display(), "python3 \"my agent.py\" summarize");
    }

    #[test]
    fn relative_programs_with_a_directory_are_taken_from_cwd() {
        let cwd = Path::new("/project");
        assert_eq!(program_path("python3", cwd), PathBuf::from("python3"));
        assert_eq!(program_path("./run.sh", cwd), PathBuf::from("/project/./run.sh"));
        assert_eq!(program_path("bin/run", cwd), PathBuf::from("/project/bin/run"));
        assert_eq!(program_path("/usr/bin/env", cwd), PathBuf::from("/usr/bin/env"));
    }
}
