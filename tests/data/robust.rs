//! Invariants: loading never panics, whatever the bytes; a failed document leaves no
//! trace in the registry; the registry can be shared between threads.
use cpl::data::{Limits, Registry};
use cpl::ir::Value;
use cpl::source::Locator;
use proptest::prelude::*;

use crate::helpers::*;

const GOOD_YAML: &str = "- name: t\n  version: 1.0.0\n  owner: o\n  depends_on: [t@^1, u]\n  metadata: {category: data, inputs_schema: {a: [1, 2]}, outputs_schema: 1, timeout_ms: 5, labels: {x: y}}\n";
const GOOD_JSON: &str = r#"[{"name": "t", "version": "1.0.0", "owner": "o", "depends_on": ["t@^1", "u"], "metadata": {"category": "data", "inputs_schema": {"a": [1, 2]}, "outputs_schema": 1, "timeout_ms": 5, "labels": {"x": "y"}}}]"#;
const GOOD_TOML: &str = "[[tools]]\nname = \"t\"\nversion = \"1.0.0\"\nowner = \"o\"\ndepends_on = [\"t@^1\"]\n[tools.metadata]\ncategory = \"data\"\ninputs_schema = 1\noutputs_schema = 1\ntimeout_ms = 5\n";
const GOOD_CSV: &str = "name,version,owner,depends_on,metadata.category,metadata.inputs_schema,metadata.outputs_schema,metadata.timeout_ms\nt,1.0.0,o,t@^1;u,data,1,1,5\n";

/// Loads `text` as each format against the tool schema; any outcome but a panic is fine,
/// and every diagnostic must have a place inside the file or the schema.
fn load_anything(text: &str) {
    for (name, good) in [
        ("x.yaml", GOOD_YAML),
        ("x.json", GOOD_JSON),
        ("x.toml", GOOD_TOML),
        ("x.csv", GOOD_CSV),
    ] {
        let _ = good;
        let loaded = World::agents()
            .source("tools", "[tool]", name, text)
            .load_with(Limits::default());
        for d in &loaded.diags {
            let span = d.span().expect("every data diagnostic has a place");
            let len = loaded.sources.text(span.file).len() as u32;
            assert!(span.start <= span.end && span.end <= len, "{name}: {d:?}");
            assert!(!d.message.ends_with('.'), "{}", d.message);
            assert!(
                d.message.chars().next().is_some_and(|c| !c.is_uppercase()),
                "{}",
                d.message
            );
        }
        let _ = loaded.render();
    }
}

/// Replaces, deletes or duplicates a few characters.
fn mutate(text: &str, edits: &[(usize, u8, char)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for &(at, op, c) in edits {
        if chars.is_empty() {
            chars.push(c);
            continue;
        }
        let at = at % chars.len();
        match op % 3 {
            0 => chars[at] = c,
            1 => {
                chars.remove(at);
            }
            _ => chars.insert(at, c),
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        load_anything(&text);
    }

    #[test]
    fn mutated_documents_never_panic(
        which in 0usize..4,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), prop_oneof![Just('"'), Just('['), Just('{'), Just(','), Just(':'), Just('\n'), Just('@'), Just(';'), Just('é'), any::<char>()]), 1..6),
    ) {
        let good = [GOOD_YAML, GOOD_JSON, GOOD_TOML, GOOD_CSV][which];
        load_anything(&mutate(good, &edits));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Any bytes, read as text the way a lossy reader would, in each format as a list of
    /// `json`: whatever the loader makes of them, it does not panic.
    #[test]
    fn loading_any_bytes_as_data_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400), kind in 0..4usize) {
        let text = String::from_utf8_lossy(&bytes).to_string();
        let path = ["data.json", "data.yaml", "data.csv", "data.toml"][kind];
        let _ = World::new("").source("fuzz", "[json]", path, &text).load_with(Limits::default());
    }
}

#[test]
fn the_good_documents_are_good() {
    let loaded = World::agents()
        .source("tools_yaml", "[tool]", "g.yaml", GOOD_YAML)
        .source("tools_json", "[tool]", "g.json", GOOD_JSON)
        .source("tools", "[tool]", "g.toml", GOOD_TOML)
        .source("tools_csv", "[tool]", "g.csv", GOOD_CSV)
        .load();
    // Each file defines `t` (three duplicates) and refers to the missing `u` (three times);
    // the first `t` requires itself: a cycle of one.
    let codes = loaded.codes();
    assert_eq!(
        codes.iter().filter(|c| **c == "E0406").count(),
        3,
        "{}",
        loaded.render()
    );
    assert_eq!(codes.iter().filter(|c| **c == "E0407").count(), 3);
    assert_eq!(codes.iter().filter(|c| **c == "E0410").count(), 1);
    assert_eq!(codes.len(), 7);
}

