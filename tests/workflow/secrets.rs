//! Secrets never in clear: a secret read by `secret(…)` and a credential read by
//! `env(…)` are planted in cpl's environment, handed to a program (its `env` block)
//! and a service (`headers`, `token`), echoed back by both in plain, escaped and
//! encoded forms — on standard error before and while other steps use them, in
//! replies, in a `secret` reply field (and one made up by the program) and in
//! failures — and then every output of
//! `cpl` and every byte of the run log is searched for any of those forms.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::http_server;

/// Read by `secret("CPL_TEST_SECRET")`: JSON-escaped, non-ASCII and URL-reserved
/// characters, so that every encoding differs from the text itself.
const SECRET: &str = "Sup3r\"s3cr3t\\wörd/€ x+y";
/// Read by `env("CPL_TEST_ENV_CRED")` only.
const ENV_CRED: &str = "env-Cred\"Zq9/ü\\x";
/// The service's token and key: HTTP header values are ASCII.
const HTTP_SECRET: &str = "Ht7p\"T0k\\en/ x+y=";
const HTTP_CRED: &str = "hdr-Cred\"Q8w/\\z";
/// The path of a service whose whole URL is a secret (a webhook's, say).
const HOOK_PATH: &str = "Zk4x-hookpath";
/// Made up by the program and returned in a `secret` field: known only from the reply.
const MINTED: &str = "Vw3r9-minted\"k/ö";

/// Prints every form of the credentials it was given on standard error, and returns
/// them; `reply` also returns the token in a `secret` field, `crash` fails.
const AGENT: &str = r#"
import base64, json, os, sys, time, urllib.parse

def forms(v):
    return {
        "plain": v,
        "json": json.dumps(v, ensure_ascii=False),
        "ascii": json.dumps(v),
        "slash": json.dumps(v).replace("/", "\\/"),
        "ulower": "".join("\\u%04x" % ord(c) for c in v),
        "uupper": "".join("\\u%04X" % ord(c) for c in v),
        "percent": urllib.parse.quote(v, safe=""),
        "percent_lower": "".join("%%%02x" % b for b in v.encode()),
        "plus": urllib.parse.quote_plus(v),
        "b64": base64.b64encode(v.encode()).decode(),
        "b64url": base64.urlsafe_b64encode(v.encode()).decode(),
        "basic": base64.b64encode(("bot:" + v).encode()).decode(),
    }

action = sys.argv[1]
args = json.load(sys.stdin)
values = [os.environ.get("A", ""), os.environ.get("B", ""), args.get("token", "")]
values = [v for v in values if v]
if action == "parallel":
    time.sleep(0.2)
for v in values:
    print(json.dumps(forms(v)), file=sys.stderr)
    print(v, file=sys.stderr)
if action == "crash":
    sys.exit(2)
if action == "mint":
    minted = "Vw3r9-minted\"k/\u00f6"
    print("issued " + minted, file=sys.stderr)
    print(json.dumps(forms(minted)), file=sys.stderr)
    print(json.dumps({"key": minted}))
    sys.exit(0)
reply = {"forms": [forms(v) for v in values]}
if action == "reply":
    reply = {"key": args["token"], "forms": reply["forms"]}
print(json.dumps(reply))
"#;

fn project(dir: &Path, base: &str) {
    let main = format!(
        r#"
const CRED = env("CPL_TEST_ENV_CRED")

connector agent {{
  kind exec
  command ["python3", "agent.py"]
  env {{ A: env("CPL_TEST_SECRET"), B: CRED }}
  action early() -> json
  action parallel() -> json
  action reply(token: secret) -> {{ key: secret, forms: json }}
  action crash(token: secret) -> json
  action mint() -> {{ key: secret }}
}}

connector svc {{
  kind http
  url "{base}"
  timeout 5s
  headers {{ "x-api-key": env("CPL_TEST_HTTP_CRED") }}
  token secret("CPL_TEST_HTTP_SECRET")
  action reflect() -> json
  action reflect_fail() -> json
}}

connector hook {{
  kind http
  url secret("CPL_TEST_HOOK_URL")
  action reflect() -> json
}}

policy credential_unset(value: string) {{
  level advisory
  deny when len(value) > 0 => "the credential {{value}} is set"
}}

workflow leaky(label: string = CRED) {{
  step early = agent.early()
  step parallel = agent.parallel()
  step http = svc.reflect()
  step webhook = hook.reflect()
  step check = credential_unset(value: CRED)
  step late = agent.reply(token: secret("CPL_TEST_SECRET")) after early
  step crash = agent.crash(token: late.key)
  step mint = agent.mint()
  step bad_cast = log("{{int(CRED)}}")
  step http_fail = svc.reflect_fail() after late
  step say = log("{{label}} and {{late?.forms ?? "nothing"}}") always
}}
"#
    );
    std::fs::write(dir.join("main.cp"), main).unwrap();
    std::fs::write(dir.join("agent.py"), AGENT).unwrap();
    std::fs::write(dir.join("cpl.toml"), "[project]\nmax_parallel_steps = 4\n").unwrap();
}

struct Out {
    code: i32,
    stdout: String,
    /// Standard output and error.
    text: String,
}

fn cpl(project: &Path, base: &str, args: &[&str]) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_cpl"))
        .args(args)
        .arg("--project")
        .arg(project)
        .env("NO_COLOR", "1")
        .env("CPL_TEST_SECRET", SECRET)
        .env("CPL_TEST_ENV_CRED", ENV_CRED)
        .env("CPL_TEST_HTTP_SECRET", HTTP_SECRET)
        .env("CPL_TEST_HTTP_CRED", HTTP_CRED)
        .env("CPL_TEST_HOOK_URL", format!("{base}/{HOOK_PATH}"))
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        text: format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

