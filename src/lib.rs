//! cpl: a compiler and evaluator for a declarative control-plane language.
pub mod check;
pub mod diagnostics;
pub mod eval;
pub mod ir;
pub mod source;
pub mod syntax;
pub mod time;
