#!/usr/bin/env python3
"""Live test of deploy/nginx/nginx.conf: a real nginx on loopback, with a throwaway
certificate from deploy/tls/self-signed.sh, in front of two stub instances
(test/nginx_stub.py, standard library only) that echo what they receive.

    python3 deploy/test/nginx_smoke.py

It checks what nginx -t cannot: HTTPS verified against that certificate (TLS 1.3 and
1.2 with an AEAD cipher, 1.1 refused, sessions resumed), HSTS on every HTTPS answer
(proxied, nginx's own errors included), plain HTTP answering only 301 to HTTPS, request
ids, forwarded headers, the body limit, the WebSocket upgrade over TLS, /nginx-health,
readiness routing, failover when an instance dies, and the problem+json answer when
none is left. Run by deploy/check.sh.

The nginx.conf under test is the repository's, byte for byte, except its two `listen`
ports (8080 and 8443 may be taken on a developer's machine); upstream.conf is written to
point at the stubs, as deploy/check.sh does for `nginx -t`, and tls/ next to it holds
the generated pair, where nginx.conf looks for it.
"""

import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import warnings

sys.dont_write_bytecode = True  # no __pycache__ left in the repository
from nginx_stub import WS_GUID, Instance, free_port  # noqa: E402 (after the line above)

HERE = os.path.dirname(os.path.abspath(__file__))
DEPLOY = os.path.dirname(HERE)
HSTS = "max-age=31536000"


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


def request(port, method, path, headers=None, body=None, tls=None):
    """One request on a new connection; HTTPS verified against `tls` when given."""
    if tls:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=tls)
    else:
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


