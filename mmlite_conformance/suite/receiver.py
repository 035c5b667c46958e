"""Webhook receiver: a loopback HTTP server with a bounded, thread-safe event store and wait_for(predicate)."""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from mmlite_conformance.suite.redaction import Redactor, dump_json, parse_json

DEFAULT_PATH: Final = "/webhook"
#: what `url` gives in replay: no server exists, and `.invalid` can never resolve (RFC 6761)
PLACEHOLDER_URL: Final = "https://webhook.receiver.invalid/webhook"
DEFAULT_MAX_EVENTS: Final = 1000
#: headers that differ on every delivery and would make re-recorded tapes differ for nothing
VOLATILE_HEADERS: Final = frozenset(
    {"date", "host", "user-agent", "content-length", "connection", "accept-encoding", "transfer-encoding"}
)


@dataclass(slots=True, frozen=True)
class WebhookEvent:
    """One request the receiver got; `body` is the parsed JSON or None, `raw` the text as received."""

    sequence: int
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw: str
    received_at: float


Predicate = Callable[[WebhookEvent], bool]


@dataclass(slots=True, frozen=True)
class Expectation:
    """A predicate that can describe itself, so waits and their errors read like the step that waits."""

    description: str
    test: Predicate

    def __call__(self, event: WebhookEvent) -> bool:
        return self.test(event)

    def __str__(self) -> str:
        return self.description


class WebhookTimeoutError(Exception):
    """No event matched in time; the message lists, redacted, what did arrive."""


