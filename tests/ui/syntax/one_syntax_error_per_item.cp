// expect: E0001 E0201
// Each item is parsed on its own: a syntax error costs that item only. The type error in
// `WRONG` is still reported, and the uses of the broken `LIMIT` and `helper` are not
// reported as unknown names.
const LIMIT = 10 +

fn double(x: int) -> int = x * 2

fn helper(x: int) -> int = x ** 2

const WRONG: string = double(LIMIT)

policy uses_broken {
  deny when helper(LIMIT) > 3 => "too big"
}
