//! JSON documents, deserialized by serde straight into typed [`Value`]s: a
//! [`DeserializeSeed`] carries the expected [`Type`] down the document, validates as it
//! builds, and never makes an untyped tree first.
//!
//! serde_json reports no positions, so problems and records are placed by path: the path
//! lives on the stack as a chain of [`Here`] links while parsing, and is materialized only
//! for a problem (a [`DataPath`]) or once per list of records (shared by every element's
//! [`OriginAt::Element`]). [`super::Locator`] turns paths into spans when shown.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::check::{EntityId, FieldType, RecordType, Type};
use crate::diagnostics::{Code, Diagnostic};
use crate::eval::{DataPath, Origin, OriginAt, PathSeg, Record, Value};
use crate::ir::Program;
use crate::source::{FileId, SourceMap};

use super::collect::{DataAt, Found, FoundEntity, Tail};
use super::convert::{self, FieldSet};
use super::hash::Fast;
use super::problem::{self, Found as Kind, Problem};
use super::{ConstraintEval, Locator};

/// Strings up to this length are shared when repeated (owners, tags, enum-like values).
const INTERN_MAX_LEN: usize = 32;
/// How many distinct strings (versions, lists) one document shares at most.
const INTERN_MAX_ENTRIES: usize = 1 << 16;
/// Lists of up to this many shared strings are shared too.
const SHARED_LIST_MAX: usize = 4;

/// A problem, placed by path (`key: Some(n)` places it at the `n`-th occurrence of the
/// path's last key rather than at the value).
struct Placed {
    path: DataPath,
    key: Option<u32>,
    problem: Problem,
    /// For a duplicate key: the first occurrence.
    first: Option<u32>,
}

struct Ctx<'a, 'de> {
    program: &'a Program,
    constraints: &'a dyn ConstraintEval,
    file: FileId,
    found: &'a mut Found,
    problems: Vec<Placed>,
    /// Repeated short strings, shared.
    strings: HashMap<&'de str, Arc<str>, Fast>,
    /// Repeated versions, parsed once and shared.
    versions: HashMap<&'de str, Arc<semver::Version>, Fast>,
    /// Repeated short lists of shared strings (tags), shared: keyed by the strings' addresses.
    lists: HashMap<([usize; SHARED_LIST_MAX], usize), Value, Fast>,
    /// Items of the lists being read, innermost last: each list is allocated once, at
    /// its exact size, when it ends.
    items: Vec<Value>,
}

