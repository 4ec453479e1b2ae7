// expect: E0209
const N = 3
const A = N[0]
const B = true[1]
const OK = [1, 2][0]
