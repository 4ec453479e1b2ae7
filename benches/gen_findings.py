#!/usr/bin/env python3
"""A project whose gate reports many findings in one large data file (issue 13).

Usage: python3 benches/gen_findings.py RECORDS EVERY DIR
Writes DIR/main.cp and DIR/registry/services.json: RECORDS services (about 200 bytes and
eight lines each, pretty-printed), every EVERY-th of them public, and a hard policy that
denies public services, run by the gate `scale`. `100000 50` gives a 20 MB file and
2 000 findings: `cd DIR && cpl gate scale --format human` (see docs/performance.md).
"""
import json
import os
import sys

n, bad_every, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.makedirs(out + "/registry", exist_ok=True)
with open(out + "/main.cp", "w") as f:
    f.write('''entity service {
  key name: string
  owner: string
  public: bool
  description: string
}

source services: [service] = "registry/services.json"

/// Services are private.
policy no_public_services {
  level hard
  for s in services
  deny when s.public => "`{s.name}` is public"
}

gate scale {
  policies [no_public_services]
}
''')
records = [
    {
        "name": f"svc-{i:06d}",
        "owner": "team-" + str(i % 97),
        "public": i % bad_every == 0,
        "description": "a service that does something useful for somebody " * 2,
    }
    for i in range(n)
]
with open(out + "/registry/services.json", "w") as f:
    json.dump(records, f, indent=2)
