// expect: E0201 E0110 E0104 E0215 E0102 E0107 E0008
// Flags are checked against their type and the context: a bool flag whose default is
// `42`, a misspelt setting, an unknown context path, a computed value, an enumeration
// typo and a second context are each reported where they are written.
context {
  tenant: { id: string, tier: "free" | "pro" | "enterprise" }
}

context {
  user: { id: string }
}

flag new_ai_model: bool {
  default 42
  enabeld false
  when context.tenant.tire == "enterprise" => true
  when context.tenant.id == "t1" => "yes"
  when context.tenant.id == "t3" => context.tenant.tier == "pro"
}

flag checkout_flow: "a" | "b" {
  default "a"
  default "b"
  when context.tenant.tier == "entreprise" => "b"
}