impl<'de> Ctx<'_, 'de> {
    fn problem(&mut self, here: &Here<'_>, problem: Problem) {
        self.problems.push(Placed {
            path: here.path(),
            key: None,
            problem,
            first: None,
        });
    }

    fn key_problem(&mut self, here: &Here<'_>, occurrence: u32, problem: Problem, first: Option<u32>) {
        self.problems.push(Placed {
            path: here.path(),
            key: Some(occurrence),
            problem,
            first,
        });
    }

    fn duplicate(&mut self, here: &Here<'_>, name: &str, occurrence: u32) {
        self.key_problem(here, occurrence, problem::duplicate_in_document(name), Some(0));
    }

    fn string(&mut self, text: &str, borrowed: Option<&'de str>) -> Arc<str> {
        let Some(text) = borrowed.filter(|t| t.len() <= INTERN_MAX_LEN) else {
            return Arc::from(text);
        };
        if let Some(shared) = self.strings.get(text) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(text);
        if self.strings.len() < INTERN_MAX_ENTRIES {
            self.strings.insert(text, shared.clone());
        }
        shared
    }

    fn version(&mut self, text: &'de str) -> Result<Value, Problem> {
        if let Some(version) = self.versions.get(text) {
            return Ok(Value::Version(version.clone()));
        }
        match semver::Version::parse(text) {
            Ok(version) => {
                let version = Arc::new(version);
                if self.versions.len() < INTERN_MAX_ENTRIES {
                    self.versions.insert(text, version.clone());
                }
                Ok(Value::Version(version))
            }
            Err(error) => Err(problem::invalid_version(text, &error)),
        }
    }

    /// The list of the items read since `start`, shared with an equal earlier one when it
    /// is a short list of shared strings. Equal addresses mean equal strings, and the
    /// table keeps the strings alive, so an address is never reused while it is a key.
    fn list(&mut self, start: usize) -> Value {
        let items = self.items.get(start..).unwrap_or(&[]);
        let mut key = [0usize; SHARED_LIST_MAX];
        let shareable = items.len() <= SHARED_LIST_MAX
            && items.iter().zip(key.iter_mut()).all(|(item, slot)| match item {
                Value::Str(s) if s.len() <= INTERN_MAX_LEN => {
                    *slot = Arc::as_ptr(s).cast::<u8>() as usize;
                    true
                }
                _ => false,
            });
        let key = (key, items.len());
        if shareable && let Some(shared) = self.lists.get(&key) {
            let shared = shared.clone();
            self.items.truncate(start);
            return shared;
        }
        let list = if start == 0 && self.items.len() > 1 << 12 {
            // An outermost long list (the 100 000 agents) takes the buffer itself: no copy.
            Value::list(std::mem::take(&mut self.items))
        } else {
            Value::list(self.items.drain(start..).collect())
        };
        if !shareable {
            return list;
        }
        if self.lists.len() < INTERN_MAX_ENTRIES {
            self.lists.insert(key, list.clone());
        }
        list
    }
}

/// One link of the path from the document root to the value being read.
#[derive(Clone, Copy)]
struct Here<'p> {
    parent: Option<&'p Here<'p>>,
    seg: Seg<'p>,
    /// On a record: its origin, the base of positions recorded below it.
    base: Option<&'p OriginAt>,
}

#[derive(Clone, Copy)]
enum Seg<'p> {
    Root,
    Key(&'p Arc<str>),
    Index(u32),
}

impl<'p> Here<'p> {
    fn child(parent: &'p Here<'p>, seg: Seg<'p>) -> Here<'p> {
        Here {
            parent: Some(parent),
            seg,
            base: None,
        }
    }

    fn seg(&self) -> Option<PathSeg> {
        match self.seg {
            Seg::Root => None,
            Seg::Key(key) => Some(PathSeg::Key(key.clone())),
            Seg::Index(i) => Some(PathSeg::Index(i)),
        }
    }

    /// The whole path from the root.
    fn path(&self) -> DataPath {
        let mut segs = Vec::new();
        let mut cur = Some(self);
        while let Some(here) = cur {
            segs.extend(here.seg());
            cur = here.parent;
        }
        segs.reverse();
        DataPath(segs)
    }

    /// A compact position: the nearest record's origin and the path below it.
    fn data_at(&self, file: FileId) -> DataAt {
        if let (Seg::Key(key), Some(parent)) = (self.seg, self.parent)
            && let Some(base) = parent.base
        {
            return DataAt::Json {
                file,
                base: base.clone(),
                tail: Tail::Field(key.clone()),
            };
        }
        let mut segs = Vec::new();
        let mut cur = Some(self);
        let mut base = None;
        while let Some(here) = cur {
            if let Some(b) = here.base {
                base = Some(b.clone());
                break;
            }
            segs.extend(here.seg());
            cur = here.parent;
        }
        segs.reverse();
        DataAt::Json {
            file,
            base: base.unwrap_or_else(|| OriginAt::Path(Arc::new(DataPath::default()))),
            tail: if segs.is_empty() {
                Tail::None
            } else {
                Tail::Path(segs.into_boxed_slice())
            },
        }
    }
}

/// Reads one value of `ty` at `here`.
struct Typed<'c, 'a, 'de, 'p> {
    ctx: &'c mut Ctx<'a, 'de>,
    ty: &'a Type,
    field: Option<&'a FieldType>,
    here: &'p Here<'p>,
    /// The origin a record read here takes (list elements share their list's path).
    origin: Option<OriginAt>,
    /// At the top of a list source, anything but a list is one element.
    single: bool,
    /// Whether a string read here may be shared with equal ones (not for keys).
    intern: bool,
}

impl<'c, 'a, 'de, 'p> Typed<'c, 'a, 'de, 'p> {
    fn target(&self) -> &'a Type {
        self.ty.strip_optional()
    }

