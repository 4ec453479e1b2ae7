// expect: E0107
type tool = { category: "data" | "action" | "retrieval" }

fn is_retrieval(t: tool) -> bool = t.category == "retreival"
const T: tool = { category: "acton" }
fn far(t: tool) -> bool = t.category == "something-else"
