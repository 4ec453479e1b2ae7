// A policy with a secret argument, a gate, a flag whose context holds a secret, and a
// config with a secret: the decision log and the config route.

environments [dev, staging, production]

context {
  tenant: { id: string, api_key: secret }
}

flag new_ui: bool {
  key "new-ui"
  default false
  when context.tenant.id == "t1" => true
}

policy token_limit(token: secret, limit: int = 3) {
  level hard
  deny when limit > 5 => "limit {limit} is over 5"
}

type plan = { buckets: [string] }

policy few_buckets(p: plan) {
  level hard
  deny when len(p.buckets) > 2 => "{len(p.buckets)} buckets, more than 2"
}

gate deploy {
  input plan: plan
  policies [few_buckets(p: plan)]
}

config platform {
  database_url: secret = "postgres://app:hunter2-config@db"
  pool_size: int = 10 where it >= 1
  env staging { pool_size = int(env("CPL_TEST_POOL", "0")) }
  env production { pool_size = 50 }
}
