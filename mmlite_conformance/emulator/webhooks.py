"""Cloud API webhook payloads: message statuses and inbound user messages."""

from __future__ import annotations

from typing import Any

from mmlite_conformance.emulator.config import AccountConfig

US_PAUSE_ERROR: dict[str, Any] = {
    "code": 131049,
    "title": "This message was not delivered to maintain healthy ecosystem engagement.",
    "message": "This message was not delivered to maintain healthy ecosystem engagement.",
    "error_data": {
        "details": "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."
    },
    "href": "/documentation/business-messaging/whatsapp/support/error-codes",
}
CONVERSATION_LIFETIME = 86_400


def _envelope(account: AccountConfig, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": account.waba_id,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": account.display_phone_number,
                                "phone_number_id": account.phone_number_id,
                            },
                            **value,
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


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
    item: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(int(timestamp)),
        "recipient_id": recipient_id,
    }
    if status in {"sent", "delivered"}:
        conversation: dict[str, Any] = {"id": conversation_id, "origin": {"type": category}}
        if status == "sent":
            conversation["expiration_timestamp"] = str(int(conversation_started) + CONVERSATION_LIFETIME)
        item["conversation"] = conversation
        item["pricing"] = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": category}
    if status == "failed":
        item["errors"] = [US_PAUSE_ERROR]
    return _envelope(account, {"statuses": [item]})


def inbound_payload(
    account: AccountConfig, *, sender: str, name: str, message_id: str, timestamp: float, text: str
) -> dict[str, Any]:
    return _envelope(
        account,
        {
            "contacts": [{"profile": {"name": name}, "wa_id": sender}],
            "messages": [
                {
                    "from": sender,
                    "id": message_id,
                    "timestamp": str(int(timestamp)),
                    "type": "text",
                    "text": {"body": text},
                }
            ],
        },
    )
