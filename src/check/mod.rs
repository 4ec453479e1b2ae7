//! Checking: name resolution and type checking of the AST into the typed [`ir`].
//!
//! The checker never stops at the first problem. Every item is checked; a name or type
//! that cannot be resolved becomes [`Type::Error`], which is compatible with everything,
//! so one mistake is reported once. Items whose text failed to parse are remembered by
//! name, so their uses are not reported as unknown.
//!
//! **Invariant:** the checker does no I/O and reads no clock: whether a waiver has
//! expired is decided where its policy is evaluated (`eval::waivers`), so an expired
//! waiver stops only the commands that evaluate that policy.

mod assign;
mod builtins;
mod config;
mod cycles;
mod expr;
mod flags;
mod items;
mod ops;
mod policies;
mod scope;
mod ty;
mod workflows;

pub use items::escapes_root;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{self, EntityId, ItemRef, Program, Type};
use crate::source::{SourceMap, Span};
use crate::syntax::ast::{self, ItemKind, Module};

/// Inputs of the checker that come from outside the program.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// The current time. The checker's result does not depend on it (waiver expiry is
    /// decided at evaluation); callers keep one clock for the whole command.
    pub now: jiff::Timestamp,
    /// The threads a project's files are parsed and its data read on (the checker
    /// itself runs on one); chosen by the shell, one unless it says otherwise.
    pub jobs: crate::parallel::Jobs,
}

/// A checked program and what the checker found.
#[derive(Debug)]
pub struct Checked {
    pub program: Program,
    pub diagnostics: Diagnostics,
}

/// A standalone expression checked in the scope of a project (`cpl eval`).
#[derive(Debug)]
pub struct CheckedExpr {
    pub expr: ir::Expr,
    /// Locals the expression needs (comprehension variables).
    pub locals: u32,
}

/// Type names users cannot redefine.
pub const BUILTIN_TYPES: &[&str] = &[
    "bool",
    "int",
    "float",
    "string",
    "duration",
    "version",
    "timestamp",
    "secret",
    "json",
    "decision",
    "violation",
];

/// Checks a whole project: every module, together, in one namespace.
pub fn check(modules: &[Module], sources: &SourceMap, options: &CheckOptions) -> Checked {
    check_with(modules, sources, options, None).0
}

/// Checks a project and, in its scope, one more expression. The expression's problems
/// are returned apart from the project's.
pub fn check_with(
    modules: &[Module],
    sources: &SourceMap,
    _options: &CheckOptions,
    expression: Option<&ast::Expr>,
) -> (Checked, Option<(CheckedExpr, Diagnostics)>) {
    let mut checker = Checker::new(sources);
    let mut ordered: Vec<&Module> = modules.iter().collect();
    ordered.sort_by(|a, b| sources.name(a.file).cmp(sources.name(b.file)));
    checker.collect(&ordered);
    checker.check_all();
    let mut diagnostics = std::mem::take(&mut checker.diags);
    diagnostics.sort();
    let expression = expression.map(|e| {
        let mut frame = scope::Frame::new();
        let expr = checker.infer(e, &mut frame, None);
        let mut expr_diagnostics = std::mem::take(&mut checker.diags);
        expr_diagnostics.sort();
        (
            CheckedExpr {
                expr,
                locals: frame.size(),
            },
            expr_diagnostics,
        )
    });
    (
        Checked {
            program: checker.program,
            diagnostics,
        },
        expression,
    )
}

/// Which item's body is being checked, for the call graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Owner {
    Const(ir::ConstId),
    Fn(ir::FnId),
    Policy(ir::PolicyId),
    Flag(ir::FlagId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Progress {
    Todo,
    Doing,
    Done,
}

pub(crate) struct Checker<'a> {
    sources: &'a SourceMap,
    diags: Diagnostics,
    program: Program,
    /// The declaration of every project-level name.
    decls: ir::NameMap<&'a ast::Item>,
    /// Names of items that failed to parse: uses of them are not reported.
    broken: HashSet<Arc<str>>,
    /// Items of each kind, in id order.
    entity_items: Vec<&'a ast::Item>,
    source_items: Vec<&'a ast::Item>,
    const_items: Vec<&'a ast::Item>,
    fn_items: Vec<&'a ast::Item>,
    policy_items: Vec<&'a ast::Item>,
    gate_items: Vec<&'a ast::Item>,
    waiver_items: Vec<&'a ast::Item>,
    connector_items: Vec<&'a ast::Item>,
    workflow_items: Vec<&'a ast::Item>,
    slo_items: Vec<&'a ast::Item>,
    /// The `environments` list (at most one: a second is a duplicate name).
    environment_items: Vec<&'a ast::Item>,
    config_items: Vec<&'a ast::Item>,
    /// The `context` declaration (a second is a duplicate name).
    context_item: Option<&'a ast::Item>,
    flag_items: Vec<&'a ast::Item>,
    /// Items of a kind cpl parses but does not give a meaning to yet: each is an error.
    unsupported_items: Vec<&'a ast::Item>,
    const_progress: Vec<Progress>,
    alias_types: ir::NameMap<(Progress, Type)>,
    /// How many aliases are being expanded, one inside the other.
    alias_depth: u32,
    /// The item whose expressions are being checked, and the calls it makes.
    owner: Option<Owner>,
    calls: Vec<(Owner, Owner, Span)>,
    /// The workflow being checked: its steps' names, for step references.
    steps: Option<workflows::StepScope>,
    /// While checking a policy's `let` written before its `for`: the loop variable,
    /// which that `let` cannot see.
    later_loop_var: Option<Arc<str>>,
}

