// expect: E0001
fn double(type: int) -> int = type * 2

policy p {
  for in in [1, 2]
  deny when false
}
