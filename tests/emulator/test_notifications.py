"""Notification kinds (validated against the project's webhook schemas), waited deliveries, ordering, host rule."""

from __future__ import annotations

from typing import Any

import certifi
import httpx
import pytest

from mmlite_conformance.emulator import ConfigError, EmulatorConfig, WebhookSettings
from mmlite_conformance.emulator.notifications import KINDS
from mmlite_conformance.emulator.state import EmulatorState
from mmlite_conformance.emulator.urls import delivery_allowed
from tests.emulator.emulator_helpers import (
    RECIPIENT,
    Receiver,
    ServerFactory,
    asgi_client,
    fast_config,
    schema_validator,
    template_send,
)

pytestmark = [pytest.mark.unit, pytest.mark.anyio]
NOTIFICATION = schema_validator("webhook-notification")
ACCOUNT_UPDATE = schema_validator("webhook-account-update")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def valid(payload: dict[str, Any], validator: Any = NOTIFICATION) -> dict[str, Any]:
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(payload)]
    assert problems == [], problems
    value: dict[str, Any] = payload["entry"][0]["changes"][0]["value"]
    return value


async def build(client: httpx.AsyncClient, kind: str, **params: Any) -> dict[str, Any]:
    response = await client.post("/_emulator/notifications", json={"kind": kind, "params": params})
    assert response.status_code == 202, response.text
    assert response.json()["queued"] is True
    payload: dict[str, Any] = response.json()["payload"]
    return payload


async def test_kinds_are_listed() -> None:
    async with asgi_client() as client:
        kinds = (await client.get("/_emulator/notifications/kinds")).json()["kinds"]
    names = {k["kind"] for k in kinds}
    assert {"status", "inbound_text", "message_template_status_update", "template_category_update"} <= names
    assert {"account_update", "user_actions", "custom", "raw"} <= names == set(KINDS)


@pytest.mark.parametrize("status", ["sent", "delivered", "read", "failed"])
async def test_status_kind(status: str) -> None:
    async with asgi_client() as client:
        message_id = (await client.post("/marketing_messages", json=template_send())).json()["messages"][0]["id"]
        item = valid(await build(client, "status", status=status))["statuses"][0]
    assert item["id"] == message_id and item["status"] == status and item["recipient_id"] == RECIPIENT
    if status in {"sent", "delivered"}:
        assert item["pricing"]["category"] == "marketing_lite" == item["conversation"]["origin"]["type"]
    else:
        assert "pricing" not in item and "conversation" not in item
    assert ("errors" in item) == (status == "failed")


async def test_status_variations() -> None:
    async with asgi_client() as client:
        await client.post("/messages", json=template_send())
        payload = await build(
            client,
            "status",
            statuses=[
                {"status": "read"},
                {"status": "delivered", "category": "service", "conversation": False, "biz_opaque_callback_data": "t"},
                {
                    "status": "failed",
                    "message_id": "wamid.OTHER",
                    "recipient_id": "15550001111",
                    "errors": [{"code": 131026, "title": "Undeliverable"}],
                },
            ],
            extra_fields={"future_field": {"x": 1}},
        )
        value = valid(payload)
    read, delivered, failed = value["statuses"]
    assert read["status"] == "read" and delivered["pricing"]["category"] == "service"
    assert "conversation" not in delivered and delivered["biz_opaque_callback_data"] == "t"
    assert failed["errors"][0]["code"] == 131026 and failed["recipient_id"] == "15550001111"
    assert value["future_field"] == {"x": 1}


