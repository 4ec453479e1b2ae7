// expect: E0801 E0801 E0801 E0801
// Every cycle is reported, each once: two rings and a self-loop in one workflow, and
// a ring in another.
workflow tangled() {
  step a = log("{b}")
  step b = log("{a}")
  step c = log("{d}")
  step d = log("{c}")
  step e = log("{e}")
  step fine = log("independent")
}

workflow other() {
  step x = log("start") after y
  step y = log("{x}")
}
