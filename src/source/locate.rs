//! Positions of loaded values: [`Origin`]s and JSON paths turned into spans, only when a
//! diagnostic shows them.
//!
//! JSON is parsed without positions (for speed), so a JSON value is known by its path.
//! The [`Locator`] walks the text to it, iteratively, and caches an index of every
//! container it walks through (the element offsets of a list, the keys of an object), so
//! locating thousands of elements of one 100 000-element list costs one pass over it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::source::{FileId, SourceMap, Span};
use crate::source::{Origin, OriginAt, PathSeg};

/// Turns origins into spans, caching what it learns of each JSON file. Cheap to create;
/// keep one for a whole run to share the caches. Safe to share between threads.
#[derive(Debug, Default)]
pub struct Locator {
    json: Mutex<HashMap<FileId, FileIndex>>,
}

/// The span of a data value's origin, without caching (see [`Locator`] for many lookups).
pub fn locate(sources: &SourceMap, origin: &Origin) -> Span {
    Locator::new().locate(sources, origin)
}

/// The containers of one JSON file located so far, by path.
type FileIndex = HashMap<Vec<PathSeg>, Arc<Container>>;

/// What a JSON value holds, as far as walking into it needs.
#[derive(Debug)]
enum Container {
    /// Start offset of each element.
    List(Vec<u32>),
    Object(Vec<Entry>),
    Scalar,
}

#[derive(Debug)]
struct Entry {
    key: Box<str>,
    key_start: u32,
    key_end: u32,
    value: u32,
}

impl Locator {
    pub fn new() -> Locator {
        Locator::default()
    }

    /// The span of the value an origin names: the whole scalar, or the opening bracket
    /// of a list or object (the first key of a YAML block mapping).
    pub fn locate(&self, sources: &SourceMap, origin: &Origin) -> Span {
        self.json_span(sources, origin.file, &origin.at, &[], None)
    }

    /// The span of the value at `base` then `tail`; with `key: Some(n)`, the span of the
    /// `n`-th occurrence (from 0) of the last key of the path instead of its value.
    pub(crate) fn json_span(
        &self,
        sources: &SourceMap,
        file: FileId,
        base: &OriginAt,
        tail: &[PathSeg],
        key: Option<u32>,
    ) -> Span {
        let text = sources.text(file);
        let bytes = text.as_bytes();
        let path: Vec<PathSeg> = match base {
            OriginAt::Offset(offset) => {
                if tail.is_empty() && key.is_none() {
                    return token_span(file, bytes, *offset as usize);
                }
                // A path below a position: walk it without the cache (no known prefix).
                return walk_uncached(file, bytes, *offset as usize, tail, key);
            }
            OriginAt::Path(path) => path.0.iter().chain(tail).cloned().collect(),
            OriginAt::Element { list, index } => list
                .0
                .iter()
                .cloned()
                .chain(std::iter::once(PathSeg::Index(*index)))
                .chain(tail.iter().cloned())
                .collect(),
        };
        let mut at = skip_ws(bytes, skip_bom(bytes));
        let mut cache = self.json.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let index = cache.entry(file).or_default();
        for (depth, seg) in path.iter().enumerate() {
            let prefix = path.get(..depth).unwrap_or(&[]);
            let container = match index.get(prefix) {
                Some(container) => container.clone(),
                None => {
                    let container = Arc::new(index_container(bytes, at));
                    index.insert(prefix.to_vec(), container.clone());
                    container
                }
            };
            let last = depth + 1 == path.len();
            match step(&container, seg, if last { key } else { None }) {
                Step::Value(next) => at = next,
                Step::Key(start, end) => return Span::new(file, start, end),
                Step::Stuck => break,
            }
        }
        value_span(file, bytes, at)
    }
}

enum Step {
    Value(usize),
    Key(usize, usize),
    Stuck,
}

fn step(container: &Container, seg: &PathSeg, key: Option<u32>) -> Step {
    match (container, seg) {
        (Container::List(items), PathSeg::Index(i)) => match items.get(*i as usize) {
            Some(&offset) => Step::Value(offset as usize),
            None => Step::Stuck,
        },
        (Container::Object(entries), PathSeg::Key(name)) => {
            let mut matching = entries.iter().filter(|e| *e.key == **name);
            let entry = match key {
                Some(n) => matching.nth(n as usize),
                None => matching.next(),
            };
            match (entry, key) {
                (Some(e), Some(_)) => Step::Key(e.key_start as usize, e.key_end as usize),
                (Some(e), None) => Step::Value(e.value as usize),
                (None, _) => Step::Stuck,
            }
        }
        _ => Step::Stuck,
    }
}

