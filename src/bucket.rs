//! Bucketing identical to OpenFeature flagd's `fractional` operation (its v2 integer form),
//! so a user keeps their bucket when a team moves between flagd and cpl.
//!
//! - The bucketing string is `(salt ?? flag key) + by-value`, with no separator. The caller
//!   builds it (see [`bucketing_string`]); this module only hashes and splits.
//! - The hash is MurmurHash3 x86 32-bit, seed 0, over the string's UTF-8 bytes, as flagd's
//!   Go evaluator does. flagd's JavaScript evaluator (`@openfeature/flagd-core`) hashes
//!   UTF-16 code units instead, so it agrees with flagd's Go evaluator (and with cpl) on
//!   ASCII strings only; `tests/flagd_differential.rs` shows both facts.
//! - `bucket = (hash as u64 * total_weight as u64) >> 32`, a number in `0..total_weight`;
//!   the variant is the first whose cumulative weight exceeds the bucket, in the order
//!   written. A zero weight never wins. A total weight of zero picks nothing (flagd then
//!   serves the default variant), and so does a total above `i32::MAX` (flagd rejects it).
//! - Weights are integers. Multiplying every weight by the same factor moves no key:
//!   `floor(h * k·T / 2³²) < k·C` holds exactly when `h * T < C * 2³²`. So cpl writes a
//!   percentage share as a weight in hundredths of a percent ([`percent_weight`]: `25%` is
//!   2500, `12.5%` is 1250), and `rollout 25% => v` is the two-bucket split
//!   `[v: 2500, fall-through: 7500]`, which buckets every key as flagd's
//!   `["v", 25], ["next", 75]` does.

/// The largest total weight flagd accepts (`math.MaxInt32` in its Go evaluator).
pub const MAX_TOTAL_WEIGHT: u32 = 0x7fff_ffff;

/// Weight units per percent: a percentage share becomes a weight in hundredths of a percent.
pub const WEIGHT_PER_PERCENT: u32 = 100;

/// Why a weighted choice picked no variant; the caller serves the default and says why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoPick {
    /// Every weight is zero (or there are no variants): flagd serves the default variant.
    ZeroTotalWeight,
    /// The weights add up to more than [`MAX_TOTAL_WEIGHT`]: flagd rejects the rule.
    TotalWeightTooLarge {
        /// The sum of the weights.
        total: u64,
    },
}

/// MurmurHash3 x86 32-bit (Austin Appleby's `MurmurHash3_x86_32`) of `bytes` with `seed`.
pub fn murmur3_x86_32(bytes: &[u8], seed: u32) -> u32 {
    let mut blocks = bytes.chunks_exact(4);
    let mut hash = seed;
    for block in &mut blocks {
        hash ^= scramble(little_endian(block));
        hash = hash.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        hash ^= scramble(little_endian(tail));
    }
    // The reference mixes in the length as a 32-bit integer, so longer inputs wrap.
    hash ^= bytes.len() as u32;
    finalize(hash)
}

/// The bucketing string `(salt ?? flag key) + by-value`, with no separator, as flagd's
/// `{"cat": [seed, value]}` makes it.
pub fn bucketing_string(salt_or_key: &str, by_value: &str) -> String {
    let mut joined = String::with_capacity(salt_or_key.len() + by_value.len());
    joined.push_str(salt_or_key);
    joined.push_str(by_value);
    joined
}

/// The bucket of `bucketing_key` among `total_weight` units: a number in
/// `0..total_weight`, or 0 when `total_weight` is 0.
pub fn bucket(bucketing_key: &str, total_weight: u32) -> u32 {
    let hash = u64::from(murmur3_x86_32(bucketing_key.as_bytes(), 0));
    let scaled = (hash * u64::from(total_weight)) >> 32;
    // `hash < 2³²`, so `scaled < total_weight` and always fits.
    u32::try_from(scaled).unwrap_or(total_weight)
}

/// The sum of the weights, when flagd would accept it.
pub fn total_weight<T>(variants: &[(T, u32)]) -> Result<u32, NoPick> {
    let total: u64 = variants.iter().map(|(_, weight)| u64::from(*weight)).sum();
    match u32::try_from(total) {
        Ok(0) => Err(NoPick::ZeroTotalWeight),
        Ok(total) if total <= MAX_TOTAL_WEIGHT => Ok(total),
        _ => Err(NoPick::TotalWeightTooLarge { total }),
    }
}

/// The variant `bucketing_key` falls in: the first, in the order written, whose cumulative
/// weight exceeds the key's [`bucket`].
pub fn pick<'v, T>(bucketing_key: &str, variants: &'v [(T, u32)]) -> Result<&'v T, NoPick> {
    let total = total_weight(variants)?;
    let bucket = u64::from(bucket(bucketing_key, total));
    let mut range_end = 0u64;
    for (variant, weight) in variants {
        range_end += u64::from(*weight);
        if bucket < range_end {
            return Ok(variant);
        }
    }
    // The bucket is below the total, so some variant always holds it.
    Err(NoPick::ZeroTotalWeight)
}

