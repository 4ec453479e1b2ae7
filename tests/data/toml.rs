//! TOML: one element as the table, or several as `[[source]]` tables. Mistakes in TOML
//! manifests are the fixtures `tests/ui/data/toml_*`.
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
    let loaded = World::agents().source("tools", "[tool]", "tools.toml", TOOLS).load();
    assert_eq!(loaded.render(), "");
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
            let span = loaded.origin_span(record(i).origin.as_ref().unwrap());
            format!("{} `{}`", loaded.location(span), loaded.sources.slice(span))
        })
        .collect();
    assert_eq!(spans, ["tools.toml:1:1 `[[tools]]`", "tools.toml:14:1 `[[tools]]`"]);
}

#[test]
fn a_single_table_is_one_element() {
    let text = "name = \"solo\"\nversion = \"0.1.0\"\nowner = \"me\"\n[metadata]\ncategory = \"action\"\ninputs_schema = []\noutputs_schema = []\ntimeout_ms = 1\n";
    let loaded = World::agents().source("tools", "[tool]", "solo.toml", text).load();
    assert_eq!(loaded.render(), "");
    assert_eq!(record(&loaded.items()[0]).key().as_deref(), Some("solo"));
}
