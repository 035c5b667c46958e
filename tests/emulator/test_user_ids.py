"""Business-scoped user ids (BSUIDs) in the emulator: their form, contacts in status and user-message webhooks,
recipient_user_id / from_user_id, sends to a `recipient`, and the realistic profile's BR/MX wa_id forms."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from mmlite_conformance.emulator import EmulatorConfig, RateLimits, create_app
from mmlite_conformance.emulator import realism as rx
from mmlite_conformance.emulator.bsuid import business_scoped_id, canonical_number, country_of, is_sendable
from tests.emulator.emulator_helpers import (
    KEY,
    RECIPIENT,
    Receiver,
    asgi_client,
    fast_config,
    schema_validator,
    template_send,
    text_send,
)

pytestmark = [pytest.mark.unit, pytest.mark.anyio]
NOTIFICATION = schema_validator("webhook-notification")
SEND_RESPONSE = schema_validator("send-response")
CURRENT_FORM = re.compile(r"[A-Z]{2}\.[A-Za-z0-9]+")  # Meta's BSUID page today (common.schema.json, user_id)
BUSINESS = "400000000000001"  # the default account's business (notifications.business_id)
BSUID = "US.13491208655302741918"  # Meta's example (a US user: marketing to them fails, 131049)
BR_BSUID = "BR.52719038461529304718"
US_NUMBER = "16505551234"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def problems(validator: Any, body: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]


async def flow(receiver: Receiver, *sends: tuple[str, dict[str, Any]], config: EmulatorConfig | None = None) -> Flow:
    """Each send in order, then every webhook the emulator posted (statuses, auto read on)."""
    receiver.hits.clear()
    app = create_app(config or fast_config(rate_limits=RateLimits(enabled=False)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://e", headers=KEY) as client:
        await client.post("/waba_webhook", json={"url": receiver.url})
        answers = [await client.post(path, json=body) for path, body in sends]
        await client.post("/_emulator/deliveries/drain", json={"timeout": 5})
    await app.state.emulator.aclose()
    return Flow(answers, [hit.json["entry"][0]["changes"][0]["value"] for hit in receiver.hits])


class Flow:
    def __init__(self, answers: list[httpx.Response], values: list[dict[str, Any]]) -> None:
        self.answers, self.values = answers, values

    def statuses(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(status item, the change value holding it)."""
        return [(item, value) for value in self.values for item in value.get("statuses", [])]


# --- the id itself -----------------------------------------------------------------------------------------------


def test_a_bsuid_is_in_todays_form_stable_per_business_and_person() -> None:
    first = business_scoped_id(BUSINESS, RECIPIENT)
    assert CURRENT_FORM.fullmatch(first) and first.startswith("BR.") and len(first) == 23
    assert business_scoped_id(BUSINESS, RECIPIENT) == first  # derived, not drawn
    assert business_scoped_id("400000000000002", RECIPIENT) != first  # scoped to the business
    assert business_scoped_id(BUSINESS, "5521912345679") != first  # one per person
    assert business_scoped_id(BUSINESS, "552112345678") == first  # the same Brazilian without the ninth digit
    assert business_scoped_id(BUSINESS, "525512345678") == business_scoped_id(BUSINESS, "5215512345678")  # MX 1
    assert canonical_number("5215512345678") == "5215512345678" and canonical_number(US_NUMBER) == US_NUMBER


def test_the_country_comes_from_the_calling_code() -> None:
    assert [country_of(n) for n in (US_NUMBER, "447700900000", "351912345678", "5215512345678")] == [
        "US",
        "GB",
        "PT",
        "MX",
    ]
    assert country_of("999123456") == "ZZ"  # no country owns 999


def test_which_recipients_are_sendable() -> None:
    assert is_sendable(BSUID) and is_sendable("US.ENT.11815799212886844830")  # a parent BSUID too
    for wrong in ("us.123", "US123", "US.", "USA.123", "US.12 3", "user." + "a" * 64, US_NUMBER):
        assert not is_sendable(wrong), wrong


# --- webhooks after a send to a number ---------------------------------------------------------------------------


