"""Webhook bodies in the Cloud API shape (entry[].changes[].value), shared by the project's own tests."""

from __future__ import annotations

from typing import Any

WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "15550783881"
#: the person on the other phone
USER = "5521998765432"


def webhook(value: dict[str, Any], field: str = "messages") -> dict[str, Any]:
    """A whole webhook POST body; a `messages` value gets the product and the sandbox number's metadata."""
    if field == "messages":
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": PHONE_NUMBER_ID},
            **value,
        }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"field": field, "value": value}]}],
    }


def status_body(message_id: str, status: str, recipient: str = USER, **extra: Any) -> dict[str, Any]:
    """A status webhook for one message (more fields of the status item in `extra`)."""
    item = {"id": message_id, "status": status, "timestamp": "1750263773", "recipient_id": recipient, **extra}
    return webhook({"statuses": [item]})


def inbound_body(text: str, sender: str = USER) -> dict[str, Any]:
    """A webhook carrying one text message from `sender`."""
    message = {"from": sender, "id": "wamid.IN1", "timestamp": "1750263800", "type": "text", "text": {"body": text}}
    return webhook({"contacts": [{"profile": {"name": "Partner"}, "wa_id": sender}], "messages": [message]})
