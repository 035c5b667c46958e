"""Incoming notifications: signature checks and parsing into a few plain events.

Parsing is tolerant on purpose: anything that is not understood becomes `Other` (and is answered 200 like
everything else that is JSON); missing or mistyped fields never raise.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

SIGNATURE_HEADERS = ("X-360dialog-Signature", "X-Hub-Signature-256")


# --- events ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CategoryUpdate:
    """template_category_update. `impending`: announced only; route on it only once completed."""

    template_id: str | None
    name: str | None
    language: str | None
    new_category: str
    impending: bool
    correct_category: str | None = None


@dataclass(frozen=True, slots=True)
class TemplateStatusUpdate:
    """message_template_status_update: APPROVED, REJECTED, PAUSED, DISABLED, ..."""

    event: str
    template_id: str | None
    name: str | None
    language: str | None
    category: str | None


@dataclass(frozen=True, slots=True)
class AccountUpdate:
    event: str  # e.g. MM_LITE_TERMS_SIGNED


@dataclass(frozen=True, slots=True)
class MessageStatus:
    message_id: str
    status: str  # sent, delivered, read, failed, ...
    recipient: str  # recipient_id (phone digits) or recipient_user_id
    error_codes: tuple[int, ...]
    pricing_category: str | None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    message_id: str
    sender: str
    type: str
    text: str | None


@dataclass(frozen=True, slots=True)
class Other:
    """user_actions, unknown fields: accepted and kept for the record."""

    field: str


Event = CategoryUpdate | TemplateStatusUpdate | AccountUpdate | MessageStatus | InboundMessage | Other


# --- signature ------------------------------------------------------------------------------------------------
def signature_valid(secret: str, raw: bytes, headers: Mapping[str, str]) -> bool:
    """True when a signature header carries the HMAC-SHA256 of the raw body; False when none does or it is wrong.

    360dialog: ``X-360dialog-Signature: <hex>``; Meta: ``X-Hub-Signature-256: sha256=<hex>``.
    """
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in SIGNATURE_HEADERS:
        value = lowered.get(name.lower())
        if value is None:
            continue
        value = value.strip()
        if value.lower().startswith("sha256="):
            value = value[7:]
        if hmac.compare_digest(value.lower(), expected):
            return True
    return False


# --- parsing --------------------------------------------------------------------------------------------------
def _str(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def changes(payload: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(field, value) of every change in a Cloud API notification."""
    if not isinstance(payload, dict):
        return
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            yield (_str(change.get("field")) or "", value if isinstance(value, dict) else {})


PHASE_KEYS = ("event", "phase", "status")


def category_update_is_impending(value: Mapping[str, Any]) -> bool:
    """Whether a template_category_update only announces a change (impending) rather than reports it (completed).

    An explicit marker wins: a key `event`, `phase` or `status` whose text contains "impending" (or "complete").
    Without one, Meta's shapes decide: the impending notification carries `correct_category` and no
    `previous_category`; the completed one carries `previous_category` and `new_category`.
    """
    for key in PHASE_KEYS:
        marker = value.get(key)
        if isinstance(marker, str):
            if "impending" in marker.lower():
                return True
            if "complete" in marker.lower():
                return False
    return "correct_category" in value and "previous_category" not in value


def parse_category_update(value: Mapping[str, Any]) -> CategoryUpdate | None:
    new_category = _str(value.get("new_category"))
    if new_category is None:
        return None
    return CategoryUpdate(
        template_id=_str(value.get("message_template_id")),
        name=_str(value.get("message_template_name")),
        language=_str(value.get("message_template_language")),
        new_category=new_category.upper(),
        impending=category_update_is_impending(value),
        correct_category=(_str(value.get("correct_category")) or "").upper() or None,
    )


def parse_template_status(value: Mapping[str, Any]) -> TemplateStatusUpdate | None:
    event = _str(value.get("event"))
    if event is None:
        return None
    category = _str(value.get("message_template_category")) or _str(value.get("category"))
    return TemplateStatusUpdate(
        event=event.upper(),
        template_id=_str(value.get("message_template_id")),
        name=_str(value.get("message_template_name")),
        language=_str(value.get("message_template_language")),
        category=category.upper() if category else None,
    )


def _messages_events(value: Mapping[str, Any]) -> Iterator[Event]:
    for status in _dicts(value.get("statuses")):
        message_id, state = _str(status.get("id")), _str(status.get("status"))
        if message_id is None or state is None:
            continue
        recipient = _str(status.get("recipient_id")) or _str(status.get("recipient_user_id")) or ""
        codes = tuple(e["code"] for e in _dicts(status.get("errors")) if isinstance(e.get("code"), int))
        pricing = status.get("pricing")
        category = _str(pricing.get("category")) if isinstance(pricing, dict) else None
        yield MessageStatus(message_id, state.lower(), recipient, codes, category)
    for message in _dicts(value.get("messages")):
        message_id = _str(message.get("id"))
        if message_id is None:
            continue
        text = message.get("text")
        body = _str(text.get("body")) if isinstance(text, dict) else None
        sender = _str(message.get("from")) or _str(message.get("from_user_id")) or ""
        yield InboundMessage(message_id, sender, _str(message.get("type")) or "", body)
    if "user_actions" in value:
        yield Other("user_actions")


def parse(payload: Any) -> list[Event]:
    """Every event in a notification, in order; never raises."""
    events: list[Event] = []
    for field, value in changes(payload):
        event: Event | None = None
        if field == "template_category_update":
            event = parse_category_update(value)
        elif field == "message_template_status_update":
            event = parse_template_status(value)
        elif field == "account_update":
            name = _str(value.get("event"))
            event = AccountUpdate(name.upper()) if name else None
        elif field == "messages":
            events += _messages_events(value)
            continue
        events.append(event if event is not None else Other(field))
    return events


# --- only for the webhook_500_on_unknown defect ---------------------------------------------------------------
KNOWN_TOP = frozenset({"object", "entry"})
KNOWN_VALUE_KEYS: dict[str, frozenset[str]] = {
    "messages": frozenset({"messaging_product", "metadata", "contacts", "messages", "statuses", "errors"}),
    "template_category_update": frozenset(
        {
            "message_template_id",
            "message_template_name",
            "message_template_language",
            "previous_category",
            "new_category",
            "correct_category",
            "category_update_timestamp",
        }
    ),
    "message_template_status_update": frozenset(
        {
            "event",
            "message_template_id",
            "message_template_name",
            "message_template_language",
            "message_template_category",
            "reason",
        }
    ),
    "account_update": frozenset({"event", "phone_number", "waba_info"}),
}


def has_unknown_parts(payload: Any) -> bool:
    """What a too-strict parser would choke on: an unknown top-level key, field kind, or value key."""
    if not isinstance(payload, dict) or set(payload) - KNOWN_TOP:
        return True
    for field, value in changes(payload):
        known = KNOWN_VALUE_KEYS.get(field)
        if known is None or set(value) - known:
            return True
    return False