async def test_status_webhooks_carry_the_recipients_contact_and_user_id(receiver: Receiver) -> None:
    done = await flow(receiver, ("/marketing_messages", template_send()), ("/messages", text_send()))
    user_id = business_scoped_id(BUSINESS, RECIPIENT)
    assert [a.json()["contacts"] for a in done.answers] == [[{"input": RECIPIENT, "wa_id": RECIPIENT}]] * 2
    assert [item["status"] for item, _ in done.statuses()] == ["sent", "delivered", "read"] * 2
    for item, value in done.statuses():
        assert (
            problems(
                NOTIFICATION,
                {
                    "object": "whatsapp_business_account",
                    "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
                },
            )
            == []
        )
        assert item["recipient_id"] == RECIPIENT and item["recipient_user_id"] == user_id
        assert value["contacts"] == [{"wa_id": RECIPIENT, "user_id": user_id}]
        assert list(value) == ["messaging_product", "metadata", "contacts", "statuses"]


async def test_a_failed_status_of_a_send_to_a_number_has_neither_contacts_nor_user_id(receiver: Receiver) -> None:
    done = await flow(receiver, ("/messages", template_send(to=US_NUMBER)))  # US marketing: failed 131049
    ((item, value),) = done.statuses()
    assert item["status"] == "failed" and item["recipient_id"] == US_NUMBER and item["errors"][0]["code"] == 131049
    assert "recipient_user_id" not in item and "contacts" not in value


async def test_a_users_message_names_its_sender_by_number_and_user_id() -> None:
    async with asgi_client() as client:
        await client.post("/messages", json=text_send())
        status = (await client.post("/_emulator/notifications", json={"kind": "status", "params": {}})).json()
        answer = await client.post(
            "/_emulator/notifications",
            json={"kind": "inbound_text", "params": {"from": "+55 21 91234-5678", "text": "hi", "name": "Ana"}},
        )
    payload = answer.json()["payload"]
    assert problems(NOTIFICATION, payload) == []
    value = payload["entry"][0]["changes"][0]["value"]
    user_id = business_scoped_id(BUSINESS, RECIPIENT)
    assert value["contacts"] == [{"profile": {"name": "Ana"}, "wa_id": RECIPIENT, "user_id": user_id}]
    message = value["messages"][0]
    assert list(message)[:3] == ["from", "from_user_id", "id"] and message["from_user_id"] == user_id
    # the person the business wrote to is the person who writes back: one BSUID
    assert status["payload"]["entry"][0]["changes"][0]["value"]["contacts"][0]["user_id"] == user_id


# --- sends to a business-scoped user id ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/marketing_messages", "/messages"])
async def test_a_send_to_a_bsuid_answers_its_user_id_and_keys_the_statuses_by_it(path: str, receiver: Receiver) -> None:
    body = {k: v for k, v in template_send().items() if k != "to"} | {"recipient": BR_BSUID}
    done = await flow(receiver, (path, body))
    (answer,) = done.answers
    assert answer.status_code == 200, answer.text
    assert problems(SEND_RESPONSE, answer.json()) == []
    assert answer.json()["contacts"] == [{"input": BR_BSUID, "user_id": BR_BSUID}]
    statuses = done.statuses()
    assert [item["status"] for item, _ in statuses] == ["sent", "delivered", "read"]
    for item, value in statuses:
        assert item["recipient_user_id"] == BR_BSUID and "recipient_id" not in item
        assert value["contacts"] == [{"user_id": BR_BSUID}]


async def test_a_marketing_send_to_a_us_bsuid_fails_like_one_to_a_us_number(receiver: Receiver) -> None:
    body = {k: v for k, v in template_send().items() if k != "to"} | {"recipient": BSUID}
    done = await flow(receiver, ("/messages", body))
    ((item, value),) = done.statuses()
    assert item["status"] == "failed" and item["recipient_user_id"] == BSUID and "recipient_id" not in item
    assert "contacts" not in value


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"recipient": "US 1349"}, "recipient must be a business-scoped user ID"),
        ({"recipient": "user." + "a" * 64}, "recipient must be a business-scoped user ID"),
        ({"recipient": ""}, "recipient must be a non-empty string"),
        ({}, "The parameter to is required."),  # neither: Meta's own answer (contract example 15)
    ],
)
async def test_a_recipient_that_is_no_bsuid_is_refused(change: dict[str, Any], fragment: str) -> None:
    body = {k: v for k, v in text_send().items() if k != "to"} | change
    async with asgi_client() as client:
        answer = await client.post("/messages", json=body)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == 100
    assert fragment in answer.json()["error"]["error_data"]["details"]


