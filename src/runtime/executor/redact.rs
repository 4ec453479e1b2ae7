//! Keeping secrets out of the run log and the terminal. A `secret` value prints as
//! `***` by itself; this also masks its text wherever it turns up later — in a
//! program's standard error, an error message, a reply — the way CI systems mask
//! their secrets in logs. A program that echoes a secret seldom echoes it verbatim,
//! so its escaped forms are masked too: JSON string escapes (`\"`, `\\`, `\/`,
//! `\n`, `\uXXXX` in either case, and escapes of escapes for JSON quoted in JSON),
//! percent-encoding (either case, `+` for a space) and base64 (standard and URL-safe,
//! alone or inside a longer encoded text).

use serde_json::Value as Json;

use crate::ir::Value;

/// Secrets shorter than this are not searched for in text: masking every `a` would
/// ruin the log and protect nothing.
pub const MIN_MASKED_LEN: usize = 4;

const MASK: &str = "***";

/// The secret texts seen so far in a run.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Each secret as given, to learn it once.
    known: Vec<String>,
    /// What is searched for: each secret and its encodings, longest first so that a
    /// secret containing another is masked whole.
    patterns: Vec<String>,
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// Remembers every secret inside `value` (records, lists and maps included).
    pub fn learn(&mut self, value: &Value) {
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::Secret(s) => self.add(s),
                Value::List(l) => stack.extend(l.items.iter()),
                Value::Map(m) => stack.extend(m.values()),
                Value::Record(r) => stack.extend(r.fields.iter()),
                _ => {}
            }
        }
    }

    /// Remembers one secret text.
    pub fn add(&mut self, secret: &str) {
        if secret.len() < MIN_MASKED_LEN || self.known.iter().any(|s| s == secret) {
            return;
        }
        self.known.push(secret.to_owned());
        for pattern in encodings(secret) {
            if pattern.len() >= MIN_MASKED_LEN && !self.patterns.contains(&pattern) {
                self.patterns.push(pattern);
            }
        }
        self.patterns.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// `text` with every known secret, in any of its encodings, replaced by `***`.
    pub fn text(&self, text: &str) -> String {
        if self.patterns.is_empty() {
            return text.to_owned();
        }
        let bytes = text.as_bytes();
        // Only an excerpt, marked by `…`, can hold half a secret.
        let has_cut = text.contains(CUT);
        let mut out = String::with_capacity(text.len());
        let mut chars = text.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let found = if c == CUT {
                // An excerpt cut at its start may begin inside a secret.
                out.push(CUT);
                let after = at + CUT.len_utf8();
                match self.patterns.iter().find_map(|p| cut_suffix_at(bytes, after, p)) {
                    Some(end) => Some(end),
                    None => continue,
                }
            } else {
                self.patterns.iter().find_map(|p| match_at(bytes, at, p)).or_else(|| {
                    has_cut
                        .then(|| self.patterns.iter().find_map(|p| cut_prefix_at(bytes, at, p)))
                        .flatten()
                })
            };
            match found {
                Some(end) => {
                    out.push_str(MASK);
                    while chars.next_if(|&(i, _)| i < end).is_some() {}
                }
                None => out.push(c),
            }
        }
        out
    }

    /// The value as JSON for showing and recording: secrets as `***`, and known secret
    /// texts masked inside strings and keys too.
    pub fn value(&self, value: &Value) -> Json {
        self.json(value.to_json(false))
    }

    /// Masks known secret texts inside JSON.
    pub fn json(&self, json: Json) -> Json {
        if self.patterns.is_empty() {
            return json;
        }
        match json {
            Json::String(s) => Json::String(self.text(&s)),
            Json::Array(items) => Json::Array(items.into_iter().map(|v| self.json(v)).collect()),
            Json::Object(map) => Json::Object(map.into_iter().map(|(k, v)| (self.text(&k), self.json(v))).collect()),
            other => other,
        }
    }
}

