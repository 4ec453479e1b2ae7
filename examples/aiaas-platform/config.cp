// The platform configuration of seed 003 (`control-plane/configs/settings.py`): one
// document per environment, checked for every environment when the project is checked.

/// Where the platform runs, from a developer's laptop to production.
environments [dev, staging, production]

/// Platform-wide settings. Services read them with `cpl config platform --env E`, or from
/// `GET /v1/config/platform?env=E` of `cpl serve`.
config platform {
  database: {
    /// Holds credentials: read from `DATABASE_URL`, shown as `***` unless revealed.
    url: secret = secret("DATABASE_URL")
    pool_size: int = 5 where it >= 1 and it <= 200
    timeout: duration = 5s
  }
  ai: {
    model_settings: {
      default_model: string = "fraud-large"
      temperature: float = 0.7 where it >= 0.0 and it <= 2.0
      max_tokens: int = 4000 where it >= 1 and it <= 32000
    }
  }
  hot_reload: bool = true
  log_level: "debug" | "info" | "warn" | "error" = "debug"

  env staging {
    database.pool_size = 20
    log_level = "info"
  }
  env production {
    database.pool_size = 50
    database.timeout = 2s
    ai.model_settings.temperature = 0.3
    hot_reload = false
    log_level = "warn"
  }
}