/// A percentage share (`0.25` for `25%`) as a weight in hundredths of a percent, when it lies
/// within 0–100 % and is a whole number of hundredths; `None` otherwise.
pub fn percent_weight(share: f64) -> Option<u32> {
    let units = share * 100.0 * f64::from(WEIGHT_PER_PERCENT);
    let whole = units.round();
    let is_whole = (units - whole).abs() < 1e-6;
    let in_range = (0.0..=100.0 * f64::from(WEIGHT_PER_PERCENT)).contains(&whole);
    // In range and whole, so the conversion is exact.
    (is_whole && in_range).then_some(whole as u32)
}

/// A `rollout P => v` as a two-bucket split: the rollout's share first, the rest falling
/// through to the next rule.
pub fn rollout_weights(share: f64) -> Option<[u32; 2]> {
    let weight = percent_weight(share)?;
    Some([weight, 100 * WEIGHT_PER_PERCENT - weight])
}

/// Up to four bytes as a little-endian word, the last block zero-padded as the reference does.
fn little_endian(bytes: &[u8]) -> u32 {
    bytes.iter().rev().fold(0, |word, byte| (word << 8) | u32::from(*byte))
}

/// The per-block mixing of a word before it enters the hash.
fn scramble(word: u32) -> u32 {
    word.wrapping_mul(0xcc9e_2d51).rotate_left(15).wrapping_mul(0x1b87_3593)
}

