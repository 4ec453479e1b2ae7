// The enforcement gates of seed 002, section 4d, as CI runs them.

/// gate-registry-valid: runs on every pull request.
gate registry_valid {
  policies [p0_deprecation_needs_migration, purpose_is_descriptive, no_deps_on_deprecated, deprecations_are_recorded]
}

/// gate-cloud-plan: runs on pull requests that change `*.tf`.
gate cloud_plan {
  input plan: tf_plan
  policies [only_registered_services(plan: plan), no_public_buckets(plan: plan), prod_changes_approved(plan: plan)]
}

/// gate-app-config: runs on pull requests that change capabilities.
gate app_config {
  policies [capabilities_meet_contracts]
}
