"""Webhooks: the event store scenarios wait on, the loopback receiver that fills it, tapes, Cloud API body readers."""

from __future__ import annotations

from mmlite_conformance.suite.webhooks.event import Expectation, WebhookEvent
from mmlite_conformance.suite.webhooks.payloads import (
    inbound_messages,
    is_inbound_text,
    is_status,
    statuses,
    summarise,
)
from mmlite_conformance.suite.webhooks.server import WebhookReceiver
from mmlite_conformance.suite.webhooks.store import WebhookStore, WebhookTimeoutError
from mmlite_conformance.suite.webhooks.tape import from_tape, to_tape

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
