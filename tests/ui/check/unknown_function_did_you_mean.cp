// expect: E0105
fn double(x: int) -> int = x * 2

const A = lenn([1, 2])
const B = startswith("abc", "a")
const C = doubel(2)
const D = frobnicate(1)
