"""Webhook tapes: the events of a recorded scenario written redacted, and read back as a closed store."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from mmlite_conformance.suite.redaction import Redactor, dump_json
from mmlite_conformance.suite.webhooks.event import DEFAULT_PATH, WebhookEvent
from mmlite_conformance.suite.webhooks.store import DEFAULT_MAX_EVENTS, WebhookStore

#: headers that differ on every delivery and would make re-recorded tapes differ for nothing
VOLATILE_HEADERS: Final = frozenset(
    {"date", "host", "user-agent", "content-length", "connection", "accept-encoding", "transfer-encoding"}
)
#: where a replayed scenario looks for its events, as a failed wait says it
ON_THE_TAPE: Final = "on the recorded tape (re-record the cassette?)"


def to_tape(events: Iterable[WebhookEvent], redactor: Redactor) -> list[dict[str, Any]]:
    """`events`, redacted and JSON-able, renumbered from 1 so re-recordings give the same tape."""
    tape = []
    for number, event in enumerate(events, start=1):
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


def from_tape(
    items: Iterable[Mapping[str, Any]], *, max_events: int = DEFAULT_MAX_EVENTS, redactor: Redactor | None = None
) -> WebhookStore:
    """A closed store holding a recorded tape (the dicts of `to_tape`): nothing more will arrive."""
    store = WebhookStore(max_events=max_events, redactor=redactor)
    for item in items:
        body = item.get("body")
        raw = dump_json(body) if body is not None else str(item.get("text", ""))
        method, path = str(item.get("method", "POST")), str(item.get("path", DEFAULT_PATH))
        store.deliver(method, path, dict(item.get("headers") or {}), raw)
    store.close(ON_THE_TAPE)
    return store
