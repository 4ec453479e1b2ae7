//! The workflow runtime: connectors that call real services, the run log, objectives.
