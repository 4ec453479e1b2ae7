//! The keys of one entity kind: a hash table whose short keys (up to 22 bytes, most
//! registry keys) live inside its buckets, so finding one touches the table alone and
//! never the scattered records that hold the key's string. Keys are hashed and compared
//! as bytes: a lookup never re-validates the UTF-8 of a key it holds.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

use crate::hash::{Fast, same_bytes};

/// Key → index into the loader's entities.
#[derive(Debug, Default)]
pub(crate) struct Keys {
    table: HashTable<(KeyText, u32)>,
}

fn hash(key: &[u8]) -> u64 {
    Fast::default().hash_one(key)
}

impl Keys {
    /// Room for `additional` more keys, so that they go in without growing the table.
    pub fn reserve(&mut self, additional: usize) {
        self.table.reserve(additional, |(key, _)| hash(key.as_bytes()));
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// The entity with this key.
    pub fn get(&self, key: &str) -> Option<u32> {
        let key = key.as_bytes();
        self.table
            .find(hash(key), |(held, _)| same_bytes(held.as_bytes(), key))
            .map(|&(_, entity)| entity)
    }

    /// Adds `key` for `entity`; when the key is taken, the entity that has it.
    pub fn insert(&mut self, key: &str, entity: u32) -> Result<(), u32> {
        self.insert_key(KeyText::new(key), entity)
    }

    fn insert_key(&mut self, key: KeyText, entity: u32) -> Result<(), u32> {
        let bytes = key.as_bytes();
        match self.table.entry(
            hash(bytes),
            |(held, _)| same_bytes(held.as_bytes(), bytes),
            |(held, _)| hash(held.as_bytes()),
        ) {
            Entry::Occupied(first) => Err(first.get().1),
            Entry::Vacant(slot) => {
                slot.insert((key, entity));
                Ok(())
            }
        }
    }

    /// Adds the keys of `other`, whose entity numbers `renumber` maps to this table's;
    /// `taken(first, again)` is told of each key this table had already. The keys are
    /// moved, not read again from their records.
    pub fn absorb(&mut self, mut other: Keys, renumber: impl Fn(u32) -> u32, mut taken: impl FnMut(u32, u32)) {
        if self.table.is_empty() && self.table.capacity() <= other.table.capacity() {
            // Nothing can be taken, and the other table is as roomy: it becomes this one.
            std::mem::swap(&mut self.table, &mut other.table);
            for (_, entity) in &mut self.table {
                *entity = renumber(*entity);
            }
            return;
        }
        self.reserve(other.len());
        for (key, entity) in other.table {
            let entity = renumber(entity);
            if let Err(first) = self.insert_key(key, entity) {
                taken(first, entity);
            }
        }
    }

    /// Forgets `key` if `entity` has it (a document that failed to load).
    pub fn remove(&mut self, key: &str, entity: u32) {
        let key = key.as_bytes();
        if let Ok(found) = self
            .table
            .find_entry(hash(key), |(held, _)| same_bytes(held.as_bytes(), key))
            && found.get().1 == entity
        {
            found.remove();
        }
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        // Every key was a `str` when it went in; the check is for the rare caller only.
        self.table
            .iter()
            .map(|(key, _)| std::str::from_utf8(key.as_bytes()).unwrap_or(""))
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
        let mut bytes = [0u8; INLINE];
        match (bytes.get_mut(..text.len()), u8::try_from(text.len())) {
            (Some(prefix), Ok(len)) => {
                prefix.copy_from_slice(text.as_bytes());
                KeyText::Inline { len, bytes }
            }
            _ => KeyText::Heap(Box::from(text)),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            KeyText::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or(&[]),
            KeyText::Heap(text) => text.as_bytes(),
        }
    }
}

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
