//! One way into the loader for every data test: a schema written as `.cp` text, with a
//! `source` declaration for each data file, opened as a project the way `cpl` opens one;
//! and a readable rendering of the diagnostics with the text each label covers.
//!
//! [`open`] is the only place that opens a project, so that moving to the library's
//! facade is a change in one function. Tests never build types by hand: a document's
//! type is the type of the source that reads it.

use std::fmt::Write as _;
use std::path::Path;

use cpl::data::{Limits, Loader, Registry};
use cpl::diagnostics::{Diagnostic, Label};
use cpl::eval::{Env, FixedHost};
use cpl::ir::{EntityId, Program};
use cpl::ir::{Record, Value};
use cpl::session::{OpenOptions, Session, Vars};
use cpl::source::{FileKind, Origin, SourceMap, Span};

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

/// What opening a project gives the tests.
pub struct Opened {
    pub sources: SourceMap,
    pub program: Program,
    /// Problems in the `.cp` text.
    pub problems: Vec<Diagnostic>,
    /// The value of each source, in the order declared.
    pub values: Vec<Option<Value>>,
    /// `None` when loading the data stopped before the registry was built.
    pub registry: Option<Registry>,
    /// Problems in the data.
    pub diags: Vec<Diagnostic>,
}

/// The one place a test opens a project: reads, parses and checks its `.cp` files, then
/// loads the data its sources declare.
pub fn open(root: &Path) -> Opened {
    let options = OpenOptions {
        vars: Vars::Fixed(Default::default()),
        ..OpenOptions::new(jiff::Timestamp::UNIX_EPOCH)
    };
    let Session { project, data, .. } = Session::open(root, &options);
    let mut diags = data.fatal;
    diags.extend(data.diagnostics);
    Opened {
        problems: project.diagnostics.into_vec(),
        sources: project.sources,
        program: project.program,
        values: data.sources,
        registry: data.registry,
        diags,
    }
}

/// A data file and the source that reads it.
struct Doc {
    source: String,
    ty: String,
    path: String,
    text: String,
}

/// A project under construction: `.cp` text, data files, and a source for each.
pub struct World {
    schema: String,
    docs: Vec<Doc>,
    files: Vec<(String, String)>,
}

impl World {
    /// A project whose `.cp` text (`schema.cp`) is `schema`.
    pub fn new(schema: &str) -> World {
        World {
            schema: schema.to_string(),
            docs: Vec::new(),
            files: Vec::new(),
        }
    }

    /// The brief's schema: `agent` and `tool`.
    pub fn agents() -> World {
        World::new(SCHEMA)
    }

    /// A data file at `path` and `source NAME: TYPE` reading it. Sources are loaded in
    /// the order they are added, after those `schema` declares.
    pub fn source(mut self, name: &str, ty: &str, path: &str, text: &str) -> World {
        self.docs.push(Doc {
            source: name.to_string(),
            ty: ty.to_string(),
            path: path.to_string(),
            text: text.to_string(),
        });
        self
    }

    /// A data file that a source of the schema's own (a pattern) reads.
    pub fn file(mut self, path: &str, text: &str) -> World {
        self.files.push((path.to_string(), text.to_string()));
        self
    }

    /// The `.cp` text: the schema, then a declaration for each source, reading its file
    /// (`from_files`) or declared as an input, whose file is handed to the loader directly.
    fn text(&self, from_files: bool) -> String {
        let mut text = self.schema.clone();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        for doc in &self.docs {
            let origin = if from_files {
                format!("{:?}", doc.path)
            } else {
                "input".to_string()
            };
            let _ = writeln!(text, "source {}: {} = {origin}", doc.source, doc.ty);
        }
        text
    }

