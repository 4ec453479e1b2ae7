// expect: E0102
// Each environment is listed once, and a project has one `environments` list.
environments [dev, staging, dev]

environments [production]

config platform {
  pool_size: int = 10
  env staging { pool_size = 20 }
  env staging { pool_size = 30 }
}
