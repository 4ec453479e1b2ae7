// expect: E0201 E0201
// `when` takes a bool.
connector tools {
  kind exec
  command ["python3", "tool.py"]
  action count() -> { n: int }
}

workflow conditions(limit: int) {
  step counted = tools.count()
  step big = log("big") when counted.n
  step bigger = log("bigger") when "yes"
  step fine = log("fine") when counted.n > limit
}
