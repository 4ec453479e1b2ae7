// Each reason a flag evaluation gives, and each error code: the default is served with
// reason ERROR and says why, never passed off as a value.
// flag: maintenance_banner {}
// flag: new_ai_model {"tenant": {"id": "t1", "tier": "enterprise"}}
// flag: new_ai_model {"tenant": {"id": "tenant123", "tier": "free"}}
// flag: new_ai_model {"tenant": {"id": "t2", "tier": "free"}}
// flag: new_ai_model {"tenant": {"id": "t3", "tier": "free"}}
// flag: checkout-flow {"tenant": {"id": "t9", "tier": "pro"}, "user": {"id": "jack"}}
// flag: checkout-flow {"tenant": {"id": "t9", "tier": "pro"}, "user": {"id": "queen"}}
// flag: beta_features {"anything": "at all"}
// flag: per_user {"tenant": {"id": "t9", "tier": "pro"}}
// flag: quota_ratio {"tenant": {"id": "t9", "tier": "pro"}, "seats": 0}
// flag: new_ai_model {"tenant": {"id": "t9", "tier": "gold"}}
// flag: new_ai_model {"tenant": {"id": "t9"}}
// flag: new_ai_model {"tenant": {"id": "t9", "tier": "pro"}, "plan": "x"}
// flag: new_ai_model {"tenant": {"id": "t9", "tier": "pro"}, "targetingKey": "t9"}
// flag: new_ai_model ["t9"]
// flag: new-ai-model {}
context {
  tenant: { id: string, tier: "free" | "pro" | "enterprise" }
  user: { id: string }?
  seats: int?
}

/// No rules: its default is its only value (STATIC).
flag maintenance_banner: string {
  default "hidden"
}

flag new_ai_model: bool {
  default false
  when context.tenant.tier == "enterprise" => true
  when context.tenant.id in ["tenant123"] => true
  rollout 25% => true by context.tenant.id
}

flag checkout_flow: "a" | "b" | "c" {
  default "a"
  key "checkout-flow"
  split by context.user?.id ?? context.tenant.id { "a": 50%, "b": 30%, "c": 20% }
}

/// The kill switch: the default, whatever the rules and the context.
flag beta_features: bool {
  default false
  enabled false
  when context.tenant.tier == "enterprise" => true
}

/// Buckets by a key the context may lack: TARGETING_KEY_MISSING, not a silent bucket.
flag per_user: bool {
  default false
  rollout 50% => true by context.user?.id
}

/// A rule that fails on this context: GENERAL, with the evaluator's message.
flag quota_ratio: int {
  default 0
  when 100 / (context.seats ?? 0) > 10 => 1
}
