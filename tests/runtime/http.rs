//! The `http` connector against a real local server.

use std::time::Instant;

use cpl::runtime::connector::{ConnectorError, EXCERPT_CHARS, HttpCall, call_http};
use cpl::time::Duration;
use serde_json::{Value, json};

use crate::http_server;

fn call(base_url: &str, action: &str, args: Value) -> HttpCall {
    HttpCall {
        base_url: base_url.to_owned(),
        action: action.to_owned(),
        args,
        timeout: Duration::parse("5s").unwrap(),
        headers: Vec::new(),
    }
}

#[test]
fn posts_the_arguments_as_json_and_reads_the_reply() {
    let base = http_server::start();
    let mut req = call(
        &format!("{base}/"),
        "echo",
        json!({ "model": "fraud_v3", "reason": "drift 0.22" }),
    );
    req.headers = vec![("Authorization".into(), "Bearer s3cret".into())];
    let reply = call_http(&req).unwrap();
    assert_eq!(reply["method"], "POST");
    assert_eq!(reply["path"], "/echo");
    assert_eq!(reply["body"], json!({ "model": "fraud_v3", "reason": "drift 0.22" }));
    assert_eq!(reply["headers"]["authorization"], "Bearer s3cret");
    assert_eq!(reply["headers"]["content-type"], "application/json; charset=utf-8");
    assert_eq!(reply["headers"]["accept"], "application/json");
}

#[test]
fn a_non_2xx_reply_is_a_failure_with_status_and_body() {
    let base = http_server::start();
    let err = call_http(&call(&base, "fail", json!({}))).unwrap_err();
    assert_eq!(
        err,
        ConnectorError::HttpStatus {
            url: format!("{base}/fail"),
            status: 500,
            excerpt: "model store unavailable:\\ndisk full".into(),
        }
    );
    assert_eq!(
        err.to_string(),
        format!("`POST {base}/fail` answered with status 500: model store unavailable:\\ndisk full")
    );
    assert!(!err.is_timeout());
}

#[test]
fn a_long_error_body_is_cut_to_an_excerpt() {
    let base = http_server::start();
    let err = call_http(&call(&base, "big-fail", json!({}))).unwrap_err();
    let ConnectorError::HttpStatus { status, excerpt, .. } = &err else {
        panic!("expected a status failure, got {err:?}");
    };
    assert_eq!(*status, 502);
    assert_eq!(excerpt.chars().count(), EXCERPT_CHARS + 1);
    assert!(excerpt.ends_with('…'));
}

#[test]
fn redirects_are_not_followed() {
    let base = http_server::start();
    let err = call_http(&call(&base, "redirect", json!({}))).unwrap_err();
    assert!(matches!(err, ConnectorError::HttpStatus { status: 302, .. }), "{err:?}");
}

#[test]
fn a_slow_service_times_out() {
    let base = http_server::start();
    let mut req = call(&base, "slow", json!({}));
    req.timeout = Duration::parse("300ms").unwrap();
    let started = Instant::now();
    let err = call_http(&req).unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("`POST {base}/slow` got no complete reply within 300ms")
    );
    assert!(elapsed < http_server::SLOW / 2, "took {elapsed:?}");
    assert!(elapsed >= std::time::Duration::from_millis(250), "took {elapsed:?}");
}

#[test]
fn nothing_listening_is_connection_refused() {
    let base = http_server::closed_port_url();
    let err = call_http(&call(&base, "echo", json!({}))).unwrap_err();
    assert_eq!(
        err,
        ConnectorError::ConnectionRefused {
            url: format!("{base}/echo")
        }
    );
    assert!(err.to_string().contains("refused"), "{err}");
}

#[test]
fn a_reply_that_is_not_json_is_a_failure() {
    let base = http_server::start();
    let err = call_http(&call(&base, "html", json!({}))).unwrap_err();
    let ConnectorError::NotJson { what, excerpt, .. } = &err else {
        panic!("expected not-JSON, got {err:?}");
    };
    assert_eq!(what, &format!("the reply of `POST {base}/html`"));
    assert_eq!(excerpt, "<html><body>maintenance</body></html>");
    assert!(
        err.to_string()
            .starts_with(&format!("the reply of `POST {base}/html` is not JSON ("))
    );
}

#[test]
fn an_empty_reply_is_not_json_but_204_is_null() {
    let base = http_server::start();
    let err = call_http(&call(&base, "empty", json!({}))).unwrap_err();
    assert!(err.to_string().contains("is not JSON (it is empty)"), "{err}");
    assert_eq!(call_http(&call(&base, "no-content", json!({}))).unwrap(), Value::Null);
}

#[test]
fn an_unknown_host_is_unreachable() {
    let err = call_http(&call("http://cpl-no-such-host.invalid", "echo", json!({}))).unwrap_err();
    assert!(matches!(err, ConnectorError::Unreachable { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("cannot reach `http://cpl-no-such-host.invalid/echo`: cannot resolve"),
        "{err}"
    );
}

#[test]
fn a_header_value_http_cannot_carry_is_refused_without_quoting_it() {
    let base = http_server::start();
    let mut req = call(&base, "echo", json!({}));
    req.headers = vec![("x-api-key".into(), "clé-secrète".into())];
    let err = call_http(&req).unwrap_err();
    assert!(matches!(err, ConnectorError::InvalidCall(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("`x-api-key`"), "{text}");
    assert!(!text.contains("secr"), "{text}");
}

#[test]
fn quotes_backslashes_and_spaces_are_sent_as_they_are() {
    let base = http_server::start();
    let mut req = call(&base, "echo", json!({}));
    req.headers = vec![("x-api-key".into(), "a\"b\\c/d e+f=".into())];
    let reply = call_http(&req).unwrap();
    assert_eq!(reply["headers"]["x-api-key"], "a\"b\\c/d e+f=");
}
