//! What the data targets share: a fixed schema with every kind of field, checked once, and
//! a loader run over one fuzzed document of it.
#![allow(dead_code)]

use std::sync::OnceLock;

use cpl::check::{CheckOptions, check};
use cpl::data::Loader;
use cpl::diagnostics::Diagnostic;
use cpl::eval::{Env, FixedHost};
use cpl::ir::Program;
use cpl::report::{self, Format, RenderOptions};
use cpl::source::{FileKind, SourceMap};
use cpl::syntax::parse_file;

/// The schema every data target loads against: keys, versions, enumerations, `where`
/// constraints, references, nested records, maps, optional and defaulted fields.
pub const SCHEMA: &str = r#"
entity agent {
  key name: string
  version: version
  owner: string
  deprecated: bool = false
  tools: [ref tool] = []
  kind: "chat" | "batch" | "tool"
  metadata: {
    max_tokens: int where it >= 1 and it <= 32000
    temperature: float where it >= 0.0 and it <= 2.0
    capabilities: [string] = []
  }
  labels: map[string] = {}
  extra: json?
  checksum: string?
}

entity tool {
  key name: string
  version: version
  owner: string
  timeout_ms: int where it > 0
}

source agents: [agent] = "agents/*"
source tools: [tool] = "tools/*"
"#;

fn schema_sources() -> SourceMap {
    let mut sources = SourceMap::new();
    sources.add("main.cp", None, FileKind::Cpl, SCHEMA);
    sources
}

/// The checked schema, built once per process.
pub fn program() -> &'static Program {
    static PROGRAM: OnceLock<Program> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let mut sources = SourceMap::new();
        let id = sources.add("main.cp", None, FileKind::Cpl, SCHEMA);
        let parsed = parse_file(id, SCHEMA);
        let options = CheckOptions {
            now: jiff::Timestamp::UNIX_EPOCH,
            jobs: cpl::parallel::Jobs::ONE,
        };
        check(&[parsed.module], &sources, &options).program
    })
}

/// Loads `text` as a `kind` document of the `agents` source, resolves references, and
/// renders every diagnostic in every format (positions are found only when shown).
pub fn load(text: &str, kind: FileKind, name: &str) {
    let program = program();
    let mut sources = schema_sources();
    let file = sources.add(name, None, kind, text);
    let host = FixedHost::default();
    let env = Env::new(program, &sources, &[], &host);
    let mut loader = Loader::new(program, &sources, &env);
    let mut diags: Vec<Diagnostic> = Vec::new();
    if let Some(source) = program.sources.first() {
        let _ = loader.load_source(&[file], &source.ty, &source.name, &mut diags);
    }
    let _registry = loader.finish(&mut diags);
    render_all(&diags, &sources);
}

/// Renders in every format; none may panic whatever the spans.
pub fn render_all(diags: &[Diagnostic], sources: &SourceMap) {
    let options = RenderOptions {
        width: 80,
        ..RenderOptions::default()
    };
    for format in [Format::Human, Format::Json, Format::Sarif, Format::Github] {
        let _ = report::render_to_string(diags, sources, format, &options);
    }
}
