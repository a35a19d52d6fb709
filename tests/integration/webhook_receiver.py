#!/usr/bin/env python3
"""webhook_receiver.py --port-file FILE --log FILE: a partner's webhook endpoint for
the tests, on 127.0.0.1 (a port of its own, written to FILE once it listens).

Every request is appended to the log as one JSON line {"path", "headers" (names in
lower case), "body", "answer", "at"} before it is answered, so a test can wait on
it. What it answers depends on the path's first segment:

  /ok/...           200
  /fail/...         500, always
  /flaky/N/...      500 for the first N deliveries of each webhook-id, then 200
  /gone/...         410 Gone
  /busy/...         429 with Retry-After: 3 the first time per webhook-id, then 200
  /hang/...         no answer: holds the connection until the client gives up
  /hang-first/...   holds the first delivery of each webhook-id, answers 200 after
  /redirect/...     302 to /ok/
  /slow/...         200 after 200 ms
"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
seen = {}  # (first segment, webhook-id) -> deliveries so far
log_file = None


def record(handler, body, answer):
    entry = {"path": handler.path, "headers": {k.lower(): v for k, v in handler.headers.items()},
             "body": body.decode("utf-8", "replace"), "answer": answer, "at": time.time()}
    with lock:
        log_file.write(json.dumps(entry) + "\n")
        log_file.flush()


def count(kind, event_id):
    with lock:
        n = seen.get((kind, event_id), 0) + 1
        seen[(kind, event_id)] = n
        return n


def hold(handler):
    """Keeps the connection open, reading nothing, until the client closes it."""
    handler.connection.settimeout(0.2)
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            if handler.connection.recv(1) == b"":
                return
        except TimeoutError:
            continue
        except OSError:
            return


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, extra=None, body=b"ok"):
        self.send_response(status)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def decide(self, kind, parts, event_id):
        if kind == "ok":
            return 200, None
        if kind == "fail":
            return 500, None
        if kind == "flaky":
            return (500 if count(kind, event_id) <= int(parts[1]) else 200), None
        if kind == "gone":
            return 410, None
        if kind == "busy":
            return (429, {"Retry-After": "3"}) if count(kind, event_id) == 1 else (200, None)
        if kind == "redirect":
            return 302, {"Location": "/ok/"}
        if kind == "slow":
            time.sleep(0.2)
            return 200, None
        if kind == "hang-first":
            return ("hang" if count(kind, event_id) == 1 else 200), None
        if kind == "hang":
            return "hang", None
        return 404, None

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        parts = [p for p in self.path.split("/") if p]
        kind = parts[0] if parts else ""
        status, extra = self.decide(kind, parts, self.headers.get("webhook-id", ""))
        record(self, body, status)
        if status == "hang":
            hold(self)
            self.close_connection = True
            return
        self.answer(status, extra)

    do_GET = do_POST


def main():
    global log_file
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    log_file = open(args.log, "a", encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
