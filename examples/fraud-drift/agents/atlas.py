#!/usr/bin/env python3
"""Atlas, the MLOps platform, as a cpl `exec` connector.

cpl runs `python3 agents/atlas.py ACTION` with the arguments as one line of JSON on
standard input and reads one JSON value from standard output. A non-zero exit is a
failed attempt; what goes to standard error is kept in the run log.

Set ATLAS_FAIL_TIMES=N to make the first N attempts of a step fail (cpl passes the
attempt number in CPL_ATTEMPT), and ATLAS_DELAY=SECONDS to make retraining slow.
"""
import hashlib
import json
import os
import sys
import time


def retrain(args):
    attempt = int(os.environ.get("CPL_ATTEMPT", "1"))
    if attempt <= int(os.environ.get("ATLAS_FAIL_TIMES", "0")):
        print(f"atlas: pipeline queue unavailable (attempt {attempt})", file=sys.stderr)
        sys.exit(3)
    time.sleep(float(os.environ.get("ATLAS_DELAY", "0")))
    # The same run and model give the same pipeline id: retries are idempotent.
    seed = f"{os.environ.get('CPL_RUN_ID', '')}/{args['model']}"
    run_id = "atlas-" + hashlib.sha256(seed.encode()).hexdigest()[:8]
    print(f"atlas: retraining {args['model']} because {args['reason']}", file=sys.stderr)
    return {"run_id": run_id}


ACTIONS = {"retrain": retrain}

if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else ""
    if action not in ACTIONS:
        print(f"atlas: unknown action {action!r}", file=sys.stderr)
        sys.exit(2)
    json.dump(ACTIONS[action](json.load(sys.stdin)), sys.stdout)
