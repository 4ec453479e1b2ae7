//! Hostile input: alias bombs, deep nesting, huge files, binary garbage. Each is one
//! clear diagnostic, never a panic or a hang.
use cpl::ir::Type;

use crate::helpers::*;

fn alias_bomb() -> String {
    let mut text = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let alias = format!("*{}", pair[0]);
        text.push_str(&format!(
            "{}: &{} [{}]\n",
            pair[1],
            pair[1],
            [alias.as_str(); 9].join(",")
        ));
    }
    text
}

#[test]
fn a_yaml_alias_bomb_is_a_limit_error() {
    let mut world = World::agents();
    let file = world.file("bomb.yaml", &alias_bomb());
    for ty in [Type::Json, list(Type::Entity(TOOL))] {
        let loaded = world.load(&[(file, ty, "bomb")]);
        assert!(loaded.values[0].is_none());
        assert_eq!(loaded.codes(), ["E0412"], "{}", world.render(&loaded.diags));
        insta::assert_snapshot!(world.render(&loaded.diags));
    }
}

#[test]
fn honest_anchors_and_aliases_still_work() {
    let mut world = World::agents();
    let text = "defaults: &d {category: data, inputs_schema: {}, outputs_schema: {}, timeout_ms: 5}\ntools:\n  - name: a\n    version: 1.0.0\n    owner: x\n    metadata: *d\n  - name: b\n    version: 1.0.0\n    owner: x\n    metadata: *d\n";
    let file = world.file("anchors.yaml", text);
    let loaded = world.load(&[(file, Type::Json, "x")]);
    assert_eq!(world.render(&loaded.diags), "");
}

#[test]
fn deep_nesting_is_a_limit_error_in_every_format() {
    let mut world = World::agents();
    let json = world.file("deep.json", &"[".repeat(100_000));
    let json_closed = world.file("deep_closed.json", &format!("{}{}", "[".repeat(200), "]".repeat(200)));
    let yaml_flow = world.file("deep_flow.yaml", &"[".repeat(100_000));
    let yaml_block = world.file(
        "deep_block.yaml",
        &(0..200).map(|i| format!("{}- \n", "  ".repeat(i))).collect::<String>(),
    );
    let toml = world.file("deep.toml", &format!("a = {}", "[".repeat(100_000)));
    let docs: Vec<_> = [json, json_closed, yaml_flow, yaml_block, toml]
        .into_iter()
        .map(|f| (f, Type::Json, "deep"))
        .collect();
    let loaded = world.load(&docs);
    assert!(loaded.values.iter().all(Option::is_none));
    insta::assert_snapshot!(world.render(&loaded.diags));
}

#[test]
fn files_over_the_size_limit_are_refused() {
    let mut world = World::agents();
    world.limits.max_file_bytes = 1024 * 1024;
    let file = world.file("big.json", &format!("[{}0]", "0,".repeat(600_000)));
    let loaded = world.load(&[(file, Type::Json, "big")]);
    assert_eq!(loaded.codes(), ["E0412"]);
    assert!(world.render(&loaded.diags).contains("larger than the limit of 1 MiB"));
}

#[test]
fn garbage_and_odd_encodings_are_malformed_not_panics() {
    let mut world = World::agents();
    let inputs: &[(&str, &str)] = &[
        ("nul.json", "\u{0}\u{1}\u{2}"),
        ("surrogate.json", r#"{"name": "\ud800"}"#),
        ("trailing.json", "{} {}"),
        ("bom.json", "\u{feff}{\"a\": 1}"),
        ("bom.yaml", "\u{feff}a: 1\n"),
        ("nul.toml", "\u{0}\u{1}"),
        ("binary.csv", "a,b\n\"x\u{0}\",\"unterminated\n"),
        ("ctrl.yaml", "a: \"\u{7}\"\n"),
        ("emoji.json", "{\"é\": \"😀\", \"x\": [1, 2.5, true, null]}"),
    ];
    let mut docs = Vec::new();
    for (name, text) in inputs {
        docs.push((world.file(name, text), Type::Json, "x"));
    }
    let loaded = world.load(&docs);
    insta::assert_snapshot!(world.render(&loaded.diags));
    // The BOM files and the well-formed ones load.
    assert!(loaded.values[3].is_some() && loaded.values[4].is_some() && loaded.values[8].is_some());
}

#[test]
fn a_file_of_another_kind_is_unsupported() {
    let mut world = World::agents();
    let file = world.file("notes.cp", "entity x {}");
    let loaded = world.load(&[(file, Type::Json, "notes")]);
    assert_eq!(loaded.codes(), ["E0413"]);
    insta::assert_snapshot!(world.render(&loaded.diags));
}
