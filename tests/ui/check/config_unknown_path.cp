// expect: E1102
// An override's dotted path must name a field that holds a value.
environments [production]

config platform {
  pool_size: int = 10
  model: {
    name: string = "fraud-large"
    temperature: float = 0.7
  }
  env production {
    model.temprature = 0.3
    pool_sise = 50
    pool_size.max = 60
    model = "small"
  }
}
