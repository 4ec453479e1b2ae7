// expect: E0801
// One strongly connected component, one diagnostic: the shortest cycle through its
// first step, with the other members named in a note.
workflow knot() {
  step a = log("{c}")
  step b = log("{a}")
  step c = log("{b} {d}")
  step d = log("{b}")
}
