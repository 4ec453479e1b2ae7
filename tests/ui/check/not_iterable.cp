// expect: E0205
const N = 3

policy p {
  for x in N
  deny when x > 1
}

const A = any c in "abc": c == "a"
const B = [x for x in 42]
