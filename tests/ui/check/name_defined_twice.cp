// expect: E0102
// Two items with the same name show both places; so do repeated fields, parameters and
// enumeration members.
const LIMIT = 10
fn LIMIT() -> int = 3

type pair = { a: int, a: string }
fn add(x: int, x: int) -> int = x
type mode = "on" | "off" | "on"
const R = { a: 1, a: 2 }