async def test_status_kind_matches_the_send_flow(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve()
    client.post("/waba_webhook", json={"url": receiver.url})
    client.post("/marketing_messages", json=template_send())
    client.post("/_emulator/deliveries/drain", json={"timeout": 5})
    flow = receiver.wait_for(3)[1].json
    built = client.post("/_emulator/notifications", json={"kind": "status", "params": {"status": "delivered"}})
    assert built.json()["payload"] == flow


async def test_inbound_text_kind() -> None:
    async with asgi_client() as client:
        value = valid(await build(client, "inbound_text", **{"from": "+55 21 98888-7777", "text": "STOP"}))
    assert value["messages"][0]["from"] == "5521988887777" and value["messages"][0]["text"] == {"body": "STOP"}
    assert value["contacts"][0]["profile"]["name"] == "Sandbox User"


async def test_template_kinds() -> None:
    async with asgi_client() as client:
        status = valid(await build(client, "message_template_status_update", name="utility_order_update"))
        impending = valid(
            await build(
                client,
                "template_category_update",
                name="utility_order_update",
                phase="impending",
                correct_category="MARKETING",
            )
        )
        completed = valid(
            await build(
                client,
                "template_category_update",
                name="utility_order_update",
                phase="completed",
                previous_category="UTILITY",
                new_category="MARKETING",
            )
        )
        unknown = await client.post(
            "/_emulator/notifications", json={"kind": "message_template_status_update", "params": {"name": "nope"}}
        )
        assert unknown.status_code == 400 and "message_template_id" in unknown.text
        payload = await build(
            client,
            "template_category_update",
            name="utility_order_update",
            phase="completed",
            previous_category="UTILITY",
        )
    template_id = status["message_template_id"]
    assert isinstance(template_id, int) and status["event"] == "APPROVED" and status["reason"] == "NONE"
    assert status["message_template_name"] == "utility_order_update" and status["message_template_language"] == "en"
    assert status["message_template_category"] == "UTILITY"
    assert impending == {
        "message_template_id": template_id,
        "message_template_name": "utility_order_update",
        "message_template_language": "en",
        "correct_category": "MARKETING",
        "new_category": "UTILITY",
        "category_update_timestamp": 1_767_225_600 + 86_400,
    }
    assert completed["previous_category"] == "UTILITY" and completed["new_category"] == "MARKETING"
    assert "correct_category" not in completed
    assert payload["entry"][0]["changes"][0]["field"] == "template_category_update"
    assert payload["entry"][0]["time"] == 1_767_225_600 and payload["entry"][0]["id"] == "200000000000001"


async def test_account_update_kind() -> None:
    async with asgi_client() as client:
        payload = await build(client, "account_update")
    value = valid(payload, ACCOUNT_UPDATE)
    valid(payload)
    assert value == {
        "event": "MM_LITE_TERMS_SIGNED",
        "waba_info": {"waba_id": "200000000000001", "owner_business_id": "400000000000001"},
    }
    assert payload["entry"][0]["id"] == "400000000000001"


async def test_user_actions_custom_and_raw_kinds() -> None:
    async with asgi_client() as client:
        click = valid(await build(client, "user_actions", product_id="sku-1"))
        landing = valid(await build(client, "user_actions", action_type="landing_page_view", data={"page": "p"}))
        custom = await build(client, "custom", field="future_field", value={"anything": True})
        raw = await build(client, "raw", payload={"object": "whatsapp_business_account", "entry": []})
    (action,) = click["user_actions"]
    assert action["action_type"] == "marketing_messages_link_click" and action["timestamp"].isdigit()
    data = action["marketing_messages_link_click_data"]
    assert data["click_component"] == "cta" and data["product_id"] == "sku-1"
    assert data["click_id"] and data["tracking_token"]
    assert "statuses" not in click and "messages" not in click and "contacts" not in click
    assert landing["user_actions"][0]["landing_page_view_data"] == {"page": "p"}
    valid(custom)
    assert custom["entry"][0]["changes"] == [{"value": {"anything": True}, "field": "future_field"}]
    assert raw == {"object": "whatsapp_business_account", "entry": []}


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "nope"},
        {"kind": "status"},  # no message sent yet
        {"kind": "status", "params": {"message_id": "wamid.X"}},  # unknown id: recipient_id needed
        {"kind": "status", "params": {"status": "bounced", "message_id": "wamid.X", "recipient_id": "1"}},
        {"kind": "account_update", "params": {"typo": 1}},
        {"kind": "raw", "params": {"payload": {}, "extra_fields": {}}},
        {"kind": "template_category_update", "params": {"name": "utility_order_update", "phase": "soon"}},
        {"kind": "account_update", "wait": "yes"},
        {"kind": "account_update", "attempts": 0},
        {"kind": "account_update", "timeout": 31},
        {"kind": "account_update", "params": []},
    ],
)
async def test_bad_notification_requests(body: dict[str, Any]) -> None:
    async with asgi_client() as client:
        response = await client.post("/_emulator/notifications", json=body)
    assert response.status_code == 400 and response.json()["error"]["code"] == 100, response.text


