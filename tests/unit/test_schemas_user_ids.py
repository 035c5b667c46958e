"""The schemas accept both published forms of a business-scoped user id, and an empty number only beside one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mmlite_conformance.suite.schemas import SchemaRegistry
from mmlite_conformance.suite.user_ids import CURRENT_FORM, EARLIER_FORM
from tests.payloads import webhook
from tests.user_id_payloads import (
    ANA,
    CURRENT,
    EARLIER_PAYLOADS,
    inbound_webhook,
    send_response,
    status_webhook,
)

pytestmark = pytest.mark.unit

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"

V = "$.entry[0].changes[0].value"


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry.from_directory(SCHEMA_DIR)


@pytest.mark.parametrize("name", EARLIER_PAYLOADS)
def test_the_earlier_revisions_payloads_are_accepted(registry: SchemaRegistry, name: str) -> None:
    kind, build = EARLIER_PAYLOADS[name]
    verdict = registry.validate(kind, build())
    assert verdict.valid, verdict.summary()


def test_each_place_takes_either_form(registry: SchemaRegistry) -> None:
    """Every field that holds a user id, in each form; and a send request may name a recipient in either."""
    parent = "US.ENT.11815799212886844830"
    for user_id in (ANA, ANA.upper().replace("USER.", "user."), CURRENT):
        assert registry.validate("send-response", send_response(input=user_id, user_id=user_id)).valid
        statuses = status_webhook(recipient_user_id=user_id, recipient_parent_user_id=parent)
        assert registry.validate("webhook-notification", statuses).valid
        message = inbound_webhook(from_user_id=user_id, from_parent_user_id=user_id)
        assert registry.validate("webhook-notification", message).valid
        request = {"messaging_product": "whatsapp", "recipient": user_id, "type": "text", "text": {"body": "Olá"}}
        assert registry.validate("send-request", request).valid
    # a number stays accepted in every one of those places
    number = {"recipient_id": "5511900000001", "recipient_user_id": ANA}
    assert registry.validate("webhook-notification", status_webhook(**number)).valid
    assert registry.validate("send-response", send_response(wa_id="5511900000001")).valid


# -- what stays rejected ----------------------------------------------------------------------------------------

#: user ids in neither form: the earlier one's prefix, length and digits are fixed, today's needs its country code
NOT_A_USER_ID = {
    "hex too short": "user." + "a" * 63,
    "hex too long": "user." + "a" * 65,
    "not hex": "user." + "g" * 64,
    "prefix upper case": "USER." + "a" * 64,
    "other prefix": "uid." + "a" * 64,
    "no prefix": "a" * 64,
    "lower-case country": "us.13491208655302741918",
    "digits only": "13491208655302741918",
}


def _rejected(registry: SchemaRegistry, kind: str, payload: Any, path: str, fragment: str) -> None:
    verdict = registry.validate(kind, payload)
    assert not verdict.valid, f"{kind} accepted {json.dumps(payload)[:300]}"
    assert any(line.startswith(f"{path}: ") and fragment in line for line in verdict.errors), verdict.errors


@pytest.mark.parametrize("name", NOT_A_USER_ID)
def test_a_user_id_in_neither_form_is_rejected_everywhere(registry: SchemaRegistry, name: str) -> None:
    bad = NOT_A_USER_ID[name]
    assert not CURRENT_FORM.fullmatch(bad) and not EARLIER_FORM.fullmatch(bad)  # the module agrees
    cases = [
        ("send-response", send_response(user_id=bad), "$.contacts[0].user_id"),
        ("webhook-notification", status_webhook(recipient_user_id=bad), f"{V}.statuses[0].recipient_user_id"),
        ("webhook-notification", inbound_webhook(from_user_id=bad), f"{V}.messages[0].from_user_id"),
        ("send-request", {"messaging_product": "whatsapp", "recipient": bad, "type": "text"}, "$.recipient"),
    ]
    contact = webhook({"contacts": [{"profile": {"name": "Ana"}, "user_id": bad}], "messages": []})
    cases.append(("webhook-notification", contact, f"{V}.contacts[0].user_id"))
    for kind, payload, path in cases:
        _rejected(registry, kind, payload, path, "does not match")


def _without(payload: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != key}


def _value(payload: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = payload["entry"][0]["changes"][0]["value"]
    return value


def _status_alone() -> dict[str, Any]:
    return webhook({"statuses": [_without(_value(status_webhook())["statuses"][0], "recipient_user_id")]})


def _message_alone() -> dict[str, Any]:
    return webhook({"messages": [_without(_value(inbound_webhook())["messages"][0], "from_user_id")]})


def _recipient_contact_alone() -> dict[str, Any]:
    payload = status_webhook()
    _value(payload)["contacts"] = [{"profile": {}, "wa_id": ""}]
    return payload


#: an empty number with no user id beside it, in each place: (kind, payload, path, message fragment)
EMPTY_ALONE = {
    "send response contact": (
        "send-response",
        send_response() | {"contacts": [{"input": "5511900000001", "wa_id": ""}]},
        "$.contacts[0]",
        "'user_id' is a required",
    ),
    "status recipient_id": ("webhook-notification", _status_alone(), f"{V}.statuses[0]", "'recipient_user_id'"),
    "inbound from": ("webhook-notification", _message_alone(), f"{V}.messages[0]", "'from_user_id' is a required"),
    "sender contact": (
        "webhook-notification",
        webhook({"contacts": [{"profile": {"name": "Ana"}, "wa_id": ""}], "messages": []}),
        f"{V}.contacts[0]",
        "'user_id' is a required",
    ),
    "recipient contact": ("webhook-notification", _recipient_contact_alone(), f"{V}.contacts[0]", "'user_id'"),
}


@pytest.mark.parametrize("name", EMPTY_ALONE)
def test_an_empty_number_needs_its_user_id_beside_it(registry: SchemaRegistry, name: str) -> None:
    kind, payload, path, fragment = EMPTY_ALONE[name]
    _rejected(registry, kind, payload, path, fragment)


def test_nothing_else_was_loosened(registry: SchemaRegistry) -> None:
    """A number is still digits only; a group's recipient_id still non-empty; an empty user id is no user id."""
    for not_digits in (" ", "+5511900000001", "55 11 90000-0001"):
        _rejected(registry, "send-response", send_response(wa_id=not_digits), "$.contacts[0].wa_id", "does not match")
        _rejected(
            registry,
            "webhook-notification",
            status_webhook(recipient_id=not_digits),
            f"{V}.statuses[0].recipient_id",
            "does not match",
        )
        _rejected(
            registry,
            "webhook-notification",
            inbound_webhook(**{"from": not_digits}),
            f"{V}.messages[0].from",
            "does not match",
        )
    group = status_webhook(recipient_type="group", group_id="120363000000000001")
    _rejected(registry, "webhook-notification", group, f"{V}.statuses[0].recipient_id", "should be non-empty")
    _rejected(registry, "send-response", send_response(user_id=""), "$.contacts[0].user_id", "does not match")
    _rejected(registry, "send-response", send_response(wa_id=None), "$.contacts[0].wa_id", "is not of type 'string'")
