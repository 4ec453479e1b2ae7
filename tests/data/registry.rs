//! After loading: keys unique per kind across sources, references resolved and checked,
//! cycles found.
use cpl::ir::Value;

use crate::helpers::*;

fn tool(name: &str, version: &str, deps: &str) -> String {
    format!(
        "- name: {name}\n  version: {version}\n  owner: o\n  depends_on: [{deps}]\n  metadata: {{category: data, inputs_schema: 1, outputs_schema: 1, timeout_ms: 1}}\n"
    )
}

#[test]
fn duplicate_keys_across_files_show_both_places() {
    let loaded = World::new(&format!("{SCHEMA}\nsource tools: [tool] = \"tools/*\"\n"))
        .file("tools/a.yaml", &tool("crm", "1.0.0", ""))
        .file("tools/b.json", r#"[{"name": "crm", "version": "1.0.0", "owner": "o", "metadata": {"category": "data", "inputs_schema": 1, "outputs_schema": 1, "timeout_ms": 1}}]"#)
        .file("tools/c.csv", "name,version,owner,metadata.category,metadata.inputs_schema,metadata.outputs_schema,metadata.timeout_ms\nsearch,1.0.0,o,data,1,1,1\ncrm,2.0.0,o,data,1,1,1\n")
        .load();
    insta::assert_snapshot!(loaded.render());
    let tool = loaded.entity("tool");
    assert_eq!(loaded.registry.count(tool), 2);
    let crm = loaded.registry.get(tool, "crm").unwrap();
    assert_eq!(
        loaded.location(loaded.origin_span(crm.origin.as_ref().unwrap())),
        "tools/a.yaml:1:3"
    );
}

#[test]
fn references_resolve_across_kinds_with_requirements() {
    let loaded = World::agents()
        .source(
            "agents",
            "[agent]",
            "agents.yaml",
            "- name: a\n  version: 1.0.0\n  owner: o\n  tools: [crm@^1.2, crm@~1.4.0, kb@>=1, cmr, kb@*, crm@=2.0.0]\n  metadata: {description: d, max_tokens: 1, temperature: 0.1}\n",
        )
        .source(
            "tools",
            "[tool]",
            "tools.yaml",
            &(tool("crm", "1.4.2", "") + &tool("kb", "0.9.0", "")),
        )
        .load();
    insta::assert_snapshot!(loaded.render());
    let a = loaded.registry.get(loaded.entity("agent"), "a").unwrap();
    let Value::List(refs) = a.get("tools").unwrap() else {
        panic!()
    };
    let resolved: Vec<Option<String>> = refs
        .items
        .iter()
        .map(|r| match r {
            Value::Ref(slot) => slot.resolved().map(|t| record(t).key().as_deref().unwrap().to_string()),
            _ => None,
        })
        .collect();
    let some = |s: &str| Some(s.to_string());
    assert_eq!(
        resolved,
        [some("crm"), some("crm"), some("kb"), None, some("kb"), some("crm")]
    );
}

#[test]
fn keys_with_at_signs_and_references_without_version_fields() {
    let loaded =
        World::new("entity user {\n  key email: string\n}\nentity team {\n  key name: string\n  lead: ref user\n}\n")
            .source(
                "users",
                "[user]",
                "users.yaml",
                "- email: ada@example.com\n- email: bob@1example.com\n",
            )
            .source(
                "teams",
                "[team]",
                "teams.yaml",
                "- {name: core, lead: ada@example.com}\n- {name: edge, lead: ada@example.com@^1}\n- {name: none, lead: \"@^1\"}\n",
            )
            .load();
    insta::assert_snapshot!(loaded.render());
    let core = loaded.registry.get(loaded.entity("team"), "core").unwrap();
    let Value::Ref(slot) = core.get("lead").unwrap() else {
        panic!()
    };
    assert_eq!(&*slot.key, "ada@example.com");
    assert!(slot.resolved().is_some());
}

#[test]
fn cycles_among_references_of_one_kind_are_reported_once_each() {
    let text = tool("a", "1.0.0", "b")
        + &tool("b", "1.0.0", "c")
        + &tool("c", "1.0.0", "a, d")
        + &tool("d", "1.0.0", "")
        + &tool("self", "1.0.0", "self")
        + &tool("x", "1.0.0", "y")
        + &tool("y", "1.0.0", "x, x");
    let loaded = World::agents().source("tools", "[tool]", "tools.yaml", &text).load();
    insta::assert_snapshot!(loaded.render());
    assert_eq!(loaded.codes(), ["E0410", "E0410", "E0410"]);
}

#[test]
fn cycles_through_other_kinds_are_not_reference_cycles() {
    // agent -> tool references only: no cycle of one kind.
    let loaded = World::agents()
        .source("tools", "[tool]", "tools.yaml", &tool("t", "1.0.0", ""))
        .source(
            "agents",
            "[agent]",
            "agents.yaml",
            "- {name: a, version: 1.0.0, owner: o, tools: [t], metadata: {description: d, max_tokens: 1, temperature: 0.1}}\n",
        )
        .load();
    assert_eq!(loaded.render(), "");
}

#[test]
fn a_long_reference_chain_is_handled_without_recursion() {
    let n = 50_000;
    let mut text = String::from("[");
    for i in 0..n {
        let next = if i + 1 == n { 0 } else { i + 1 };
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            r#"{{"name":"t{i}","version":"1.0.0","owner":"o","depends_on":["t{next}"],"metadata":{{"category":"data","inputs_schema":1,"outputs_schema":1,"timeout_ms":1}}}}"#
        ));
    }
    text.push(']');
    let loaded = World::agents().source("tools", "[tool]", "chain.json", &text).load();
    assert_eq!(loaded.codes(), ["E0410"]);
    let message = &loaded.diags[0].message;
    assert!(
        message.starts_with("cycle among `tool` references: `t0` → `t1` → `t2`"),
        "{message}"
    );
    assert!(message.ends_with("`t49999` → `t0`"));
}

/// A list source's pattern takes every file it matches, in name order; a source of one
/// document matched by two files is an error at the second.
#[test]
fn sources_concatenate_and_a_single_source_takes_one_file() {
    let schema = format!("{SCHEMA}\nsource tools: [tool] = \"*.yaml\"\nsource settings: json = \"*.json\"\n");
    let loaded = World::new(&schema)
        .file("a.yaml", &tool("a", "1.0.0", ""))
        .file("b.yaml", &tool("b", "1.0.0", "a"))
        .file("c.json", "{}")
        .file("d.json", "{}")
        .load();
    let Some(Value::List(items)) = &loaded.values[0] else {
        panic!()
    };
    assert_eq!(items.items.len(), 2);
    assert!(loaded.values[1].is_some());
    assert_eq!(loaded.registry.entities(loaded.entity("tool")).count(), 2);
    insta::assert_snapshot!(loaded.render());
}
