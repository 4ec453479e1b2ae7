// expect: E0108
// Constants and functions may not refer to themselves, directly or through others;
// neither may a type.
const A = B + 1
const B = A + 1

fn even(n: int) -> bool = if n == 0 then true else odd(n - 1)
fn odd(n: int) -> bool = if n == 0 then false else even(n - 1)

type node = { value: int, next: node? }
