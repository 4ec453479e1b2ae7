//! The server's log: JSON lines on standard error, one per request (method, path,
//! status, latency, project version) and one per event of its life (listening,
//! stopping, stopped). Headers are never logged, so neither is a token; nor is a
//! query string or a body, which may carry secrets.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Value as Json, json};

use super::http::{VERSION_HEADER, with_version};
use super::state::{Loaded, State as Shared};

/// Writes one JSON line to standard error, whole.
fn line(mut record: Json) {
    if let Json::Object(map) = &mut record {
        map.insert("ts".to_string(), json!(jiff::Timestamp::now().to_string()));
    }
    let mut text = record.to_string();
    text.push('\n');
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

pub fn listening(addr: SocketAddr, loaded: &Loaded, authenticated: bool) {
    line(json!({
        "level": "info",
        "event": "listening",
        "addr": addr.to_string(),
        "project_version": loaded.version,
        "flags": loaded.session.flags().len(),
        "auth": if authenticated { "bearer" } else { "none" },
    }));
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
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let mut response = next.run(request).await;
    if !response.headers().contains_key(VERSION_HEADER) {
        with_version(&mut response, &state.current().version);
    }
    let latency = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.request(&route, status, latency);
    let version = response
        .headers()
        .get(VERSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    line(json!({
        "level": if status >= 500 { "error" } else if status >= 400 { "warn" } else { "info" },
        "event": "request",
        "method": method.as_str(),
        "path": path,
        "status": status,
        "latency_ms": latency.as_secs_f64() * 1000.0,
        "project_version": version,
    }));
    response
}
