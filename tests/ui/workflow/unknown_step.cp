// expect: E0101 E0802
// An unknown step is reported once, by the checker, and makes no edge: no cycle is
// invented from it.
workflow typos() {
  step first = log("hello")
  step second = log("{frist}")
  step third = log("bye") after secnd
}
