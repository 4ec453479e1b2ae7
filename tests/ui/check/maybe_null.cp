// expect: E0208
type agent = { name: string, owner: string?, tags: [string]?, meta: { team: string }? }

fn owner_upper(a: agent) -> string = upper(a.owner)
fn first_tag(a: agent) -> string = a.tags[0]
fn count_tags(a: agent) -> int = len([t for t in a.tags])
fn team(a: agent) -> string = a.meta.team
fn ok(a: agent) -> string = upper(a.owner ?? "nobody") + (a.meta?.team ?? "")
