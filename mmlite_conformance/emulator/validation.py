"""Validation of send payloads: the Cloud API envelope and one validator per message type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mmlite_conformance.emulator.bsuid import is_sendable
from mmlite_conformance.emulator.errors import ApiError, invalid_parameter
from mmlite_conformance.emulator.templates import TTL_MAX, TTL_MIN

TEXT_MAX = 4096
PHONE_PUNCTUATION = str.maketrans("", "", "+-() ")


@dataclass(slots=True)
class SendRequest:
    """A send's envelope, validated: the recipient as given and as digits, the type and the payload."""

    to: str
    wa_id: str
    type: str
    payload: dict[str, Any]
    user_id: str = ""  # a send to a business-scoped user id (`recipient`, no `to`): that BSUID, and wa_id ""

    @property
    def recipient_key(self) -> str:
        """Who the send is for, as the pair rate limit counts: the number's digits, or the BSUID."""
        return self.user_id or self.wa_id

    @property
    def template_name(self) -> str:
        return str(self.payload["template"]["name"])

    @property
    def template_language(self) -> str:
        return str(self.payload["template"]["language"]["code"])


def _required_string(obj: dict[str, Any], key: str, where: str = "") -> str:
    value = obj.get(key)
    if value is None:
        raise invalid_parameter(f"The parameter {where}{key} is required.")
    if not isinstance(value, str) or not value.strip():
        raise invalid_parameter(f"The parameter {where}{key} must be a non-empty string.")
    return value


def _required_object(obj: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
    value = obj.get(key)
    if value is None:
        raise invalid_parameter(f"The parameter {where}{key} is required.")
    if not isinstance(value, dict):
        raise invalid_parameter(f"The parameter {where}{key} must be an object.")
    return value


def parse_envelope(payload: dict[str, Any], recipient_types: frozenset[str]) -> SendRequest:
    product = _required_string(payload, "messaging_product")
    if product != "whatsapp":
        raise invalid_parameter("The parameter messaging_product must be 'whatsapp'.")
    recipient_type = payload.get("recipient_type", "individual")
    if not isinstance(recipient_type, str) or recipient_type not in recipient_types:
        raise invalid_parameter(f"The parameter recipient_type must be one of: {', '.join(sorted(recipient_types))}.")
    if "recipient" in payload:  # checked even beside 'to', which wins when both are given (A62)
        user_id = _recipient(payload)
        if "to" not in payload:
            return SendRequest(user_id, "", _required_string(payload, "type"), payload, user_id=user_id)
    to = _required_string(payload, "to")
    digits = to.translate(PHONE_PUNCTUATION)
    if not digits.isascii() or not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise invalid_parameter("The parameter to must be a phone number in international format.")
    message_type = _required_string(payload, "type")
    return SendRequest(to, digits, message_type, payload)


def _recipient(payload: dict[str, Any]) -> str:
    recipient = _required_string(payload, "recipient")
    if not is_sendable(recipient):
        raise invalid_parameter(
            "The parameter recipient must be a business-scoped user ID: a country code, a period and letters and "
            "digits (e.g. US.13491208655302741918)."
        )
    return recipient


def _text(payload: dict[str, Any]) -> None:
    text = _required_object(payload, "text")
    body = _required_string(text, "body", "text.")
    if len(body) > TEXT_MAX:
        raise invalid_parameter(f"The parameter text.body must be at most {TEXT_MAX} characters.")
    if "preview_url" in text and not isinstance(text["preview_url"], bool):
        raise invalid_parameter("The parameter text.preview_url must be a boolean.")


def _template(payload: dict[str, Any]) -> None:
    template = _required_object(payload, "template")
    _required_string(template, "name", "template.")
    language = _required_object(template, "language", "template.")
    _required_string(language, "code", "template.language.")
    if "policy" in language and language["policy"] != "deterministic":
        raise invalid_parameter("The parameter template.language.policy must be 'deterministic'.")
    components = template.get("components", [])
    if not isinstance(components, list) or (components and not all(isinstance(c, dict) for c in components)):
        raise invalid_parameter("The parameter template.components must be an array of objects.")


def _media(kind: str) -> Callable[[dict[str, Any]], None]:
    def check(payload: dict[str, Any]) -> None:
        media = _required_object(payload, kind)
        if not isinstance(media.get("id"), str) and not isinstance(media.get("link"), str):
            raise invalid_parameter(f"The parameter {kind} must have an id or a link.")

    return check


def _object(kind: str) -> Callable[[dict[str, Any]], None]:
    def check(payload: dict[str, Any]) -> None:
        _required_object(payload, kind)

    return check


def _contacts(payload: dict[str, Any]) -> None:
    contacts = payload.get("contacts")
    if not isinstance(contacts, list) or not contacts or not all(isinstance(c, dict) for c in contacts):
        raise invalid_parameter("The parameter contacts must be a non-empty array of objects.")


TYPE_VALIDATORS: dict[str, Callable[[dict[str, Any]], None]] = {
    "text": _text,
    "template": _template,
    **{kind: _media(kind) for kind in ("image", "audio", "video", "document", "sticker")},
    **{kind: _object(kind) for kind in ("location", "interactive", "reaction")},
    "contacts": _contacts,
}


def validate_type(request: SendRequest) -> None:
    validator = TYPE_VALIDATORS.get(request.type)
    if validator is None:
        raise invalid_parameter(f"Unsupported message type: {request.type}.")
    validator(request.payload)


def ttl_value(payload: dict[str, Any], *, enforce: bool) -> int | None:
    """message_send_ttl_seconds on an MM Lite send; out-of-range values pass only when `enforce` is off."""
    if "message_send_ttl_seconds" not in payload:
        return None
    value = payload["message_send_ttl_seconds"]
    valid_int = isinstance(value, int) and not isinstance(value, bool)
    if valid_int and TTL_MIN <= value <= TTL_MAX:
        return int(value)
    if enforce:
        raise invalid_parameter(
            f"The parameter message_send_ttl_seconds must be an integer between {TTL_MIN} and {TTL_MAX}."
        )
    return int(value) if valid_int else None


def activity_sharing(payload: dict[str, Any]) -> None:
    if "message_activity_sharing" in payload and not isinstance(payload["message_activity_sharing"], bool):
        raise invalid_parameter("The parameter message_activity_sharing must be a boolean.")


def template_not_found(name: str, language: str) -> ApiError:
    return ApiError("template_not_found", f"template name ({name}) does not exist in {language}")
