#!/usr/bin/env python3
"""The supply-chain agent as a cpl `exec` connector: finds anomalies in shipment
metrics (structured data) and correlates them with news and supplier emails
(unstructured data) into incidents. The data is a fixed sample."""
import json
import sys

ANOMALIES = {
    "emea": [
        {"id": "an-1", "supplier": "Rotterdam Cold Chain", "metric": "on_time_rate", "change": -0.31},
        {"id": "an-2", "supplier": "Gdansk Components", "metric": "lead_time_days", "change": 0.12},
    ],
    "apac": [],
}

EVIDENCE = {
    "an-1": ("high", "port strike delays refrigerated containers",
             ["news: dock workers strike enters day 3", "email: ETA slips 6 days"]),
    "an-2": ("low", "lead times drift within contract", ["email: minor backlog"]),
}


def anomalies(args):
    return {"anomalies": ANOMALIES.get(args["region"], [])}


def correlate(args):
    found = {a["id"]: a for region in ANOMALIES.values() for a in region}
    incidents = []
    for anomaly_id in args["anomalies"]:
        severity, summary, evidence = EVIDENCE.get(anomaly_id, ("low", "no correlated signal", []))
        incidents.append({
            "id": "inc-" + anomaly_id,
            "supplier": found.get(anomaly_id, {}).get("supplier", "unknown"),
            "severity": severity,
            "summary": summary,
            "evidence": evidence,
        })
    return {"incidents": incidents}


ACTIONS = {"anomalies": anomalies, "correlate": correlate}

if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else ""
    if action not in ACTIONS:
        print(f"supply: unknown action {action!r}", file=sys.stderr)
        sys.exit(2)
    json.dump(ACTIONS[action](json.load(sys.stdin)), sys.stdout)
