//! Property tests: on any input, parsing, checking and evaluating report problems as
//! diagnostics and never panic — on a test thread's small stack, too. Loading any bytes
//! as data is among the data tests (`tests/data/robust.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use proptest::prelude::*;

use cpl::check::{CheckOptions, check_with};
use std::num::NonZeroUsize;

use cpl::eval::{Env, FixedHost, LOOP_CHUNKING, new_frame};
use cpl::ir::Value;
use cpl::parallel::{Chunking, Jobs};
use cpl::source::{FileId, FileKind, SourceMap};

/// Pieces of the language, so generated text reaches deep into the grammar.
const TOKENS: &[&str] = &[
    "entity",
    "type",
    "source",
    "const",
    "fn",
    "policy",
    "gate",
    "waiver",
    "connector",
    "workflow",
    "flag",
    "config",
    "slo",
    "test",
    "context",
    "environments",
    "let",
    "for",
    "in",
    "if",
    "then",
    "else",
    "any",
    "all",
    "and",
    "or",
    "not",
    "as",
    "matches",
    "true",
    "false",
    "null",
    "deny",
    "warn",
    "require",
    "when",
    "key",
    "level",
    "hard",
    "soft",
    "input",
    "step",
    "retry",
    "timeout",
    "always",
    "after",
    "policies",
    "x",
    "y",
    "agents",
    "a",
    "len",
    "sum",
    "min",
    "join",
    "digest",
    "int",
    "string",
    "float",
    "json",
    "ref",
    "map",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ":",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "=>",
    "->",
    "+",
    "-",
    "*",
    "/",
    "%",
    "?",
    "?.",
    "??",
    ".",
    "...",
    "|",
    "1",
    "0",
    "-1",
    "9223372036854775807",
    "0.5",
    "25%",
    "30s",
    "2027-03-31",
    "\"s\"",
    "\"{x}\"",
    "r\"raw\"",
    "\"\\q\"",
    "\"",
    "/*",
    "*/",
    "//",
    "\n",
    " ",
    "\t",
    "é",
    "\u{0}",
];

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..120).prop_map(|t| t.join(" "))
}

fn parse_and_check(text: &str) {
    let mut sources = SourceMap::new();
    let file = sources.add("fuzz.cp", None, FileKind::Cpl, text);
    let parsed = cpl::syntax::parse_file(file, text);
    let options = CheckOptions {
        now: jiff::Timestamp::UNIX_EPOCH,
        jobs: cpl::parallel::Jobs::ONE,
    };
    let _ = check_with(&[parsed.module], &sources, &options, None);
}

/// Parses, checks and (when it checks) evaluates an expression in an empty project.
fn evaluate(text: &str) {
    let mut sources = SourceMap::new();
    let file = sources.add("<expression>", None, FileKind::CommandLine, text);
    let (expr, problems) = cpl::syntax::parse_expression(file, text);
    let options = CheckOptions {
        now: jiff::Timestamp::UNIX_EPOCH,
        jobs: cpl::parallel::Jobs::ONE,
    };
    let (checked, expression) = check_with(&[], &sources, &options, Some(&expr));
    let Some((expression, expr_problems)) = expression else {
        return;
    };
    if !problems.is_empty() || expr_problems.has_errors() {
        return;
    }
    let host = FixedHost::default();
    let data = [];
    let env = Env::new(&checked.program, &sources, &data, &host);
    let mut frame = new_frame(expression.locals);
    let _ = env.eval(&expression.expr, &mut frame);
}

/// A policy whose `for` has a filter that can fail, rules that fire, warn and fail,
/// after comprehensions whose order shows and which fail at `k1` and `k2`.
const PARTS_POLICY: &str = r#"policy cut(xs: [int], k1: int, k2: int) {
  let zs = [x * 3 for x in xs if x % 4 == 1]
  let bad = [[0][x] for x in xs if x == k1 or x == k2]
  for x in xs if 10 / (x % 17) > 0
  deny when x == 1 => "{zs} {bad}"
  deny when x % 5 == 0 => "{x} is a multiple of five"
  warn when x % 11 == 0 => "{x} is a multiple of eleven"
  deny when 100 / (x % 13) > 50 => "{x} is just above a multiple of thirteen"
}
"#;

