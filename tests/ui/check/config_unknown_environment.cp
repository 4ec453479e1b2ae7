// expect: E1101
// An `env` block names an environment the `environments` list does not declare.
environments [dev, staging, production]

config platform {
  pool_size: int = 10
  env stagng { pool_size = 20 }
  env qa { pool_size = 5 }
}
