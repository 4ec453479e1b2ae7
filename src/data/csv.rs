//! CSV documents: a header row naming fields, one record per row, read with the `csv`
//! crate and turned into [`Node`]s whose cells the schema types.
//!
//! Rules: a dotted header (`metadata.owner`) fills a nested record field or map entry; a
//! cell for a list holds items separated by `;`; an unquoted empty cell is "no value" (the
//! field's default, `null` when optional, an empty list, else missing) while a quoted one
//! (`""`) is the empty string. Header problems (unknown, duplicate or missing columns) are
//! reported once, not once per row. A column with an empty header cell (spreadsheets
//! export trailing ones) is ignored while its cells are blank; a value in it is reported.
//! Any line end (`\n`, `\r\n`, `\r`) gives the same values and positions: values are
//! the decoded cells, and spans only place them.

use crate::diagnostics::{Code, Collector, Diagnostic};
use crate::ir::Program;
use crate::ir::{FieldType, Type};
use crate::source::{FileId, Span};

use super::convert;
use super::problem::{self, Problem};
use super::record;
use super::tree::{Entry, Node, NodeKind};

/// The rows of a CSV file as record nodes, plus the diagnostics of the header and of
/// malformed rows (at most so many of each code).
pub(crate) struct Rows {
    pub rows: Vec<Node>,
    pub diags: Collector<Diagnostic>,
}

/// One segment of a dotted header, with its span.
#[derive(Clone)]
struct Seg {
    name: String,
    start: usize,
    end: usize,
}

/// Reads the rows of a CSV file for records of `record_ty`. `Ok(None)` is an empty file.
pub(crate) fn parse(
    program: &Program,
    file: FileId,
    full: &str,
    record_ty: &Type,
    max_per_code: usize,
) -> Result<Option<Rows>, Box<Diagnostic>> {
    let base = super::bom_len(full);
    let text = full.get(base..).unwrap_or("");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => return Ok(None),
        Some(Err(error)) => return Err(Box::new(csv_error(file, text, base, &error))),
        Some(Ok(header)) => header,
    };
    let header_start = record_start(text, &header);
    let header_cells = cell_spans(text, header_start, header.len());
    let header_end = header_cells.last().map_or(header_start, |c| c.1);
    let mut diags = Collector::new(max_per_code);
    let mut columns: Vec<Option<Vec<Seg>>> = Vec::new();
    // Every named column, accepted or rejected, with its header cell: a rejected one is
    // not also "missing", and naming it again is a duplicate key, as in the other formats
    // (a column an open record ignores is ignored again).
    let mut seen: Vec<(Vec<Seg>, Span)> = Vec::new();
    let mut rejected: Vec<Vec<Seg>> = Vec::new();
    // Columns with an empty header cell, as spreadsheets export: (index, header cell).
    let mut unnamed: Vec<(usize, Span)> = Vec::new();
    for (index, (name, &(start, end, quoted))) in header.iter().zip(&header_cells).enumerate() {
        if name.trim().is_empty() {
            unnamed.push((index, Span::new(file, base + start, base + end)));
            columns.push(None);
            continue;
        }
        let content = if quoted { start + 1 } else { start };
        let segs = split_header(name, base + content);
        let span = Span::new(file, base + start, base + end);
        let full_name = segs.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(".");
        if let Some((_, first)) = seen.iter().find(|(c, _)| same_path(c, &segs)) {
            diags.push(
                problem::duplicate_in_document(&full_name)
                    .at(span)
                    .with_label(*first, problem::FIRST_GIVEN),
            );
            columns.push(None);
            continue;
        }
        match resolve_column(program, record_ty, &segs) {
            Ok(true) => {
                seen.push((segs.clone(), span));
                columns.push(Some(segs));
            }
            // A column an open record does not declare: ignored.
            Ok(false) => columns.push(None),
            Err(error) => {
                seen.push((segs.clone(), span));
                let (problem, seg) = *error;
                if seg.is_none() {
                    // A field a cell cannot hold: reported here, absent from every row.
                    rejected.push(segs.clone());
                }
                let at = seg.map_or(span, |s| Span::new(file, s.start, s.end));
                diags.push(problem.at(at));
                columns.push(None);
            }
        }
    }
    let header_span = Span::new(file, base + header_start, base + header_end);
    let mut absent: Vec<Vec<Seg>> = rejected;
    let given: Vec<&[Seg]> = seen.iter().map(|(segs, _)| segs.as_slice()).collect();
    missing_columns(program, record_ty, &given, &mut absent, |problem| {
        diags.push(problem.at(header_span));
    });
    let mut rows = Vec::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                diags.push(csv_error(file, text, base, &error));
                break;
            }
        };
        let start = record_start(text, &record);
        let cells = cell_spans(text, start, record.len());
        let end = cells.last().map_or(start, |c| c.1);
        if record.len() != header.len() {
            // A blank line holds nothing; a line `""` holds an empty string and is reported.
            let blank = matches!(cells.as_slice(), [(_, _, false)]) && record.get(0).is_some_and(str::is_empty);
            if blank {
                continue;
            }
            let at = Span::new(file, base + start, base + end);
            diags.push(
                Diagnostic::new(
                    Code::MalformedData,
                    format!("row has {} cells, the header has {}", record.len(), header.len()),
                )
                .at(at, "this row")
                .with_label(header_span, "the header")
                .with_help("give every row one cell per column; quote cells that contain commas"),
            );
            continue;
        }
        unnamed.retain(|&(index, header_cell)| {
            let Some(cell) = value_in_unnamed(&record, &cells, index) else {
                return true;
            };
            let at = Span::new(file, base + cell.0, base + cell.1);
            diags.push(unnamed_column_value(at, header_cell));
            // One diagnostic per column: its first value is enough to point at it.
            false
        });
        let mut entries = Vec::new();
        for ((column, cell), &(cell_start, cell_end, quoted)) in columns.iter().zip(record.iter()).zip(&cells) {
            let Some(segs) = column else { continue };
            let leaf = Node::new(
                NodeKind::Cell {
                    text: cell.to_string(),
                    quoted,
                },
                base + cell_start,
                base + cell_end,
            );
            insert(&mut entries, segs, leaf, base + start, base + end);
        }
        for segs in &absent {
            let leaf = Node::new(NodeKind::Absent, base + start, base + start);
            insert(&mut entries, segs, leaf, base + start, base + end);
        }
        empty_groups_to_cells(&mut entries);
        rows.push(Node::new(NodeKind::Map(entries), base + start, base + end));
    }
    Ok(Some(Rows { rows, diags }))
}

