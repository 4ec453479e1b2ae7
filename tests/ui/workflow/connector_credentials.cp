// expect:
// Credentials as typed settings: secrets are sent as themselves and shown as `***`.
connector service {
  kind http
  url env("SERVICE_URL", "http://127.0.0.1:8700")
  headers { "x-api-key": secret("API_KEY"), "x-team": "fraud", trace: env("TRACE_ID", "none") }
  token secret("SERVICE_TOKEN")
  action go(token: secret) -> { ok: bool, echoed: secret }
}

connector program {
  kind exec
  command ["python3", "agents/run.py"]
  env { API_KEY: secret("API_KEY"), LEVEL: "debug", HOME: env("HOME", "/nonexistent") }
  action go() -> json
}

/// A webhook whose whole URL is the credential.
connector hook {
  kind http
  url secret("HOOK_URL")
  action post(text: string) -> json
}

workflow uses_them() {
  step a = service.go(token: secret("API_KEY"))
  step b = program.go()
  step c = hook.post(text: "hello")
}
