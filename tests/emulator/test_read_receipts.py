"""Mark-as-read and the typing indicator on POST /messages (A70-A72): answers, refusals, no webhook, the journal."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from mmlite_conformance.emulator import NOT_ONBOARDED_API_KEY, RateLimits
from mmlite_conformance.emulator.openapi import build_openapi
from mmlite_conformance.emulator.received import ReceivedMessages, UserMessage
from tests.emulator.emulator_helpers import RECIPIENT, Receiver, ServerFactory, asgi_client, fast_config, text_send

pytestmark = [pytest.mark.unit, pytest.mark.anyio]
#: Meta's reference example "Send typing indicator and read receipt" (business-messaging-api v23.0), id made ours
META_EXAMPLE_KEYS = {"messaging_product": "whatsapp", "status": "read", "typing_indicator": {"type": "text"}}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def read_receipt(message_id: str, **extra: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "status": "read", "message_id": message_id, **extra}


async def inbound(client: httpx.AsyncClient, text: str = "hi") -> str:
    answer = await client.post("/_emulator/inbound", json={"from": RECIPIENT, "text": text})
    assert answer.status_code == 200, answer.text
    message_id: str = answer.json()["message_id"]
    return message_id


def details(answer: httpx.Response) -> str:
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == 100 and error["type"] == "OAuthException"
    text: str = error["error_data"]["details"]
    return text


async def test_a_users_message_is_marked_as_read() -> None:
    async with asgi_client() as client:
        message_id = await inbound(client)
        plain = await client.post("/messages", json=read_receipt(message_id))
        typing = await client.post("/messages", json={**META_EXAMPLE_KEYS, "message_id": message_id})
        again = await client.post("/messages", json=read_receipt(message_id))
    for answer in (plain, typing, again):
        assert (answer.status_code, answer.json()) == (200, {"success": True})
        assert answer.headers["content-type"] == "application/json"


async def test_only_a_message_the_number_received_can_be_marked() -> None:
    async with asgi_client() as client:
        sent = (await client.post("/messages", json=text_send())).json()["messages"][0]["id"]
        business = details(await client.post("/messages", json=read_receipt(sent)))
        unknown = details(await client.post("/messages", json=read_receipt("wamid.unknown")))
        received = await inbound(client)
        other_account = await client.post(
            "/messages", json=read_receipt(received), headers={"D360-API-KEY": NOT_ONBOARDED_API_KEY}
        )
        await client.post("/_emulator/reset")
        after_reset = details(await client.post("/messages", json=read_receipt(received)))
    assert business == (
        f"message_id ({sent}) is a message this number sent: only a message a user sent to the number can be "
        "marked as read."
    )
    assert unknown == "message_id (wamid.unknown) is not a message this number received."
    assert details(other_account) == f"message_id ({received}) is not a message this number received."
    assert after_reset == f"message_id ({received}) is not a message this number received."


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (read_receipt("x", messaging_product="sms"), "messaging_product must be 'whatsapp'"),
        ({"messaging_product": "whatsapp", "status": "delivered", "message_id": "x"}, "status must be 'read'"),
        ({"messaging_product": "whatsapp", "status": "read"}, "message_id is required"),
        (read_receipt("  "), "message_id must be a non-empty string"),
        (read_receipt("x", typing_indicator={"type": "audio"}), "typing_indicator must be an object"),
        (read_receipt("x", typing_indicator="text"), "typing_indicator must be an object"),
        (
            {"messaging_product": "whatsapp", "message_id": "x", "typing_indicator": {"type": "text"}},
            "status is required",
        ),
    ],
)
async def test_malformed_read_receipts_are_refused(body: dict[str, Any], fragment: str) -> None:
    async with asgi_client() as client:
        message_id = await inbound(client)
        if body.get("message_id") == "x":
            body = {**body, "message_id": message_id}  # a known id: the refusal is for the shape alone
        assert fragment in details(await client.post("/messages", json=body))


async def test_a_send_is_still_a_send_and_needs_its_recipient() -> None:
    async with asgi_client() as client:
        sent = await client.post("/messages", json=text_send())
        no_to = await client.post("/messages", json={"messaging_product": "whatsapp", "type": "text"})
    assert sent.status_code == 200 and sent.json()["messages"][0]["id"].startswith("wamid.")
    assert details(no_to) == "The parameter to is required."


async def test_read_receipts_are_not_rate_limited() -> None:
    limits = RateLimits(messages_per_second=1.0, pair_burst=1, pair_interval=60.0)
    async with asgi_client(fast_config(rate_limits=limits)) as client:
        message_id = await inbound(client)
        answers = [await client.post("/messages", json=read_receipt(message_id)) for _ in range(5)]
        first, second = [await client.post("/messages", json=text_send()) for _ in range(2)]
    assert [a.status_code for a in answers] == [200] * 5
    assert (first.status_code, second.status_code) == (200, 429)  # the limits are on: sends do hit them


async def test_an_armed_answer_without_a_recipient_answers_a_read_receipt_too() -> None:
    async with asgi_client() as client:
        message_id = await inbound(client)
        arm = {"method": "POST", "path": "/messages", "error": "throughput"}
        await client.post("/_emulator/answers", json={**arm, "to": RECIPIENT})
        for_the_send = await client.post("/messages", json=read_receipt(message_id))
        await client.post("/_emulator/answers", json=arm)
        armed = await client.post("/messages", json=read_receipt(message_id))
    assert for_the_send.json() == {"success": True}  # an answer armed for a recipient waits for a send to them
    assert (armed.status_code, armed.json()["error"]["code"]) == (429, 130429)


def test_no_webhook_follows_a_read_receipt(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve()
    client.post("/waba_webhook", json={"url": receiver.url})
    message_id = client.post("/_emulator/inbound", json={"from": RECIPIENT, "text": "hi", "wait": True}).json()[
        "message_id"
    ]
    assert client.post("/messages", json=read_receipt(message_id, typing_indicator={"type": "text"})).json() == {
        "success": True
    }
    client.post("/_emulator/deliveries/drain", json={"timeout": 2})
    sent = client.post("/messages", json=text_send()).json()["messages"][0]["id"]
    client.post("/_emulator/deliveries/drain", json={"timeout": 2})
    kinds = [d["kind"] for d in client.get("/_emulator/deliveries").json()["attempts"]]
    # the inbound message, then the send's sent/delivered/read: nothing between them for the read receipt
    assert kinds == ["inbound", "status", "status", "status"], kinds
    assert [hit.json["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] for hit in receiver.hits[1:]] == [sent] * 3


def test_a_raw_notification_carrying_a_message_can_be_marked(serve: ServerFactory) -> None:
    _, client = serve()
    value = {"messages": [{"from": RECIPIENT, "id": "wamid.raw-1", "timestamp": "1", "type": "text"}]}
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }
    client.post("/_emulator/notifications", json={"kind": "raw", "params": {"payload": payload}})
    assert client.post("/messages", json=read_receipt("wamid.raw-1")).json() == {"success": True}


def test_the_journal_records_read_receipts(serve: ServerFactory) -> None:
    _, client = serve(fast_config(journal=True))
    message_id = client.post("/_emulator/inbound", json={"from": RECIPIENT, "text": "hi"}).json()["message_id"]
    client.post("/messages", json=read_receipt(message_id, typing_indicator={"type": "text"}))
    client.post("/messages", json=read_receipt("wamid.unknown"))
    entries = client.get("/_emulator/journal").json()["entries"]
    assert [(e["method"], e["path"], e["response"]["status"]) for e in entries] == [
        ("POST", "/messages", 200),
        ("POST", "/messages", 400),
    ]
    assert entries[0]["body"] == read_receipt(message_id, typing_indicator={"type": "text"})
    assert entries[0]["response"]["body"] == {"success": True}
    assert entries[0]["auth"] == {"form": "bare", "valid": True} and entries[0]["account"] == "sandbox"


def test_received_messages_are_bounded_and_tolerate_any_shape() -> None:
    store = ReceivedMessages(limit=2)
    for n in range(3):
        store.remember(UserMessage(f"m{n}", "1", float(n)))
    assert (store.get("m0"), store.get("m2"), len(store)) == (None, UserMessage("m2", "1", 2.0), 2)
    junk: list[Any] = [None, [], {"entry": "x"}, {"entry": [{"changes": [{"value": {"messages": [1, {"id": 2}]}}]}]}]
    assert [store.remember_from(body, 0.0) for body in junk] == [0, 0, 0, 0]
    statuses = {"entry": [{"changes": [{"value": {"statuses": [{"id": "wamid.s"}]}}]}]}
    assert store.remember_from(statuses, 0.0) == 0 and store.get("wamid.s") is None


# the description ----------------------------------------------------------------------------------------------------
def test_openapi_describes_mark_as_read_on_messages() -> None:
    document = build_openapi()
    registry: Registry[Any] = Registry().with_resource("urn:emu", DRAFT202012.create_resource(document))
    operation = "urn:emu#/paths/~1messages/post"
    media = "content/application~1json/schema"

    def errors(pointer: str, body: Any) -> list[str]:
        validator = Draft202012Validator({"$ref": f"{operation}/{pointer}/{media}"}, registry=registry)
        return [e.message for e in validator.iter_errors(body)]

    assert errors("requestBody", {**META_EXAMPLE_KEYS, "message_id": "wamid.HBgL"}) == []
    assert errors("requestBody", read_receipt("wamid.HBgL")) == []
    assert errors("requestBody", text_send()) == []
    assert errors("responses/200", {"success": True}) == []
    # failing inputs: a send that is also a read receipt, a status other than read, another indicator, no success
    assert errors("requestBody", {**text_send(), "status": "read"})
    assert errors("requestBody", read_receipt("wamid.HBgL", status="delivered"))
    assert errors("requestBody", read_receipt("wamid.HBgL", typing_indicator={"type": "audio"}))
    assert errors("responses/200", {"success": False})
    assert {"A70", "A71", "A72"} <= {a["id"] for a in document["x-assumptions"]}
