#!/usr/bin/env python3
"""Governance Autopilot as a cpl `exec` connector: finds documents with personal data,
tags them and restricts who can read them. The document store is a fixed sample."""
import json
import sys

DOCUMENTS = {
    "finance": [
        {"id": "doc-101", "title": "Q3 payroll export", "owner": "finance-ops",
         "pii": ["salary", "iban"], "shared": "internal"},
        {"id": "doc-102", "title": "Vendor list", "owner": "procurement",
         "pii": [], "shared": "public"},
        {"id": "doc-103", "title": "Expense claims 2026", "owner": "finance-ops",
         "pii": ["name", "card_number"], "shared": "private"},
    ],
    "marketing": [
        {"id": "doc-201", "title": "Brand guide", "owner": "brand",
         "pii": [], "shared": "public"},
    ],
}


def detect_sensitive(args):
    return {"documents": DOCUMENTS.get(args["collection"], [])}


def update_tags(args):
    print(f"governance: tagged {len(args['documents'])} document(s) {args['tag']}", file=sys.stderr)
    return {"tagged": len(args["documents"])}


def restrict_access(args):
    return {"restricted": list(args["documents"])}


ACTIONS = {
    "detect_sensitive": detect_sensitive,
    "update_tags": update_tags,
    "restrict_access": restrict_access,
}

if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else ""
    if action not in ACTIONS:
        print(f"governance: unknown action {action!r}", file=sys.stderr)
        sys.exit(2)
    json.dump(ACTIONS[action](json.load(sys.stdin)), sys.stdout)
