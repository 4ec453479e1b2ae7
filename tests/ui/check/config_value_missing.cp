// expect: E1106
// A field without a default must be set by every environment; an optional one is
// `null` where nothing sets it.
environments [dev, staging, production]

config platform {
  region: string
  replicas: int
  tracing_endpoint: string?
  env staging { region = "eu-west-1" }
  env production { region = "eu-west-1", replicas = 3 }
}

config standalone {
  owner: string
}
