"""Deliberately broken variants of the platform, one at a time, chosen by REFERENCE_PLATFORM_DEFECT.

The correct platform never consults this module except through `Settings.defect`; every place that behaves
differently under a defect says so with `settings.defect is Defect.X`. A real platform has none of this.
"""

from __future__ import annotations

from enum import StrEnum

ENV_VAR = "REFERENCE_PLATFORM_DEFECT"


class Defect(StrEnum):
    # routing and request shape
    UTILITY_VIA_MM_LITE = "utility_via_mm_lite"
    NEVER_MM_LITE = "never_mm_lite"
    TEXT_VIA_MM_LITE = "text_via_mm_lite"
    BEARER_KEY = "bearer_key"
    BODY_DIFFERS = "body_differs"
    WEBHOOK_HOST_UNDERSCORE = "webhook_host_underscore"
    WEBHOOK_HOST_PORT = "webhook_host_port"
    ROUTES_ON_IMPENDING = "routes_on_impending"
    # reactions to errors
    RETRIES_NON_TEMPLATE = "retries_non_template"
    LOOPS_ON_TERMS = "loops_on_terms"
    RETRIES_SYNCING_AT_ONCE = "retries_syncing_at_once"
    RETRIES_INVALID_KEY = "retries_invalid_key"
    IGNORES_RETRY_AFTER = "ignores_retry_after"
    RESENDS_AFTER_131049 = "resends_after_131049"
    # webhook endpoint
    SLOW_WEBHOOK = "slow_webhook"
    WEBHOOK_500_ON_UNKNOWN = "webhook_500_on_unknown"
    WEBHOOK_500_ON_DUPLICATE = "webhook_500_on_duplicate"
    WEBHOOK_SMALL_BACKLOG = "webhook_small_backlog"
    ACCEPTS_BAD_SIGNATURE = "accepts_bad_signature"


DESCRIPTIONS: dict[Defect, str] = {
    Defect.UTILITY_VIA_MM_LITE: "routes UTILITY templates to /marketing_messages",
    Defect.NEVER_MM_LITE: "routes MARKETING templates to /messages even in explicit mode",
    Defect.TEXT_VIA_MM_LITE: "routes text messages to /marketing_messages",
    Defect.BEARER_KEY: "sends 'D360-API-KEY: Bearer <key>' instead of the bare key",
    Defect.BODY_DIFFERS: 'adds a field ("campaign": "x") to the MM Lite body that the Cloud API body lacks',
    Defect.WEBHOOK_HOST_UNDERSCORE: "also registers https://hooks_platform.example.com/webhook at WABA level",
    Defect.WEBHOOK_HOST_PORT: "also registers https://hooks.example.com:8443/webhook at WABA level",
    Defect.ROUTES_ON_IMPENDING: "changes a template's category on the impending category notification",
    Defect.RETRIES_NON_TEMPLATE: "retries errors 100 / 131055 on MM Lite up to 3 times",
    Defect.LOOPS_ON_TERMS: "keeps sending marketing to MM Lite after the terms error (3 retries, never falls back)",
    Defect.RETRIES_SYNCING_AT_ONCE: "retries 131009 (template syncing) on MM Lite immediately, 3 times",
    Defect.RETRIES_INVALID_KEY: "retries 3 times after 'Invalid api token.'",
    Defect.IGNORES_RETRY_AFTER: "retries 429 answers after 0.1 s whatever Retry-After says",
    Defect.RESENDS_AFTER_131049: "keeps sending to a recipient whose message failed with 131049",
    Defect.SLOW_WEBHOOK: "the webhook endpoint answers after 6 s",
    Defect.WEBHOOK_500_ON_UNKNOWN: "the webhook endpoint answers 500 to unknown fields or notification kinds",
    Defect.WEBHOOK_500_ON_DUPLICATE: "the webhook endpoint answers 500 to a status it has already seen",
    Defect.WEBHOOK_SMALL_BACKLOG: "the webhook endpoint is single-threaded, listen backlog 1, 100 ms per request",
    Defect.ACCEPTS_BAD_SIGNATURE: "the webhook endpoint skips signature verification",
}


def parse_defect(value: str | None) -> Defect | None:
    """The defect named by `value` (None when empty); ValueError for an unknown name."""
    if value is None or not value.strip():
        return None
    try:
        return Defect(value.strip())
    except ValueError:
        known = ", ".join(d.value for d in Defect)
        raise ValueError(f"unknown {ENV_VAR} {value!r}; known: {known}") from None
