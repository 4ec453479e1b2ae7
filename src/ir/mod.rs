//! The typed intermediate representation: what the checker hands to the compiler and
//! the evaluator. Names are resolved (locals are slots, items are ids), every expression
//! carries its type and span, and field accesses know their slot.
//!
//! **Invariant:** an IR program is only built from a checked AST. The evaluator never
//! sees syntax.

mod config;
mod ops;
mod types;
mod value;
mod walk;

pub use config::{
    ConfigBody, ConfigDef, ConfigEnv, ConfigLeaf, ConfigNode, ConfigOverride, ConfigValue, EnvironmentDef,
};
pub use ops::{BinaryOp, Quantifier, RuleKind, UnaryOp};
pub use types::{
    Constraint, ConstraintEval, EntityId, EnumType, FieldType, NoConstraints, RecordType, Type, decision_record,
    violation_record,
};
pub use value::{List, Record, RefSlot, Shape, Value, format_float};
pub use walk::{Reach, SourcesUsed, Visit, for_each_child};

use std::collections::HashMap;
use std::sync::Arc;

use crate::source::Span;

macro_rules! id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}

id! {
    /// A slot in an evaluation frame.
    LocalId;
    SourceId;
    ConstId;
    FnId;
    PolicyId;
    GateId;
    WaiverId;
    ConnectorId;
    WorkflowId;
    SloId;
    ConfigId;
    FlagId;
}

/// A map keyed by names from the program text, with cpl's fast hasher rather than std's
/// SipHash: the keys are the project's own names (no one to defend against), and SipHash
/// was a tenth of checking a large project.
pub type NameMap<V> = HashMap<Arc<str>, V, crate::hash::Fast>;

/// A whole checked project.
// INVARIANT: every id (`EntityId`, `PolicyId`, `WaiverId`, …) indexes its vector here: the
// checker hands an id out as it pushes the item, and nothing removes one. A lookup that
// misses is a bug, reported as `E0509` where an error can flow.
#[derive(Debug, Default)]
pub struct Program {
    pub entities: Vec<EntityDef>,
    pub sources: Vec<SourceDef>,
    pub consts: Vec<ConstDef>,
    pub functions: Vec<FnDef>,
    pub policies: Vec<PolicyDef>,
    pub gates: Vec<GateDef>,
    pub waivers: Vec<WaiverDef>,
    pub connectors: Vec<ConnectorDef>,
    pub workflows: Vec<WorkflowDef>,
    pub slos: Vec<SloDef>,
    /// The `environments [...]` list, in the order written.
    pub environments: Vec<EnvironmentDef>,
    pub configs: Vec<ConfigDef>,
    /// The evaluation context's type, when the project declares one.
    pub context: Option<ContextDef>,
    pub flags: Vec<FlagDef>,
    /// Each flag by its external key (`key "…"`, else its name).
    pub flag_keys: NameMap<FlagId>,
    /// Every project-level name.
    pub names: NameMap<ItemRef>,
}

/// What a project-level name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemRef {
    Entity(EntityId),
    Type,
    Source(SourceId),
    Const(ConstId),
    Fn(FnId),
    Policy(PolicyId),
    Gate(GateId),
    Waiver(WaiverId),
    Connector(ConnectorId),
    Workflow(WorkflowId),
    Slo(SloId),
    Config(ConfigId),
    Flag(FlagId),
    /// An item that is neither a value nor callable: the `environments` list, the
    /// context, and the kinds whose meaning arrives in a later version (`test`).
    Other,
}

impl Program {
    pub fn entity_names(&self) -> Vec<Arc<str>> {
        self.entities.iter().map(|e| e.name.clone()).collect()
    }

    pub fn display_type(&self, ty: &Type) -> String {
        ty.display(&self.entity_names())
    }

    pub fn policy(&self, name: &str) -> Option<(PolicyId, &PolicyDef)> {
        match self.names.get(name) {
            Some(ItemRef::Policy(id)) => self.policies.get(id.index()).map(|p| (*id, p)),
            _ => None,
        }
    }

    pub fn gate(&self, name: &str) -> Option<(GateId, &GateDef)> {
        match self.names.get(name) {
            Some(ItemRef::Gate(id)) => self.gates.get(id.index()).map(|g| (*id, g)),
            _ => None,
        }
    }

    pub fn workflow(&self, name: &str) -> Option<(WorkflowId, &WorkflowDef)> {
        match self.names.get(name) {
            Some(ItemRef::Workflow(id)) => self.workflows.get(id.index()).map(|w| (*id, w)),
            _ => None,
        }
    }

    pub fn config(&self, name: &str) -> Option<(ConfigId, &ConfigDef)> {
        match self.names.get(name) {
            Some(ItemRef::Config(id)) => self.configs.get(id.index()).map(|c| (*id, c)),
            _ => None,
        }
    }

