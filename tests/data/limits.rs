//! Hostile input: alias bombs, deep nesting, huge files, binary garbage. Each is one
//! clear diagnostic, never a panic or a hang.
use cpl::data::Limits;

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
    for ty in ["json", "[tool]"] {
        let loaded = World::agents().source("bomb", ty, "bomb.yaml", &alias_bomb()).load();
        assert!(loaded.values[0].is_none());
        assert_eq!(loaded.codes(), ["E0412"], "{}", loaded.render());
        insta::assert_snapshot!(loaded.render());
    }
}

#[test]
fn honest_anchors_and_aliases_still_work() {
    let text = "defaults: &d {category: data, inputs_schema: {}, outputs_schema: {}, timeout_ms: 5}\ntools:\n  - name: a\n    version: 1.0.0\n    owner: x\n    metadata: *d\n  - name: b\n    version: 1.0.0\n    owner: x\n    metadata: *d\n";
    let loaded = World::agents().source("x", "json", "anchors.yaml", text).load();
    assert_eq!(loaded.render(), "");
}

#[test]
fn deep_nesting_is_a_limit_error_in_every_format() {
    let loaded = World::agents()
        .source("deep_json", "json", "deep.json", &"[".repeat(100_000))
        .source(
            "deep_closed",
            "json",
            "deep_closed.json",
            &format!("{}{}", "[".repeat(200), "]".repeat(200)),
        )
        .source("deep_flow", "json", "deep_flow.yaml", &"[".repeat(100_000))
        .source(
            "deep_block",
            "json",
            "deep_block.yaml",
            &(0..200).map(|i| format!("{}- \n", "  ".repeat(i))).collect::<String>(),
        )
        .source(
            "deep_toml",
            "json",
            "deep.toml",
            &format!("a = {}", "[".repeat(100_000)),
        )
        .load();
    assert!(loaded.values.iter().all(Option::is_none));
    insta::assert_snapshot!(loaded.render());
}

#[test]
fn files_over_the_size_limit_are_refused() {
    let limits = Limits {
        max_file_bytes: 1024 * 1024,
        ..Limits::default()
    };
    let loaded = World::agents()
        .source("big", "json", "big.json", &format!("[{}0]", "0,".repeat(600_000)))
        .load_with(limits);
    assert_eq!(loaded.codes(), ["E0412"]);
    assert!(loaded.render().contains("larger than the limit of 1 MiB"));
}

/// Handed to the loader directly: the project's reader refuses a file with a NUL byte
/// before any parser sees it, and the parsers must not panic on one either.
#[test]
fn garbage_and_odd_encodings_are_malformed_not_panics() {
    let inputs: &[(&str, &str, &str)] = &[
        ("nul_json", "nul.json", "\u{0}\u{1}\u{2}"),
        ("surrogate", "surrogate.json", r#"{"name": "\ud800"}"#),
        ("trailing", "trailing.json", "{} {}"),
        ("bom_json", "bom.json", "\u{feff}{\"a\": 1}"),
        ("bom_yaml", "bom.yaml", "\u{feff}a: 1\n"),
        ("nul_toml", "nul.toml", "\u{0}\u{1}"),
        ("binary", "binary.csv", "a,b\n\"x\u{0}\",\"unterminated\n"),
        ("ctrl", "ctrl.yaml", "a: \"\u{7}\"\n"),
        ("emoji", "emoji.json", "{\"é\": \"😀\", \"x\": [1, 2.5, true, null]}"),
    ];
    let mut world = World::agents();
    for (source, path, text) in inputs {
        world = world.source(source, "json", path, text);
    }
    let loaded = world.load_with(Limits::default());
    insta::assert_snapshot!(loaded.render());
    // The BOM files and the well-formed ones load.
    assert!(loaded.values[3].is_some() && loaded.values[4].is_some() && loaded.values[8].is_some());
}

/// A caller of the loader that hands it a `.cp` file is told it is no data file; a
/// project never does (`tests/ui/data/unsupported_extension`).
#[test]
fn a_file_of_another_kind_is_unsupported() {
    let loaded = World::agents()
        .source("notes", "json", "notes.cp", "entity x {}")
        .load_with(Limits::default());
    assert_eq!(loaded.codes(), ["E0413"]);
    insta::assert_snapshot!(loaded.render());
}
