// expect: E0201 E0201 E0805 E0201 E0805 E0201 E0805 E0805 E0805 E0805 E0110 E0805
// Credentials are `string` or `secret` values written out in `headers`, `token` and `env`.
connector service {
  kind http
  url "http://127.0.0.1:8700"
  headers { "x-api-key": 42, "x-ok": secret("API_KEY"), "bad header": "x" }
  token ["not", "a", "token"]
  env { LEVEL: "debug" }
  action go() -> json
}

connector program {
  kind exec
  command ["python3", "agents/run.py"]
  env { RETRIES: 3, CPL_STEP: "mine", "2BAD": "x", OK: env("OK", "fine") }
  token secret("API_KEY")
  action go() -> json
}

connector both {
  kind http
  url "http://127.0.0.1:8700"
  headers { Authorization: "Basic eA==" }
  token secret("API_KEY")
  evn { A: "b" }
  action go() -> json
}

const HEADERS = { "x-a": "b" }

connector numbered {
  kind http
  url 8700
  action go() -> json
}

connector computed {
  kind http
  url "http://127.0.0.1:8700"
  headers HEADERS
  action go() -> json
}

workflow uses_them() {
  step a = service.go()
  step b = program.go()
  step c = both.go()
  step d = computed.go()
  step e = numbered.go()
}
