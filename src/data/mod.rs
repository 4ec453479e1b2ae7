//! Registry data: YAML, JSON, CSV and TOML documents loaded and validated against entity schemas.
//!
//! Pure code: the caller reads files into the [`SourceMap`] and hands over [`FileId`]s.
//!
//! # Using it
//!
//! ```text
//! let mut loader = Loader::new(&program, &sources, &evaluator);   // evaluator: ConstraintEval
//! let agents = loader.load_source(&agent_files, &source.ty, "agents", &mut diags);
//! let plan = loader.load_document(plan_file, &plan_source.ty, "plan", &mut diags);
//! let registry = loader.finish(&mut diags);   // duplicate keys, references, cycles
//! registry.get(agent_kind, "customer_support_agent");
//! registry.locate(&sources, origin);           // a violation's file:line:col
//! ```
//!
//! Every problem becomes a [`Diagnostic`] and loading goes on: a wrong value is replaced
//! by `null` and reported once, so one file reports all its problems. The primary label
//! points at the offending value (or key) in the data file; the secondary label at the
//! schema field in the `.cp` file. A malformed file gives one diagnostic and no value.
//!
//! # Rules
//!
//! - An absent field takes its default, else `null` if it is optional, else it is missing
//!   (`E0401`). Unknown fields are errors (`E0402`, with "did you mean").
//! - `int` widens to `float`, not the reverse. Strings become versions (`E0409` when not
//!   semantic versions), timestamps, durations and secrets where the type says so;
//!   enumerations check their members (`E0405`); `json` takes anything; `map[T]` takes an
//!   object. A `where` constraint is checked on every present value through
//!   [`ConstraintEval`] (`E0404`); `null` values of optional fields are not checked.
//! - `ref E` takes `"key"` or `"key@^1.2"` and becomes a [`Value::Ref`]; [`Loader::finish`]
//!   resolves it. The text after the last `@` is a requirement when it starts with a digit
//!   or an operator (`^ ~ = < > *`); otherwise `@` is part of the key.
//! - Records carry their shape, an origin, and their key (the key field's text) when their
//!   type has a key field. Entities are collected wherever they appear, also nested in
//!   another source (`fleet_doc.agents: [agent]`).
//! - A file for a list source `[T]` holds one `T` or a list of them (when `T` is itself a
//!   list, it must hold the list). In TOML, whose top level is a table, it holds one `T`
//!   as the table, or several as an array of tables named after the source (`[[agents]]`).
//! - CSV: a header row names the fields, each row is a record. A dotted header
//!   (`metadata.owner`) fills a nested field, a list cell holds items separated by `;`, an
//!   unquoted empty cell is "no value" (default, `null`, empty list, else missing) and a
//!   quoted one (`""`) the empty string; a list with no column is empty too. Line ends may be `\n`, `\r\n` or `\r`, in any
//!   mix. A column with an empty header cell is ignored while its cells are blank; a
//!   value in it is `E0411`.
//! - Every format reads UTF-8 with or without a byte order mark; positions do not count
//!   the mark.
//! - A duplicate key inside one document is `E0406` with both places (an unknown key given
//!   again too, after its one `E0402`); so is a duplicate entity key across all sources of
//!   a kind. One record builder (`record.rs`) decides these rules for every format.
//!
//! # Positions
//!
//! YAML (serde-saphyr spans), TOML (spanned tables) and CSV (record positions) give exact
//! byte ranges, and records get [`OriginAt::Offset`](crate::source::OriginAt). JSON is
//! parsed without positions for speed: values are placed by path, and the [`Locator`]
//! finds paths in the text only when something is shown. A JSON record gets an offset
//! too, from the address of its first key in the text; one whose first key has escapes
//! falls back to its path (shared by a list's elements, [`OriginAt::Element`](crate::source::OriginAt)).
//!
//! # References
//!
//! An entity's key is indexed as soon as its record is read, and a reference to an
//! entity read earlier is resolved on the spot; [`Loader::finish`] resolves the rest,
//! reports duplicate keys (`E0406`), dangling references (`E0407`), unsatisfied
//! requirements (`E0408`) and cycles among references of one kind (`E0410`, one per
//! strongly connected component). Decisions and alternatives: `docs/data.md`.
//!
//! # Limits
//!
//! [`Limits`] bounds the file size, YAML nesting and YAML alias expansion (an alias bomb
//! stops within milliseconds with `E0412`); serde_json stops at 128 levels and the TOML
//! parser at 80. Neither the loader nor the locator recurses over data beyond those.

