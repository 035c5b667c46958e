"""Request journal: a bounded, ordered record of every API request and its answer (raw data, loopback only)."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from mmlite_conformance.emulator.jsonio import loads

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from mmlite_conformance.emulator.state import EmulatorState

SCOPE_KEY = "mmlite.journal"  # a per-request note the routes fill in: {"armed": id or None, "surface": ...}
TEXT_LIMIT = 64 * 1024
STORE_LIMIT = 1024 * 1024  # bytes kept per body: a longer JSON body is shown as text (its first 64 KiB)
KEPT_RESPONSE_HEADERS = ("content-type", "retry-after")
SURFACE = "360dialog"  # 360dialog's routes; "graph" for the opt-in Graph alias (A80), "unknown" for unmatched paths


@dataclass(slots=True)
class Entry:
    """What a request leaves behind; bodies stay bytes until the entry is read (parsing costs only then)."""

    seq: int
    fields: dict[str, Any]  # everything but the bodies, in output order
    request_body: bytes
    response_body: bytes

    def render(self) -> dict[str, Any]:
        out = {"seq": self.seq, **self.fields}
        out["body"] = content(self.request_body)
        out["response"] = {**out["response"], "body": content(self.response_body)}
        return out


class Journal:
    def __init__(self, max_entries: int) -> None:
        self.entries: deque[Entry] = deque(maxlen=max_entries)
        self.last = 0  # highest seq so far; never goes back (clearing keeps it)

    def add(self, fields: dict[str, Any], request_body: bytes, response_body: bytes) -> None:
        self.last += 1
        self.entries.append(Entry(self.last, fields, request_body[:STORE_LIMIT], response_body[:STORE_LIMIT]))

    def after(self, seq: int) -> list[dict[str, Any]]:
        if not self.entries:
            return []
        start = max(0, seq - self.entries[0].seq + 1)  # seqs in the deque are consecutive
        return [entry.render() for entry in islice(self.entries, start, None)]

    def clear(self) -> None:
        self.entries.clear()


def auth_form(key: str | None, has_authorization: bool) -> str:
    """bare, bearer, other (an Authorization header instead, or an odd value) or missing."""
    if key is None:
        return "other" if has_authorization else "missing"
    if key.startswith("Bearer ") and key[7:].strip():
        return "bearer"
    if key and not any(ch.isspace() for ch in key):
        return "bare"
    return "other"


def content(raw: bytes) -> Any:
    """Parsed JSON, {"text": ...} (at most 64 KiB) when it does not parse, None when empty."""
    if not raw:
        return None
    try:
        return loads(raw)
    except ValueError:  # not JSON, or JSON that could not be served back (NaN, a lone surrogate, too deep)
        return {"text": raw[:TEXT_LIMIT].decode("utf-8", "replace")}


def excluded(path: str) -> bool:
    return path.startswith("/_emulator") or path == "/openapi.json"


class JournalMiddleware:
    """Installed only when the journal is on: reads the body once, replays it, and captures the answer."""

    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        journal = self.state.journal
        if scope["type"] != "http" or journal is None or excluded(scope["path"]):
            await self.app(scope, receive, send)
            return
        time_ms = time.time() * 1000
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": raw, "more_body": False}

        note: dict[str, Any] = {"armed": None, "surface": SURFACE}
        scope[SCOPE_KEY] = note
        answer: dict[str, Any] = {"status": 500, "headers": {}}
        body: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                for name, value in message.get("headers", []):
                    key = name.decode("latin-1").lower()
                    if key in KEPT_RESPONSE_HEADERS:
                        answer["headers"][key] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay, capture)
        finally:
            journal.add(self._fields(scope, time_ms, note, answer), raw, b"".join(body))

    def _fields(self, scope: Scope, time_ms: float, note: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        graph = note["surface"] == "graph"  # the alias reads the key from Authorization: Bearer only (A81)
        key = headers.get("authorization" if graph else "d360-api-key")
        form = auth_form(key, "authorization" in headers and not graph)
        account = self.state.account_for(key) if form == "bearer" or not graph else None
        return {
            "time_ms": time_ms,
            "method": scope["method"],
            "path": scope["path"],
            "query": scope.get("query_string", b"").decode("latin-1"),
            "surface": note["surface"],
            "auth": {
                "form": form,
                "valid": account is not None and account.api_key_valid,
            },
            "account": account.config.name if account is not None else None,
            "content_type": headers.get("content-type"),
            "body": None,
            "response": {"status": answer["status"], "headers": answer["headers"]},
            "armed": note["armed"],
        }
