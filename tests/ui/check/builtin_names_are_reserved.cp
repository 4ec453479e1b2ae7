// expect: E0106
// Built-in type and function names cannot name items.
type string = { a: int }
fn len(x: int) -> int = x
const decision = 1
const log = 2
