//! Tidy checks over the repository's own files, in the spirit of rust-analyzer's `tidy`:
//! rules about the code that no compiler enforces.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Directories where one machine's files live. A literal path into one of them works
/// only on the machine that wrote it: a test that reads `/tmp/x` passes where `/tmp/x` was
/// left behind and fails for every new user. System paths that exist everywhere
/// (`/etc/passwd`, `/dev/null`, `/proc/self`) stay allowed: tests use them on purpose.
const MACHINE_LOCAL: &[&str] = &[
    "tmp", "home", "root", "work", "var", "Users", "mnt", "opt", "srv", "shared",
];

/// Every file below `dir` with one of `extensions`, skipping snapshots of output.
fn files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| extensions.iter().any(|x| e == *x)) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The machine-local absolute paths a line quotes, in double or single quotes.
fn machine_local_paths(line: &str) -> Vec<String> {
    let mut found = Vec::new();
    for quote in ['"', '\''] {
        for dir in MACHINE_LOCAL {
            let opening = format!("{quote}/{dir}");
            for (at, _) in line.match_indices(&opening) {
                let rest = &line[at + opening.len()..];
                if rest.starts_with(['/', quote]) || rest.is_empty() {
                    found.push(format!("/{dir}{}", rest.split(quote).next().unwrap_or("")));
                }
            }
        }
    }
    found
}

