//! Walking the IR: the children of an expression, and what a policy or expression reads
//! (transitively, through constants, functions and policies it calls).

use std::collections::BTreeSet;

use super::{Clause, ConstId, Expr, ExprKind, FlagId, FlagRule, FnId, Part, PolicyId, PolicyStmt, Program, SourceId};

/// Calls `f` on each direct sub-expression of `e`.
pub fn for_each_child<'e>(e: &'e Expr, mut f: impl FnMut(&'e Expr)) {
    match &e.kind {
        ExprKind::Const(_)
        | ExprKind::Local(_)
        | ExprKind::Source(_)
        | ExprKind::Global(_)
        | ExprKind::StepOutput { .. }
        | ExprKind::Error => {}
        ExprKind::Interpolate(parts) => {
            for part in parts {
                if let Part::Expr(x) = part {
                    f(x);
                }
            }
        }
        ExprKind::Field { base, .. } | ExprKind::CallFlag { context: base, .. } => f(base),
        ExprKind::Index { base, index } => {
            f(base);
            f(index);
        }
        ExprKind::Builtin { args, .. } | ExprKind::List(args) => args.iter().for_each(f),
        ExprKind::CallFn { args, .. } | ExprKind::CallPolicy { args, .. } => args.iter().flatten().for_each(f),
        ExprKind::Unary { operand, .. } | ExprKind::Cast { value: operand, .. } | ExprKind::ToFloat(operand) => {
            f(operand)
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            f(lhs);
            f(rhs);
        }
        ExprKind::If {
            condition,
            then,
            otherwise,
        } => {
            f(condition);
            f(then);
            f(otherwise);
        }
        ExprKind::Quantifier {
            collection, condition, ..
        } => {
            f(collection);
            f(condition);
        }
        ExprKind::Comprehension { element, clauses } => {
            for clause in clauses {
                match clause {
                    Clause::For { collection, .. } => f(collection),
                    Clause::If(condition) => f(condition),
                }
            }
            f(element);
        }
        ExprKind::Record { fields, .. } => fields.iter().for_each(f),
        ExprKind::Map(entries) => entries.iter().for_each(|(_, v)| f(v)),
    }
}

/// What [`Reach`] shows each expression node it comes to.
pub trait Visit {
    fn visit(&mut self, e: &Expr);
}

/// Every expression that evaluating some policies and expressions may evaluate: theirs,
/// and those of the constants, functions and policies they reach, each item once. Each
/// node is shown to `visitor`.
pub struct Reach<'p, V> {
    program: &'p Program,
    pub visitor: V,
    consts: BTreeSet<ConstId>,
    functions: BTreeSet<FnId>,
    policies: BTreeSet<PolicyId>,
    flags: BTreeSet<FlagId>,
}

impl<'p, V: Visit> Reach<'p, V> {
    pub fn new(program: &'p Program, visitor: V) -> Reach<'p, V> {
        Reach {
            program,
            visitor,
            consts: BTreeSet::new(),
            functions: BTreeSet::new(),
            policies: BTreeSet::new(),
            flags: BTreeSet::new(),
        }
    }

    pub fn policy(&mut self, id: PolicyId) {
        if !self.policies.insert(id) {
            return;
        }
        let Some(def) = self.program.policies.get(id.index()) else {
            return;
        };
        for param in &def.params {
            if let Some(default) = &param.default {
                self.expr(default);
            }
        }
        for (_, value) in &def.setup {
            self.expr(value);
        }
        if let Some(each) = &def.each {
            self.expr(&each.collection);
            if let Some(filter) = &each.filter {
                self.expr(filter);
            }
        }
        for stmt in &def.body {
            match stmt {
                PolicyStmt::Let(_, value) => self.expr(value),
                PolicyStmt::Rule(rule) => {
                    self.expr(&rule.condition);
                    if let Some(message) = &rule.message {
                        self.expr(message);
                    }
                }
            }
        }
    }

    pub fn flag(&mut self, id: FlagId) {
        if !self.flags.insert(id) {
            return;
        }
        let Some(def) = self.program.flags.get(id.index()) else {
            return;
        };
        for rule in &def.rules {
            match rule {
                FlagRule::When { condition, .. } => self.expr(condition),
                FlagRule::Rollout { by, .. } | FlagRule::Split { by, .. } => self.expr(by),
            }
        }
    }

    /// Iterative, so a long expression cannot exhaust the stack.
    pub fn expr<'x>(&mut self, root: &'x Expr)
    where
        'p: 'x,
    {
        let program = self.program;
        let mut pending = vec![root];
        while let Some(e) = pending.pop() {
            self.visitor.visit(e);
            match &e.kind {
                ExprKind::Global(id) if self.consts.insert(*id) => {
                    if let Some(def) = program.consts.get(id.index()) {
                        pending.push(&def.value);
                    }
                }
                ExprKind::CallFn { function, .. } if self.functions.insert(*function) => {
                    if let Some(def) = program.functions.get(function.index()) {
                        pending.push(&def.body);
                        pending.extend(def.params.iter().filter_map(|p| p.default.as_ref()));
                    }
                }
                ExprKind::CallPolicy { policy, .. } => self.policy(*policy),
                ExprKind::CallFlag { flag, .. } => self.flag(*flag),
                _ => {}
            }
            for_each_child(e, |child| pending.push(child));
        }
    }
}

/// The sources that evaluating some policies and expressions may read.
pub struct SourcesUsed<'p> {
    reach: Reach<'p, Sources>,
}

/// The sources an expression names.
#[derive(Default)]
struct Sources(BTreeSet<SourceId>);

impl Visit for Sources {
    fn visit(&mut self, e: &Expr) {
        if let ExprKind::Source(id) = &e.kind {
            self.0.insert(*id);
        }
    }
}

impl<'p> SourcesUsed<'p> {
    pub fn new(program: &'p Program) -> SourcesUsed<'p> {
        SourcesUsed {
            reach: Reach::new(program, Sources::default()),
        }
    }

    pub fn policy(&mut self, id: PolicyId) {
        self.reach.policy(id);
    }

    pub fn expr(&mut self, root: &Expr) {
        self.reach.expr(root);
    }

    pub fn flag(&mut self, id: FlagId) {
        self.reach.flag(id);
    }

    pub fn sources(&self) -> &BTreeSet<SourceId> {
        &self.reach.visitor.0
    }
}
