/// Who a flag is evaluated for: the tenant a request comes from, and the signed-in user
/// when there is one. Services send this as the OpenFeature evaluation context.
context {
  tenant: {
    id: string
    tier: "free" | "pro" | "enterprise"
    region: "eu" | "us" | "apac"
  }
  user: { id: string, email: string? }?
}

/// Tenants that asked to try the new model before everyone else.
const EARLY_ACCESS = ["tenant123", "northwind"]

/// The new AI model: every enterprise tenant, the early-access tenants, and a stable
/// quarter of the others, bucketed by tenant so a tenant's users all see the same model.
flag new_ai_model: bool {
  key "new-ai-model"
  default false
  when context.tenant.tier == "enterprise" => true
  when context.tenant.id in EARLY_ACCESS => true
  rollout 25% => true by context.tenant.id
}

/// The checkout A/B test: half the users get the one-page checkout. Bucketed by user, and
/// by tenant for requests without a signed-in user.
flag checkout_flow: "classic" | "one_page" {
  key "checkout-flow"
  default "classic"
  split by context.user?.id ?? context.tenant.id { "classic": 50%, "one_page": 50% }
}

/// Beta features, switched off while incident INC-2041 is open: the kill switch serves
/// the default whatever the rules say.
flag beta_features: bool {
  key "beta-features"
  default false
  enabled false
  when context.tenant.tier != "free" => true
}

/// How long the assistant may think, by tier.
flag reasoning_budget: int {
  key "reasoning-budget"
  default 2000
  when context.tenant.tier == "enterprise" => 16000
  when context.tenant.tier == "pro" => 8000
}

/// Flags are values in policies too: the enterprise contract promises the new model.
policy enterprise_contract {
  require new_ai_model({ tenant: { id: "acme", tier: "enterprise", region: "eu" } })
    => "enterprise tenants are promised the new AI model"
}
