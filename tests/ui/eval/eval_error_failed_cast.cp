// expect: E0502 E0703
// policy: counts_are_small
// gate: plan_gate
const PLAN: json = { resources: [{ name: "a", count: 2 }, { name: "b", count: "three" }] }

policy counts_are_small {
  level soft
  for r in PLAN.resources as [json]
  deny when (r.count as int) > 10 => "`{r.name as string}` has too many instances"
}

gate plan_gate {
  policies [counts_are_small]
}
