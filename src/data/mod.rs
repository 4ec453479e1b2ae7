//! Registry data: YAML, JSON, CSV and TOML documents loaded and validated against entity schemas.
