"""The Gherkin vocabulary: typed step parameters and the messages the sentences describe."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import parse

from mmlite_conformance.suite.checks import Checker
from mmlite_conformance.suite.client import ApiClient, ApiKey, ApiResponse, template_definition
from mmlite_conformance.suite.config import Secret, code_texts, contract_choice
from mmlite_conformance.suite.webhooks import WebhookStore, WebhookTimeoutError, inbound_messages, is_status, statuses
from mmlite_conformance.suite.webhooks.payloads import contacts
from mmlite_conformance.suite.webhooks.progression import stand_ins

RECIPIENT_PLACEHOLDER = "TEST_RECIPIENT"
#: what "a wrong key" sends (S3d), defined here only: fixed, obviously fake, no account has it; being no secret, the
#: evidence shows it as sent and its reproducer sends it again
WRONG_API_KEY = "wrong-key-00000000000000000000"

ENDPOINTS = {"the cloud api": "cloud_api", "cloud api": "cloud_api", "mm lite": "mm_lite"}
ENDPOINT_TITLES = {"cloud_api": "the Cloud API (POST /messages)", "mm_lite": "MM Lite (POST …/marketing_messages)"}
KEY_HEADERS = {"a wrong key": "wrong", "missing": "missing", "the valid key with a bearer prefix": "bearer"}


def _typed(pattern: str, convert: Callable[[str], Any]) -> Callable[[str], Any]:
    return parse.with_pattern(pattern)(convert)  # type: ignore[no-any-return]


#: parameter types for `parsers.parse(..., extra_types=STEP_TYPES)`
STEP_TYPES: dict[str, Callable[[str], Any]] = {
    "Endpoint": _typed(r"(?:the )?Cloud API|MM Lite", lambda text: ENDPOINTS[text.lower()]),
    "KeyHeader": _typed(r"a wrong key|missing|the valid key with a Bearer prefix", lambda t: KEY_HEADERS[t.lower()]),
    "StatusList": _typed(r"\w+(?:, then \w+)*", lambda text: tuple(text.split(", then "))),
    "Category": _typed(r"authentication|utility|marketing", lambda text: text.upper()),
    "JsonValue": _typed(r'true|false|null|-?\d+|"[^"]*"', json.loads),
    # where the guide and today's API differ: `alpha 131055, ga 134100`; the texts of codes: `131055 "…", 134100 "…"`
    "ContractChoice": _typed(r"(?:alpha|ga) .+", contract_choice),
    "CodeTexts": _typed(r'\d+ ".+', code_texts),
}


def message_from_docstring(docstring: str, recipient: str) -> dict[str, Any]:
    """The request body written in a feature; the placeholder recipient becomes the configured one."""
    try:
        body = json.loads(docstring)
    except json.JSONDecodeError as error:
        raise ValueError(f"the doc string is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise ValueError("the doc string must hold a JSON object")
    if body.get("to") == RECIPIENT_PLACEHOLDER:
        body["to"] = recipient
    return body


def json_from_docstring(docstring: str) -> Any:
    return json.loads(docstring)


def with_field(message: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(message)
    changed[field] = value
    return changed


def marketing_template_definition(name: str, language: str) -> dict[str, Any]:
    """A new MARKETING template with a body and no parameters (guide 2.c)."""
    return template_definition(name, "MARKETING", language, "Conformance check: a marketing message, no parameters.")


def new_template_name(nonce: str) -> str:
    return f"mmlite_conformance_{nonce}"


@dataclass(slots=True, frozen=True)
class Sent:
    """One send of the scenario: which endpoint and what came back (the exchange holds the redacted request)."""

    endpoint: str
    response: ApiResponse


@dataclass(slots=True, frozen=True)
class Credentials:
    """How the next requests authenticate: the run's key (bare), another key, no key, or the `Bearer` form."""

    api_key: ApiKey = None
    bearer: bool = False

    @classmethod
    def for_header(cls, choice: str) -> Credentials:
        return {
            "wrong": cls(api_key=Secret(WRONG_API_KEY)),
            "missing": cls(api_key="omit"),
            "bearer": cls(bearer=True),
        }[choice]


def send_via(api: ApiClient, endpoint: str, body: dict[str, Any], credentials: Credentials) -> ApiResponse:
    """POST a message to the Cloud API (`/messages`) or to the configured MM Lite endpoint."""
    url = "/messages" if endpoint == "cloud_api" else api.endpoints.mm_lite_url
    return api.request(
        f"send via {ENDPOINT_TITLES[endpoint]}",
        "POST",
        url,
        json=body,
        api_key=credentials.api_key,
        bearer=credentials.bearer,
    )


#: what a person can do about a `read` that never comes
READ_RECEIPTS_HINT = (
    "`read` arrives only if the test phone has read receipts on (WhatsApp: Settings > Privacy > Read receipts) "
    "and the chat with the sandbox number was opened after the message arrived"
)


def status_trail(receiver: WebhookStore, message_id: str, expected: Sequence[str], timeout: float) -> list[Any]:
    """Waits until each expected status of the message arrived, or one that stands for it (`read` for `delivered`),
    or `failed`; returns its status webhooks, in the order they arrived (not judged: see `status_progression`)."""
    waits = [is_status(message_id, stand_ins(status)) for status in expected]
    try:
        receiver.wait_for_all(*waits, timeout=timeout)
    except WebhookTimeoutError as error:
        arrived = [s.get("status") for event in receiver.events() for s in statuses(event) if s.get("id") == message_id]
        hint = f"\n{READ_RECEIPTS_HINT}." if "read" in expected and "read" not in arrived else ""
        shown = ", ".join(str(s) for s in arrived) or "none"
        raise WebhookTimeoutError(f"{error}\nstatuses of this message that arrived: {shown}.{hint}") from None
    return [event for event in receiver.events() if any(s.get("id") == message_id for s in statuses(event))]


def statuses_of(events: Sequence[Any], message_id: str) -> list[dict[str, Any]]:
    """The status objects for one message, in the order their webhooks arrived."""
    return [s for event in events for s in statuses(event) if s.get("id") == message_id]


def first_inbound_message(event: Any) -> dict[str, Any]:
    return inbound_messages(event)[0]


def contacts_of(event: Any) -> list[dict[str, Any]]:
    """The `contacts` block of a notification: the number (`wa_id`) and user id of the person it concerns."""
    return contacts(event)


def recipients_of(events: Sequence[Any], message_id: str) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each status object of one message, with the `contacts` of the notification that carried it."""
    return [(s, contacts(event)) for event in events for s in statuses(event) if s.get("id") == message_id]


def wait_until_approved(api: ApiClient, name: str, check: Checker, timeout: float, poll: float = 5.0) -> None:
    """Polls the template list until the template is APPROVED; the emulator and replay answer at once."""
    deadline = time.monotonic() + timeout
    while True:
        template = check.template_listed(api.list_templates(label="list templates (approval)"), name, "MARKETING")
        if template.get("status") == "APPROVED":
            return
        if template.get("status") == "REJECTED" or time.monotonic() > deadline:
            raise check.fail(f"template {name!r} is {template.get('status')!r}, not APPROVED", template)
        time.sleep(poll)
