//! The server's log: JSON lines on standard error, one per request (method, path,
//! status, latency, project version) and one per event of its life (listening,
//! stopping, stopped, reload). Headers are never logged, so neither is a token; nor is a
//! query string or a body, which may carry secrets.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant, SystemTime};

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value as Json, json};

use super::http::{VERSION_HEADER, with_version};
use super::state::{Loaded, State as Shared};

/// What the writer thread is asked to do.
enum Message {
    /// A request, formatted there: the worker thread only measures and sends.
    Request(RequestLine),
    /// A whole line.
    Line(String),
    /// Flush everything sent so far, then say so.
    Sync(mpsc::Sender<()>),
}

struct RequestLine {
    at: SystemTime,
    method: Method,
    path: String,
    status: u16,
    latency: Duration,
    version: String,
}

/// The writer: one thread that formats request lines and writes them in batches, flushed
/// whenever it has nothing more to write, so that logging costs a request almost nothing
/// and a line is never held back while the server is idle.
fn writer() -> &'static Mutex<Option<mpsc::Sender<Message>>> {
    static WRITER: OnceLock<Mutex<Option<mpsc::Sender<Message>>>> = OnceLock::new();
    WRITER.get_or_init(|| {
        let (sender, receiver) = mpsc::channel();
        let started = std::thread::Builder::new()
            .name("cpl-serve-log".to_string())
            .spawn(move || write_all(&receiver));
        Mutex::new(started.ok().map(|_| sender))
    })
}

fn write_all(receiver: &mpsc::Receiver<Message>) {
    let mut out = std::io::BufWriter::new(std::io::stderr());
    while let Ok(first) = receiver.recv() {
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                Message::Request(request) => {
                    let _ = out.write_all(request_line(&request).as_bytes());
                }
                Message::Line(text) => {
                    let _ = out.write_all(text.as_bytes());
                }
                Message::Sync(done) => {
                    let _ = out.flush();
                    let _ = done.send(());
                }
            }
            next = receiver.try_recv().ok();
        }
        let _ = out.flush();
    }
}

/// Sends a message to the writer; written directly when it could not start.
fn send(message: Message) {
    let sender = match writer().lock() {
        Ok(guard) => guard.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    let unsent = match sender {
        Some(sender) => sender.send(message).err().map(|e| e.0),
        None => Some(message),
    };
    if let Some(message) = unsent {
        let text = match message {
            Message::Request(request) => request_line(&request),
            Message::Line(text) => text,
            Message::Sync(_) => return,
        };
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

/// Writes one event line and waits until it (and every line before it) is written.
fn line(mut record: Json) {
    if let Json::Object(map) = &mut record {
        map.insert("ts".to_string(), json!(jiff::Timestamp::now().to_string()));
    }
    let mut text = record.to_string();
    text.push('\n');
    send(Message::Line(text));
    let (done, wait) = mpsc::channel();
    send(Message::Sync(done));
    let _ = wait.recv_timeout(Duration::from_secs(5));
}

fn request_line(request: &RequestLine) -> String {
    let status = request.status;
    let ts = jiff::Timestamp::try_from(request.at).map_or_else(|_| String::new(), |t| t.to_string());
    let mut text = json!({
        "level": if status >= 500 { "error" } else if status >= 400 { "warn" } else { "info" },
        "event": "request",
        "method": request.method.as_str(),
        "path": request.path,
        "status": status,
        "latency_ms": request.latency.as_secs_f64() * 1000.0,
        "project_version": request.version,
        "ts": ts,
    })
    .to_string();
    text.push('\n');
    text
}

pub fn listening(addr: SocketAddr, loaded: &Loaded, authenticated: bool, reloading: bool) {
    line(json!({
        "level": "info",
        "event": "listening",
        "addr": addr.to_string(),
        "project_version": loaded.version,
        "flags": loaded.session.flags().len(),
        "auth": if authenticated { "bearer" } else { "none" },
        "reload": reloading,
    }));
}

/// A new version of the project swapped in.
pub fn reload_applied(from: &str, to: &str) {
    line(json!({ "level": "info", "event": "reload", "result": "applied", "from": from, "to": to }));
}

/// A changed project refused for its problems (`version`: `None` when it could not be
/// opened at all); the last good version keeps serving.
pub fn reload_refused(version: Option<&str>, diagnostics: &[Json]) {
    line(json!({
        "level": "warn",
        "event": "reload",
        "result": "refused",
        "version": version,
        "diagnostics": diagnostics,
        "message": "the project has errors; the last good version keeps serving",
    }));
}

/// Part of the project could not be watched, or the watch failed: changes may be missed.
pub fn watch_failed(message: &str) {
    line(json!({ "level": "warn", "event": "watch", "message": message }));
}

/// A served decision the decision log could not keep (`event`: `decision_log_dropped`
/// or `decision_log_error`). Queued without waiting: it may come from a request's thread.
pub fn decision_log_problem(event: &str, kind: &str, name: &str, why: &str) {
    let record = json!({
        "level": "error",
        "event": event,
        "kind": kind,
        "name": name,
        "message": why,
        "ts": jiff::Timestamp::now().to_string(),
    });
    let mut text = record.to_string();
    text.push('\n');
    send(Message::Line(text));
}

pub fn stopping() {
    line(json!({ "level": "info", "event": "stopping", "message": "finishing the requests in flight" }));
}

pub fn stopped() {
    line(json!({ "level": "info", "event": "stopped" }));
}

/// Counts, times and logs every request, and names the project version on answers that
/// did not (refused before a handler ran).
pub async fn observe(State(state): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if !response.headers().contains_key(VERSION_HEADER) {
        with_version(&mut response, &state.current().version);
    }
    let latency = started.elapsed();
    let status = response.status().as_u16();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    state.metrics.request(route, status, latency);
    let version = response
        .headers()
        .get(VERSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    send(Message::Request(RequestLine {
        at: SystemTime::now(),
        method,
        path,
        status,
        latency,
        version,
    }));
    response
}
