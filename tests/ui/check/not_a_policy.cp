// expect: E0111
fn helper() -> bool = true
const LIMIT = 3

gate g {
  policies [helper, LIMIT]
}

waiver w {
  policy "helper"
  until 2027-01-01
  owner "team"
  reason "because"
}
