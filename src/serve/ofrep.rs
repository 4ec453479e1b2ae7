//! The OpenFeature Remote Evaluation Protocol, as its OpenAPI document defines it
//! (`service/openapi.yaml` of open-feature/protocol): single evaluation, bulk
//! evaluation with `ETag`/`If-None-Match`, and the provider configuration that earlier
//! versions of the document defined and providers still ask for. Each flag evaluated is
//! a decision, handed to the decision log.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256};

use super::api::body_error;
use super::decisions;
use super::http::{BodyError, json_response, read_json, with_version};
use super::state::State as Shared;
use crate::eval::flags::{ErrorCode, Evaluation, Reason};
use crate::runtime::runlog::{DecisionKind, ServedDecision};

/// `POST /ofrep/v1/evaluate/flags/{key}` `{ "context": {…} }`.
pub async fn evaluate(State(state): State<Arc<Shared>>, Path(key): Path<String>, request: Request) -> Response {
    let loaded = state.current();
    let version = &loaded.version;
    let context = match read_context(request, state.options.body_limit).await {
        Ok(context) => context,
        Err(Refused::Body(error)) => return body_error("/ofrep/", error, version),
        Err(Refused::Context(code, details)) => {
            let body = json!({ "key": key, "errorCode": code, "errorDetails": details });
            return json_response(StatusCode::BAD_REQUEST, &body, version);
        }
    };
    let evaluation = loaded.session.evaluate_flag(&key, &context);
    count(&state, &evaluation);
    let (status, body) = single(&evaluation);
    let request = decisions::flag_request(&loaded.session.project.program, &context);
    log_flag(&state, version, &evaluation, request, &body);
    json_response(status, &body, version)
}

/// `POST /ofrep/v1/evaluate/flags` `{ "context": {…} }`: every flag; `304` when the
/// `If-None-Match` names the `ETag` this project version and context give.
pub async fn evaluate_all(State(state): State<Arc<Shared>>, request: Request) -> Response {
    let loaded = state.current();
    let version = &loaded.version;
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let context = match read_context(request, state.options.body_limit).await {
        Ok(context) => context,
        Err(Refused::Body(error)) => return body_error("/ofrep/", error, version),
        Err(Refused::Context(code, details)) => {
            let body = json!({ "errorCode": code, "errorDetails": details });
            return json_response(StatusCode::BAD_REQUEST, &body, version);
        }
    };
    let etag = bulk_etag(version, &context);
    if if_none_match.as_ref().is_some_and(|given| matches_etag(given, &etag)) {
        return not_modified(&etag, version);
    }
    let request = decisions::flag_request(&loaded.session.project.program, &context);
    let flags: Vec<Json> = loaded
        .session
        .evaluate_flags(&context)
        .iter()
        .map(|evaluation| {
            count(&state, evaluation);
            let body = single(evaluation).1;
            log_flag(&state, version, evaluation, request.clone(), &body);
            body
        })
        .collect();
    let body = json!({ "flags": flags, "metadata": { "projectVersion": version } });
    let mut response = json_response(StatusCode::OK, &body, version);
    set_etag(&mut response, &etag);
    response
}

/// `GET /ofrep/v1/configuration`: what the server supports. Dropped from the OpenAPI
/// document in its 0.2 revision; served as its last version defined it, for providers
/// that still ask.
pub async fn configuration(State(state): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let loaded = state.current();
    let etag = format!("\"{}\"", loaded.version);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|given| matches_etag(given, &etag))
    {
        return not_modified(&etag, &loaded.version);
    }
    let body = json!({
        "name": "cpl",
        "capabilities": {
            "cacheInvalidation": { "polling": { "enabled": true, "minPollingIntervalMs": 1000 } },
            "flagEvaluation": { "supportedTypes": ["boolean", "string", "int", "float", "object"] },
        },
    });
    let mut response = json_response(StatusCode::OK, &body, &loaded.version);
    set_etag(&mut response, &etag);
    response
}

