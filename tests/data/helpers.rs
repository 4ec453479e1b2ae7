//! One way into the loader for every data test: a schema written as `.cp` text (so field
//! spans point at real lines), data files in a `SourceMap`, and a readable rendering of
//! the diagnostics with the text each label covers.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use cpl::data::{Limits, Loader, Registry};
use cpl::diagnostics::{Diagnostic, Label};
use cpl::ir::ConstraintEval;
use cpl::ir::{Constraint, EntityId, EnumType, FieldType, RecordType, Type};
use cpl::ir::{EntityDef, Expr, Program};
use cpl::ir::{Record, Value};
use cpl::source::{FileId, FileKind, SourceMap, Span};

pub const AGENT: EntityId = EntityId(0);
pub const TOOL: EntityId = EntityId(1);

/// The schema of the language brief: agents and the tools they use.
pub const SCHEMA: &str = r#"/// An AI agent registered with the control plane.
entity agent {
  key name: string
  version: version
  owner: string
  deprecated: bool = false
  tools: [ref tool]
  metadata: {
    description: string
    max_tokens: int where it >= 1 and it <= 32000
    temperature: float where it >= 0.0 and it <= 2.0
    capabilities: [string] = []
  }
  checksum_sha256: string?
  signature: string?
}

entity tool {
  key name: string
  version: version
  owner: string
  deprecated: bool = false
  depends_on: [ref tool] = []
  metadata: {
    category: "data" | "action" | "retrieval"
    inputs_schema: json
    outputs_schema: json
    timeout_ms: int where it > 0
    retry_attempts: int = 0
    timeout: duration?
    released: timestamp?
    labels: map[string] = {}
    token: secret?
  }
}
"#;

/// A field under construction.
pub struct F {
    name: &'static str,
    ty: Type,
    default: Option<Value>,
    check: Option<&'static str>,
}

pub fn f(name: &'static str, ty: Type) -> F {
    F {
        name,
        ty,
        default: None,
        check: None,
    }
}

impl F {
    pub fn default(mut self, value: Value) -> F {
        self.default = Some(value);
        self
    }

    pub fn check(mut self, text: &'static str) -> F {
        self.check = Some(text);
        self
    }
}

pub fn list(t: Type) -> Type {
    Type::list(t)
}

pub fn opt(t: Type) -> Type {
    Type::optional(t)
}

pub fn one_of(members: &[&str]) -> Type {
    Type::Enum(Arc::new(EnumType {
        members: members.iter().map(|m| Arc::from(*m)).collect(),
    }))
}

pub struct World {
    pub sources: SourceMap,
    pub program: Program,
    pub schema: FileId,
    pub limits: Limits,
}

impl World {
    /// A world whose `.cp` text is `schema`; declare its items with [`World::entity`].
    pub fn new(schema: &str) -> World {
        let mut sources = SourceMap::new();
        let file = sources.add("schema.cp", None, FileKind::Cpl, schema);
        World {
            sources,
            program: Program::default(),
            schema: file,
            limits: Limits::default(),
        }
    }

    /// The brief's schema: `agent` (id 0) and `tool` (id 1).
    pub fn agents() -> World {
        let mut world = World::new(SCHEMA);
        let agent_meta = world.record(
            "entity agent",
            "metadata: {",
            vec![
                f("description", Type::String),
                f("max_tokens", Type::Int).check("it >= 1 and it <= 32000"),
                f("temperature", Type::Float).check("it >= 0.0 and it <= 2.0"),
                f("capabilities", list(Type::String)).default(Value::list(vec![])),
            ],
            None,
        );
        world.entity(
            "agent",
            vec![
                f("name", Type::String),
                f("version", Type::Version),
                f("owner", Type::String),
                f("deprecated", Type::Bool).default(Value::Bool(false)),
                f("tools", list(Type::Ref(TOOL))),
                f("metadata", Type::Record(agent_meta)),
                f("checksum_sha256", opt(Type::String)),
                f("signature", opt(Type::String)),
            ],
        );
        let tool_meta = world.record(
            "entity tool",
            "metadata: {",
            vec![
                f("category", one_of(&["data", "action", "retrieval"])),
                f("inputs_schema", Type::Json),
                f("outputs_schema", Type::Json),
                f("timeout_ms", Type::Int).check("it > 0"),
                f("retry_attempts", Type::Int).default(Value::Int(0)),
                f("timeout", opt(Type::Duration)),
                f("released", opt(Type::Timestamp)),
                f("labels", Type::Map(Arc::new(Type::String))).default(Value::Map(Arc::default())),
                f("token", opt(Type::Secret)),
            ],
            None,
        );
        world.entity(
            "tool",
            vec![
                f("name", Type::String),
                f("version", Type::Version),
                f("owner", Type::String),
                f("deprecated", Type::Bool).default(Value::Bool(false)),
                f("depends_on", list(Type::Ref(TOOL))).default(Value::list(vec![])),
                f("metadata", Type::Record(tool_meta)),
            ],
        );
        world
    }

    /// The span of `name:` in the schema text, after `block` and then `after`.
    fn span_of(&self, block: &str, after: &str, name: &str) -> Span {
        let text = self.sources.text(self.schema);
        let start = text.find(block).unwrap_or_else(|| panic!("no `{block}` in the schema"));
        let start = start + text[start..].find(after).unwrap_or(0) + after.len();
        let needle_key = format!("key {name}:");
        let needle = format!("{name}:");
        let at = text[start..]
            .find(&needle_key)
            .map(|i| i + 4)
            .or_else(|| text[start..].find(&needle))
            .unwrap_or_else(|| panic!("no field `{name}` in `{block}`"));
        Span::new(self.schema, start + at, start + at + name.len())
    }

