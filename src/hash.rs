//! A fast, non-cryptographic hasher for cpl's own tables: the checker's names, the
//! loader's interned strings and registry keys, the evaluator's list indexes. The keys
//! come from the project's own files, not from requests, so resistance to crafted
//! collisions is not needed; speed on 100 000 keys is.

use std::hash::Hasher;

/// `HashMap<K, V, Fast>` hashes with rustc's `FxHasher` (the `rustc-hash` crate). This is
/// the one place that names the hasher; no output or order may depend on its values.
pub type Fast = rustc_hash::FxBuildHasher;

/// Whether two byte strings are equal, compared in line a word at a time when short.
/// The loader compares a short key or field name with another for every value it reads
/// (100 000s of them); slice equality calls the C library's `memcmp`, whose call costs
/// more than comparing 16 bytes.
#[inline]
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && if a.len() > 16 { a == b } else { ends(a) == ends(b) }
}

/// The first and the last word of a string of up to 16 bytes, which overlap or pad so
/// that together they cover it: equal ends of two strings of one length mean equal strings.
#[inline]
fn ends(s: &[u8]) -> (u64, u64) {
    let n = s.len();
    if n >= 8 {
        (word::<8>(s, 0), word::<8>(s, n - 8))
    } else if n >= 4 {
        (word::<4>(s, 0), word::<4>(s, n - 4))
    } else {
        (s.iter().rev().fold(0, |w, &b| w << 8 | u64::from(b)), 0)
    }
}

/// The `N` (at most 8) bytes at `at` as a number; zero if they are not all there.
#[inline]
fn word<const N: usize>(s: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    match (s.get(at..at + N), bytes.get_mut(..N)) {
        (Some(from), Some(to)) => to.copy_from_slice(from),
        _ => return 0,
    }
    u64::from_le_bytes(bytes)
}

/// A string key of a hash table, compared with [`same_bytes`].
#[derive(Clone, Copy, Debug)]
pub struct Text<'a>(pub &'a str);

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Text<'_>) -> bool {
        same_bytes(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for Text<'_> {}

impl std::hash::Hash for Text<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::same_bytes;

    #[test]
    fn same_bytes_agrees_with_slice_equality() {
        let words: Vec<Vec<u8>> = (0..=20usize)
            .flat_map(|n| {
                let base: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
                // The string itself and one differing at each position.
                let mut variants = vec![base.clone()];
                for at in 0..n {
                    let mut changed = base.clone();
                    if let Some(byte) = changed.get_mut(at) {
                        *byte ^= 0x20;
                    }
                    variants.push(changed);
                }
                variants
            })
            .collect();
        for a in &words {
            for b in &words {
                assert_eq!(same_bytes(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}
