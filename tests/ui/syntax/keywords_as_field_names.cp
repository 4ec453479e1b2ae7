// Field names may be keywords: real data has `type`, `key` and `in`.
type resource = { type: string, key: string, in: [string], if: bool }

entity thing {
  key key: string
  type: string
  in: int = 0
  for: string?
}

fn kind(r: resource) -> string = r.type
fn first(r: resource) -> string = r.in[0] ?? r.key
const SAMPLE: resource = { type: "bucket", key: "k1", in: ["a"], if: true }
const T = SAMPLE.type
