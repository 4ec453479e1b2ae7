//! flagd's `@fractional-v2` conformance vectors, written down as facts: shared by the
//! bucketing tests and the tests that run them through cpl flags.

pub const SUITS: [(&str, u32); 4] = [("clubs", 25), ("diamonds", 25), ("hearts", 25), ("spades", 25)];

/// One `@fractional-v2` example: the bucketing seed (salt or flag key), the by-value, the
/// weights in the order written, and the variant flagd resolves.
pub struct Vector {
    pub seed: &'static str,
    pub by: &'static str,
    pub weights: &'static [(&'static str, u32)],
    pub expected: &'static str,
}

/// flagd-testbed 3.9.0, `evaluator/gherkin/fractional.feature`, the `@fractional-v2`
/// examples, with the flags of `evaluator/flags/testkit-flags.json`.
pub const FLAGD_V2: &[Vector] = &[
    // `fractional-flag`: cat($flagd.flagKey, user.name), four suits at 25.
    Vector {
        seed: "fractional-flag",
        by: "jack",
        weights: &SUITS,
        expected: "hearts",
    },
    Vector {
        seed: "fractional-flag",
        by: "queen",
        weights: &SUITS,
        expected: "spades",
    },
    Vector {
        seed: "fractional-flag",
        by: "ten",
        weights: &SUITS,
        expected: "clubs",
    },
    Vector {
        seed: "fractional-flag",
        by: "nine",
        weights: &SUITS,
        expected: "diamonds",
    },
    Vector {
        seed: "fractional-flag",
        by: "3",
        weights: &SUITS,
        expected: "clubs",
    },
    // `fractional-flag-shorthand`: flag key + targetingKey, heads (weight 1 by default) and tails 1.
    Vector {
        seed: "fractional-flag-shorthand",
        by: "jon@company.com",
        weights: &[("heads", 1), ("tails", 1)],
        expected: "heads",
    },
    Vector {
        seed: "fractional-flag-shorthand",
        by: "jane@company.com",
        weights: &[("heads", 1), ("tails", 1)],
        expected: "tails",
    },
    // `fractional-flag-A-shared-seed` and `-B-`: cat("shared-seed", user.name); B's values
    // are `ace-of-<suit>` for the same variants.
    Vector {
        seed: "shared-seed",
        by: "seven",
        weights: &SUITS,
        expected: "hearts",
    },
    Vector {
        seed: "shared-seed",
        by: "eight",
        weights: &SUITS,
        expected: "diamonds",
    },
    Vector {
        seed: "shared-seed",
        by: "nine",
        weights: &SUITS,
        expected: "clubs",
    },
    Vector {
        seed: "shared-seed",
        by: "two",
        weights: &SUITS,
        expected: "spades",
    },
    // `fractional-single-entry-flag`: one variant takes every key.
    Vector {
        seed: "fractional-single-entry-flag",
        by: "some-targeting-key",
        weights: &[("single", 1)],
        expected: "single",
    },
    // `fractional-hash-edge-flag`: the targeting key alone, lower and upper at 50.
    Vector {
        seed: "",
        by: "ejOoVL",
        weights: &[("lower", 50), ("upper", 50)],
        expected: "lower",
    },
    Vector {
        seed: "",
        by: "bY9fO-",
        weights: &[("lower", 50), ("upper", 50)],
        expected: "lower",
    },
    Vector {
        seed: "",
        by: "SI7p-",
        weights: &[("lower", 50), ("upper", 50)],
        expected: "lower",
    },
    Vector {
        seed: "",
        by: "6LvT0",
        weights: &[("lower", 50), ("upper", 50)],
        expected: "upper",
    },
    Vector {
        seed: "",
        by: "ceQdGm",
        weights: &[("lower", 50), ("upper", 50)],
        expected: "upper",
    },
];
