"""The loopback HTTP server that receives webhook deliveries into a store: the receiver's capture point."""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from mmlite_conformance.suite.redaction import Redactor, parse_json
from mmlite_conformance.suite.webhooks.event import WebhookEvent
from mmlite_conformance.suite.webhooks.store import DEFAULT_MAX_EVENTS, WebhookStore

DEFAULT_PATH: Final = "/webhook"
#: a wildcard bind is reached through loopback
_LOOPBACK_FOR: Final = {"0.0.0.0": "127.0.0.1", "::": "::1"}


class WebhookReceiver:
    """A loopback HTTP server and the store it fills: every POST or GET is stored and answered 200.

    With a redactor, each JSON body's phone numbers and user ids are learned before the event is stored, so nothing
    that shows an event (a timeout message, evidence) can meet them unknown. The stored event stays raw.
    """

    def __init__(
        self, *, max_events: int = DEFAULT_MAX_EVENTS, path: str = DEFAULT_PATH, redactor: Redactor | None = None
    ) -> None:
        self.path = path
        self.redactor = redactor
        self.store = WebhookStore(max_events=max_events, redactor=redactor)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> WebhookReceiver:
        if self._server is not None:
            raise RuntimeError("the receiver is already running")
        server_class = _Server6 if ":" in host else _Server
        server = server_class((host, port), _Handler)
        server.receiver = self
        self._server = server
        # a short poll interval keeps stop() quick: shutdown() waits for the serve loop's next poll
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"webhook-receiver:{port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> WebhookReceiver:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def address(self) -> tuple[str, int] | None:
        """The bound (host, port), or None when no server runs."""
        if self._server is None:
            return None
        host, port = self._server.server_address[:2]
        return (str(host), int(port))

    @property
    def url(self) -> str:
        """Where to POST events."""
        address = self.address
        if address is None:
            raise RuntimeError("the receiver is not running: call start() first")
        host, port = address
        host = _LOOPBACK_FOR.get(host, host)
        return f"http://{f'[{host}]' if ':' in host else host}:{port}{self.path}"

    def deliver(self, method: str, path: str, headers: Mapping[str, str], raw: str) -> WebhookEvent:
        """Capture one delivery: learn what its JSON body carries, then store it (the server's handler calls this)."""
        body = parse_json(raw)
        if self.redactor is not None and body is not None:
            self.redactor.learn(body)
        return self.store.deliver(method, path, headers, raw, body=body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: WebhookReceiver


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # two small writes per response would otherwise wait for a delayed ACK

    def do_POST(self) -> None:
        self._receive()

    def do_GET(self) -> None:
        self._receive()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # request lines can carry phone numbers; the store is the log

    def _receive(self) -> None:
        raw = self._read_body().decode("utf-8", errors="replace")
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        self.server.receiver.deliver(self.command, self.path, headers, raw)
        # Meta-style verification GETs expect hub.challenge echoed back; everything else just gets a 200
        challenge = parse_qs(urlsplit(self.path).query).get("hub.challenge", [""])[0]
        reply = (challenge or "OK").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""