def test_wait_reports_a_delivered_webhook(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve()
    client.post("/v1/configs/webhook", json={"url": receiver.url})
    answer = client.post("/_emulator/notifications", json={"kind": "account_update", "wait": True})
    assert answer.status_code == 200
    delivery = answer.json()["delivery"]
    assert (delivery["url"], delivery["status"], delivery["outcome"], delivery["attempts"]) == (
        receiver.url,
        200,
        "delivered",
        1,
    )
    assert isinstance(delivery["latency_ms"], float) and 0 < delivery["latency_ms"] < 5000
    assert receiver.hits[0].json == answer.json()["payload"]
    logged = client.get("/_emulator/deliveries").json()["attempts"][-1]
    assert logged["kind"] == "account_update" and logged["latency_ms"] == delivery["latency_ms"]


def test_wait_reports_a_failing_receiver_after_one_attempt(serve: ServerFactory, receiver: Receiver) -> None:
    receiver.fail_first = 1000
    _, client = serve()
    client.post("/waba_webhook", json={"url": receiver.url})
    answer = client.post("/_emulator/notifications", json={"kind": "user_actions", "wait": True, "timeout": 2})
    delivery = answer.json()["delivery"]
    assert (delivery["status"], delivery["outcome"], delivery["attempts"]) == (500, "failed", 1)
    assert receiver.attempts == 1 and delivery["latency_ms"] > 0
    again = client.post("/_emulator/notifications", json={"kind": "user_actions", "wait": True, "attempts": 2})
    assert again.json()["delivery"]["attempts"] == 2 and receiver.attempts == 3


def test_wait_without_a_webhook(serve: ServerFactory) -> None:
    _, client = serve()
    delivery = client.post("/_emulator/notifications", json={"kind": "account_update", "wait": True}).json()["delivery"]
    assert delivery == {
        "url": None,
        "status": None,
        "latency_ms": None,
        "outcome": "no_webhook",
        "attempts": 0,
        "signature": "none",
    }


def test_notifications_stay_ordered_with_queued_statuses(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve()
    client.post("/waba_webhook", json={"url": receiver.url})
    client.post("/marketing_messages", json=template_send())  # sent, delivered, read queued (zero delays)
    client.post("/_emulator/notifications", json={"kind": "raw", "params": {"payload": {"n": 1}}})
    waited = client.post(
        "/_emulator/notifications", json={"kind": "raw", "params": {"payload": {"n": 2}}, "wait": True}
    )
    assert waited.json()["delivery"]["outcome"] == "delivered"
    hits = [h.json for h in receiver.wait_for(5)]
    assert [h["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] for h in hits[:3]] == [
        "sent",
        "delivered",
        "read",
    ]
    assert hits[3:] == [{"n": 1}, {"n": 2}]


def test_inbound_wait(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve()
    client.post("/waba_webhook", json={"url": receiver.url})
    plain = client.post("/_emulator/inbound", json={"from": "5521988887777", "text": "hi"})
    assert list(plain.json()) == ["message_id"]
    waited = client.post("/_emulator/inbound", json={"from": "5521988887777", "text": "again", "wait": True}).json()
    assert waited["delivery"]["outcome"] == "delivered" and waited["delivery"]["status"] == 200
    assert waited["payload"]["entry"][0]["changes"][0]["value"]["messages"][0]["id"] == waited["message_id"]
    assert [h.json["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] for h in receiver.hits] == [
        "hi",
        "again",
    ]


def test_delivery_host_rule() -> None:
    assert delivery_allowed("http://127.0.0.1:8080/hook", any_host=False)
    assert delivery_allowed("https://localhost/hook", any_host=False)
    assert delivery_allowed("http://[::1]:9/h", any_host=False)
    assert not delivery_allowed("https://partner.example.com/hook", any_host=False)
    assert not delivery_allowed("http://10.0.0.1/hook", any_host=False)
    assert delivery_allowed("https://partner.example.com/hook", any_host=True)  # decision only: nothing is sent
    assert EmulatorConfig().deliver_to_any_host is False
    assert EmulatorState(EmulatorConfig(deliver_to_any_host=True)).dispatcher._any_host is True


async def test_ca_bundle() -> None:
    with pytest.raises(ConfigError, match="CA bundle"):
        EmulatorConfig(webhooks=WebhookSettings(ca_bundle="/nonexistent/ca.pem"))
    state = EmulatorState(EmulatorConfig(webhooks=WebhookSettings(ca_bundle=certifi.where())))
    client = state.dispatcher._http()  # builds an SSL context from the file without contacting anyone
    assert isinstance(client, httpx.AsyncClient)
    await state.aclose()


def test_cli_flags() -> None:
    import argparse

    from mmlite_conformance.cli import main
    from mmlite_conformance.emulator.cli import add_arguments, build_config

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    default = build_config(parser.parse_args([]))
    assert (default.journal, default.deliver_to_any_host, default.webhooks.ca_bundle) == (False, False, None)
    args = parser.parse_args(["--journal", "--deliver-anywhere", "--webhook-ca-bundle", certifi.where()])
    config = build_config(args)
    assert (config.journal, config.deliver_to_any_host, config.webhooks.ca_bundle) == (True, True, certifi.where())
    assert main(["emulator", "--webhook-ca-bundle", "/nonexistent/ca.pem"]) == 2


def test_fast_config_keeps_the_journal_off() -> None:
    assert fast_config().journal is False
