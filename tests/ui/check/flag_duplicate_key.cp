// expect: E1006
// Services ask for flags by their external key: `key "…"`, or the flag's name.
flag new_ai_model: bool {
  default false
  key "new-ai-model"
}

flag new_ai_model_v2: bool {
  default false
  key "new-ai-model"
}

flag beta: bool {
  default false
}

flag legacy_beta: bool {
  default true
  key "beta"
}
