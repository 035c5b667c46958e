"""Webhooks: the event store scenarios wait on, the loopback receiver that fills it, tapes, Cloud API body readers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mmlite_conformance.suite.webhooks.event import Expectation, WebhookEvent
from mmlite_conformance.suite.webhooks.payloads import (
    inbound_messages,
    is_inbound_text,
    is_status,
    statuses,
    summarise,
)
from mmlite_conformance.suite.webhooks.store import WebhookStore, WebhookTimeoutError
from mmlite_conformance.suite.webhooks.tape import from_tape, to_tape

if TYPE_CHECKING:
    from mmlite_conformance.suite.webhooks.server import WebhookReceiver

__all__ = [
    "Expectation",
    "WebhookEvent",
    "WebhookReceiver",
    "WebhookStore",
    "WebhookTimeoutError",
    "from_tape",
    "inbound_messages",
    "is_inbound_text",
    "is_status",
    "statuses",
    "summarise",
    "to_tape",
]


def __getattr__(name: str) -> Any:
    """The receiver (an HTTP server), imported on first use: a replay run reads tapes and never starts one."""
    if name == "WebhookReceiver":
        from mmlite_conformance.suite.webhooks.server import WebhookReceiver

        return WebhookReceiver
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
