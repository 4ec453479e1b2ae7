// expect: E0207
// `as` converts json, optional values and strings; some casts can never succeed.
const A = true as [int]
const B = [1, 2] as string
const C = { a: 1 } as int
const OK1 = "1.2.3" as version
const OK2 = 3 as float
