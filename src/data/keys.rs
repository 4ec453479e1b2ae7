//! The keys of one entity kind: a hash table whose short keys (up to 22 bytes, most
//! registry keys) live inside its buckets, so finding one touches the table alone and
//! never the scattered records that hold the key's string.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{Hash, Hasher};

use crate::hash::Fast;

/// Key → index into the loader's entities.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    map: HashMap<KeyText, u32, Fast>,
}

impl Keys {
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// The entity with this key.
    pub fn get(&self, key: &str) -> Option<u32> {
        self.map.get(key).copied()
    }

    /// Adds `key` for `entity`; when the key is taken, the entity that has it.
    pub fn insert(&mut self, key: &str, entity: u32) -> Result<(), u32> {
        match self.map.entry(KeyText::new(key)) {
            Entry::Occupied(first) => Err(*first.get()),
            Entry::Vacant(slot) => {
                slot.insert(entity);
                Ok(())
            }
        }
    }

    /// Adds the keys of `other`, whose entity numbers `renumber` maps to this table's;
    /// `taken(first, again)` is told of each key this table had already. The keys are
    /// moved, not read again from their records.
    pub fn absorb(&mut self, mut other: Keys, renumber: impl Fn(u32) -> u32, mut taken: impl FnMut(u32, u32)) {
        if self.map.is_empty() {
            // Nothing can be taken: the other table becomes this one.
            std::mem::swap(&mut self.map, &mut other.map);
            for entity in self.map.values_mut() {
                *entity = renumber(*entity);
            }
            return;
        }
        self.map.reserve(other.map.len());
        for (key, entity) in other.map {
            let entity = renumber(entity);
            match self.map.entry(key) {
                Entry::Occupied(first) => taken(*first.get(), entity),
                Entry::Vacant(slot) => {
                    slot.insert(entity);
                }
            }
        }
    }

    /// Forgets `key` if `entity` has it (a document that failed to load).
    pub fn remove(&mut self, key: &str, entity: u32) {
        if self.map.get(key) == Some(&entity) {
            self.map.remove(key);
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(|k| k.borrow())
    }
}

const INLINE: usize = 22;

/// A key's text, inside the bucket when short.
#[derive(Debug, Clone)]
enum KeyText {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl KeyText {
    fn new(text: &str) -> KeyText {
        if text.len() <= INLINE {
            let mut bytes = [0u8; INLINE];
            for (slot, byte) in bytes.iter_mut().zip(text.bytes()) {
                *slot = byte;
            }
            KeyText::Inline {
                len: u8::try_from(text.len()).unwrap_or(0),
                bytes,
            }
        } else {
            KeyText::Heap(Box::from(text))
        }
    }
}

impl Borrow<str> for KeyText {
    fn borrow(&self) -> &str {
        match self {
            KeyText::Inline { len, bytes } => bytes
                .get(..usize::from(*len))
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or(""),
            KeyText::Heap(text) => text,
        }
    }
}

impl Hash for KeyText {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Borrow::<str>::borrow(self).hash(state);
    }
}

impl PartialEq for KeyText {
    fn eq(&self, other: &KeyText) -> bool {
        Borrow::<str>::borrow(self) == Borrow::<str>::borrow(other)
    }
}

impl Eq for KeyText {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_it_holds_and_reports_taken_keys() {
        let mut keys = Keys::default();
        let long = "a-key-longer-than-twenty-two-bytes";
        assert_eq!(keys.insert(long, 1_000_000), Ok(()));
        for i in 0..10_000u32 {
            assert_eq!(keys.insert(&format!("agent-{i:06}"), i), Ok(()));
        }
        assert_eq!(keys.insert("agent-000007", 99), Err(7));
        assert_eq!(keys.insert(long, 5), Err(1_000_000));
        for i in 0..10_000u32 {
            assert_eq!(keys.get(&format!("agent-{i:06}")), Some(i));
        }
        assert_eq!(keys.get(long), Some(1_000_000));
        assert_eq!(keys.get("agent-010000"), None);
        assert_eq!(keys.get(""), None);
        keys.remove("agent-000003", 3);
        keys.remove("agent-000004", 5);
        assert_eq!(keys.get("agent-000003"), None);
        assert_eq!(keys.get("agent-000004"), Some(4));
        assert_eq!(keys.len(), 10_000);
        assert!(keys.keys().any(|k| k == long));
    }
}