fn base64(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        for k in 0..=chunk.len() {
            out.push(char::from(alphabet[((n >> (18 - 6 * k)) & 63) as usize]));
        }
    }
    out
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Every form of `value` that must appear nowhere, with its name.
fn forms(value: &str) -> Vec<(&'static str, String)> {
    let json = serde_json::to_string(value).unwrap();
    let json = json.trim_matches('"').to_owned();
    let ascii: String = value
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                format!("\\u{:04x}", c as u32)
            }
        })
        .collect();
    let percent: String = value.bytes().map(|b| format!("%{b:02X}")).collect();
    let mut forms = vec![
        ("plain", value.to_owned()),
        ("json", json.clone()),
        (
            "json twice",
            serde_json::to_string(&json).unwrap().trim_matches('"').to_owned(),
        ),
        (
            "ascii json",
            serde_json::to_string(&ascii).unwrap().trim_matches('"').to_owned(),
        ),
        ("slash", json.replace('/', "\\/")),
        (
            "\\u lower",
            value.chars().map(|c| format!("\\u{:04x}", c as u32)).collect(),
        ),
        (
            "\\u upper",
            value.chars().map(|c| format!("\\u{:04X}", c as u32)).collect(),
        ),
        ("percent", percent.clone()),
        ("percent lower", percent.to_lowercase()),
        ("base64", base64(value.as_bytes(), STANDARD)),
        ("base64 url", base64(value.as_bytes(), URL_SAFE)),
        ("basic", base64(format!("bot:{value}").as_bytes(), STANDARD)),
    ];
    // A fragment of no special character: half a secret is a leak too.
    forms.push(("fragment", value.get(..4).unwrap().to_owned()));
    forms
}

fn assert_clean(what: &str, text: &str) {
    for value in [SECRET, ENV_CRED, HTTP_SECRET, HTTP_CRED, MINTED, HOOK_PATH] {
        for (form, needle) in forms(value) {
            assert!(
                !text.contains(&needle),
                "{what} shows the {form} form of {value:?} ({needle:?}):\n{text}"
            );
        }
    }
}

/// Every file of the run log (the database and its write-ahead log), byte for byte.
fn runlog_bytes(project: &Path) -> String {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(project.join(".cpl")).unwrap() {
        all.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    String::from_utf8_lossy(&all).into_owned()
}

#[test]
fn no_record_shows_a_secret_or_an_env_credential_in_any_form() {
    let dir = tempfile::tempdir().unwrap();
    let base = http_server::start();
    project(dir.path(), &base);
    let cpl = |args: &[&str]| cpl(dir.path(), &base, args);

    let plan = cpl(&["run", "leaky", "--dry-run"]);
    assert_eq!(plan.code, 0, "{}", plan.text);
    assert_clean("the plan", &plan.text);
    let plan = cpl(&["run", "leaky", "--dry-run", "--format", "json"]);
    assert_clean("the JSON plan", &plan.text);

    let run = cpl(&["run", "leaky", "--format", "json"]);
    assert_eq!(run.code, 1, "the crash step fails the run: {}", run.text);
    assert_clean("`cpl run --format json`", &run.text);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let steps = report["run"]["steps"].as_array().unwrap();
    let step = |name: &str| steps.iter().find(|s| s["name"] == name).unwrap();
    // The calls were made, with the real values: the echoes came back, masked.
    let echoed = &step("http")["output"];
    assert_eq!(step("http")["status"], "succeeded", "{}", step("http"));
    assert_eq!(echoed["key"], "***", "{echoed}");
    assert_eq!(echoed["token"], "***", "{echoed}");
    assert_eq!(echoed["escaped"], serde_json::json!(["\"***\"", "\"***\""]), "{echoed}");
    assert_eq!(echoed["percent"], serde_json::json!(["***", "***"]), "{echoed}");
    assert_eq!(step("late")["output"]["key"], "***");
    assert!(step("early")["stderr"].as_str().unwrap().contains("***"));
    assert!(step("parallel")["stderr"].as_str().unwrap().contains("***"));
    assert_eq!(step("crash")["status"], "failed");
    assert_eq!(step("mint")["output"]["key"], "***");
    assert_eq!(step("webhook")["status"], "succeeded", "{}", step("webhook"));
    // An evaluation error quotes the value it could not use: masked.
    let cast = step("bad_cast")["error"]["message"].as_str().unwrap();
    assert!(cast.contains("***"), "{cast}");
    assert!(step("mint")["stderr"].as_str().unwrap().contains("issued ***"));
    assert_eq!(step("http_fail")["status"], "failed");
    assert_eq!(step("check")["decision"]["outcome"], "deny");

    for format in ["human", "sarif", "github"] {
        let out = cpl(&["run", "leaky", "--format", format]);
        assert_eq!(out.code, 1, "{format}: {}", out.text);
        assert_clean(&format!("`cpl run --format {format}`"), &out.text);
    }

    let log = runlog_bytes(dir.path());
    assert!(log.contains("the credential *** is set"), "the decision is in the log");
    assert_clean("the run log", &log);

    let id = report["run"]["id"].as_str().unwrap();
    for format in ["human", "json"] {
        let shown = cpl(&["runs", "show", id, "--format", format]);
        assert_eq!(shown.code, 0, "{}", shown.text);
        assert_clean(&format!("`cpl runs show --format {format}`"), &shown.text);
        let listed = cpl(&["runs", "--format", format]);
        assert_clean(&format!("`cpl runs --format {format}`"), &listed.text);
    }
}
