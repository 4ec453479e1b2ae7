//! The typed reader: one value of an expected type, validated as it is built.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::hash::same_bytes;
use crate::ir::{EntityId, FieldType, RecordType, Type};
use crate::ir::{Record, Value};
use crate::source::{DataPath, Origin, OriginAt};

use super::super::collect::FoundEntity;
use super::super::convert;
use super::super::problem::{self, Found as Kind};
use super::super::record::{self, RecordBuilder, Rejected, Take};
use super::path::{Here, Seg};
use super::untyped::Untyped;
use super::{Ctx, parallel};

/// Element `index` of the list at `list`: the origin of a record whose first key gives no
/// offset. Borrowed until needed, as it rarely is: cloning the list's path for every
/// element would make two threads reading parts of one list fight over its count.
#[derive(Clone, Copy)]
pub(super) struct ElementOf<'p> {
    pub(super) list: &'p Arc<DataPath>,
    pub(super) index: u32,
}

impl ElementOf<'_> {
    fn origin(self) -> OriginAt {
        OriginAt::Element {
            list: self.list.clone(),
            index: self.index,
        }
    }
}

/// Reads one value of `ty` at `here`.
pub(super) struct Typed<'c, 'a, 'de, 'p> {
    pub(super) ctx: &'c mut Ctx<'a, 'de>,
    pub(super) ty: &'a Type,
    pub(super) field: Option<&'a FieldType>,
    pub(super) here: &'p Here<'p>,
    /// Where a record read here is when its first key cannot say (see [`ElementOf`]).
    pub(super) origin: Option<ElementOf<'p>>,
    /// At the top of a list source, anything but a list is one element.
    pub(super) single: bool,
    /// Whether a string read here may be shared with equal ones (not for keys).
    pub(super) intern: bool,
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
            return match self.ctx.reference(*kind, text, self.field, || here.data_at(file)) {
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
        // The first key says where the record is: its text is borrowed from the input, so
        // its address gives the offset of the `{` before it. That origin costs nothing to
        // keep and is found again without walking the document. A record whose first key
        // is not borrowed (it has escapes), or that has no key, is known by its path.
        let first = map.next_key_seed(KeySeed { record, hint: 0 })?;
        let origin = match first.as_ref().and_then(|k| ctx.brace_before(k.text)) {
            Some(offset) => OriginAt::Offset(offset),
            None => match origin {
                Some(element) => element.origin(),
                None => OriginAt::Path(Arc::new(here.path())),
            },
        };
        let this = Here {
            base: Some(&origin),
            ..*here
        };
        let first_ref = ctx.found.refs.len();
        if let Some(kind) = kind {
            ctx.found.open(kind);
        }
        // Places are `()`: a key is placed by its path and its occurrence.
        let mut builder = RecordBuilder::<()>::new(ctx.program, record, kind, holder, false);
        let mut hint = 0;
        let mut first = Some(first);
        loop {
            let next = match first.take() {
                Some(key) => key,
                None => map.next_key_seed(KeySeed { record, hint })?,
            };
            let Some(Located { key, .. }) = next else {
                break;
            };
            let key = match &key {
                Key::Field(index) => record::Key::Field(*index),
                Key::Unknown(name) => record::Key::Unknown(name),
            };
            let (index, field) = match builder.key(key, ()) {
                Take::Read(index, field) => (index, field),
                Take::Skip => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                Take::Reject(rejected) => {
                    let Rejected {
                        problem,
                        occurrence,
                        first: first_given,
                    } = *rejected;
                    let name: Arc<str> = Arc::from(builder.name(key));
                    let child = Here::child(&this, Seg::Key(&name));
                    ctx.key_problem(&child, occurrence, problem, first_given.map(|()| 0));
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            hint = index + 1;
            let child = Here::child(&this, Seg::Key(&field.name));
            let typed = Typed {
                ctx: &mut *ctx,
                ty: &field.ty,
                field: Some(field),
                here: &child,
                origin: None,
                single: false,
                intern: record.key != Some(index),
            };
            let value = match parallel::long_list(typed.ctx, typed.ty) {
                Some(elem) => map.next_value_seed(parallel::LongList { typed, elem })?,
                None => map.next_value_seed(typed)?,
            };
            if let Err(problem) = builder.set(index, value, ctx.constraints) {
                ctx.problem(&child, problem);
            }
        }
        let fields = builder.finish(|problem| ctx.problem(&this, problem));
        let value = Arc::new(Record {
            shape: ctx.shape(&record.shape),
            fields,
            origin: Some(Origin {
                file: ctx.file,
                at: origin.clone(),
            }),
        });
        if let Some(kind) = kind {
            let entity = value.has_key().then(|| FoundEntity::new(kind, value.clone(), None));
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
            let origin = shared.as_ref().map(|list| ElementOf { list, index });
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

/// A key, with its text when serde_json lent it from the input (no escapes in it).
struct Located<'de> {
    key: Key,
    text: Option<&'de str>,
}

struct KeySeed<'a> {
    record: &'a RecordType,
    /// The field expected next (data usually follows declaration order).
    hint: usize,
}

impl KeySeed<'_> {
    fn key(&self, s: &str) -> Key {
        let fields = &self.record.fields;
        if fields
            .get(self.hint)
            .is_some_and(|f| same_bytes(f.name.as_bytes(), s.as_bytes()))
        {
            return Key::Field(self.hint);
        }
        match fields.iter().position(|f| same_bytes(f.name.as_bytes(), s.as_bytes())) {
            Some(index) => Key::Field(index),
            None => Key::Unknown(s.to_string()),
        }
    }
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Located<'de>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Located<'de>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Located<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Located<'de>, E> {
        Ok(Located {
            key: self.key(s),
            text: Some(s),
        })
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Located<'de>, E> {
        Ok(Located {
            key: self.key(s),
            text: None,
        })
    }
}
