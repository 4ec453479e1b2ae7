//! Run-time values. Values are immutable and cheap to clone (shared with `Arc`), so
//! registry data is loaded once and shared by every evaluation, on any thread.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU32, Ordering as AtomicOrdering};
use std::sync::{Arc, OnceLock};

use hashbrown::HashTable;

use crate::hash::same_bytes;
use crate::ir::EntityId;
use crate::source::Origin;
use crate::time::Duration;

#[derive(Clone, Debug)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    Duration(Duration),
    Timestamp(jiff::Timestamp),
    Version(Arc<semver::Version>),
    /// Never shown: prints as `***`.
    Secret(Arc<str>),
    List(Arc<List>),
    /// A JSON object or a `map[T]`; keys in sorted order.
    Map(Arc<BTreeMap<Arc<str>, Value>>),
    Record(Arc<Record>),
    /// A reference to an entity by key, resolved after loading.
    Ref(Arc<RefSlot>),
}

/// The field names of a record type, shared by all its values, and which of them is
/// the key (an entity's key, a keyed record type's `key` field).
#[derive(Clone, Debug)]
pub struct Shape {
    names: Box<[Arc<str>]>,
    key: Option<usize>,
}

impl Shape {
    pub fn new(names: Vec<Arc<str>>, key: Option<usize>) -> Shape {
        Shape {
            names: names.into_boxed_slice(),
            key,
        }
    }

    pub fn names(&self) -> &[Arc<str>] {
        &self.names
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The slot of a field. `hint` is where the checker expects it, which is right
    /// whenever the value was built from the same type.
    pub fn slot(&self, name: &str, hint: u32) -> Option<usize> {
        let hint = hint as usize;
        // Names from the same declaration share their allocation: compare pointers first.
        if self.names.get(hint).is_some_and(|n| {
            std::ptr::eq(n.as_ptr(), name.as_ptr()) && n.len() == name.len()
                || same_bytes(n.as_bytes(), name.as_bytes())
        }) {
            return Some(hint);
        }
        self.names
            .iter()
            .position(|n| same_bytes(n.as_bytes(), name.as_bytes()))
    }
}

#[derive(Debug)]
pub struct Record {
    pub shape: Arc<Shape>,
    pub fields: Box<[Value]>,
    /// Where the record came from in registry data, if it did.
    pub origin: Option<Origin>,
}

impl Record {
    /// The record's key as text (its shape says which field), the subject of its
    /// violations: read from the field rather than kept beside it, which would cost every
    /// one of 100 000 records 16 bytes.
    pub fn key(&self) -> Option<Arc<str>> {
        self.key_value()?.key_text()
    }

    /// Whether the record has a key (its key field is not `null`), without its text.
    pub fn has_key(&self) -> bool {
        self.key_value().is_some_and(|value| !matches!(value, Value::Null))
    }

    fn key_value(&self) -> Option<&Value> {
        self.fields.get(self.shape.key?)
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.shape.slot(name, 0).and_then(|i| self.fields.get(i))
    }

    pub fn entries(&self) -> impl Iterator<Item = (&Arc<str>, &Value)> {
        self.shape.names().iter().zip(self.fields.iter())
    }
}

/// A list, with a lazily built hash index so that `x in xs` stays linear over a whole
/// evaluation even when asked once per element of another list.
#[derive(Debug, Default)]
pub struct List {
    pub items: Vec<Value>,
    lookups: AtomicU32,
    /// Positions of the items by hash; `None` when an item is not a scalar.
    index: OnceLock<Option<HashTable<u32>>>,
}

impl List {
    pub fn new(items: Vec<Value>) -> List {
        List {
            items,
            lookups: AtomicU32::new(0),
            index: OnceLock::new(),
        }
    }

    /// Whether `needle` equals an element. The first lookup scans; from the second on,
    /// lists of scalars are answered from an index built once. The index holds item
    /// positions, not copies of the items (4 bytes each, and no reference count touched
    /// for each of 100 000 strings), and a hit is confirmed with `equals`.
    pub fn contains(&self, needle: &Value) -> bool {
        let index = match self.index.get() {
            Some(index) => index.as_ref(),
            None if self.lookups.fetch_add(1, AtomicOrdering::Relaxed) >= 1 => {
                self.index.get_or_init(|| self.build_index()).as_ref()
            }
            None => None,
        };
        match (index, ScalarKey::of(needle)) {
            (Some(table), Some(key)) => table
                .find(key.hash(), |&at| {
                    self.items.get(at as usize).is_some_and(|item| item.equals(needle))
                })
                .is_some(),
            _ => self.items.iter().any(|item| item.equals(needle)),
        }
    }

