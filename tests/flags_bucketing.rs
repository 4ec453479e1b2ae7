//! cpl's bucketing puts every key where flagd's `fractional` (v2) does: flagd's conformance
//! vectors written down as facts, the hash edge cases, and, when `../shared/data/flagd-testbed/`
//! sits beside the checkout, every `@fractional-v2` example read from flagd's own files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use cpl::bucket::{MAX_TOTAL_WEIGHT, NoPick, bucket, bucketing_string, murmur3_x86_32, pick, rollout_weights};
use serde_json::Value as Json;

mod common;

use common::flagd::FLAGD_V2;

#[test]
fn flagd_v2_vectors_bucket_alike() {
    for vector in FLAGD_V2 {
        let key = bucketing_string(vector.seed, vector.by);
        assert_eq!(pick(&key, vector.weights), Ok(&vector.expected), "{key:?}");
    }
}

/// The same vectors written as cpl writes percentages: a split in hundredths of a percent,
/// and a rollout of the first share against the rest, put every key where flagd does.
#[test]
fn flagd_v2_vectors_bucket_alike_in_hundredths_of_a_percent() {
    for vector in FLAGD_V2 {
        let key = bucketing_string(vector.seed, vector.by);
        let total: u32 = vector.weights.iter().map(|(_, w)| w).sum();
        if 10_000 % total != 0 {
            continue;
        }
        let scaled: Vec<(&str, u32)> = vector.weights.iter().map(|(v, w)| (*v, w * (10_000 / total))).collect();
        assert_eq!(pick(&key, &scaled), Ok(&vector.expected), "{key:?}");
    }
    // `rollout 25% => true by user.name` on flagd's `fractional-flag`: jack is in hearts
    // (third quarter), so outside the first 25%; ten is in clubs, inside it.
    let [rolled, rest] = rollout_weights(0.25).unwrap();
    let rollout = [(true, rolled), (false, rest)];
    assert_eq!(pick("fractional-flagjack", &rollout), Ok(&false));
    assert_eq!(pick("fractional-flagten", &rollout), Ok(&true));
}

/// The testbed's edge keys were searched for hashes on the boundaries of the 32-bit range.
#[test]
fn hash_edge_cases() {
    let edges = [
        ("ejOoVL", 0),
        ("bY9fO-", 1),
        ("SI7p-", 0x7fff_ffff),
        ("6LvT0", 0x8000_0000),
        ("ceQdGm", 0xffff_ffff),
    ];
    for (key, hash) in edges {
        assert_eq!(murmur3_x86_32(key.as_bytes(), 0), hash, "{key}");
    }
    // The lowest and highest hashes reach the first and the last unit of any total.
    assert_eq!(bucket("ejOoVL", MAX_TOTAL_WEIGHT), 0);
    assert_eq!(bucket("ceQdGm", MAX_TOTAL_WEIGHT), MAX_TOTAL_WEIGHT - 1);
    assert_eq!(bucket("ceQdGm", 1), 0);
    assert_eq!(bucket("6LvT0", 2), 1, "half the range starts the second half");
    assert_eq!(bucket("SI7p-", 2), 0, "just below half stays in the first half");
    assert_eq!(bucket("6LvT0", 3), 1);
    // The boundary keys against a last variant of weight one: only the top hash reaches it.
    let thin = [("most", MAX_TOTAL_WEIGHT - 1), ("last", 1)];
    assert_eq!(pick("ceQdGm", &thin), Ok(&"last"));
    assert_eq!(pick("6LvT0", &thin), Ok(&"most"));
    // The empty string hashes to zero: a salt with an empty by-value buckets on the salt.
    assert_eq!(murmur3_x86_32(b"", 0), 0);
    assert_eq!(pick("", &[("first", 1), ("second", 1)]), Ok(&"first"));
    // Multi-byte characters are hashed as their UTF-8 bytes, as flagd's Go evaluator does.
    assert_eq!(murmur3_x86_32("é".as_bytes(), 0), murmur3_x86_32(&[0xc3, 0xa9], 0));
    assert_ne!(murmur3_x86_32("é".as_bytes(), 0), murmur3_x86_32(&[0xe9], 0));
}

