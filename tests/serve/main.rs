//! `cpl serve` over real sockets: the binary started on port 0, called with `ureq`. The
//! routes of the brief, their error shapes, authentication, limits, OFREP conformance
//! (every OFREP answer is validated against the protocol's own OpenAPI schemas), and
//! graceful shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod decisions;
mod ofrep;
mod openfeature;
mod reload;
mod server;

use serde_json::{Value as Json, json};
use server::{Server, get, post, project};

const VERSION_HEADER: &str = "cpl-project-version";

#[test]
fn health_answers_with_the_project_version() {
    let server = Server::start(&project(), &[]);
    let answer = get(&server.url("/health"), &[]);
    assert_eq!(answer.status, 200);
    let body = answer.json();
    assert_eq!(body["status"], "ok");
    let version = body["project_version"].as_str().unwrap();
    assert_eq!(version.len(), 16, "{version}");
    assert_eq!(answer.header(VERSION_HEADER), Some(version));
}

#[test]
fn policy_allowed_and_denied() {
    let server = Server::start(&project(), &[]);
    let url = server.url("/v1/policies/max_drift");
    let allowed = post(&url, r#"{"args": {"drift": 0.1}}"#, &[]);
    assert_eq!(allowed.status, 200, "{}", allowed.body);
    let body = allowed.json();
    assert_eq!(body["decision"]["outcome"], "allow");
    assert_eq!(body["decision"]["allowed"], true);
    assert_eq!(body["project_version"].as_str(), allowed.header(VERSION_HEADER));

    // A denial is an answer, not an error: the decision says why.
    let denied = post(&url, r#"{"args": {"drift": 0.3, "max": 0.25}}"#, &[]);
    assert_eq!(denied.status, 200, "{}", denied.body);
    let body = denied.json();
    assert_eq!(body["decision"]["outcome"], "deny");
    assert_eq!(body["decision"]["violations"][0]["message"], "drift 0.3 exceeds 0.25");
    assert_eq!(body["diagnostics"][0]["code"], "E0701");
}

#[test]
fn unknown_policy_is_404_with_did_you_mean() {
    let server = Server::start(&project(), &[]);
    let answer = post(&server.url("/v1/policies/max_drif"), r#"{"args": {}}"#, &[]);
    assert_eq!(answer.status, 404);
    let body = answer.json();
    assert_eq!(body["error"]["code"], "not_found");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("did you mean `max_drift`"), "{message}");
    assert_eq!(body["diagnostics"][0]["code"], "E0603");
    assert!(answer.header(VERSION_HEADER).is_some());
}

#[test]
fn bad_policy_bodies_are_400() {
    let server = Server::start(&project(), &[]);
    let url = server.url("/v1/policies/max_drift");
    for (body, expected) in [
        ("{not json", "not JSON"),
        (r#"{"args": [1]}"#, "`args` must be a JSON object"),
        (r#"{"arguments": {}}"#, "unknown field `arguments`"),
        (r#"{"args": {"drift": "high"}}"#, "invalid value for argument `drift`"),
        (r#"{"args": {"drfit": 0.1}}"#, "did you mean `drift`"),
        (r#"{"args": {}}"#, "needs the argument `drift`"),
        ("", "needs the argument `drift`"),
    ] {
        let answer = post(&url, body, &[]);
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        let json = answer.json();
        assert_eq!(json["error"]["code"], "invalid_request", "{body}");
        let message = json["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{body}: {message}");
        assert!(json["diagnostics"].is_array());
    }
}

fn plan(buckets: &[(&str, bool)]) -> Json {
    json!({ "buckets": buckets.iter().map(|(name, public)| json!({"name": name, "public": public})).collect::<Vec<_>>() })
}

#[test]
fn gate_passes_and_fails_on_json_inputs() {
    let server = Server::start(&project(), &[]);
    let url = server.url("/v1/gates/deploy");
    let passing = json!({ "inputs": { "plan": plan(&[("logs", false)]) } });
    let answer = post(&url, &passing.to_string(), &[]);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["gate"]["passed"], true);

    let public = json!({ "inputs": { "plan": plan(&[("logs", false), ("site", true)]) } });
    let answer = post(&url, &public.to_string(), &[]);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["gate"]["passed"], false);
    let violation = &body["gate"]["policies"][0]["violations"][0];
    assert_eq!(violation["message"], "bucket `site` is public");
    // The violation points into the document the request gave.
    assert!(
        violation["origin"].as_str().unwrap().starts_with("<input plan>:"),
        "{violation}"
    );
}

#[test]
fn gate_overrides_lower_only_soft_policies() {
    let server = Server::start(&project(), &[]);
    let url = server.url("/v1/gates/deploy");
    let many = plan(&[("a", false), ("b", false), ("c", false)]);
    let failing = post(&url, &json!({ "inputs": { "plan": many } }).to_string(), &[]);
    assert_eq!(failing.json()["gate"]["passed"], false, "{}", failing.body);
    let overridden = post(
        &url,
        &json!({ "inputs": { "plan": many }, "overrides": ["few_buckets"] }).to_string(),
        &[],
    );
    assert_eq!(overridden.json()["gate"]["passed"], true, "{}", overridden.body);
    let unknown = post(
        &url,
        &json!({ "inputs": { "plan": many }, "overrides": ["few_bucket"] }).to_string(),
        &[],
    );
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    assert!(
        unknown.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("few_buckets")
    );
}

#[test]
fn gate_errors_missing_unknown_and_bad_inputs() {
    let server = Server::start(&project(), &[]);
    let url = server.url("/v1/gates/deploy");
    let missing = post(&url, r#"{"inputs": {}}"#, &[]);
    assert_eq!(missing.status, 400, "{}", missing.body);
    let body = missing.json();
    assert_eq!(body["diagnostics"][0]["code"], "E0415", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("needs its input `plan`")
    );

    let unknown = post(&url, r#"{"inputs": {"plna": {}}}"#, &[]);
    assert_eq!(unknown.status, 400, "{}", unknown.body);
    assert!(
        unknown.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `plan`")
    );

    let bad = json!({ "inputs": { "plan": { "buckets": [{ "name": "a", "public": "yes" }] } } });
    let answer = post(&url, &bad.to_string(), &[]);
    assert_eq!(answer.status, 400, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["diagnostics"][0]["file"], "<input plan>", "{body}");

    let gone = post(&server.url("/v1/gates/deplyo"), r#"{"inputs": {}}"#, &[]);
    assert_eq!(gone.status, 404);
    assert!(
        gone.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `deploy`")
    );

    let not_a_list = post(&url, r#"{"inputs": {}, "overrides": "few_buckets"}"#, &[]);
    assert_eq!(not_a_list.status, 400);
}

/// A project whose gate has a waiver until 2026-12-01.
fn waived_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.cp"),
        r#"entity service {
  key id: string
  public: bool
}

source services: [service] = "services.json"

policy no_public_services {
  level soft
  for s in services
  deny when s.public => "`{s.id}` is public"
}

waiver legacy_is_public {
  policy no_public_services
  subject "legacy"
  until 2026-12-01
  owner "ops"
  reason "moves behind the gateway"
}

gate release {
  policies [no_public_services]
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("services.json"),
        r#"[{"id": "legacy", "public": true}]"#,
    )
    .unwrap();
    dir
}

#[test]
fn waivers_hold_until_they_expire() {
    let project = waived_project();
    let before = Server::start_at(project.path(), &[], "2026-11-22T12:00:00Z");
    let answer = post(&before.url("/v1/gates/release"), "{}", &[]);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["gate"]["passed"], true, "{}", answer.body);

    // Expired, the waiver fails its gate; the server still starts and answers.
    let after = Server::start_at(project.path(), &[], "2026-12-15T12:00:00Z");
    let answer = post(&after.url("/v1/gates/release"), "{}", &[]);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["gate"]["passed"], false, "{body}");
    assert!(answer.body.contains("legacy_is_public"), "{body}");
    let policy = post(&after.url("/v1/policies/no_public_services"), "{}", &[]);
    assert!(policy.body.contains("expired"), "{}", policy.body);
}

#[test]
fn unknown_routes_and_methods_answer_json() {
    let server = Server::start(&project(), &[]);
    let answer = get(&server.url("/v2/nothing"), &[]);
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json()["error"]["code"], "not_found");
    let answer = get(&server.url("/v1/policies/max_drift"), &[]);
    assert_eq!(answer.status, 405);
    assert_eq!(answer.json()["error"]["code"], "method_not_allowed");
    assert!(answer.header(VERSION_HEADER).is_some());
}

#[test]
fn metrics_count_requests_decisions_and_flags() {
    let server = Server::start(&project(), &[]);
    post(
        &server.url("/v1/policies/max_drift"),
        r#"{"args": {"drift": 0.1}}"#,
        &[],
    );
    post(
        &server.url("/v1/policies/max_drift"),
        r#"{"args": {"drift": 0.9}}"#,
        &[],
    );
    post(&server.url("/ofrep/v1/evaluate/flags/nope"), r#"{"context": {}}"#, &[]);
    let answer = get(&server.url("/metrics"), &[]);
    assert_eq!(answer.status, 200);
    assert!(answer.header("content-type").unwrap().starts_with("text/plain"));
    let text = answer.body;
    for expected in [
        "# TYPE cpl_http_requests_total counter",
        r#"cpl_http_requests_total{route="/v1/policies/{name}",status="200"} 2"#,
        r#"cpl_http_requests_total{route="/ofrep/v1/evaluate/flags/{key}",status="404"} 1"#,
        "# TYPE cpl_http_request_duration_seconds histogram",
        r#"cpl_http_request_duration_seconds_bucket{route="/v1/policies/{name}",le="+Inf"} 2"#,
        r#"cpl_http_request_duration_seconds_count{route="/v1/policies/{name}"} 2"#,
        r#"cpl_decisions_total{kind="policy",outcome="allow"} 1"#,
        r#"cpl_decisions_total{kind="policy",outcome="deny"} 1"#,
        r#"cpl_flag_evaluations_total{reason="ERROR",error_code="FLAG_NOT_FOUND"} 1"#,
        r#"cpl_reloads_total{result="applied"} 0"#,
        r#"cpl_reloads_total{result="refused"} 0"#,
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
}

#[test]
fn every_request_is_logged_as_a_json_line() {
    let server = Server::start(&project(), &[]);
    post(
        &server.url("/v1/policies/max_drift?secret=s3"),
        r#"{"args": {"drift": 0.1}}"#,
        &[],
    );
    let record = server.wait_for("request");
    assert_eq!(record["method"], "POST");
    assert_eq!(record["path"], "/v1/policies/max_drift", "the query is not logged");
    assert_eq!(record["status"], 200);
    assert!(record["latency_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(record["project_version"].as_str().unwrap().len(), 16);
    assert!(!server.log().join("\n").contains("s3"));
}

fn token_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("tokens");
    std::fs::write(&path, "# the deploy bot\ns3cret-token-one\nsecond-token\n").unwrap();
    path
}

#[test]
fn tokens_are_required_but_for_health() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = token_file(dir.path());
    let server = Server::start(&project(), &["--token-file", tokens.to_str().unwrap()]);
    assert_eq!(get(&server.url("/health"), &[]).status, 200);
    let url = server.url("/v1/policies/max_drift");
    let body = r#"{"args": {"drift": 0.1}}"#;
    let refused = post(&url, body, &[]);
    assert_eq!(refused.status, 401);
    assert_eq!(refused.header("www-authenticate"), Some("Bearer"));
    assert_eq!(refused.json()["error"]["code"], "unauthorized");
    let wrong = post(&url, body, &[("authorization", "Bearer s3cret-token-on")]);
    assert_eq!(wrong.status, 401);
    let basic = post(&url, body, &[("authorization", "Basic s3cret-token-one")]);
    assert_eq!(basic.status, 401);
    let ok = post(&url, body, &[("authorization", "Bearer s3cret-token-one")]);
    assert_eq!(ok.status, 200, "{}", ok.body);
    let second = post(&url, body, &[("authorization", "Bearer second-token")]);
    assert_eq!(second.status, 200);
    // OFREP routes are guarded too, and answer in OFREP's shape.
    let ofrep = post(&server.url("/ofrep/v1/evaluate/flags"), r#"{"context": {}}"#, &[]);
    assert_eq!(ofrep.status, 401);
    assert!(ofrep.json()["errorDetails"].is_string());
    assert_eq!(get(&server.url("/metrics"), &[]).status, 401);
    let log = server.log().join("\n");
    assert!(log.contains(r#""status":401"#), "{log}");
    assert!(!log.contains("s3cret") && !log.contains("second-token"), "{log}");
}

/// `cpl serve ARGS` that must not start: its exit code and standard error.
fn refused(args: &[&str]) -> (i32, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cpl"))
        .arg("serve")
        .arg("--project")
        .arg(project())
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn other_addresses_need_tokens_or_insecure() {
    let (code, stderr) = refused(&["--addr", "0.0.0.0:0"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--token-file"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n# nobody\n").unwrap();
    let (code, stderr) = refused(&["--addr", "0.0.0.0:0", "--token-file", empty.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("holds no token"), "{stderr}");
    let (code, stderr) = refused(&["--jobs", "0"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn a_project_with_errors_is_not_served() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cp"), "policy p { level hard\n require nope }\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cpl"))
        .args(["serve", "--addr", "127.0.0.1:0", "--project"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("listening"));
}

#[test]
fn bodies_over_the_limit_are_413() {
    let server = Server::start(&project(), &["--max-body-bytes", "64"]);
    let big = json!({ "args": { "drift": 0.1 }, "padding": "x".repeat(200) }).to_string();
    let answer = post(&server.url("/v1/policies/max_drift"), &big, &[]);
    assert_eq!(answer.status, 413);
    assert_eq!(answer.json()["error"]["code"], "payload_too_large");
    let big = json!({ "context": { "padding": "x".repeat(200) } }).to_string();
    let answer = post(&server.url("/ofrep/v1/evaluate/flags"), &big, &[]);
    assert_eq!(answer.status, 413);
    assert!(answer.json()["errorDetails"].is_string());
    let small = post(&server.url("/v1/policies/max_drift"), r#"{"args":{"drift":0.1}}"#, &[]);
    assert_eq!(small.status, 200);
}

/// A request whose body never comes is answered 503 when the deadline passes, in the
/// route's error shape.
#[test]
fn a_request_over_the_deadline_is_503() {
    use std::io::{Read, Write};
    let server = Server::start(&project(), &["--timeout-ms", "50"]);
    for (path, shape) in [
        ("/v1/policies/max_drift", "\"code\":\"timeout\""),
        ("/ofrep/v1/evaluate/flags", "errorDetails"),
    ] {
        let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 40\r\nconnection: close\r\n\r\n{{"
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        assert!(reply.starts_with("HTTP/1.1 503"), "{reply}");
        assert!(reply.contains(shape), "{reply}");
    }
}

/// SIGTERM while a request is in flight (its body half sent): the server stops taking
/// new work, the request completes, and the process exits cleanly.
#[cfg(unix)]
#[test]
fn sigterm_lets_the_request_in_flight_finish() {
    use std::io::{Read, Write};
    let server = Server::start(&project(), &["--jobs", "1"]);
    let body = r#"{"args": {"drift": 0.1}}"#;
    let (head, tail) = body.split_at(10);
    let mut stream = std::net::TcpStream::connect(&server.addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST /v1/policies/max_drift HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{head}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    // A request on another connection, answered, means the one worker thread has read
    // the first connection's head too: the handler waits for the rest of the body.
    // Signal, wait until the server says it is stopping, then finish the body.
    assert_eq!(get(&server.url("/health"), &[]).status, 200);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    server.wait_for("stopping");
    stream.write_all(tail.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains(r#""outcome":"allow""#), "{reply}");
    server.wait_for("stopped");
    assert_eq!(server.wait(), Some(0));
}
