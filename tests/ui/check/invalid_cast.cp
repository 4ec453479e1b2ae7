// expect: E0207
// `as` checks a type and never converts: a cast no value of the static type can pass is
// an error, and names the conversion function when there is one.
const A = true as [int]
const B = [1, 2] as string
const C = { a: 1 } as int
const D = 1 as string
const E = "1" as int
const F = 2.5 as int
const G = "0.5" as float
const H = secret("TOKEN") as string
const OK1 = "1.2.3" as version
const OK2 = 3 as float
const OK3 = string(1)
const OK4 = ("x" as "x" | "y") as string
const J: json = 1
const OK5 = J as string
const MAYBE: int? = null
const OK6 = MAYBE as int
