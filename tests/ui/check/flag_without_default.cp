// expect: E1001
// A flag serves its default when no rule matches, when it is disabled and when a rule
// fails: it must have one.
context {
  tenant: { id: string }
}

flag new_ai_model: bool {
  when context.tenant.id == "tenant123" => true
}
