#!/usr/bin/env python3
"""Generate N agent manifests in YAML (seed 003's layout) and the .cp project that checks
them, for timing `cpl check` on many small data files (deterministic, seed 7).

Usage: python3 gen_manifests.py OUTDIR [N]"""
import os, random, shutil, sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
rng = random.Random(7)
shutil.rmtree(out, ignore_errors=True)
os.makedirs(os.path.join(out, "registry", "agents"))
os.makedirs(os.path.join(out, "registry", "tools"))
tools = [f"tool_{t:03d}" for t in range(50)]
for t in tools:
    with open(os.path.join(out, "registry", "tools", f"{t}.yaml"), "w") as f:
        f.write(f"""name: {t}
version: 1.{rng.randint(0, 9)}.{rng.randint(0, 9)}
owner: team-{rng.randint(0, 20)}
deprecated: {str(rng.random() < 0.1).lower()}
metadata:
  category: {rng.choice(["data", "action", "retrieval"])}
  timeout_ms: {rng.randint(100, 5000)}
  retry_attempts: {rng.randint(0, 3)}
""")
for i in range(n):
    picked = rng.sample(tools, 3)
    with open(os.path.join(out, "registry", "agents", f"agent_{i:05d}.yaml"), "w") as f:
        f.write(f"""name: agent_{i:05d}
version: {rng.randint(0, 3)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}
created_at: "2024-01-{rng.randint(1, 28):02d}T00:00:00Z"
owner: team-{rng.randint(0, 40)}
changelog: "Generated agent {i}"
deprecated: {str(rng.random() < 0.05).lower()}
metadata:
  description: "Handles queue {i} with FAQ and escalation"
  capabilities:
    - faq_handling
    - order_tracking
  max_tokens: {rng.randint(500, 8000)}
  temperature: {round(rng.uniform(0, 1.5), 2)}
  tools:
    - {picked[0]}
    - {picked[1]}
    - {picked[2]}
  system_prompt: |
    You are agent {i}.
    Answer questions based on the knowledge base.
""")
with open(os.path.join(out, "registry.cp"), "w") as f:
    f.write("""entity agent {
  key name: string
  version: version
  created_at: timestamp
  owner: string
  changelog: string
  deprecated: bool = false
  metadata: {
    description: string
    capabilities: [string] = []
    max_tokens: int where it >= 1 and it <= 32000
    temperature: float where it >= 0.0 and it <= 2.0
    tools: [ref tool]
    system_prompt: string
  }
}

entity tool {
  key name: string
  version: version
  owner: string
  deprecated: bool = false
  metadata: {
    category: "data" | "action" | "retrieval"
    timeout_ms: int where it > 0
    retry_attempts: int = 0
  }
}

source agents: [agent] = "registry/agents/*.yaml"
source tools: [tool] = "registry/tools/*.yaml"

policy no_deprecated_tools {
  level soft
  for a in agents if not a.deprecated
  deny when any t in a.metadata.tools: t.deprecated
    => "agent `{a.name}` uses deprecated tools"
}
""")
print(f"{n} agent manifests in {out}", file=sys.stderr)
