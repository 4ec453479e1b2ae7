//! A real OpenFeature client reads the flags: the JavaScript server SDK with its OFREP
//! provider (single evaluation) and ofrep-core's API client (bulk evaluation), installed
//! by `npm ci --prefix tests/openfeature`, against `cpl serve` on port 0. Each answer must
//! be what the library's facade gives in-process. Skipped, loudly, when `node` or the
//! packages are missing; under `CI=true` that is a failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cpl::session::{OpenOptions, Session};
use serde_json::{Value as Json, json};

use crate::server::{Server, project, repo};

const PATIENCE: Duration = Duration::from_secs(60);

fn client_dir() -> PathBuf {
    repo().join("tests/openfeature")
}

/// Why the client cannot run here, if it cannot.
fn client_missing() -> Option<String> {
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|out| out.status.success()) {
        return Some("`node` is not installed".into());
    }
    let installed = client_dir().join("node_modules/@openfeature/ofrep-provider/package.json");
    (!installed.exists()).then(|| {
        format!(
            "{} is absent: run `npm ci --prefix tests/openfeature`",
            installed.display()
        )
    })
}

/// Runs the client over `request`, under [`PATIENCE`].
fn run_client(request: &Json) -> Json {
    let mut child = Command::new("node")
        .arg(client_dir().join("client.mjs"))
        .current_dir(client_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > PATIENCE {
            child.kill().unwrap();
            panic!("the OpenFeature client did not finish within {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "the OpenFeature client failed: {}",
        output.status
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// What the facade gives for `key` in `context`, as OpenFeature details: value (or the
/// code default on error), variant, reason, error code.
fn facade(session: &Session, key: &str, default: &Json, context: &Json) -> Json {
    let evaluation = session.evaluate_flag(key, context);
    match &evaluation.error {
        Some(error) => {
            let code = match error.code.as_str() {
                "TYPE_MISMATCH" => "GENERAL",
                other => other,
            };
            json!({ "key": key, "value": default, "errorCode": code })
        }
        None => json!({
            "key": key,
            "value": evaluation.value.as_ref().map(|v| v.to_json(false)),
            "variant": evaluation.variant.as_deref(),
            "reason": evaluation.reason.as_str(),
            "errorCode": null,
        }),
    }
}

/// Compares the client's answers with the facade's over `cases` and the bulk context.
fn compare(project: &Path, cases: &[Json], bulk_context: &Json) {
    if let Some(why) = client_missing() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("SKIPPED the OpenFeature client test: {why}");
        return;
    }
    let now = jiff::Timestamp::from_second(1_795_000_000).unwrap();
    let session = Session::open(project, &OpenOptions::new(now));
    let server = Server::start(project, &[]);
    let answers = run_client(&json!({
        "baseUrl": format!("http://{}", server.addr),
        "cases": cases,
        "bulkContext": bulk_context,
    }));
    for (case, got) in cases.iter().zip(answers["single"].as_array().unwrap()) {
        let key = case["key"].as_str().unwrap();
        let expected = facade(&session, key, &case["default"], &case["context"]);
        assert_eq!(got["value"], expected["value"], "{key}: {got} vs {expected}");
        assert_eq!(got["errorCode"], expected["errorCode"], "{key}: {got} vs {expected}");
        if expected["errorCode"].is_null() {
            assert_eq!(got["variant"], expected["variant"], "{key}");
            assert_eq!(got["reason"], expected["reason"], "{key}");
        }
    }
    assert_eq!(answers["bulk"]["status"], 200, "{}", answers["bulk"]);
    let listed = answers["bulk"]["body"]["flags"].as_array().unwrap();
    let flags = session.flags();
    assert_eq!(listed.len(), flags.len());
    for (item, flag) in listed.iter().zip(&flags) {
        let expected = facade(&session, &flag.key, &Json::Null, bulk_context);
        assert_eq!(item["key"], *flag.key);
        if expected["errorCode"].is_null() {
            assert_eq!(item["value"], expected["value"], "{item}");
            assert_eq!(item["reason"], expected["reason"], "{item}");
        } else {
            assert_eq!(item["errorCode"], expected["errorCode"], "{item}");
        }
    }
}

#[test]
fn an_openfeature_client_gets_the_code_default_for_unknown_flags() {
    let cases = [
        json!({ "key": "no-such-flag", "type": "boolean", "default": true, "context": { "targetingKey": "u1" } }),
        json!({ "key": "nor-this", "type": "string", "default": "fallback", "context": {} }),
    ];
    compare(&project(), &cases, &json!({ "targetingKey": "u1" }));
}

/// Needs real flags (the flags branch).
#[test]
fn real_flags_an_openfeature_client_reads_what_the_facade_evaluates() {
    let enterprise = json!({ "targetingKey": "u1", "tenant": { "id": "acme", "tier": "enterprise" } });
    let free =
        json!({ "targetingKey": "u2", "tenant": { "id": "tenant-7", "tier": "free" }, "user": { "id": "jack" } });
    let mut cases = Vec::new();
    for context in [&enterprise, &free] {
        cases.push(json!({ "key": "new-ai-model", "type": "boolean", "default": false, "context": context }));
        cases.push(json!({ "key": "checkout_flow", "type": "string", "default": "z", "context": context }));
        cases.push(json!({ "key": "beta_features", "type": "boolean", "default": true, "context": context }));
    }
    cases.push(json!({ "key": "missing", "type": "boolean", "default": true, "context": free }));
    compare(&repo().join("tests/serve/flags"), &cases, &free);
}
