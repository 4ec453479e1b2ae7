// expect: E0501 E0703
// `x.f` on json fails at run time when `f` is missing: the decision is indeterminate,
// never allowed, and a gate running it fails.
// policy: plan_has_owner
// gate: plan_gate
const PLAN: json = { resources: [{ name: "bucket-a" }] }

policy plan_has_owner {
  level soft
  require PLAN.owner != "" => "the plan has no owner"
}

gate plan_gate {
  policies [plan_has_owner]
}
