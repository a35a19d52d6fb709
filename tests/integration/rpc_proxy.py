#!/usr/bin/env python3
"""rpc_proxy.py UPSTREAM MODE_FILE PORT_FILE - a JSON-RPC node that goes wrong on cue.

Listens on 127.0.0.1 (a free port, written to PORT_FILE once it listens) and passes
every POST to UPSTREAM, unless MODE_FILE (read at each request) says otherwise:

  pass      forward (also when MODE_FILE is missing or empty)
  garbage   200 with a body that is not JSON
  error     HTTP 500 with an HTML page
  drop      close the connection without answering
  hang      answer nothing until the mode changes (a frozen node)

The tests switch modes by writing MODE_FILE; nothing here sleeps on a guess except the
short poll of a hanging request for its mode to change.
"""
import http.server
import os
import socketserver
import sys
import time
import urllib.request

upstream, mode_file, port_file = sys.argv[1:4]
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def mode():
    try:
        with open(mode_file) as f:
            return f.read().strip() or "pass"
    except OSError:
        return "pass"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        m = mode()
        while m == "hang":
            time.sleep(0.05)
            m = mode()
        if m == "garbage":
            self.answer(200, b"}{ not json at all", "application/json")
        elif m == "error":
            self.answer(500, b"<html><body>node crashed at 10.0.0.7:8545</body></html>",
                        "text/html")
        elif m == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
        else:
            req = urllib.request.Request(upstream, body, {"Content-Type": "application/json"})
            with opener.open(req, timeout=60) as r:
                self.answer(r.status, r.read(), "application/json")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Handler)
tmp = port_file + ".tmp"
with open(tmp, "w") as f:
    f.write(str(server.server_address[1]))
os.rename(tmp, port_file)
server.serve_forever()