impl<'a> Checker<'a> {
    fn new(sources: &'a SourceMap) -> Checker<'a> {
        Checker {
            sources,
            diags: Diagnostics::new(),
            program: Program::default(),
            decls: ir::NameMap::default(),
            broken: HashSet::new(),
            entity_items: Vec::new(),
            source_items: Vec::new(),
            const_items: Vec::new(),
            fn_items: Vec::new(),
            policy_items: Vec::new(),
            gate_items: Vec::new(),
            waiver_items: Vec::new(),
            connector_items: Vec::new(),
            workflow_items: Vec::new(),
            slo_items: Vec::new(),
            environment_items: Vec::new(),
            config_items: Vec::new(),
            context_item: None,
            flag_items: Vec::new(),
            unsupported_items: Vec::new(),
            const_progress: Vec::new(),
            alias_types: ir::NameMap::default(),
            alias_depth: 0,
            owner: None,
            calls: Vec::new(),
            steps: None,
            later_loop_var: None,
        }
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    /// Registers every item's name, reporting duplicates and reserved names.
    fn collect(&mut self, modules: &[&'a Module]) {
        for module in modules {
            for broken in &module.broken_items {
                self.broken.insert(broken.name.clone());
            }
            for item in &module.items {
                self.collect_item(item);
            }
        }
    }

    fn collect_item(&mut self, item: &'a ast::Item) {
        let name = &item.name;
        if name.name.is_empty() {
            return;
        }
        if BUILTIN_TYPES.contains(&&*name.name)
            && !matches!(item.kind, ItemKind::Context(_) | ItemKind::Environments(_))
        {
            self.report(
                Diagnostic::new(Code::ReservedName, format!("`{}` is a built-in type name", name.name))
                    .at(name.span, "reserved name")
                    .with_help("choose another name for this item"),
            );
            return;
        }
        if ir::Builtin::lookup(&name.name).is_some() || matches!(&*name.name, "log" | "fail") {
            self.report(
                Diagnostic::new(Code::ReservedName, format!("`{}` is a built-in function", name.name))
                    .at(name.span, "reserved name")
                    .with_help("choose another name for this item"),
            );
            return;
        }
        if let Some(previous) = self.decls.get(&name.name) {
            if let (ItemKind::Environments(_), ItemKind::Environments(_)) = (&previous.kind, &item.kind) {
                let first = previous.name.span;
                self.report(
                    Diagnostic::new(Code::DuplicateDefinition, "the project has two `environments` lists")
                        .at(name.span, "a second list")
                        .with_label(first, "the first list")
                        .with_help("list every environment once, in one `environments` list"),
                );
                return;
            }
            let what = previous.kind.described();
            let help = if matches!(
                (&previous.kind, &item.kind),
                (ItemKind::Context(_), ItemKind::Context(_))
            ) {
                "a project has one evaluation context: merge the fields into one `context { … }`"
            } else {
                "every item of a project shares one namespace: rename one of them"
            };
            self.report(
                Diagnostic::new(Code::DuplicateDefinition, format!("`{}` is defined twice", name.name))
                    .at(name.span, "defined again here")
                    .with_label(previous.name.span, format!("first defined here (as {what})"))
                    .with_help(help),
            );
            return;
        }
        self.decls.insert(name.name.clone(), item);
        let item_ref = match &item.kind {
            ItemKind::Entity(_) => {
                self.entity_items.push(item);
                ItemRef::Entity(EntityId(index(self.entity_items.len())))
            }
            ItemKind::Type(_) => ItemRef::Type,
            ItemKind::Source(_) => {
                self.source_items.push(item);
                ItemRef::Source(ir::SourceId(index(self.source_items.len())))
            }
            ItemKind::Const(_) => {
                self.const_items.push(item);
                ItemRef::Const(ir::ConstId(index(self.const_items.len())))
            }
            ItemKind::Fn(_) => {
                self.fn_items.push(item);
                ItemRef::Fn(ir::FnId(index(self.fn_items.len())))
            }
            ItemKind::Policy(_) => {
                self.policy_items.push(item);
                ItemRef::Policy(ir::PolicyId(index(self.policy_items.len())))
            }
            ItemKind::Gate(_) => {
                self.gate_items.push(item);
                ItemRef::Gate(ir::GateId(index(self.gate_items.len())))
            }
            ItemKind::Waiver(_) => {
                self.waiver_items.push(item);
                ItemRef::Waiver(ir::WaiverId(index(self.waiver_items.len())))
            }
            ItemKind::Connector(_) => {
                self.connector_items.push(item);
                ItemRef::Connector(ir::ConnectorId(index(self.connector_items.len())))
            }
            ItemKind::Workflow(_) => {
                self.workflow_items.push(item);
                ItemRef::Workflow(ir::WorkflowId(index(self.workflow_items.len())))
            }
            ItemKind::Slo(_) => {
                self.slo_items.push(item);
                ItemRef::Slo(ir::SloId(index(self.slo_items.len())))
            }
            ItemKind::Environments(_) => {
                self.environment_items.push(item);
                ItemRef::Other
            }
            ItemKind::Config(_) => {
                self.config_items.push(item);
                ItemRef::Config(ir::ConfigId(index(self.config_items.len())))
            }
            ItemKind::Context(_) => {
                self.context_item = Some(item);
                ItemRef::Other
            }
            ItemKind::Flag(_) => {
                self.flag_items.push(item);
                ItemRef::Flag(ir::FlagId(index(self.flag_items.len())))
            }
            ItemKind::Test(_) => {
                self.unsupported_items.push(item);
                ItemRef::Other
            }
        };
        self.program.names.insert(name.name.clone(), item_ref);
    }

    fn check_all(&mut self) {
        self.declare_entities();
        self.resolve_entities();
        self.declare_signatures();
        self.declare_flags();
        self.check_param_defaults();
        self.check_sources();
        for id in 0..self.const_items.len() {
            self.ensure_const(ir::ConstId(index(id + 1)));
        }
        self.check_fn_bodies();
        self.check_policies();
        self.check_gates();
        self.check_waivers();
        self.check_connectors();
        self.check_workflows();
        self.check_slos();
        self.check_environments();
        self.check_configs();
        self.check_flags();
        self.report_call_cycles();
        self.report_unsupported_items();
    }

    /// An item kind the language reserves but cpl does not evaluate yet is an error,
    /// never skipped: a project that declares a flag must not check clean while nothing
    /// verifies the flag.
    fn report_unsupported_items(&mut self) {
        for item in std::mem::take(&mut self.unsupported_items) {
            let keyword = item.kind.keyword();
            let start = item.span.start as usize;
            let at = Span::new(item.span.file, start, start + keyword.len());
            self.report(
                Diagnostic::new(
                    Code::UnsupportedItem,
                    format!("`{keyword}` items are not supported by this version of cpl"),
                )
                .at(at, "parsed, but nothing checks or evaluates it yet")
                .with_help(format!("remove the `{keyword}` item until cpl supports it")),
            );
        }
    }

    /// The directory of the file a span is in, relative to the project root.
    fn dir_of(&self, span: Span) -> PathBuf {
        std::path::Path::new(self.sources.name(span.file))
            .parent()
            .map(PathBuf::from)
            .unwrap_or_default()
    }

    fn source_text(&self, span: Span) -> &'a str {
        self.sources.slice(span)
    }

    fn display(&self, ty: &Type) -> String {
        ty.display(&self.entity_names())
    }

    fn entity_names(&self) -> Vec<Arc<str>> {
        self.entity_items.iter().map(|i| i.name.name.clone()).collect()
    }

    fn note_call(&mut self, callee: Owner, span: Span) {
        if let Some(owner) = self.owner {
            self.calls.push((owner, callee, span));
        }
    }
}

/// The 0-based id for the `len`-th item of a kind.
fn index(len: usize) -> u32 {
    u32::try_from(len.saturating_sub(1)).unwrap_or(u32::MAX)
}