mod collect;
mod convert;
mod csv;
mod json;
mod keys;
mod problem;
mod record;
mod registry;
mod toml;
mod tree;
mod yaml;

/// The fast hasher of the loader's tables (see [`crate::hash`]).
pub use registry::Registry;

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::Program;
use crate::ir::Value;
use crate::ir::{ConstraintEval, Type};
use crate::parallel::{Chunking, Jobs};
use crate::source::Locator;
use crate::source::{FileId, FileKind, SourceMap, Span};

use collect::Found;
use tree::Walker;

/// Bounds on what one data file may cost.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest data file, in bytes.
    pub max_file_bytes: usize,
    /// Deepest YAML nesting.
    pub max_depth: usize,
    /// Events replayed by YAML aliases, at least (files may replay as many as their size).
    pub max_alias_replay: usize,
    /// The threads a JSON document's long lists of records may be read on.
    pub jobs: Jobs,
    /// When those lists are cut into chunks.
    pub split: Split,
    /// The most diagnostics of one code kept per file (`0`: all); the rest are counted
    /// in a note ([`crate::diagnostics::cap`]), so a repeated mistake costs no memory.
    pub max_per_code: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: 256 * 1024 * 1024,
            max_depth: 32,
            max_alias_replay: 10_000,
            jobs: Jobs::ONE,
            split: Split::default(),
            max_per_code: crate::diagnostics::DEFAULT_MAX_PER_CODE,
        }
    }
}

/// When a list of records is read in chunks: its document and the list are both long
/// enough for a chunk to pay for its thread.
#[derive(Clone, Copy, Debug)]
pub struct Split {
    pub min_document_bytes: usize,
    /// How a long list is cut; one chunk per job is cut into chunks of about equal bytes.
    pub chunking: Chunking,
}

impl Split {
    /// Every list read whole.
    pub const NEVER: Split = Split {
        min_document_bytes: usize::MAX,
        chunking: Chunking::WHOLE,
    };

    /// Whether a document of `bytes` may have its lists cut with `jobs`.
    pub fn may_cut(&self, bytes: usize, jobs: Jobs) -> bool {
        bytes >= self.min_document_bytes && self.chunking.can_cut(jobs)
    }
}

impl Default for Split {
    /// From 4 MiB documents and 4 096 elements, one chunk per job.
    fn default() -> Split {
        Split {
            min_document_bytes: 4 << 20,
            chunking: Chunking::per_job_from(4096),
        }
    }
}

/// Loads documents, then builds the [`Registry`] from everything loaded.
pub struct Loader<'a> {
    program: &'a Program,
    sources: &'a SourceMap,
    constraints: &'a dyn ConstraintEval,
    limits: Limits,
    found: Found,
    locator: Locator,
}

impl<'a> Loader<'a> {
    pub fn new(program: &'a Program, sources: &'a SourceMap, constraints: &'a dyn ConstraintEval) -> Loader<'a> {
        Loader {
            program,
            sources,
            constraints,
            limits: Limits::default(),
            found: Found::new(program),
            locator: Locator::new(),
        }
    }

    pub fn with_limits(mut self, limits: Limits) -> Loader<'a> {
        self.limits = limits;
        self
    }

