//! Evaluation errors: a value the program could not compute, with the span of the
//! expression that failed. A policy whose rule fails this way is indeterminate.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct EvalError {
    pub code: Code,
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
}

impl EvalError {
    pub fn new(code: Code, message: impl Into<String>, span: Span) -> EvalError {
        EvalError {
            code,
            message: message.into(),
            span,
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> EvalError {
        self.help = Some(help.into());
        self
    }

    pub fn to_diagnostic(&self) -> Diagnostic {
        Diagnostic::new(self.code, self.message.clone())
            .at(self.span, "evaluation failed here")
            .with_help_opt(self.help.clone())
    }
}

pub type EvalResult<T> = Result<T, EvalError>;
