#!/usr/bin/env python3
"""A loopback HTTP proxy in front of the AWS emulator (standard library only), for the
benchmarks (latency, request counts) and the fault tests (injected faults).

    proxy.py --upstream HOST:PORT [--port N] [--latency S [--latency-max S]]
             [--fault-rate R --faults KIND,... --seed N --fault-actions mutating|all]
             [--exempt-services sts,...] [--fault-first ACTION=KIND[+KIND...]]...
             [--watch-stdin] [--log FILE] [--record-param ACTION.PARAM]...

Every request is forwarded to --upstream. The action is `Action=` in a query-protocol body
(EC2, RDS, ElastiCache, STS) or the JSON protocol's `X-Amz-Target` header; the service is the
one of the SigV4 credential scope (`Credential=KEY/DATE/REGION/SERVICE/aws4_request`).
Mutating = not Describe*/List*/Get*.

--latency S sleeps S seconds before forwarding every mutating call: the emulator answers in
milliseconds, the latency stands in for AWS's. With --latency-max S2, each sleep is drawn
uniformly between S and S2 (from a random.Random(--seed) of its own). A client that dies while
its request sleeps does not stop it: the request is still forwarded and carried out, as AWS
carries out a request whose caller is gone.

--fault-rate R makes a fault of a share R of the eligible requests (mutating ones, or all with
--fault-actions all; never those of --exempt-services, default sts), the kind drawn uniformly
from --faults:

  reset-before   the connection is reset (RST) without forwarding the request
  reset-after    forwarded, the emulator carries it out, then the connection is reset without
                 an answer: the "response lost" case a client cannot tell from reset-before
  500-before     HTTP 500 with the service's error shape (InternalError / InternalFailure),
                 without forwarding
  500-after      forwarded and carried out, then answered with that HTTP 500 instead
  throttle       the service's throttling error without forwarding, as AWS answers it before
                 doing anything: EC2 HTTP 503 RequestLimitExceeded; RDS, ElastiCache and
                 other query services HTTP 400 Throttling (Type Sender); JSON services HTTP
                 400 ThrottlingException

and, only when named (--faults, --fault-first; never among the default kinds):

  502-empty      HTTP 502 with an empty body and no request id, without forwarding: what a
                 load balancer or proxy in front of AWS answers when it fails

Draws come from one random.Random(--seed) in arrival order, so a run is reproducible only as
far as the order of concurrent requests is. --fault-first ACTION=KIND+KIND gives the first
requests of ACTION these faults, in order, whatever the rate (a test that must see a given
fault on a given call). --watch-stdin exits when stdin reaches EOF (a test holds the pipe,
so the proxy dies with it). --log FILE appends one JSON line per request: time, service,
action, the names and ids it is about, the fault injected and the emulator's status.

  GET  /__counts   requests by action (faulted ones included), as JSON
  GET  /__inflight {"in_flight": n}: requests received and not yet answered (or reset)
  GET  /__faults   {"requests", "eligible", "by_kind", "by_action": {action: {kind: n}},
                    "upstream_5xx": {action: n}, "upstream_errors": {action: n}}
  GET  /__params   {"ACTION.PARAM": [value, ...]}: the values --record-param ACTION.PARAM
                   named, in arrival order (a test checks what strata sent that AWS never
                   returns, such as a write-only password; nothing else is kept)
  POST /__reset    zero every count
  SIGTERM          prints the counts and the faults on stdout and exits

Prints `READY 127.0.0.1:PORT` once listening.
"""

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KINDS = ("reset-before", "reset-after", "500-before", "500-after", "throttle")
# Kinds drawn only when asked for by name.
EXTRA_KINDS = ("502-empty",)
ALL_KINDS = KINDS + EXTRA_KINDS

LOCK = threading.Lock()
COUNTS = {}
FAULTS = {}
IN_FLIGHT = [0]
# Values of the parameters --record-param names: "ACTION.PARAM" -> [value, ...].
PARAMS = {}


def reset_faults():
    FAULTS.clear()
    FAULTS.update(
        requests=0,
        eligible=0,
        by_kind={k: 0 for k in ALL_KINDS},
        by_action={},
        upstream_5xx={},
        upstream_errors={},
    )


reset_faults()

SCOPE = re.compile(r"Credential=[^/,\s]+/[^/]+/[^/]+/([^/]+)/aws4_request")


def action_of(headers, body):
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    try:
        form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return "unknown"
    return form.get("Action", ["unknown"])[0]


def names_of(body):
    """The names and ids a query-protocol request is about (never other values: a request
    may carry a password)."""
    try:
        form = urllib.parse.parse_qs(body.decode("utf-8"))
    except UnicodeDecodeError:
        return []
    return sorted(v[0] for k, v in form.items() if k.endswith(("Name", "Identifier", "GroupId")))