/// The texts searched for a secret: itself (whose JSON and percent escapes the
/// matcher accepts in place of any character), its JSON-escaped form (so that a JSON
/// string quoted inside another is caught too), and its base64 forms.
fn encodings(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_owned()];
    let escaped = serde_json::to_string(secret).unwrap_or_default();
    let escaped = escaped.trim_start_matches('"').trim_end_matches('"');
    if escaped != secret {
        out.push(escaped.to_owned());
    }
    for encoded in base64_forms(secret.as_bytes()) {
        out.push(encoded.replace('+', "-").replace('/', "_"));
        out.push(encoded);
    }
    out
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The base64 characters that encode `bytes` whatever surrounds them, for each of the
/// three alignments it can have inside a longer encoded text (a password inside
/// `user:password`, say).
fn base64_forms(bytes: &[u8]) -> Vec<String> {
    (0..3_usize)
        .map(|offset| {
            let mut padded = vec![0_u8; offset];
            padded.extend_from_slice(bytes);
            let encoded = base64_unpadded(&padded);
            let first = (offset * 8).div_ceil(6);
            let last = (padded.len() * 8) / 6;
            encoded.get(first..last).unwrap_or_default().to_owned()
        })
        .collect()
}

fn base64_unpadded(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        let sextets = chunk.len() + 1;
        for k in 0..sextets {
            let index = (n >> (18 - 6 * k)) & 63;
            let c = BASE64.get(index as usize).copied().unwrap_or(b'A');
            out.push(char::from(c));
        }
    }
    out
}

/// How an excerpt marks where it was cut.
const CUT: char = '…';

/// Where the start of `pattern` at `at` ends when the text is cut (`…` follows) before
/// the rest of it: an excerpt must not keep half a secret.
fn cut_prefix_at(text: &[u8], at: usize, pattern: &str) -> Option<usize> {
    let mut pos = at;
    for (count, c) in pattern.chars().enumerate() {
        match ends_of(text, pos, c).as_slice().first() {
            Some(&next) => pos = next,
            None => {
                let rest = text.get(pos..)?;
                let cut = rest.starts_with(CUT.to_string().as_bytes());
                return (cut && count >= MIN_MASKED_LEN).then_some(pos);
            }
        }
    }
    None
}

/// Where the end of `pattern` at `at` ends, if the text there (just after a `…`)
/// starts with one that is long enough to recognise.
fn cut_suffix_at(text: &[u8], at: usize, pattern: &str) -> Option<usize> {
    let starts = pattern.char_indices().map(|(i, _)| i).skip(1);
    starts
        .filter_map(|i| pattern.get(i..))
        .filter(|rest| rest.chars().count() >= MIN_MASKED_LEN)
        .find_map(|rest| match_at(text, at, rest))
}

/// Where a match of `pattern` starting at byte `at` of `text` ends, if there is one.
fn match_at(text: &[u8], at: usize, pattern: &str) -> Option<usize> {
    // Most places start neither the secret nor an escape: skip them cheaply.
    let here = *text.get(at)?;
    if Some(&here) != pattern.as_bytes().first() && !matches!(here, b'\\' | b'%' | b'+') {
        return None;
    }
    let chars: Vec<char> = pattern.chars().collect();
    match_chars(text, at, &chars)
}

/// How many ways of reading a text one match may try before it gives up: a secret
/// with many backslashes or `%` against a text crafted for it must not stall a run.
const MATCH_BUDGET: u32 = 4096;

fn match_chars(text: &[u8], at: usize, chars: &[char]) -> Option<usize> {
    let mut budget = MATCH_BUDGET;
    match_from(text, at, chars, &mut budget)
}

/// The deepest nesting of JSON in JSON whose escaped backslashes are recognised.
const MAX_ESCAPE_DEPTH: u32 = 5;

