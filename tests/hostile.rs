//! Hostile inputs on the real binary, whose main thread has the platform's default stack:
//! every recursion of the pipeline must be bounded before it can overflow, and each case
//! ends in its own diagnostic (exit 1), never a crash (exit 101 for a panic, 134 for an
//! overflowed stack).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::path::Path;

/// `cpl` with the pinned environment, in `dir`: exit code and standard error.
fn cpl(dir: &Path, args: &[&str]) -> (i32, String) {
    let ran = common::binary::cpl(dir, args).run();
    (ran.code, ran.stderr)
}

/// A chain of `n` operands joined by `op`.
fn chain(op: &str, operand: &str, n: usize) -> String {
    vec![operand; n].join(&format!(" {op} "))
}

/// Expressions `cpl eval` is given on its command line, each with the code it must report;
/// each fits in one argument (the kernel takes at most 128 KiB).
fn hostile_expressions() -> Vec<(&'static str, String, &'static str)> {
    vec![
        ("a chain of `??`", chain("??", "null", 12_000), "E0007"),
        ("a chain of `or`", chain("or", "true", 14_000), "E0007"),
        ("a chain of `+`", chain("+", "1", 30_000), "E0007"),
        ("a chain of `==`", chain("==", "1", 25_000), "E0007"),
        ("a run of `not`", format!("{}true", "not ".repeat(30_000)), "E0007"),
        ("a run of `-`", format!("{}1", "-".repeat(30_000)), "E0007"),
        (
            "nested brackets",
            format!("{}1{}", "(".repeat(30_000), ")".repeat(30_000)),
            "E0004",
        ),
        (
            "nested lists",
            format!("{}1{}", "[".repeat(30_000), "]".repeat(30_000)),
            "E0004",
        ),
        (
            "nested records",
            format!("{}1{}", "{ a: ".repeat(12_000), " }".repeat(12_000)),
            "E0004",
        ),
        (
            "a chain of fields",
            format!("{{ a: 1 }}{}", ".a".repeat(30_000)),
            "E0007",
        ),
        ("a chain of indexes", format!("[1]{}", "[0]".repeat(30_000)), "E0007"),
        (
            "nested conditionals",
            format!("{}1{}", "if true then ".repeat(5_000), " else 2".repeat(5_000)),
            "E0004",
        ),
    ]
}

#[test]
fn deep_expressions_are_diagnostics_on_the_default_stack() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cp"), "const X = 1\n").unwrap();
    for (what, expression, expected) in hostile_expressions() {
        assert!(expression.len() < 128 * 1024, "{what} does not fit in one argument");
        let (code, err) = cpl(dir.path(), &["eval", "--", &expression]);
        assert_eq!(code, 1, "{what}: exit {code}\n{}", tail(&err));
        assert!(err.contains(expected), "{what}: expected {expected}\n{}", tail(&err));
    }
}

#[test]
fn a_long_chain_of_type_aliases_is_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("type t0 = int\n");
    for i in 1..5_000 {
        text.push_str(&format!("type t{i} = t{}\n", i - 1));
    }
    text.push_str("const X: t4999 = 1\n");
    std::fs::write(dir.path().join("main.cp"), text).unwrap();
    let (code, err) = cpl(dir.path(), &["check"]);
    assert_eq!(code, 1, "exit {code}\n{}", tail(&err));
    assert!(
        err.contains("type aliases nested deeper than 128 levels"),
        "{}",
        tail(&err)
    );

    // A chain just within the bound is fine.
    let mut text = String::from("type t0 = int\n");
    for i in 1..100 {
        text.push_str(&format!("type t{i} = t{}\n", i - 1));
    }
    text.push_str("const X: t99 = 1\n");
    std::fs::write(dir.path().join("main.cp"), text).unwrap();
    let (code, err) = cpl(dir.path(), &["check"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn deeply_nested_data_is_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.cp"),
        "entity e {\n  key name: string\n  extra: json\n}\nsource es: [e] = \"data/*\"\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    let depth = 100_000;
    let json = format!(
        r#"[{{"name": "a", "extra": {}1{}}}]"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let yaml = format!("- name: a\n  extra: {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    let toml = format!(
        "[[items]]\nname = \"a\"\nextra = {}1{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    for (file, text) in [("e.json", json), ("e.yaml", yaml), ("e.toml", toml)] {
        let data = dir.path().join("data");
        for old in std::fs::read_dir(&data).unwrap() {
            std::fs::remove_file(old.unwrap().path()).unwrap();
        }
        std::fs::write(data.join(file), text).unwrap();
        let (code, err) = cpl(dir.path(), &["check"]);
        assert_eq!(code, 1, "{file}: exit {code}\n{}", tail(&err));
        assert!(
            err.contains(file),
            "{file}: the diagnostic points into the data file\n{}",
            tail(&err)
        );
    }
}

/// The end of a long report: enough to see what went wrong.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// A workflow of 200 000 steps, each `after` the one before, compiles: the cycle search
/// over its steps walks the chain without recursing (petgraph's own search recursed once
/// per step). `src/graph.rs` tests a cycle of a million nodes the same way.
#[test]
fn a_chain_of_200_000_steps_compiles_on_the_default_stack() {
    let dir = tempfile::tempdir().unwrap();
    let steps = 200_000;
    let mut text = String::from("workflow w() {\n  step s0 = log(\"x\")\n");
    for i in 1..steps {
        text.push_str(&format!("  step s{i} = log(\"x\") after s{}\n", i - 1));
    }
    std::fs::write(dir.path().join("main.cp"), format!("{text}}}\n")).unwrap();
    let (code, err) = cpl(dir.path(), &["check"]);
    assert_eq!(code, 0, "exit {code}\n{}", tail(&err));
}