def handshake(port, ctx, host="127.0.0.1", session=None):
    """A TLS connection to nginx, verified against ctx's certificate for `host`."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        return ctx.wrap_socket(raw, server_hostname=host, session=session)
    except BaseException:
        raw.close()
        raise


def websocket_roundtrip(port, ctx):
    """Handshake through nginx over TLS, then one message each way; returns (status
    line, accept key right, echo right)."""
    key = base64.b64encode(os.urandom(16)).decode()
    sock = handshake(port, ctx)
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


def tls_checks(t, port, cafile):
    """Protocols, ciphers, names and session resumption of the HTTPS server."""
    ctx = ssl.create_default_context(cafile=cafile)
    with handshake(port, ctx, "localhost") as s:
        t.check("the certificate verifies for localhost and 127.0.0.1; TLS 1.3 by default",
                s.version() == "TLSv1.3", s.version())

    ctx12 = ssl.create_default_context(cafile=cafile)
    ctx12.maximum_version = ssl.TLSVersion.TLSv1_2
    with handshake(port, ctx12) as s:
        version, cipher = s.version(), s.cipher()[0]
        session = s.session
    t.check("TLS 1.2 negotiates ECDHE with an AEAD cipher",
            version == "TLSv1.2" and cipher.startswith("ECDHE-ECDSA-") and ("GCM" in cipher or "CHACHA20" in cipher),
            (version, cipher))
    with handshake(port, ctx12, session=session) as s:
        t.check("a TLS 1.2 session is resumed (shared session cache)", s.session_reused, s.session_reused)

    # Clients that offer only what nginx must refuse. Their own library's floor is
    # lowered, so a refusal is nginx's alert, not a client-side error.
    def refused(max_version, ciphers, min_version=None):
        c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        c.load_verify_locations(cafile)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0/1.1 names
                c.set_ciphers(ciphers + ":@SECLEVEL=0")
                c.minimum_version = min_version or ssl.TLSVersion.MINIMUM_SUPPORTED
                c.maximum_version = max_version
            with handshake(port, c) as s:
                return f"accepted: {s.version()} {s.cipher()[0]}"
        except ssl.SSLError as e:
            return e.reason or str(e)
        except (ValueError, OSError) as e:
            return f"the client could not even offer it: {e}"

    outcome = refused(ssl.TLSVersion.TLSv1_1, "DEFAULT", ssl.TLSVersion.TLSv1)
    t.check("TLS 1.1 is refused", outcome == "TLSV1_ALERT_PROTOCOL_VERSION", outcome)
    outcome = refused(ssl.TLSVersion.TLSv1_2, "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA")
    t.check("TLS 1.2 with CBC ciphers only is refused", outcome == "SSLV3_ALERT_HANDSHAKE_FAILURE", outcome)


def main():
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.access(nginx, os.X_OK):
        print("nginx is not installed (apt-get install nginx)", file=sys.stderr)
        return 2

    work = tempfile.mkdtemp(prefix="brigade-nginx-smoke-")
    made = subprocess.run(["bash", os.path.join(DEPLOY, "tls", "self-signed.sh"), os.path.join(work, "tls")],
                          capture_output=True, text=True)
    if made.returncode != 0:
        print(made.stdout + made.stderr, file=sys.stderr)
        print("deploy/tls/self-signed.sh failed", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)
        return 1
    cafile = os.path.join(work, "tls", "cert.pem")
    ctx = ssl.create_default_context(cafile=cafile)

    a = Instance("app1", free_port())
    b = Instance("app2", free_port())
    port, plain = free_port(), free_port()

    with open(os.path.join(DEPLOY, "nginx", "nginx.conf")) as f:
        conf = f.read()
    # add_header in a block drops the server's: each location with its own must repeat
    # HSTS. (A location runs up to the next one; comments left out.)
    blocks = re.split(r"\blocation\s", re.sub(r"#[^\n]*", "", conf))[1:]
    without = [b.split("{")[0].strip() for b in blocks
               if "add_header" in b and "Strict-Transport-Security" not in b]
    conf, n = re.subn(r"listen 8080 default_server;", f"listen 127.0.0.1:{plain} default_server;", conf)
    conf, m = re.subn(r"listen 8443 ssl;", f"listen 127.0.0.1:{port} ssl;", conf)
    assert n == 1 and m == 1, "nginx.conf no longer has exactly one `listen 8080 default_server;` and one `listen 8443 ssl;`"
    with open(os.path.join(work, "nginx.conf"), "w") as f:
        f.write(conf)
    with open(os.path.join(DEPLOY, "nginx", "upstream.conf")) as f:
        upstream = f.read()
    upstream, n = re.subn(r"server app1:8080", f"server 127.0.0.1:{a.server_address[1]}", upstream)
    upstream, m = re.subn(r"server app2:8080", f"server 127.0.0.1:{b.server_address[1]}", upstream)
    assert n == 1 and m == 1, "upstream.conf no longer names app1:8080 and app2:8080"
    with open(os.path.join(work, "upstream.conf"), "w") as f:
        f.write(upstream)

    def https(method, path, headers=None, body=None):
        return request(port, method, path, headers, body, tls=ctx)

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
                status, hdrs, body = https("GET", "/nginx-health")
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    log.flush()
                    print(open(os.path.join(work, "nginx.log")).read(), file=sys.stderr)
                    print("nginx did not start", file=sys.stderr)
                    return 1
                time.sleep(0.1)

        print(f"nginx smoke test (nginx on 127.0.0.1:{port} HTTPS and {plain} HTTP, instances on "
              f"{a.server_address[1]} and {b.server_address[1]})")
        t.check("/nginx-health answers 200 over HTTPS, with HSTS",
                status == 200 and body == b"ok\n" and hdrs.get("strict-transport-security") == HSTS, (body, hdrs))

        t.check("every location with add_header of its own repeats HSTS (nginx.conf)",
                not without and any("add_header" in b for b in blocks), without)
        tls_checks(t, port, cafile)

        redirects = [(path, request(plain, "GET", path)) for path in
                     ("/api/v1/venues?since=5", "/health", "/nginx-health", "/api/v1/ws?ticket=x")]
        t.check("plain HTTP answers 301 to the same URL on https://, proxying nothing",
                all(s == 301 and h.get("location") == f"https://127.0.0.1{p}" and b"instance" not in bd
                    for p, (s, h, bd) in redirects),
                [(p, s, h.get("location")) for p, (s, h, bd) in redirects])
        t.check("no HSTS over plain HTTP (browsers ignore it there)",
                all("strict-transport-security" not in h for _, (_, h, _) in redirects))

        seen = set()
        for _ in range(6):
            status, hdrs, body = https("GET", "/api/v1/venues")
            seen.add(as_json(body).get("instance"))
        t.check("REST requests over HTTPS reach both instances", seen == {"app1", "app2"}, seen)
        t.check("a proxied answer carries HSTS", hdrs.get("strict-transport-security") == HSTS, hdrs)
        status, hdrs, _ = https("GET", "/api/v1/missing")
        t.check("the app's own error answer carries HSTS too",
                status == 404 and hdrs.get("strict-transport-security") == HSTS, (status, hdrs))

        status, hdrs, body = https("GET", "/api/v1/tables")
        h = as_json(body).get("headers", {})
        t.check("a request id is generated when the client sends none",
                re.fullmatch(r"[0-9a-f]{32}", h.get("x-request-id", "")) is not None, h.get("x-request-id"))
        t.check("X-Forwarded-For is set and X-Forwarded-Proto is https",
                h.get("x-forwarded-for") == "127.0.0.1" and h.get("x-forwarded-proto") == "https", h)
        t.check("plain requests carry no Upgrade and no Connection header (upstream keepalive)",
                "upgrade" not in h and "connection" not in h, h)

        _, _, body = https("GET", "/api/v1/tables", {"X-Request-Id": "tablet-7:0042"})
        t.check("the client's request id is passed through",
                as_json(body).get("headers", {}).get("x-request-id") == "tablet-7:0042", body)
        _, _, body = https("GET", "/api/v1/tables", {"X-Request-Id": "x" * 200})
        rid = as_json(body).get("headers", {}).get("x-request-id", "")
        t.check("an oversized client request id is replaced", re.fullmatch(r"[0-9a-f]{32}", rid) is not None, rid)

        status, _, body = https("POST", "/api/v1/orders", {"Content-Type": "application/json"}, b"x" * (60 * 1024))
        t.check("a 60 KiB body is proxied", status == 201 and as_json(body).get("body_len") == 60 * 1024, status)
        status, hdrs, body = https("POST", "/api/v1/orders", {"Content-Type": "application/json"},
                                   b"x" * (65 * 1024))
        t.check("a 65 KiB body is refused with problem+json 413, with HSTS",
                status == 413 and hdrs.get("content-type") == "application/problem+json"
                and as_json(body).get("code") == "payload_too_large"
                and hdrs.get("strict-transport-security") == HSTS, (status, hdrs, body[:80]))

        line, accept_ok, echoed = websocket_roundtrip(port, ctx)
        t.check("the WebSocket upgrade over TLS answers 101 with the instance's accept key",
                line.startswith("HTTP/1.1 101") and accept_ok, line)
        t.check("WebSocket data flows both ways through nginx, over TLS", echoed)
        ws = a.ws_headers or b.ws_headers or {}
        t.check("the instance saw Upgrade: websocket and Connection: upgrade",
                ws.get("upgrade", "").lower() == "websocket" and ws.get("connection", "").lower() == "upgrade", ws)

        status, _, _ = https("GET", "/health")
        t.check("/health (detailed) is allowed from loopback", status == 200, status)

        a.ready = False
        statuses = {https("GET", "/health/ready")[0] for _ in range(4)}
        t.check("/health/ready is 200 while one instance is ready", statuses == {200}, statuses)
        a.ready = True

        a.kill()
        results = [https("GET", "/api/v1/venues") for _ in range(6)]
        t.check("GETs fail over to the surviving instance",
                all(s == 200 and as_json(bd).get("instance") == "app2" for s, _, bd in results),
                [(s, as_json(bd).get("instance")) for s, _, bd in results])

        b.kill()
        status, hdrs, body = https("GET", "/api/v1/venues")
        t.check("with no instance left: 503 problem+json with Retry-After, a request id and HSTS",
                status == 503 and hdrs.get("content-type") == "application/problem+json"
                and as_json(body).get("code") == "store_unavailable" and hdrs.get("retry-after") == "1"
                and "x-request-id" in hdrs and hdrs.get("strict-transport-security") == HSTS,
                (status, hdrs, body[:80]))
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