/// The span of the cell at `index` when it holds a value (anything but an unquoted blank).
fn value_in_unnamed(
    record: &csv::StringRecord,
    cells: &[(usize, usize, bool)],
    index: usize,
) -> Option<(usize, usize)> {
    let text = record.get(index)?;
    let &(start, end, quoted) = cells.get(index)?;
    (quoted || !text.trim().is_empty()).then_some((start, end))
}

/// A value in a column whose header cell is empty: it would belong to no field.
fn unnamed_column_value(at: Span, header_cell: Span) -> Diagnostic {
    Diagnostic::new(Code::MalformedData, "a value in a column with no name")
        .at(at, "this value belongs to no field")
        .with_label(header_cell, "this header cell is empty")
        .with_help("name the column in the header, or empty its cells")
}

fn same_path(a: &[Seg], b: &[Seg]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.name == y.name)
}

fn split_header(name: &str, offset: usize) -> Vec<Seg> {
    let mut segs = Vec::new();
    let mut at = 0;
    for part in name.split('.') {
        let lead = part.len() - part.trim_start().len();
        let trimmed = part.trim();
        segs.push(Seg {
            name: trimmed.to_string(),
            start: offset + at + lead,
            end: offset + at + lead + trimmed.len(),
        });
        at += part.len() + 1;
    }
    segs
}

/// Checks that a column names a field a cell can hold; `Ok(false)` for a column an open
/// record (`...`) ignores.
fn resolve_column<'s>(
    program: &Program,
    record_ty: &Type,
    segs: &'s [Seg],
) -> Result<bool, Box<(Problem, Option<&'s Seg>)>> {
    let mut ty = record_ty;
    let mut field: Option<&FieldType> = None;
    for seg in segs {
        let target = ty.strip_optional();
        if let Some((record, kind)) = convert::record_of(program, target) {
            match record.field(&seg.name) {
                Some((_, f)) => {
                    ty = &f.ty;
                    field = Some(f);
                }
                // An open record (`...`) ignores the columns it does not declare.
                None if record.open => return Ok(false),
                None => {
                    let problem = problem::unknown_field(program, &seg.name, record, kind, field);
                    return Err(Box::new((problem, Some(seg))));
                }
            }
        } else if let Type::Map(elem) = target {
            ty = elem;
        } else {
            let problem = Problem::new(
                Code::UnknownDataField,
                format!("unknown field `{}`", seg.name),
                "the column above has no fields",
            )
            .field(field);
            return Err(Box::new((problem, Some(seg))));
        }
    }
    let target = ty.strip_optional();
    let nested = convert::record_of(program, target).is_some()
        || matches!(target, Type::Map(_))
        || matches!(target, Type::List(e) if !cell_type(program, e.strip_optional()));
    if nested {
        return Err(Box::new((program_cell_problem(program, ty, field), None)));
    }
    Ok(true)
}

fn program_cell_problem(program: &Program, ty: &Type, field: Option<&FieldType>) -> Problem {
    problem::cell_cannot_hold(program, ty).field(field)
}

/// Whether one cell (or one `;`-separated item) can hold a value of this type.
fn cell_type(program: &Program, ty: &Type) -> bool {
    convert::record_of(program, ty).is_none() && !matches!(ty, Type::List(_) | Type::Map(_))
}

