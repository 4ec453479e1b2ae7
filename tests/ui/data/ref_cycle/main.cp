// expect: E0410
// Artifacts that depend on each other in a ring; the cycle is reported once, in order.
entity artifact {
  key id: string
  owner: string
  depends_on: [ref artifact] = []
}

source artifacts: [artifact] = "registry/*.yaml"
