//! cpl's own routes: `/health`, `/metrics`, `POST /v1/policies/{name}` and
//! `POST /v1/gates/{name}`. Bodies are JSON; answers carry the project version; errors
//! are `{ "error": {code, message}, "diagnostics": […] }` with cpl's diagnostic JSON.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json, json};

use super::decisions;
use super::http::{BodyError, error_response, json_response, read_json, with_version};
use super::state::{Loaded, State as Shared};
use crate::diagnostics::{Code, Diagnostic};
use crate::report::{self, PathBase};
use crate::runtime::runlog::{DecisionKind, ServedDecision};
use crate::session::{Status, Stopped};
use crate::source::SourceMap;

pub async fn health(State(state): State<Arc<Shared>>) -> Response {
    let loaded = state.current();
    json_response(
        StatusCode::OK,
        &json!({ "status": "ok", "project_version": loaded.version }),
        &loaded.version,
    )
}

pub async fn metrics(State(state): State<Arc<Shared>>) -> Response {
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render() + &state.options.decisions.render(),
    )
        .into_response();
    with_version(&mut response, &state.current().version);
    response
}

/// `POST /v1/policies/{name}` `{ "args": {…} }`: the policy's decision.
pub async fn policy(State(state): State<Arc<Shared>>, Path(name): Path<String>, request: Request) -> Response {
    let loaded = state.current();
    let path = request.uri().path().to_string();
    let body = match read_json(request, state.options.body_limit).await {
        Ok(body) => body,
        Err(error) => return body_error(&path, error, &loaded.version),
    };
    let args = match object_field(&body, "args", &["args"]) {
        Ok(args) => args,
        Err(message) => return bad_request(&path, &message, &loaded.version),
    };
    let shared = state.clone();
    let version = loaded.version.clone();
    let work = tokio::task::spawn_blocking(move || decide(&shared, &loaded, &name, &args));
    match work.await {
        Ok((status, body)) => json_response(status, &body, &version),
        Err(_) => internal(&path, &version),
    }
}

/// `POST /v1/gates/{name}` `{ "inputs": {name: document}, "overrides": [policy…] }`: the
/// gate's result.
pub async fn gate(State(state): State<Arc<Shared>>, Path(name): Path<String>, request: Request) -> Response {
    let loaded = state.current();
    let path = request.uri().path().to_string();
    let body = match read_json(request, state.options.body_limit).await {
        Ok(body) => body,
        Err(error) => return body_error(&path, error, &loaded.version),
    };
    let known = &["inputs", "overrides"];
    let inputs = match object_field(&body, "inputs", known) {
        Ok(inputs) => inputs.into_iter().collect::<Vec<_>>(),
        Err(message) => return bad_request(&path, &message, &loaded.version),
    };
    let overrides = match string_list(&body, "overrides") {
        Ok(overrides) => overrides,
        Err(message) => return bad_request(&path, &message, &loaded.version),
    };
    let shared = state.clone();
    let version = loaded.version.clone();
    let work = tokio::task::spawn_blocking(move || run_gate(&shared, &loaded, &name, &inputs, &overrides));
    match work.await {
        Ok((status, body)) => json_response(status, &body, &version),
        Err(_) => internal(&path, &version),
    }
}

/// `GET /v1/config/{name}?env=E`: the config's document for `E` (the project's default
/// environment without `env`), secrets always masked. Unknown config or environment:
/// 404; a value that fails its constraint (no document): 422.
pub async fn config(
    State(state): State<Arc<Shared>>,
    Path(name): Path<String>,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    request: Request,
) -> Response {
    let loaded = state.current();
    let path = request.uri().path().to_string();
    let env = match config_env(query) {
        Ok(env) => env,
        Err(message) => return bad_request(&path, &message, &loaded.version),
    };
    let version = loaded.version.clone();
    let work = tokio::task::spawn_blocking(move || resolve_config(&loaded, &name, env.as_deref()));
    match work.await {
        Ok((status, body)) => json_response(status, &body, &version),
        Err(_) => internal(&path, &version),
    }
}

/// The `env` of the query, which takes nothing else.
fn config_env(query: Result<Query<Vec<(String, String)>>, QueryRejection>) -> Result<Option<String>, String> {
    let Query(pairs) = query.map_err(|e| format!("the query cannot be read: {e}"))?;
    let mut env = None;
    for (key, value) in pairs {
        match key.as_str() {
            "env" if env.is_none() => env = Some(value),
            "env" => return Err("`env` is given twice".to_string()),
            _ => return Err(format!("unknown query parameter `{key}`: the route takes `env`")),
        }
    }
    Ok(env)
}

