// expect: E0801
// Steps that wait for each other in a ring: a compile-time error listing the cycle in
// order, with each edge's span.
workflow w(model: string) {
  step a = log("a")
    after c
  step b = log("b")
    after a
  step c = log("c")
    after b
}
