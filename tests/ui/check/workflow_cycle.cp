// Steps that wait for each other in a ring. The brief makes this a compile-time error
// (E0801, listing the cycle in order with each edge's span); nothing produces E0801 yet,
// so today this fixture shows no diagnostic at all.
workflow w(model: string) {
  step a = log("a")
    after c
  step b = log("b")
    after a
  step c = log("c")
    after b
}
