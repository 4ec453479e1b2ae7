// expect: E0214
type agent = { name: string, owner: string?, version: version }

fn no_owner(a: agent) -> bool = a.owner == null
fn never(a: agent) -> bool = a.name == null
fn mixed(a: agent) -> bool = a.name < 3
fn records() -> bool = { a: 1 } < { a: 2 }
