//! What every route shares: bodies read within the size limit, JSON answers that name the
//! project version, the error shapes (OFREP's on `/ofrep/…`, cpl's elsewhere) and the
//! per-request deadline.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

use super::state::State as Shared;

/// The header that names the project version on every answer.
pub const VERSION_HEADER: &str = "cpl-project-version";

/// A JSON answer with the project version that gave it.
pub fn json_response(status: StatusCode, body: &Json, version: &str) -> Response {
    let text = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], text).into_response();
    with_version(&mut response, version);
    response
}

/// Names the project version on `response`.
pub fn with_version(response: &mut Response, version: &str) {
    if let Ok(value) = HeaderValue::from_str(version) {
        response.headers_mut().insert(VERSION_HEADER, value);
    }
}

/// An error, in the shape the route's protocol defines: OFREP's `{errorCode?,
/// errorDetails}` under `/ofrep/`, cpl's `{error: {code, message}, diagnostics}` elsewhere.
pub fn error_response(path: &str, status: StatusCode, code: &str, message: &str, version: &str) -> Response {
    let body = if path.starts_with("/ofrep/") {
        json!({ "errorDetails": message })
    } else {
        json!({
            "error": { "code": code, "message": message },
            "diagnostics": [],
            "project_version": version,
        })
    };
    json_response(status, &body, version)
}

/// Why a body could not be read.
pub enum BodyError {
    /// Larger than the limit (413).
    TooLarge,
    /// Not JSON (400), with the parser's words.
    NotJson(String),
    /// The connection failed while reading.
    Unreadable(String),
}

/// Reads a request body within `limit` bytes and parses it as JSON (an empty body is
/// `null`). A declared length over the limit is refused before anything is read.
pub async fn read_json(request: Request, limit: usize) -> Result<Json, BodyError> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(BodyError::TooLarge);
    }
    let bytes = match axum::body::to_bytes(request.into_body(), limit).await {
        Ok(bytes) => bytes,
        Err(error) => {
            // The limit's own error is not exported by axum; it is known by its words.
            let text = std::error::Error::source(&error).map_or_else(|| error.to_string(), |s| s.to_string());
            return Err(if text.contains("length limit") {
                BodyError::TooLarge
            } else {
                BodyError::Unreadable(text)
            });
        }
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Json::Null);
    }
    serde_json::from_slice(&bytes).map_err(|e| BodyError::NotJson(e.to_string()))
}

/// Any path no route serves.
pub async fn not_found(State(state): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let version = state.current().version.clone();
    error_response(
        &path,
        StatusCode::NOT_FOUND,
        "not_found",
        &format!("no route `{path}`; see docs/serve.md for the routes"),
        &version,
    )
}

/// A route asked with a method it does not take.
pub async fn method_not_allowed(State(state): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let version = state.current().version.clone();
    error_response(
        &path,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        &format!("`{path}` does not take `{}`", request.method()),
        &version,
    )
}

/// Answers 503 when a request takes longer than the timeout. An evaluation already
/// running on its own thread is not interrupted; its answer is dropped.
pub async fn deadline(State(state): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let timeout = state.options.timeout;
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let version = state.current().version.clone();
            error_response(
                &path,
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                &format!("the request took longer than {} ms", timeout.as_millis()),
                &version,
            )
        }
    }
}
