// expect: E1004
context {
  user: { id: string }
}

flag checkout_flow: "a" | "b" {
  default "a"
  split by context.user.id { "a": 50%, "b": 30%, "a": 20% }
}
