//! Hot reload: the server watches its project; a change that checks is served, a change
//! with errors is refused (logged, counted) while the last good version keeps serving,
//! and a change to a data file is picked up like one to a `.cp` file.

use std::path::Path;
use std::time::Duration;

use serde_json::Value as Json;

use crate::VERSION_HEADER;
use crate::server::{Server, get, post};

/// The longest a reload may take to be logged; the server's debounce is far shorter.
const RELOAD_WITHIN: Duration = Duration::from_secs(20);

fn flag_project(default: &str) -> String {
    format!(
        r#"context {{
  tenant: {{ id: string }}
}}

flag greeting: string {{
  default {default}
}}

entity tier {{
  key name: string
  limit: int
}}

source tiers: [tier] = "tiers.json"

policy within_limits(n: int) {{
  level hard
  for t in tiers
  deny when n > t.limit => "{{n}} is over {{t.name}}'s {{t.limit}}"
}}
"#
    )
}

fn write_project(dir: &Path, default: &str, limit: u32) {
    std::fs::write(dir.join("main.cp"), flag_project(default)).unwrap();
    std::fs::write(
        dir.join("tiers.json"),
        format!(r#"[{{"name": "free", "limit": {limit}}}]"#),
    )
    .unwrap();
}

/// The flag's value and the project version that served it.
fn greeting(server: &Server) -> (Json, String) {
    let answer = post(
        &server.url("/ofrep/v1/evaluate/flags/greeting"),
        r#"{"context": {"targetingKey": "u1", "tenant": {"id": "acme"}}}"#,
        &[],
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let version = answer.header(VERSION_HEADER).unwrap().to_string();
    (answer.json()["value"].clone(), version)
}

fn outcome(server: &Server, n: u32) -> String {
    let answer = post(
        &server.url("/v1/policies/within_limits"),
        &format!(r#"{{"args": {{"n": {n}}}}}"#),
        &[],
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json()["decision"]["outcome"].as_str().unwrap().to_string()
}

fn reloads(server: &Server, result: &str) -> String {
    let text = get(&server.url("/metrics"), &[]).body;
    let prefix = format!("cpl_reloads_total{{result=\"{result}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` in:\n{text}"))
        .to_string()
}

#[test]
fn a_broken_change_is_refused_and_a_good_one_served() {
    let dir = tempfile::tempdir().unwrap();
    write_project(dir.path(), r#""A""#, 10);
    let server = Server::start(dir.path(), &[]);
    let (value, first) = greeting(&server);
    assert_eq!(value, "A");

    // A type error: refused, logged with its diagnostics, counted; "A" is still served.
    std::fs::write(dir.path().join("main.cp"), flag_project("42")).unwrap();
    let refused = server.wait_for_within("reload", RELOAD_WITHIN);
    assert_eq!(refused["result"], "refused", "{refused}");
    assert_ne!(refused["version"], first.as_str(), "{refused}");
    let diagnostics = refused["diagnostics"].as_array().unwrap();
    assert!(
        diagnostics
            .iter()
            .any(|d| d["severity"] == "error" && d["file"] == "main.cp"),
        "{refused}"
    );
    assert_eq!(greeting(&server), (Json::from("A"), first.clone()));
    assert_eq!(reloads(&server, "refused"), "1");
    assert_eq!(reloads(&server, "applied"), "0");

    // Fixed with a new default, written as editors do (a new file renamed over the old).
    let staged = dir.path().join("main.cp.new");
    std::fs::write(&staged, flag_project(r#""B""#)).unwrap();
    std::fs::rename(&staged, dir.path().join("main.cp")).unwrap();
    let applied = server.wait_for_within("reload", RELOAD_WITHIN);
    assert_eq!(applied["result"], "applied", "{applied}");
    assert_eq!(applied["from"], first.as_str());
    let (value, second) = greeting(&server);
    assert_eq!(value, "B");
    assert_ne!(second, first);
    assert_eq!(applied["to"], second.as_str());
    assert_eq!(reloads(&server, "applied"), "1");
    assert_eq!(
        get(&server.url("/health"), &[]).json()["project_version"],
        second.as_str()
    );
}

#[test]
fn a_data_change_is_picked_up() {
    let dir = tempfile::tempdir().unwrap();
    write_project(dir.path(), r#""A""#, 10);
    let server = Server::start(dir.path(), &[]);
    assert_eq!(outcome(&server, 7), "allow");
    let (_, first) = greeting(&server);

    std::fs::write(dir.path().join("tiers.json"), r#"[{"name": "free", "limit": 5}]"#).unwrap();
    let applied = server.wait_for_within("reload", RELOAD_WITHIN);
    assert_eq!(applied["result"], "applied", "{applied}");
    assert_eq!(outcome(&server, 7), "deny");
    let (_, second) = greeting(&server);
    assert_ne!(second, first);

    // Data that does not fit its type is refused like a broken `.cp` file.
    std::fs::write(dir.path().join("tiers.json"), r#"[{"name": "free", "limit": "five"}]"#).unwrap();
    let refused = server.wait_for_within("reload", RELOAD_WITHIN);
    assert_eq!(refused["result"], "refused", "{refused}");
    assert!(
        refused["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["file"] == "tiers.json"),
        "{refused}"
    );
    assert_eq!(outcome(&server, 7), "deny");
    assert_eq!(greeting(&server).1, second);

    // A directory made after the start is watched too: the data moves into one, then
    // changes there alone.
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/tiers.json"), r#"[{"name": "free", "limit": 5}]"#).unwrap();
    let moved = flag_project(r#""A""#).replace(r#""tiers.json""#, r#""data/tiers.json""#);
    std::fs::write(dir.path().join("main.cp"), moved).unwrap();
    let applied = server.wait_for_within("reload", RELOAD_WITHIN);
    assert_eq!(applied["result"], "applied", "{applied}");
    assert_eq!(outcome(&server, 7), "deny");
    std::fs::write(dir.path().join("data/tiers.json"), r#"[{"name": "free", "limit": 8}]"#).unwrap();
    let applied = server.wait_for_within("reload", RELOAD_WITHIN);
    assert_eq!(applied["result"], "applied", "{applied}");
    assert_eq!(outcome(&server, 7), "allow");
}

#[test]
fn no_reload_says_so_at_start() {
    let dir = tempfile::tempdir().unwrap();
    write_project(dir.path(), r#""A""#, 10);
    let listening = |server: &Server| -> Json { serde_json::from_str(&server.log()[0]).unwrap() };
    let watching = Server::start(dir.path(), &[]);
    assert_eq!(listening(&watching)["reload"], true);
    let fixed = Server::start(dir.path(), &["--no-reload"]);
    assert_eq!(listening(&fixed)["reload"], false);
}