/// [`match_at`] for the characters left. Most characters can be read only one way at
/// a place, but some several: a `%` is itself or the start of `%25`, and a run of `k`
/// backslashes in a secret is `k × 2^depth` backslashes in text escaped `depth` times,
/// where the rest of the text's run, if any, belongs to the next character's escape
/// (`\\\u00e9`). Each reading is tried.
fn match_from(text: &[u8], at: usize, chars: &[char], budget: &mut u32) -> Option<usize> {
    let mut pos = at;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let in_text = run_of_backslashes(text.get(pos..).unwrap_or_default());
        if c == '\\' && in_text > 0 {
            let in_secret = chars
                .get(i..)
                .unwrap_or_default()
                .iter()
                .take_while(|&&c| c == '\\')
                .count();
            let rest = chars.get(i + in_secret..).unwrap_or_default();
            let found = (0..=MAX_ESCAPE_DEPTH)
                .filter_map(|depth| in_secret.checked_shl(depth))
                .filter(|&n| n <= in_text)
                .find_map(|n| {
                    *budget = budget.checked_sub(1)?;
                    match_from(text, pos + n, rest, budget)
                });
            if found.is_some() {
                return found;
            }
            // Not a run of escaped backslashes: perhaps `\u005c`.
        }
        let ends = ends_of(text, pos, c);
        match ends.as_slice() {
            [] => return None,
            [only] => pos = *only,
            several => {
                let rest = chars.get(i + 1..).unwrap_or_default();
                return several.iter().find_map(|&end| {
                    *budget = budget.checked_sub(1)?;
                    match_from(text, end, rest, budget)
                });
            }
        }
        i += 1;
    }
    Some(pos)
}

fn run_of_backslashes(text: &[u8]) -> usize {
    text.iter().take_while(|&&b| b == b'\\').count()
}

/// The places where one character of a secret can end when it starts at `pos`.
#[derive(Default)]
struct Ends {
    ends: [usize; 6],
    len: usize,
}

impl Ends {
    fn push(&mut self, end: usize) {
        if !self.as_slice().contains(&end)
            && let Some(slot) = self.ends.get_mut(self.len)
        {
            *slot = end;
            self.len += 1;
        }
    }

    fn as_slice(&self) -> &[usize] {
        self.ends.get(..self.len).unwrap_or_default()
    }
}

/// Every way `c` can be written at `pos`: as itself, JSON-escaped (behind any number
/// of backslashes, for JSON nested in JSON), or percent-encoded.
fn ends_of(text: &[u8], pos: usize, c: char) -> Ends {
    let mut ends = Ends::default();
    let Some(rest) = text.get(pos..) else {
        return ends;
    };
    let mut utf8 = [0_u8; 4];
    let own: &[u8] = c.encode_utf8(&mut utf8).as_bytes();
    if c == '\\' && rest.first() == Some(&b'\\') {
        ends.push(pos + run_of_backslashes(rest));
    } else if rest.starts_with(own) {
        ends.push(pos + own.len());
    }
    match rest.first() {
        Some(b'\\') => json_escape(text, pos, c).into_iter().for_each(|end| ends.push(end)),
        Some(b'%') => percent_escape(rest, own)
            .into_iter()
            .for_each(|len| ends.push(pos + len)),
        Some(b'+') if c == ' ' => ends.push(pos + 1),
        _ => {}
    }
    ends
}

/// `c` as a JSON escape at `pos`, behind one or more backslashes.
fn json_escape(text: &[u8], pos: usize, c: char) -> Option<usize> {
    let (letter_at, letter) = after_backslashes(text, pos)?;
    let short = match c {
        '"' | '/' | '\'' => c as u8,
        '\n' => b'n',
        '\r' => b'r',
        '\t' => b't',
        '\u{8}' => b'b',
        '\u{c}' => b'f',
        _ => 0,
    };
    if short != 0 && letter == short {
        return Some(letter_at + 1);
    }
    if letter != b'u' {
        return None;
    }
    let mut buffer = [0_u16; 2];
    let mut at = pos;
    // A character beyond the BMP is a surrogate pair: `\ud83d\ude00`.
    for unit in c.encode_utf16(&mut buffer).iter() {
        let (u_at, letter) = after_backslashes(text, at)?;
        let hex = text.get(u_at + 1..u_at + 5)?;
        if letter != b'u' || !hex.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        if u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()? != *unit {
            return None;
        }
        at = u_at + 5;
    }
    Some(at)
}

