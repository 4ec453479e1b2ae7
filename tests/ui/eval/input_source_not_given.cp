// expect: E0415
// A project-level `source … = input` used without `--input` is an error that names it,
// and the decision is indeterminate.
type tf_plan = { resource_changes: [json], ... }
source plan: tf_plan = input

policy small_plans {
  level soft
  deny when len(plan.resource_changes) > 10 => "too many changes"
}
