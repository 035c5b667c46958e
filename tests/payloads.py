"""Webhook bodies in the Cloud API shape (entry[].changes[].value), shared by the project's own tests."""

from __future__ import annotations

from typing import Any

WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "15550783881"


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