    /// The documents of a source: for a list source, the elements of every file in
    /// order; otherwise the one file's document. `None` when nothing could be loaded.
    pub fn load_source(
        &mut self,
        files: &[FileId],
        ty: &Type,
        source_name: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Value> {
        if !is_list(ty) {
            if let Some(second) = files.get(1) {
                let at = Span::new(*second, 0, 0);
                diags.push(
                    Diagnostic::new(
                        Code::MalformedData,
                        format!(
                            "source `{source_name}` takes one document, but {} files match",
                            files.len()
                        ),
                    )
                    .at(at, "a second file")
                    .with_help("narrow the pattern, or declare the source as a list (`[T]`)"),
                );
            }
            return self.load_document(*files.first()?, ty, source_name, diags);
        }
        if let [file] = files {
            return self.load_document(*file, ty, source_name, diags);
        }
        let mut items = Vec::new();
        let mut any = false;
        for &file in files {
            if let Some(Value::List(list)) = self.load_document(file, ty, source_name, diags) {
                any = true;
                match std::sync::Arc::try_unwrap(list) {
                    Ok(list) => items.extend(list.items),
                    Err(shared) => items.extend(shared.items.iter().cloned()),
                }
            }
        }
        any.then(|| Value::list(items))
    }

    /// Loads one file as a value of `ty`, the type of the source `source_name`. For a list
    /// source the value is always a list. `None` when the file could not be read as data.
    pub fn load_document(
        &mut self,
        file: FileId,
        ty: &Type,
        source_name: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Value> {
        let source_file = self.sources.get(file)?;
        let text: &str = &source_file.text;
        let whole = Span::new(file, 0, 0);
        if text.len() > self.limits.max_file_bytes {
            diags.push(
                Diagnostic::new(
                    Code::DataLimit,
                    format!(
                        "data file is larger than the limit of {} MiB",
                        self.limits.max_file_bytes / (1024 * 1024)
                    ),
                )
                .at(whole, "this file")
                .with_help("split the data over several files"),
            );
            return None;
        }
        let list_source = is_list(ty);
        let mut local = Vec::new();
        let value = match source_file.kind {
            FileKind::Json => {
                if text.trim_start_matches('\u{feff}').trim().is_empty() {
                    local.push(self.empty_file(whole, ty, source_name));
                    None
                } else {
                    json::load(
                        self.program,
                        self.constraints,
                        self.sources,
                        &self.locator,
                        file,
                        ty,
                        list_source,
                        self.limits.split,
                        self.limits.jobs,
                        self.limits.max_per_code,
                        &mut self.found,
                        &mut local,
                    )
                }
            }
            FileKind::Yaml => match yaml::parse(file, text, &self.limits) {
                Ok(Some(node)) => Some(self.walk(file, &mut local, |w| w.document(&node, ty, list_source))),
                Ok(None) => {
                    local.push(self.empty_file(whole, ty, source_name));
                    None
                }
                Err(diagnostic) => {
                    local.push(*diagnostic);
                    None
                }
            },
            FileKind::Toml => match toml::parse(file, text, source_name, list_source) {
                Ok(Some(node)) => Some(self.walk(file, &mut local, |w| w.document(&node, ty, list_source))),
                Ok(None) => {
                    local.push(self.empty_file(whole, ty, source_name));
                    None
                }
                Err(diagnostic) => {
                    local.push(*diagnostic);
                    None
                }
            },
            FileKind::Csv => self.csv(file, ty, source_name, &mut local),
            FileKind::Cpl | FileKind::CommandLine => {
                local.push(unsupported_format(self.sources.name(file), whole));
                None
            }
        };
        let mut local = crate::diagnostics::cap(local, self.limits.max_per_code, self.sources);
        local.sort_by_key(|d| d.span().map(|s| (s.file, s.start)));
        diags.append(&mut local);
        value
    }

    /// Resolves references between everything loaded and returns the registry.
    pub fn finish(self, diags: &mut Vec<Diagnostic>) -> Registry {
        let mut local = Vec::new();
        let (max_per_code, sources) = (self.limits.max_per_code, self.sources);
        let registry = registry::build(self.program, sources, self.found, self.locator, &mut local);
        diags.extend(crate::diagnostics::cap(local, max_per_code, sources));
        registry
    }

    /// Checks a parsed document with a [`Walker`], collecting into this loader.
    fn walk(
        &mut self,
        file: FileId,
        diags: &mut Vec<Diagnostic>,
        body: impl FnOnce(&mut Walker<'_>) -> Value,
    ) -> Value {
        let text = self.sources.text(file);
        let mut walker = Walker::new(
            self.program,
            self.constraints,
            file,
            text,
            &mut self.found,
            self.limits.max_per_code,
        );
        let value = body(&mut walker);
        let (kept, left_out) = walker.diags.into_parts();
        diags.extend(kept);
        diags.extend(
            left_out
                .into_iter()
                .map(|left| crate::diagnostics::left_out_note(left, None, self.sources)),
        );
        value
    }

    fn csv(&mut self, file: FileId, ty: &Type, source_name: &str, diags: &mut Vec<Diagnostic>) -> Option<Value> {
        let text = self.sources.text(file);
        let whole = Span::new(file, 0, 0);
        let target = ty.strip_optional();
        let (record_ty, list) = match target {
            Type::List(elem) if convert::record_of(self.program, elem.strip_optional()).is_some() => (&**elem, true),
            _ if convert::record_of(self.program, target).is_some() => (target, false),
            _ => {
                diags.push(
                    Diagnostic::new(
                        Code::UnsupportedFormat,
                        format!(
                            "a CSV file cannot hold `{source_name}`, a `{}`",
                            self.program.display_type(ty)
                        ),
                    )
                    .at(whole, "this file")
                    .with_help("CSV holds records, one per row: use it for `[entity]` or record sources"),
                );
                return None;
            }
        };
        let rows = match csv::parse(self.program, file, text, record_ty, self.limits.max_per_code) {
            Ok(Some(rows)) => rows,
            Ok(None) => {
                diags.push(self.empty_file(whole, ty, source_name));
                return None;
            }
            Err(diagnostic) => {
                diags.push(*diagnostic);
                return None;
            }
        };
        let (kept, left_out) = rows.diags.into_parts();
        diags.extend(kept);
        diags.extend(
            left_out
                .into_iter()
                .map(|left| crate::diagnostics::left_out_note(left, None, self.sources)),
        );
        if !list && rows.rows.len() != 1 {
            let at = rows
                .rows
                .get(1)
                .map_or(whole, |r| Span::new(file, r.start as usize, r.start as usize));
            diags.push(
                Diagnostic::new(
                    Code::MalformedData,
                    format!(
                        "`{source_name}` takes one record, but the file has {} rows",
                        rows.rows.len()
                    ),
                )
                .at(at, "here")
                .with_help("give exactly one row, or declare the source as a list (`[T]`)"),
            );
            return None;
        }
        Some(self.walk(file, diags, |walker| {
            walker.cells = true;
            let values: Vec<Value> = rows.rows.iter().map(|row| walker.value(row, record_ty, None)).collect();
            if list {
                Value::list(values)
            } else {
                values.into_iter().next().unwrap_or(Value::Null)
            }
        }))
    }

    fn empty_file(&self, at: Span, ty: &Type, source_name: &str) -> Diagnostic {
        let what = match ty.strip_optional() {
            Type::List(elem) => format!("one `{}` or a list of them", self.program.display_type(elem)),
            other => format!("a `{}`", self.program.display_type(other)),
        };
        Diagnostic::new(Code::MalformedData, "data file is empty")
            .at(at, "no data here")
            .with_help(format!("a data file of `{source_name}` holds {what}"))
    }
}

/// `E0413` for a file that is not YAML, JSON, CSV or TOML, at `at` (the file itself, or
/// the source declaration whose pattern matched it). For callers that find such a file
/// (`FileKind::from_path` gives no data kind) before loading.
pub fn unsupported_format(name: &str, at: Span) -> Diagnostic {
    Diagnostic::new(Code::UnsupportedFormat, format!("`{name}` is not a data file"))
        .at(at, "not YAML, JSON, CSV or TOML")
        .with_help("data files end in .yaml, .yml, .json, .csv or .toml")
}

fn is_list(ty: &Type) -> bool {
    matches!(ty.strip_optional(), Type::List(_))
}

/// Length of a UTF-8 byte order mark at the start of a file, which every format skips.
fn bom_len(text: &str) -> usize {
    if text.starts_with('\u{feff}') { 3 } else { 0 }
}
