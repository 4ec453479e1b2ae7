// expect: E0211
type agent = { name: string, version: version }

fn recent(a: agent) -> bool = a.version >= "1.x"
fn compatible(a: agent) -> bool = satisfies(a.version, "^^1.2")
fn ok(a: agent) -> bool = a.version >= "1.4.0" and satisfies(a.version, "^1.2")