    fn build_index(&self) -> Option<HashTable<u32>> {
        let mut table = HashTable::with_capacity(self.items.len());
        for (at, item) in self.items.iter().enumerate() {
            let hash = ScalarKey::of(item)?.hash();
            let at = u32::try_from(at).ok()?;
            // Sized up front, so the table never grows and never asks for a hash again.
            table.insert_unique(hash, at, |&other| {
                self.items
                    .get(other as usize)
                    .and_then(ScalarKey::of)
                    .map_or(0, |key| key.hash())
            });
        }
        Some(table)
    }
}

/// The hashable form of a scalar value, borrowed; values that `equals` finds equal have
/// equal keys (an integral float is keyed as the int it equals).
#[derive(Debug, PartialEq, Eq, Hash)]
enum ScalarKey<'a> {
    Null,
    Bool(bool),
    Int(i64),
    /// A float with no integral value, by bits (integral floats use `Int`).
    Float(u64),
    Str(&'a str),
    Duration(i64),
    Timestamp(i64, i32),
}

impl ScalarKey<'_> {
    fn of(value: &Value) -> Option<ScalarKey<'_>> {
        Some(match value {
            Value::Null => ScalarKey::Null,
            Value::Bool(b) => ScalarKey::Bool(*b),
            Value::Int(n) => ScalarKey::Int(*n),
            Value::Float(x) => {
                if x.fract() == 0.0 && x.abs() < 9.0e15 {
                    ScalarKey::Int(*x as i64)
                } else if x.is_nan() {
                    return None;
                } else {
                    ScalarKey::Float(x.to_bits())
                }
            }
            Value::Str(s) => ScalarKey::Str(s),
            Value::Duration(d) => ScalarKey::Duration(d.nanos()),
            Value::Timestamp(t) => ScalarKey::Timestamp(t.as_second(), t.subsec_nanosecond()),
            _ => return None,
        })
    }

    fn hash(&self) -> u64 {
        crate::hash::Fast::default().hash_one(self)
    }
}

/// An entity reference from data: the key as written, and the entity once resolved.
#[derive(Debug)]
pub struct RefSlot {
    pub kind: EntityId,
    pub key: Arc<str>,
    /// The semver requirement written after `@`, if any.
    pub requirement: Option<Arc<str>>,
    pub target: OnceLock<Value>,
}

impl RefSlot {
    pub fn resolved(&self) -> Option<&Value> {
        self.target.get()
    }

    /// The reference as written in the data: `key` or `key@requirement`.
    pub fn written(&self) -> String {
        match &self.requirement {
            Some(req) => format!("{}@{req}", self.key),
            None => self.key.to_string(),
        }
    }
}