/// Reports required fields no column gives, and lists them in `absent` so every row has
/// a placeholder (reported once, here).
fn missing_columns(
    program: &Program,
    ty: &Type,
    given: &[&[Seg]],
    absent: &mut Vec<Vec<Seg>>,
    mut report: impl FnMut(Problem),
) {
    // Iterative over nesting: a stack of (type, path so far).
    let mut stack: Vec<(&Type, Vec<Seg>)> = vec![(ty, Vec::new())];
    while let Some((ty, prefix)) = stack.pop() {
        let Some((record, _)) = convert::record_of(program, ty.strip_optional()) else {
            continue;
        };
        for field in &record.fields {
            let mut path = prefix.clone();
            path.push(Seg {
                name: field.name.to_string(),
                start: 0,
                end: 0,
            });
            let covered = given
                .iter()
                .any(|g| g.len() >= path.len() && same_path(g.get(..path.len()).unwrap_or(&[]), &path));
            let exact = given.iter().any(|g| same_path(g, &path));
            if covered && !exact {
                // Some columns reach inside: check the nested fields too.
                stack.push((&field.ty, path));
            } else if !covered && record::absent_value(field, true).is_none() {
                let name = path.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(".");
                report(problem::missing_column(field, &name));
                absent.push(path);
            }
        }
    }
}

/// Puts `leaf` at the dotted path `segs` in a row, creating nested maps on the way.
fn insert(entries: &mut Vec<Entry>, segs: &[Seg], leaf: Node, row_start: usize, row_end: usize) {
    let Some((last, init)) = segs.split_last() else {
        return;
    };
    let mut entries = entries;
    for seg in init {
        let index = match entries.iter().position(|e| e.key == seg.name) {
            Some(index) => index,
            None => {
                entries.push(Entry {
                    key: seg.name.clone(),
                    key_start: u32::try_from(seg.start).unwrap_or(u32::MAX),
                    key_end: u32::try_from(seg.end).unwrap_or(u32::MAX),
                    value: Node::new(NodeKind::Map(Vec::new()), row_start, row_end),
                });
                entries.len() - 1
            }
        };
        match entries.get_mut(index).map(|e| &mut e.value.kind) {
            Some(NodeKind::Map(inner)) => entries = inner,
            _ => return,
        }
    }
    entries.push(Entry {
        key: last.name.clone(),
        key_start: u32::try_from(last.start).unwrap_or(u32::MAX),
        key_end: u32::try_from(last.end).unwrap_or(u32::MAX),
        value: leaf,
    });
}

/// A nested group whose cells are all empty is itself an empty cell (so an optional
/// nested record is `null`).
fn empty_groups_to_cells(entries: &mut [Entry]) {
    for entry in entries {
        if let NodeKind::Map(inner) = &mut entry.value.kind {
            empty_groups_to_cells(inner);
            let all_empty = inner.iter().all(|e| {
                matches!(&e.value.kind, NodeKind::Cell { text, quoted: false } if text.trim().is_empty())
                    || matches!(e.value.kind, NodeKind::Absent)
            });
            if all_empty && inner.iter().any(|e| matches!(e.value.kind, NodeKind::Cell { .. })) {
                entry.value.kind = NodeKind::Cell {
                    text: String::new(),
                    quoted: false,
                };
            }
        }
    }
}

/// Where a record's first cell begins. The `csv` crate may place a record that follows a
/// `\r\n` at its `\n`; a record never begins with a line end (blank lines are skipped),
/// so any line-end bytes at that place belong to the line before.
fn record_start(text: &str, record: &csv::StringRecord) -> usize {
    let at = record.position().map_or(0, |p| p.byte() as usize);
    skip_line_ends(text, at)
}

fn skip_line_ends(text: &str, at: usize) -> usize {
    let rest = text.as_bytes().get(at..).unwrap_or(&[]);
    at + rest.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count()
}

/// Byte ranges (and whether quoted) of the cells of the record starting at `start`.
fn cell_spans(text: &str, start: usize, count: usize) -> Vec<(usize, usize, bool)> {
    let bytes = text.as_bytes();
    let mut cells = Vec::with_capacity(count);
    let mut i = start;
    for _ in 0..count {
        let cell_start = i;
        let quoted = bytes.get(i) == Some(&b'"');
        if quoted {
            i += 1;
            while let Some(&b) = bytes.get(i) {
                i += 1;
                if b == b'"' {
                    if bytes.get(i) == Some(&b'"') {
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
        }
        while bytes.get(i).is_some_and(|b| !matches!(b, b',' | b'\n' | b'\r')) {
            i += 1;
        }
        cells.push((cell_start, i, quoted));
        if bytes.get(i) == Some(&b',') {
            i += 1;
        }
    }
    cells
}

fn csv_error(file: FileId, text: &str, base: usize, error: &csv::Error) -> Diagnostic {
    let offset = base + skip_line_ends(text, error.position().map_or(0, |p| p.byte() as usize));
    let message = match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "a cell is not valid UTF-8".to_string(),
        _ => error.to_string(),
    };
    Diagnostic::new(Code::MalformedData, format!("malformed CSV: {message}"))
        .at(Span::new(file, offset, offset), "in this row")
}
