#!/usr/bin/env python3
"""A loopback HTTP proxy in front of the AWS emulator, for benchmarks (standard library only).

Forwards every request to --upstream, sleeping --latency seconds first on every mutating call
(the action is `Action=` in a query-protocol body or the JSON protocol's `X-Amz-Target`
header; mutating = not Describe*/List*/Get*), and counts requests by action.

  GET  /__counts   the counts as JSON          POST /__reset   zero them
  SIGTERM          prints the counts on stdout and exits

Prints `READY host:port` once listening.
"""

import argparse
import http.client
import json
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNTS = {}
LOCK = threading.Lock()


def action_of(headers, body):
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    try:
        form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return "unknown"
    return form.get("Action", ["unknown"])[0]


def is_mutating(action):
    return not action.startswith(("Describe", "List", "Get"))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None
    latency = 0.0

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path == "/__counts":
            with LOCK:
                data = json.dumps(COUNTS, sort_keys=True).encode()
            return self.reply(200, data, [("Content-Type", "application/json")])
        if self.path == "/__reset":
            with LOCK:
                COUNTS.clear()
            return self.reply(200, b"{}")
        action = action_of(self.headers, body)
        with LOCK:
            COUNTS[action] = COUNTS.get(action, 0) + 1
        if is_mutating(action) and self.latency > 0:
            time.sleep(self.latency)
        conn = http.client.HTTPConnection(self.upstream[0], self.upstream[1], timeout=600)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection",)}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        skip = ("connection", "transfer-encoding", "content-length", "keep-alive")
        self.reply(resp.status, data, [(k, v) for k, v in resp.getheaders() if k.lower() not in skip])

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True, help="host:port of the emulator")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latency", type=float, default=2.0, help="seconds added to mutating calls")
    a = ap.parse_args()
    host, port = a.upstream.replace("http://", "").rsplit(":", 1)
    Handler.upstream = (host, int(port))
    Handler.latency = a.latency
    server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 1024

    def stop(*_):
        with LOCK:
            print(json.dumps(COUNTS, sort_keys=True), flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print(f"READY 127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
