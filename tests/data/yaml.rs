//! YAML manifests: the seed's agent and tool, and every kind of mistake in them. Mistakes
//! in one manifest's values are the fixtures `tests/ui/data/yaml_*`.
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
    let loaded = World::agents()
        .source("tools", "[tool]", "registry/tools/crm_tool.yaml", CRM_TOOL)
        .source("agents", "[agent]", "registry/agents/support.yaml", SUPPORT_AGENT)
        .load();
    assert_eq!(loaded.render(), "");
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
    let span = loaded.origin_span(&origin);
    assert_eq!(loaded.location(span), "registry/agents/support.yaml:1:1");
    let tool_meta = field(target, "metadata");
    assert_eq!(field(tool_meta, "timeout").to_string(), "30s");
    assert!(matches!(field(tool_meta, "released"), Value::Timestamp(_)));
    assert!(matches!(field(tool_meta, "inputs_schema"), Value::Map(_)));
    assert_eq!(loaded.registry.count(loaded.entity("tool")), 1);
}

#[test]
fn several_documents_and_empty_files_are_clear_errors() {
    let loaded = World::agents()
        .source("multi", "[tool]", "multi.yaml", "name: a\n---\nname: b\n")
        .source("empty", "[tool]", "empty.yaml", "")
        .source("comments", "[tool]", "comments.yaml", "# nothing here\n")
        .load();
    assert!(loaded.values.iter().all(Option::is_none));
    insta::assert_snapshot!(loaded.render());
}

#[test]
fn malformed_yaml_points_at_the_parser_position() {
    let loaded = World::agents()
        .source("bad", "[tool]", "bad.yaml", "name: a\nversion: [1, 2\nowner: x\n")
        .source("tabs", "[tool]", "tabs.yaml", "name: a\n\tversion: 1\n")
        .load();
    assert!(loaded.values.iter().all(Option::is_none));
    assert_eq!(loaded.codes(), ["E0411", "E0411"]);
    insta::assert_snapshot!(loaded.render());
}

/// Handed to the loader directly: the project's reader refuses a NUL byte first.
#[test]
fn binary_yaml_is_malformed() {
    let loaded = World::agents()
        .source("garbage", "[tool]", "garbage.yaml", "\u{0}\u{1}\u{2}binary\u{7f}")
        .load_with(cpl::data::Limits::default());
    assert!(loaded.values.iter().all(Option::is_none));
    assert_eq!(loaded.codes(), ["E0411"]);
    insta::assert_snapshot!(loaded.render());
}

#[test]
fn a_list_of_manifests_gives_each_record_its_origin() {
    let text = "- name: a\n  version: 1.0.0\n  owner: x\n  metadata: {category: data, inputs_schema: 1, outputs_schema: 1, timeout_ms: 1}\n- name: b\n  version: 1.0.0\n  owner: x\n  metadata: {category: data, inputs_schema: 1, outputs_schema: 1, timeout_ms: 1}\n";
    let loaded = World::agents().source("tools", "[tool]", "tools.yaml", text).load();
    assert_eq!(loaded.render(), "");
    let spans: Vec<String> = loaded
        .items()
        .iter()
        .map(|item| {
            let span = loaded.origin_span(record(item).origin.as_ref().unwrap());
            format!("{} `{}`", loaded.location(span), loaded.sources.slice(span))
        })
        .collect();
    assert_eq!(spans, ["tools.yaml:1:3 `name`", "tools.yaml:5:3 `name`"]);
}