/// The final avalanche (`fmix32`), so every input bit reaches every output bit.
fn finalize(mut hash: u32) -> u32 {
    hash ^= hash >> 16;
    hash = hash.wrapping_mul(0x85eb_ca6b);
    hash ^= hash >> 13;
    hash = hash.wrapping_mul(0xc2b2_ae35);
    hash ^ (hash >> 16)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reference vectors of `MurmurHash3_x86_32` (SMHasher's implementation, as collected
    /// in the widely used test tables of its ports).
    #[test]
    fn murmur3_matches_the_reference_vectors() {
        let vectors: &[(&[u8], u32, u32)] = &[
            (b"", 0, 0),
            (b"", 1, 0x514e_28b7),
            (b"", 0xffff_ffff, 0x81f1_6f39),
            (&[0xff, 0xff, 0xff, 0xff], 0, 0x7629_3b50),
            (&[0x21, 0x43, 0x65, 0x87], 0, 0xf55b_516b),
            (&[0x21, 0x43, 0x65, 0x87], 0x5082_edee, 0x2362_f9de),
            (&[0x21, 0x43, 0x65], 0, 0x7e4a_8634),
            (&[0x21, 0x43], 0, 0xa0f7_b07a),
            (&[0x21], 0, 0x7266_1cf4),
            (&[0, 0, 0, 0], 0, 0x2362_f9de),
            (&[0, 0, 0], 0, 0x85f0_b427),
            (&[0, 0], 0, 0x30f4_c306),
            (&[0], 0, 0x514e_28b7),
            (b"hello", 0, 0x248b_fa47),
            (b"hello, world", 0, 0x149b_bb7f),
            (b"Hello, world!", 0, 0xc036_3e43),
            (b"The quick brown fox jumps over the lazy dog", 0, 0x2e4f_f723),
            (b"The quick brown fox jumps over the lazy dog", 0x9747_b28c, 0x2fa8_26cd),
            (b"aaaa", 0x9747_b28c, 0x5a97_808a),
            (b"abc", 0x9747_b28c, 0xc84a_62dd),
            (b"Hello, world!", 0x9747_b28c, 0x2488_4cba),
        ];
        for (bytes, seed, expected) in vectors {
            assert_eq!(murmur3_x86_32(bytes, *seed), *expected, "{bytes:?} seed {seed:#x}");
        }
    }

    /// Buckets of 100 computed by `imurmurhash`, the hash flagd's JavaScript evaluator uses.
    #[test]
    fn buckets_of_known_keys() {
        assert_eq!(bucket("hello", 100), 14);
        assert_eq!(bucket("fractional-flagjack", 100), 62);
        assert_eq!(bucket("", 100), 0);
    }

    #[test]
    fn a_total_of_zero_picks_nothing() {
        let none: &[(&str, u32)] = &[];
        assert_eq!(pick("any", none), Err(NoPick::ZeroTotalWeight));
        assert_eq!(pick("any", &[("a", 0), ("b", 0)]), Err(NoPick::ZeroTotalWeight));
        assert_eq!(bucket("any", 0), 0);
    }

    #[test]
    fn a_total_above_flagd_s_limit_picks_nothing() {
        let heavy = [("a", MAX_TOTAL_WEIGHT), ("b", 1)];
        let total = u64::from(MAX_TOTAL_WEIGHT) + 1;
        assert_eq!(pick("any", &heavy), Err(NoPick::TotalWeightTooLarge { total }));
        let wrapping = [("a", u32::MAX), ("b", 2)];
        assert!(matches!(
            pick("any", &wrapping),
            Err(NoPick::TotalWeightTooLarge { .. })
        ));
        assert_eq!(pick("any", &[("a", MAX_TOTAL_WEIGHT)]), Ok(&"a"));
    }

    #[test]
    fn percentages_become_hundredths_of_a_percent() {
        assert_eq!(percent_weight(0.25), Some(2500));
        assert_eq!(percent_weight(0.125), Some(1250));
        assert_eq!(percent_weight(0.0001), Some(1));
        assert_eq!(percent_weight(0.0), Some(0));
        assert_eq!(percent_weight(1.0), Some(10_000));
        assert_eq!(percent_weight(0.00005), None, "finer than a hundredth of a percent");
        assert_eq!(percent_weight(1.01), None);
        assert_eq!(percent_weight(-0.01), None);
        assert_eq!(percent_weight(f64::NAN), None);
        assert_eq!(percent_weight(f64::INFINITY), None);
        assert_eq!(rollout_weights(0.25), Some([2500, 7500]));
    }

    #[test]
    fn the_bucketing_string_has_no_separator() {
        assert_eq!(bucketing_string("fractional-flag", "jack"), "fractional-flagjack");
        assert_eq!(bucketing_string("", ""), "");
    }

    fn weights() -> impl Strategy<Value = Vec<u32>> {
        prop::collection::vec(0u32..1000, 1..6)
    }

    proptest! {
        #[test]
        fn the_pick_is_stable(key in ".*", weights in weights()) {
            let variants: Vec<(usize, u32)> = weights.into_iter().enumerate().collect();
            prop_assert_eq!(pick(&key, &variants), pick(&key, &variants));
        }

        #[test]
        fn a_zero_weight_never_wins(key in ".*", weights in weights()) {
            let variants: Vec<(usize, u32)> = weights.into_iter().enumerate().collect();
            if let Ok(index) = pick(&key, &variants) {
                prop_assert!(variants[*index].1 > 0);
            }
        }

        #[test]
        fn a_single_weighted_variant_takes_every_key(
            key in ".*", zeros_before in 0usize..4, zeros_after in 0usize..4, weight in 1u32..=MAX_TOTAL_WEIGHT,
        ) {
            let mut variants = vec![("zero", 0); zeros_before];
            variants.push(("all", weight));
            variants.extend(vec![("zero", 0); zeros_after]);
            prop_assert_eq!(pick(&key, &variants), Ok(&"all"));
        }

        #[test]
        fn the_bucket_lies_below_the_total(key in ".*", total in 1u32..=u32::MAX) {
            prop_assert!(bucket(&key, total) < total);
        }

        #[test]
        fn scaling_every_weight_moves_no_key(key in ".*", weights in weights(), factor in 1u32..1000) {
            let variants: Vec<(usize, u32)> = weights.iter().copied().enumerate().collect();
            let scaled: Vec<(usize, u32)> = weights.iter().map(|w| w * factor).enumerate().collect();
            prop_assert_eq!(pick(&key, &variants), pick(&key, &scaled));
        }

        #[test]
        fn a_rollout_in_hundredths_buckets_as_whole_percents(key in ".*", percent in 0u32..=100) {
            let whole = [(true, percent), (false, 100 - percent)];
            let [rolled, rest] = rollout_weights(f64::from(percent) / 100.0).unwrap();
            let hundredths = [(true, rolled), (false, rest)];
            prop_assert_eq!(pick(&key, &whole), pick(&key, &hundredths));
        }

        #[test]
        fn the_hash_matches_a_word_at_a_time_reading(bytes in prop::collection::vec(any::<u8>(), 0..64), seed in any::<u32>()) {
            prop_assert_eq!(murmur3_x86_32(&bytes, seed), reference(&bytes, seed));
        }
    }

    /// A second, literal transcription of the reference, to check the blocks and the tail.
    fn reference(data: &[u8], seed: u32) -> u32 {
        let nblocks = data.len() / 4;
        let mut h1 = seed;
        for i in 0..nblocks {
            let mut k1 = u32::from_le_bytes([data[4 * i], data[4 * i + 1], data[4 * i + 2], data[4 * i + 3]]);
            k1 = k1.wrapping_mul(0xcc9e_2d51).rotate_left(15).wrapping_mul(0x1b87_3593);
            h1 ^= k1;
            h1 = h1.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
        }
        let tail = &data[nblocks * 4..];
        let mut k1 = 0u32;
        if tail.len() >= 3 {
            k1 ^= u32::from(tail[2]) << 16;
        }
        if tail.len() >= 2 {
            k1 ^= u32::from(tail[1]) << 8;
        }
        if !tail.is_empty() {
            k1 ^= u32::from(tail[0]);
            h1 ^= k1.wrapping_mul(0xcc9e_2d51).rotate_left(15).wrapping_mul(0x1b87_3593);
        }
        h1 ^= data.len() as u32;
        h1 ^= h1 >> 16;
        h1 = h1.wrapping_mul(0x85eb_ca6b);
        h1 ^= h1 >> 13;
        h1 = h1.wrapping_mul(0xc2b2_ae35);
        h1 ^ (h1 >> 16)
    }
}