fn resolve_config(loaded: &Loaded, name: &str, env: Option<&str>) -> (StatusCode, Json) {
    let session = &loaded.session;
    // Never revealed over HTTP: a secret is read where it is used, not served.
    match session.config(name, env, false) {
        Ok(resolved) => (
            StatusCode::OK,
            json!({
                "config": &*resolved.name,
                "env": resolved.env.as_deref(),
                "document": resolved.document,
                "project_version": loaded.version,
                "diagnostics": diagnostics_json(&resolved.diagnostics, &session.project.sources),
            }),
        ),
        Err(stopped) => config_stopped(&stopped, &session.project.sources, &loaded.version),
    }
}

/// A config that could not be resolved: 404 for an unknown name or environment, 422
/// for a value found wanting, else as the other routes answer.
fn config_stopped(stopped: &Stopped, sources: &SourceMap, version: &str) -> (StatusCode, Json) {
    let unknown_env = stopped.diagnostics.iter().any(|d| d.code == Code::UnknownEnvironment);
    let (status, body) = stopped_json(stopped, sources, version);
    let (status, code) = if unknown_env {
        (StatusCode::NOT_FOUND, "not_found")
    } else if status == StatusCode::NOT_FOUND || status == StatusCode::INTERNAL_SERVER_ERROR {
        return (status, body);
    } else if stopped.status == Status::Failed {
        (StatusCode::UNPROCESSABLE_ENTITY, "unprocessable")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    let mut body = body;
    if let Some(error) = body.get_mut("error").and_then(Json::as_object_mut) {
        error.insert("code".to_string(), json!(code));
    }
    (status, body)
}

fn decide(state: &Shared, loaded: &Loaded, name: &str, args: &Map<String, Json>) -> (StatusCode, Json) {
    let (outcome, answer) = decide_policy(state, loaded, name, args);
    let request = decisions::policy_request(&loaded.session.project.program, name, args);
    log_decision(state, loaded, DecisionKind::Policy, name, outcome, request, &answer.1);
    answer
}

/// The policy's answer, and its outcome as the decision log names it (`error` when the
/// request was refused).
fn decide_policy(
    state: &Shared,
    loaded: &Loaded,
    name: &str,
    args: &Map<String, Json>,
) -> (String, (StatusCode, Json)) {
    let session = &loaded.session;
    let host = session.host_at(request_time());
    match session.decide_json(&host, name, args) {
        Ok(decided) => {
            let outcome = decided.result.decision.outcome.as_str();
            state.metrics.decision("policy", outcome);
            let body = json!({
                "version": report::JSON_VERSION,
                "project_version": loaded.version,
                "decision": report::decision_json(&decided.env, &decided.result, &PathBase::Project),
                "diagnostics": diagnostics_json(&decided.diagnostics, decided.env.sources),
            });
            (outcome.to_string(), (StatusCode::OK, body))
        }
        Err(stopped) => {
            state.metrics.decision("policy", "error");
            let answer = stopped_json(&stopped, &session.project.sources, &loaded.version);
            ("error".to_string(), answer)
        }
    }
}

/// Hands a served decision to the decision log (which never makes the request wait).
fn log_decision(
    state: &Shared,
    loaded: &Loaded,
    kind: DecisionKind,
    name: &str,
    outcome: String,
    request: Json,
    result: &Json,
) {
    state.options.decisions.record(ServedDecision {
        kind,
        name: name.to_string(),
        outcome,
        project_version: loaded.version.clone(),
        request,
        result: result.clone(),
    });
}

fn run_gate(
    state: &Shared,
    loaded: &Loaded,
    name: &str,
    inputs: &[(String, Json)],
    overrides: &[String],
) -> (StatusCode, Json) {
    let (outcome, answer) = gate_answer(state, loaded, name, inputs, overrides);
    let request = decisions::gate_request(&loaded.session.project.program, name, inputs, overrides);
    log_decision(state, loaded, DecisionKind::Gate, name, outcome, request, &answer.1);
    answer
}

/// The gate's answer, and its outcome as the decision log names it (`passed`,
/// `failed`, or `error` when the request was refused).
fn gate_answer(
    state: &Shared,
    loaded: &Loaded,
    name: &str,
    inputs: &[(String, Json)],
    overrides: &[String],
) -> (String, (StatusCode, Json)) {
    let session = &loaded.session;
    let refused = |stopped: &Stopped, sources: &SourceMap| {
        state.metrics.decision("gate", "error");
        ("error".to_string(), stopped_json(stopped, sources, &loaded.version))
    };
    let given = match session.gate_inputs(name, inputs) {
        Ok(given) => given,
        Err(stopped) => return refused(&stopped, &session.project.sources),
    };
    let host = session.host_at(request_time());
    let run = session.gate_with_inputs(&host, &given, name, overrides);
    match run {
        Ok(run) => {
            state
                .metrics
                .decision("gate", if run.result.passed { "pass" } else { "fail" });
            let body = json!({
                "version": report::JSON_VERSION,
                "project_version": loaded.version,
                "gate": report::gate_json(&run.env, &run.result, &PathBase::Project),
                "diagnostics": diagnostics_json(&run.diagnostics, run.env.sources),
            });
            let outcome = if run.result.passed { "passed" } else { "failed" };
            (outcome.to_string(), (StatusCode::OK, body))
        }
        Err(stopped) => refused(&stopped, given.sources()),
    }
}

/// The time a request is evaluated at: now, or `CPL_NOW` when the server was started
/// with it (reproducible tests).
fn request_time() -> jiff::Timestamp {
    crate::session::clock_from_env().unwrap_or_else(|_| jiff::Timestamp::now())
}

fn diagnostics_json(diagnostics: &[Diagnostic], sources: &SourceMap) -> Vec<Json> {
    diagnostics
        .iter()
        .map(|d| report::diagnostic_to_json(d, sources, &PathBase::Project))
        .collect()
}

/// An operation that stopped: 404 when it names no policy or gate, 500 on an internal
/// error, else 400 (the project checks, so the request is what is wrong).
fn stopped_json(stopped: &Stopped, sources: &SourceMap, version: &str) -> (StatusCode, Json) {
    let has = |code: Code| stopped.diagnostics.iter().any(|d| d.code == code);
    let (status, code) = if has(Code::UnknownItem) {
        (StatusCode::NOT_FOUND, "not_found")
    } else if has(Code::InternalError) {
        (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
    } else {
        (StatusCode::BAD_REQUEST, "invalid_request")
    };
    let message = stopped
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| match &d.help {
            Some(help) => format!("{}; {help}", d.message),
            None => d.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let body = json!({
        "error": { "code": code, "message": message },
        "diagnostics": diagnostics_json(&stopped.diagnostics, sources),
        "project_version": version,
    });
    (status, body)
}

/// The object `field` of a body that must be an object with only the `known` fields;
/// an absent field is empty.
fn object_field(body: &Json, field: &str, known: &[&str]) -> Result<Map<String, Json>, String> {
    if body.is_null() {
        return Ok(Map::new());
    }
    let Json::Object(map) = body else {
        return Err(format!("the body must be a JSON object with `{field}`"));
    };
    if let Some(unknown) = map.keys().find(|k| !known.contains(&k.as_str())) {
        let names: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
        return Err(format!(
            "unknown field `{unknown}`: the body takes {}",
            names.join(", ")
        ));
    }
    match map.get(field) {
        None => Ok(Map::new()),
        Some(Json::Object(inner)) => Ok(inner.clone()),
        Some(_) => Err(format!("`{field}` must be a JSON object")),
    }
}

/// The list of strings `field`; absent is empty.
fn string_list(body: &Json, field: &str) -> Result<Vec<String>, String> {
    match body.get(field) {
        None => Ok(Vec::new()),
        Some(Json::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("`{field}` must be a list of policy names"))
            })
            .collect(),
        Some(_) => Err(format!("`{field}` must be a list of policy names")),
    }
}

pub fn body_error(path: &str, error: BodyError, version: &str) -> Response {
    match error {
        BodyError::TooLarge => error_response(
            path,
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is larger than the server's limit",
            version,
        ),
        BodyError::NotJson(why) => bad_request(path, &format!("the body is not JSON: {why}"), version),
        BodyError::Unreadable(why) => bad_request(path, &format!("the body could not be read: {why}"), version),
    }
}

fn bad_request(path: &str, message: &str, version: &str) -> Response {
    error_response(path, StatusCode::BAD_REQUEST, "invalid_request", message, version)
}

fn internal(path: &str, version: &str) -> Response {
    error_response(
        path,
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "the evaluation failed; the server log has the details",
        version,
    )
}
