// A default that calls its own function or policy would recurse forever: it is a cycle,
// like any other call back into the item.
// expect: E0108

fn f(n: int = f()) -> int = n

policy p(d: decision = p()) {
  deny when d.denied => "no"
}
