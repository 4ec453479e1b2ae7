//! JSON: typed loading without positions, and positions found again on demand. Mistakes
//! in one manifest's values are the fixtures `tests/ui/data/json_*`.
use std::sync::Arc;

use cpl::ir::Value;
use cpl::source::OriginAt;

use crate::helpers::*;

/// The fleet benchmark's schema (bench/fleet/fleet.cp).
pub const FLEET: &str = r#"entity agent {
  key name: string
  version: version
  owner: string
  drift: float
  deprecated: bool
  tags: [string]
}

type workflow_step = { id: string, agent: ref agent }
type fleet_workflow = { name: string, steps: [workflow_step] }
type fleet_doc = { agents: [agent], workflows: [fleet_workflow] }
"#;

/// The fleet schema and a source reading `fleet.json` as a `fleet_doc`.
pub fn fleet_world(text: &str) -> World {
    World::new(FLEET).source("fleet", "fleet_doc", "fleet.json", text)
}

/// A fleet document like gen_fleet.py's, pretty-printed so positions span many lines.
pub fn fleet_json(n: usize) -> String {
    let agents: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({
                "name": format!("agent-{i:06}"),
                "version": format!("{}.{}.{}", i % 4, i % 21, i % 10),
                "owner": format!("team-{}", i % 50),
                "drift": (i % 20) as f64 / 100.0,
                "deprecated": i % 20 == 0,
                "tags": ["prod", if i % 2 == 0 { "gpu" } else { "eu" }],
            })
        })
        .collect();
    let workflows: Vec<serde_json::Value> = (0..(n / 10).max(1))
        .map(|w| {
            let steps: Vec<serde_json::Value> = (0..10)
                .map(|k| serde_json::json!({"id": format!("s{k}"), "agent": format!("agent-{:06}", (w * 7 + k * 13) % n)}))
                .collect();
            serde_json::json!({"name": format!("wf-{w:05}"), "steps": steps})
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({"agents": agents, "workflows": workflows})).unwrap()
}

/// The JSON value that starts at a span's start.
fn value_at(text: &str, start: usize) -> serde_json::Value {
    serde_json::Deserializer::from_str(&text[start..])
        .into_iter::<serde_json::Value>()
        .next()
        .unwrap()
        .unwrap()
}

#[test]
fn fleet_loads_resolves_and_every_origin_finds_its_record() {
    let text = fleet_json(300);
    let loaded = fleet_world(&text).load();
    assert_eq!(loaded.render(), "");
    let fleet = loaded.value();
    let Value::List(agents) = field(fleet, "agents") else {
        panic!()
    };
    assert_eq!(agents.items.len(), 300);
    assert_eq!(loaded.registry.count(loaded.entity("agent")), 300);
    // Each agent's origin is the offset of its own object in the text, taken from where
    // its first key was read.
    for (i, agent) in agents.items.iter().enumerate() {
        let origin = record(agent).origin.clone().unwrap();
        assert!(matches!(origin.at, OriginAt::Offset(_)), "{origin:?}");
        let span = loaded.origin_span(&origin);
        assert_eq!(loaded.sources.slice(span), "{");
        assert_eq!(value_at(&text, span.start as usize)["name"], format!("agent-{i:06}"));
    }
    // Steps resolve to their agents, and their origins find their objects too.
    let Value::List(workflows) = field(fleet, "workflows") else {
        panic!()
    };
    let Value::List(steps) = field(&workflows.items[7], "steps") else {
        panic!()
    };
    let step = &steps.items[3];
    let Value::Ref(slot) = field(step, "agent") else {
        panic!()
    };
    let target = slot.resolved().expect("resolved");
    assert_eq!(record(target).key().as_deref(), Some(&*slot.key));
    let span = loaded.origin_span(record(step).origin.as_ref().unwrap());
    let found = value_at(&text, span.start as usize);
    assert_eq!(found["id"], "s3");
    assert_eq!(found["agent"].as_str(), Some(&*slot.key));
    let lc = loaded.sources.line_col(span.file, span.start);
    assert!(lc.line > 3000, "pretty-printed: far down the file, got {lc:?}");
    // Repeated strings are shared.
    let tag = |i: usize| match field(&agents.items[i], "tags") {
        Value::List(l) => match &l.items[0] {
            Value::Str(s) => s.clone(),
            _ => panic!(),
        },
        _ => panic!(),
    };
    assert!(Arc::ptr_eq(&tag(0), &tag(1)));
}

#[test]
fn a_record_whose_first_key_is_escaped_is_found_by_its_path() {
    let text = r#"{"agents": [
  {"n\u0061me": "agent-000000", "version": "1.0.0", "owner": "o", "drift": 0.5, "deprecated": false, "tags": []},
  {
    "name": "agent-000001", "version": "1.0.0", "owner": "o", "drift": 0.5, "deprecated": false, "tags": []}
], "workflows": [{"name": "w", "steps": [{"id": "s", "agent": "agent-000009"}]}]}"#;
    let loaded = fleet_world(text).load();
    // The dangling reference is placed through the step's origin, an offset.
    assert!(loaded.render().contains("fleet.json:5:"), "{}", loaded.render());
    let Value::List(agents) = field(loaded.value(), "agents") else {
        panic!()
    };
    let origin = |i: usize| record(&agents.items[i]).origin.clone().unwrap();
    // serde_json unescapes `n\u0061me` into a buffer of its own: no address in the text.
    assert!(
        matches!(origin(0).at, OriginAt::Element { index: 0, .. }),
        "{:?}",
        origin(0)
    );
    assert!(matches!(origin(1).at, OriginAt::Offset(_)), "{:?}", origin(1));
    for (i, line) in [(0, "2:3"), (1, "3:3")] {
        let span = loaded.origin_span(&origin(i));
        assert_eq!(loaded.location(span), format!("fleet.json:{line}"));
        assert_eq!(loaded.sources.slice(span), "{");
    }
}

