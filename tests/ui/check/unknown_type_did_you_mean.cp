// expect: E0103
entity tool {
  key name: string
}

type t = { name: strng, count: integr }
type u = { tools: [ref tols] }
const LIMIT = 3
type v = LIMIT
