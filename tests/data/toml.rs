//! TOML: one element as the table, or several as `[[source]]` tables.
use cpl::ir::Type;
use cpl::ir::Value;

use crate::helpers::*;

const TOOLS: &str = r#"[[tools]]
name = "crm_tool"
version = "1.2.0"
owner = "platform-team"

[tools.metadata]
category = "data"
inputs_schema = { type = "object" }
outputs_schema = {}
timeout_ms = 5_000
released = 2024-01-02T00:00:00Z
timeout = "2m"

[[tools]]
name = "search"
version = "1.0.0"
owner = "search-team"
depends_on = ["crm_tool@^1.2"]
metadata = { category = "retrieval", inputs_schema = 1, outputs_schema = 2, timeout_ms = 0x10 }
"#;

#[test]
fn an_array_of_tables_named_after_the_source_is_the_list() {
    let mut world = World::agents();
    let file = world.file("tools.toml", TOOLS);
    let loaded = world.load_entities(file, TOOL, "tools");
    assert_eq!(world.render(&loaded.diags), "");
    let items = loaded.items();
    assert_eq!(items.len(), 2);
    let meta = field(&items[0], "metadata");
    assert!(matches!(field(meta, "timeout_ms"), Value::Int(5000)));
    assert!(matches!(field(meta, "released"), Value::Timestamp(_)));
    assert!(matches!(
        field(field(&items[1], "metadata"), "timeout_ms"),
        Value::Int(16)
    ));
    let spans: Vec<String> = items
        .iter()
        .map(|i| {
            let span = loaded
                .registry
                .locate(&world.sources, record(i).origin.as_ref().unwrap());
            format!("{} `{}`", world.location(span), world.sources.slice(span))
        })
        .collect();
    assert_eq!(spans, ["tools.toml:1:1 `[[tools]]`", "tools.toml:14:1 `[[tools]]`"]);
}

#[test]
fn a_single_table_is_one_element() {
    let mut world = World::agents();
    let text = "name = \"solo\"\nversion = \"0.1.0\"\nowner = \"me\"\n[metadata]\ncategory = \"action\"\ninputs_schema = []\noutputs_schema = []\ntimeout_ms = 1\n";
    let file = world.file("solo.toml", text);
    let loaded = world.load_entities(file, TOOL, "tools");
    assert_eq!(world.render(&loaded.diags), "");
    assert_eq!(record(&loaded.items()[0]).key().as_deref(), Some("solo"));
}

#[test]
fn toml_mistakes_and_duplicates() {
    let mut world = World::agents();
    let mistakes = world.file(
        "bad.toml",
        "name = \"t\"\nversion = 1\nowner = \"o\"\nextra = true\n[metadata]\ncategory = \"dat\"\ninputs_schema = 1\noutputs_schema = 1\ntimeout_ms = 1.5\nreleased = 2024-01-02T10:00:00\n",
    );
    let dup = world.file("dup.toml", "name = \"t\"\nowner = \"a\"\nowner = \"b\"\n");
    let dup_table = world.file("dup_table.toml", "[metadata]\na = 1\n[metadata]\nb = 2\n");
    let broken = world.file("broken.toml", "name = \"t\n");
    let empty = world.file("empty.toml", "# nothing\n");
    let ty = list(Type::Entity(TOOL));
    let loaded = world.load(&[
        (mistakes, ty.clone(), "tools"),
        (dup, ty.clone(), "tools"),
        (dup_table, ty.clone(), "tools"),
        (broken, ty.clone(), "tools"),
        (empty, ty, "tools"),
    ]);
    insta::assert_snapshot!(world.render(&loaded.diags));
}

#[test]
fn missing_fields_constraints_and_versions_in_toml() {
    let mut world = World::agents();
    let text = "[[tools]]\nname = \"a\"\nversion = \"1.x\"\n[tools.metadata]\ncategory = \"data\"\ninputs_schema = 1\noutputs_schema = 1\ntimeout_ms = 0\n\n[[tools]]\nname = \"b\"\nversion = \"1.0.0\"\nowner = \"o\"\ndepends_on = [\"a@^1\", \"zz\"]\n";
    let file = world.file("tools.toml", text);
    let loaded = world.load_entities(file, TOOL, "tools");
    insta::assert_snapshot!(world.render(&loaded.diags));
}
