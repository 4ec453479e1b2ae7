// expect: E0404
// A `where` constraint that fails to evaluate on a value is reported at the value with
// the reason, never read as satisfied; the `null` of an optional field is not checked
// (`it != null` would fail on it).
type t = { n: int where 10 / (it - 1) > 0, m: int? where it != null }

source checks: t = "t.yaml"