/// Non-ASCII keys are hashed as their UTF-8 bytes, as flagd's Go evaluator does (figures from
/// an independent implementation, `imurmurhash` fed the UTF-8 bytes); flagd-core, hashing
/// UTF-16 code units, gives other hashes for them.
#[test]
fn non_ascii_keys_hash_their_utf8_bytes() {
    let facts = [
        ("größe", 0xe3d3_963f, 88),
        ("中文", 0xdb26_7197, 85),
        ("🚀", 0x7f67_5865, 49),
        ("e\u{301}", 0x9f32_a268, 62),
        ("é", 0x1011_0787, 6),
    ];
    for (key, hash, bucket_of_100) in facts {
        assert_eq!(murmur3_x86_32(key.as_bytes(), 0), hash, "{key}");
        assert_eq!(bucket(key, 100), bucket_of_100, "{key}");
    }
}

/// flagd serves the default variant where no variant can be picked; cpl says why.
#[test]
fn zero_and_oversized_weights_pick_nothing() {
    assert_eq!(
        pick("fractional-zero-weights-flagany-user", &[("one", 0), ("two", 0)]),
        Err(NoPick::ZeroTotalWeight)
    );
    let oversized = [("one", MAX_TOTAL_WEIGHT), ("two", 1)];
    assert!(matches!(
        pick("any-user", &oversized),
        Err(NoPick::TotalWeightTooLarge { .. })
    ));
    // flagd clamps a negative weight to zero; cpl's weights cannot be negative, and a zero
    // weight gives everything to the others, as in `fractional-negative-weight-flag`.
    assert_eq!(pick("any-user", &[("one", 0), ("two", 100)]), Ok(&"two"));
}

fn testbed() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/flagd-testbed"))
}

/// Reads flagd's own conformance files and checks every `@fractional-v2` example.
#[test]
fn flagd_testbed_v2_examples() {
    let dir = testbed();
    let (Ok(feature), Ok(flags)) = (
        std::fs::read_to_string(dir.join("fractional.feature")),
        std::fs::read_to_string(dir.join("testkit-flags.json")),
    ) else {
        let why = format!(
            "{} is absent: flagd's conformance examples were not checked",
            dir.display()
        );
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
        eprintln!("SKIPPED flagd_testbed_v2_examples: {why}");
        return;
    };
    let flags: Json = serde_json::from_str(&flags).unwrap();
    let examples = v2_examples(&feature);
    let mut checked = 0;
    for example in &examples {
        let flag = &flags["flags"][&example.flag];
        let rule = Fractional::of(&example.flag, flag)
            .unwrap_or_else(|why| panic!("{}: not expressible in cpl: {why}", example.flag));
        let by = example
            .context
            .get(&rule.by)
            .unwrap_or_else(|| panic!("{}: no {} in the context", example.flag, rule.by));
        let key = bucketing_string(&rule.seed, by);
        let variant = pick(&key, &rule.weights).unwrap_or_else(|why| panic!("{key:?}: {why:?}"));
        let value = flag["variants"][variant.as_str()].as_str().unwrap();
        assert_eq!(value, example.expected, "flag {} with {key:?}", example.flag);
        checked += 1;
    }
    let scenarios: BTreeSet<&str> = examples.iter().map(|e| e.flag.as_str()).collect();
    eprintln!("checked {checked} @fractional-v2 examples of {} flags", scenarios.len());
    assert!(
        checked >= 21,
        "the testbed 3.9.0 has 21 @fractional-v2 examples; read {checked}"
    );
}

/// A `fractional` rule that cpl's `split` can express: the seed, the context path of the
/// by-value, and the weights.
struct Fractional {
    seed: String,
    by: String,
    weights: Vec<(String, u32)>,
}

impl Fractional {
    fn of(flag_key: &str, flag: &Json) -> Result<Self, String> {
        let args = flag["targeting"]["fractional"]
            .as_array()
            .ok_or("no fractional targeting")?;
        let (seed, by, buckets) = match args.first() {
            Some(Json::Object(expr)) => {
                let (seed, by) = Self::bucketing(flag_key, expr)?;
                (seed, by, &args[1..])
            }
            // The shorthand: flag key followed by the targeting key.
            Some(Json::Array(_)) => (flag_key.to_string(), "targetingKey".to_string(), &args[..]),
            _ => return Err("no buckets".into()),
        };
        let weights = buckets.iter().map(Self::weighted).collect::<Result<_, _>>()?;
        Ok(Self { seed, by, weights })
    }