    /// For a single element where a list source expects a list: the element reader.
    fn element(self) -> Option<Typed<'c, 'a, 'de, 'p>> {
        match (self.single, self.target()) {
            (true, Type::List(elem)) => Some(Typed {
                ty: elem,
                single: false,
                ..self
            }),
            _ => None,
        }
    }

    fn wrong(self, found: Kind) -> Value {
        let problem = problem::wrong_type(self.ctx.program, self.ty, found).field(self.field);
        self.ctx.problem(self.here, problem);
        Value::Null
    }

    fn text(self, text: &str, borrowed: Option<&'de str>) -> Value {
        let target = self.target();
        if let Type::Ref(kind) = target {
            let (here, file) = (self.here, self.ctx.file);
            return match self.ctx.found.reference(*kind, text, self.field, || here.data_at(file)) {
                Ok(value) => value,
                Err(problem) => {
                    self.ctx.problem(self.here, problem.field(self.field));
                    Value::Null
                }
            };
        }
        if !convert::is_text_type(target) {
            return self.wrong(Kind::Str);
        }
        if let (Type::Version, Some(text)) = (target, borrowed) {
            return match self.ctx.version(text) {
                Ok(value) => value,
                Err(problem) => {
                    self.ctx.problem(self.here, problem.field(self.field));
                    Value::Null
                }
            };
        }
        let intern = self.intern;
        let ctx = &mut *self.ctx;
        let program = ctx.program;
        let result = convert::from_text(program, target, text, |t| {
            if intern { ctx.string(t, borrowed) } else { Arc::from(t) }
        });
        match result {
            Ok(value) => value,
            Err(problem) => {
                self.ctx.problem(self.here, problem.field(self.field));
                Value::Null
            }
        }
    }

