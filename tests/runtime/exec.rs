//! The `exec` connector with real child processes (`python3` and `sh`).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use cpl::runtime::connector::{ConnectorError, ExecCall, STDERR_LIMIT, call_exec};
use cpl::time::Duration;
use serde_json::{Value, json};

fn python(script: &str, args: Value) -> ExecCall {
    ExecCall {
        command: vec!["python3".into(), "-c".into(), script.into()],
        cwd: std::env::temp_dir(),
        action: "summarize".into(),
        args,
        timeout: Some(Duration::parse("20s").unwrap()),
        env: Vec::new(),
    }
}

fn sh(script: &str) -> ExecCall {
    ExecCall {
        command: vec!["sh".into(), "-c".into(), script.into()],
        cwd: std::env::temp_dir(),
        action: "act".into(),
        args: json!({}),
        timeout: Some(Duration::parse("20s").unwrap()),
        env: Vec::new(),
    }
}

const ECHO: &str = r#"
import json, os, sys
args = json.load(sys.stdin)
print("working on it", file=sys.stderr)
json.dump({"action": sys.argv[1], "args": args, "cwd": os.getcwd(),
           "token": os.environ.get("CPL_TEST_TOKEN")}, sys.stdout)
"#;

#[test]
fn json_in_json_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut call = python(ECHO, json!({ "model": "fraud_v3", "drift": 0.22 }));
    call.cwd = dir.path().to_path_buf();
    call.env = vec![("CPL_TEST_TOKEN".into(), "t0k".into())];
    let out = call_exec(&call).unwrap();
    assert_eq!(out.value["action"], "summarize");
    assert_eq!(out.value["args"], json!({ "model": "fraud_v3", "drift": 0.22 }));
    assert_eq!(out.value["token"], "t0k");
    let cwd = PathBuf::from(out.value["cwd"].as_str().unwrap());
    assert_eq!(cwd.canonicalize().unwrap(), dir.path().canonicalize().unwrap());
    assert_eq!(out.stderr, "working on it\n");
}

#[test]
fn no_shell_is_involved() {
    // With a shell, `$HOME` and `;` would be interpreted; here they are plain arguments.
    let call = ExecCall {
        command: vec![
            "python3".into(),
            "-c".into(),
            "import json, sys; json.dump(sys.argv[1:], sys.stdout)".into(),
            "$HOME; echo hi".into(),
        ],
        ..python("", json!({}))
    };
    let out = call_exec(&call).unwrap();
    assert_eq!(out.value, json!(["$HOME; echo hi", "summarize"]));
}

#[test]
fn a_non_zero_exit_is_a_failure_with_its_stderr() {
    let script = r#"
import sys
sys.stdin.read()
print("Traceback (most recent call last):", file=sys.stderr)
print("ValueError: model `fraud_v9` not found", file=sys.stderr)
sys.exit(3)
"#;
    let err = call_exec(&python(script, json!({}))).unwrap_err();
    let ConnectorError::Exit {
        code, signal, stderr, ..
    } = &err
    else {
        panic!("expected an exit failure, got {err:?}");
    };
    assert_eq!((*code, *signal), (Some(3), None));
    assert!(stderr.ends_with("ValueError: model `fraud_v9` not found\n"), "{stderr}");
    assert_eq!(err.stderr(), Some(stderr.as_str()));
    let message = err.to_string();
    assert!(message.starts_with("`python3 -c "), "{message}");
    assert!(
        message.ends_with(
            " summarize` exited with code 3: Traceback (most recent call last):\\n\
             ValueError: model `fraud_v9` not found"
        ),
        "{message}"
    );
}

#[test]
fn a_silent_failure_says_so() {
    let err = call_exec(&sh("exit 7")).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("exited with code 7 and wrote nothing to standard error")
    );
}

