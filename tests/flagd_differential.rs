//! cpl's bucketing against flagd's own evaluator, `@openfeature/flagd-core` from npm (pinned
//! in `tests/flagd/package.json`, installed by `npm ci --prefix tests/flagd`): the same flags
//! over generated keys, resolved by both, with no difference allowed.
//!
//! flagd's Go evaluator hashes a string's UTF-8 bytes, and so does cpl; flagd-core hashes
//! UTF-16 code units, which agree with UTF-8 bytes on ASCII only. So a bucketing string that
//! is all ASCII goes to flagd-core as it is, and one that is not goes to it a second time
//! with each UTF-8 byte as one code unit, which makes flagd-core hash exactly the bytes that
//! flagd's Go evaluator hashes. Both answers are compared; only the second must agree.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cpl::bucket::{MAX_TOTAL_WEIGHT, bucketing_string, percent_weight, pick, rollout_weights};
use serde_json::{Value as Json, json};

/// How long flagd-core may take over the whole batch before the test gives up on it.
const PATIENCE: Duration = Duration::from_secs(300);

/// How many distinct keys each flag is evaluated with.
const KEYS: usize = 10_000;

/// A flag both sides evaluate: cpl with `cpl` weights, flagd with `flagd` weights (the same,
/// or the same split in whole numbers where cpl writes hundredths of a percent).
struct Table {
    flag: &'static str,
    salt: Option<&'static str>,
    cpl: Vec<u32>,
    flagd: Vec<u32>,
}

impl Table {
    fn same(flag: &'static str, salt: Option<&'static str>, weights: &[u32]) -> Self {
        Table {
            flag,
            salt,
            cpl: weights.to_vec(),
            flagd: weights.to_vec(),
        }
    }

    fn seed(&self) -> &str {
        self.salt.unwrap_or(self.flag)
    }

    /// The flagd flag document; `encode` turns the salt into what flagd-core is given.
    fn flagd_config(&self, encode: fn(&str) -> String) -> Json {
        let seed = match self.salt {
            Some(salt) => json!(encode(salt)),
            None => json!({ "var": "$flagd.flagKey" }),
        };
        let mut fractional = vec![json!({ "cat": [seed, { "var": "by" }] })];
        let mut variants = serde_json::Map::new();
        for (index, weight) in self.flagd.iter().enumerate() {
            fractional.push(json!([format!("v{index}"), weight]));
            variants.insert(format!("v{index}"), json!(format!("v{index}")));
        }
        variants.insert("fallback".into(), json!("fallback"));
        json!({ "flags": { self.flag: {
            "state": "ENABLED",
            "variants": variants,
            "defaultVariant": "fallback",
            "targeting": { "fractional": fractional },
        }}})
    }

    /// The variant cpl picks, named as in the flagd document; flagd serves the default
    /// variant where nothing can be picked.
    fn cpl_variant(&self, by: &ByValue) -> String {
        let weighted: Vec<(usize, u32)> = self.cpl.iter().copied().enumerate().collect();
        match pick(&bucketing_string(self.seed(), &by.cpl_string()), &weighted) {
            Ok(index) => format!("v{index}"),
            Err(_) => "fallback".into(),
        }
    }
}

fn tables() -> Vec<Table> {
    let quarter = rollout_weights(0.25).unwrap();
    let eighths = [0.125, 0.375, 0.5].map(|share| percent_weight(share).unwrap());
    vec![
        Table::same("two-even", None, &[50, 50]),
        Table::same("four-suits", None, &[25, 25, 25, 25]),
        Table::same("uneven-three", Some("shared-seed"), &[10, 60, 30]),
        Table::same("five-uneven", None, &[1, 2, 3, 5, 89]),
        Table::same("zeros-between", Some("zero-seed"), &[0, 40, 0, 60, 0]),
        Table::same("thin-last", None, &[9_999, 1]),
        Table::same("heavy", None, &[1_000_000_000, MAX_TOTAL_WEIGHT - 1_000_000_000]),
        Table::same("unicode-salt", Some("größe-🚀-seed"), &[30, 70]),
        Table::same("empty-salt", Some(""), &[50, 50]),
        Table::same("single", None, &[1]),
        Table::same("all-zero", None, &[0, 0]),
        Table::same("too-heavy", None, &[MAX_TOTAL_WEIGHT, 1]),
        Table {
            flag: "rollout-25",
            salt: None,
            cpl: quarter.to_vec(),
            flagd: vec![25, 75],
        },
        Table {
            flag: "split-eighths",
            salt: Some("ab"),
            cpl: eighths.to_vec(),
            flagd: vec![1, 3, 4],
        },
    ]
}

