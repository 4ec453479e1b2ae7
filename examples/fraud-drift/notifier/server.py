#!/usr/bin/env python3
"""A stand-in chat notifier for the `notifier` connector: answers `POST /notify` with
`{"delivered": true, "id": …}` and prints each message it receives.

    python3 notifier/server.py            # listens on 127.0.0.1:8765
    python3 notifier/server.py --port 0   # any free port; prints the URL to use
"""
import argparse
import itertools
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNTER = itertools.count(1)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        try:
            body = json.loads(self.rfile.read(length) or b"null")
        except json.JSONDecodeError:
            self.reply(400, {"error": "the body is not JSON"})
            return
        if self.path != "/notify":
            self.reply(404, {"error": f"no action {self.path}"})
            return
        message_id = f"msg-{next(COUNTER)}"
        print(f"{message_id} {body.get('channel')}: {body.get('text')} "
              f"(run {self.headers.get('x-cpl-run-id')}, attempt {self.headers.get('x-cpl-attempt')})",
              flush=True)
        self.reply(200, {"delivered": True, "id": message_id})

    def reply(self, status, value):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8765)
    port = parser.parse_args().port
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"NOTIFIER_URL=http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)
