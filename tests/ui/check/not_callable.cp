// expect: E0204
const LIMIT = 3
entity tool {
  key name: string
}
const A = LIMIT(1)
const B = tool()
const C = (1 + 2)(3)
