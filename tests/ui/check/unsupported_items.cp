// Flags and tests are parsed but have no meaning yet: each kind is an
// error, so a project that declares them never checks clean in silence.
context {
  tenant: { id: string, tier: "free" | "pro" }
}

flag new_ai_model: bool {
  default 42
}

test ownerless_agent_is_denied {
  expect 1 == 2
}

/// Documented items are reported at their keyword too.
flag beta: bool {
  default false
}
