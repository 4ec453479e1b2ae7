// expect: E0902
workflow w(model: string) {
  step record = log("ran for {model}")
}

slo health {
  workflow w
  window 30d
  objective sucess_rate >= 99%
  objective p95_duration + 1 <= 5m
}

slo nothing_measured {
  workflow w
  window 7d
}