/// The position and value of the first byte after a run of backslashes at `pos`.
fn after_backslashes(text: &[u8], pos: usize) -> Option<(usize, u8)> {
    let run = text.get(pos..)?.iter().take_while(|&&b| b == b'\\').count();
    if run == 0 {
        return None;
    }
    let at = pos + run;
    text.get(at).map(|&b| (at, b))
}

/// The length of `%XX` triples at the start of `rest` that spell the bytes `own`.
fn percent_escape(rest: &[u8], own: &[u8]) -> Option<usize> {
    for (i, byte) in own.iter().enumerate() {
        let triple = rest.get(i * 3..i * 3 + 3)?;
        let (percent, hex) = triple.split_first()?;
        let hex = std::str::from_utf8(hex).ok()?;
        if *percent != b'%' || !hex.bytes().all(|b| b.is_ascii_hexdigit()) || u8::from_str_radix(hex, 16).ok()? != *byte
        {
            return None;
        }
    }
    Some(own.len() * 3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn secrets_are_masked_in_text_and_json() {
        let mut r = Redactor::new();
        r.learn(&Value::list(vec![
            Value::Secret(Arc::from("hunter2-token")),
            Value::Secret(Arc::from("abc")),
        ]));
        r.add("hunter2-token-long");
        assert_eq!(
            r.text("auth failed for hunter2-token-long and hunter2-token; abc stays"),
            "auth failed for *** and ***; abc stays"
        );
        let json = serde_json::json!({"echo": ["x hunter2-token y"], "hunter2-token": 1});
        assert_eq!(r.json(json), serde_json::json!({"echo": ["x *** y"], "***": 1}));
        assert_eq!(r.value(&Value::Secret(Arc::from("whatever"))), serde_json::json!("***"));
    }

    const TRICKY: &str = "p\"a\\ss/wörd 😀+x";

    fn tricky() -> Redactor {
        let mut r = Redactor::new();
        r.add(TRICKY);
        r
    }

    /// Every character as `\uXXXX`, surrogate pairs included.
    fn all_unicode_escaped(text: &str, upper: bool) -> String {
        let mut units = vec![0_u16; text.len() * 2];
        let mut out = String::new();
        for c in text.chars() {
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&if upper {
                    format!("\\u{unit:04X}")
                } else {
                    format!("\\u{unit:04x}")
                });
            }
        }
        out
    }

    fn percent_encoded(text: &str, upper: bool) -> String {
        text.bytes()
            .map(|b| {
                if upper {
                    format!("%{b:02X}")
                } else {
                    format!("%{b:02x}")
                }
            })
            .collect()
    }

    #[test]
    fn json_escaped_forms_are_masked() {
        let r = tricky();
        let once = serde_json::to_string(TRICKY).unwrap();
        let twice = serde_json::to_string(&once).unwrap();
        let slashed = once.replace('/', "\\/");
        for text in [
            once.clone(),
            twice,
            slashed,
            all_unicode_escaped(TRICKY, false),
            all_unicode_escaped(TRICKY, true),
            format!("\"{}\"", all_unicode_escaped(TRICKY, true).replace('\\', "\\\\")),
        ] {
            let masked = r.text(&format!("echo {text} end"));
            assert!(
                !masked.contains("wörd") && !masked.contains("w\\u00f6rd") && !masked.contains("rd"),
                "{text} -> {masked}"
            );
            assert!(masked.starts_with("echo ") && masked.ends_with(" end"), "{masked}");
        }
    }

    #[test]
    fn percent_encoded_forms_are_masked() {
        let r = tricky();
        for text in [percent_encoded(TRICKY, true), percent_encoded(TRICKY, false)] {
            assert_eq!(r.text(&format!("GET /?k={text}&z=1")), "GET /?k=***&z=1", "{text}");
        }
        let mut plain = Redactor::new();
        plain.add("open sesame");
        assert_eq!(plain.text("q=open+sesame"), "q=***");
        assert_eq!(plain.text("q=open%20sesame"), "q=***");
    }

    #[test]
    fn base64_forms_are_masked_alone_and_inside_longer_encodings() {
        let mut r = Redactor::new();
        r.add("hunter2-token");
        let alone = base64_unpadded(b"hunter2-token");
        assert!(!r.text(&alone).contains(&alone[..8]), "{}", r.text(&alone));
        for prefix in ["", "u:", "us:", "usr:"] {
            let basic = base64_unpadded(format!("{prefix}hunter2-token").as_bytes());
            let masked = r.text(&format!("Authorization: Basic {basic}"));
            assert!(masked.contains("***"), "{prefix}: {masked}");
            assert!(masked.len() < 35, "{prefix}: {masked}");
        }
        let url_safe = base64_unpadded("\u{fb}\u{ff}secret>>?".as_bytes());
        let mut r = Redactor::new();
        r.add("\u{fb}\u{ff}secret>>?");
        assert!(r.text(&url_safe.replace('+', "-").replace('/', "_")).contains("***"));
        assert!(r.text(&url_safe).contains("***"));
    }

    #[test]
    fn base64_matches_a_known_encoding() {
        assert_eq!(base64_unpadded(b"Man"), "TWFu");
        assert_eq!(base64_unpadded(b"Ma"), "TWE");
        assert_eq!(base64_unpadded(b"light work."), "bGlnaHQgd29yay4");
    }

    #[test]
    fn unrelated_text_and_near_misses_are_left_alone() {
        let mut r = Redactor::new();
        r.add("s3cr3t-value");
        assert_eq!(
            r.text("s3cr3t-valu and \\u0073 and %73"),
            "s3cr3t-valu and \\u0073 and %73"
        );
        assert_eq!(r.text("trailing \\"), "trailing \\");
        assert_eq!(r.text("%7"), "%7");
        assert_eq!(r.text("é%"), "é%");
    }

    #[test]
    fn excerpts_cut_inside_a_secret_keep_none_of_it() {
        let mut r = Redactor::new();
        r.add("hunter2-token");
        assert_eq!(r.text("auth hunter2-to…"), "auth ***…");
        assert_eq!(r.text("auth hunter2-to"), "auth hunter2-to");
        assert_eq!(r.text("…er2-token failed"), "…*** failed");
        assert_eq!(r.text("…en failed; hunt"), "…en failed; hunt");
        assert_eq!(r.text("hunter is … fine"), "hunter is … fine");
    }

    #[test]
    fn any_text_is_masked_without_panicking() {
        let mut r = Redactor::new();
        r.add("a\\é%\"b");
        let pieces = [
            "a", "\\", "é", "%", "%c3", "%C3%A9", "\\u00e9", "\\u00", "\\\\", "\"", "b", "…", "+",
        ];
        for x in pieces {
            for y in pieces {
                for z in pieces {
                    let text = format!("{x}{y}{z}");
                    let masked = r.text(&text);
                    assert!(masked.len() <= text.len() + MASK.len(), "{text} -> {masked}");
                }
            }
        }
        assert_eq!(r.text("a\\\\\\u00e9%25\\\"b"), "***");
        assert_eq!(r.text("a\\\\\\u00e9%26\\\"b"), "a\\\\\\u00e9%26\\\"b");
        assert_eq!(r.text("a\\\\\\u00E9%25\\\\\\\"b"), "***");
    }

    #[test]
    fn a_secret_of_backslashes_against_a_text_of_backslashes_ends() {
        let mut r = Redactor::new();
        r.add(&format!("{}x", "\\".repeat(20)));
        let text = format!("{}\"y", "\\".repeat(200));
        assert_eq!(r.text(&text), text);
        assert_eq!(r.text(&format!("{}x", "\\".repeat(40))), "***");
        let mut r = Redactor::new();
        r.add("back\\slash");
        assert_eq!(r.text("back\\u005cslash and back%5cslash"), "*** and ***");
    }
}
