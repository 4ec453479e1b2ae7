// expect: E0201
// An override's value must have its field's type.
environments [production]

config platform {
  model: {
    temperature: float = 0.7
  }
  env production { model.temperature = "low" }
}
