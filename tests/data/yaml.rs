//! YAML manifests: the seed's agent and tool, and every kind of mistake in them.
use cpl::ir::Value;
use cpl::source::OriginAt;

use crate::helpers::*;

const CRM_TOOL: &str = r#"name: crm_tool
version: 1.2.0
owner: platform-team
deprecated: false
metadata:
  category: "data"
  inputs_schema:
    type: object
    properties:
      action:
        type: string
        enum: ["create_customer", "search_customers", "update_customer"]
    required: ["action", "data"]
  outputs_schema:
    type: object
  timeout_ms: 5000
  retry_attempts: 3
  timeout: 30s
  released: 2024-01-02
  labels: {team: crm}
"#;

const SUPPORT_AGENT: &str = r#"name: customer_support_agent
version: 1.0.0
owner: platform-team
tools: [crm_tool@^1.2]
metadata:
  description: "Handles customer support queries with FAQ and escalation"
  capabilities:
    - faq_handling
    - order_tracking
  max_tokens: 4000
  temperature: 0.7
checksum_sha256: a1b2c3d4e5f6
"#;

#[test]
fn seed_manifests_load_with_exact_origins() {
    let mut world = World::agents();
    let tool = world.file("registry/tools/crm_tool.yaml", CRM_TOOL);
    let agent = world.file("registry/agents/support.yaml", SUPPORT_AGENT);
    let loaded = world.load(&[
        (tool, list(cpl::ir::Type::Entity(TOOL)), "tools"),
        (agent, list(cpl::ir::Type::Entity(AGENT)), "agents"),
    ]);
    assert_eq!(world.render(&loaded.diags), "");
    let agent_value = &loaded.values[1].as_ref().unwrap();
    let Value::List(agents) = agent_value else { panic!() };
    let a = &agents.items[0];
    assert_eq!(record(a).key().as_deref(), Some("customer_support_agent"));
    assert_eq!(field(a, "version").to_string(), "1.0.0");
    assert!(matches!(field(a, "deprecated"), Value::Bool(false)));
    assert!(field(a, "signature").is_null());
    let meta = field(a, "metadata");
    assert!(matches!(field(meta, "max_tokens"), Value::Int(4000)));
    assert!(matches!(field(meta, "temperature"), Value::Float(x) if *x == 0.7));
    let Value::List(tools) = field(a, "tools") else {
        panic!()
    };
    let Value::Ref(slot) = &tools.items[0] else { panic!() };
    assert_eq!(&*slot.key, "crm_tool");
    assert_eq!(slot.requirement.as_deref(), Some("^1.2"));
    let target = slot.resolved().expect("resolved");
    assert_eq!(record(target).key().as_deref(), Some("crm_tool"));
    // Origins point at the record in its file.
    let origin = record(a).origin.clone().unwrap();
    assert!(matches!(origin.at, OriginAt::Offset(0)));
    let span = loaded.registry.locate(&world.sources, &origin);
    assert_eq!(world.location(span), "registry/agents/support.yaml:1:1");
    let tool_meta = field(target, "metadata");
    assert_eq!(field(tool_meta, "timeout").to_string(), "30s");
    assert!(matches!(field(tool_meta, "released"), Value::Timestamp(_)));
    assert!(matches!(field(tool_meta, "inputs_schema"), Value::Map(_)));
    assert_eq!(loaded.registry.count(TOOL), 1);
}

#[test]
fn every_mistake_in_one_manifest_is_reported() {
    let mut world = World::agents();
    let text = r#"name: broken_agent
version: 1.0
ownr: platform-team
deprecated: "no"
tools: crm_tool
metadata:
  description: 42
  max_tokens: 40000
  temperature: hot
  capabilities: [a, b]
  extra: true
checksum_sha256: null
"#;
    let file = world.file("agents/broken.yaml", text);
    let loaded = world.load_entities(file, AGENT, "agents");
    insta::assert_snapshot!(world.render(&loaded.diags));
}

