#!/usr/bin/env python3
"""Generate a cpl project of about LINES lines of .cp (default 50 000) for `cpl check`
timing: entities, sources, constants, functions and policies spread over files of ~500
lines, every name used, everything well typed (deterministic).

Usage: python3 gen_project.py OUTDIR [LINES]"""
import os, sys

out = sys.argv[1]
target = int(sys.argv[2]) if len(sys.argv) > 2 else 50_000
os.makedirs(out, exist_ok=True)
for f in os.listdir(out):
    if f.endswith(".cp"):
        os.remove(os.path.join(out, f))

def module(i):
    return f"""/// Module {i}: an entity, its source, helpers and policies.
entity service_{i} {{
  key name: string
  version: version
  owner: string
  tier: "free" | "pro" | "enterprise"
  replicas: int where it >= 1 and it <= 100
  regions: [string] = []
  deprecated: bool = false
  depends_on: [ref service_{i}] = []
  limits: {{
    cpu_millis: int where it > 0
    memory_mb: int where it > 0
    timeout: duration = 30s
  }}
}}

source services_{i}: [service_{i}] = input

const MAX_REPLICAS_{i} = {i % 50 + 10}
const ALLOWED_REGIONS_{i}: [string] = ["eu-west-1", "us-east-1", "ap-south-1"]

fn is_large_{i}(s: service_{i}) -> bool = s.replicas > MAX_REPLICAS_{i} / 2 or s.limits.memory_mb > 4096

fn cost_{i}(s: service_{i}) -> float = s.replicas * (s.limits.cpu_millis / 1000.0 + s.limits.memory_mb / 1024.0)

policy owned_{i} {{
  level hard
  for s in services_{i}
  require s.owner != "" => "service `{{s.name}}` has no owner"
  warn when s.deprecated => "service `{{s.name}}` is deprecated"
}}

policy sized_{i}(budget: float = 100.0) {{
  level soft
  let large = [s.name for s in services_{i} if is_large_{i}(s)]
  for s in services_{i} if not s.deprecated
  deny when s.replicas > MAX_REPLICAS_{i} => "`{{s.name}}` runs {{s.replicas}} replicas, over {{MAX_REPLICAS_{i}}}"
  deny when cost_{i}(s) > budget and s.name in large => "`{{s.name}}` costs {{cost_{i}(s)}}"
  require all r in s.regions: r in ALLOWED_REGIONS_{i} => "`{{s.name}}` runs outside the allowed regions"
  deny when any d in s.depends_on: d.deprecated => "`{{s.name}}` depends on deprecated services"
  require s.version >= "1.0.0" or s.tier == "free" => "`{{s.name}}` is paid but pre-1.0"
  warn when s.limits.timeout > 5m => "`{{s.name}}` waits up to {{s.limits.timeout}}"
}}

gate gate_{i} {{
  policies [owned_{i}, sized_{i}(budget: 250.0)]
}}

"""

lines = 0
i = 0
file_no = 0
buf = []
while lines < target:
    text = module(i)
    buf.append(text)
    lines += text.count("\n")
    i += 1
    if sum(t.count("\n") for t in buf) >= 500:
        with open(os.path.join(out, f"module_{file_no:04d}.cp"), "w") as f:
            f.write("".join(buf))
        file_no += 1
        buf = []
if buf:
    with open(os.path.join(out, f"module_{file_no:04d}.cp"), "w") as f:
        f.write("".join(buf))
    file_no += 1
print(f"{lines} lines, {i} modules, {file_no} files in {out}", file=sys.stderr)