    /// Writes the project to a temporary directory and opens it; its `.cp` text must
    /// check without a diagnostic.
    fn open_checked(&self, from_files: bool) -> Opened {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "schema.cp", &self.text(from_files));
        if from_files {
            for doc in &self.docs {
                write(dir.path(), &doc.path, &doc.text);
            }
            for (path, text) in &self.files {
                write(dir.path(), path, text);
            }
        }
        let opened = open(dir.path());
        assert!(
            opened.problems.is_empty(),
            "the schema does not check:\n{}",
            render(&opened.sources, &opened.problems)
        );
        opened
    }

    /// Opens the project as `cpl` does: each source reads its file.
    pub fn load(&self) -> Loaded {
        let opened = self.open_checked(true);
        Loaded {
            values: opened.values,
            registry: opened.registry.expect("the data loaded"),
            diags: opened.diags,
            sources: opened.sources,
            program: opened.program,
        }
    }

    /// Hands each file to the loader directly, within `limits`, with the type of its
    /// source: for what a project cannot set (limits, parts) or never hands over (text
    /// the reader refuses, such as NUL bytes).
    pub fn load_with(&self, limits: Limits) -> Loaded {
        let opened = self.open_checked(false);
        let mut sources = opened.sources;
        let program = opened.program;
        let files: Vec<_> = self
            .docs
            .iter()
            .map(|doc| {
                let kind = FileKind::from_path(Path::new(&doc.path)).unwrap_or(FileKind::CommandLine);
                sources.add(doc.path.as_str(), None, kind, doc.text.as_str())
            })
            .collect();
        let (values, registry, diags) = {
            let host = FixedHost::default();
            let env = Env::new(&program, &sources, &[], &host);
            let mut loader = Loader::new(&program, &sources, &env).with_limits(limits);
            let mut diags = Vec::new();
            let values = self
                .docs
                .iter()
                .zip(files)
                .map(|(doc, file)| {
                    let ty = &program
                        .sources
                        .iter()
                        .find(|s| *s.name == *doc.source)
                        .expect("the source is declared")
                        .ty;
                    loader.load_document(file, ty, &doc.source, &mut diags)
                })
                .collect();
            let registry = loader.finish(&mut diags);
            (values, registry, diags)
        };
        Loaded {
            values,
            registry,
            diags,
            sources,
            program,
        }
    }
}

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// What a project's data came to.
pub struct Loaded {
    /// The value of each source, in the order declared.
    pub values: Vec<Option<Value>>,
    pub registry: Registry,
    pub diags: Vec<Diagnostic>,
    pub sources: SourceMap,
    pub program: Program,
}

impl Loaded {
    /// The first source's value.
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

    /// The id of the entity named `name`.
    pub fn entity(&self, name: &str) -> EntityId {
        let index = self
            .program
            .entities
            .iter()
            .position(|e| &*e.name == name)
            .unwrap_or_else(|| panic!("no entity `{name}`"));
        EntityId(index as u32)
    }

    pub fn location(&self, span: Span) -> String {
        self.sources.location(span)
    }

    /// Where a record's origin is, found again in its file.
    pub fn origin_span(&self, origin: &Origin) -> Span {
        self.registry.locate(&self.sources, origin)
    }

    /// `file:line:col` of a record.
    pub fn place(&self, value: &Value) -> String {
        self.location(self.origin_span(record(value).origin.as_ref().expect("an origin")))
    }

    /// Diagnostics as text: code, message, each label with `file:line:col` and the text
    /// it covers, help.
    pub fn render(&self) -> String {
        render(&self.sources, &self.diags)
    }
}

/// Diagnostics as text: code, message, each label with `file:line:col` and the text it
/// covers, help.
pub fn render(sources: &SourceMap, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let _ = writeln!(out, "{}[{}] {}", d.severity.as_str(), d.code, d.message);
        let label = |out: &mut String, kind: &str, l: &Label| {
            let _ = writeln!(
                out,
                "  {kind} {} `{}`: {}",
                sources.location(l.span),
                sources.slice(l.span).replace('\n', "\\n"),
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

pub fn record(value: &Value) -> &std::sync::Arc<Record> {
    match value {
        Value::Record(r) => r,
        other => panic!("not a record: {other:?}"),
    }
}

pub fn field<'v>(value: &'v Value, name: &str) -> &'v Value {
    record(value).get(name).unwrap_or_else(|| panic!("no field `{name}`"))
}
