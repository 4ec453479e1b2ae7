// expect: E0104
// A record type ending with `...` accepts data with other fields too; the declared
// fields are still checked, and undeclared ones cannot be read.
type tf_change = { address: string, type: string, ... }
type closed = { address: string }

fn addr(c: tf_change) -> string = c.address
fn kind(c: tf_change) -> string = c.type
fn other(c: tf_change) -> string = c.provider
const C: tf_change = { address: "a", type: "t" }
