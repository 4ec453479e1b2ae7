// expect: E1002
// Shares are percentage literals within 0–100 %, in steps of 0.01 %.
context {
  tenant: { id: string }
}

flag not_a_percentage: bool {
  default false
  rollout 0.25 => true by context.tenant.id
}

flag too_large: bool {
  default false
  rollout 150% => true by context.tenant.id
}

flag too_fine: "a" | "b" {
  default "a"
  split by context.tenant.id { "a": 50.005%, "b": 49.995% }
}
