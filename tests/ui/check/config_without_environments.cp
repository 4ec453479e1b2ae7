// expect: E1105
// `env` blocks need the project's `environments` list.
config platform {
  pool_size: int = 10
  env production { pool_size = 50 }
}
