// expect: E0604
// `--input NAME=FILE` must name a `source … = input` (or the gate's `input`); a typo
// gets a "did you mean".
// input: plna=plan.json
// policy: small_plans
type tf_plan = { resource_changes: [json], ... }
source plan: tf_plan = input

policy small_plans {
  level soft
  deny when len(plan.resource_changes) > 10 => "too many changes"
}
