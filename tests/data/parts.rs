//! Long JSON lists read in chunks, on several threads: exactly what one thread reads whole,
//! for every cut.
use serde_json::json;

use std::num::NonZeroUsize;

use cpl::data::Split;
use cpl::ir::Type;
use cpl::ir::Value;
use cpl::parallel::{Chunking, Jobs};
use cpl::source::FileId;

use crate::helpers::*;

const SCHEMA: &str = r#"entity tool {
  key name: string
  version: version
  level: int where it >= 0
  depends_on: [ref tool] = []
}

entity agent {
  key name: string
  tools: [ref tool]
}

type team = { name: string, lead: ref agent }
type doc = { tools: [tool], agents: [agent], teams: [team] }
"#;

const TOOL: cpl::ir::EntityId = cpl::ir::EntityId(0);
const AGENT: cpl::ir::EntityId = cpl::ir::EntityId(1);

fn world() -> (World, Type) {
    let mut world = World::new(SCHEMA);
    let tool = world.entity(
        "tool",
        vec![
            f("name", Type::String),
            f("version", Type::Version),
            f("level", Type::Int).check("it >= 0"),
            f("depends_on", list(Type::Ref(TOOL))).default(Value::list(vec![])),
        ],
    );
    let agent = world.entity(
        "agent",
        vec![f("name", Type::String), f("tools", list(Type::Ref(tool)))],
    );
    let team = world.record(
        "type team",
        "{",
        vec![f("name", Type::String), f("lead", Type::Ref(agent))],
        None,
    );
    let doc = world.record(
        "type doc",
        "{",
        vec![
            f("tools", list(Type::Entity(tool))),
            f("agents", list(Type::Entity(agent))),
            f("teams", list(Type::Record(team))),
        ],
        None,
    );
    (world, Type::Record(doc))
}

