"""Status payloads of the send flow, built with the notification module's envelope and status item."""

from __future__ import annotations

from typing import Any

from mmlite_conformance.emulator.config import AccountConfig
from mmlite_conformance.emulator.notifications import messages_notification, status_item


def status_payload(
    account: AccountConfig,
    *,
    message_id: str,
    status: str,
    timestamp: float,
    recipient_id: str,
    category: str,
    conversation_id: str,
    conversation_started: float,
) -> dict[str, Any]:
    item = status_item(message_id, status, timestamp, recipient_id, category, conversation_id, conversation_started)
    return messages_notification(account, {"statuses": [item]})