    /// A record type whose fields are declared in the schema after `block` then `after`.
    pub fn record(&self, block: &str, after: &str, fields: Vec<F>, key: Option<&str>) -> Arc<RecordType> {
        let fields: Vec<FieldType> = fields
            .into_iter()
            .map(|field| {
                let span = self.span_of(block, after, field.name);
                FieldType {
                    name: Arc::from(field.name),
                    ty: field.ty,
                    default: field.default,
                    constraint: field.check.map(|text| {
                        Arc::new(Constraint {
                            expr: Expr::error(span),
                            locals: 1,
                            text: text.to_string(),
                        })
                    }),
                    span,
                    docs: None,
                }
            })
            .collect();
        let key = key.and_then(|k| fields.iter().position(|f| &*f.name == k));
        Arc::new(RecordType::new(fields, key))
    }

    /// Declares the next entity; its key is its first field.
    pub fn entity(&mut self, name: &str, fields: Vec<F>) -> EntityId {
        let block = format!("entity {name}");
        let first = fields.first().map(|f| f.name).unwrap_or("name");
        let record = self.record(&block, "{", fields, Some(first));
        let id = EntityId(self.program.entities.len() as u32);
        let text = self.sources.text(self.schema);
        let at = text.find(&block).unwrap_or(0);
        self.program.entities.push(EntityDef {
            name: Arc::from(name),
            record,
            key: 0,
            span: Span::new(self.schema, at, at + block.len()),
            docs: None,
        });
        id
    }

    pub fn file(&mut self, name: &str, text: &str) -> FileId {
        let kind = FileKind::from_path(Path::new(name)).unwrap_or(FileKind::CommandLine);
        self.sources.add(name, None, kind, text)
    }

    /// Loads each (file, type, source name), then finishes the registry.
    pub fn load(&self, docs: &[(FileId, Type, &str)]) -> Loaded {
        let checker = Checks;
        let mut diags = Vec::new();
        let mut loader = Loader::new(&self.program, &self.sources, &checker).with_limits(self.limits.clone());
        let values = docs
            .iter()
            .map(|(file, ty, name)| loader.load_document(*file, ty, name, &mut diags))
            .collect();
        let registry = loader.finish(&mut diags);
        Loaded {
            values,
            registry,
            diags,
        }
    }

    /// Loads one file as a list of entities of `kind`.
    pub fn load_entities(&self, file: FileId, kind: EntityId, source: &str) -> Loaded {
        self.load(&[(file, list(Type::Entity(kind)), source)])
    }

    pub fn location(&self, span: Span) -> String {
        self.sources.location(span)
    }

    /// Diagnostics as text: code, message, each label with `file:line:col` and the text
    /// it covers, help.
    pub fn render(&self, diags: &[Diagnostic]) -> String {
        let mut out = String::new();
        for d in diags {
            let _ = writeln!(out, "{}[{}] {}", d.severity.as_str(), d.code, d.message);
            let label = |out: &mut String, kind: &str, l: &Label| {
                let _ = writeln!(
                    out,
                    "  {kind} {} `{}`: {}",
                    self.location(l.span),
                    self.sources.slice(l.span).replace('\n', "\\n"),
                    l.message
                );
            };
            if let Some(primary) = &d.primary {
                label(&mut out, "-->", primary);
            }
            for secondary in &d.secondary {
                label(&mut out, "  +", secondary);
            }
            if let Some(help) = &d.help {
                let _ = writeln!(out, "  help: {help}");
            }
        }
        out
    }
}

pub struct Loaded {
    pub values: Vec<Option<Value>>,
    pub registry: Registry,
    pub diags: Vec<Diagnostic>,
}

impl Loaded {
    pub fn value(&self) -> &Value {
        self.values[0].as_ref().expect("the document loaded")
    }

    pub fn items(&self) -> Vec<Value> {
        match self.value() {
            Value::List(list) => list.items.clone(),
            other => panic!("not a list: {other:?}"),
        }
    }

    pub fn codes(&self) -> Vec<&'static str> {
        self.diags.iter().map(|d| d.code.as_str()).collect()
    }
}

pub fn record(value: &Value) -> &Arc<Record> {
    match value {
        Value::Record(r) => r,
        other => panic!("not a record: {other:?}"),
    }
}

pub fn field<'v>(value: &'v Value, name: &str) -> &'v Value {
    record(value).get(name).unwrap_or_else(|| panic!("no field `{name}`"))
}

/// Evaluates the tests' constraints: `it OP number` clauses joined by `and`; the text
/// `boom` fails to evaluate.
pub struct Checks;

impl ConstraintEval for Checks {
    fn holds(&self, constraint: &Constraint, value: &Value) -> Result<bool, String> {
        if constraint.text == "boom" {
            return Err("division by zero".to_string());
        }
        let x = match value {
            Value::Int(n) => *n as f64,
            Value::Float(x) => *x,
            Value::Str(s) => s.len() as f64,
            other => return Err(format!("cannot compare {}", other.kind_name())),
        };
        Ok(constraint.text.split(" and ").all(|clause| {
            let parts: Vec<&str> = clause.split_whitespace().collect();
            let [_, op, n] = parts[..] else {
                panic!("bad clause {clause}")
            };
            let n: f64 = n.parse().unwrap();
            match op {
                ">=" => x >= n,
                "<=" => x <= n,
                ">" => x > n,
                "<" => x < n,
                _ => panic!("bad op {op}"),
            }
        }))
    }
}
