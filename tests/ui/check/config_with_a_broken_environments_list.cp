// expect: E0001
// An `environments` list that does not parse is reported once: the configs that name
// its environments are not reported as naming undeclared ones.
environments [dev, staging,, ]

config platform {
  pool_size: int
  env staging { pool_size = 20 }
}