/// A by-value as the evaluation context holds it.
#[derive(Clone, Debug)]
enum ByValue {
    Text(String),
    Int(i64),
    Bool(bool),
}

impl ByValue {
    /// The by-value in the bucketing string, as JSON Logic's `cat` writes it.
    fn cpl_string(&self) -> String {
        match self {
            ByValue::Text(text) => text.clone(),
            ByValue::Int(int) => int.to_string(),
            ByValue::Bool(bool) => bool.to_string(),
        }
    }

    fn flagd_json(&self, encode: fn(&str) -> String) -> Json {
        match self {
            ByValue::Text(text) => json!(encode(text)),
            ByValue::Int(int) => json!(int),
            ByValue::Bool(bool) => json!(bool),
        }
    }
}

/// The string as it is.
fn as_is(text: &str) -> String {
    text.to_string()
}

/// Each UTF-8 byte of the string as one character, so flagd-core hashes the UTF-8 bytes.
fn utf8_bytes_as_code_units(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

/// A deterministic generator (SplitMix64), so every run compares the same keys.
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn text(&mut self, alphabet: &[char], min: usize, max: usize) -> String {
        let len = min + self.below(max - min + 1);
        (0..len).map(|_| alphabet[self.below(alphabet.len())]).collect()
    }
}

/// Keys of every kind a context carries: short and long ASCII, e-mail addresses, text in
/// other scripts (two- to four-byte UTF-8), control characters, integers and booleans.
fn by_values() -> Vec<ByValue> {
    let ascii: Vec<char> = (' '..='~').collect();
    let alnum: Vec<char> = ('a'..='z')
        .chain('A'..='Z')
        .chain('0'..='9')
        .chain(['-', '_', '.'])
        .collect();
    let wide: Vec<char> = "aé߷ßΩжשّ中文ひら한🚀😀\u{301}\u{fe0f}\u{feff}\u{10ffff}"
        .chars()
        .chain(['x', '1', ' '])
        .collect();
    let control: Vec<char> = ['\0', '\t', '\n', '\r', '"', '\\', '\u{7f}', 'a'].to_vec();
    let fixed = [
        "",
        " ",
        "0",
        "null",
        "undefined",
        "true",
        "e\u{301}",
        "é",
        "\u{feff}",
        "🚀",
    ];
    let mut values: Vec<ByValue> = fixed.iter().map(|s| ByValue::Text(s.to_string())).collect();
    values.extend([
        ByValue::Bool(true),
        ByValue::Bool(false),
        ByValue::Int(0),
        ByValue::Int(-1),
    ]);
    values.extend([ByValue::Int((1 << 53) - 1), ByValue::Int(-(1 << 53) + 1)]);
    let mut generator = Generator(0x00c0_ffee);
    let mut seen: std::collections::HashSet<String> = values.iter().map(|v| format!("{v:?}")).collect();
    while values.len() < KEYS {
        let value = match generator.below(8) {
            0 | 1 => ByValue::Text(generator.text(&alnum, 1, 16)),
            2 => ByValue::Text(format!("user{}@example.com", generator.next() % 1_000_000)),
            3 | 4 => ByValue::Text(generator.text(&wide, 1, 24)),
            5 => ByValue::Text(generator.text(&ascii, 200, 3000)),
            6 => ByValue::Text(generator.text(&control, 1, 8)),
            _ => ByValue::Int((generator.next() % (1 << 53)) as i64 - (1 << 52)),
        };
        if seen.insert(format!("{value:?}")) {
            values.push(value);
        }
    }
    values
}

/// One evaluation: what cpl picked, and how flagd-core was given the bucketing string.
struct Expectation {
    flag: &'static str,
    by: ByValue,
    cpl: String,
    given: Given,
}

/// How flagd-core was given a bucketing string.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Given {
    /// All ASCII, as written: flagd-core must agree.
    Ascii,
    /// Not all ASCII, as written: flagd-core hashes UTF-16 code units, so it may differ.
    Utf16,
    /// Not all ASCII, one UTF-8 byte per code unit: flagd-core must agree.
    Utf8Bytes,
}

