// expect: E0201 E0208
// `string(x)`, `int(x)` and `float(x)` take plain values: a list, a secret, a bool
// where a number is needed, or a value that may be null are check errors.
const A = string([1, 2])
const B = string(secret("TOKEN"))
const C = int(true)
const D = float(2s)
const MAYBE: int? = null
const E = string(MAYBE)
const OK1 = [string(MAYBE ?? 0), string(2.0), string(1s), string(2027-03-31), string("1.2.3" as version)]
const OK2 = [int("7"), int(3.0), int(7)]
const OK3 = [float("1e3"), float(2), float(0.5)]
