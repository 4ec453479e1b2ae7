//! Regular expressions for `matches`, compiled within a size limit and kept in a bounded
//! cache: patterns can come from data that the policy authors did not write, so neither
//! one pattern nor many distinct ones may take unbounded memory or time.

use std::collections::HashMap;
use std::sync::Arc;

use regex::{Regex, RegexBuilder};

/// The most memory one compiled pattern may take. Ordinary patterns (`^[a-z0-9-]+$`) take
/// a few KiB; the Unicode class `\w` takes tens, so `^\w{1,64}$` needs a few MiB. A pattern
/// over the limit is an error (`E0210`), never a slow or huge match.
pub const PATTERN_SIZE_LIMIT: usize = 4 << 20;

/// The most the lazy DFA of one pattern may cache while matching (the crate's default).
const PATTERN_DFA_LIMIT: usize = 2 << 20;

/// How many compiled patterns the evaluator keeps. Literal patterns in a program are few;
/// patterns taken from data can be as many as the records, and then only the recently used
/// ones stay.
pub const PATTERN_CACHE_CAPACITY: usize = 32;

/// Compiles `pattern` within [`PATTERN_SIZE_LIMIT`]. The error is one line, for a label.
pub fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(PATTERN_SIZE_LIMIT)
        .dfa_size_limit(PATTERN_DFA_LIMIT)
        .build()
        .map_err(|error| describe(&error))
}

/// The last line of the crate's message (its first lines repeat the pattern), or, for a
/// pattern over the limit, what to do about it.
fn describe(error: &regex::Error) -> String {
    match error {
        regex::Error::CompiledTooBig(_) => format!(
            "the compiled pattern exceeds the limit of {} MiB: counted repetitions such as `{{1000}}` multiply its size, and Unicode classes such as `\\w` are large (`[A-Za-z0-9_]` is not)",
            PATTERN_SIZE_LIMIT >> 20
        ),
        other => {
            let text = other.to_string();
            let line = text.lines().last().unwrap_or(&text).trim();
            line.strip_prefix("error: ").unwrap_or(line).to_string()
        }
    }
}

/// Compiled patterns by their text, the least recently used dropped first once there are
/// `capacity` of them.
#[derive(Debug)]
pub(crate) struct PatternCache {
    capacity: usize,
    /// Each pattern with the tick of its last use.
    entries: HashMap<Arc<str>, (Arc<Regex>, u64)>,
    tick: u64,
}

impl PatternCache {
    pub fn new(capacity: usize) -> PatternCache {
        PatternCache {
            capacity: capacity.max(1),
            entries: HashMap::new(),
            tick: 0,
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The compiled pattern, from the cache or compiled now (and then cached).
    pub fn get_or_compile(&mut self, pattern: &Arc<str>) -> Result<Arc<Regex>, String> {
        self.tick += 1;
        if let Some((found, used)) = self.entries.get_mut(pattern) {
            *used = self.tick;
            return Ok(found.clone());
        }
        let compiled = Arc::new(compile_pattern(pattern)?);
        if self.entries.len() >= self.capacity {
            self.evict_least_recent();
        }
        self.entries.insert(pattern.clone(), (compiled.clone(), self.tick));
        Ok(compiled)
    }

    /// A linear scan: the cache is small, and a miss costs a compilation anyway.
    fn evict_least_recent(&mut self) {
        let oldest = self
            .entries
            .iter()
            .min_by_key(|(_, (_, used))| *used)
            .map(|(pattern, _)| pattern.clone());
        if let Some(pattern) = oldest {
            self.entries.remove(&pattern);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn a_thousand_distinct_patterns_keep_the_cache_bounded() {
        let mut cache = PatternCache::new(PATTERN_CACHE_CAPACITY);
        for i in 0..1000 {
            let pattern: Arc<str> = Arc::from(format!("^agent-{i}-[a-z]+$"));
            let re = cache.get_or_compile(&pattern).unwrap();
            assert!(re.is_match(&format!("agent-{i}-x")));
            assert!(cache.len() <= PATTERN_CACHE_CAPACITY);
        }
        assert_eq!(cache.len(), PATTERN_CACHE_CAPACITY);
    }

    #[test]
    fn the_recently_used_pattern_stays() {
        let mut cache = PatternCache::new(2);
        let keep: Arc<str> = Arc::from("keep");
        let first = cache.get_or_compile(&keep).unwrap();
        for i in 0..10 {
            cache.get_or_compile(&Arc::from(format!("other{i}"))).unwrap();
            let again = cache.get_or_compile(&keep).unwrap();
            assert!(Arc::ptr_eq(&first, &again), "`keep` was evicted although used last");
        }
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn a_huge_pattern_is_an_error() {
        for pattern in ["(a{1000}){1000}", r"\w{1000}", "[a-z]{1000000}"] {
            let error = compile_pattern(pattern).unwrap_err();
            assert!(error.contains("exceeds the limit"), "{pattern}: {error}");
        }
        let mut cache = PatternCache::new(4);
        assert!(cache.get_or_compile(&Arc::from("(a{1000}){1000}")).is_err());
        assert_eq!(cache.len(), 0, "a pattern that failed is not cached");
    }

    #[test]
    fn patterns_people_write_are_within_the_limit() {
        for pattern in [
            r"^\w{1,64}$",
            r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
            r"^\w+@example\.com$",
        ] {
            assert!(compile_pattern(pattern).is_ok(), "{pattern}");
        }
    }

    #[test]
    fn an_invalid_pattern_says_why_in_one_line() {
        let error = compile_pattern("(unclosed").unwrap_err();
        assert_eq!(error, "unclosed group");
    }
}