#[test]
fn enum_typos_durations_versions_and_maps() {
    let mut world = World::agents();
    let text = r#"- name: t1
  version: 1.x
  owner: o
  metadata:
    category: dta
    inputs_schema: {}
    outputs_schema: {}
    timeout_ms: 0
    timeout: 30 seconds
    released: yesterday
    labels: {a: 1}
- name: t2
  version: "2.0.0"
  owner: o
  depends_on: [t1@^x]
  metadata: {category: action, inputs_schema: 1, outputs_schema: 2, timeout_ms: 5}
"#;
    let file = world.file("tools.yaml", text);
    let loaded = world.load_entities(file, TOOL, "tools");
    insta::assert_snapshot!(world.render(&loaded.diags));
}

#[test]
fn duplicate_keys_show_both_places() {
    let mut world = World::agents();
    let text = "name: t\nversion: 1.0.0\nowner: a\nowner: b\nmetadata:\n  category: data\n  inputs_schema: {x: 1, x: 2}\n  outputs_schema: {}\n  timeout_ms: 1\n";
    let file = world.file("dup.yaml", text);
    let loaded = world.load_entities(file, TOOL, "tools");
    insta::assert_snapshot!(world.render(&loaded.diags));
}

#[test]
fn several_documents_and_empty_files_are_clear_errors() {
    let mut world = World::agents();
    let multi = world.file("multi.yaml", "name: a\n---\nname: b\n");
    let empty = world.file("empty.yaml", "");
    let comments = world.file("comments.yaml", "# nothing here\n");
    let ty = list(cpl::ir::Type::Entity(TOOL));
    let loaded = world.load(&[
        (multi, ty.clone(), "tools"),
        (empty, ty.clone(), "tools"),
        (comments, ty, "tools"),
    ]);
    assert!(loaded.values.iter().all(Option::is_none));
    insta::assert_snapshot!(world.render(&loaded.diags));
}

#[test]
fn malformed_yaml_points_at_the_parser_position() {
    let mut world = World::agents();
    let file = world.file("bad.yaml", "name: a\nversion: [1, 2\nowner: x\n");
    let garbage = world.file("garbage.yaml", "\u{0}\u{1}\u{2}binary\u{7f}");
    let tabs = world.file("tabs.yaml", "name: a\n\tversion: 1\n");
    let ty = list(cpl::ir::Type::Entity(TOOL));
    let loaded = world.load(&[
        (file, ty.clone(), "tools"),
        (garbage, ty.clone(), "tools"),
        (tabs, ty, "tools"),
    ]);
    assert!(loaded.values.iter().all(Option::is_none));
    assert_eq!(loaded.codes(), ["E0411", "E0411", "E0411"]);
    insta::assert_snapshot!(world.render(&loaded.diags));
}

#[test]
fn a_list_of_manifests_gives_each_record_its_origin() {
    let mut world = World::agents();
    let text = "- name: a\n  version: 1.0.0\n  owner: x\n  metadata: {category: data, inputs_schema: 1, outputs_schema: 1, timeout_ms: 1}\n- name: b\n  version: 1.0.0\n  owner: x\n  metadata: {category: data, inputs_schema: 1, outputs_schema: 1, timeout_ms: 1}\n";
    let file = world.file("tools.yaml", text);
    let loaded = world.load_entities(file, TOOL, "tools");
    assert_eq!(world.render(&loaded.diags), "");
    let spans: Vec<String> = loaded
        .items()
        .iter()
        .map(|item| {
            let span = loaded
                .registry
                .locate(&world.sources, record(item).origin.as_ref().unwrap());
            format!("{} `{}`", world.location(span), world.sources.slice(span))
        })
        .collect();
    assert_eq!(spans, ["tools.yaml:1:3 `name`", "tools.yaml:5:3 `name`"]);
}