fn flagd_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/flagd")
}

/// Why flagd's evaluator cannot run here, if it cannot.
fn flagd_missing() -> Option<String> {
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|out| out.status.success()) {
        return Some("`node` is not installed".into());
    }
    let installed = flagd_dir().join("node_modules/@openfeature/flagd-core/package.json");
    (!installed.exists()).then(|| format!("{} is absent: run `npm ci --prefix tests/flagd`", installed.display()))
}

/// The flagd-core version installed, to name in the test's output.
fn flagd_version() -> String {
    let installed = flagd_dir().join("node_modules/@openfeature/flagd-core/package.json");
    let manifest: Json = serde_json::from_str(&std::fs::read_to_string(installed).unwrap()).unwrap();
    manifest["version"].as_str().unwrap().to_string()
}

/// The batch for flagd-core, and what cpl expects of each line it answers.
fn batch(tables: &[Table], values: &[ByValue]) -> (String, Vec<Expectation>) {
    let mut input = String::new();
    let mut expectations = Vec::new();
    for table in tables {
        for (encode, as_written) in [(as_is as fn(&str) -> String, true), (utf8_bytes_as_code_units, false)] {
            writeln!(input, "{}", json!({ "config": table.flagd_config(encode) })).unwrap();
            for by in values {
                let given = match (as_written, bucketing_string(table.seed(), &by.cpl_string()).is_ascii()) {
                    (true, true) => Given::Ascii,
                    (false, true) => continue,
                    (true, false) => Given::Utf16,
                    (false, false) => Given::Utf8Bytes,
                };
                let context = json!({ "by": by.flagd_json(encode) });
                writeln!(input, "{}", json!({ "flag": table.flag, "context": context })).unwrap();
                expectations.push(Expectation {
                    flag: table.flag,
                    by: by.clone(),
                    cpl: table.cpl_variant(by),
                    given,
                });
            }
        }
    }
    (input, expectations)
}