fn walk_uncached(file: FileId, bytes: &[u8], start: usize, tail: &[PathSeg], key: Option<u32>) -> Span {
    let mut at = skip_ws(bytes, start);
    for (depth, seg) in tail.iter().enumerate() {
        let last = depth + 1 == tail.len();
        match step(&index_container(bytes, at), seg, if last { key } else { None }) {
            Step::Value(next) => at = next,
            Step::Key(start, end) => return Span::new(file, start, end),
            Step::Stuck => break,
        }
    }
    value_span(file, bytes, at)
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn skip_bom(bytes: &[u8]) -> usize {
    if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 }
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// The end (exclusive) of the string starting at `at` (its opening quote).
fn skip_string(bytes: &[u8], at: usize) -> usize {
    let mut i = at + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The end (exclusive) of the value starting at `at`, iteratively over nesting.
fn skip_value(bytes: &[u8], at: usize) -> usize {
    match bytes.get(at) {
        Some(b'"') => skip_string(bytes, at),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = at;
            while let Some(&b) = bytes.get(i) {
                match b {
                    b'"' => {
                        i = skip_string(bytes, i);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            bytes.len()
        }
        Some(_) => scalar_end(bytes, at),
        None => at,
    }
}

fn scalar_end(bytes: &[u8], at: usize) -> usize {
    let mut i = at;
    while bytes
        .get(i)
        .is_some_and(|b| !matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

fn index_container(bytes: &[u8], at: usize) -> Container {
    match bytes.get(at) {
        Some(b'[') => {
            let mut items = Vec::new();
            let mut i = skip_ws(bytes, at + 1);
            if bytes.get(i) == Some(&b']') {
                return Container::List(items);
            }
            while i < bytes.len() {
                items.push(to_u32(i));
                i = skip_ws(bytes, skip_value(bytes, i));
                match bytes.get(i) {
                    Some(b',') => i = skip_ws(bytes, i + 1),
                    _ => break,
                }
            }
            Container::List(items)
        }
        Some(b'{') => {
            let mut entries = Vec::new();
            let mut i = skip_ws(bytes, at + 1);
            while bytes.get(i) == Some(&b'"') {
                let key_end = skip_string(bytes, i);
                let raw = bytes.get(i + 1..key_end.saturating_sub(1)).unwrap_or(&[]);
                let key = unescape_key(bytes.get(i..key_end).unwrap_or(&[]), raw);
                let colon = skip_ws(bytes, key_end);
                if bytes.get(colon) != Some(&b':') {
                    break;
                }
                let value = skip_ws(bytes, colon + 1);
                entries.push(Entry {
                    key,
                    key_start: to_u32(i),
                    key_end: to_u32(key_end),
                    value: to_u32(value),
                });
                i = skip_ws(bytes, skip_value(bytes, value));
                match bytes.get(i) {
                    Some(b',') => i = skip_ws(bytes, i + 1),
                    _ => break,
                }
            }
            Container::Object(entries)
        }
        _ => Container::Scalar,
    }
}

fn unescape_key(quoted: &[u8], raw: &[u8]) -> Box<str> {
    if raw.contains(&b'\\')
        && let Ok(text) = std::str::from_utf8(quoted)
        && let Ok(key) = serde_json::from_str::<String>(text)
    {
        return key.into_boxed_str();
    }
    String::from_utf8_lossy(raw).into_owned().into_boxed_str()
}

fn value_span(file: FileId, bytes: &[u8], at: usize) -> Span {
    match bytes.get(at) {
        Some(b'{' | b'[') => Span::new(file, at, at + 1),
        Some(_) => Span::new(file, at, skip_value(bytes, at)),
        None => Span::new(file, at.min(bytes.len()), at.min(bytes.len())),
    }
}

/// A short span at a position found by a parser: a bracket, or the text up to the end of
/// the first key or line (the first key of a YAML mapping, a TOML `[[table]]` header).
fn token_span(file: FileId, bytes: &[u8], at: usize) -> Span {
    let at = at.min(bytes.len());
    if matches!(bytes.get(at), Some(b'{')) {
        return Span::new(file, at, at + 1);
    }
    let mut end = at;
    while bytes
        .get(end)
        .is_some_and(|b| !matches!(b, b':' | b',' | b'\n' | b'\r' | b'}'))
    {
        end += 1;
    }
    while end > at && bytes.get(end - 1).is_some_and(|b| matches!(b, b' ' | b'\t')) {
        end -= 1;
    }
    Span::new(file, at, end)
}