#[test]
fn output_that_is_not_json_is_a_failure() {
    let err = call_exec(&sh("echo 'all good'; echo 'note' >&2")).unwrap_err();
    let ConnectorError::NotJson { excerpt, stderr, .. } = &err else {
        panic!("expected not-JSON, got {err:?}");
    };
    assert_eq!(excerpt, "all good");
    assert_eq!(stderr.as_deref(), Some("note\n"));
    assert!(err.to_string().contains("is not JSON ("), "{err}");

    let err = call_exec(&sh(r#"echo '{"a": 1} {"b": 2}'"#)).unwrap_err();
    assert!(matches!(err, ConnectorError::NotJson { .. }), "two values: {err:?}");

    let err = call_exec(&sh("true")).unwrap_err();
    assert!(err.to_string().contains("is not JSON (it printed nothing)"), "{err}");
}

#[test]
fn a_timeout_kills_the_program_quickly() {
    let mut call = sh("sleep 30");
    call.timeout = Some(Duration::parse("200ms").unwrap());
    let started = Instant::now();
    let err = call_exec(&call).unwrap_err();
    let elapsed = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert!(elapsed < std::time::Duration::from_secs(3), "took {elapsed:?}");
    assert!(
        err.to_string().ends_with("did not finish within 200ms and was killed"),
        "{err}"
    );
}

fn is_alive(pid: u32) -> bool {
    // A zombie is dead for our purpose: it runs nothing and holds no pipe.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn wait_dead(pid: u32) -> bool {
    let until = Instant::now() + std::time::Duration::from_secs(2);
    while Instant::now() < until {
        if !is_alive(pid) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    false
}

#[test]
fn a_timeout_kills_what_the_program_started_too() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("grandchild.pid");
    let mut call = sh(&format!("sleep 30 & echo $! > '{}'; wait", pid_file.display()));
    call.timeout = Some(Duration::parse("300ms").unwrap());
    let started = Instant::now();
    let err = call_exec(&call).unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    let pid: u32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
    assert!(wait_dead(pid), "the background `sleep` ({pid}) survived");
}

#[test]
fn a_background_process_holding_the_output_does_not_hang_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("daemon.pid");
    let call = sh(&format!(
        "sleep 30 & echo $! > '{}'; echo '{{\"ok\": true}}'",
        pid_file.display()
    ));
    let started = Instant::now();
    let result = call_exec(&call);
    assert!(started.elapsed() < std::time::Duration::from_secs(6));
    // The output was complete; the leftover was killed with its group.
    assert_eq!(result.unwrap().value, json!({ "ok": true }));
    let pid: u32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
    assert!(wait_dead(pid), "the background `sleep` ({pid}) survived");
}

#[test]
fn large_output_does_not_deadlock() {
    // 1 MB on stdout and 1 MB on stderr, written before reading stdin: a reader that
    // drained one pipe after the other, or wrote stdin first, would hang here.
    let script = r#"
import json, sys
sys.stderr.write("e" * 1_000_000 + "\nlast line\n")
sys.stderr.flush()
data = json.load(sys.stdin)
json.dump({"blob": "x" * 1_000_000, "n": len(data["items"])}, sys.stdout)
"#;
    let items: Vec<u32> = (0..100_000).collect();
    let started = Instant::now();
    let out = call_exec(&python(script, json!({ "items": items }))).unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(out.value["blob"].as_str().unwrap().len(), 1_000_000);
    assert_eq!(out.value["n"], 100_000);
    assert!(out.stderr.len() <= STDERR_LIMIT + 100, "{}", out.stderr.len());
    assert!(out.stderr.starts_with("eeee"));
    assert!(out.stderr.ends_with("\nlast line\n"));
    assert!(out.stderr.contains("bytes of standard error omitted"));
}

#[test]
fn a_program_that_ignores_its_input_is_fine() {
    let out = call_exec(&sh(r#"echo '[1, 2]'"#)).unwrap();
    assert_eq!(out.value, json!([1, 2]));
}

#[test]
fn a_missing_program_or_directory_is_reported() {
    let call = ExecCall {
        command: vec!["cpl-no-such-program".into()],
        ..sh("")
    };
    let err = call_exec(&call).unwrap_err();
    assert_eq!(err.to_string(), "cannot start `cpl-no-such-program`: no such program");

    let mut call = sh("true");
    call.cwd = Path::new("/cpl/no/such/dir").to_path_buf();
    let err = call_exec(&call).unwrap_err();
    assert!(matches!(err, ConnectorError::InvalidCall(_)), "{err:?}");

    let call = ExecCall {
        command: Vec::new(),
        ..sh("")
    };
    assert!(matches!(call_exec(&call), Err(ConnectorError::InvalidCall(_))));
}

#[test]
fn a_relative_program_runs_from_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("agent.sh");
    std::fs::write(&script, "#!/bin/sh\necho \"{\\\"action\\\": \\\"$1\\\"}\"\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let call = ExecCall {
        command: vec!["./agent.sh".into()],
        cwd: dir.path().to_path_buf(),
        ..sh("")
    };
    assert_eq!(call_exec(&call).unwrap().value, json!({ "action": "act" }));
}

#[test]
fn a_signal_is_reported_as_such() {
    let err = call_exec(&sh("kill -TERM $$")).unwrap_err();
    assert!(
        matches!(
            err,
            ConnectorError::Exit {
                code: None,
                signal: Some(15),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("was killed by signal 15"), "{err}");
}

#[test]
fn a_program_sees_only_path_and_its_declared_environment() {
    // `cargo test` runs this with `CARGO_*` variables set: none may reach the program.
    let ours: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| name.starts_with("CARGO"))
        .collect();
    assert!(ours.iter().any(|name| name == "CARGO_MANIFEST_DIR"), "{ours:?}");
    let script = "import json, os, sys; json.dump(dict(os.environ), sys.stdout)";
    let mut call = python(script, json!({}));
    call.env = vec![("API_KEY".into(), "k3y-value".into())];
    let out = call_exec(&call).unwrap();
    let theirs = out.value.as_object().unwrap();
    assert_eq!(theirs["API_KEY"], "k3y-value");
    assert!(theirs.contains_key("PATH"), "{theirs:?}");
    // `python3` may be a wrapper (pyenv) that sets variables of its own; cpl's are absent.
    for name in &ours {
        assert!(!theirs.contains_key(name), "{name} leaked: {theirs:?}");
    }
}

#[test]
fn a_declared_path_replaces_cpl_own() {
    let script = "import json, os, sys; json.dump(os.environ['PATH'], sys.stdout)";
    let mut call = python(script, json!({}));
    let path = format!("/nowhere/marker:{}", std::env::var("PATH").unwrap());
    call.env = vec![("PATH".into(), path)];
    let seen = call_exec(&call).unwrap().value;
    assert!(seen.as_str().unwrap().contains("/nowhere/marker:"), "{seen}");
}
