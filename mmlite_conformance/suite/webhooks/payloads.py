"""Reading Cloud API webhook bodies (entry[].changes[].value): statuses, inbound messages, one-line summaries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from mmlite_conformance.suite.redaction import Redactor
from mmlite_conformance.suite.webhooks.event import Expectation, WebhookEvent


def changes(event: WebhookEvent) -> list[dict[str, Any]]:
    body = event.body
    if not isinstance(body, dict):
        return []
    return [change for entry in _dicts(body.get("entry")) for change in _dicts(entry.get("changes"))]


def statuses(event: WebhookEvent) -> list[dict[str, Any]]:
    return [s for change in changes(event) for s in _dicts(_value(change).get("statuses"))]


def inbound_messages(event: WebhookEvent) -> list[dict[str, Any]]:
    return [m for change in changes(event) for m in _dicts(_value(change).get("messages"))]


def contacts(event: WebhookEvent) -> list[dict[str, Any]]:
    """The `contacts` blocks of a notification: who its messages and statuses concern (`wa_id`, `user_id`)."""
    return [c for change in changes(event) for c in _dicts(_value(change).get("contacts"))]


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
    return shorten_wamids(line)


def shorten_wamids(text: str) -> str:
    """Without a redactor: a wamid embeds the recipient's number, so only its tail is shown."""
    return " ".join("wamid.…" + w[-6:] if w.startswith("wamid.") else w for w in text.split(" "))


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _value(node: dict[str, Any], key: str = "value") -> dict[str, Any]:
    value = node.get(key)
    return value if isinstance(value, dict) else {}
