// expect: E0101 E0104 E0105 E0107 E0201 E0202 E0203 E0205
// Eight independent mistakes, each reported once. Nothing is reported for the
// expressions built on top of a mistake (they have the error type).
type tool = { name: string, owner: string, category: "data" | "action", tags: [string] }

const T: tool = { name: "t", owner: "o", category: "data", tags: [] }

fn one() -> int = T.ownr + 1 + 2 * 3
fn two() -> bool = T.category == "dta"
fn three() -> int = lenn(T.tags) * 2
fn four() -> int = len(T.tags, T.tags) + 1
fn five() -> string = T.name + 1
fn six() -> bool = unknown_thing.field.other > 3 and len(T.tags) > 0
fn seven() -> bool = any t in T.name: t == "a"
const EIGHT: int = "eight"
const BUILT_ON_EIGHT = EIGHT + 1
const BUILT_ON_ONE = one() * 2
