// expect: E0302
policy two_loops {
  for a in [1, 2]
  for b in [3, 4]
  deny when a == b
}

policy loop_after_rule {
  deny when false
  for a in [1, 2]
  require a > 0
}

gate empty {
}
