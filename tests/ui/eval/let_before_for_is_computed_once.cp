// expect: E0503
// A `let` before `for` is computed once per evaluation of the policy; one after `for`
// once per element. A failing `let` shows it: one error before the loop, three after.
// policy: let_before_for
// policy: let_after_for
// policy: counted
const SERVICES = ["billing", "search", "ledger"]

policy let_before_for(zero: int = 0) {
  level soft
  let ratio = 10 % zero
  for s in SERVICES
  deny when ratio > 1 => "`{s}` is unbalanced"
}

policy let_after_for(zero: int = 0) {
  level soft
  for s in SERVICES
  let ratio = 10 % zero
  deny when ratio > 1 => "`{s}` is unbalanced"
}

// The value computed before the loop is shared by every element.
policy counted {
  level soft
  let names = join(SERVICES, "+")
  for s in SERVICES
  let mine = "{s}@{names}"
  deny when len(mine) > 0 => mine
}
