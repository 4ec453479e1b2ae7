//! Long JSON lists read in chunks, on several threads: exactly what one thread reads whole,
//! for every cut.
use std::num::NonZeroUsize;

use serde_json::json;

use cpl::data::{Limits, Split};
use cpl::ir::Value;
use cpl::parallel::{Chunking, Jobs};

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
    let split = |chunking| Split {
        min_document_bytes: 0,
        chunking,
    };
    let mut cuts = Vec::new();
    for size in 1..=61 {
        let chunking = Chunking::every(NonZeroUsize::new(size).unwrap());
        cuts.extend((1..=3).map(|n| (split(chunking), jobs(n))));
    }
    cuts.extend((2..=8).map(|n| (split(Chunking::per_job_from(2)), jobs(n))));
    cuts
}

/// Read whole, on one thread.
const WHOLE: (Split, Jobs) = (Split::NEVER, Jobs::ONE);

/// `text` as the source `document`, handed to the loader cut as `cut` says.
fn load(text: &str, (split, jobs): (Split, Jobs)) -> Loaded {
    let limits = Limits {
        split,
        jobs,
        ..Limits::default()
    };
    World::new(SCHEMA)
        .source("document", "doc", "doc.json", text)
        .load_with(limits)
}

#[test]
fn a_document_read_in_parts_is_read_as_in_one_piece() {
    let text = document();
    let whole = load(&text, WHOLE);

    let diagnostics = whole.render();
    for code in ["E0402", "E0403", "E0404", "E0406", "E0407", "E0408", "E0410"] {
        assert!(diagnostics.contains(code), "{code} missing from:\n{diagnostics}");
    }
    assert_eq!(
        diagnostics.matches("duplicate `tool` key `tool-4`").count(),
        2,
        "{diagnostics}"
    );
    for cut in every_cut() {
        let parts = load(&text, cut);
        assert_same(&whole, &parts, &diagnostics);
    }
}

fn assert_same(whole: &Loaded, parts: &Loaded, diagnostics: &str) {
    assert_eq!(parts.render(), diagnostics);
    assert_eq!(parts.value().to_json(false), whole.value().to_json(false));
    for kind in ["tool", "agent"] {
        let count = |loaded: &Loaded| loaded.registry.count(loaded.entity(kind));
        assert_eq!(count(parts), count(whole));
    }

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
            assert_eq!(parts.place(b), whole.place(a));
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
    let text = document().replacen("\"level\": 4", "\"level\": 1e400", 3);
    let whole = load(&text, WHOLE);
    let diagnostics = whole.render();
    assert!(diagnostics.contains("number out of range"), "{diagnostics}");
    for cut in every_cut() {
        let parts = load(&text, cut);
        assert!(whole.values[0].is_none() && parts.values[0].is_none());
        assert_eq!(parts.render(), diagnostics);
    }
}

#[test]
fn a_syntax_error_in_a_list_read_in_parts_is_reported_as_in_one_piece() {
    // A missing comma between two tools, late in the list.
    let text = document().replacen(
        "},\n    {\n      \"name\": \"tool-45\"",
        "}\n    {\n      \"name\": \"tool-45\"",
        1,
    );
    assert_ne!(text, document());
    let whole = load(&text, WHOLE);
    let diagnostics = whole.render();
    assert!(diagnostics.contains("expected `,` or `]`"), "{diagnostics}");
    for cut in every_cut() {
        let parts = load(&text, cut);
        assert!(whole.values[0].is_none() && parts.values[0].is_none());
        assert_eq!(parts.render(), diagnostics);
    }
}