def record_params(action, body):
    """Keeps the values of the parameters --record-param names for this action."""
    wanted = [p for a, p in Handler.record if a == action]
    if not wanted:
        return
    try:
        form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return
    with LOCK:
        for param in wanted:
            for value in form.get(param, []):
                PARAMS.setdefault(f"{action}.{param}", []).append(value)


def service_of(headers):
    m = SCOPE.search(headers.get("Authorization", ""))
    return m.group(1) if m else "unknown"


def is_mutating(action):
    return not action.startswith(("Describe", "List", "Get"))


def error_reply(service, json_protocol, kind):
    """(status, content type, body) of an injected error, shaped as the service shapes it."""
    rid = str(uuid.uuid4())
    if kind == "throttle":
        codes = {"json": ("ThrottlingException", "Rate exceeded", 400, "Sender"),
                 "ec2": ("RequestLimitExceeded", "Request limit exceeded.", 503, None),
                 "query": ("Throttling", "Rate exceeded", 400, "Sender")}
    else:
        codes = {"json": ("InternalFailure", "An internal error has occurred", 500, "Receiver"),
                 "ec2": ("InternalError", "An internal error has occurred", 500, None),
                 "query": ("InternalFailure", "An internal error has occurred", 500, "Receiver")}
    shape = "json" if json_protocol else ("ec2" if service == "ec2" else "query")
    code, message, status, type_ = codes[shape]
    if shape == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, "application/x-amz-json-1.1", body
    if shape == "ec2":
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}'
                f"</Code><Message>{message}</Message></Error></Errors><RequestID>{rid}</RequestID>"
                "</Response>")
    else:
        body = (f"<ErrorResponse><Error><Type>{type_}</Type><Code>{code}</Code><Message>{message}"
                f"</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>")
    return status, "text/xml", body.encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None
    latency = 0.0
    latency_max = None
    latency_rng = random.Random(0)
    fault_rate = 0.0
    faults = ()
    fault_all = False
    record = []
    exempt = ("sts",)
    rng = random.Random(0)
    first = {}
    log = None

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def reset(self):
        # SO_LINGER 0: close() sends RST, as a dropped connection does; no answer at all.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def draw(self, service, action):
        """The fault to inject into this request, or None."""
        with LOCK:
            FAULTS["requests"] += 1
            queued = self.first.get(action)
            if queued:
                return self.count(action, queued.pop(0))
            if self.fault_rate <= 0 or not self.faults or service in self.exempt:
                return None
            if not (self.fault_all or is_mutating(action)):
                return None
            FAULTS["eligible"] += 1
            if self.rng.random() >= self.fault_rate:
                return None
            return self.count(action, self.rng.choice(self.faults))

    @staticmethod
    def count(action, kind):
        FAULTS["by_kind"][kind] += 1
        per = FAULTS["by_action"].setdefault(action, {})
        per[kind] = per.get(kind, 0) + 1
        return kind

    def forward(self, action, body):
        """The emulator's (status, headers, body), or None when it could not be reached."""
        try:
            conn = http.client.HTTPConnection(self.upstream[0], self.upstream[1], timeout=600)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
        except OSError:
            with LOCK:
                FAULTS["upstream_errors"][action] = FAULTS["upstream_errors"].get(action, 0) + 1
            return None
        if resp.status >= 500:
            # The emulator's own failures (moto is not thread-safe everywhere): a retry the
            # client makes for one of these is not a fault of ours.
            with LOCK:
                FAULTS["upstream_5xx"][action] = FAULTS["upstream_5xx"].get(action, 0) + 1
        skip = ("connection", "transfer-encoding", "content-length", "keep-alive")
        return resp.status, [(k, v) for k, v in resp.getheaders() if k.lower() not in skip], data

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/__"):
            return self.control()
        action = action_of(self.headers, body)
        service = service_of(self.headers)
        with LOCK:
            COUNTS[action] = COUNTS.get(action, 0) + 1
            IN_FLIGHT[0] += 1
        record_params(action, body)
        fault = self.draw(service, action)
        answer = None
        try:
            answer = self.respond(service, action, body, fault)
        finally:
            with LOCK:
                IN_FLIGHT[0] -= 1
            if self.log:
                line = {"t": round(time.time(), 3), "service": service, "action": action,
                        "names": names_of(body), "fault": fault,
                        "upstream": answer[0] if answer else None}
                with LOCK:
                    self.log.write(json.dumps(line) + "\n")
                    self.log.flush()

    def respond(self, service, action, body, fault):
        """Answers the request as `fault` says; returns the emulator's answer if it was asked."""
        json_protocol = "X-Amz-Target" in self.headers
        if fault == "reset-before":
            return self.reset()
        if fault == "502-empty":
            return self.reply(502, b"")
        if fault in ("500-before", "throttle"):
            status, ctype, data = error_reply(service, json_protocol, fault)
            return self.reply(status, data, [("Content-Type", ctype)])
        if is_mutating(action) and (self.latency > 0 or self.latency_max):
            if self.latency_max:
                with LOCK:
                    delay = self.latency_rng.uniform(self.latency, self.latency_max)
            else:
                delay = self.latency
            time.sleep(delay)
        answer = self.forward(action, body)
        if answer is None or fault == "reset-after":
            self.reset()
        elif fault == "500-after":
            status, ctype, data = error_reply(service, json_protocol, fault)
            self.reply(status, data, [("Content-Type", ctype)])
        else:
            status, headers, data = answer
            self.reply(status, data, headers)
        return answer

    def control(self):
        if self.path == "/__counts":
            with LOCK:
                data = json.dumps(COUNTS, sort_keys=True).encode()
        elif self.path == "/__inflight":
            with LOCK:
                data = json.dumps({"in_flight": IN_FLIGHT[0]}).encode()
        elif self.path == "/__params":
            with LOCK:
                data = json.dumps(PARAMS, sort_keys=True).encode()
        elif self.path == "/__faults":
            with LOCK:
                data = json.dumps(FAULTS, sort_keys=True).encode()
        elif self.path == "/__reset" and self.command == "POST":
            with LOCK:
                COUNTS.clear()
                PARAMS.clear()
                reset_faults()
            data = b"{}"
        else:
            return self.reply(404, b"unknown control path\n")
        self.reply(200, data, [("Content-Type", "application/json")])

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        # A client that went away, or a connection this proxy reset on purpose: not news.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--upstream", required=True, help="host:port of the emulator")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds added to mutating calls")
    ap.add_argument("--latency-max", type=float, default=None,
                    help="draw each latency uniformly between --latency and this")
    ap.add_argument("--fault-rate", type=float, default=0.0, help="share of eligible requests")
    ap.add_argument("--faults", default=",".join(KINDS), help="kinds to draw from, comma-separated")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fault-actions", choices=("mutating", "all"), default="mutating")
    ap.add_argument("--exempt-services", default="sts", help="services never faulted, comma-separated")
    ap.add_argument("--fault-first", action="append", default=[], metavar="ACTION=KIND[+KIND...]",
                    help="the first requests of ACTION get these faults, in order")
    ap.add_argument("--watch-stdin", action="store_true", help="exit when stdin reaches EOF")
    ap.add_argument("--record-param", action="append", default=[], metavar="ACTION.PARAM",
                    help="keep the values of this query parameter of this action (GET /__params)")
    ap.add_argument("--log", help="append one JSON line per request to this file")
    a = ap.parse_args()
    first = {}
    for spec in a.fault_first:
        action, _, kinds = spec.partition("=")
        first.setdefault(action, []).extend(k for k in kinds.split("+") if k)
    unknown = [k for ks in first.values() for k in ks if k not in ALL_KINDS]
    if unknown:
        ap.error(f"unknown fault kinds {unknown} in --fault-first; known: {', '.join(ALL_KINDS)}")
    faults = tuple(k for k in a.faults.split(",") if k)
    unknown = [k for k in faults if k not in ALL_KINDS]
    if unknown:
        ap.error(f"unknown fault kinds {unknown}; known: {', '.join(ALL_KINDS)}")
    if not 0.0 <= a.fault_rate <= 1.0:
        ap.error("--fault-rate is a share between 0 and 1")
    host, port = a.upstream.replace("http://", "").rsplit(":", 1)
    Handler.upstream = (host, int(port))
    if a.latency_max is not None and a.latency_max < a.latency:
        ap.error("--latency-max must not be below --latency")
    Handler.latency = a.latency
    Handler.latency_max = a.latency_max
    Handler.latency_rng = random.Random(a.seed + 1)
    Handler.fault_rate = a.fault_rate
    Handler.faults = faults
    Handler.fault_all = a.fault_actions == "all"
    Handler.exempt = tuple(s for s in a.exempt_services.split(",") if s)
    Handler.rng = random.Random(a.seed)
    Handler.first = first
    Handler.record = [tuple(spec.split(".", 1)) for spec in a.record_param]
    if any(len(r) != 2 for r in Handler.record):
        ap.error("--record-param takes ACTION.PARAM, e.g. ModifyDBInstance.MasterUserPassword")
    Handler.log = open(a.log, "a", encoding="utf-8") if a.log else None
    server = Server(("127.0.0.1", a.port), Handler)

    def stop(*_):
        with LOCK:
            print(json.dumps({"counts": COUNTS, "faults": FAULTS}, sort_keys=True), flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    print(f"READY 127.0.0.1:{server.server_address[1]}", flush=True)
    if a.watch_stdin:
        def watch():
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            finally:
                os._exit(0)

        threading.Thread(target=watch, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
