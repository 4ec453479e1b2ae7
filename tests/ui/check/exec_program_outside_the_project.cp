// expect: E0414
// An `exec` program with a directory part is relative to this file and stays inside the
// project; a bare name goes through `PATH`.
connector climbs_out {
  kind exec
  command ["../../bin/tool", "--fast"]
  action run() -> json
}

connector absolute {
  kind exec
  command ["/usr/bin/env", "python3", "x.py"]
  action run() -> json
}

connector on_path {
  kind exec
  command ["python3", "agents/x.py"]
  action run() -> json
}

connector inside {
  kind exec
  command ["./agents/run", "x"]
  action run() -> json
}
