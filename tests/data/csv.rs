//! CSV registries: typed columns, `;` lists, empty cells, quoting, dotted headers.
//! Header and cell mistakes are the fixture `tests/ui/data/csv_header_and_cell_problems`.
use cpl::ir::Value;

use crate::helpers::*;

#[test]
fn a_registry_csv_loads_with_typed_cells() {
    let text = "name,version,owner,deprecated,depends_on,metadata.category,metadata.inputs_schema,metadata.outputs_schema,metadata.timeout_ms,metadata.retry_attempts,metadata.labels.team,metadata.timeout\n\
crm_tool,1.2.0,platform-team,false,,data,\"{\"\"type\"\": \"\"object\"\"}\",{},5000,,crm,30s\n\
search,2.0.0,\"search, infra\",true,crm_tool@^1; crm_tool,retrieval,1,null,250,3,,\n";
    let loaded = World::agents().source("tools", "[tool]", "registry.csv", text).load();
    assert_eq!(loaded.render(), "");
    let items = loaded.items();
    let crm = &items[0];
    assert_eq!(field(crm, "owner").to_string(), "platform-team");
    assert!(matches!(field(crm, "deprecated"), Value::Bool(false)));
    let Value::List(deps) = field(crm, "depends_on") else {
        panic!()
    };
    assert!(deps.items.is_empty());
    let meta = field(crm, "metadata");
    assert_eq!(
        field(meta, "inputs_schema").to_json(false),
        serde_json::json!({"type": "object"})
    );
    assert!(
        matches!(field(meta, "retry_attempts"), Value::Int(0)),
        "empty cell takes the default"
    );
    assert_eq!(field(meta, "labels").to_json(false), serde_json::json!({"team": "crm"}));
    assert!(field(meta, "released").is_null());
    let search = &items[1];
    assert_eq!(field(search, "owner").to_string(), "search, infra");
    let Value::List(deps) = field(search, "depends_on") else {
        panic!()
    };
    assert_eq!(deps.items.len(), 2);
    let Value::Ref(slot) = &deps.items[0] else { panic!() };
    assert_eq!((&*slot.key, slot.requirement.as_deref()), ("crm_tool", Some("^1")));
    assert!(slot.resolved().is_some());
    assert!(field(field(search, "metadata"), "timeout").is_null());
    // Each row's origin is its first cell.
    let spans: Vec<String> = items.iter().map(|i| loaded.place(i)).collect();
    assert_eq!(spans, ["registry.csv:2:1", "registry.csv:3:1"]);
}

#[test]
fn list_cells_give_each_item_its_own_span() {
    let text = "id,ports,zones,note\na,80; 443 ;8080,eu;us,\"\"\nb,,,\"said \"\"hi\"\"\"\nc,1;x;3,eu; uss,n\n";
    let loaded =
        World::new("entity svc {\n  key id: string\n  ports: [int]\n  zones: [\"eu\" | \"us\"]?\n  note: string\n}\n")
            .source("svcs", "[svc]", "svc.csv", text)
            .load();
    insta::assert_snapshot!(loaded.render());
    let items = loaded.items();
    assert_eq!(
        field(&items[0], "ports").to_json(false),
        serde_json::json!([80, 443, 8080])
    );
    assert_eq!(
        field(&items[0], "zones").to_json(false),
        serde_json::json!(["eu", "us"])
    );
    assert_eq!(
        field(&items[0], "note").to_string(),
        "",
        "a quoted empty cell is the empty string"
    );
    assert_eq!(
        field(&items[1], "ports").to_json(false),
        serde_json::json!([]),
        "an empty cell is an empty list"
    );
    assert!(field(&items[1], "zones").is_null(), "an empty optional cell is null");
    assert_eq!(field(&items[1], "note").to_string(), "said \"hi\"");
}

#[test]
fn csv_that_cannot_hold_the_type_empty_and_lenient_csv() {
    let loaded = World::agents()
        .source("plain", "json", "plain.csv", "a\n1\n")
        .source("nested", "[tool]", "nested.csv", "name,metadata\nx,y\n")
        .source("empty", "[tool]", "empty.csv", "")
        .source(
            "header_only",
            "[tool]",
            "header.csv",
            "name,version,owner,metadata.category,metadata.timeout_ms,metadata.inputs_schema,metadata.outputs_schema\n",
        )
        .source(
            "bad_quote",
            "[tool]",
            "quote.csv",
            "name,version,owner,metadata.category,metadata.timeout_ms,metadata.inputs_schema,metadata.outputs_schema\n\"a\"b\",1.0.0,o,data,1,1,1\n",
        )
        .load();
    assert_eq!(
        loaded.values[3].as_ref().map(|v| v.to_json(false)),
        Some(serde_json::json!([]))
    );
    // The csv crate reads a stray quote leniently, as text.
    let quoted = loaded.values[4].as_ref().unwrap();
    let Value::List(rows) = quoted else { panic!() };
    assert_eq!(field(&rows.items[0], "name").to_string(), "ab\"");
    insta::assert_snapshot!(loaded.render());
}
