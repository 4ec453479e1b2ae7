// expect: E1104
// One environment sets one path once.
environments [production]

config platform {
  pool_size: int = 10
  env production {
    pool_size = 50
    pool_size = 60
  }
}
