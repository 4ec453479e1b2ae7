// expect: E0801 E0801
// A step cannot use its own output, nor run after itself.
workflow selfish() {
  step again = log("previous: {again}")
  step wait = log("waiting") after wait
}
