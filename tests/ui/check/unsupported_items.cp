// Configuration and tests are parsed but have no meaning yet: each kind is an error, so
// a project that declares them never checks clean in silence.
environments [dev, production]

config platform {
  pool_size: int = 10
  env staging { pool_size = 20 }
}

test ownerless_agent_is_denied {
  expect 1 == 2
}

/// Documented items are reported at their keyword too.
test documented {
  expect true
}
