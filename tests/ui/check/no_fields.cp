// expect: E0206
const N = 3
const A = N.value
const B = "text".length
const C = [1, 2].first
