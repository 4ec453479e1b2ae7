// expect: E0202
fn scale(x: float, factor: float) -> float = x * factor

const A = scale(1.0)
const B = scale(1.0, 2.0, 3.0)
const C = scale(x: 1.0, x: 2.0, factor: 1.0)
const D = scale(x: 1.0, 2.0)
const E = len([1], [2])
const F = join(["a"])
