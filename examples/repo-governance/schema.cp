// Repository governance (seed 002): the entity types of the control plane registry.
//
// `control_plane_registry.csv` holds frameworks, modules and prompts in one file, told
// apart by `entity_type`, as in the seed; the new entity types each have their own file.

/// A registered artifact: a framework, a module or a prompt.
entity artifact {
  key id: string
  entity_type: "framework" | "module" | "prompt"
  name: string
  version: version
  priority: "P0" | "P1" | "P2"
  status: "active" | "deprecated"
  owner: string
  /// What the artifact is for, in a sentence a newcomer understands.
  purpose: string
  depends_on: [ref artifact] = []
  migration_plan: string?
  path: string
}

/// An architectural decision record (ADR).
entity adr {
  key id: string where it matches r"^ADR-\d{4}$"
  title: string
  status: "proposed" | "accepted" | "superseded"
  date: timestamp
  supersedes: ref adr?
  affects: [ref artifact] = []
}

/// A deployment target.
entity environment {
  key name: string
  tier: "development" | "pre-production" | "production"
  requires_approval: bool
  approvers: [string] = []
}

/// A governable cloud resource that infrastructure plans may create or change.
entity cloud_service {
  key name: string
  provider: "aws" | "gcp" | "azure"
  resource_type: string
  environments: [ref environment]
  public_access_allowed: bool = false
}

entity application {
  key name: string
  owner: string
  spec: string
  environments: [ref environment]
}

/// A configurable part of an application, with the functions a capability must provide.
entity extension_point {
  key name: string
  application: ref application
  required_functions: [string]
}

/// A swappable implementation for an extension point.
entity capability {
  key name: string
  extension_point: ref extension_point
  provides: [string]
  approved: bool
}

source artifacts: [artifact] = "registry/control_plane_registry.csv"
source decisions: [adr] = "registry/decisions.csv"
source environments: [environment] = "registry/environments.csv"
source cloud_services: [cloud_service] = "registry/cloud_services.csv"
source applications: [application] = "registry/applications.csv"
source extension_points: [extension_point] = "registry/extension_points.csv"
source capabilities: [capability] = "registry/capabilities.csv"

// The JSON output of `terraform show -json plan.out`: the parts the policies read. `...`
// keeps the records open, so the many other fields of a plan are accepted and ignored.
type tf_change = {
  key address: string
  type: string
  name: string
  change: { actions: [string], after: json?, ... }
  ...
}
type tf_plan = { resource_changes: [tf_change], ... }