/// Why a request's context was refused.
enum Refused {
    Body(BodyError),
    /// An OFREP error code and its details.
    Context(&'static str, String),
}

/// The request's `context`: a JSON object, required.
async fn read_context(request: Request, limit: usize) -> Result<Json, Refused> {
    let body = match read_json(request, limit).await {
        Ok(body) => body,
        Err(BodyError::NotJson(why)) => {
            return Err(Refused::Context("PARSE_ERROR", format!("the body is not JSON: {why}")));
        }
        Err(error) => return Err(Refused::Body(error)),
    };
    match body.get("context") {
        Some(context @ Json::Object(_)) => Ok(context.clone()),
        Some(_) => Err(Refused::Context(
            "INVALID_CONTEXT",
            "`context` must be a JSON object".to_string(),
        )),
        None => Err(Refused::Context(
            "INVALID_CONTEXT",
            "the body must be a JSON object with `context`".to_string(),
        )),
    }
}

/// One evaluation as OFREP writes it, with the status a single evaluation answers: 200
/// with value, reason and variant; 404 for an unknown key; 400 for any other error
/// (OFREP's failure carries no value: the provider falls back to the code default).
fn single(evaluation: &Evaluation) -> (StatusCode, Json) {
    let key = &*evaluation.key;
    if let Some(error) = &evaluation.error {
        let status = if error.code == ErrorCode::FlagNotFound {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::BAD_REQUEST
        };
        let body = json!({ "key": key, "errorCode": error_code(error.code), "errorDetails": error.message });
        return (status, body);
    }
    let Some(value) = &evaluation.value else {
        // A success with no value would be read as "use the code default" in silence.
        let body = json!({
            "key": key,
            "errorCode": "GENERAL",
            "errorDetails": "the evaluation gave no value",
        });
        return (StatusCode::BAD_REQUEST, body);
    };
    let mut body = Map::new();
    body.insert("key".to_string(), json!(key));
    body.insert("value".to_string(), value.to_json(false));
    body.insert("reason".to_string(), json!(evaluation.reason.as_str()));
    if let Some(variant) = &evaluation.variant {
        body.insert("variant".to_string(), json!(&**variant));
    }
    (StatusCode::OK, Json::Object(body))
}

/// cpl's error code as OFREP's failure enumerates them; a type mismatch found by the
/// server is a general error there (the provider checks the type it asked for).
fn error_code(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::FlagNotFound => "FLAG_NOT_FOUND",
        ErrorCode::ParseError => "PARSE_ERROR",
        ErrorCode::TargetingKeyMissing => "TARGETING_KEY_MISSING",
        ErrorCode::InvalidContext => "INVALID_CONTEXT",
        ErrorCode::TypeMismatch | ErrorCode::General => "GENERAL",
    }
}

fn count(state: &Shared, evaluation: &Evaluation) {
    let error = evaluation.error.as_ref().map_or("", |e| e.code.as_str());
    state.metrics.flag(served_reason(evaluation), error);
}

/// The reason an answer carries: `ERROR` whenever the evaluation failed.
fn served_reason(evaluation: &Evaluation) -> &'static str {
    if evaluation.error.is_some() {
        Reason::Error.as_str()
    } else {
        evaluation.reason.as_str()
    }
}

/// Hands one flag's evaluation, as answered, to the decision log; its outcome is the
/// reason.
fn log_flag(state: &Shared, version: &str, evaluation: &Evaluation, request: Json, answer: &Json) {
    state.options.decisions.record(ServedDecision {
        kind: DecisionKind::Flag,
        name: evaluation.key.to_string(),
        outcome: served_reason(evaluation).to_string(),
        project_version: version.to_string(),
        request,
        result: answer.clone(),
    });
}

/// The bulk answer's entity tag: a digest of the project version and the context (its
/// keys sorted, so that the same context written in another order gives the same tag).
fn bulk_etag(version: &str, context: &Json) -> String {
    let mut digest = Sha256::new();
    digest.update(version.as_bytes());
    digest.update([0]);
    digest.update(canonical(context).as_bytes());
    let hex: String = digest.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// JSON text with object keys sorted at every level.
fn canonical(value: &Json) -> String {
    match value {
        Json::Object(map) => {
            let mut entries: Vec<(&String, &Json)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Json::String(k.clone()), canonical(v)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Json::Array(items) => format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

/// Whether an `If-None-Match` value names `etag`: `*`, or a list of tags, weak or not.
fn matches_etag(given: &HeaderValue, etag: &str) -> bool {
    let Ok(text) = given.to_str() else {
        return false;
    };
    text.split(',').map(str::trim).any(|tag| {
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        tag == "*" || tag == etag || tag.trim_matches('"') == etag.trim_matches('"')
    })
}

fn not_modified(etag: &str, version: &str) -> Response {
    let mut response = StatusCode::NOT_MODIFIED.into_response();
    set_etag(&mut response, etag);
    with_version(&mut response, version);
    response
}

fn set_etag(response: &mut Response, etag: &str) {
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
}
