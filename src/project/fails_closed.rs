//! A chunk of work in parts that fails is an internal error (`E0509`) and what needed
//! it fails closed: a data document is not loaded, a decision is not allowed. The chunks
//! fail by [`crate::parallel::failing_chunk`]; here, above every stage, a program can be
//! checked from text and then loaded and evaluated.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::num::NonZeroUsize;

use crate::check::{CheckOptions, check_with};
use crate::data::{Limits, Loader, Split};
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::{Env, FixedHost, Outcome};
use crate::ir::{PolicyId, Program, Value};
use crate::parallel::{Chunking, Jobs, failing_chunk};
use crate::source::{FileKind, SourceMap};

/// The program of `text`, which must check.
fn program(sources: &mut SourceMap, text: &str) -> Program {
    let file = sources.add("main.cp", None, FileKind::Cpl, text);
    let parsed = crate::syntax::parse_file(file, text);
    let options = CheckOptions {
        now: jiff::Timestamp::UNIX_EPOCH,
        jobs: Jobs::ONE,
    };
    let (checked, _) = check_with(&[parsed.module], sources, &options, None);
    assert!(!checked.diagnostics.has_errors(), "{:?}", checked.diagnostics);
    checked.program
}

/// Chunks of three, on two threads.
fn threes() -> (Chunking, Jobs) {
    (Chunking::every(NonZeroUsize::new(3).unwrap()), Jobs::new(2).unwrap())
}

const TOOLS: &str =
    "entity tool {\n  key name: string\n}\ntype doc = { tools: [tool] }\nsource tool_doc: doc = \"doc.json\"\n";

/// A document of ten tools, its list cut in chunks of three on two threads, with chunk
/// `fail` failing if given.
fn load_tools(fail: Option<usize>) -> (Option<Value>, Vec<Diagnostic>) {
    let mut sources = SourceMap::new();
    let program = program(&mut sources, TOOLS);
    let tools: Vec<String> = (0..10).map(|i| format!("{{\"name\": \"tool-{i}\"}}")).collect();
    let text = format!("{{\"tools\": [{}]}}", tools.join(", "));
    let file = sources.add("doc.json", None, FileKind::Json, text);
    let (chunking, jobs) = threes();
    let limits = Limits {
        jobs,
        split: Split {
            min_document_bytes: 0,
            chunking,
        },
        ..Limits::default()
    };
    let ty = program.sources[0].ty.clone();
    let mut loader = Loader::new(&program, &sources, &crate::ir::NoConstraints).with_limits(limits);
    let mut diags = Vec::new();
    let mut load = || loader.load_document(file, &ty, "tool_doc", &mut diags);
    let value = match fail {
        Some(chunk) => failing_chunk(chunk, load),
        None => load(),
    };
    (value, diags)
}

#[test]
fn a_list_with_a_chunk_that_fails_is_an_internal_error_not_a_shorter_list() {
    let (value, diags) = load_tools(None);
    assert!(diags.is_empty(), "{diags:?}");
    let tools = match value {
        Some(Value::Record(doc)) => doc.fields[0].clone(),
        other => panic!("{other:?}"),
    };
    assert!(matches!(tools, Value::List(list) if list.items.len() == 10));
    for chunk in 0..4 {
        let (value, diags) = load_tools(Some(chunk));
        assert!(value.is_none(), "chunk {chunk}: {value:?}");
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, Code::InternalError);
        assert!(
            diags[0].message.contains(&format!("part {}", chunk + 1)),
            "{}",
            diags[0].message
        );
        assert!(diags[0].primary.is_some());
    }
}

/// A `for` and a comprehension over the same list, and a `for` alone.
const POLICIES: &str = "policy p(xs: [int]) {\n  let ys = [x for x in xs]\n  for x in xs\n  deny when x < 0\n  deny when len(ys) != len(xs)\n}\n\npolicy q(xs: [int]) {\n  for x in xs\n  deny when x < 0\n}\n";

/// The outcome, whether it allows, and the error codes of policy `policy` over `0..10`,
/// its loops cut in chunks of three on two threads, with chunk `fail` failing if given.
fn decide(policy: u32, fail: Option<usize>) -> (Outcome, bool, Vec<Code>) {
    let mut sources = SourceMap::new();
    let program = program(&mut sources, POLICIES);
    let host = FixedHost::default();
    let (chunking, jobs) = threes();
    let env = Env::new(&program, &sources, &[], &host)
        .with_jobs(jobs)
        .with_chunking(chunking);
    let args = [("xs".into(), Value::list((0..10).map(Value::Int).collect()))];
    let decide = || env.decide(PolicyId(policy), &args);
    let decision = match fail {
        Some(chunk) => failing_chunk(chunk, decide),
        None => decide(),
    };
    let codes = decision.errors.iter().map(|f| f.error.code).collect();
    (decision.outcome, decision.allowed(), codes)
}

#[test]
fn a_loop_with_a_chunk_that_fails_is_an_internal_error_and_not_allowed() {
    assert_eq!(decide(0, None), (Outcome::Allow, true, vec![]));
    assert_eq!(decide(1, None), (Outcome::Allow, true, vec![]));
    for policy in [0, 1] {
        for chunk in 0..4 {
            let (outcome, allowed, codes) = decide(policy, Some(chunk));
            assert_eq!(outcome, Outcome::Indeterminate, "{policy} {chunk}");
            assert!(!allowed);
            assert_eq!(codes, vec![Code::InternalError]);
        }
    }
}

#[test]
fn a_file_whose_parse_fails_is_an_internal_error_of_the_project() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a", "b", "c"] {
        std::fs::write(
            dir.path().join(format!("{name}.cp")),
            format!("const {} = 1\n", name.to_uppercase()),
        )
        .unwrap();
    }
    let options = CheckOptions {
        now: jiff::Timestamp::UNIX_EPOCH,
        jobs: Jobs::new(2).unwrap(),
    };
    let whole = super::Project::load(dir.path(), &options);
    assert!(!whole.diagnostics.has_errors(), "{:?}", whole.diagnostics);
    for chunk in 0..3 {
        let project = failing_chunk(chunk, || super::Project::load(dir.path(), &options));
        let internal: Vec<_> = project
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::InternalError)
            .collect();
        assert_eq!(internal.len(), 1, "{:?}", project.diagnostics);
        let file = internal[0]
            .primary
            .as_ref()
            .map(|label| project.sources.name(label.span.file));
        assert_eq!(file, Some(["a.cp", "b.cp", "c.cp"][chunk]), "{:?}", internal[0]);
    }
}
