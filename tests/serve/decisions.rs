//! The decision log of `cpl serve` (every policy, gate and flag answered, read back with
//! `cpl decisions`, no secret anywhere in the database's bytes) and the config route.

use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};

use crate::server::{Server, get, post, repo};

/// The project with a secret policy argument, a secret in the flag context and a config
/// with a secret.
fn project() -> PathBuf {
    repo().join("tests/serve/logged")
}

const POLICY_SECRET: &str = "s3cr3t-policy-token";
const CONTEXT_SECRET: &str = "s3cr3t-context-key";

/// `cpl decisions --format json --limit 0` over `runlog`: the decisions, newest first.
fn logged(runlog: &Path) -> Vec<Json> {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cpl"))
        .args(["decisions", "--format", "json", "--limit", "0", "--project"])
        .arg(project())
        .arg("--runlog")
        .arg(runlog)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let body: Json = serde_json::from_slice(&output.stdout).unwrap();
    body["decisions"].as_array().unwrap().clone()
}

/// Every byte of the database and the files SQLite keeps beside it.
fn database_bytes(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with("runs.db") {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn context(tenant: &str) -> String {
    json!({ "context": { "tenant": { "id": tenant, "api_key": CONTEXT_SECRET }, "targetingKey": "user-7" } })
        .to_string()
}

#[cfg(unix)]
#[test]
fn every_served_decision_is_logged_without_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let runlog = dir.path().join("runs.db");
    let server = Server::start(&project(), &["--runlog", runlog.to_str().unwrap()]);
    let policy = server.url("/v1/policies/token_limit");
    let allowed = post(&policy, &json!({ "args": { "token": POLICY_SECRET } }).to_string(), &[]);
    assert_eq!(allowed.json()["decision"]["outcome"], "allow", "{}", allowed.body);
    let denied = post(
        &policy,
        &json!({ "args": { "token": POLICY_SECRET, "limit": 9 } }).to_string(),
        &[],
    );
    assert_eq!(denied.json()["decision"]["outcome"], "deny", "{}", denied.body);
    let refused = post(
        &policy,
        &json!({ "args": { "token": POLICY_SECRET, "limit": "many" } }).to_string(),
        &[],
    );
    assert_eq!(refused.status, 400, "{}", refused.body);
    let gate = server.url("/v1/gates/deploy");
    let passed = post(&gate, r#"{"inputs": {"plan": {"buckets": ["a"]}}}"#, &[]);
    assert_eq!(passed.json()["gate"]["passed"], true, "{}", passed.body);
    let failed = post(&gate, r#"{"inputs": {"plan": {"buckets": ["a", "b", "c"]}}}"#, &[]);
    assert_eq!(failed.json()["gate"]["passed"], false, "{}", failed.body);
    let single = post(&server.url("/ofrep/v1/evaluate/flags/new-ui"), &context("t1"), &[]);
    assert_eq!(single.json()["reason"], "TARGETING_MATCH", "{}", single.body);
    let bulk = post(&server.url("/ofrep/v1/evaluate/flags"), &context("t2"), &[]);
    assert_eq!(bulk.json()["flags"][0]["reason"], "DEFAULT", "{}", bulk.body);
    let missing = post(&server.url("/ofrep/v1/evaluate/flags/old-ui"), &context("t1"), &[]);
    assert_eq!(missing.status, 404);
    let metrics = get(&server.url("/metrics"), &[]).body;
    assert!(metrics.contains("cpl_decision_log_dropped_total 0"), "{metrics}");
    assert!(metrics.contains("cpl_decision_log_errors_total 0"), "{metrics}");
    let version = allowed.json()["project_version"].as_str().unwrap().to_string();

    // Stopped, the server has written everything it answered before it exits.
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(server.wait(), Some(0));

    let decisions = logged(&runlog);
    let seen: Vec<(&str, &str, &str)> = decisions
        .iter()
        .rev()
        .map(|d| {
            assert_eq!(d["project_version"], version.as_str(), "{d}");
            (
                d["kind"].as_str().unwrap(),
                d["name"].as_str().unwrap(),
                d["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("policy", "token_limit", "allow"),
            ("policy", "token_limit", "deny"),
            ("policy", "token_limit", "error"),
            ("gate", "deploy", "passed"),
            ("gate", "deploy", "failed"),
            ("flag", "new-ui", "TARGETING_MATCH"),
            ("flag", "new-ui", "DEFAULT"),
            ("flag", "old-ui", "ERROR"),
        ]
    );
    // The requests are kept, typed, with their secrets masked.
    let oldest = decisions.last().unwrap();
    assert_eq!(oldest["request"], json!({ "args": { "token": "***" } }));
    assert_eq!(oldest["result"]["decision"]["outcome"], "allow");
    let flag = &decisions[1];
    assert_eq!(
        flag["request"]["context"],
        json!({ "tenant": { "id": "t2", "api_key": "***" }, "targetingKey": "user-7" })
    );
    assert_eq!(flag["result"]["value"], false);
    assert_eq!(
        decisions[3]["request"]["inputs"]["plan"]["buckets"],
        json!(["a", "b", "c"])
    );

    let bytes = database_bytes(dir.path());
    assert!(contains(&bytes, "TARGETING_MATCH"), "the search can find what is there");
    for secret in [POLICY_SECRET, CONTEXT_SECRET] {
        assert!(!contains(&bytes, secret), "`{secret}` is in the database");
    }
}

#[test]
fn a_decision_log_that_cannot_be_opened_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "not a directory").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cpl"))
        .args(["serve", "--addr", "127.0.0.1:0", "--project"])
        .arg(project())
        .arg("--runlog")
        .arg(file.join("runs.db"))
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("E0813"), "{stderr}");
    assert!(!stderr.contains("listening"), "{stderr}");
}

#[test]
fn config_is_served_with_its_secrets_masked() {
    let server = Server::start(&project(), &[]);
    let answer = get(&server.url("/v1/config/platform?env=production"), &[]);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["config"], "platform");
    assert_eq!(body["env"], "production");
    assert_eq!(body["document"], json!({ "database_url": "***", "pool_size": 50 }));
    assert_eq!(body["project_version"].as_str(), answer.header("cpl-project-version"));
    assert!(!answer.body.contains("hunter2"), "{}", answer.body);

    // Without `env`: the project's default environment, the first declared here.
    let default = get(&server.url("/v1/config/platform"), &[]).json();
    assert_eq!(default["env"], "dev");
    assert_eq!(default["document"]["pool_size"], 10);
}

#[test]
fn config_errors_name_what_exists() {
    let server = Server::start(&project(), &[]);
    for (path, status, code, expected) in [
        ("/v1/config/platfrom", 404, "not_found", "did you mean `platform`?"),
        ("/v1/config/platform?env=prod", 404, "not_found", "the environments are"),
        (
            "/v1/config/platform?env=productoin",
            404,
            "not_found",
            "did you mean `production`?",
        ),
        (
            "/v1/config/platform?env=staging",
            422,
            "unprocessable",
            "fails `it >= 1`",
        ),
        (
            "/v1/config/platform?region=eu",
            400,
            "invalid_request",
            "unknown query parameter `region`",
        ),
        (
            "/v1/config/platform?env=dev&env=staging",
            400,
            "invalid_request",
            "`env` is given twice",
        ),
    ] {
        let answer = get(&server.url(path), &[]);
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
        let body = answer.json();
        assert_eq!(body["error"]["code"], code, "{path}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{path}: {message}");
        assert!(body["diagnostics"].is_array(), "{path}");
        assert!(body["project_version"].is_string(), "{path}");
    }
    let posted = post(&server.url("/v1/config/platform"), "{}", &[]);
    assert_eq!(posted.status, 405);
}
