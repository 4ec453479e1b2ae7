// expect: E1008 E0503
// A flag called in an expression gives its value in that context; when a rule fails,
// the expression fails where the rule did (the decision is indeterminate), instead of
// taking the default.
// eval: new_ai_model({ tenant: { id: "t9", tier: "enterprise" } })
// eval: new_ai_model({ tenant: { id: "tenant123", tier: "free" } })
// eval: [new_ai_model({ tenant: { id: id, tier: "free" } }) for id in ["t1", "t2", "t3", "t4", "t5", "t6"]]
// eval: per_user({ tenant: { id: "t9", tier: "pro" } })
// eval: quota_ratio({ tenant: { id: "t9", tier: "pro" }, seats: 0 })
// policy: enterprise_gets_the_new_model
// policy: pro_users_bucketed
context {
  tenant: { id: string, tier: "free" | "pro" | "enterprise" }
  user: { id: string }?
  seats: int?
}

flag new_ai_model: bool {
  default false
  when context.tenant.tier == "enterprise" => true
  when context.tenant.id in ["tenant123"] => true
  rollout 25% => true by context.tenant.id
}

flag per_user: bool {
  default false
  rollout 50% => true by context.user?.id
}

flag quota_ratio: int {
  default 0
  when 100 / (context.seats ?? 0) > 10 => 1
}

policy enterprise_gets_the_new_model {
  require new_ai_model({ tenant: { id: "acme", tier: "enterprise" } }) => "enterprise tenants get the new model"
}

/// Reads a flag in a context without the key it buckets by: indeterminate, not allowed.
policy pro_users_bucketed {
  require not per_user({ tenant: { id: "t9", tier: "pro" } }) => "no pro user is bucketed"
}
