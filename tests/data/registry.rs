//! After loading: keys unique per kind across sources, references resolved and checked,
//! cycles found.
use cpl::data::Loader;
use cpl::ir::NoConstraints;
use cpl::ir::Type;
use cpl::ir::Value;

use crate::helpers::*;

fn tool(name: &str, version: &str, deps: &str) -> String {
    format!(
        "- name: {name}\n  version: {version}\n  owner: o\n  depends_on: [{deps}]\n  metadata: {{category: data, inputs_schema: 1, outputs_schema: 1, timeout_ms: 1}}\n"
    )
}

#[test]
fn duplicate_keys_across_files_show_both_places() {
    let mut world = World::agents();
    let a = world.file("tools/a.yaml", &tool("crm", "1.0.0", ""));
    let b = world.file("tools/b.json", r#"[{"name": "crm", "version": "1.0.0", "owner": "o", "metadata": {"category": "data", "inputs_schema": 1, "outputs_schema": 1, "timeout_ms": 1}}]"#);
    let c = world.file("tools/c.csv", "name,version,owner,metadata.category,metadata.inputs_schema,metadata.outputs_schema,metadata.timeout_ms\nsearch,1.0.0,o,data,1,1,1\ncrm,2.0.0,o,data,1,1,1\n");
    let ty = list(Type::Entity(TOOL));
    let loaded = world.load(&[(a, ty.clone(), "tools"), (b, ty.clone(), "tools"), (c, ty, "tools")]);
    insta::assert_snapshot!(world.render(&loaded.diags));
    assert_eq!(loaded.registry.count(TOOL), 2);
    let crm = loaded.registry.get(TOOL, "crm").unwrap();
    assert_eq!(
        world.location(loaded.registry.locate(&world.sources, crm.origin.as_ref().unwrap())),
        "tools/a.yaml:1:3"
    );
}

#[test]
fn references_resolve_across_kinds_with_requirements() {
    let mut world = World::agents();
    let tools = world.file("tools.yaml", &(tool("crm", "1.4.2", "") + &tool("kb", "0.9.0", "")));
    let agents = world.file(
        "agents.yaml",
        "- name: a\n  version: 1.0.0\n  owner: o\n  tools: [crm@^1.2, crm@~1.4.0, kb@>=1, cmr, kb@*, crm@=2.0.0]\n  metadata: {description: d, max_tokens: 1, temperature: 0.1}\n",
    );
    let loaded = world.load(&[
        (agents, list(Type::Entity(AGENT)), "agents"),
        (tools, list(Type::Entity(TOOL)), "tools"),
    ]);
    insta::assert_snapshot!(world.render(&loaded.diags));
    let a = loaded.registry.get(AGENT, "a").unwrap();
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
    let mut world =
        World::new("entity user {\n  key email: string\n}\nentity team {\n  key name: string\n  lead: ref user\n}\n");
    let user = world.entity("user", vec![f("email", Type::String)]);
    let team = world.entity("team", vec![f("name", Type::String), f("lead", Type::Ref(user))]);
    let users = world.file("users.yaml", "- email: ada@example.com\n- email: bob@1example.com\n");
    let teams = world.file("teams.yaml", "- {name: core, lead: ada@example.com}\n- {name: edge, lead: ada@example.com@^1}\n- {name: none, lead: \"@^1\"}\n");
    let loaded = world.load(&[
        (users, list(Type::Entity(user)), "users"),
        (teams, list(Type::Entity(team)), "teams"),
    ]);
    insta::assert_snapshot!(world.render(&loaded.diags));
    let core = loaded.registry.get(team, "core").unwrap();
    let Value::Ref(slot) = core.get("lead").unwrap() else {
        panic!()
    };
    assert_eq!(&*slot.key, "ada@example.com");
    assert!(slot.resolved().is_some());
}

#[test]
fn cycles_among_references_of_one_kind_are_reported_once_each() {
    let mut world = World::agents();
    let text = tool("a", "1.0.0", "b")
        + &tool("b", "1.0.0", "c")
        + &tool("c", "1.0.0", "a, d")
        + &tool("d", "1.0.0", "")
        + &tool("self", "1.0.0", "self")
        + &tool("x", "1.0.0", "y")
        + &tool("y", "1.0.0", "x, x");
    let file = world.file("tools.yaml", &text);
    let loaded = world.load_entities(file, TOOL, "tools");
    insta::assert_snapshot!(world.render(&loaded.diags));
    assert_eq!(loaded.codes(), ["E0410", "E0410", "E0410"]);
}

#[test]
fn cycles_through_other_kinds_are_not_reference_cycles() {
    // agent -> tool references only: no cycle of one kind.
    let mut world = World::agents();
    let tools = world.file("tools.yaml", &tool("t", "1.0.0", ""));
    let agents = world.file(
        "agents.yaml",
        "- {name: a, version: 1.0.0, owner: o, tools: [t], metadata: {description: d, max_tokens: 1, temperature: 0.1}}\n",
    );
    let loaded = world.load(&[
        (tools, list(Type::Entity(TOOL)), "tools"),
        (agents, list(Type::Entity(AGENT)), "agents"),
    ]);
    assert_eq!(world.render(&loaded.diags), "");
}

#[test]
fn a_long_reference_chain_is_handled_without_recursion() {
    let mut world = World::agents();
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
    let file = world.file("chain.json", &text);
    let loaded = world.load_entities(file, TOOL, "tools");
    assert_eq!(loaded.codes(), ["E0410"]);
    let message = &loaded.diags[0].message;
    assert!(
        message.starts_with("cycle among `tool` references: `t0` → `t1` → `t2`"),
        "{message}"
    );
    assert!(message.ends_with("`t49999` → `t0`"));
}

#[test]
fn sources_concatenate_and_a_single_source_takes_one_file() {
    let mut world = World::agents();
    let a = world.file("a.yaml", &tool("a", "1.0.0", ""));
    let b = world.file("b.yaml", &tool("b", "1.0.0", "a"));
    let config = world.file("c.json", "{}");
    let config2 = world.file("d.json", "{}");
    let checks = NoConstraints;
    let mut loader = Loader::new(&world.program, &world.sources, &checks);
    let mut diags = Vec::new();
    let tools = loader
        .load_source(&[a, b], &list(Type::Entity(TOOL)), "tools", &mut diags)
        .unwrap();
    let Value::List(items) = &tools else { panic!() };
    assert_eq!(items.items.len(), 2);
    let single = loader.load_source(&[config, config2], &Type::Json, "config", &mut diags);
    assert!(single.is_some());
    let registry = loader.finish(&mut diags);
    assert_eq!(registry.entities(TOOL).count(), 2);
    insta::assert_snapshot!(world.render(&diags));
}