    /// The flag whose external key is `key`.
    pub fn flag_by_key(&self, key: &str) -> Option<(FlagId, &FlagDef)> {
        let id = *self.flag_keys.get(key)?;
        self.flags.get(id.index()).map(|f| (id, f))
    }

    /// Names of the items of one kind, for "did you mean".
    pub fn names_of(&self, keep: impl Fn(&ItemRef) -> bool) -> Vec<&str> {
        let mut names: Vec<&str> = self.names.iter().filter(|(_, r)| keep(r)).map(|(n, _)| &**n).collect();
        names.sort_unstable();
        names
    }
}

#[derive(Debug)]
pub struct EntityDef {
    pub name: Arc<str>,
    pub record: Arc<RecordType>,
    /// Index of the key field in `record`.
    pub key: usize,
    pub span: Span,
    pub docs: Option<String>,
}

#[derive(Debug)]
pub struct SourceDef {
    pub name: Arc<str>,
    pub ty: Type,
    pub origin: SourceOrigin,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum SourceOrigin {
    /// Files matching a glob, relative to `dir` (the declaring file's directory,
    /// relative to the project root).
    Files {
        pattern: String,
        dir: std::path::PathBuf,
        span: Span,
    },
    /// Given with `--input name=file`.
    Input,
}

#[derive(Debug)]
pub struct ConstDef {
    pub name: Arc<str>,
    pub ty: Type,
    pub value: Expr,
    /// Locals the initializer needs (comprehension variables).
    pub locals: u32,
    pub span: Span,
}

#[derive(Debug)]
pub struct Param {
    pub name: Arc<str>,
    pub ty: Type,
    pub default: Option<Expr>,
    pub local: LocalId,
    pub span: Span,
}

#[derive(Debug)]
pub struct FnDef {
    pub name: Arc<str>,
    pub params: Vec<Param>,
    pub ret: Type,
    pub body: Expr,
    pub locals: u32,
    pub span: Span,
}

/// Sentinel's enforcement levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Advisory,
    Soft,
    Hard,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Advisory => "advisory",
            Level::Soft => "soft",
            Level::Hard => "hard",
        }
    }

    pub fn parse(word: &str) -> Option<Level> {
        match word {
            "advisory" => Some(Level::Advisory),
            "soft" => Some(Level::Soft),
            "hard" => Some(Level::Hard),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub struct PolicyDef {
    pub name: Arc<str>,
    pub level: Level,
    pub params: Vec<Param>,
    /// `let`s written before `for`: computed once per evaluation.
    pub setup: Vec<(LocalId, Expr)>,
    pub each: Option<ForEach>,
    /// `let`s and rules after `for` (or all of them when there is no `for`), in order.
    pub body: Vec<PolicyStmt>,
    pub locals: u32,
    pub span: Span,
    pub docs: Option<String>,
}

#[derive(Debug)]
pub struct ForEach {
    pub var: LocalId,
    pub collection: Expr,
    pub filter: Option<Expr>,
    pub span: Span,
}

#[derive(Debug)]
pub enum PolicyStmt {
    Let(LocalId, Expr),
    Rule(RuleDef),
}

#[derive(Debug)]
pub struct RuleDef {
    /// 1-based position among the policy's rules, as reported in violations.
    pub number: u32,
    pub kind: RuleKind,
    pub condition: Expr,
    pub message: Option<Expr>,
    pub span: Span,
}

#[derive(Debug)]
pub struct GateDef {
    pub name: Arc<str>,
    pub inputs: Vec<GateInput>,
    pub policies: Vec<GatePolicy>,
    /// Locals for the gate's inputs.
    pub locals: u32,
    pub span: Span,
}

#[derive(Debug)]
pub struct GateInput {
    pub name: Arc<str>,
    pub ty: Type,
    pub local: LocalId,
    pub span: Span,
}

#[derive(Debug)]
pub struct GatePolicy {
    pub policy: PolicyId,
    /// Arguments in the policy's parameter order; `None` takes the default.
    pub args: Vec<Option<Expr>>,
    pub span: Span,
}

#[derive(Debug)]
pub struct WaiverDef {
    pub name: Arc<str>,
    pub policy: Option<PolicyId>,
    pub subject: Option<Arc<str>>,
    /// When the waiver stops applying (exclusive): a date written alone means the end of
    /// that day.
    pub until: Option<jiff::Timestamp>,
    /// The expiry as written, for messages.
    pub until_text: Arc<str>,
    pub owner: Option<Arc<str>>,
    pub reason: Option<Arc<str>>,
    pub span: Span,
    pub until_span: Span,
}

#[derive(Debug)]
pub struct ConnectorDef {
    pub name: Arc<str>,
    pub kind: ConnectorKind,
    pub actions: Vec<ActionDef>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ConnectorKind {
    Http {
        url: Expr,
        timeout: Option<crate::time::Duration>,
        /// Each a `string` or a `secret`; a secret is sent as its text.
        headers: Vec<(Arc<str>, Expr)>,
        /// Sent as `Authorization: Bearer …`.
        token: Option<Expr>,
    },
    Exec {
        command: Vec<Arc<str>>,
        /// Directory of the declaring file, relative to the project root.
        dir: std::path::PathBuf,
        timeout: Option<crate::time::Duration>,
        /// The program's whole environment, with `PATH` and cpl's `CPL_*` variables:
        /// each value a `string` or a `secret`.
        env: Vec<(Arc<str>, Expr)>,
    },
}

#[derive(Debug)]
pub struct ActionDef {
    pub name: Arc<str>,
    pub params: Vec<(Arc<str>, Type)>,
    pub returns: Type,
    pub span: Span,
}

#[derive(Debug)]
pub struct WorkflowDef {
    pub name: Arc<str>,
    pub params: Vec<Param>,
    pub steps: Vec<StepDef>,
    pub locals: u32,
    pub span: Span,
}

#[derive(Debug)]
pub struct StepDef {
    pub name: Arc<str>,
    /// The local holding the step's output once it ran.
    pub local: LocalId,
    pub call: StepCall,
    pub when: Option<Expr>,
    pub retries: u32,
    pub backoff: Option<crate::time::Duration>,
    pub timeout: Option<crate::time::Duration>,
    pub always: bool,
    /// Steps this one depends on, each with the span that made the dependency.
    pub depends_on: Vec<(u32, Span)>,
    pub output: Type,
    /// The step's name.
    pub span: Span,
    /// The call, from its callee to its closing parenthesis.
    pub call_span: Span,
}

#[derive(Debug)]
pub enum StepCall {
    Policy {
        policy: PolicyId,
        args: Vec<Option<Expr>>,
    },
    Action {
        connector: ConnectorId,
        action: usize,
        args: Vec<Expr>,
    },
    Log(Expr),
    Fail(Expr),
}

#[derive(Debug)]
pub struct SloDef {
    pub name: Arc<str>,
    pub workflow: Option<WorkflowId>,
    pub window: Option<crate::time::Duration>,
    pub objectives: Vec<Objective>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Objective {
    pub metric: Metric,
    pub op: BinaryOp,
    pub target: Value,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    SuccessRate,
    FailureRate,
    Runs,
    P50Duration,
    P95Duration,
    P99Duration,
}

impl Metric {
    pub const ALL: &'static [(&'static str, Metric)] = &[
        ("success_rate", Metric::SuccessRate),
        ("failure_rate", Metric::FailureRate),
        ("runs", Metric::Runs),
        ("p50_duration", Metric::P50Duration),
        ("p95_duration", Metric::P95Duration),
        ("p99_duration", Metric::P99Duration),
    ];

    pub fn name(self) -> &'static str {
        Metric::ALL
            .iter()
            .find(|(_, m)| *m == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

/// `context { … }`: the type of what flags are evaluated in.
#[derive(Debug)]
pub struct ContextDef {
    /// A record type.
    pub ty: Type,
    pub span: Span,
}

/// A feature flag: its settings, its default and its rules, in the order written.
#[derive(Debug)]
pub struct FlagDef {
    pub name: Arc<str>,
    /// The external key: `key "…"`, or the name.
    pub key: Arc<str>,
    /// What bucketing strings start with: `salt "…"`, or the key.
    pub seed: Arc<str>,
    pub ty: Type,
    pub default: FlagVariant,
    /// `enabled false` is the kill switch: the default, whatever the rules say.
    pub enabled: bool,
    pub rules: Vec<FlagRule>,
    /// Slots the rules need: the context is the first.
    pub locals: u32,
    pub span: Span,
    pub docs: Option<String>,
}

/// A value a flag can serve, with the variant name evaluations report for it.
#[derive(Debug, Clone)]
pub struct FlagVariant {
    pub value: Value,
    pub name: Arc<str>,
}

impl FlagVariant {
    /// The variant named after its value: `"on"`/`"off"` for booleans, a string's text,
    /// or the value as cpl prints it.
    pub fn of(value: Value) -> FlagVariant {
        let name: Arc<str> = match &value {
            Value::Bool(true) => Arc::from("on"),
            Value::Bool(false) => Arc::from("off"),
            Value::Str(text) => text.clone(),
            other => Arc::from(other.to_string()),
        };
        FlagVariant { value, name }
    }
}

#[derive(Debug)]
pub enum FlagRule {
    /// `when condition => value`.
    When {
        condition: Expr,
        variant: FlagVariant,
        span: Span,
    },
    /// `rollout P% => value by key`: the rollout's share (`true`) and the rest (`false`),
    /// as bucket weights.
    Rollout {
        weights: [(bool, u32); 2],
        variant: FlagVariant,
        by: Expr,
        span: Span,
    },
    /// `split by key { value: P%, … }`: each arm with its bucket weight.
    Split {
        by: Expr,
        arms: Vec<(FlagVariant, u32)>,
        span: Span,
    },
}

// ---------------------------------------------------------------------------
// Expressions

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Const(Value),
    Interpolate(Vec<Part>),
    Local(LocalId),
    Source(SourceId),
    Global(ConstId),
    Field {
        base: Box<Expr>,
        name: Arc<str>,
        /// The slot the checker expects; verified at run time.
        slot: u32,
        optional: bool,
    },
    Index {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    Builtin {
        builtin: Builtin,
        args: Vec<Expr>,
    },
    CallFn {
        function: FnId,
        /// In parameter order; `None` takes the default.
        args: Vec<Option<Expr>>,
    },
    CallPolicy {
        policy: PolicyId,
        args: Vec<Option<Expr>>,
    },
    /// `flag_name(context)`: the flag's value in that context; an evaluation error when
    /// the flag cannot be evaluated, never its default.
    CallFlag {
        flag: FlagId,
        context: Box<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// A checked conversion: fails at run time when the value does not fit.
    Cast {
        value: Box<Expr>,
        to: Type,
    },
    /// Widens an int to a float.
    ToFloat(Box<Expr>),
    If {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Quantifier {
        kind: Quantifier,
        var: LocalId,
        collection: Box<Expr>,
        condition: Box<Expr>,
    },
    List(Vec<Expr>),
    Comprehension {
        element: Box<Expr>,
        clauses: Vec<Clause>,
    },
    Record {
        ty: Arc<RecordType>,
        fields: Vec<Expr>,
    },
    /// A map (`json` object) built from entries.
    Map(Vec<(Arc<str>, Expr)>),
    /// Reading the output of a workflow step (only inside workflows).
    StepOutput {
        step: u32,
        local: LocalId,
    },
    /// Never evaluated: the checker reported the problem.
    Error,
}

#[derive(Debug, Clone)]
pub enum Part {
    Text(Arc<str>),
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub enum Clause {
    For { var: LocalId, collection: Expr },
    If(Expr),
}

/// The built-in functions of the brief.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    Len,
    Count,
    Sum,
    Min,
    Max,
    Abs,
    Lower,
    Upper,
    Trim,
    Split,
    Join,
    Contains,
    StartsWith,
    EndsWith,
    Matches,
    Keys,
    Values,
    Satisfies,
    Now,
    Env,
    Secret,
    Sha256,
    FileSha256,
    Digest,
    VerifySignature,
    /// Conversions: `as` only checks a type, these change it.
    ToString,
    ToInt,
    ToFloat,
}

impl Builtin {
    pub const ALL: &'static [(&'static str, Builtin)] = &[
        ("len", Builtin::Len),
        ("count", Builtin::Count),
        ("sum", Builtin::Sum),
        ("min", Builtin::Min),
        ("max", Builtin::Max),
        ("abs", Builtin::Abs),
        ("lower", Builtin::Lower),
        ("upper", Builtin::Upper),
        ("trim", Builtin::Trim),
        ("split", Builtin::Split),
        ("join", Builtin::Join),
        ("contains", Builtin::Contains),
        ("starts_with", Builtin::StartsWith),
        ("ends_with", Builtin::EndsWith),
        ("matches", Builtin::Matches),
        ("keys", Builtin::Keys),
        ("values", Builtin::Values),
        ("satisfies", Builtin::Satisfies),
        ("now", Builtin::Now),
        ("env", Builtin::Env),
        ("secret", Builtin::Secret),
        ("sha256", Builtin::Sha256),
        ("file_sha256", Builtin::FileSha256),
        ("digest", Builtin::Digest),
        ("verify_signature", Builtin::VerifySignature),
        ("string", Builtin::ToString),
        ("int", Builtin::ToInt),
        ("float", Builtin::ToFloat),
    ];

    pub fn lookup(name: &str) -> Option<Builtin> {
        Builtin::ALL.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
    }

    pub fn name(self) -> &'static str {
        Builtin::ALL
            .iter()
            .find(|(_, b)| *b == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

impl Expr {
    pub fn error(span: Span) -> Expr {
        Expr {
            kind: ExprKind::Error,
            ty: Type::Error,
            span,
        }
    }

    pub fn constant(value: Value, ty: Type, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Const(value),
            ty,
            span,
        }
    }
}
