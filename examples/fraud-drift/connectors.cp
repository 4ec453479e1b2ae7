// Connectors: how steps reach the outside world. The `exec` ones are small Python
// programs in `agents/` that read the arguments as JSON on standard input and print
// one JSON value; the notifier is a service spoken to over HTTP.

/// Atlas, the MLOps platform: retraining pipelines.
connector atlas {
  kind exec
  command ["python3", "agents/atlas.py"]
  timeout 30s
  // A program sees only `PATH`, cpl's `CPL_*` variables and what `env` passes on.
  env {
    ATLAS_FAIL_TIMES: env("ATLAS_FAIL_TIMES", "0")
    ATLAS_DELAY: env("ATLAS_DELAY", "0")
  }
  action retrain(model: string, reason: string) -> { run_id: string }
}

/// The Intelligence Agent: human-readable summaries.
connector intel {
  kind exec
  command ["python3", "agents/intel.py"]
  action summarize(model: string, drift: float, run_id: string) -> { text: string }
}

/// Governance Autopilot: PII detection, tags and access.
connector governance {
  kind exec
  command ["python3", "agents/governance.py"]
  action detect_sensitive(collection: string) -> { documents: [document] }
  action update_tags(documents: [string], tag: string) -> { tagged: int }
  action restrict_access(documents: [string], level: string) -> { restricted: [string] }
}

/// The supply-chain agent: anomalies in shipments, correlated with unstructured news.
connector supply {
  kind exec
  command ["python3", "agents/supply.py"]
  action anomalies(region: string) -> { anomalies: [{ id: string, supplier: string, metric: string, change: float }] }
  action correlate(anomalies: [string]) -> { incidents: [incident] }
}

/// Posts messages to a chat channel; `notifier/server.py` is a stand-in.
connector notifier {
  kind http
  url env("NOTIFIER_URL", "http://127.0.0.1:8765")
  timeout 5s
  action notify(channel: string, text: string) -> { delivered: bool, id: string }
}