    fn record<A: MapAccess<'de>>(
        self,
        mut map: A,
        record: &'a RecordType,
        kind: Option<EntityId>,
    ) -> Result<Value, A::Error> {
        let Typed {
            ctx,
            here,
            origin,
            field: holder,
            ..
        } = self;
        let origin = origin.unwrap_or_else(|| OriginAt::Path(Arc::new(here.path())));
        let this = Here {
            base: Some(&origin),
            ..*here
        };
        let first_ref = ctx.found.refs.len();
        if let Some(kind) = kind {
            ctx.found.open(kind);
        }
        let count = record.fields.len();
        let mut values = vec![Value::Null; count];
        let mut given = FieldSet::new(count);
        let mut repeats: Vec<(usize, u32)> = Vec::new();
        let mut unknown: Vec<Arc<str>> = Vec::new();
        let mut hint = 0;
        while let Some(key) = map.next_key_seed(KeySeed { record, hint })? {
            let index = match key {
                Key::Field(index) => index,
                Key::Unknown(name) => {
                    let name: Arc<str> = Arc::from(name);
                    let occurrence = unknown.iter().filter(|n| **n == name).count();
                    let child = Here::child(&this, Seg::Key(&name));
                    let problem = problem::unknown_field(ctx.program, &name, record, kind, holder);
                    ctx.key_problem(&child, u32::try_from(occurrence).unwrap_or(0), problem, None);
                    map.next_value::<IgnoredAny>()?;
                    unknown.push(name);
                    continue;
                }
            };
            hint = index + 1;
            let Some(field) = record.fields.get(index) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let child = Here::child(&this, Seg::Key(&field.name));
            if given.contains(index) {
                let occurrence = match repeats.iter_mut().find(|(i, _)| *i == index) {
                    Some((_, n)) => {
                        *n += 1;
                        *n
                    }
                    None => {
                        repeats.push((index, 1));
                        1
                    }
                };
                ctx.duplicate(&child, &field.name, occurrence);
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value = map.next_value_seed(Typed {
                ctx: &mut *ctx,
                ty: &field.ty,
                field: Some(field),
                here: &child,
                origin: None,
                single: false,
                intern: record.key != Some(index),
            })?;
            if let Err(problem) = convert::check_constraint(ctx.constraints, field, &value) {
                ctx.problem(&child, problem);
            }
            if let Some(slot) = values.get_mut(index) {
                *slot = value;
            }
            given.insert(index);
        }
        let entity_name = kind.and_then(|k| ctx.program.entities.get(k.index())).map(|e| &*e.name);
        for (index, field) in record.fields.iter().enumerate() {
            if given.contains(index) {
                continue;
            }
            match convert::absent_value(field, false) {
                Some(value) => {
                    if let Some(slot) = values.get_mut(index) {
                        *slot = value;
                    }
                }
                None => ctx.problem(&this, problem::missing_field(ctx.program, field, entity_name)),
            }
        }
        let key = record.key.and_then(|k| values.get(k)).and_then(convert::key_text);
        let value = Arc::new(Record {
            shape: record.shape.clone(),
            fields: values.into_boxed_slice(),
            origin: Some(Origin {
                file: ctx.file,
                at: origin.clone(),
            }),
            key: key.clone(),
        });
        if let Some(kind) = kind {
            let entity = key.is_some().then(|| FoundEntity {
                kind,
                record: value.clone(),
                spans: None,
            });
            ctx.found.close(entity, first_ref);
        }
        Ok(Value::Record(value))
    }

    fn list<A: SeqAccess<'de>>(self, mut seq: A, elem: &'a Type) -> Result<Value, A::Error> {
        let Typed { ctx, here, field, .. } = self;
        let shared = convert::record_of(ctx.program, elem.strip_optional())
            .is_some()
            .then(|| Arc::new(here.path()));
        let start = ctx.items.len();
        let mut index = 0u32;
        loop {
            let child = Here::child(here, Seg::Index(index));
            let origin = shared.as_ref().map(|list| OriginAt::Element {
                list: list.clone(),
                index,
            });
            let seed = Typed {
                ctx: &mut *ctx,
                ty: elem,
                field,
                here: &child,
                origin,
                single: false,
                intern: true,
            };
            match seq.next_element_seed(seed)? {
                Some(value) => ctx.items.push(value),
                None => break,
            }
            index = index.saturating_add(1);
        }
        Ok(ctx.list(start))
    }

    fn map<A: MapAccess<'de>>(self, mut map: A, elem: &'a Type) -> Result<Value, A::Error> {
        let Typed { ctx, here, field, .. } = self;
        let mut entries: BTreeMap<Arc<str>, Value> = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let key: Arc<str> = Arc::from(key);
            let child = Here::child(here, Seg::Key(&key));
            if entries.contains_key(&key) {
                ctx.duplicate(&child, &key, 1);
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value = map.next_value_seed(Typed {
                ctx: &mut *ctx,
                ty: elem,
                field,
                here: &child,
                origin: None,
                single: false,
                intern: true,
            })?;
            entries.insert(key, value);
        }
        Ok(Value::Map(Arc::new(entries)))
    }
}

impl<'de> DeserializeSeed<'de> for Typed<'_, '_, 'de, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// Hands a single element of a list source to the element reader, as a list of one.
macro_rules! single {
    ($self:ident, $method:ident ( $($arg:expr),* )) => {
        if $self.single && matches!($self.target(), Type::List(_)) {
            if let Some(element) = $self.element() {
                return element.$method($($arg),*).map(|v| Value::list(vec![v]));
            }
            return Ok(Value::Null);
        }
    };
}