/// The decision of `cut` over `0..n`, evaluated with each of `cuts` (how its loops are
/// cut, on how many threads), as text.
fn decide_with_cuts(n: i64, (k1, k2): (i64, i64), cuts: &[(Chunking, Jobs)]) -> Vec<String> {
    let mut sources = SourceMap::new();
    let file = sources.add("cut.cp", None, FileKind::Cpl, PARTS_POLICY);
    let parsed = cpl::syntax::parse_file(file, PARTS_POLICY);
    let options = CheckOptions {
        now: jiff::Timestamp::UNIX_EPOCH,
        jobs: Jobs::ONE,
    };
    let (checked, _) = check_with(&[parsed.module], &sources, &options, None);
    let host = FixedHost::default();
    cuts.iter()
        .map(|&(chunking, jobs)| {
            let env = Env::new(&checked.program, &sources, &[], &host)
                .with_chunking(chunking)
                .with_jobs(jobs);
            decision_text(&env, n, (k1, k2))
        })
        .collect()
}

fn decision_text(env: &Env<'_>, n: i64, (k1, k2): (i64, i64)) -> String {
    let xs = Value::list((0..n).map(Value::Int).collect());
    let args = [
        ("xs".into(), xs),
        ("k1".into(), Value::Int(k1)),
        ("k2".into(), Value::Int(k2)),
    ];
    let decision = env.decide(cpl::ir::PolicyId(0), &args);
    let line = |v: &cpl::eval::Violation| format!("{:?} {} {:?}", v.kind, v.message, v.subject);
    format!(
        "{:?} {}\n{}\n{}\n{}",
        decision.outcome,
        decision.subjects,
        decision.violations.iter().map(line).collect::<Vec<_>>().join("\n"),
        decision.warnings.iter().map(line).collect::<Vec<_>>().join("\n"),
        decision
            .errors
            .iter()
            .map(|f| f.describe(env))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// Data as a cpl literal and as the JSON it must stay: nulls, bools, ints, floats with a
/// fraction (so the two notations agree), short strings, lists and records.
fn data_literal() -> impl Strategy<Value = (String, serde_json::Value)> {
    let leaf = prop_oneof![
        Just(("null".to_string(), serde_json::Value::Null)),
        any::<bool>().prop_map(|b| (b.to_string(), serde_json::Value::Bool(b))),
        (-1000i64..1000).prop_map(|n| (format!("({n})"), serde_json::Value::from(n))),
        (-1000i64..1000, prop::sample::select(&[0.25, 0.5, 0.75][..])).prop_map(|(n, f)| {
            let x = n as f64 + f;
            (format!("({x})"), serde_json::Value::from(x))
        }),
        "[a-z0-9 .]{0,6}".prop_map(|s| (format!("\"{s}\""), serde_json::Value::from(s))),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|items| {
                let text: Vec<String> = items.iter().map(|(t, _)| t.clone()).collect();
                let json = items.into_iter().map(|(_, j)| j).collect();
                (format!("[{}]", text.join(", ")), serde_json::Value::Array(json))
            }),
            prop::collection::btree_map("[a-z]{1,3}", inner, 0..4).prop_map(|fields| {
                let text: Vec<String> = fields.iter().map(|(k, (t, _))| format!("\"{k}\": {t}")).collect();
                let json = fields.into_iter().map(|(k, (_, j))| (k, j)).collect();
                (format!("{{ {} }}", text.join(", ")), serde_json::Value::Object(json))
            }),
        ]
    })
}

/// Types a cast may name. Versions, times and durations are left out: a string is how
/// data writes them, and `as` reads it as one (a new value, not the same string).
const CAST_TARGETS: &[&str] = &[
    "bool",
    "int",
    "float",
    "string",
    "int?",
    "string?",
    "[int]",
    "[string]",
    "[json]",
    "map[int]",
    "{ a: int }",
    "{ a: json? }",
    "json",
];

