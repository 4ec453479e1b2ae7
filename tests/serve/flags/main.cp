// The brief's feature flags, for the OFREP tests that need flags evaluated (the flags
// branch), and for the OpenFeature SDK test.

context {
  tenant: { id: string, tier: "free" | "pro" | "enterprise" }
  user: { id: string }?
}

flag new_ai_model: bool {
  key "new-ai-model"
  default false
  when context.tenant.tier == "enterprise" => true
  when context.tenant.id in ["tenant123"] => true
  rollout 25% => true by context.tenant.id
}

flag checkout_flow: "a" | "b" | "c" {
  default "a"
  split by context.user?.id ?? context.tenant.id { "a": 50%, "b": 30%, "c": 20% }
}

flag beta_features: bool {
  default false
  enabled false
}
