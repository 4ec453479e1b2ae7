//! A fast, non-cryptographic hasher for cpl's own tables: the checker's names, the
//! loader's interned strings and registry keys, the evaluator's list indexes. The keys
//! come from the project's own files, not from requests, so resistance to crafted
//! collisions is not needed; speed on 100 000 keys is.

use std::hash::{BuildHasherDefault, Hasher};

/// `HashMap<K, V, Fast>` hashes with [`FxHasher`].
pub type Fast = BuildHasherDefault<FxHasher>;

/// The multiply-rotate hash of rustc (`FxHasher`), word at a time.
#[derive(Clone, Copy, Debug, Default)]
pub struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            if let Ok(word) = <[u8; 8]>::try_from(chunk) {
                self.add(u64::from_le_bytes(word));
            }
        }
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        for (slot, byte) in last.iter_mut().zip(rest) {
            *slot = *byte;
        }
        if !rest.is_empty() {
            self.add(u64::from_le_bytes(last));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
