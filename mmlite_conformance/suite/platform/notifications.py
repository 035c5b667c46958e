"""The notifications a platform scenario posts, by the words of its feature: each a sequence of emulator calls.

The suite states here what each named notification is; the emulator builds its payload (its shapes are assumptions
A33-A39, shown in its /openapi.json). Message ids are the suite's own, so no real message is implied.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

Call = tuple[str, dict[str, Any]]  # (kind, params)
_SEQUENCE = itertools.count(1)
#: a fixed moment, so that "the same status twice" is the same payload twice
FIXED_TIMESTAMP = 1_767_225_600

STOPPED_MARKETING_ERROR: Mapping[str, Any] = {
    "code": 131050,
    "title": "User stopped marketing messages",
    "message": "Unable to deliver marketing messages to this user: they stopped marketing messages from this business.",
    "error_data": {"details": "The user stopped marketing messages from this business."},
}


def _status(recipient: str, status: str, message_id: str, **extra: Any) -> Call:
    return (
        "status",
        {"message_id": message_id, "status": status, "recipient_id": recipient, "timestamp": FIXED_TIMESTAMP, **extra},
    )


def _message_id() -> str:
    return f"wamid.CERTPLATFORM{next(_SEQUENCE):06d}"


def _several(recipient: str) -> list[Call]:
    message_id = _message_id()
    items = [
        {"message_id": message_id, "status": s, "recipient_id": recipient, "timestamp": FIXED_TIMESTAMP}
        for s in ("sent", "delivered")
    ]
    return [("status", {"statuses": items})]


def _twice(recipient: str) -> list[Call]:
    call = _status(recipient, "delivered", _message_id(), category="marketing_lite")
    return [call, call]


def _reversed(recipient: str) -> list[Call]:
    message_id = _message_id()
    return [_status(recipient, s, message_id, category="marketing_lite") for s in ("read", "delivered", "sent")]


#: the words of a feature -> the calls that post it (given a recipient the run invented)
NOTIFICATIONS: dict[str, Callable[[str], list[Call]]] = {
    "a sent status priced marketing_lite": lambda r: [_status(r, "sent", _message_id(), category="marketing_lite")],
    "a delivered status priced marketing": lambda r: [_status(r, "delivered", _message_id(), category="marketing")],
    "a read status": lambda r: [_status(r, "read", _message_id())],
    "a failed status with error 131049": lambda r: [_status(r, "failed", _message_id())],
    "a failed status with error 131050": lambda r: [
        _status(r, "failed", _message_id(), errors=[dict(STOPPED_MARKETING_ERROR)])
    ],
    "an inbound text message": lambda r: [("inbound_text", {"from": r, "text": "Hello from the certification"})],
    "several statuses in one notification": _several,
    "the same delivered status twice": _twice,
    "the statuses of one message in reverse order": _reversed,
    "an account_update saying the MM Lite terms were signed": lambda r: [
        ("account_update", {"event": "MM_LITE_TERMS_SIGNED"})
    ],
    "a user_actions link click": lambda r: [("user_actions", {"click_component": "cta"})],
    "an impending template_category_update": lambda r: [
        (
            "template_category_update",
            {"name": "utility_order_update", "language": "en", "phase": "impending", "correct_category": "MARKETING"},
        )
    ],
    "a completed template_category_update": lambda r: [
        (
            "template_category_update",
            {"name": "utility_order_update", "language": "en", "phase": "completed", "previous_category": "MARKETING"},
        )
    ],
    "a status with fields nobody has documented yet": lambda r: [
        _status(
            r,
            "delivered",
            _message_id(),
            category="marketing_lite",
            extra_fields={"certification_future_field": {"introduced": "later", "level": 2}},
        )
    ],
    "a notification of a kind nobody has documented yet": lambda r: [
        ("custom", {"field": "certification_future_kind", "value": {"event": "SOMETHING_NEW", "count": 1}})
    ],
}