class WebhookReceiver:
    """Collects webhook events, from a real loopback server or from a recorded tape (replay).

    Thread-safe: the server's handler threads append, test code waits on a Condition.
    """

    PLACEHOLDER_URL: Final = PLACEHOLDER_URL

    def __init__(
        self,
        *,
        max_events: int = DEFAULT_MAX_EVENTS,
        path: str = DEFAULT_PATH,
        redactor: Redactor | None = None,
    ) -> None:
        if max_events < 1:
            raise ValueError("max_events must be at least 1")
        self.path = path
        self.redactor = redactor
        self._events: deque[WebhookEvent] = deque(maxlen=max_events)
        self._condition = threading.Condition()
        self._sequence = itertools.count(1)
        self._last_sequence = 0
        self._mark = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._tape = False  # a preloaded store: nothing new will ever arrive

    @classmethod
    def preloaded(
        cls,
        events: Iterable[Mapping[str, Any]],
        *,
        max_events: int = DEFAULT_MAX_EVENTS,
        redactor: Redactor | None = None,
    ) -> WebhookReceiver:
        """A receiver without a server whose store holds a recorded tape (the dicts of `to_tape`)."""
        receiver = cls(max_events=max_events, redactor=redactor)
        receiver._tape = True
        for item in events:
            body = item.get("body")
            raw = dump_json(body) if body is not None else str(item.get("text", ""))
            method, path = str(item.get("method", "POST")), str(item.get("path", DEFAULT_PATH))
            receiver.deliver(method, path, dict(item.get("headers") or {}), raw)
        return receiver

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> WebhookReceiver:
        if self._tape:
            raise RuntimeError("a preloaded receiver plays a tape; it cannot start a server")
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
        if self._server is None and not self._tape:
            self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def serving(self) -> bool:
        return self._server is not None

    @property
    def address(self) -> tuple[str, int] | None:
        """The bound (host, port), or None when no server runs."""
        if self._server is None:
            return None
        host, port = self._server.server_address[:2]
        return (str(host), int(port))

    @property
    def url(self) -> str:
        """Where to POST events: the loopback server, or the placeholder of a preloaded tape."""
        if self._tape:
            return PLACEHOLDER_URL
        address = self.address
        if address is None:
            raise RuntimeError("the receiver is not running: call start() first")
        host, port = address
        # a wildcard bind is reached through loopback
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
        return f"http://{f'[{host}]' if ':' in host else host}:{port}{self.path}"

    # -- store -------------------------------------------------------------------------------------------------

    def deliver(self, method: str, path: str, headers: Mapping[str, str], raw: str) -> WebhookEvent:
        """Store one event and wake the waiters (called by the server; also usable by in-process targets)."""
        with self._condition:
            event = WebhookEvent(
                sequence=next(self._sequence),
                method=method.upper(),
                path=path,
                headers={k.lower(): v for k, v in headers.items()},
                body=parse_json(raw),
                raw=raw,
                received_at=time.time(),
            )
            self._events.append(event)
            self._last_sequence = event.sequence
            self._condition.notify_all()
        return event

    def events(self) -> list[WebhookEvent]:
        with self._condition:
            return list(self._events)

    def clear(self) -> None:
        """Forget stored events; sequence numbers keep increasing."""
        with self._condition:
            self._events.clear()

    def mark(self) -> int:
        """Remember the current position; `events_since()` and waits with `since=` then ignore older events."""
        with self._condition:
            self._mark = self._last_sequence
            return self._mark

    def events_since(self, mark: int | None = None) -> list[WebhookEvent]:
        """Events after `mark` (default: the last `mark()`)."""
        floor = self._mark if mark is None else mark
        with self._condition:
            return [e for e in self._events if e.sequence > floor]

    # -- waiting -----------------------------------------------------------------------------------------------

    def wait_for(
        self, predicate: Predicate, timeout: float, description: str | None = None, *, since: int | None = None
    ) -> WebhookEvent:
        """The first stored event (already received or arriving within `timeout` s) that satisfies `predicate`."""
        label = description or _describe(predicate)
        return self._wait([(label, predicate)], timeout, since)[0]

    def wait_for_all(self, *predicates: Predicate, timeout: float, since: int | None = None) -> list[WebhookEvent]:
        """One event per predicate, in the predicates' order; the timeout is shared."""
        return self._wait([(_describe(p), p) for p in predicates], timeout, since)

    def _wait(self, wanted: list[tuple[str, Predicate]], timeout: float, since: int | None) -> list[WebhookEvent]:
        if not wanted:
            return []
        deadline = time.monotonic() + timeout
        found: list[WebhookEvent | None] = [None] * len(wanted)
        scanned = since or 0
        while True:
            with self._condition:
                fresh = [e for e in self._events if e.sequence > scanned]
                if not fresh:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or self._tape:
                        break
                    self._condition.wait(remaining)
                    continue
            # predicates run outside the lock: a slow or re-entrant one must not block the server threads
            for event in fresh:
                for index, (_label, predicate) in enumerate(wanted):
                    if found[index] is None and predicate(event):
                        found[index] = event
            scanned = fresh[-1].sequence
            if all(e is not None for e in found):
                return [e for e in found if e is not None]
        missing = [label for (label, _p), event in zip(wanted, found, strict=True) if event is None]
        raise WebhookTimeoutError(self._timeout_message(missing, timeout, since))

    def _timeout_message(self, missing: list[str], timeout: float, since: int | None) -> str:
        arrived = [e for e in self.events() if e.sequence > (since or 0)]
        where = "on the recorded tape (re-record the cassette?)" if self._tape else f"within {timeout:g} s"
        wanted = "; ".join(self._redact(m) for m in missing)
        lines = [f"no webhook event matched: {wanted} {where}.", f"{len(arrived)} event(s) arrived:"]
        lines += [f"  {summarise(e, self.redactor)}" for e in arrived[-20:]]
        if len(arrived) > 20:
            lines.insert(2, f"  ... {len(arrived) - 20} earlier event(s) not shown")
        return "\n".join(lines)

    def _redact(self, text: str) -> str:
        return self.redactor.redact_text(text) if self.redactor else _shorten_wamids(text)

    # -- tape --------------------------------------------------------------------------------------------------

    def to_tape(self, redactor: Redactor, since: int | None = None) -> list[dict[str, Any]]:
        """The stored events, redacted and JSON-able, renumbered from 1 so re-recordings give the same tape."""
        tape = []
        for number, event in enumerate(self.events_since(since or 0), start=1):
            headers = {k: v for k, v in event.headers.items() if k not in VOLATILE_HEADERS}
            item: dict[str, Any] = {
                "sequence": number,
                "method": event.method,
                "path": redactor.redact_text(event.path),
                "headers": redactor.redact_headers(headers),
                "body": redactor.redact_json(event.body),
            }
            if event.body is None and event.raw:
                item["text"] = redactor.redact_text(event.raw)
            tape.append(item)
        return tape


