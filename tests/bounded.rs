//! Bounded work on the real binary: a data file with the same mistake in every record shows
//! the first hundred and counts the rest (`--max-per-code`), and patterns taken from data
//! are compiled within a size limit. The cap changes what is shown, never the exit code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::Path;

/// `cpl` with the pinned environment, in `dir`: exit code, stdout, stderr.
fn cpl(dir: &Path, args: &[&str]) -> (i32, String, String) {
    common::binary::cpl(dir, args).run().triple()
}

const SCHEMA: &str =
    "entity agent {\n  key name: string\n  owner: string\n}\n\nsource agents: [agent] = \"agents/*\"\n";

/// A project whose one data file `agents/<name>` holds `text`.
fn project(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cp"), SCHEMA).unwrap();
    std::fs::create_dir(dir.path().join("agents")).unwrap();
    std::fs::write(dir.path().join("agents").join(name), text).unwrap();
    dir
}

/// `n` agents in JSON, each with the same unknown field.
fn json_flood(n: usize) -> String {
    let records: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"name": "a{i}", "owner": "team", "colour": "red"}}"#))
        .collect();
    format!("[\n{}\n]\n", records.join(",\n"))
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

#[test]
fn a_flood_of_one_error_shows_a_hundred_and_counts_the_rest() {
    let dir = project("agents.json", &json_flood(50_000));
    let (code, _, err) = cpl(dir.path(), &["check"]);
    assert_eq!(code, 1, "the errors left out still fail");
    assert_eq!(count(&err, "error[E0402]"), 100);
    assert_eq!(count(&err, "note[I0601]"), 1);
    assert!(
        err.contains("note[I0601]: 49900 more E0402 in `agents/agents.json` not shown"),
        "{err}"
    );
    assert!(err.contains("help: pass `--max-per-code 0` to see all"));
    assert!(
        err.ends_with("error: 50000 errors emitted\n"),
        "the summary counts them all"
    );
}

#[test]
fn max_per_code_zero_shows_every_diagnostic() {
    let dir = project("agents.json", &json_flood(50_000));
    let (code, out, _) = cpl(dir.path(), &["check", "--max-per-code", "0", "--format", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 50_000);
    assert!(diagnostics.iter().all(|d| d["code"] == "E0402"));
}

#[test]
fn json_output_carries_the_count_left_out() {
    let dir = project("agents.json", &json_flood(1_000));
    let (code, out, _) = cpl(dir.path(), &["check", "--format", "json", "--max-per-code", "10"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), 11);
    let note = diagnostics.iter().find(|d| d["code"] == "I0601").unwrap();
    assert_eq!(note["severity"], "note");
    assert_eq!(note["left_out"]["code"], "E0402");
    assert_eq!(note["left_out"]["severity"], "error");
    assert_eq!(note["left_out"]["count"], 990);
}

#[test]
fn sarif_output_has_the_note_with_its_count() {
    let dir = project("agents.json", &json_flood(300));
    let (code, out, _) = cpl(dir.path(), &["check", "--format", "sarif"]);
    assert_eq!(code, 1);
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 101);
    let note = results.iter().find(|r| r["ruleId"] == "I0601").unwrap();
    assert_eq!(note["level"], "note");
    assert!(note["message"]["text"].as_str().unwrap().contains("200 more E0402"));
}

#[test]
fn every_format_and_loader_is_capped_at_the_source() {
    let n = 2_000;
    let yaml: String = (0..n)
        .map(|i| format!("- name: a{i}\n  owner: team\n  colour: red\n"))
        .collect();
    let toml: String = (0..n)
        .map(|i| format!("[[agents]]\nname = \"a{i}\"\nowner = \"team\"\ncolour = \"red\"\n"))
        .collect();
    let csv = format!(
        "name,owner\n{}",
        (0..n).map(|i| format!("a{i},team,extra\n")).collect::<String>()
    );
    for (name, text, code) in [
        ("agents.yaml", yaml, "E0402"),
        ("agents.toml", toml, "E0402"),
        ("agents.csv", csv, "E0411"),
    ] {
        let dir = project(name, &text);
        let (exit, _, err) = cpl(dir.path(), &["check", "--max-per-code", "5"]);
        assert_eq!(exit, 1, "{name}");
        assert_eq!(count(&err, &format!("error[{code}]")), 5, "{name}\n{err}");
        let note = format!("note[I0601]: {} more {code} in `agents/{name}` not shown", n - 5);
        assert!(err.contains(&note), "{name}\n{err}");
    }
}

#[test]
fn the_note_of_what_was_left_out() {
    let dir = project("agents.json", &json_flood(5));
    let (code, _, err) = cpl(dir.path(), &["check", "--max-per-code", "2"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(err);
}

#[test]
fn the_cap_counts_each_code_and_file_apart() {
    let dir = project("agents.json", &json_flood(3));
    // A second file, and a second code (a missing owner) in the first one.
    std::fs::write(
        dir.path().join("agents/more.json"),
        r#"[{"name": "b1", "colour": "red"}, {"name": "b2", "colour": "red"}, {"name": "b3"}]"#,
    )
    .unwrap();
    let (code, _, err) = cpl(dir.path(), &["check", "--max-per-code", "1"]);
    assert_eq!(code, 1);
    assert!(err.contains("2 more E0402 in `agents/agents.json` not shown"), "{err}");
    assert!(err.contains("1 more E0402 in `agents/more.json` not shown"), "{err}");
    assert!(err.contains("2 more E0401 in `agents/more.json` not shown"), "{err}");
    assert!(err.ends_with("error: 8 errors emitted\n"), "{err}");
}

const PATTERNS: &str = "entity rule {\n  key name: string\n  pattern: string\n}\n\nsource rules: [rule] = \"rules/*\"\n\npolicy names_match {\n  for r in rules\n  deny when not (r.name matches r.pattern) => \"`{r.name}` does not match\"\n}\n";

/// A project of rules, each with a pattern its name must match.
fn rules(patterns: &[String]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cp"), PATTERNS).unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    let records: Vec<String> = patterns
        .iter()
        .enumerate()
        .map(|(i, p)| serde_json::json!({"name": format!("rule-{i}"), "pattern": p}).to_string())
        .collect();
    std::fs::write(
        dir.path().join("rules/rules.json"),
        format!("[{}]", records.join(",\n")),
    )
    .unwrap();
    dir
}

#[test]
fn a_thousand_distinct_patterns_from_data_evaluate() {
    let patterns: Vec<String> = (0..1000).map(|i| format!("^rule-{i}$")).collect();
    let dir = rules(&patterns);
    let (code, out, err) = cpl(dir.path(), &["policy", "names_match"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_huge_pattern_from_data_is_an_error_not_an_allow() {
    let patterns = vec!["^rule-0$".to_string(), "(a{1000}){1000}".to_string()];
    let dir = rules(&patterns);
    let (code, out, err) = cpl(dir.path(), &["policy", "names_match"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("indeterminate"), "{out}");
    assert!(
        err.contains("E0210") && err.contains("exceeds the limit of 4 MiB"),
        "{err}"
    );
}
