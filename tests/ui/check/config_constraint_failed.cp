// expect: E1103
// A constant default or override is checked against its field's `where` constraint
// when the project is checked, in every environment.
environments [dev, production]

const MAX_POOL: int = 500

config platform {
  pool_size: int = 0 where it >= 1 and it <= MAX_POOL
  model: {
    temperature: float = 0.7 where it >= 0.0 and it <= 2.0
  }
  env production { pool_size = 50, model.temperature = 3.5 }
}