/// 60 tools, 60 agents and 30 teams, with mistakes in every part of every list.
fn document() -> String {
    let tools: Vec<_> = (0..60)
        .map(|i| json!({ "name": format!("tool-{i}"), "version": format!("1.{i}.0"), "level": i % 7 }))
        .collect();
    let agents: Vec<_> = (0..60)
        .map(|i| json!({ "name": format!("agent-{i}"), "tools": [format!("tool-{}", (i * 7) % 60)] }))
        .collect();
    let teams: Vec<_> = (0..30)
        .map(|i| json!({ "name": format!("team-{i}"), "lead": format!("agent-{}", 59 - i) }))
        .collect();
    let mut doc = json!({ "tools": tools, "agents": agents, "teams": teams });
    doc["tools"][5]["level"] = json!(-1);
    doc["tools"][30]["colour"] = json!("red");
    doc["tools"][10]["name"] = json!("tool-2");
    doc["tools"][40]["name"] = json!("tool-3");
    // Taken in an earlier part, and twice in a later one: both are duplicates of the first.
    doc["tools"][52]["name"] = json!("tool-4");
    doc["tools"][57]["name"] = json!("tool-4");
    doc["tools"][20]["depends_on"] = json!(["tool-2", "tool-21"]);
    doc["tools"][41]["depends_on"] = json!(["tool-50"]);
    doc["tools"][50]["depends_on"] = json!(["tool-41"]);
    doc["agents"][10]["tools"] = json!(["tool-1", "tool-7@^1", "tool-8@>=9"]);
    doc["agents"][55]["tools"] = json!(["tool-999"]);
    doc["agents"][20]["tools"] = json!("tool-1");
    doc["teams"][3]["lead"] = json!("agent-58");
    doc["teams"][29]["lead"] = json!("agnt-1");
    // Records whose first key is escaped: their place is found by path, not by offset.
    serde_json::to_string_pretty(&doc)
        .unwrap()
        .replacen(r#""name": "tool-33""#, r#""n\u0061me": "tool-33""#, 1)
        .replacen(r#""name": "team-20""#, r#""n\u0061me": "team-20""#, 1)
}

/// Every cut of every list, whatever the size of the document: chunks of every size from
/// one element to more than the longest list (60), on one to three threads; and the
/// default cut (chunks of about equal bytes, a few per job) for two to eight jobs.
fn every_cut() -> Vec<(Split, Jobs)> {
    let jobs = |n: usize| Jobs::new(n).unwrap();
    let mut cuts = Vec::new();
    for size in 1..=61 {
        let chunking = Chunking::every(NonZeroUsize::new(size).unwrap());
        for n in 1..=3 {
            cuts.push((
                Split {
                    min_document_bytes: 0,
                    chunking,
                },
                jobs(n),
            ));
        }
    }
    for n in 2..=8 {
        let chunking = Chunking::per_job_from(2);
        cuts.push((
            Split {
                min_document_bytes: 0,
                chunking,
            },
            jobs(n),
        ));
    }
    cuts
}

fn load(world: &mut World, file: FileId, doc: &Type, (split, jobs): (Split, Jobs)) -> Loaded {
    world.limits.split = split;
    world.limits.jobs = jobs;
    world.load(&[(file, doc.clone(), "doc")])
}

/// Read whole, on one thread.
const WHOLE: (Split, Jobs) = (Split::NEVER, Jobs::ONE);

#[test]
fn a_document_read_in_parts_is_read_as_in_one_piece() {
    let (mut world, doc) = world();
    let file = world.file("doc.json", &document());
    let whole = load(&mut world, file, &doc, WHOLE);

    let diagnostics = world.render(&whole.diags);
    for code in ["E0402", "E0403", "E0404", "E0406", "E0407", "E0408", "E0410"] {
        assert!(diagnostics.contains(code), "{code} missing from:\n{diagnostics}");
    }
    assert_eq!(
        diagnostics.matches("duplicate `tool` key `tool-4`").count(),
        2,
        "{diagnostics}"
    );
    for cut in every_cut() {
        let parts = load(&mut world, file, &doc, cut);
        assert_same(&world, &whole, &parts, &diagnostics);
    }
}

fn assert_same(world: &World, whole: &Loaded, parts: &Loaded, diagnostics: &str) {
    assert_eq!(world.render(&parts.diags), diagnostics);
    assert_eq!(parts.value().to_json(false), whole.value().to_json(false));
    assert_eq!(parts.registry.count(TOOL), whole.registry.count(TOOL));
    assert_eq!(parts.registry.count(AGENT), whole.registry.count(AGENT));

    // Every record is found at the same place, and every reference reaches the same
    // record (or none).
    for list in ["tools", "agents", "teams"] {
        let items = |loaded: &Loaded| match field(loaded.value(), list) {
            Value::List(items) => items.items.clone(),
            other => panic!("{other:?}"),
        };
        let (whole_items, part_items) = (items(whole), items(parts));
        assert_eq!(whole_items.len(), part_items.len());
        for (a, b) in whole_items.iter().zip(&part_items) {
            let at = |loaded: &Loaded, v: &Value| {
                world.location(
                    loaded
                        .registry
                        .locate(&world.sources, record(v).origin.as_ref().unwrap()),
                )
            };
            assert_eq!(at(parts, b), at(whole, a));
            for (x, y) in record(a).fields.iter().zip(record(b).fields.iter()) {
                assert_eq!(targets(x), targets(y));
            }
        }
    }
}

/// The keys of the records a value's references reach, in order.
fn targets(value: &Value) -> Vec<Option<String>> {
    match value {
        Value::Ref(slot) => vec![slot.resolved().map(|t| record(t).key().as_deref().unwrap().to_string())],
        Value::List(list) => list.items.iter().flat_map(targets).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn a_number_out_of_range_in_a_part_is_placed_as_in_one_piece() {
    let (mut world, doc) = world();
    let text = document().replacen("\"level\": 4", "\"level\": 1e400", 3);
    let file = world.file("doc.json", &text);
    let whole = load(&mut world, file, &doc, WHOLE);
    let diagnostics = world.render(&whole.diags);
    assert!(diagnostics.contains("number out of range"), "{diagnostics}");
    for cut in every_cut() {
        let parts = load(&mut world, file, &doc, cut);
        assert!(whole.values[0].is_none() && parts.values[0].is_none());
        assert_eq!(world.render(&parts.diags), diagnostics);
    }
}

#[test]
fn a_syntax_error_in_a_list_read_in_parts_is_reported_as_in_one_piece() {
    let (mut world, doc) = world();
    // A missing comma between two tools, late in the list.
    let text = document().replacen(
        "},\n    {\n      \"name\": \"tool-45\"",
        "}\n    {\n      \"name\": \"tool-45\"",
        1,
    );
    assert_ne!(text, document());
    let file = world.file("doc.json", &text);
    let whole = load(&mut world, file, &doc, WHOLE);
    let diagnostics = world.render(&whole.diags);
    assert!(diagnostics.contains("expected `,` or `]`"), "{diagnostics}");
    for cut in every_cut() {
        let parts = load(&mut world, file, &doc, cut);
        assert!(whole.values[0].is_none() && parts.values[0].is_none());
        assert_eq!(world.render(&parts.diags), diagnostics);
    }
}
