"""The emulator over real loopback HTTP: EmulatorServer, status and inbound webhooks, retries, HMAC, reset."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import httpx
import pytest

from mmlite_conformance.emulator import (
    SIGNATURE_HEADER,
    DeliveryDelays,
    EmulatorServer,
    WebhookSettings,
)
from tests.emulator.emulator_helpers import (
    KEY,
    RECIPIENT,
    Receiver,
    ServerFactory,
    fast_config,
    template_send,
    text_send,
)

pytestmark = pytest.mark.integration


def status_items(receiver: Receiver) -> list[dict[str, Any]]:
    return [h.json["entry"][0]["changes"][0]["value"]["statuses"][0] for h in receiver.hits]


def test_server_context_manager_and_state() -> None:
    with EmulatorServer() as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.state.default_account.config.api_key == KEY["D360-API-KEY"]
        with httpx.Client(base_url=server.base_url) as client:
            assert client.get("/openapi.json").status_code == 200
    with pytest.raises(RuntimeError):
        _ = server.port


def test_status_webhooks_mm_lite(serve: ServerFactory, receiver: Receiver) -> None:
    server, client = serve()
    assert client.post("/waba_webhook", json={"url": receiver.url}).status_code == 200
    message_id = client.post("/marketing_messages", json=template_send()).json()["messages"][0]["id"]
    assert client.post("/_emulator/deliveries/drain", json={"timeout": 5}).json() == {"pending": 0}
    receiver.wait_for(3)
    assert receiver.statuses() == ["sent", "delivered", "read"]
    hit = receiver.hits[0].json
    assert hit["object"] == "whatsapp_business_account"
    change = hit["entry"][0]["changes"][0]
    assert change["field"] == "messages"
    account = server.state.default_account.config
    assert change["value"]["metadata"] == {
        "display_phone_number": account.display_phone_number,
        "phone_number_id": account.phone_number_id,
    }
    sent, _delivered, read = status_items(receiver)
    assert sent["id"] == message_id and sent["recipient_id"] == RECIPIENT
    assert isinstance(sent["timestamp"], str) and sent["timestamp"].isdigit()
    assert sent["pricing"] == {
        "billable": True,
        "pricing_model": "PMP",
        "type": "regular",
        "category": "marketing_lite",
    }
    assert sent["conversation"]["origin"] == {"type": "marketing_lite"}
    assert "pricing" not in read
    assert SIGNATURE_HEADER.lower() not in receiver.hits[0].headers


@pytest.mark.parametrize(
    ("payload", "category"),
    [(text_send(), "service"), (template_send(), "marketing"), (template_send("utility_order_update"), "utility")],
)
def test_status_category_cloud(
    serve: ServerFactory, receiver: Receiver, payload: dict[str, object], category: str
) -> None:
    _, client = serve()
    client.post("/v1/configs/webhook", json={"url": receiver.url})
    assert client.post("/messages", json=payload).status_code == 200
    receiver.wait_for(3)
    assert status_items(receiver)[0]["pricing"]["category"] == category


def test_us_recipient_marketing_fails_131049(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve()
    client.post("/waba_webhook", json={"url": receiver.url})
    assert client.post("/marketing_messages", json=template_send(to="+1 650 555 1234")).status_code == 200
    client.post("/_emulator/deliveries/drain")
    receiver.wait_for(1)
    time.sleep(0.05)
    items = status_items(receiver)
    assert [i["status"] for i in items] == ["failed"]
    assert items[0]["errors"][0]["code"] == 131049


def test_phone_webhook_overrides_waba_and_custom_headers(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve()
    client.post("/waba_webhook", json={"url": "http://127.0.0.1:9/never"})
    client.post("/v1/configs/webhook", json={"url": receiver.url, "headers": {"X-Token": "abc"}})
    client.post("/messages", json=text_send())
    receiver.wait_for(3)
    assert receiver.hits[0].headers["x-token"] == "abc"


def test_retries_then_success_with_hmac(serve: ServerFactory, receiver: Receiver) -> None:
    settings = WebhookSettings(secret="s3cret", timeout=2, max_attempts=4, backoff_initial=0.01, backoff_max=0.02)
    _, client = serve(fast_config(webhooks=settings, auto_read=False))
    receiver.fail_first = 2
    client.post("/waba_webhook", json={"url": receiver.url})
    client.post("/messages", json=text_send())
    assert client.post("/_emulator/deliveries/drain", json={"timeout": 5}).json()["pending"] == 0
    hits = receiver.wait_for(2)
    assert receiver.attempts == 4
    assert [h.json["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] for h in hits] == ["sent", "delivered"]
    for hit in hits:
        expected = hmac.new(b"s3cret", hit.raw, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(hit.headers[SIGNATURE_HEADER.lower()], expected)
    log = client.get("/_emulator/deliveries").json()["attempts"]
    assert log[0]["outcome"] == "delivered" and log[0]["attempts"] == 3


def test_retries_give_up(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve(fast_config(auto_read=False))
    receiver.fail_first = 100
    client.post("/waba_webhook", json={"url": receiver.url})
    client.post("/messages", json=text_send())
    client.post("/_emulator/deliveries/drain", json={"timeout": 5})
    log = client.get("/_emulator/deliveries").json()["attempts"]
    assert [entry["outcome"] for entry in log] == ["failed", "failed"]
    assert receiver.attempts == 6


def test_inbound_and_manual_read(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve(fast_config(auto_read=False))
    client.post("/waba_webhook", json={"url": receiver.url})
    inbound = client.post("/_emulator/inbound", json={"from": RECIPIENT, "text": "Hello", "name": "Ana"}).json()
    value = receiver.wait_for(1)[0].json["entry"][0]["changes"][0]["value"]
    (contact,) = value["contacts"]
    assert contact == {"profile": {"name": "Ana"}, "wa_id": RECIPIENT, "user_id": contact["user_id"]}
    message = value["messages"][0]
    assert message["id"] == inbound["message_id"] and message["from"] == RECIPIENT
    assert message["from_user_id"] == contact["user_id"] and contact["user_id"].startswith("BR.")
    assert message["type"] == "text" and message["text"] == {"body": "Hello"}
    message_id = client.post("/messages", json=text_send()).json()["messages"][0]["id"]
    client.post("/_emulator/deliveries/drain")
    assert len(receiver.wait_for(3)) == 3
    assert client.post(f"/_emulator/messages/{message_id}/read").status_code == 200
    receiver.wait_for(4)
    assert receiver.hits[-1].json["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] == "read"


def test_frozen_clock_delays_wait_for_advance(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve(fast_config(delays=DeliveryDelays(0.0, 10.0, 20.0)))
    client.post("/waba_webhook", json={"url": receiver.url})
    client.post("/messages", json=text_send())
    assert client.post("/_emulator/deliveries/drain").json() == {"pending": 2}
    assert receiver.statuses() == ["sent"]
    client.post("/_emulator/clock/advance", json={"seconds": 10})
    assert client.post("/_emulator/deliveries/drain").json() == {"pending": 1}
    client.post("/_emulator/clock/advance", json={"seconds": 10})
    client.post("/_emulator/deliveries/drain")
    assert receiver.statuses() == ["sent", "delivered", "read"]
    timestamps = [int(i["timestamp"]) for i in status_items(receiver)]
    assert timestamps[1] - timestamps[0] == 10 and timestamps[2] - timestamps[0] == 20


def test_ttl_drops_late_statuses(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve(fast_config(delays=DeliveryDelays(0.0, 50_000.0, 60_000.0)))
    client.post("/waba_webhook", json={"url": receiver.url})
    client.post("/marketing_messages", json=template_send(message_send_ttl_seconds=43_200))
    client.post("/_emulator/clock/advance", json={"seconds": 70_000})
    client.post("/_emulator/deliveries/drain")
    assert receiver.statuses() == ["sent"]


def test_real_clock_delays(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve(fast_config(frozen_clock=False, delays=DeliveryDelays(0.0, 0.05, 0.1)))
    client.post("/waba_webhook", json={"url": receiver.url})
    client.post("/messages", json=text_send())
    receiver.wait_for(3, timeout=3)
    assert receiver.statuses() == ["sent", "delivered", "read"]


def test_reset_drops_pending_and_webhooks_are_deterministic(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve(fast_config(delays=DeliveryDelays(0.0, 5.0, 6.0)))

    def script() -> list[bytes]:
        client.post("/waba_webhook", json={"url": receiver.url})
        client.post("/marketing_messages", json=template_send())
        client.post("/_emulator/inbound", json={"from": RECIPIENT, "text": "hi"})
        client.post("/_emulator/clock/advance", json={"seconds": 6})
        client.post("/_emulator/deliveries/drain")
        raw = [h.raw for h in receiver.hits]
        receiver.hits.clear()
        return raw

    first = script()
    assert len(first) == 4
    client.post("/_emulator/reset")
    assert client.get("/waba_webhook").json() == {"url": None}
    assert script() == first
    client.post("/waba_webhook", json={"url": receiver.url})
    client.post("/messages", json=text_send())
    client.post("/_emulator/deliveries/drain")
    assert client.post("/_emulator/reset").json() == {"reset": True}
    assert client.post("/_emulator/deliveries/drain").json() == {"pending": 0}


def test_non_loopback_webhooks_are_not_attempted(serve: ServerFactory) -> None:
    _, client = serve()
    client.post("/waba_webhook", json={"url": "https://hooks.example.com/wa"})
    client.post("/messages", json=text_send())
    client.post("/_emulator/deliveries/drain")
    log = client.get("/_emulator/deliveries").json()["attempts"]
    assert {entry["outcome"] for entry in log} == {"skipped_non_loopback"}


def test_accounts_are_isolated(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve()
    other = {"D360-API-KEY": "emulator-not-onboarded-key"}
    client.post("/waba_webhook", json={"url": receiver.url})
    assert client.get("/waba_webhook", headers=other).json() == {"url": None}
    client.post(
        "/v1/configs/templates", json={"name": "mine", "category": "UTILITY", "language": "en", "components": []}
    )
    names = {t["name"] for t in client.get("/v1/configs/templates", headers=other).json()["waba_templates"]}
    assert "mine" not in names
