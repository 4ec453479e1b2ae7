//! A `cpl serve` under test: the real binary on port 0, its bound address read from its
//! first log line, its log kept, killed at the end or by a watchdog if a test hangs.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value as Json;

/// How long any server in a test may live before the watchdog kills it.
const PATIENCE: Duration = Duration::from_secs(120);

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The project most tests serve.
pub fn project() -> PathBuf {
    repo().join("tests/serve/project")
}

pub struct Server {
    child: Arc<Mutex<Child>>,
    done: Arc<AtomicBool>,
    pub addr: String,
    log: Arc<Mutex<Vec<String>>>,
    lines: mpsc::Receiver<String>,
    /// Holds the decision log (`--runlog`) unless the test gave its own: the servers
    /// under test write nothing into the repository.
    _scratch: tempfile::TempDir,
}

impl Server {
    /// `cpl serve --addr 127.0.0.1:0 --project DIR EXTRA…`, once it listens.
    pub fn start(project: &Path, extra: &[&str]) -> Server {
        Server::start_at(project, extra, "2026-11-22T12:00:00Z")
    }

    /// [`Server::start`] with the clock (`CPL_NOW`) at `now`.
    pub fn start_at(project: &Path, extra: &[&str], now: &str) -> Server {
        let scratch = tempfile::tempdir().expect("a temporary directory");
        let mut command = Command::new(env!("CARGO_BIN_EXE_cpl"));
        command
            .args(["serve", "--addr", "127.0.0.1:0", "--project"])
            .arg(project)
            .args(extra);
        if !extra.contains(&"--runlog") {
            command.arg("--runlog").arg(scratch.path().join("runs.db"));
        }
        command
            .env("CPL_NOW", now)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("cpl serve starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let child = Arc::new(Mutex::new(child));
        let done = Arc::new(AtomicBool::new(false));
        watchdog(child.clone(), done.clone());
        let log = Arc::new(Mutex::new(Vec::new()));
        let (sender, lines) = mpsc::channel();
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                kept.lock().unwrap().push(line.clone());
                let _ = sender.send(line);
            }
        });
        let mut server = Server {
            child,
            done,
            addr: String::new(),
            log,
            lines,
            _scratch: scratch,
        };
        let listening = server.wait_for("listening");
        server.addr = listening["addr"].as_str().expect("the address is logged").to_string();
        server
    }

    /// The next log line whose `event` is `event`, as JSON; fails if the server ends first.
    pub fn wait_for(&self, event: &str) -> Json {
        for line in self.lines.iter() {
            let Ok(record) = serde_json::from_str::<Json>(&line) else {
                continue;
            };
            if record["event"] == event {
                return record;
            }
        }
        panic!("the server ended before logging `{event}`:\n{}", self.log().join("\n"));
    }

    /// [`Server::wait_for`], failing if the event is not logged within `limit`.
    pub fn wait_for_within(&self, event: &str, limit: Duration) -> Json {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no `{event}` logged within {limit:?}:\n{}", self.log().join("\n")));
            if let Ok(record) = serde_json::from_str::<Json>(&line)
                && record["event"] == event
            {
                return record;
            }
        }
    }

    /// Every line logged so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.lock().unwrap().id()
    }

    /// Waits for the server to exit, and gives its exit code.
    pub fn wait(&self) -> Option<i32> {
        let status = self.child.lock().unwrap().wait().ok()?;
        self.done.store(true, Ordering::SeqCst);
        status.code()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Ok(mut child) = self.child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Kills the server if it is still running after [`PATIENCE`].
fn watchdog(child: Arc<Mutex<Child>>, done: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let step = Duration::from_millis(200);
        let mut waited = Duration::ZERO;
        while waited < PATIENCE {
            if done.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(step);
            waited += step;
        }
        if let Ok(mut child) = child.lock() {
            let _ = child.kill();
        }
    });
}

/// An answer: status, headers we look at, and the body.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Json {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn answer(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut response = response.expect("the server answers");
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Answer { status, headers, body }
}

pub fn get(url: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = agent().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    answer(request.call())
}

/// `POST url` with `body` sent as it is (JSON or not).
pub fn post(url: &str, body: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = agent().post(url).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    answer(request.send(body))
}
