"""Webhook notifications as 360dialog / Meta send them, for posting straight to the platform's endpoint."""

from __future__ import annotations

from typing import Any

WABA_ID = "200000000000001"


def notification(field: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "time": 1767225600, "changes": [{"field": field, "value": value}]}],
    }


def _category_update(name: str, language: str, **categories: Any) -> dict[str, Any]:
    template = {"message_template_id": 123456, "message_template_name": name, "message_template_language": language}
    return notification("template_category_update", {**template, **categories})


def category_impending(name: str, current: str, coming: str, language: str = "en") -> dict[str, Any]:
    """Meta's impending shape: new_category is still the current one, correct_category the one to come."""
    return _category_update(
        name, language, correct_category=coming, new_category=current, category_update_timestamp=1767312000
    )


def category_completed(name: str, previous: str, new: str, language: str = "en") -> dict[str, Any]:
    return _category_update(name, language, previous_category=previous, new_category=new)


def template_approved(name: str, language: str = "en", template_id: str = "987654") -> dict[str, Any]:
    return notification(
        "message_template_status_update",
        {
            "event": "APPROVED",
            "message_template_id": template_id,
            "message_template_name": name,
            "message_template_language": language,
            "reason": "NONE",
        },
    )


def terms_signed() -> dict[str, Any]:
    return notification("account_update", {"event": "MM_LITE_TERMS_SIGNED"})


def status(message_id: str, state: str, recipient: str = "5521912345678", **extra: Any) -> dict[str, Any]:
    item = {"id": message_id, "status": state, "timestamp": "1767225600", "recipient_id": recipient, **extra}
    return notification("messages", {"messaging_product": "whatsapp", "statuses": [item]})
