//! Flags through the facade, as services evaluate them: cpl's `split` and `rollout` put
//! flagd's conformance keys where flagd does, the facade lists flags in declaration order,
//! and no context, however malformed, makes an evaluation panic or serve a value of
//! another type.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::flagd::FLAGD_V2;
use cpl::eval::conforms;
use cpl::eval::flags::{ErrorCode, Reason};
use cpl::session::{OpenOptions, Session, Vars};
use proptest::prelude::*;

fn open(dir: &Path, source: &str) -> Session {
    std::fs::write(dir.join("main.cp"), source).unwrap();
    let options = OpenOptions {
        vars: Vars::Fixed(Default::default()),
        ..OpenOptions::new("2026-06-01T00:00:00Z".parse().unwrap())
    };
    let session = Session::open(dir, &options);
    let problems: Vec<String> = session.diagnostics().iter().map(|d| d.message.clone()).collect();
    assert!(problems.is_empty(), "{problems:?}\n{source}");
    session
}

/// A share of a whole in percent, as cpl writes it: `25` of `100` is `25%`, `1` of `2` is `50%`.
fn percent(weight: u32, total: u32) -> String {
    let hundredths = weight * 10_000 / total;
    format!("{}.{:02}%", hundredths / 100, hundredths % 100)
}

/// A flagd flag's variants and weights, in the order written.
type Weights = Vec<(&'static str, u32)>;

/// Every `@fractional-v2` vector whose seed cpl can write (a flag key or a salt is never
/// empty), as a `split` over the same variants in the same order, evaluated by key.
#[test]
fn split_puts_flagd_s_keys_where_flagd_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut source = String::from("context {\n  name: string\n}\n");
    let mut flags: BTreeMap<(&str, Weights), String> = BTreeMap::new();
    for vector in FLAGD_V2.iter().filter(|v| !v.seed.is_empty()) {
        let weights = vector.weights.to_vec();
        if flags.contains_key(&(vector.seed, weights.clone())) {
            continue;
        }
        let total: u32 = weights.iter().map(|(_, w)| w).sum();
        let key = format!("{}-{}", vector.seed, flags.len());
        let members: Vec<String> = weights.iter().map(|(v, _)| format!("\"{v}\"")).collect();
        let arms: Vec<String> = weights
            .iter()
            .map(|(v, w)| format!("\"{v}\": {}", percent(*w, total)))
            .collect();
        source.push_str(&format!(
            "flag f{}: {} {{\n  key \"{key}\"\n  salt \"{}\"\n  default \"{}\"\n  split by context.name {{ {} }}\n}}\n",
            flags.len(),
            members.join(" | "),
            vector.seed,
            weights[0].0,
            arms.join(", ")
        ));
        flags.insert((vector.seed, weights), key);
    }
    let session = open(dir.path(), &source);
    let mut checked = 0;
    for vector in FLAGD_V2.iter().filter(|v| !v.seed.is_empty()) {
        let key = &flags[&(vector.seed, vector.weights.to_vec())];
        let evaluation = session.evaluate_flag(key, &serde_json::json!({ "name": vector.by }));
        assert_eq!(evaluation.reason, Reason::Split, "{key} {}", vector.by);
        assert_eq!(
            evaluation.variant.as_deref(),
            Some(vector.expected),
            "{key} {}",
            vector.by
        );
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} vectors");
}

/// The same seed as a flag's own key (no salt): flagd's `cat($flagd.flagKey, …)`. A
/// `rollout 25%` over the four suits takes exactly the keys flagd puts in the first suit.
#[test]
fn rollout_takes_the_keys_flagd_puts_in_the_first_share() {
    let dir = tempfile::tempdir().unwrap();
    let source = r#"
context {
  user: { name: string }
}

flag fractional_flag: "clubs" | "diamonds" | "hearts" | "spades" {
  key "fractional-flag"
  default "spades"
  split by context.user.name { "clubs": 25%, "diamonds": 25%, "hearts": 25%, "spades": 25% }
}

flag first_quarter: bool {
  key "first-quarter"
  salt "fractional-flag"
  default false
  rollout 25% => true by context.user.name
}
"#;
    let session = open(dir.path(), source);
    let suits = FLAGD_V2.iter().filter(|v| v.seed == "fractional-flag");
    let mut seen = 0;
    for vector in suits {
        let context = serde_json::json!({ "user": { "name": vector.by } });
        let split = session.evaluate_flag("fractional-flag", &context);
        assert_eq!(split.variant.as_deref(), Some(vector.expected), "{}", vector.by);
        let rollout = session.evaluate_flag("first-quarter", &context);
        let in_first = vector.expected == "clubs";
        assert!(
            matches!(rollout.value, Some(cpl::ir::Value::Bool(b)) if b == in_first),
            "{}",
            vector.by
        );
        let reason = if in_first {
            Reason::TargetingMatch
        } else {
            Reason::Default
        };
        assert_eq!(rollout.reason, reason, "{}", vector.by);
        seen += 1;
    }
    assert_eq!(seen, 5);
}