async def test_to_wins_over_recipient() -> None:
    async with asgi_client() as client:
        answer = await client.post("/messages", json=text_send() | {"recipient": BSUID})
        malformed = await client.post("/messages", json=text_send() | {"recipient": "nobody"})
    assert answer.json()["contacts"] == [{"input": RECIPIENT, "wa_id": RECIPIENT}]
    assert malformed.status_code == 400 and "recipient must be a business-scoped" in malformed.text  # checked too


# --- control-built statuses ----------------------------------------------------------------------------------------


async def test_control_statuses_follow_the_message_or_what_is_given() -> None:
    async with asgi_client() as client:
        await client.post("/messages", json=text_send())
        numbered = await _status(client, {"recipient_id": US_NUMBER})
        given = await _status(client, {"status": "failed", "recipient_user_id": BSUID})
        await client.post(
            "/messages",
            json={"messaging_product": "whatsapp", "recipient": BSUID, "type": "text", "text": {"body": "hi"}},
        )
        by_bsuid = await _status(client, {})
        unknown = await client.post(
            "/_emulator/notifications", json={"kind": "status", "params": {"message_id": "wamid.X"}}
        )
    item, value = numbered
    assert item["recipient_user_id"] == business_scoped_id(BUSINESS, US_NUMBER)
    assert value["contacts"] == [{"wa_id": US_NUMBER, "user_id": item["recipient_user_id"]}]
    item, value = given
    assert item["recipient_user_id"] == BSUID and item["recipient_id"] == RECIPIENT and "contacts" not in value
    item, value = by_bsuid
    assert item["recipient_user_id"] == BSUID and "recipient_id" not in item
    assert unknown.status_code == 400 and "recipient_id is required" in unknown.text


# --- the realistic profile's wa_id forms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variation", "number", "wa_id"),
    [(rx.WA_ID_BR, "5511987650001", "551187650001"), (rx.WA_ID_MX, "525512345678", "5215512345678")],
)
async def test_the_realistic_wa_id_forms_reach_every_contacts_block(
    variation: str, number: str, wa_id: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(rx.PROFILES, "only_numbers", rx.Profile("only_numbers", "test", {variation: 1.0}))
    config = fast_config(profile="only_numbers", profile_seed=1, rate_limits=RateLimits(enabled=False))
    done = await flow(receiver, ("/marketing_messages", template_send(to=f"+{number}")), config=config)
    user_id = business_scoped_id(BUSINESS, number)  # the person's, whichever form their wa_id takes
    assert done.answers[0].json()["contacts"] == [{"input": f"+{number}", "wa_id": wa_id}]
    for item, value in done.statuses():
        assert item["recipient_id"] == wa_id and item["recipient_user_id"] == user_id
        assert value["contacts"] == [{"wa_id": wa_id, "user_id": user_id}]
    async with asgi_client(config) as client:
        inbound = (
            await client.post(
                "/_emulator/notifications", json={"kind": "inbound_text", "params": {"from": number, "text": "hi"}}
            )
        ).json()["payload"]["entry"][0]["changes"][0]["value"]
    assert inbound["contacts"][0]["wa_id"] == inbound["messages"][0]["from"] == wa_id
    assert inbound["contacts"][0]["user_id"] == inbound["messages"][0]["from_user_id"] == user_id


async def _status(client: httpx.AsyncClient, params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    answer = await client.post("/_emulator/notifications", json={"kind": "status", "params": params})
    assert answer.status_code == 202, answer.text
    assert problems(NOTIFICATION, answer.json()["payload"]) == []
    value: dict[str, Any] = answer.json()["payload"]["entry"][0]["changes"][0]["value"]
    return value["statuses"][0], value
