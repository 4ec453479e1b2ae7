//! The one diagnostic type of cpl. Every stage builds [`Diagnostic`] values where it
//! finds a problem; `report` renders them once, at the edge, for terminals and machines.

mod cap;
mod codes;
mod explain;
mod suggest;

pub use cap::{CapKey, Capped, Collector, DEFAULT_MAX_PER_CODE, LeftOut, cap, left_out_note};
pub use codes::{Code, CodeInfo};
pub use explain::explanation;
pub use suggest::{did_you_mean, suggest};

use std::sync::Arc;

use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Shown for information, never fails anything (a waived violation).
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A span with a message saying what is wrong there.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// One line, lowercase, no trailing period; user input in backticks.
    pub message: String,
    /// Where the problem is. Absent only for problems with no place (a missing input).
    pub primary: Option<Label>,
    /// Related places, possibly in other files (the schema field of a data error).
    pub secondary: Vec<Label>,
    /// How to fix it, when known.
    pub help: Option<String>,
    pub notes: Vec<String>,
    /// Set on the note that stands for diagnostics cut by the cap ([`cap`]): what it
    /// counts, so that summaries and machine formats count them too.
    pub left_out: Option<LeftOut>,
    /// The policy a finding comes from (a violation, a warning, a waived violation), for
    /// reports that group findings by policy: a SARIF rule per policy, GitHub titles.
    pub policy: Option<PolicyRef>,
}

/// The policy behind a finding, as reports name and describe it.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyRef {
    pub name: Arc<str>,
    /// `hard`, `soft` or `advisory`.
    pub level: &'static str,
    /// The policy's doc comment (`///`), when it has one.
    pub docs: Option<Arc<str>>,
}

impl Diagnostic {
    /// An internal error (`E0509`): an invariant of cpl itself broke. It fails what it is
    /// part of rather than letting a value be dropped in silence.
    pub fn internal(what: &str) -> Diagnostic {
        Diagnostic::new(Code::InternalError, format!("internal error: {what}"))
            .with_help("this is a bug in cpl; please report it with the program that caused it")
    }

    /// A diagnostic with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.info().severity,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
            policy: None,
            left_out: None,
        }
    }

    /// Attaches the primary label.
    pub fn at(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.primary = Some(Label {
            span,
            message: label.into(),
        });
        self
    }

    pub fn with_label(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: label.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Sets the help only when there is one, for "did you mean" results.
    pub fn with_help_opt(mut self, help: Option<String>) -> Diagnostic {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn for_policy(mut self, policy: PolicyRef) -> Diagnostic {
        self.policy = Some(policy);
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn span(&self) -> Option<Span> {
        self.primary.as_ref().map(|l| l.span)
    }
}

/// The diagnostics a stage found, in the order found.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Warning).count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Orders diagnostics by file and position, so output is stable whatever order the
    /// stages (or threads) found them in.
    pub fn sort(&mut self) {
        self.items.sort_by_key(|d| {
            let span = d.span();
            (
                span.map(|s| s.file),
                span.map(|s| s.start),
                std::cmp::Reverse(d.severity),
                d.code,
            )
        });
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<T: IntoIterator<Item = Diagnostic>>(iter: T) -> Self {
        Diagnostics {
            items: iter.into_iter().collect(),
        }
    }
}
