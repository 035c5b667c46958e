"""Registry of named, realistic deviations from the contract that the emulator can be told to commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Fault(NamedTuple):
    name: str
    area: str
    description: str


FAULTS: dict[str, Fault] = {}


def _register(name: str, area: str, description: str) -> str:
    FAULTS[name] = Fault(name, area, description)
    return name


MM_LITE_ACCEPTS_TEXT = _register(
    "mm_lite_accepts_text", "mm_lite_send", "MM Lite accepts a non-template (text) message instead of error 100."
)
MM_LITE_ACCEPTS_NON_MARKETING = _register(
    "mm_lite_accepts_non_marketing",
    "mm_lite_send",
    "MM Lite accepts UTILITY and AUTHENTICATION templates instead of error 131055.",
)
NOT_ONBOARDED_ALLOWED = _register(
    "not_onboarded_allowed", "onboarding", "An account that has not accepted the MM Lite terms can send via MM Lite."
)
SYNC_DELAY_IGNORED = _register(
    "sync_delay_ignored", "templates", "A freshly created MARKETING template is usable via MM Lite at once (no 131009)."
)
TEMPLATE_LIST_MISSING_CREATED = _register(
    "template_list_missing_created", "templates", "Templates created through the API never show up in the list."
)
TTL_NOT_VALIDATED = _register(
    "ttl_not_validated", "ttl", "An out-of-range message_send_ttl_seconds is accepted instead of error 100."
)
WRONG_ERROR_CODE = _register(
    "wrong_error_code", "errors", "Graph error codes are replaced by a neighbouring code (e.g. 131055 -> 134100)."
)
MISSING_DETAIL_WRAPPER = _register(
    "missing_detail_wrapper",
    "errors",
    "MM Lite errors come as a plain Graph {'error': …} without the 'detail' wrapper.",
)
HTTP_200_ON_ERRORS = _register("http_200_on_errors", "errors", "Error bodies are returned with HTTP status 200.")
SERVER_ERROR_ON_MALFORMED = _register(
    "server_error_on_malformed", "validation", "A malformed JSON body yields HTTP 500 instead of a Graph error 100."
)
WRONG_KEY_ACCEPTED = _register(
    "wrong_key_accepted", "auth", "Any non-empty D360-API-KEY is accepted and mapped to the default account."
)
INVALID_TOKEN_BODY_CHANGED = _register(
    "invalid_token_body_changed", "auth", "A wrong key yields a Graph OAuth error object instead of the flat string."
)
MISSING_WA_ID = _register("missing_wa_id", "responses", "Send responses omit contacts[].wa_id.")
MISSING_MESSAGE_STATUS = _register(
    "missing_message_status", "responses", "MM Lite send responses omit messages[].message_status."
)
NON_WAMID_IDS = _register("non_wamid_ids", "responses", "Message ids lack the 'wamid.' prefix.")
NO_STATUS_WEBHOOKS = _register("no_status_webhooks", "webhooks", "No status notifications are posted after a send.")
STATUSES_OUT_OF_ORDER = _register(
    "statuses_out_of_order",
    "webhooks",
    "Status timestamps contradict the progression: posted as sent, delivered, read but stamped in reverse ('read' "
    "two seconds before 'sent'). A plain reversal of arrival is legitimate (the realistic profile does it).",
)
MARKETING_INSTEAD_OF_MARKETING_LITE = _register(
    "marketing_instead_of_marketing_lite",
    "webhooks",
    "MM Lite sends are billed as 'marketing' instead of 'marketing_lite' in status webhooks.",
)
INBOUND_NOT_DELIVERED = _register(
    "inbound_not_delivered", "webhooks", "Messages from users are never posted to the webhook."
)
US_RECIPIENTS_DELIVERED = _register(
    "us_recipients_delivered",
    "webhooks",
    "Marketing templates to +1 recipients are delivered instead of failing 131049.",
)
SIGNATURE_MISSING = _register(
    "signature_missing", "webhooks", "Webhooks are not signed even though a webhook secret is configured."
)
WEBHOOK_URL_NOT_STORED = _register(
    "webhook_url_not_stored", "webhook_config", "Setting a webhook URL answers 200 but the URL is not stored."
)
WEBHOOK_URL_REJECTED = _register(
    "webhook_url_rejected", "webhook_config", "Setting a valid webhook URL is refused with a Graph error 100."
)
RATE_LIMITS_IGNORED = _register(
    "rate_limits_ignored", "rate_limits", "Throughput and pair-rate limits are never enforced (no 130429/131056)."
)
RETRY_AFTER_MISSING = _register("retry_after_missing", "rate_limits", "429 responses carry no Retry-After header.")


class UnknownFaultError(ValueError):
    """Raised for a fault name that is not in the registry."""


def validate_faults(names: Iterable[str]) -> frozenset[str]:
    chosen = frozenset(names)
    unknown = sorted(chosen - FAULTS.keys())
    if unknown:
        raise UnknownFaultError(f"unknown fault(s): {', '.join(unknown)} (see --list-faults)")
    return chosen


def catalogue() -> list[dict[str, str]]:
    return [{"name": f.name, "area": f.area, "description": f.description} for f in FAULTS.values()]