/// `DOC as T` for `DOC: json` holding `literal`: the value it gives as JSON, or `None` for
/// an evaluation error. Panics if the cast does not check: from `json`, every cast may
/// succeed.
fn cast_json(literal: &str, target: &str) -> Option<serde_json::Value> {
    let project = format!("const DOC: json = {literal}\n");
    let expression = format!("DOC as {target}");
    let mut sources = SourceMap::new();
    let file = sources.add("cast.cp", None, FileKind::Cpl, project.as_str());
    let parsed = cpl::syntax::parse_file(file, &project);
    let expr_file = sources.add("<expression>", None, FileKind::CommandLine, expression.as_str());
    let (expr, problems) = cpl::syntax::parse_expression(expr_file, &expression);
    assert!(problems.is_empty(), "{expression}: {problems:?}");
    let options = CheckOptions {
        now: jiff::Timestamp::UNIX_EPOCH,
        jobs: cpl::parallel::Jobs::ONE,
    };
    let (checked, expression_checked) = check_with(&[parsed.module], &sources, &options, Some(&expr));
    assert!(
        !checked.diagnostics.has_errors(),
        "{project}: {:?}",
        checked.diagnostics
    );
    let (checked_expr, expr_problems) = expression_checked.unwrap();
    assert!(!expr_problems.has_errors(), "{expression}: {expr_problems:?}");
    let host = FixedHost::default();
    let env = Env::new(&checked.program, &sources, &[], &host);
    let mut frame = new_frame(checked_expr.locals);
    env.eval(&checked_expr.expr, &mut frame).ok().map(|v| v.to_json(false))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// `as` checks and never converts: on any data, a cast either fails or gives the
    /// data back unchanged (an int cast to `float` is the same number).
    #[test]
    fn a_cast_of_data_fails_or_returns_it_unchanged(
        (literal, json) in data_literal(),
        target in prop::sample::select(CAST_TARGETS),
    ) {
        if let Some(result) = cast_json(&literal, target) {
            let widened = target.starts_with("float")
                && json.as_i64().is_some_and(|n| result.as_f64() == Some(n as f64));
            prop_assert!(result == json || widened, "`{literal} as {target}` gave {result}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// A `for` or a comprehension evaluated in chunks on several threads decides exactly
    /// as on one: the same violations in the same order, the same first error.
    #[test]
    fn a_decision_does_not_depend_on_how_its_loops_are_cut(
        n in 0..300i64,
        k in (0..400i64, 0..400i64),
        size in 1..40usize,
        jobs in 1..5usize,
    ) {
        let cut = (Chunking::every(NonZeroUsize::new(size).unwrap()), Jobs::new(jobs).unwrap());
        let decisions = decide_with_cuts(n, k, &[(Chunking::WHOLE, Jobs::ONE), cut]);
        prop_assert_eq!(&decisions[1], &decisions[0]);
    }
}

/// Every cut of a list of `n`: chunks of every size from one item to more than `n`, on
/// one to three threads, and one chunk per job for two to four jobs.
fn every_cut(n: usize) -> Vec<(Chunking, Jobs)> {
    let jobs = |j: usize| Jobs::new(j).unwrap();
    let mut cuts = vec![(LOOP_CHUNKING, Jobs::ONE)];
    for size in 1..=n + 1 {
        for j in 1..=3 {
            cuts.push((Chunking::every(NonZeroUsize::new(size).unwrap()), jobs(j)));
        }
    }
    for j in 2..=4 {
        cuts.push((Chunking::per_job_from(0), jobs(j)));
    }
    cuts
}

/// The same, deterministically, for every cut of a few lists: with no error, with an
/// error in a comprehension, and with errors in the `for`'s filter.
#[test]
fn a_decision_is_the_same_for_every_cut() {
    for (n, k) in [
        (0, (0, 0)),
        (1, (5, 5)),
        (2, (1, 1)),
        (7, (9, 9)),
        (18, (16, 3)),
        (40, (50, 50)),
    ] {
        let decisions = decide_with_cuts(n, k, &every_cut(n as usize));
        for (i, decision) in decisions.iter().enumerate() {
            assert_eq!(decision, &decisions[0], "{n} {k:?}: cut {i}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn parsing_and_checking_any_text_never_panics(text in "\\PC{0,300}") {
        parse_and_check(&text);
    }

    #[test]
    fn parsing_and_checking_token_soup_never_panics(text in token_soup()) {
        parse_and_check(&text);
    }

    #[test]
    fn evaluating_any_expression_never_panics(text in token_soup()) {
        evaluate(&text);
    }

    #[test]
    fn arithmetic_never_panics(a in any::<i64>(), b in any::<i64>(), op in prop::sample::select(&["+", "-", "*", "/", "%", "<", "=="][..])) {
        evaluate(&format!("{a} {op} {b}"));
        evaluate(&format!("-({a}) {op} ({b})"));
        evaluate(&format!("[1, 2, 3][{a}]"));
        evaluate(&format!("abs({a})"));
    }
}

/// The deepest inputs the bounds allow go through every stage on a 2 MiB test stack.
#[test]
fn the_deepest_accepted_input_fits_a_small_stack() {
    let depth = cpl::syntax::prescan::MAX_NESTING - 2;
    let nested = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
    evaluate(&nested);
    let lists = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    evaluate(&lists);
    let chain = vec!["1"; (cpl::syntax::MAX_EXPR_DEPTH - 2) as usize].join(" + ");
    evaluate(&chain);
    let nots = format!("{}true", "not ".repeat((cpl::syntax::MAX_EXPR_DEPTH - 2) as usize));
    evaluate(&nots);
    let ifs = format!("{}1{}", "if true then ".repeat(depth), " else 0".repeat(depth));
    evaluate(&ifs);
    parse_and_check(&format!("const A = {nested}\nconst B = {lists}\nconst C = {chain}\n"));
}

/// Deeper than the bounds: a diagnostic, not a crash.
#[test]
fn deeper_than_the_bounds_is_a_diagnostic() {
    let depth = 20_000;
    let text = format!("const A = {}1{}", "(".repeat(depth), ")".repeat(depth));
    let parsed = cpl::syntax::parse_file(FileId::DETACHED, &text);
    assert!(
        parsed
            .diagnostics
            .iter()
            .any(|d| d.code == cpl::diagnostics::Code::NestingTooDeep)
    );
    let text = format!("const A = {}", vec!["1"; 200_000].join(" + "));
    let parsed = cpl::syntax::parse_file(FileId::DETACHED, &text);
    assert!(
        parsed
            .diagnostics
            .iter()
            .any(|d| d.code == cpl::diagnostics::Code::ExpressionTooDeep)
    );
    let text = format!("const A = {}true", "not ".repeat(100_000));
    let parsed = cpl::syntax::parse_file(FileId::DETACHED, &text);
    assert!(!parsed.diagnostics.is_empty());
    let text = format!(
        "const A = {}1{}",
        "if true then ".repeat(50_000),
        " else 0".repeat(50_000)
    );
    let parsed = cpl::syntax::parse_file(FileId::DETACHED, &text);
    assert!(!parsed.diagnostics.is_empty());
    let text = format!("const A = {}true", "any x in [1]: ".repeat(50_000));
    let parsed = cpl::syntax::parse_file(FileId::DETACHED, &text);
    assert!(!parsed.diagnostics.is_empty());
}

/// One line of `len` bytes (cut back to a character boundary) of ASCII mixed with
/// multi-byte characters, between two short lines.
fn long_line_text(len: usize, pattern: &str) -> String {
    let mut line = pattern.repeat(len / pattern.len().max(1) + 1);
    let mut cut = len.min(line.len());
    while !line.is_char_boundary(cut) {
        cut -= 1;
    }
    line.truncate(cut);
    format!("before\n{line}\nafter\n")
}

/// A byte offset at `fraction` (in millionths) of `len`: anywhere, even inside a character.
fn offset_at(len: usize, fraction: u32) -> usize {
    (len as u64 * u64::from(fraction) / 1_000_000) as usize
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Lines up to 1 MB long (a minified JSON document is one line) render without panic,
    /// and every line of the output stays short whatever the spans: each label is shown
    /// in a window of the line, never the whole line.
    #[test]
    fn the_human_renderer_keeps_long_lines_short(
        len in prop_oneof![0..600usize, 0..1_000_000usize],
        pattern in prop::sample::select(&["a", "ab cd ", "é", "日本", "😀x", "\t{\"k\": 1}, "][..]),
        spans in prop::collection::vec((0..=1_000_000u32, 0..2_000u32), 1..4),
        width in prop::sample::select(&[40usize, 100, 300][..]),
    ) {
        let text = long_line_text(len, pattern);
        let mut sources = SourceMap::new();
        let file = sources.add("data.json", None, FileKind::Json, text.clone());
        let mut diagnostic = cpl::diagnostics::Diagnostic::new(cpl::diagnostics::Code::WrongDataType, "wrong");
        for (i, (at, span_len)) in spans.iter().enumerate() {
            // Spans start in the long line (offset 7) or anywhere in the file, even past its end.
            let start = if i % 2 == 0 { 7 + offset_at(len, *at) } else { offset_at(text.len() + 10, *at) };
            let span = cpl::source::Span::new(file, start, start + *span_len as usize);
            diagnostic = if i == 0 { diagnostic.at(span, "here") } else { diagnostic.with_label(span, "and here") };
        }
        let options = cpl::report::RenderOptions { width, ..cpl::report::RenderOptions::default() };
        let out = cpl::report::render_to_string(&[diagnostic], &sources, cpl::report::Format::Human, &options);
        prop_assert!(out.contains("wrong"));
        for line in out.lines() {
            prop_assert!(line.chars().count() <= 700, "a line of {} characters:\n{}", line.chars().count(), line);
        }
    }
}
