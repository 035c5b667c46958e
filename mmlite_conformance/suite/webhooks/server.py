"""The loopback HTTP server that receives webhook deliveries into a store: the receiver's capture point."""

from __future__ import annotations

import contextlib
import io
import re
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from mmlite_conformance.suite.redaction import Redactor
from mmlite_conformance.suite.webhooks.event import DEFAULT_PATH, WebhookEvent
from mmlite_conformance.suite.webhooks.limits import (
    LINGER_BYTES,
    LINGER_SECONDS,
    LISTEN_BACKLOG,
    MAX_BODY_BYTES,
    MAX_CONNECTIONS,
    MAX_HEAD_BYTES,
    REFUSALS,
    REQUEST_TIMEOUT,
    RefusedError,
    lenient_json,
    read_delivery,
)
from mmlite_conformance.suite.webhooks.store import DEFAULT_MAX_BYTES, DEFAULT_MAX_EVENTS, WebhookStore

#: a wildcard bind is reached through loopback
_LOOPBACK_FOR: Final = {"0.0.0.0": "127.0.0.1", "::": "::1"}
_UNPARSED: Final[Any] = object()
_DIGITS: Final = re.compile(r"[0-9]{1,18}")
_CHUNK_SIZE: Final = re.compile(rb"[0-9A-Fa-f]{1,16}")
#: a chunk-size line (hex size and extensions) and a trailer line may be this long
_CHUNK_LINE: Final = 1024
_MAX_TRAILERS: Final = 32
#: bytes the buffered reader may fetch past the head in one read; the head budget allows for them
_READ_AHEAD: Final = io.DEFAULT_BUFFER_SIZE
#: statuses the stdlib parser answers itself, by the refusal they are counted as (any other is a malformed request)
_STDLIB_REFUSALS: Final = {414: "headers_too_large", 431: "headers_too_large"}


