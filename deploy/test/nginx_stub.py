"""Stub Brigade instances for deploy/test/nginx_smoke.py (Python standard library only):
each answers JSON describing the request it received, upgrades /api/v1/ws and echoes
what arrives, can turn unready, and can die like a crashed process."""

import base64
import hashlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
        if self.path == "/api/v1/missing":  # the app's own error answer, passed through
            return self.reply(404, {"code": "not_found"})
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
