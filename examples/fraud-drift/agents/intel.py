#!/usr/bin/env python3
"""The Intelligence Agent as a cpl `exec` connector: turns a drift event into an
executive summary. Reads JSON arguments on standard input, prints one JSON value."""
import json
import sys


def summarize(args):
    drift = args["drift"]
    text = (
        f"Drift on {args['model']} rose to {drift:.2f}; "
        f"Atlas retraining {args['run_id']} started."
    )
    return {"text": text}


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else ""
    if action != "summarize":
        print(f"intel: unknown action {action!r}", file=sys.stderr)
        sys.exit(2)
    json.dump(summarize(json.load(sys.stdin)), sys.stdout)
