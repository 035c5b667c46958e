"""Mark-as-read on POST /messages, with the typing indicator that rides on it (A70-A72): no webhook follows."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from mmlite_conformance.emulator.errors import invalid_parameter
from mmlite_conformance.emulator.http import json_response
from mmlite_conformance.emulator.state import AccountState

#: a /messages body with any of these members is a read receipt, not a send
READ_RECEIPT_KEYS = ("status", "typing_indicator")
TYPING_INDICATOR_TYPES = ("text",)
SUCCESS: dict[str, Any] = {"success": True}


def is_read_receipt(payload: dict[str, Any]) -> bool:
    return any(key in payload for key in READ_RECEIPT_KEYS)


def _validate(payload: dict[str, Any]) -> str:
    """The message id of a well-formed read receipt; checked in the order of the members."""
    if payload.get("messaging_product") != "whatsapp":
        raise invalid_parameter("The parameter messaging_product must be 'whatsapp'.")
    if "status" not in payload:
        raise invalid_parameter("The parameter status is required: a typing indicator rides on a read receipt.")
    if payload["status"] != "read":
        raise invalid_parameter("The parameter status must be 'read' (a read receipt).")
    message_id = payload.get("message_id")
    if message_id is None:
        raise invalid_parameter("The parameter message_id is required.")
    if not isinstance(message_id, str) or not message_id.strip():
        raise invalid_parameter("The parameter message_id must be a non-empty string.")
    if "typing_indicator" in payload:
        indicator = payload["typing_indicator"]
        if not isinstance(indicator, dict) or indicator.get("type") not in TYPING_INDICATOR_TYPES:
            allowed = ", ".join(TYPING_INDICATOR_TYPES)
            raise invalid_parameter(f"The parameter typing_indicator must be an object with type one of: {allowed}.")
    return message_id


def mark_as_read(account: AccountState, payload: dict[str, Any]) -> Response:
    """{"success": true} for a message a user sent to this account's number; a Graph error 100 for any other id."""
    message_id = _validate(payload)
    if account.received.get(message_id) is None:
        if message_id in account.messages:
            raise invalid_parameter(
                f"message_id ({message_id}) is a message this number sent: only a message a user sent to the number "
                "can be marked as read."
            )
        raise invalid_parameter(f"message_id ({message_id}) is not a message this number received.")
    return json_response(SUCCESS)
