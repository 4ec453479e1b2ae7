// expect: E0201
const NAME: string = 42
fn half(x: int) -> string = x / 2
const PICK = if true then 1 else "one"
const MIXED = [1, "two"]
const OWNERS: [string] = ["a", 3]
policy p(limit: int) {
  deny when limit => "not a bool"
}
// Where `json` is expected, a list may mix types, as JSON does.
const DOC: json = { items: [1, "two", { three: 3 }, [4]] }
