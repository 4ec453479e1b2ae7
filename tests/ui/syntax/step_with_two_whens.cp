// expect: E0008
workflow w(ok: bool) {
  step a = log("a")
    when ok
    when not ok
}
