/// The drift workflow must be dependable and quick.
slo drift_workflow_health {
  workflow fraud_drift_management
  window 30d
  objective success_rate >= 99%
  objective p95_duration <= 5m
}

slo document_scans {
  workflow sensitive_documents
  window 7d
  objective failure_rate <= 5%
  objective runs >= 1
}