class WebhookReceiver:
    """A loopback HTTP server and the store it fills: every complete POST or GET within the limits is stored and
    answered 200; what breaks a limit (`limits.REFUSALS`) is answered 4xx, not stored, and counted in `refused`.

    With a redactor, each JSON body's phone numbers and user ids are learned before the event is stored, so nothing
    that shows an event (a timeout message, evidence) can meet them unknown. The stored event stays raw.
    `request_timeout` (seconds) bounds how long a connection may stay idle or keep a request half-sent.
    """

    def __init__(
        self,
        *,
        max_events: int = DEFAULT_MAX_EVENTS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        path: str = DEFAULT_PATH,
        redactor: Redactor | None = None,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        if request_timeout <= 0:
            raise ValueError("request_timeout must be positive")
        self.path = path
        self.redactor = redactor
        self.request_timeout = request_timeout
        self.store = WebhookStore(max_events=max_events, max_bytes=max_bytes, redactor=redactor)
        self._refused: Counter[str] = Counter()
        self._refused_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # Why stdlib threads and not uvicorn: a receiver starts and stops in ~50 ms (uvicorn in a thread: ~200 ms, and
    # tests start many), needs no event loop of its own, and every limit is a few lines of blocking code here; a
    # thread per connection is bounded by MAX_CONNECTIONS and the request deadline.
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
            server.closing = True
            server.shutdown()
            server.close_connections()
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

    @property
    def refused(self) -> dict[str, int]:
        """Requests refused since the receiver was made, by reason (a key of `limits.REFUSALS`)."""
        with self._refused_lock:
            return dict(self._refused)

    def deliver(
        self, method: str, path: str, headers: Mapping[str, str], raw: str, *, body: Any = _UNPARSED
    ) -> WebhookEvent:
        """Capture one delivery: learn what its JSON body carries, then store it (the server's handler calls this
        with the body it parsed within the limits)."""
        if body is _UNPARSED:
            body = lenient_json(raw)
        if self.redactor is not None and body is not None:
            self.redactor.learn(body)
        return self.store.deliver(method, path, headers, raw, body=body)

    def note_refused(self, reason: str) -> None:
        """Count a refused request here (for the run) and in the store (for the scenario's timeout messages)."""
        self.store.note_refused(reason)
        with self._refused_lock:
            self._refused[reason] += 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG
    receiver: WebhookReceiver

    def __init__(self, address: tuple[str, int], handler: type[_Handler]) -> None:
        self.closing = False
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def server_bind(self) -> None:
        TCPServer.server_bind(self)  # HTTPServer's own would add a reverse DNS lookup of the host (getfqdn)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        # over MAX_CONNECTIONS the serve loop stops accepting: new connections wait in the backlog, not refused
        while not self._slots.acquire(timeout=0.05):
            if self.closing:
                self.shutdown_request(request)
                return
        with self._open_lock:
            self._open.add(request)
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._release(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # the handler answers every refusal itself; what reaches here is a fault of the receiver: one line, no body
        error = sys.exc_info()[1]
        print(f"webhook receiver: a request was not answered: {type(error).__name__}", file=sys.stderr)

    def close_connections(self) -> None:
        """Wake every handler blocked on a connection so that stop() leaves no request half-served."""
        with self._open_lock:
            connections = list(self._open)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def _release(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        self._slots.release()


class _Server6(_Server):
    address_family = socket.AF_INET6


class _DeadlineReader(io.RawIOBase):
    """The connection's socket, read against the current request's deadline and, while its head is read, a budget."""

    def __init__(self, connection: socket.socket) -> None:
        super().__init__()
        self.connection = connection
        self.deadline = 0.0
        self.head_budget: int | None = None
        #: bytes received since the request began: an expired deadline with none is an idle connection, not a refusal
        self.received = 0
        #: the sender closed its side; seen while reading the head, the head is incomplete (the stdlib's header parser
        #: takes an end of stream for the blank line that ends a head)
        self.ended = False

    def begin_request(self, timeout: float) -> None:
        self.deadline = time.monotonic() + timeout
        self.head_budget = MAX_HEAD_BYTES + _READ_AHEAD
        self.received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("request deadline passed")
        view = memoryview(buffer).cast("B")
        if self.head_budget is not None:
            if self.head_budget <= 0:
                raise RefusedError("headers_too_large")
            view = view[: self.head_budget]
        self.connection.settimeout(remaining)
        count = self.connection.recv_into(view)
        self.ended = self.ended or count == 0
        self.received += count
        if self.head_budget is not None:
            self.head_budget -= count
        return count


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # an answer is one write, but the 100-continue interim one is another

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the stdlib's reader has no deadline: replace it
        self.reader = _DeadlineReader(self.connection)
        self.rfile = io.BufferedReader(self.reader)
        self.linger = False

    def handle(self) -> None:
        super().handle()
        if self.linger:
            self._drain()

    def handle_one_request(self) -> None:
        receiver = self.server.receiver
        self.close_connection = True
        self.reader.begin_request(receiver.request_timeout)
        try:
            self._serve(receiver)
        except RefusedError as refused:
            self._refuse(refused.reason)
        except TimeoutError:
            if self.reader.received:
                self._refuse("incomplete")
        except OSError:
            if self.reader.received:  # reset mid-request: nobody left to answer, but it was a refused delivery
                receiver.note_refused("incomplete")

    def _serve(self, receiver: WebhookReceiver) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline:
            return  # closed between requests
        if len(self.raw_requestline) > 65536:
            raise RefusedError("headers_too_large")
        if not self.parse_request():
            return  # send_error answered and counted it
        if self.reader.ended:
            raise RefusedError("incomplete")
        self.reader.head_budget = None
        if self.request_version == "HTTP/0.9":
            raise RefusedError("malformed_request")
        if self.command not in ("POST", "GET"):
            raise RefusedError("method")
        raw, body = read_delivery(self._read_body(), self.headers.get("Content-Type", ""))
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        receiver.deliver(self.command, self.path, headers, raw, body=body)
        # Meta-style verification GETs expect hub.challenge echoed back; everything else just gets a 200
        challenge = parse_qs(urlsplit(self.path).query).get("hub.challenge", [""])[0]
        self._answer(200, challenge or "OK")

    def _read_body(self) -> bytes:
        lengths = {value.strip() for value in self.headers.get_all("Content-Length") or []}
        encoding = self.headers.get("Transfer-Encoding")
        if encoding is not None:
            if lengths or encoding.strip().lower() != "chunked":
                raise RefusedError("malformed_request")
            return self._read_chunked()
        if not lengths:
            return b""
        declared = lengths.pop()
        if lengths or not declared.isascii() or not declared.isdigit():
            raise RefusedError("malformed_request")
        if not _DIGITS.fullmatch(declared) or int(declared) > MAX_BODY_BYTES:
            raise RefusedError("too_large")
        return self._read_exactly(int(declared))

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_text = self._read_line(_CHUNK_LINE).split(b";", 1)[0].strip()
            if not _CHUNK_SIZE.fullmatch(size_text):
                raise RefusedError("malformed_request")
            size = int(size_text, 16)
            if size == 0:
                break
            total += size
            if total > MAX_BODY_BYTES:
                raise RefusedError("too_large")
            chunks.append(self._read_exactly(size))
            if self._read_line(3).strip():
                raise RefusedError("malformed_request")
        for _ in range(_MAX_TRAILERS):
            if not self._read_line(_CHUNK_LINE).strip():
                return b"".join(chunks)
        raise RefusedError("malformed_request")

    def _read_line(self, limit: int) -> bytes:
        line = self.rfile.readline(limit)
        if line.endswith(b"\n"):
            return line
        raise RefusedError("malformed_request" if len(line) >= limit else "incomplete")

    def _read_exactly(self, size: int) -> bytes:
        data = self.rfile.read(size)
        if len(data) < size:
            raise RefusedError("incomplete")  # the sender closed its side mid-body
        return data

    def handle_expect_100(self) -> bool:
        declared = self.headers.get("Content-Length", "").strip()
        if declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > MAX_BODY_BYTES):
            raise RefusedError("too_large")  # answered instead of 100 Continue: the body is never sent
        return super().handle_expect_100()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The stdlib parser's own refusals (bad request line, too many or too long headers, bad version)."""
        self._refuse(_STDLIB_REFUSALS.get(code, "malformed_request"), code if 400 <= code < 500 else None)

    def _refuse(self, reason: str, status: int | None = None) -> None:
        self.server.receiver.note_refused(reason)
        self.close_connection = True
        self.linger = reason != "incomplete"  # a slow sender is not waited for a second time
        refusal = REFUSALS[reason]
        self._answer(status or refusal.status, f"refused: {refusal.words}\n")

    def _answer(self, status: int, text: str) -> None:
        """One write: status line, headers and body (a sender that stopped reading closes the connection)."""
        body = text.encode()
        head = [
            f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
            "Content-Type: text/plain; charset=utf-8",
            f"Content-Length: {len(body)}",
        ]
        if self.close_connection:
            head.append("Connection: close")
        try:
            self.connection.settimeout(self.server.receiver.request_timeout)
            self.connection.sendall("\r\n".join(head).encode() + b"\r\n\r\n" + body)
        except OSError:
            self.close_connection = True

    def _drain(self) -> None:
        """Read and drop what the refused sender still sends, until it closes or the linger runs out."""
        try:
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + min(LINGER_SECONDS, self.server.receiver.request_timeout)
            dropped = 0
            while dropped < LINGER_BYTES and (remaining := deadline - time.monotonic()) > 0:
                self.connection.settimeout(remaining)
                data = self.connection.recv(65536)
                if not data:
                    return
                dropped += len(data)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass  # request lines can carry phone numbers; the store is the log