#[test]
fn fleet_mistakes_are_placed_far_down_the_file() {
    let mut json: serde_json::Value = serde_json::from_str(&fleet_json(50)).unwrap();
    json["agents"][40]["drift"] = serde_json::json!("high");
    json["agents"][41]["version"] = serde_json::json!("v1");
    json["agents"][42].as_object_mut().unwrap().remove("owner");
    json["agents"][43]["colour"] = serde_json::json!("red");
    json["agents"][44]["name"] = serde_json::json!("agent-000003");
    json["workflows"][2]["steps"][4]["agent"] = serde_json::json!("agent-00001");
    json["workflows"][3]["steps"][0]["agent"] = serde_json::json!("agent-000001@>=9");
    let text = serde_json::to_string_pretty(&json).unwrap();
    let loaded = fleet_world(&text).load();
    insta::assert_snapshot!(loaded.render());
}

#[test]
fn every_mistake_in_a_json_manifest_is_placed() {
    let text = r#"[
  {
    "name": "a1",
    "version": "1.0",
    "owner": 7,
    "ownr": "x",
    "tools": ["t1", 3],
    "metadata": {
      "description": null,
      "max_tokens": 1.5,
      "temperature": 9,
      "capabilities": "all"
    },
    "name": "a1-again"
  },
  {"name": "a2", "version": "1.0.0", "owner": "o", "tools": [], "metadata": {"description": "d", "max_tokens": 99999999999999999999, "temperature": 0.5}},
  "not an agent",
  {"name": "a3", "version": "1.0.0", "owner": "o", "tools": [], "metadata": {"description": "d", "max_tokens": 5, "temperature": 0.5, "temperature": 0.6}}
]"#;
    let loaded = World::agents().source("agents", "[agent]", "agents.json", text).load();
    insta::assert_snapshot!(loaded.render());
    // Broken values are null placeholders; the rest of the record is kept.
    let items = loaded.items();
    assert_eq!(items.len(), 4);
    assert!(field(&items[0], "owner").is_null());
    assert_eq!(record(&items[0]).key().as_deref(), Some("a1"));
    assert!(items[2].is_null());
}

#[test]
fn one_element_or_a_list_and_nested_json_values() {
    let loaded = World::agents()
        .source(
            "tools",
            "[tool]",
            "one.json",
            r#"{"name": "t", "version": "1.0.0", "owner": "o", "metadata": {"category": "action", "inputs_schema": {"a": [1, {"b": null}], "b": "\u00e9"}, "outputs_schema": [true, 2.5, -3], "timeout_ms": 10, "labels": {"k": "v"}, "token": "hunter2", "timeout": "250ms"}}"#,
        )
        .load();
    assert_eq!(loaded.render(), "");
    let items = loaded.items();
    assert_eq!(items.len(), 1);
    let meta = field(&items[0], "metadata");
    let inputs = field(meta, "inputs_schema");
    assert_eq!(
        inputs.to_json(false),
        serde_json::json!({"a": [1, {"b": null}], "b": "é"})
    );
    assert_eq!(
        field(meta, "outputs_schema").to_json(false),
        serde_json::json!([true, 2.5, -3])
    );
    assert!(matches!(field(meta, "token"), Value::Secret(_)));
    assert_eq!(field(meta, "token").to_string(), "***");
    assert_eq!(field(meta, "retry_attempts").to_string(), "0");
    assert_eq!(field(meta, "timeout").to_string(), "250ms");
    let origin = record(&items[0]).origin.clone().unwrap();
    assert!(matches!(&origin.at, OriginAt::Offset(0)));
    assert_eq!(loaded.location(loaded.origin_span(&origin)), "one.json:1:1");
}

#[test]
fn int_widens_to_float_but_not_the_reverse() {
    let loaded = World::new("type t = { x: float, y: int, z: float? }")
        .source("good", "t", "good.json", r#"{"x": 3, "y": -4, "z": null}"#)
        .source("bad", "t", "bad.json", r#"{"x": 3, "y": 4.0}"#)
        .load();
    let good = loaded.values[0].as_ref().unwrap();
    assert!(matches!(field(good, "x"), Value::Float(x) if *x == 3.0));
    assert!(matches!(field(good, "y"), Value::Int(-4)));
    insta::assert_snapshot!(loaded.render());
}

#[test]
fn keyed_record_types_carry_their_key() {
    let loaded = World::new("type team = { key slug: string, size: int }")
        .source(
            "teams",
            "[team]",
            "teams.json",
            r#"[{"slug": "core", "size": 3}, {"size": 1, "slug": "edge"}]"#,
        )
        .load();
    assert_eq!(loaded.render(), "");
    let keys: Vec<_> = loaded.items().iter().map(|t| record(t).key()).collect();
    assert_eq!(keys, [Some(Arc::from("core")), Some(Arc::from("edge"))]);
}

#[test]
fn empty_and_malformed_json() {
    let loaded = World::agents()
        .source("empty", "[tool]", "empty.json", "  \n")
        .source("cut", "[tool]", "cut.json", "[{\"name\": \"a\",\n  \"version\": ")
        .source("bad", "[tool]", "bad.json", "{\"name\": 'single'}")
        .load();
    assert!(loaded.values.iter().all(Option::is_none));
    insta::assert_snapshot!(loaded.render());
}
