"""Payloads that carry business-scoped user ids as an earlier revision of Meta's BSUID page showed them (made up)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.payloads import webhook

#: user ids as an earlier revision of Meta's BSUID page wrote them: "user." and 64 hex digits (made up here)
ANA = "user.64dcc91ac16f75101c03c5fbb3f439f9da9e03ff43fb54b461467514b55d4e5b"
BRUNO = "user.5824bb3cc825d563a4d939a09808e08c0bbc8f48ad884aa8f89eeeaab8db8f5f"
#: today's form: a country code, a period, letters and digits
CURRENT = "US.13491208655302741918"
WAMID = "wamid.HBgLMTU1NTAxMjM0NTYVAgARGBI5QjZGMDAwMDAwMDAwMDAwMDAA"


def send_response(**contact: Any) -> dict[str, Any]:
    """A send to a BSUID recipient, answered with the user id and, as the earlier page showed it, an empty wa_id."""
    return {
        "messaging_product": "whatsapp",
        "contacts": [{"input": ANA, "wa_id": "", "user_id": ANA, **contact}],
        "messages": [{"id": WAMID, "message_status": "accepted"}],
    }


def status_webhook(**status: Any) -> dict[str, Any]:
    """A delivered status whose recipient has no number on record: recipient_id empty beside recipient_user_id."""
    item = {
        "id": WAMID,
        "status": "delivered",
        "timestamp": "1760000000",
        "recipient_id": "",
        "recipient_user_id": ANA,
        "pricing": {"billable": True, "pricing_model": "PMP", "category": "marketing_lite", "type": "regular"},
        **status,
    }
    return webhook({"contacts": [{"profile": {}, "wa_id": "", "user_id": ANA}], "statuses": [item]})


def inbound_webhook(**message: Any) -> dict[str, Any]:
    """A text from a user with a username and no number: the contact's wa_id empty, from_user_id set."""
    item = {
        "from": "",
        "from_user_id": BRUNO,
        "id": WAMID,
        "timestamp": "1760000100",
        "type": "text",
        "text": {"body": "Quero saber mais sobre a oferta"},
        **message,
    }
    contact = {"profile": {"name": "Bruno", "username": "bruno.lima"}, "wa_id": "", "user_id": BRUNO}
    return webhook({"contacts": [contact], "messages": [item]})


def failed_webhook(**status: Any) -> dict[str, Any]:
    """A failed status of a message sent to a user id: no contacts block, recipient_id empty beside the user id."""
    item = {
        "id": WAMID,
        "status": "failed",
        "timestamp": "1760000200",
        "recipient_id": "",
        "recipient_user_id": BRUNO,
        "errors": [
            {"code": 131049, "title": "This message was not delivered to maintain healthy ecosystem engagement."}
        ],
        **status,
    }
    return webhook({"statuses": [item]})


#: the four shapes of the earlier revision: name -> (payload kind, a builder of a fresh copy)
EARLIER_PAYLOADS: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "send response": ("send-response", send_response),
    "delivered status": ("webhook-notification", status_webhook),
    "inbound text": ("webhook-notification", inbound_webhook),
    "failed status": ("webhook-notification", failed_webhook),
}
