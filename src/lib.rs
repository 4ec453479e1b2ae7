//! cpl: a compiler and evaluator for a declarative control-plane language.
//!
//! The pipeline, one module per stage: [`syntax`] (pest grammar to a spanned AST) →
//! [`check`] (names and types, to the typed [`ir`]) → [`data`] (registry data validated
//! against entity schemas) → [`compile`] (workflows to DAGs) → [`eval`] (policies, gates,
//! decisions) → [`report`] (diagnostics and results for people and machines). The CLI
//! is a thin shell over this library.
pub mod bucket;
pub mod check;
pub mod cli;
pub mod compile;
pub mod confine;
pub mod data;
pub mod diagnostics;
pub mod eval;
pub mod graph;
pub mod hash;
pub mod ir;
pub mod parallel;
pub mod pattern;
pub mod project;
pub mod report;
pub mod runtime;
pub mod serve;
pub mod session;
pub mod source;
pub mod syntax;
pub mod time;
pub mod timing;

/// Stack size for threads that parse, check and evaluate. Recursion in those stages is
/// bounded (by `syntax::prescan::MAX_NESTING` and `syntax::MAX_EXPR_DEPTH`); this leaves
/// a wide margin on every platform.
pub const STACK_SIZE: usize = 64 * 1024 * 1024;