    /// `{"cat": [seed, {"var": path}]}` or `{"var": path}` as a seed and a context path.
    fn bucketing(flag_key: &str, expr: &serde_json::Map<String, Json>) -> Result<(String, String), String> {
        if let Some(path) = expr.get("var").and_then(Json::as_str) {
            return Ok((String::new(), path.to_string()));
        }
        let [seed, by] = expr
            .get("cat")
            .and_then(Json::as_array)
            .map(Vec::as_slice)
            .ok_or("not a cat")?
        else {
            return Err("cat of other than two parts".into());
        };
        let seed = match (seed.as_str(), seed["var"].as_str()) {
            (Some(salt), _) => salt.to_string(),
            (None, Some("$flagd.flagKey")) => flag_key.to_string(),
            _ => return Err(format!("seed {seed}")),
        };
        let by = by["var"].as_str().ok_or_else(|| format!("by-value {by}"))?;
        Ok((seed, by.to_string()))
    }

    /// `["variant", weight]`, the weight 1 when left out.
    fn weighted(bucket: &Json) -> Result<(String, u32), String> {
        match bucket.as_array().map(Vec::as_slice) {
            Some([Json::String(v)]) => Ok((v.clone(), 1)),
            Some([Json::String(v), w]) => {
                let w = w
                    .as_u64()
                    .and_then(|w| u32::try_from(w).ok())
                    .ok_or_else(|| format!("weight {w}"))?;
                Ok((v.clone(), w))
            }
            _ => Err(format!("bucket {bucket}")),
        }
    }
}

/// One example row of the feature file, with its steps filled in.
struct Example {
    flag: String,
    context: BTreeMap<String, String>,
    expected: String,
}

/// The examples tagged `@fractional-v2`, on the scenario or on its examples table.
fn v2_examples(feature: &str) -> Vec<Example> {
    let mut examples = Vec::new();
    let mut pending_tags: Vec<&str> = Vec::new();
    let mut scenario_tags: Vec<&str> = Vec::new();
    let mut steps: Vec<&str> = Vec::new();
    let mut table: Option<(bool, Option<Vec<String>>)> = None;
    for line in feature.lines().map(str::trim) {
        if line.starts_with('@') {
            pending_tags.extend(line.split_whitespace());
        } else if line.starts_with("Scenario") {
            scenario_tags = std::mem::take(&mut pending_tags);
            steps.clear();
            table = None;
            if !line.starts_with("Scenario Outline") && scenario_tags.contains(&"@fractional-v2") {
                examples.extend(example(&steps_of_next(feature, line), &BTreeMap::new()));
            }
        } else if line.starts_with("Examples") {
            let tagged = scenario_tags.contains(&"@fractional-v2") || pending_tags.contains(&"@fractional-v2");
            pending_tags.clear();
            table = Some((tagged, None));
        } else if let Some(row) = line.strip_prefix('|') {
            let cells: Vec<String> = row
                .split('|')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            match &mut table {
                Some((_, header @ None)) => *header = Some(cells),
                Some((true, Some(header))) => {
                    let row: BTreeMap<String, String> = header.iter().cloned().zip(cells).collect();
                    examples.extend(example(&steps, &row));
                }
                _ => {}
            }
        } else if table.is_none() && !line.is_empty() && !line.starts_with('#') {
            steps.push(line);
        }
    }
    examples
}

/// The steps of the plain scenario whose title line is `title`.
fn steps_of_next<'f>(feature: &'f str, title: &str) -> Vec<&'f str> {
    feature
        .lines()
        .map(str::trim)
        .skip_while(|line| *line != title)
        .skip(1)
        .take_while(|line| !line.starts_with('@') && !line.starts_with("Scenario"))
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

/// The flag, context and expected value of a scenario's steps with `row` substituted.
fn example(steps: &[&str], row: &BTreeMap<String, String>) -> Option<Example> {
    let fill = |text: &str| {
        row.iter()
            .fold(text.to_string(), |t, (k, v)| t.replace(&format!("<{k}>"), v))
    };
    let mut flag = None;
    let mut context = BTreeMap::new();
    let mut expected = None;
    for step in steps.iter().map(|s| fill(s)) {
        let quoted: Vec<&str> = step.split('"').skip(1).step_by(2).collect();
        if step.contains("-flag with key") {
            flag = quoted.first().map(|s| s.to_string());
        } else if step.contains("nested property") {
            let [outer, inner, value] = quoted[..] else {
                panic!("step {step}")
            };
            context.insert(format!("{outer}.{inner}"), value.to_string());
        } else if step.contains("a targeting key with value") {
            context.insert("targetingKey".to_string(), quoted[0].to_string());
        } else if step.contains("resolved details value should be") {
            expected = Some(quoted[0].to_string());
        }
    }
    Some(Example {
        flag: flag?,
        context,
        expected: expected?,
    })
}
