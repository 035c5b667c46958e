"""The unusual-form detector names each user id in an earlier form, and Conformance reports it as an observation."""

from __future__ import annotations

import json

import pytest

from mmlite_conformance.suite.checks import ConformanceError
from mmlite_conformance.suite.conformance import Conformance
from mmlite_conformance.suite.user_ids import unusual_form_observation, unusual_user_id_forms
from tests.payloads import inbound_body, status_body
from tests.unit.conformance_kit import judging
from tests.user_id_payloads import (
    ANA,
    BRUNO,
    CURRENT,
    WAMID,
    failed_webhook,
    inbound_webhook,
    send_response,
    status_webhook,
)

pytestmark = pytest.mark.unit

V = "$.entry[0].changes[0].value"
HEX = "is written user.<64 hex digits> (earlier revision of Meta's BSUID page)"


def test_each_earlier_form_is_named_by_its_path() -> None:
    assert unusual_user_id_forms(send_response()) == [
        f"$.contacts[0].input {HEX}",
        "$.contacts[0].wa_id is an empty string beside user_id (earlier revision of Meta's BSUID page)",
        f"$.contacts[0].user_id {HEX}",
    ]
    assert unusual_user_id_forms(status_webhook()) == [
        f"{V}.contacts[0].wa_id is an empty string beside user_id (earlier revision of Meta's BSUID page)",
        f"{V}.contacts[0].user_id {HEX}",
        f"{V}.statuses[0].recipient_id is an empty string beside recipient_user_id (earlier revision of Meta's "
        "BSUID page)",
        f"{V}.statuses[0].recipient_user_id {HEX}",
    ]
    assert f"{V}.messages[0].from is an empty string beside from_user_id (earlier revision of Meta's BSUID page)" in (
        unusual_user_id_forms(inbound_webhook())
    )
    assert len(unusual_user_id_forms(failed_webhook())) == 2
    request = {"messaging_product": "whatsapp", "recipient": ANA, "type": "text", "text": {"body": "Olá"}}
    assert unusual_user_id_forms(request) == [f"$.recipient {HEX}"]


def test_the_lines_never_quote_an_id() -> None:
    for payload in (send_response(), status_webhook(), inbound_webhook(), failed_webhook()):
        for line in unusual_user_id_forms(payload):
            assert ANA not in line and BRUNO not in line and ANA[5:] not in line and BRUNO[5:] not in line


def test_todays_forms_and_numbers_are_not_unusual() -> None:
    current = status_webhook(recipient_id="5511900000001", recipient_user_id=CURRENT)
    current["entry"][0]["changes"][0]["value"]["contacts"] = [
        {"profile": {}, "wa_id": "5511900000001", "user_id": CURRENT, "parent_user_id": "US.ENT.11815799212886844830"}
    ]
    assert unusual_user_id_forms(current) == []
    assert unusual_user_id_forms(inbound_body("hi")) == []
    assert unusual_user_id_forms(status_body(WAMID, "read")) == []
    # a number under a key that may hold either is a number, not an unusual id
    assert unusual_user_id_forms({"contacts": [{"input": "+55 11 90000-0001", "wa_id": "5511900000001"}]}) == []
    assert unusual_user_id_forms(None) == [] and unusual_user_id_forms("user_id") == []


def test_what_no_schema_guards_is_named_too() -> None:
    """The function stands alone: an id in no documented form, or an empty number with nothing beside it."""
    assert unusual_user_id_forms({"extra": [{"user_id": "uid-42"}]}) == [
        "$.extra[0].user_id is in no documented user id form (6 characters)"
    ]
    assert unusual_user_id_forms({"recipient_id": "", "status": "sent"}) == [
        "$.recipient_id is an empty string with no recipient_user_id beside it (earlier revision of Meta's BSUID page)"
    ]
    # non-string values are the schema's business, not a form
    assert unusual_user_id_forms({"user_id": 7, "recipient": {"id": 1}, "input": None}) == []


def _conformance() -> Conformance:
    return judging("S1c", "s", "the statuses arrive")


def test_a_valid_payload_in_an_earlier_form_passes_with_an_observation_per_form() -> None:
    judge = _conformance()
    judge.validate("webhook-notification", status_webhook())
    observations = judge.evidence.observations
    assert [o.observed for o in observations] == [
        f"{line}; accepted" for line in unusual_user_id_forms(status_webhook())
    ]
    assert {o.topic for o in observations} == {"business-scoped user id in an unusual form"}
    assert observations[0] == unusual_form_observation(unusual_user_id_forms(status_webhook())[0])
    assert "user.<64 hex digits>" in observations[0].contract and "US.13491208655302741918" in observations[0].contract
    shown = json.dumps([o.summary() for o in observations])
    assert ANA[5:] not in shown and all(v.valid for v in judge.evidence.current.verdicts)


def test_todays_form_and_an_invalid_payload_add_no_observation() -> None:
    judge = _conformance()
    judge.validate("webhook-notification", status_webhook(recipient_id="5511900000001", recipient_user_id=CURRENT))
    assert len(judge.evidence.observations) == 2  # only the contacts block, still in the earlier form
    judge = _conformance()
    judge.validate("webhook-notification", status_body(WAMID, "sent"))
    assert judge.evidence.observations == []
    bad = status_webhook(recipient_user_id="user.123")
    with pytest.raises(ConformanceError, match="recipient_user_id"):
        judge.validate("webhook-notification", bad)
    assert judge.evidence.observations == []
