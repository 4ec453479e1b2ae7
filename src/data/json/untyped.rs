//! The reader of `json` values: any data, untyped.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::ir::Value;

use super::Ctx;
use super::path::{Here, Seg};

/// Reads a `json` value: any data, untyped.
pub(super) struct Untyped<'c, 'a, 'de, 'p> {
    pub(super) ctx: &'c mut Ctx<'a, 'de>,
    pub(super) here: &'p Here<'p>,
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
