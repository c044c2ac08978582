#!/usr/bin/env python3
"""Live test of deploy/nginx/nginx.conf: a real nginx on loopback in front of two stub
instances (Python, standard library only) that echo what they receive.

    python3 deploy/test/nginx_smoke.py

It checks what nginx -t cannot: request ids, forwarded headers, the body limit, the
WebSocket upgrade, /nginx-health, readiness routing, failover when an instance dies,
and the problem+json answer when none is left. Run by deploy/check.sh.

The nginx.conf under test is the repository's, byte for byte, except its `listen` port
(8080 may be taken on a developer's machine); upstream.conf is written to point at the
stubs, as deploy/check.sh does for `nginx -t`.
"""

import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
NGINX_DIR = os.path.join(os.path.dirname(HERE), "nginx")
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stub(BaseHTTPRequestHandler):
    """An instance: answers JSON describing the request; /api/v1/ws upgrades and echoes."""

    protocol_version = "HTTP/1.1"  # nginx keeps upstream connections alive

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self):
        self.server.connections.discard(self.connection)
        super().finish()

    def reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def describe(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        return {
            "instance": self.server.name,
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body_len": len(body),
        }

    def do_GET(self):
        if self.path == "/api/v1/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
            return self.websocket()
        if self.path == "/health/ready":
            status = 200 if self.server.ready else 503
            return self.reply(status, {"status": "ok" if status == 200 else "unavailable"})
        self.reply(200, self.describe())

    def do_POST(self):
        self.reply(201, self.describe())

    def websocket(self):
        self.server.ws_headers = {k.lower(): v for k, v in self.headers.items()}
        accept = base64.b64encode(
            hashlib.sha1((self.headers["Sec-WebSocket-Key"] + WS_GUID).encode()).digest()
        ).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        # After the handshake nginx is a byte tunnel: echo whatever arrives.
        self.close_connection = True
        while True:
            data = self.connection.recv(4096)
            if not data:
                return
            self.connection.sendall(data)


class Instance(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, name, port):
        self.name = name
        self.ready = True
        self.connections = set()
        self.ws_headers = None
        super().__init__(("127.0.0.1", port), Stub)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def kill(self):
        """Dies like a crashed process: listener and every open connection closed."""
        self.shutdown()
        self.server_close()
        for conn in list(self.connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            except OSError:
                pass


class Smoke:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, what, condition, detail=""):
        if condition:
            self.passed += 1
            print(f"  ok    {what}")
        else:
            self.failed += 1
            print(f"  FAIL  {what}" + (f": {detail}" if detail else ""))


def request(port, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def as_json(data):
    try:
        return json.loads(data)
    except ValueError:
        return {}


def websocket_roundtrip(port):
    """Handshake through nginx, then one message each way; returns (status line, echo)."""
    key = base64.b64encode(os.urandom(16)).decode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        sock.sendall(
            (
                "GET /api/v1/ws HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
        head, _, rest = head.partition(b"\r\n\r\n")
        lines = head.decode(errors="replace").split("\r\n")
        expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        accept_ok = any(
            line.lower().startswith("sec-websocket-accept:") and line.split(":", 1)[1].strip() == expected
            for line in lines
        )
        message = b"\x81\x05hello"  # any bytes: the stub echoes, nginx only tunnels
        sock.sendall(message)
        echo = rest
        while len(echo) < len(message):
            chunk = sock.recv(4096)
            if not chunk:
                break
            echo += chunk
        return lines[0], accept_ok, echo == message
    finally:
        sock.close()


def main():
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx, os.X_OK):
        print("nginx is not installed (apt-get install nginx)", file=sys.stderr)
        return 2

    a = Instance("app1", free_port())
    b = Instance("app2", free_port())
    port = free_port()

    work = tempfile.mkdtemp(prefix="brigade-nginx-smoke-")
    with open(os.path.join(NGINX_DIR, "nginx.conf")) as f:
        conf = f.read()
    patched, n = re.subn(r"listen 8080 default_server;", f"listen 127.0.0.1:{port} default_server;", conf)
    assert n == 1, "nginx.conf no longer has exactly one `listen 8080 default_server;`"
    with open(os.path.join(work, "nginx.conf"), "w") as f:
        f.write(patched)
    with open(os.path.join(NGINX_DIR, "upstream.conf")) as f:
        upstream = f.read()
    upstream, n = re.subn(r"server app1:8080", f"server 127.0.0.1:{a.server_address[1]}", upstream)
    upstream, m = re.subn(r"server app2:8080", f"server 127.0.0.1:{b.server_address[1]}", upstream)
    assert n == 1 and m == 1, "upstream.conf no longer names app1:8080 and app2:8080"
    with open(os.path.join(work, "upstream.conf"), "w") as f:
        f.write(upstream)

    log = open(os.path.join(work, "nginx.log"), "w")
    proc = subprocess.Popen(
        [nginx, "-p", work + "/", "-c", os.path.join(work, "nginx.conf"),
         "-g", f"daemon off; pid {work}/nginx.pid;"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    t = Smoke()
    try:
        deadline = time.time() + 10
        while True:
            try:
                status, _, body = request(port, "GET", "/nginx-health")
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    log.flush()
                    print(open(os.path.join(work, "nginx.log")).read(), file=sys.stderr)
                    print("nginx did not start", file=sys.stderr)
                    return 1
                time.sleep(0.1)

        print(f"nginx smoke test (nginx on 127.0.0.1:{port}, instances on "
              f"{a.server_address[1]} and {b.server_address[1]})")
        t.check("/nginx-health answers 200 locally", status == 200 and body == b"ok\n", body)

        seen = set()
        for _ in range(6):
            status, _, body = request(port, "GET", "/api/v1/venues")
            seen.add(as_json(body).get("instance"))
        t.check("REST requests reach both instances", seen == {"app1", "app2"}, seen)

        status, hdrs, body = request(port, "GET", "/api/v1/tables")
        h = as_json(body).get("headers", {})
        t.check("a request id is generated when the client sends none",
                re.fullmatch(r"[0-9a-f]{32}", h.get("x-request-id", "")) is not None, h.get("x-request-id"))
        t.check("X-Forwarded-For and X-Forwarded-Proto are set",
                h.get("x-forwarded-for") == "127.0.0.1" and h.get("x-forwarded-proto") == "http", h)
        t.check("plain requests carry no Upgrade and no Connection header (upstream keepalive)",
                "upgrade" not in h and "connection" not in h, h)

        _, _, body = request(port, "GET", "/api/v1/tables", {"X-Request-Id": "tablet-7:0042"})
        t.check("the client's request id is passed through",
                as_json(body).get("headers", {}).get("x-request-id") == "tablet-7:0042", body)
        _, _, body = request(port, "GET", "/api/v1/tables", {"X-Request-Id": "x" * 200})
        rid = as_json(body).get("headers", {}).get("x-request-id", "")
        t.check("an oversized client request id is replaced", re.fullmatch(r"[0-9a-f]{32}", rid) is not None, rid)

        status, _, body = request(port, "POST", "/api/v1/orders", {"Content-Type": "application/json"},
                                  b"x" * (60 * 1024))
        t.check("a 60 KiB body is proxied", status == 201 and as_json(body).get("body_len") == 60 * 1024, status)
        status, hdrs, body = request(port, "POST", "/api/v1/orders", {"Content-Type": "application/json"},
                                     b"x" * (65 * 1024))
        t.check("a 65 KiB body is refused with problem+json 413",
                status == 413 and hdrs.get("content-type") == "application/problem+json"
                and as_json(body).get("code") == "payload_too_large", (status, body[:80]))

        line, accept_ok, echoed = websocket_roundtrip(port)
        t.check("the WebSocket upgrade answers 101 with the instance's accept key",
                line.startswith("HTTP/1.1 101") and accept_ok, line)
        t.check("WebSocket data flows both ways through nginx", echoed)
        ws = a.ws_headers or b.ws_headers or {}
        t.check("the instance saw Upgrade: websocket and Connection: upgrade",
                ws.get("upgrade", "").lower() == "websocket" and ws.get("connection", "").lower() == "upgrade", ws)

        status, _, _ = request(port, "GET", "/health")
        t.check("/health (detailed) is allowed from loopback", status == 200, status)

        a.ready = False
        statuses = {request(port, "GET", "/health/ready")[0] for _ in range(4)}
        t.check("/health/ready is 200 while one instance is ready", statuses == {200}, statuses)
        a.ready = True

        a.kill()
        results = [request(port, "GET", "/api/v1/venues") for _ in range(6)]
        t.check("GETs fail over to the surviving instance",
                all(s == 200 and as_json(bd).get("instance") == "app2" for s, _, bd in results),
                [(s, as_json(bd).get("instance")) for s, _, bd in results])

        b.kill()
        status, hdrs, body = request(port, "GET", "/api/v1/venues")
        t.check("with no instance left: 503 problem+json with Retry-After and a request id",
                status == 503 and hdrs.get("content-type") == "application/problem+json"
                and as_json(body).get("code") == "store_unavailable" and hdrs.get("retry-after") == "1"
                and "x-request-id" in hdrs, (status, hdrs, body[:80]))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if t.failed:
            print("nginx log:", file=sys.stderr)
            print(open(os.path.join(work, "nginx.log")).read(), file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)

    print(f"{t.passed} passed, {t.failed} failed")
    return 0 if t.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