/// Runs flagd-core once over the whole batch, under [`PATIENCE`].
fn run_flagd(input: &str) -> Vec<Json> {
    let dir = tempfile::tempdir().unwrap();
    let (input_path, output_path) = (dir.path().join("in.jsonl"), dir.path().join("out.jsonl"));
    std::fs::write(&input_path, input).unwrap();
    let mut child = Command::new("node")
        .arg(flagd_dir().join("fractional.mjs"))
        .current_dir(flagd_dir())
        .stdin(std::fs::File::open(&input_path).unwrap())
        .stdout(std::fs::File::create(&output_path).unwrap())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > PATIENCE {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("flagd-core did not finish the batch within {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "flagd-core failed: {status}");
    let output = std::fs::read_to_string(&output_path).unwrap();
    output.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

#[test]
fn cpl_buckets_as_flagd_core_does() {
    if let Some(why) = flagd_missing() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("SKIPPED cpl_buckets_as_flagd_core_does: {why}");
        return;
    }
    let (tables, values) = (tables(), by_values());
    let (input, expectations) = batch(&tables, &values);
    let answers = run_flagd(&input);
    assert_eq!(answers.len(), expectations.len(), "one answer per evaluation");

    let mut differences = Vec::new();
    let mut counts = std::collections::HashMap::<_, (usize, usize)>::new();
    for (expected, answer) in expectations.iter().zip(&answers) {
        let flagd = answer["variant"].as_str().unwrap_or("<none>");
        let reason = answer["reason"].as_str().unwrap_or("<none>");
        let expected_reason = if expected.cpl == "fallback" {
            "DEFAULT"
        } else {
            "TARGETING_MATCH"
        };
        let agrees = flagd == expected.cpl && reason == expected_reason;
        let (seen, differing) = counts.entry(expected.given).or_default();
        *seen += 1;
        *differing += usize::from(!agrees);
        if !agrees && expected.given != Given::Utf16 {
            differences.push(format!(
                "{} by {:?}: cpl {}, flagd-core {flagd} ({reason})",
                expected.flag, expected.by, expected.cpl
            ));
        }
    }
    let count = |given| counts.get(&given).copied().unwrap_or_default();
    let ((ascii, _), (bytes, _), (utf16, utf16_differing)) =
        (count(Given::Ascii), count(Given::Utf8Bytes), count(Given::Utf16));
    eprintln!(
        "flagd-core {}: {} keys over {} flags; {ascii} all-ASCII and {bytes} non-ASCII (as UTF-8 bytes) evaluations \
         compared, {} differences; as UTF-16, {utf16_differing} of {utf16} non-ASCII evaluations bucket differently",
        flagd_version(),
        values.len(),
        tables.len(),
        differences.len(),
    );
    assert!(ascii + bytes >= KEYS, "too few evaluations compared");
    assert!(
        differences.is_empty(),
        "{} differences, the first:\n{}",
        differences.len(),
        differences[..differences.len().min(10)].join("\n")
    );
}

/// The `.cp` flag that buckets as `table` does in flagd: a `split` over its variants (a
/// `rollout` for the rollout table), keyed by `context.by`; `None` for a table no cpl flag
/// can write (weights over 100 %, or none at all).
fn cpl_flag(table: &Table) -> Option<String> {
    let total: u64 = table.flagd.iter().map(|&w| u64::from(w)).sum();
    if total == 0 || total > 1_000_000 || table.salt == Some("") {
        return None;
    }
    let salt = table.salt.map(|s| format!("  salt {s:?}\n")).unwrap_or_default();
    let head = format!(
        "flag f_{}: string {{\n  key {:?}\n  default \"fallback\"\n{salt}",
        table.flag.replace('-', "_"),
        table.flag
    );
    if table.flag == "rollout-25" {
        return Some(
            format!("{head}  rollout 25% => \"v0\" by context.by\n}}\n")
                .replace("default \"fallback\"", "default \"v1\""),
        );
    }
    let shares: Vec<String> = table
        .flagd
        .iter()
        .enumerate()
        .map(|(index, &weight)| format!("\"v{index}\": {}%", f64::from(weight) * 100.0 / total as f64))
        .collect();
    Some(format!("{head}  split by context.by {{ {} }}\n}}\n", shares.join(", ")))
}

/// The same generated keys through whole cpl flags (checked `.cp` text, evaluated by the
/// facade as `cpl flag` and `cpl serve` do) and through flagd-core: every variant agrees.
#[test]
fn cpl_flags_resolve_as_flagd_core_does() {
    if let Some(why) = flagd_missing() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("SKIPPED cpl_flags_resolve_as_flagd_core_does: {why}");
        return;
    }
    let tables: Vec<Table> = tables().into_iter().filter(|t| cpl_flag(t).is_some()).collect();
    let values: Vec<ByValue> = by_values()
        .into_iter()
        .filter(|v| matches!(v, ByValue::Text(_)))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("context {\n  by: string\n}\n\n");
    for table in &tables {
        text.push_str(&cpl_flag(table).unwrap());
    }
    std::fs::write(dir.path().join("flags.cp"), &text).unwrap();
    let session = cpl::session::Session::open(
        dir.path(),
        &cpl::session::OpenOptions::new("2026-12-07T00:00:00Z".parse().unwrap()),
    );
    assert!(
        !session.diagnostics().has_errors(),
        "{text}\n{:?}",
        session.diagnostics()
    );

    let (input, expectations) = batch(&tables, &values);
    let answers = run_flagd(&input);
    assert_eq!(answers.len(), expectations.len(), "one answer per evaluation");
    let mut compared = 0;
    let mut differences = Vec::new();
    for (expected, answer) in expectations.iter().zip(&answers) {
        let ByValue::Text(by) = &expected.by else { continue };
        if expected.given == Given::Utf16 {
            continue;
        }
        let evaluation = session.evaluate_flag(expected.flag, &json!({ "by": by }));
        let cpl = evaluation.variant.as_deref().unwrap_or("<none>").to_string();
        let flagd = answer["variant"].as_str().unwrap_or("<none>");
        compared += 1;
        if cpl != flagd || evaluation.error.is_some() {
            differences.push(format!(
                "{} by {by:?}: cpl {cpl} ({}), flagd-core {flagd}",
                expected.flag,
                evaluation.reason.as_str()
            ));
        }
    }
    eprintln!(
        "flagd-core {}: {compared} evaluations of {} cpl flags compared, {} differences",
        flagd_version(),
        tables.len(),
        differences.len()
    );
    assert!(compared >= KEYS, "too few evaluations compared: {compared}");
    assert!(
        differences.is_empty(),
        "{} differences, the first:\n{}",
        differences.len(),
        differences[..differences.len().min(10)].join("\n")
    );
}