#[test]
fn flags_are_listed_in_declaration_order_with_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    let session = open(
        dir.path(),
        "flag b_second: bool {\n  default false\n}\nflag a_first: int {\n  key \"a-first\"\n  default 1\n}\n",
    );
    let flags: Vec<(String, String)> = session
        .flags()
        .iter()
        .map(|f| (f.name.to_string(), f.key.to_string()))
        .collect();
    assert_eq!(
        flags,
        [
            ("b_second".to_string(), "b_second".to_string()),
            ("a_first".to_string(), "a-first".to_string())
        ]
    );
    let missing = session.evaluate_flag("a_first", &serde_json::json!({}));
    assert_eq!(
        missing.error.map(|e| e.code),
        Some(ErrorCode::FlagNotFound),
        "by key, not by name"
    );
    assert!(missing.value.is_none());
}

/// A project that does not check evaluates nothing: the default, with the reason.
#[test]
fn a_project_with_errors_serves_defaults_as_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.cp"),
        "flag f: bool {\n  default false\n  when 1 == \"x\" => true\n}\n",
    )
    .unwrap();
    let session = Session::open(dir.path(), &OpenOptions::new("2026-06-01T00:00:00Z".parse().unwrap()));
    assert!(session.diagnostics().has_errors());
    let evaluation = session.evaluate_flag("f", &serde_json::json!({}));
    assert_eq!(evaluation.reason, Reason::Error);
    assert_eq!(evaluation.error.map(|e| e.code), Some(ErrorCode::General));
}

/// A context that does not fit names the object it is about, unless it may hold secrets:
/// those are never echoed, even in an error message.
#[test]
fn an_invalid_context_is_described_without_its_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let plain = open(
        dir.path(),
        "context {\n  tenant: { id: string, tier: string }\n}\nflag f: bool {\n  default false\n  when context.tenant.tier == \"pro\" => true\n}\n",
    );
    let evaluation = plain.evaluate_flag("f", &serde_json::json!({ "tenant": { "id": "t9" } }));
    let error = evaluation.error.unwrap();
    assert_eq!(error.code, ErrorCode::InvalidContext);
    assert_eq!(error.message, "missing field `tier` in `{\"id\":\"t9\"}`");
    let dir = tempfile::tempdir().unwrap();
    let secret = open(
        dir.path(),
        "context {\n  tenant: { id: string, token: secret }\n}\nflag f: bool {\n  default false\n  when context.tenant.id == \"t\" => true\n}\n",
    );
    let evaluation = secret.evaluate_flag("f", &serde_json::json!({ "tenant": { "token": "hunter2" } }));
    let error = evaluation.error.unwrap();
    assert_eq!(error.code, ErrorCode::InvalidContext);
    assert!(!error.message.contains("hunter2"), "{}", error.message);
}

const PROPERTY_PROJECT: &str = r#"
context {
  tenant: { id: string, tier: "free" | "pro" | "enterprise" }
  user: { id: string, age: int? }?
  seats: int?
}

flag new_ai_model: bool {
  default false
  when context.tenant.tier == "enterprise" => true
  rollout 25% => true by context.tenant.id
}

flag checkout_flow: "a" | "b" | "c" {
  default "a"
  split by context.user?.id ?? context.tenant.id { "a": 50%, "b": 30%, "c": 20% }
}

flag per_user: int {
  default 0
  when 100 / (context.seats ?? 0) > 1 => 1
  rollout 50% => 2 by context.user?.id
}

flag kill: { name: string, budget: int } {
  default { name: "off", budget: 0 }
  enabled false
}
"#;

/// Any JSON: scalars, and objects whose keys are sometimes the context's own names.
fn any_json() -> impl Strategy<Value = serde_json::Value> {
    let names = prop::sample::select(vec![
        "tenant",
        "id",
        "tier",
        "user",
        "age",
        "seats",
        "targetingKey",
        "x",
    ]);
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        prop::sample::select(vec!["free", "pro", "enterprise", "t9", "", "é"]).prop_map(serde_json::Value::from),
        ".{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(names.clone(), inner, 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn an_evaluation_never_panics_and_serves_the_flag_s_type(context in any_json(), key in prop::sample::select(vec!["new_ai_model", "checkout_flow", "per_user", "kill", "nope"])) {
        thread_local! {
            static SESSION: (tempfile::TempDir, Session) = {
                let dir = tempfile::tempdir().unwrap();
                let session = open(dir.path(), PROPERTY_PROJECT);
                (dir, session)
            };
        }
        SESSION.with(|(_, session)| {
            let evaluation = session.evaluate_flag(key, &context);
            match session.flags().iter().find(|f| &*f.key == key) {
                None => {
                    prop_assert_eq!(evaluation.error.map(|e| e.code), Some(ErrorCode::FlagNotFound));
                    prop_assert!(evaluation.value.is_none());
                }
                Some(flag) => {
                    let value = evaluation.value.clone().expect("a flag always serves a value");
                    prop_assert!(conforms(&value, &flag.ty), "{value:?} is not a {:?}", flag.ty);
                    prop_assert!(evaluation.variant.is_some());
                    prop_assert_eq!(evaluation.reason == Reason::Error, evaluation.error.is_some());
                }
            }
            Ok(())
        })?;
    }
}

/// A server shares one session between its request handlers.
#[test]
fn a_session_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Session>();
    shared::<cpl::eval::flags::Evaluation>();
}