impl<'de> Visitor<'de> for Typed<'_, '_, 'de, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a data value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        single!(self, visit_unit());
        Ok(match self.ty {
            Type::Optional(_) | Type::Null | Type::Json | Type::Unknown | Type::Error => Value::Null,
            _ => self.wrong(Kind::Null),
        })
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        single!(self, visit_bool(b));
        Ok(match self.target() {
            Type::Bool | Type::Json | Type::Unknown | Type::Error => Value::Bool(b),
            _ => self.wrong(Kind::Bool),
        })
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        single!(self, visit_i64(n));
        Ok(match self.target() {
            Type::Int | Type::Json | Type::Unknown | Type::Error => Value::Int(n),
            Type::Float => Value::Float(n as f64),
            _ => self.wrong(Kind::Int),
        })
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        if let Ok(n) = i64::try_from(n) {
            return self.visit_i64(n);
        }
        single!(self, visit_u64(n));
        Ok(match self.target() {
            Type::Float | Type::Json | Type::Unknown | Type::Error => Value::Float(n as f64),
            Type::Int => {
                self.ctx
                    .problem(self.here, problem::out_of_range(&n.to_string()).field(self.field));
                Value::Null
            }
            _ => self.wrong(Kind::Int),
        })
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> Result<Value, E> {
        single!(self, visit_f64(x));
        Ok(match self.target() {
            Type::Float | Type::Json | Type::Unknown | Type::Error => Value::Float(x),
            Type::Int if x.fract() == 0.0 && x.abs() >= 9.2e18 => {
                self.ctx
                    .problem(self.here, problem::out_of_range(&format!("{x:.0}")).field(self.field));
                Value::Null
            }
            _ => self.wrong(Kind::Float),
        })
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Value, E> {
        single!(self, visit_borrowed_str(s));
        Ok(self.text(s, Some(s)))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        single!(self, visit_str(s));
        Ok(self.text(s, None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        match self.target() {
            Type::List(elem) => self.list(seq, elem),
            Type::Json | Type::Unknown | Type::Error => {
                let Typed { ctx, here, .. } = self;
                Untyped { ctx, here }.visit_seq(seq)
            }
            _ => {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(self.wrong(Kind::List))
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        single!(self, visit_map(map));
        let target = self.target();
        if let Some((record, kind)) = convert::record_of(self.ctx.program, target) {
            return self.record(map, record, kind);
        }
        match target {
            Type::Map(elem) => self.map(map, elem),
            Type::Json | Type::Unknown | Type::Error => {
                let Typed { ctx, here, .. } = self;
                Untyped { ctx, here }.visit_map(map)
            }
            _ => {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(self.wrong(Kind::Object))
            }
        }
    }
}

/// A record key: a field's index, or a name the record does not have.
enum Key {
    Field(usize),
    Unknown(String),
}

struct KeySeed<'a> {
    record: &'a RecordType,
    /// The field expected next (data usually follows declaration order).
    hint: usize,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
        let fields = &self.record.fields;
        if fields.get(self.hint).is_some_and(|f| &*f.name == s) {
            return Ok(Key::Field(self.hint));
        }
        Ok(match fields.iter().position(|f| &*f.name == s) {
            Some(index) => Key::Field(index),
            None => Key::Unknown(s.to_string()),
        })
    }
}

/// Reads a `json` value: any data, untyped.
struct Untyped<'c, 'a, 'de, 'p> {
    ctx: &'c mut Ctx<'a, 'de>,
    here: &'p Here<'p>,
}

impl<'de> DeserializeSeed<'de> for Untyped<'_, '_, 'de, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Untyped<'_, '_, 'de, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any data")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Int(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        Ok(i64::try_from(n).map_or(Value::Float(n as f64), Value::Int))
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> Result<Value, E> {
        Ok(Value::Float(x))
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Value, E> {
        Ok(Value::Str(self.ctx.string(s, Some(s))))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::str(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        let mut index = 0u32;
        loop {
            let child = Here::child(self.here, Seg::Index(index));
            match seq.next_element_seed(Untyped {
                ctx: &mut *self.ctx,
                here: &child,
            })? {
                Some(value) => items.push(value),
                None => break,
            }
            index = index.saturating_add(1);
        }
        Ok(Value::list(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: BTreeMap<Arc<str>, Value> = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let key: Arc<str> = Arc::from(key);
            let child = Here::child(self.here, Seg::Key(&key));
            if entries.contains_key(&key) {
                self.ctx.duplicate(&child, &key, 1);
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value = map.next_value_seed(Untyped {
                ctx: &mut *self.ctx,
                here: &child,
            })?;
            entries.insert(key, value);
        }
        Ok(Value::Map(Arc::new(entries)))
    }
}

/// Loads `text` (the whole file, `base` bytes of BOM already skipped) as a value of `ty`.
/// On a syntax error nothing is kept but the one diagnostic.
#[expect(clippy::too_many_arguments, reason = "the loader's state, passed once per document")]
pub(crate) fn load(
    program: &Program,
    constraints: &dyn ConstraintEval,
    sources: &SourceMap,
    locator: &Locator,
    file: FileId,
    ty: &Type,
    list_source: bool,
    found: &mut Found,
    diags: &mut Vec<Diagnostic>,
) -> Option<Value> {
    let full = sources.text(file);
    let base = super::bom_len(full);
    let text = full.get(base..).unwrap_or("");
    let mark = found.mark();
    let mut ctx = Ctx {
        program,
        constraints,
        file,
        found,
        problems: Vec::new(),
        strings: HashMap::default(),
        versions: HashMap::default(),
        lists: HashMap::default(),
        items: Vec::new(),
    };
    let root = Here {
        parent: None,
        seg: Seg::Root,
        base: None,
    };
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let result = Typed {
        ctx: &mut ctx,
        ty,
        field: None,
        here: &root,
        origin: None,
        single: list_source,
        intern: true,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    let value = match result {
        Ok(value) => value,
        Err(error) => {
            ctx.found.reset(mark);
            diags.push(syntax_error(file, text, base, &error));
            return None;
        }
    };
    let Ctx { problems, .. } = ctx;
    let root_base = OriginAt::Path(Arc::new(DataPath::default()));
    for placed in problems {
        let at = locator.json_span(sources, file, &root_base, &placed.path.0, placed.key);
        let mut diagnostic = placed.problem.at(at);
        if let Some(first) = placed.first {
            let first_at = locator.json_span(sources, file, &root_base, &placed.path.0, Some(first));
            diagnostic = diagnostic.with_label(first_at, problem::FIRST_GIVEN);
        }
        diags.push(diagnostic);
    }
    Some(value)
}

fn syntax_error(file: FileId, text: &str, base: usize, error: &serde_json::Error) -> Diagnostic {
    let full = error.to_string();
    let message = full.rsplit_once(" at line ").map_or(full.as_str(), |(m, _)| m);
    let offset = base + byte_offset(text, error.line(), error.column());
    let span = crate::source::Span::new(file, offset, offset);
    if message.starts_with("recursion limit exceeded") {
        return Diagnostic::new(Code::DataLimit, "JSON nested more than 128 levels deep")
            .at(span, "nesting limit reached here")
            .with_help("flatten the data; no registry document needs this depth");
    }
    Diagnostic::new(Code::MalformedData, format!("malformed JSON: {message}"))
        .at(span, message.to_string())
        .with_help("fix the JSON syntax; every other check of this file waits for it")
}

/// serde_json counts lines from 1 and columns in bytes, pointing just past the problem.
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line - 2)
            .map_or(text.len(), |(i, _)| i + 1)
    };
    let mut offset = (line_start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}
