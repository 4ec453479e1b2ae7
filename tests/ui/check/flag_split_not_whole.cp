// expect: E1003
// Every key gets one variant of a split, so the shares add up to exactly 100 %.
context {
  user: { id: string }
}

flag checkout_flow: "a" | "b" | "c" {
  default "a"
  split by context.user.id { "a": 50%, "b": 30%, "c": 10% }
}

flag over: "a" | "b" {
  default "a"
  split by context.user.id { "a": 60%, "b": 40.5% }
}