#[test]
fn no_source_or_test_names_a_path_on_one_machine() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut offenders = Vec::new();
    for dir in ["src", "tests"] {
        for file in files(&root.join(dir), &["rs", "cp", "toml", "sh"]) {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            for (number, line) in text.lines().enumerate() {
                for path in machine_local_paths(line) {
                    let name = file.strip_prefix(root).unwrap_or(&file).display();
                    offenders.push(format!("{name}:{}: {path}", number + 1));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "absolute paths that exist on one machine only (use a temporary directory, or a path \
         relative to CARGO_MANIFEST_DIR):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_tidy_rule_sees_quoted_machine_paths_and_nothing_else() {
    let tmp = format!("\"/{}/scratch/brief.cp\"", "tmp");
    assert_eq!(
        machine_local_paths(&format!("read({tmp})")),
        [format!("/{}/scratch/brief.cp", "tmp")]
    );
    assert_eq!(machine_local_paths(&format!("x = '/{}'", "work")).len(), 1);
    assert!(machine_local_paths("read(\"/etc/passwd\")").is_empty());
    assert!(machine_local_paths("read(\"/dev/null\")").is_empty());
    assert!(machine_local_paths(&format!("\"/{}less/x\"", "tmp")).is_empty());
    assert!(machine_local_paths("let x = a / tmp / b;").is_empty());
}

// ---------------------------------------------------------------------------------------
// Layering: dependencies point down the pipeline.

/// Stands for every module of the foundation in `MAY_IMPORT`.
const FOUNDATION: &str = "foundation";

/// The foundation: vocabulary and helpers every stage may use.
const FOUNDATION_MODULES: &[&str] = &[
    "source",
    "bucket",
    "diagnostics",
    "time",
    "hash",
    "graph",
    "parallel",
    "timing",
    "pattern",
    "confine",
    "STACK_SIZE",
];

/// Each top-level module of `src/` and the modules it may import (through `crate::`, or a
/// `super::` that climbs out of its folder), bottom to top. Derived from the code: what a
/// module does not import today it may not start importing without changing this table.
/// `session` is the library's facade over `project` and the stages; the shells (`serve`,
/// `cli`) sit on it.
const MAY_IMPORT: &[(&str, &[&str])] = &[
    ("source", &[]),
    ("diagnostics", &["source"]),
    ("time", &[]),
    ("hash", &[]),
    ("graph", &[]),
    ("parallel", &["STACK_SIZE", "timing"]),
    ("timing", &[]),
    ("pattern", &[]),
    ("bucket", &[]),
    ("confine", &["source", "diagnostics"]),
    ("ir", &[FOUNDATION]),
    ("syntax", &[FOUNDATION, "ir"]),
    ("check", &[FOUNDATION, "ir", "syntax"]),
    ("data", &[FOUNDATION, "ir"]),
    ("compile", &[FOUNDATION, "ir"]),
    ("eval", &[FOUNDATION, "ir", "compile"]),
    ("runtime", &[FOUNDATION, "ir", "compile", "data", "eval"]),
    ("report", &[FOUNDATION, "ir", "compile", "eval", "runtime"]),
    (
        "project",
        &[
            FOUNDATION, "ir", "syntax", "check", "data", "compile", "eval", "runtime", "report",
        ],
    ),
    (
        "session",
        &[
            FOUNDATION, "ir", "syntax", "check", "data", "compile", "eval", "runtime", "report", "project",
        ],
    ),
    (
        "serve",
        &[
            FOUNDATION, "ir", "syntax", "check", "data", "compile", "eval", "runtime", "report", "project", "session",
        ],
    ),
    (
        "cli",
        &[
            FOUNDATION, "ir", "syntax", "check", "data", "compile", "eval", "runtime", "report", "project", "session",
            "serve",
        ],
    ),
];

/// Whether `module` may import `target`, by `MAY_IMPORT`; `None` if `module` is not in it.
fn may_import(module: &str, target: &str) -> Option<bool> {
    let (_, allowed) = MAY_IMPORT.iter().find(|(name, _)| *name == module)?;
    let foundation = allowed.contains(&FOUNDATION) && FOUNDATION_MODULES.contains(&target);
    Some(module == target || foundation || allowed.contains(&target))
}

/// The module path of a file under `src/` (`data/json/typed.rs` is `data::json::typed`,
/// `data/mod.rs` is `data`); empty for the crate roots.
fn module_path(relative: &Path) -> Vec<String> {
    let mut path: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = path.pop() {
        let stem = last.trim_end_matches(".rs");
        if !matches!(stem, "mod" | "lib" | "main") {
            path.push(stem.to_string());
        }
    }
    path
}

/// The identifier at the start of `text`.
fn leading_ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The top-level modules a file's code names, each with its line number: `crate::X`, and
/// `super::…::X` where the `super`s climb to the crate root. `path` is the file's module
/// path; an inline `mod x {` (in practice `mod tests`) is one level deeper to the end of
/// the file. Comments are skipped: a doc link is no dependency.
fn imported_modules(path: &[String], text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut depth = path.len();
    for (number, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let words: Vec<&str> = code.split_whitespace().collect();
        if let Some(at) = words.iter().position(|w| *w == "mod")
            && words.get(at + 2) == Some(&"{")
        {
            depth += 1;
        }
        for (at, _) in line.match_indices("crate::") {
            let before = line[..at].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            found.push((number + 1, leading_ident(&line[at + "crate::".len()..]).to_string()));
        }
        for (at, _) in line.match_indices("super::") {
            if line[..at].ends_with("super::") || line[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            {
                continue;
            }
            let rest = &line[at..];
            let climbs = rest.split("::").take_while(|part| *part == "super").count();
            if climbs == depth {
                let target = rest.split("::").nth(climbs).map(leading_ident).unwrap_or("");
                if !target.is_empty() && target != "*" {
                    found.push((number + 1, target.to_string()));
                }
            }
        }
    }
    found
}

/// The imports of one file that `MAY_IMPORT` does not allow, as `file:line: a imports b`.
fn layering_offenders(relative: &Path, text: &str) -> Vec<String> {
    let path = module_path(relative);
    let Some(module) = path.first() else {
        return Vec::new();
    };
    let name = relative.display();
    if may_import(module, module).is_none() {
        return vec![format!(
            "src/{name}: `{module}` is not in the layering table `MAY_IMPORT`"
        )];
    }
    imported_modules(&path, text)
        .into_iter()
        .filter(|(_, target)| may_import(module, target) == Some(false))
        .map(|(line, target)| format!("src/{name}:{line}: `{module}` imports `{target}`"))
        .collect()
}

#[test]
fn every_module_imports_only_the_modules_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    for file in files(&src, &["rs"]) {
        let text = std::fs::read_to_string(&file).unwrap();
        offenders.extend(layering_offenders(file.strip_prefix(&src).unwrap(), &text));
    }
    assert!(
        offenders.is_empty(),
        "imports against the layering (a module may import only those below it; see \
         `MAY_IMPORT` in tests/architecture.rs and docs/architecture.md):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_layering_rule_sees_crate_paths_and_super_paths_that_climb_out() {
    let eval = Path::new("eval/expr.rs");
    let text = "//! Doc naming [`crate::cli`].\n\
                use crate::ir::Expr;\n\
                use crate::syntax::ast;\n\
                fn f() { crate::report::render(); }\n\
                use super::ops;\n\
                use super::super::project::Project;\n\
                pub(crate) fn g() {}\n\
                #[cfg(test)]\n\
                mod tests {\n\
                    use super::super::ops;\n\
                    use super::super::super::cli::main;\n\
                }\n";
    assert_eq!(
        layering_offenders(eval, text),
        [
            "src/eval/expr.rs:3: `eval` imports `syntax`",
            "src/eval/expr.rs:4: `eval` imports `report`",
            "src/eval/expr.rs:6: `eval` imports `project`",
            "src/eval/expr.rs:11: `eval` imports `cli`",
        ]
    );
    assert_eq!(
        layering_offenders(Path::new("source/mod.rs"), "use crate::diagnostics::Diagnostic;\n"),
        ["src/source/mod.rs:1: `source` imports `diagnostics`"]
    );
    assert!(layering_offenders(Path::new("cli/mod.rs"), "use crate::session::Session;\n").is_empty());
    assert!(layering_offenders(Path::new("graph.rs"), "use crate::STACK_SIZE;\n").len() == 1);
    assert_eq!(
        layering_offenders(Path::new("server/mod.rs"), ""),
        ["src/server/mod.rs: `server` is not in the layering table `MAY_IMPORT`"]
    );
    assert!(layering_offenders(Path::new("lib.rs"), "pub use crate::cli::main;\n").is_empty());
}

#[test]
fn nothing_but_the_command_line_imports_it() {
    for (module, _) in MAY_IMPORT {
        assert_eq!(may_import(module, "cli"), Some(*module == "cli"), "{module}");
    }
}

// ---------------------------------------------------------------------------------------
// Every file says what it is for.

/// Whether a file starts with its `//!` line, after any inner attributes (`#![...]`).
fn starts_with_module_doc(text: &str) -> bool {
    let mut in_attribute = false;
    for line in text.lines() {
        let line = line.trim_end();
        if in_attribute || line.starts_with("#![") {
            in_attribute = !line.ends_with(']');
            continue;
        }
        return line.starts_with("//!");
    }
    false
}

#[test]
fn every_rust_file_starts_with_its_module_doc() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut offenders = Vec::new();
    for dir in ["src", "tests"] {
        for file in files(&root.join(dir), &["rs"]) {
            if !starts_with_module_doc(&std::fs::read_to_string(&file).unwrap()) {
                offenders.push(file.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "files without a `//!` line saying what they are for (first line, or after `#![...]`):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_module_doc_rule_allows_inner_attributes_first() {
    assert!(starts_with_module_doc("//! Doc.\nfn f() {}\n"));
    assert!(starts_with_module_doc("#![allow(clippy::panic)]\n//! Doc.\n"));
    assert!(starts_with_module_doc("#![allow(\n    clippy::panic,\n)]\n//! Doc.\n"));
    assert!(!starts_with_module_doc("use std::fs;\n//! Doc.\n"));
    assert!(!starts_with_module_doc("// A plain comment.\n"));
    assert!(!starts_with_module_doc(""));
}

// ---------------------------------------------------------------------------------------
// One list of reserved words.

fn read(relative: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)).unwrap()
}

/// The text of a double-quoted literal, for each one in `text`.
fn quoted(text: &str) -> Vec<&str> {
    text.split('"').skip(1).step_by(2).collect()
}

/// The words of `pub const RESERVED: &[&str] = &[ ... ];` in `syntax/errors.rs`.
fn reserved_in_errors(errors_rs: &str) -> BTreeSet<String> {
    let start = errors_rs
        .find("const RESERVED")
        .expect("`const RESERVED` in src/syntax/errors.rs");
    let list = &errors_rs[start..];
    let list = &list[..list.find("];").unwrap()];
    quoted(list).into_iter().map(str::to_string).collect()
}

/// The words the grammar's `reserved` rule accepts. It groups them by first letter:
/// `'c'..'c' ~ ("onst" | "onnector")` is `const` and `connector`.
fn reserved_in_grammar_rule(grammar: &str) -> BTreeSet<String> {
    let start = grammar
        .find("\nreserved = ")
        .expect("a `reserved` rule in grammar/cpl.pest");
    let rule = &grammar[start..];
    let rule = &rule[..rule.find("\n}").unwrap()];
    let mut words = BTreeSet::new();
    for line in rule.lines() {
        let line = line.trim_start_matches(|c: char| c.is_whitespace() || c == '|' || c == '(');
        let Some((letter, rest)) = line.strip_prefix('\'').and_then(|l| l.split_once('\'')) else {
            continue;
        };
        if !rest.starts_with("..") {
            continue;
        }
        let tail = &rest[rest.find('~').map_or(rest.len(), |at| at + 1)..];
        for suffix in quoted(tail) {
            words.insert(format!("{letter}{suffix}"));
        }
    }
    words
}

/// The words of the grammar's keyword rules (`k_let = @{ "let" ~ !ident_char }`), split into
/// reserved and contextual: a keyword is contextual after the `// Contextual keywords`
/// heading, or where its line says so.
fn keyword_rules(grammar: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut reserved, mut contextual) = (BTreeSet::new(), BTreeSet::new());
    let mut in_contextual = false;
    for line in grammar.lines() {
        if line.starts_with("// Contextual keywords") {
            in_contextual = true;
        }
        if !line.starts_with("k_") {
            continue;
        }
        let Some(word) = quoted(line).first().map(|w| w.to_string()) else {
            continue;
        };
        if in_contextual || line.contains("contextual") {
            contextual.insert(word);
        } else {
            reserved.insert(word);
        }
    }
    (reserved, contextual)
}

/// The reserved words `docs/language.md` lists: the backquoted run after **Reserved words**.
fn reserved_in_language_doc(doc: &str) -> BTreeSet<String> {
    let start = doc
        .find("**Reserved words**")
        .expect("a **Reserved words** entry in docs/language.md");
    let list = doc[start..].split('`').nth(1).unwrap();
    list.split_whitespace().map(str::to_string).collect()
}

/// The words in one set and not the other, both ways, as a message; empty if they agree.
fn disagreement(a_name: &str, a: &BTreeSet<String>, b_name: &str, b: &BTreeSet<String>) -> String {
    let only_a: Vec<_> = a.difference(b).collect();
    let only_b: Vec<_> = b.difference(a).collect();
    if only_a.is_empty() && only_b.is_empty() {
        return String::new();
    }
    format!("only in {a_name}: {only_a:?}; only in {b_name}: {only_b:?}\n")
}

#[test]
fn the_reserved_words_agree_in_the_parser_the_grammar_and_the_docs() {
    let errors = reserved_in_errors(&read("src/syntax/errors.rs"));
    let grammar = read("grammar/cpl.pest");
    let rule = reserved_in_grammar_rule(&grammar);
    let (keywords, contextual) = keyword_rules(&grammar);
    let doc = reserved_in_language_doc(&read("docs/language.md"));
    let mut problems = String::new();
    problems += &disagreement("syntax/errors.rs RESERVED", &errors, "cpl.pest `reserved`", &rule);
    problems += &disagreement(
        "syntax/errors.rs RESERVED",
        &errors,
        "cpl.pest reserved `k_*` rules",
        &keywords,
    );
    problems += &disagreement("syntax/errors.rs RESERVED", &errors, "docs/language.md", &doc);
    let both: Vec<_> = contextual.intersection(&errors).collect();
    if !both.is_empty() {
        problems += &format!("contextual keywords that are also reserved: {both:?}\n");
    }
    assert!(errors.len() > 20, "the reserved words were not found: {errors:?}");
    assert!(problems.is_empty(), "the lists of reserved words disagree:\n{problems}");
}

#[test]
fn the_reserved_word_readers_read_each_list() {
    let errors = "pub const RESERVED: &[&str] = &[\n    \"let\",\n    \"in\",\n];\nconst X: &[&str] = &[\"no\"];";
    let grammar = "x = { a }\nreserved = @{\n    ( 'l'..'l' ~ \"et\"\n    | 'i'..'i' ~ (\"n\" | \"f\")\n    ) ~ !ident_char\n}\n\
                   k_let = @{ \"let\" ~ !ident_char }\nk_in = @{ \"in\" ~ !ident_char }  // contextual: here\n\
                   // Contextual keywords: keywords only where they are written.\nk_key = @{ \"key\" ~ !ident_char }\n";
    let set = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(reserved_in_errors(errors), set(&["let", "in"]));
    assert_eq!(reserved_in_grammar_rule(grammar), set(&["let", "in", "if"]));
    assert_eq!(keyword_rules(grammar), (set(&["let"]), set(&["in", "key"])));
    assert_eq!(
        reserved_in_language_doc("- **Reserved words** are:\n  `let\n  in` and more `x`"),
        set(&["let", "in"])
    );
    assert_eq!(
        disagreement("a", &set(&["let", "in"]), "b", &set(&["let", "if"])),
        "only in a: [\"in\"]; only in b: [\"if\"]\n"
    );
}

// ---------------------------------------------------------------------------------------
// A test reads the repository, `../shared` and its own temporary directories, nothing else.

/// How a test names the repository's root; a path after it may climb out only to `../shared`.
const MANIFEST_DIR: &str = "CARGO_MANIFEST_DIR";

/// Ways of reaching a user's home directory (spelt in two halves so this file does not
/// match itself).
fn home_directory_spellings() -> [String; 4] {
    [
        ["home", "_dir("].concat(),
        ["var(\"", "HOME\")"].concat(),
        ["env!(\"", "HOME\")"].concat(),
        ["\"~", "/"].concat(),
    ]
}

/// The ways `line` reaches outside the repository, `../shared` and temporary directories:
/// a path after `CARGO_MANIFEST_DIR` (on this line or one of the two before, where a
/// `concat!` is split) that climbs to anything but `../shared`, a `.parent()` of the root,
/// `../shared` relative to the working directory rather than the root, or the home directory.
fn paths_outside_the_repository(line: &str, after_manifest_dir: bool) -> Vec<String> {
    let mut found = Vec::new();
    let from_root = after_manifest_dir || line.contains(MANIFEST_DIR);
    for literal in quoted(line) {
        let path = literal.strip_prefix('/').unwrap_or(literal);
        let climbs = path.split('/').take_while(|part| *part == "..").count();
        let into_shared = climbs == 1 && path.split('/').nth(1) == Some("shared");
        if from_root && climbs > 0 && !into_shared {
            found.push(format!("{literal} (climbs out of the repository)"));
        } else if !from_root && into_shared {
            found.push(format!(
                "{literal} (relative to the working directory: start from {MANIFEST_DIR})"
            ));
        }
    }
    if line.contains(MANIFEST_DIR) && line.contains(".parent()") {
        found.push(format!("the parent of {MANIFEST_DIR}"));
    }
    for spelling in home_directory_spellings() {
        if line.contains(&spelling) {
            found.push(format!("{spelling} (the home directory)"));
        }
    }
    found
}

#[test]
fn no_test_reads_outside_the_repository_shared_and_temporary_directories() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut offenders = Vec::new();
    for dir in ["src", "tests"] {
        for file in files(&root.join(dir), &["rs"]) {
            let text = std::fs::read_to_string(&file).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (number, line) in lines.iter().enumerate() {
                let recent = &lines[number.saturating_sub(2)..number];
                let after_manifest_dir = recent.iter().any(|l| l.contains(MANIFEST_DIR));
                for path in paths_outside_the_repository(line, after_manifest_dir) {
                    let name = file.strip_prefix(root).unwrap().display();
                    offenders.push(format!("{name}:{}: {path}", number + 1));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "paths outside the repository, `../shared` (from {MANIFEST_DIR}) and temporary directories:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_outside_rule_allows_the_root_shared_and_relative_paths_inside_a_project() {
    let root = format!("env!(\"{MANIFEST_DIR}\")");
    let shared = format!("concat!({root}, \"/../{}/bench/fleet\")", "shared");
    assert!(paths_outside_the_repository(&shared, false).is_empty());
    assert!(paths_outside_the_repository(&format!("Path::new({root}).join(\"examples/x\")"), false).is_empty());
    assert!(paths_outside_the_repository(&format!("\"/../{}/spec\"", "shared"), true).is_empty());
    // A project's own relative path (confinement tests write it inside a temporary project).
    assert!(paths_outside_the_repository(&format!("runlog = \"../{}/runs.db\"", "outside"), false).is_empty());

    let sibling = format!("concat!({root}, \"/../{}/x\")", "main");
    assert_eq!(paths_outside_the_repository(&sibling, false).len(), 1);
    assert_eq!(
        paths_outside_the_repository(&format!("\"/../../{}\"", "shared"), true).len(),
        1
    );
    assert_eq!(
        paths_outside_the_repository(&format!("Path::new({root}).parent()"), false).len(),
        1
    );
    assert_eq!(
        paths_outside_the_repository(&format!("read(\"../{}/spec\")", "shared"), false).len(),
        1
    );
    assert_eq!(
        paths_outside_the_repository(&home_directory_spellings()[0], false).len(),
        1
    );
}

// ---------------------------------------------------------------------------------------
// Invariants are written where they hold and checked by a named test.

/// How far below its `// INVARIANT:` line the code it describes may start.
const INVARIANT_REACH: usize = 8;

/// The `// INVARIANT:` comments not followed by code within `INVARIANT_REACH` lines (the
/// rest of the comment, then a line of code: not blank, not a closing brace), by line.
fn invariants_without_code(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut found = Vec::new();
    for (number, line) in lines.iter().enumerate() {
        if !line.starts_with("// INVARIANT:") {
            continue;
        }
        let next_code = lines
            .iter()
            .skip(number + 1)
            .take(INVARIANT_REACH)
            .find(|l| !l.starts_with("//"));
        if !next_code.is_some_and(|l| !l.is_empty() && !l.starts_with('}')) {
            found.push(number + 1);
        }
    }
    found
}

#[test]
fn every_invariant_comment_stands_above_the_code_that_relies_on_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut offenders = Vec::new();
    for dir in ["src", "tests"] {
        for file in files(&root.join(dir), &["rs"]) {
            for line in invariants_without_code(&std::fs::read_to_string(&file).unwrap()) {
                offenders.push(format!("{}:{line}", file.strip_prefix(root).unwrap().display()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "`// INVARIANT:` comments with no code after them (put each right above the code that \
         relies on it):\n{}",
        offenders.join("\n")
    );
}

/// The tests an invariant names: backquoted `tests/…` or `src/…` paths, each optionally
/// followed by `::name` of a test function in that file.
fn named_tests(paragraph: &str) -> Vec<&str> {
    paragraph
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|quoted| quoted.starts_with("tests/") || quoted.starts_with("src/"))
        .collect()
}

/// Whether a named test exists under `root`: the file (or folder), and the function in it.
fn test_exists(root: &Path, named: &str) -> bool {
    let (path, function) = match named.split_once("::") {
        Some((path, function)) => (path, Some(function)),
        None => (named, None),
    };
    let Ok(text) = std::fs::read_to_string(root.join(path)) else {
        return function.is_none() && root.join(path).is_dir();
    };
    function.is_none_or(|name| text.contains(&format!("fn {name}(")))
}

/// The invariants of `docs/architecture.md` (paragraphs that begin `**Invariant`) that name
/// no test, or name one that does not exist, with the paragraph's first words.
fn invariants_without_tests(doc: &str, root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for paragraph in doc.split("\n\n").filter(|p| p.trim_start().starts_with("**Invariant")) {
        let opening: String = paragraph.trim().chars().take(70).collect();
        let named = named_tests(paragraph);
        if named.is_empty() {
            found.push(format!("{opening}…: names no test"));
        }
        for missing in named.into_iter().filter(|named| !test_exists(root, named)) {
            found.push(format!("{opening}…: `{missing}` does not exist"));
        }
    }
    found
}

#[test]
fn every_invariant_of_the_architecture_names_a_test_that_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let offenders = invariants_without_tests(&read("docs/architecture.md"), root);
    assert!(
        offenders.is_empty(),
        "invariants in docs/architecture.md must name the test that checks them \
         (`tests/file.rs::test_name`):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_invariant_rules_see_comments_without_code_and_tests_that_do_not_exist() {
    let text = "// INVARIANT: ids are indexes.\n// More.\nlet x = v.get(id);\n\
                // INVARIANT: dangling.\n\n\
                fn f() {\n    // INVARIANT: last.\n}\n";
    assert_eq!(invariants_without_code(text), [4, 7]);

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let here = "tests/architecture.rs::the_invariant_rules_see_comments_without_code_and_tests_that_do_not_exist";
    let doc = format!(
        "# A\n\n**Invariant:** checked (`{here}`, `tests/ui/`).\n\n\
         **Invariants:** unchecked.\n\n**Invariant:** gone (`tests/architecture.rs::no_such_test`).\n"
    );
    let found = invariants_without_tests(&doc, root);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].ends_with("names no test"), "{found:?}");
    assert!(
        found[1].ends_with("`tests/architecture.rs::no_such_test` does not exist"),
        "{found:?}"
    );
}

// ---------------------------------------------------------------------------------------
// The stages are pure.

/// The stages, which take text and values and return results: the world reaches them
/// only through what their callers pass in (the `SourceMap`, loaded values, `eval::Host`).
const PURE_STAGES: &[&str] = &["ir", "syntax", "check", "data", "compile", "eval"];

/// Ways of reaching files, the environment, processes or the clock (spelt in two halves so
/// this file does not match itself).
fn impure_spellings() -> [String; 6] {
    [
        ["std::", "fs"].concat(),
        ["std::", "env::"].concat(),
        ["std::", "process"].concat(),
        ["Timestamp::", "now("].concat(),
        ["SystemTime::", "now("].concat(),
        ["File::", "open("].concat(),
    ]
}

/// The impure calls `text` names outside comments, by line.
fn impure_calls(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for spelling in impure_spellings() {
            if line.contains(&spelling) {
                found.push((number + 1, spelling));
            }
        }
    }
    found
}

#[test]
fn the_stages_do_no_io_and_read_no_clock() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offenders = Vec::new();
    for stage in PURE_STAGES {
        for file in files(&src.join(stage), &["rs"]) {
            for (line, call) in impure_calls(&std::fs::read_to_string(&file).unwrap()) {
                offenders.push(format!("{}:{line}: {call}", file.strip_prefix(&src).unwrap().display()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "the stages ({PURE_STAGES:?}) reach the world only through what they are given \
         (the SourceMap, the host):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_purity_rule_sees_files_the_environment_and_the_clock() {
    let text = format!(
        "// {}\nlet t = jiff::{});\nlet v = {}var(\"X\");\nlet ok = self.host.now();\n",
        impure_spellings()[0],
        impure_spellings()[3],
        impure_spellings()[1],
    );
    let found: Vec<usize> = impure_calls(&text).into_iter().map(|(line, _)| line).collect();
    assert_eq!(found, [2, 3]);
}