#[test]
fn a_document_that_fails_to_parse_leaves_nothing_behind() {
    // `cut.json` defines `a` then breaks off; `b.json` refers to `a`.
    let loaded = World::agents()
        .source("cut", "[tool]", "cut.json", r#"[{"name": "a", "version": "1.0.0", "owner": "o", "metadata": {"category": "data", "inputs_schema": 1, "outputs_schema": 1, "timeout_ms": 1}}, {"name": "#)
        .source("user", "[tool]", "b.json", r#"[{"name": "b", "version": "1.0.0", "owner": "o", "depends_on": ["a"], "metadata": {"category": "data", "inputs_schema": 1, "outputs_schema": 1, "timeout_ms": 1}}]"#)
        .load();
    assert_eq!(loaded.codes(), ["E0411", "E0407"], "{}", loaded.render());
    let tool = loaded.entity("tool");
    assert!(loaded.registry.get(tool, "a").is_none());
    assert_eq!(loaded.registry.count(tool), 1);
}

#[test]
fn entities_nested_in_entities_own_their_references() {
    // A team holds its lead inline (an entity inside an entity); the lead refers to its
    // mentor. The cycle is among `person`s; the team's own reference belongs to the team.
    let text =
        "- id: core\n  lead: {name: ada, mentor: bob}\n  peer: core\n- id: edge\n  lead: {name: bob, mentor: ada}\n";
    let loaded = World::new(
        "entity person {\n  key name: string\n  mentor: ref person?\n}\nentity team {\n  key id: string\n  lead: person\n  peer: ref team?\n}\n",
    )
    .source("teams", "[team]", "teams.yaml", text)
    .load();
    insta::assert_snapshot!(loaded.render());
    let person = loaded.entity("person");
    assert_eq!(loaded.registry.count(person), 2);
    let ada = loaded.registry.get(person, "ada").unwrap();
    let Value::Ref(mentor) = ada.get("mentor").unwrap() else {
        panic!()
    };
    assert_eq!(mentor.resolved().and_then(|m| record(m).key()).as_deref(), Some("bob"));
}

#[test]
fn json_keys_with_escapes_and_a_byte_order_mark_are_located() {
    let text = "\u{feff}[\n {\"na\\u006de\": \"x\", \"n\": 1},\n {\"name\": \"y\", \"\\u006e\": \"two\"}\n]";
    let loaded = World::new("type t = { key name: string, n: int }")
        .source("ts", "[t]", "esc.json", text)
        .load();
    insta::assert_snapshot!(loaded.render());
    let items = loaded.items();
    assert_eq!(loaded.place(&items[1]), "esc.json:3:2");
}

#[test]
fn the_registry_and_locator_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Registry>();
    shared::<Locator>();
}

/// A number no 64-bit value holds is never replaced in silence: an integer too large for
/// `int` becomes the nearest float where a float or `json` is taken (as JSON does), and
/// a number too large even for a float, or not finite (`-inf`), is reported where it is
/// written, in every format.
#[test]
fn numbers_too_large_are_approximated_or_reported_never_nan_or_infinity() {
    let schema = "entity n {\n  key id: string\n  x: float?\n  j: json?\n}\n";
    let loaded = World::new(schema)
        .source(
            "ns",
            "[n]",
            "n.toml",
            "[[ns]]\nid = \"hex\"\nx = 0xFFFF_FFFF_FFFF_FFFF_FF\nj = 0o7777_7777_7777_7777_7777_77\n\n[[ns]]\nid = \"dec\"\nx = 99_999_999_999_999_999_999\nj = -99999999999999999999\n\n[[ns]]\nid = \"huge\"\nx = 1e400\nj = -2e999\n\n[[ns]]\nid = \"special\"\nx = -inf\nj = 1.5\n",
        )
        .source(
            "ns_yaml",
            "[n]",
            "n.yaml",
            "- id: y\n  x: 99999999999999999999\n  j: 18446744073709551616\n",
        )
        // serde-saphyr itself refuses a YAML number a float cannot hold: the file is malformed.
        .source("ns_huge", "[n]", "huge.yaml", "- id: yhuge\n  x: 1e400\n")
        .load();
    let json = |doc: usize| loaded.values[doc].as_ref().map(|v| v.to_json(false).to_string());
    assert_eq!(
        json(0).unwrap(),
        r#"[{"id":"hex","x":4.722366482869645e+21,"j":7.378697629483821e+19},{"id":"dec","x":1e+20,"j":-1e+20},{"id":"huge","x":null,"j":null},{"id":"special","x":null,"j":1.5}]"#
    );
    // `-inf` is no more a number cpl holds than `1e400`: reported where it is written.
    assert!(loaded.render().contains("`-inf` is not a finite number"));
    assert_eq!(json(1).unwrap(), r#"[{"id":"y","x":1e+20,"j":1.8446744073709552e+19}]"#);
    assert!(loaded.values[2].is_none());
    insta::assert_snapshot!(loaded.render());
}
