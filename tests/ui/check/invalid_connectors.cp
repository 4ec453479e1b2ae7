// expect: E0805
connector no_kind {
  url "http://127.0.0.1:8700"
}

connector bad_kind {
  kind grpc
}

connector http_without_url {
  kind http
}

connector exec_with_url {
  kind exec
  command ["python3", "x.py"]
  url "http://127.0.0.1"
}

connector empty_command {
  kind exec
  command []
}
