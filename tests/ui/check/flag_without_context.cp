// expect: E1007
// Rules read the evaluation context, whose type the project declares with `context`.
flag new_ai_model: bool {
  default false
  when context.tenant.id == "tenant123" => true
}
