// expect: E0502 E0508 E0506
// `string(x)` prints what `"{x}"` does; `int(x)` reads digits or a whole float and never
// rounds; `float(x)` reads numbers. `as` checks and returns its value unchanged. Each
// failure is an evaluation error at the argument.
// eval: [string(1), string(2.0), string(true), string(90s), string("x"), string(DOC.n)]
// eval: string(DOC.n) == "{DOC.n}"
// eval: [int("42"), int("-7"), int(3.0), int(DOC.s), int(DOC.n)]
// eval: [float(2), float("0.25"), float("1e3"), float(DOC.s)]
// eval: DOC.n as int
// eval: [DOC.f as float, DOC.n as float]
// eval: DOC.s as string
// eval: int(DOC.f)
// eval: int(" 3")
// eval: int(DOC.list)
// eval: float("NaN")
// eval: string(DOC.list)
// eval: string(DOC.none)
// eval: DOC.n as string
// eval: DOC.s as int
// eval: DOC.f as int
const DOC: json = { n: 3, s: "4", f: 2.5, list: [1], none: null }
