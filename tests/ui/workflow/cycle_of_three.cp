// expect: E0801
// Three steps that feed each other in a ring; `report` only waits behind them.
workflow ring(x: int) {
  step a = log("{c}")
  step b = log("{a} and {x}")
  step c = log("{b}")
  step report = log("{a}")
}
