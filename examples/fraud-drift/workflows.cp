// The three workflows of seed 001's workflow engine.

/// Drift above the threshold retrains the model and explains why; every run is logged.
workflow fraud_drift_management(model: string, drift: float) {
  step check = fraud_max_drift(drift: drift)
  step retrain = atlas.retrain(model: model, reason: check.violations[0].message)
    when check.denied
    retry 3 backoff 10s
    timeout 10m
  step summary = intel.summarize(model: model, drift: drift, run_id: retrain.run_id)
  step record = log("drift {drift} on {model}: {summary?.text ?? "no retraining"}")
    always
}

/// Detect sensitive documents → update tags → restrict access → log the decision.
workflow sensitive_documents(collection: string) {
  step detect = governance.detect_sensitive(collection: collection)
  step review = pii_exposure(docs: detect.documents)
  step tag = governance.update_tags(documents: [d.id for d in detect.documents if len(d.pii) > 0], tag: "pii")
    when any d in detect.documents: len(d.pii) > 0
  step restrict = governance.restrict_access(
      documents: [d.id for d in detect.documents if len(d.pii) > 0 and d.shared != "private"],
      level: "owner-only")
    when review.denied
    after tag
    retry 2 backoff 1s
  step record = log("{collection}: {len(review?.violations ?? [])} exposed, restricted {join(restrict?.restricted ?? [], ", ")}")
    always
}

/// Supply-chain anomaly → correlate structured and unstructured data → notify.
workflow supply_chain_anomaly(region: string, channel: string = "#supply-chain") {
  step detect = supply.anomalies(region: region)
  step correlate = supply.correlate(anomalies: [a.id for a in detect.anomalies])
    when len(detect.anomalies) > 0
  step assess = supply_risk(incidents: correlate.incidents)
  step notify = notifier.notify(channel: channel,
      text: "{len(assess.violations)} high-severity incident(s) in {region}: {join([v.message for v in assess.violations], "; ")}")
    when assess.denied
    retry 2 backoff 1s
    timeout 5s
  step record = log("{region}: {len(detect?.anomalies ?? [])} anomalies, notified: {notify?.delivered ?? false}")
    always
}
