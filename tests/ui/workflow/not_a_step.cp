// expect: E0803 E0805
// A step calls a policy, a connector action, `log` or `fail`; a connector needs its
// settings.
connector broken {
  kind http
  action go() -> json
}

workflow odd() {
  step value = 1 + 2
  step call = broken.go()
}