impl Value {
    /// The text of a value used as a key: a string as it is, a number or other scalar
    /// as written; none for `null`.
    pub fn key_text(&self) -> Option<Arc<str>> {
        match self {
            Value::Str(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(Arc::from(other.to_string())),
        }
    }

    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(List::new(items)))
    }

    /// Follows references to the entity they name.
    pub fn resolve_ref(&self) -> &Value {
        match self {
            Value::Ref(slot) => slot.resolved().unwrap_or(self),
            other => other,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The name of the value's kind, for run-time messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Duration(_) => "duration",
            Value::Timestamp(_) => "timestamp",
            Value::Version(_) => "version",
            Value::Secret(_) => "secret",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Record(_) => "record",
            Value::Ref(_) => "reference",
        }
    }

    /// Equality as `==` sees it: ints and floats compare by value, records and maps
    /// field by field, references by key.
    pub fn equals(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Ref(a), Value::Ref(b)) => a.kind == b.kind && a.key == b.key,
            (Value::Ref(a), Value::Record(r)) | (Value::Record(r), Value::Ref(a)) => {
                r.key().as_deref() == Some(&*a.key) && a.resolved().is_some_and(|t| t.equals(&Value::Record(r.clone())))
            }
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => (*a as f64) == *b,
            (Value::Str(a), Value::Str(b)) | (Value::Secret(a), Value::Secret(b)) => a == b,
            (Value::Str(a), Value::Secret(b)) | (Value::Secret(b), Value::Str(a)) => a == b,
            (Value::Duration(a), Value::Duration(b)) => a == b,
            (Value::Timestamp(a), Value::Timestamp(b)) => a == b,
            (Value::Version(a), Value::Version(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                Arc::ptr_eq(a, b)
                    || (a.items.len() == b.items.len() && a.items.iter().zip(&b.items).all(|(x, y)| x.equals(y)))
            }
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((ka, va), (kb, vb))| ka == kb && va.equals(vb))
            }
            (Value::Record(a), Value::Record(b)) => {
                Arc::ptr_eq(a, b)
                    || (a.fields.len() == b.fields.len()
                        && a.entries()
                            .all(|(name, value)| b.get(name).is_some_and(|other| value.equals(other))))
            }
            (Value::Record(r), Value::Map(m)) | (Value::Map(m), Value::Record(r)) => {
                r.fields.len() == m.len()
                    && r.entries()
                        .all(|(name, value)| m.get(name).is_some_and(|other| value.equals(other)))
            }
            _ => false,
        }
    }

    /// Ordering for `<`, `min`, `max` and sorting; `None` when the values do not compare.
    pub fn compare(&self, other: &Value) -> Option<Ordering> {
        match (self.resolve_ref(), other.resolve_ref()) {
            (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
            (Value::Float(a), Value::Float(b)) => a.partial_cmp(b),
            (Value::Int(a), Value::Float(b)) => (*a as f64).partial_cmp(b),
            (Value::Float(a), Value::Int(b)) => a.partial_cmp(&(*b as f64)),
            (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
            (Value::Duration(a), Value::Duration(b)) => Some(a.cmp(b)),
            (Value::Timestamp(a), Value::Timestamp(b)) => Some(a.cmp(b)),
            (Value::Version(a), Value::Version(b)) => Some(a.cmp(b)),
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// The value as JSON. Secrets become `"***"` unless revealed; references become
    /// their key, as they were written in the data.
    pub fn to_json(&self, reveal_secrets: bool) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(n) => J::from(*n),
            Value::Float(x) => serde_json::Number::from_f64(*x).map(J::Number).unwrap_or(J::Null),
            Value::Str(s) => J::String(s.to_string()),
            Value::Duration(d) => J::String(d.to_string()),
            Value::Timestamp(t) => J::String(t.to_string()),
            Value::Version(v) => J::String(v.to_string()),
            Value::Secret(s) => J::String(if reveal_secrets {
                s.to_string()
            } else {
                "***".to_string()
            }),
            Value::List(l) => J::Array(l.items.iter().map(|v| v.to_json(reveal_secrets)).collect()),
            Value::Map(m) => J::Object(
                m.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json(reveal_secrets)))
                    .collect(),
            ),
            Value::Record(r) => J::Object(
                r.entries()
                    .map(|(k, v)| (k.to_string(), v.to_json(reveal_secrets)))
                    .collect(),
            ),
            Value::Ref(slot) => J::String(slot.written()),
        }
    }

    /// Converts JSON into an untyped (`json`) value.
    pub fn from_json(json: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match json {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            J::String(s) => Value::str(s),
            J::Array(items) => Value::list(items.iter().map(Value::from_json).collect()),
            J::Object(map) => Value::Map(Arc::new(
                map.iter()
                    .map(|(k, v)| (Arc::from(k.as_str()), Value::from_json(v)))
                    .collect(),
            )),
        }
    }
}

/// The text form used by string interpolation: strings bare, everything else as written
/// in cpl or JSON; secrets as `***`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Float(x) => write!(f, "{}", format_float(*x)),
            Value::Str(s) => f.write_str(s),
            Value::Duration(d) => write!(f, "{d}"),
            Value::Timestamp(t) => write!(f, "{t}"),
            Value::Version(v) => write!(f, "{v}"),
            Value::Secret(_) => f.write_str("***"),
            Value::Ref(slot) => f.write_str(&slot.written()),
            Value::List(_) | Value::Map(_) | Value::Record(_) => write!(f, "{}", self.to_json(false)),
        }
    }
}

/// Floats print in their shortest exact form, always with a decimal point.
pub fn format_float(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e16 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_is_right_before_and_after_indexing() {
        let list = List::new(vec![Value::str("a"), Value::Int(2), Value::Float(2.5)]);
        for _ in 0..3 {
            assert!(list.contains(&Value::str("a")));
            assert!(list.contains(&Value::Float(2.0)));
            assert!(list.contains(&Value::Float(2.5)));
            assert!(!list.contains(&Value::str("b")));
            assert!(!list.contains(&Value::Float(f64::NAN)));
            assert!(!list.contains(&Value::list(vec![])));
        }
        // A list holding a non-scalar is never indexed: it is scanned, with `equals`.
        let nested = List::new(vec![Value::list(vec![Value::Int(1)]), Value::Int(7)]);
        for _ in 0..3 {
            assert!(nested.contains(&Value::list(vec![Value::Float(1.0)])));
            assert!(nested.contains(&Value::Int(7)));
            assert!(!nested.contains(&Value::Int(1)));
        }
        let many = List::new((0..10_000).map(|n| Value::str(&format!("agent-{n:06}"))).collect());
        for n in (0..20_000).step_by(7) {
            assert_eq!(many.contains(&Value::str(&format!("agent-{n:06}"))), n < 10_000, "{n}");
        }
    }

    #[test]
    fn secrets_never_print() {
        let secret = Value::Secret(Arc::from("hunter2"));
        assert_eq!(secret.to_string(), "***");
        assert_eq!(secret.to_json(false), serde_json::json!("***"));
    }
}