# -- reading webhook bodies (Cloud API shape: entry[].changes[].value) -------------------------------------------


def changes(event: WebhookEvent) -> list[dict[str, Any]]:
    body = event.body
    if not isinstance(body, dict):
        return []
    return [change for entry in _dicts(body.get("entry")) for change in _dicts(entry.get("changes"))]


def statuses(event: WebhookEvent) -> list[dict[str, Any]]:
    return [s for change in changes(event) for s in _dicts(_value(change).get("statuses"))]


def inbound_messages(event: WebhookEvent) -> list[dict[str, Any]]:
    return [m for change in changes(event) for m in _dicts(_value(change).get("messages"))]


def is_status(message_id: str, status: str | Iterable[str]) -> Expectation:
    """A status webhook for `message_id` with `status` (or any of several, e.g. ("delivered", "read"))."""
    wanted = frozenset([status] if isinstance(status, str) else status)
    names = " or ".join(sorted(wanted))
    return Expectation(
        f"status {names} for {message_id}",
        lambda event: any(s.get("id") == message_id and s.get("status") in wanted for s in statuses(event)),
    )


def is_inbound_text(containing: str) -> Expectation:
    """An inbound text message whose body contains `containing` (case-insensitive: a human types it)."""
    needle = containing.casefold()
    return Expectation(
        f"inbound text containing {containing!r}",
        lambda event: any(
            m.get("type") == "text" and needle in str(_value(m, "text").get("body", "")).casefold()
            for m in inbound_messages(event)
        ),
    )


def summarise(event: WebhookEvent, redactor: Redactor | None = None) -> str:
    """One line per event for error messages: kinds, statuses and ids; never numbers or message text unredacted."""
    parts: list[str] = []
    for change in changes(event):
        value = _value(change)
        for s in _dicts(value.get("statuses")):
            codes = [str(e.get("code")) for e in _dicts(s.get("errors"))]
            parts.append(
                f"status {s.get('status')} for {s.get('id')}" + (f" (errors {', '.join(codes)})" if codes else "")
            )
        for m in _dicts(value.get("messages")):
            text = f" {str(_value(m, 'text').get('body', ''))[:40]!r}" if redactor and m.get("type") == "text" else ""
            parts.append(f"inbound {m.get('type')}{text}")
        if not value.get("statuses") and not value.get("messages"):
            parts.append(f"{change.get('field')}" + (f" {value['event']}" if "event" in value else ""))
    if not parts:
        parts.append(
            "JSON without entry[].changes[]" if event.body is not None else f"non-JSON body, {len(event.raw)} chars"
        )
    line = f"#{event.sequence} {event.method} {urlsplit(event.path).path}: " + "; ".join(parts)
    if redactor is not None:
        return redactor.redact_text(line)
    return _shorten_wamids(line)


def _shorten_wamids(text: str) -> str:
    """Without a redactor: a wamid embeds the recipient's number, so only its tail is shown."""
    return " ".join("wamid.…" + w[-6:] if w.startswith("wamid.") else w for w in text.split(" "))


def _describe(predicate: Predicate) -> str:
    return str(getattr(predicate, "description", None) or getattr(predicate, "__name__", None) or predicate)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _value(node: dict[str, Any], key: str = "value") -> dict[str, Any]:
    value = node.get(key)
    return value if isinstance(value, dict) else {}


# -- HTTP server -------------------------------------------------------------------------------------------------


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
