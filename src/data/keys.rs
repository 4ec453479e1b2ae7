//! The keys of one entity kind: a compact open-addressing table over a copy of the keys'
//! text. Probing and checking a key touch only this table's own few megabytes, never the
//! scattered records; growing it rehashes nothing (each key's hash is stored).

use std::hash::Hasher;

use super::hash::FxHasher;

#[derive(Debug, Default)]
pub(crate) struct Keys {
    /// Linear probing, load at most one half: an index into `keys` plus one, 0 if empty.
    slots: Vec<u32>,
    keys: Vec<Key>,
    /// Every key's text, one after the other.
    text: String,
}

#[derive(Debug)]
struct Key {
    hash: u64,
    start: u32,
    len: u32,
    /// The entity (index into the loader's entities) that has this key.
    entity: u32,
}

fn hash(key: &str) -> u64 {
    let mut hasher = FxHasher::default();
    hasher.write(key.as_bytes());
    hasher.write_u8(0xff);
    hasher.finish()
}

impl Keys {
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    fn text_of(&self, key: &Key) -> &str {
        let start = key.start as usize;
        self.text.get(start..start + key.len as usize).unwrap_or("")
    }

    /// The slot holding `key`, or the empty slot where it would go.
    fn probe(&self, key: &str, hash: u64) -> Result<usize, usize> {
        let mask = self.slots.len().wrapping_sub(1);
        // The multiplicative hash keeps its entropy in the high bits.
        let mut at = (hash.rotate_left(20) as usize) & mask;
        loop {
            match self.slots.get(at) {
                None | Some(0) => return Err(at),
                Some(&slot) => {
                    if let Some(found) = self.keys.get(slot as usize - 1)
                        && found.hash == hash
                        && self.text_of(found) == key
                    {
                        return Ok(at);
                    }
                }
            }
            at = (at + 1) & mask;
        }
    }

    /// The entity with this key.
    pub fn get(&self, key: &str) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let at = self.probe(key, hash(key)).ok()?;
        let slot = *self.slots.get(at)?;
        self.keys.get(slot as usize - 1).map(|k| k.entity)
    }

    /// Adds `key` for `entity`; when the key is taken, the entity that has it.
    pub fn insert(&mut self, key: &str, entity: u32) -> Result<(), u32> {
        if (self.keys.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let hash = hash(key);
        match self.probe(key, hash) {
            Ok(at) => {
                let first = self.slots.get(at).and_then(|&s| self.keys.get(s as usize - 1));
                Err(first.map_or(u32::MAX, |k| k.entity))
            }
            Err(at) => {
                let start = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
                self.text.push_str(key);
                self.keys.push(Key {
                    hash,
                    start,
                    len: u32::try_from(key.len()).unwrap_or(u32::MAX),
                    entity,
                });
                if let Some(slot) = self.slots.get_mut(at) {
                    *slot = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
                }
                Ok(())
            }
        }
    }

    /// Forgets `key` if `entity` has it (a document that failed to load). Rare: rebuilds.
    pub fn remove(&mut self, key: &str, entity: u32) {
        let Some(index) = self
            .keys
            .iter()
            .position(|k| k.entity == entity && self.text_of(k) == key)
        else {
            return;
        };
        self.keys.remove(index);
        self.rebuild(self.slots.len().max(16));
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|k| self.text_of(k))
    }

    fn grow(&mut self) {
        self.rebuild((self.slots.len() * 2).max(16));
    }

    fn rebuild(&mut self, size: usize) {
        let mut slots = vec![0u32; size];
        let mask = size.saturating_sub(1);
        for (i, key) in self.keys.iter().enumerate() {
            let mut at = (key.hash.rotate_left(20) as usize) & mask;
            while slots.get(at).is_some_and(|&s| s != 0) {
                at = (at + 1) & mask;
            }
            if let Some(slot) = slots.get_mut(at) {
                *slot = u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
        }
        self.slots = slots;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_it_holds_and_reports_taken_keys() {
        let mut keys = Keys::default();
        for i in 0..10_000u32 {
            assert_eq!(keys.insert(&format!("agent-{i:06}"), i), Ok(()));
        }
        assert_eq!(keys.insert("agent-000007", 99), Err(7));
        for i in 0..10_000u32 {
            assert_eq!(keys.get(&format!("agent-{i:06}")), Some(i));
        }
        assert_eq!(keys.get("agent-010000"), None);
        assert_eq!(keys.get(""), None);
        keys.remove("agent-000003", 3);
        assert_eq!(keys.get("agent-000003"), None);
        assert_eq!(keys.get("agent-000004"), Some(4));
        assert_eq!(keys.len(), 9_999);
    }
}
