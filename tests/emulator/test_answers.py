"""Armed answers: served `times` then normal processing, `to` matching, error keys, auth first, per account."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mmlite_conformance.emulator import NOT_ONBOARDED_API_KEY
from tests.emulator.emulator_helpers import (
    KEY,
    Receiver,
    ServerFactory,
    asgi_client,
    fast_config,
    template_send,
    text_send,
)

pytestmark = [pytest.mark.unit, pytest.mark.anyio]
BAD_REQUEST = {"error": {"message": "custom", "code": 131000}}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def arm(client: httpx.AsyncClient, **spec: Any) -> dict[str, Any]:
    response = await client.post("/_emulator/answers", json={"method": "POST", "path": "/marketing_messages", **spec})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def test_served_once_then_normal_processing() -> None:
    async with asgi_client(fast_config(journal=True)) as client:
        armed = await arm(client, status=400, body=BAD_REQUEST, headers={"X-Test": "1"})
        assert armed == {
            "id": "a1",
            "method": "POST",
            "path": "/marketing_messages",
            "status": 400,
            "body": BAD_REQUEST,
            "headers": {"X-Test": "1"},
            "times": 1,
            "served": 0,
            "remaining": 1,
        }
        first = await client.post("/marketing_messages", json=template_send())
        assert (first.status_code, first.json(), first.headers["x-test"]) == (400, BAD_REQUEST, "1")
        assert (await client.get("/_emulator/account")).json()["messages"] == 0  # nothing was sent
        second = await client.post("/marketing_messages", json=template_send())
        assert second.status_code == 200 and second.json()["messages"][0]["message_status"] == "accepted"
        listed = (await client.get("/_emulator/answers")).json()
        assert [(a["id"], a["served"], a["remaining"]) for a in listed["answers"]] == [("a1", 1, 0)]
        assert "non_marketing_template" in listed["errors"] and "invalid_token" in listed["errors"]
        journal = (await client.get("/_emulator/journal")).json()["entries"]
        assert [e["armed"] for e in journal] == ["a1", None]


def test_no_webhook_for_an_answered_send(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve()
    client.post("/waba_webhook", json={"url": receiver.url})
    client.post("/_emulator/answers", json={"method": "POST", "path": "/marketing_messages", "status": 200, "body": {}})
    assert client.post("/marketing_messages", json=template_send()).json() == {}
    client.post("/_emulator/deliveries/drain", json={"timeout": 5})
    assert receiver.hits == [] and client.get("/_emulator/deliveries").json()["attempts"] == []


async def test_times_order_and_to_matching() -> None:
    async with asgi_client() as client:
        await arm(client, status=500, body={"n": 1}, times=2, to="+55 (21) 91234-5678")
        await arm(client, status=503, text="<html>busy</html>")
        other = await client.post("/marketing_messages", json=template_send(to="5511999990000"))
        assert other.status_code == 503 and other.text == "<html>busy</html>"
        assert other.headers["content-type"].startswith("text/plain")
        for _ in range(2):
            assert (await client.post("/marketing_messages", json=template_send())).json() == {"n": 1}
        assert (await client.post("/marketing_messages", json=template_send())).status_code == 200
        assert (
            await client.post("/marketing_messages", content=b"{bad", headers={"content-type": "x"})
        ).status_code == 400


@pytest.mark.parametrize(
    ("path", "key", "normal_request"),
    [
        ("/marketing_messages", "non_template", lambda c: c.post("/marketing_messages", json=text_send())),
        (
            "/marketing_messages",
            "non_marketing_template",
            lambda c: c.post("/marketing_messages", json=template_send("utility_order_update")),
        ),
        (
            "/marketing_messages",
            "terms_not_accepted",
            lambda c: c.post(
                "/marketing_messages", json=template_send(), headers={"D360-API-KEY": NOT_ONBOARDED_API_KEY}
            ),
        ),
        ("/messages", "template_not_found", lambda c: c.post("/messages", json=template_send("nope"))),
    ],
)
async def test_error_key_renders_like_the_emulator(path: str, key: str, normal_request: Any) -> None:
    async with asgi_client() as normal:
        expected = await normal_request(normal)
    async with asgi_client() as client:
        headers = {"D360-API-KEY": NOT_ONBOARDED_API_KEY} if key == "terms_not_accepted" else KEY
        armed = await client.post(
            "/_emulator/answers", json={"method": "POST", "path": path, "error": key}, headers=headers
        )
        assert armed.json()["error"] == key
        got = await client.post(path, json=template_send(), headers=headers)
    if key == "template_not_found":  # the catalogue's generic details, not the per-template text
        expected_error = expected.json()["error"]
        assert got.json()["error"]["code"] == expected_error["code"] == 132001
        assert got.status_code == expected.status_code
        return
    assert (got.status_code, got.content) == (expected.status_code, expected.content)


async def test_rate_limit_and_invalid_token_keys() -> None:
    async with asgi_client() as client:
        await arm(client, error="rate_limited")
        await arm(client, error="pair_rate", retry_after=7)
        await arm(client, error="invalid_token")
        throughput = await client.post("/marketing_messages", json=template_send())
        assert throughput.status_code == 429 and throughput.headers["retry-after"] == "1"
        assert throughput.json()["detail"]["error"]["code"] == 130429
        pair = await client.post("/marketing_messages", json=template_send())
        assert pair.headers["retry-after"] == "7" and pair.json()["detail"]["error"]["code"] == 131056
        token = await client.post("/marketing_messages", json=template_send())
        assert (token.status_code, token.json()) == (401, {"error": "Invalid api token."})


async def test_authentication_first_and_per_account() -> None:
    async with asgi_client() as client:
        await arm(client, status=418, body={})
        wrong = await client.post("/marketing_messages", json=template_send(), headers={"D360-API-KEY": "wrong"})
        assert wrong.status_code == 401
        other = {"D360-API-KEY": NOT_ONBOARDED_API_KEY}
        assert (await client.post("/marketing_messages", json=template_send(), headers=other)).status_code == 403
        assert (await client.get("/_emulator/answers", headers=other)).json()["answers"] == []
        assert (await client.get("/_emulator/answers")).json()["answers"][0]["served"] == 0
        assert (await client.post("/marketing_messages", json=template_send())).status_code == 418


async def test_clear_and_reset() -> None:
    async with asgi_client() as client:
        await arm(client, status=500, body={}, times=3)
        assert (await client.delete("/_emulator/answers")).json() == {"cleared": 1}
        assert (await client.post("/marketing_messages", json=template_send())).status_code == 200
        await arm(client, status=500, body={})
        await client.post("/_emulator/reset")
        assert (await client.post("/marketing_messages", json=template_send())).status_code == 200


@pytest.mark.parametrize(
    "spec",
    [
        {"method": "POST", "path": "/nope", "status": 400},
        {"method": "DELETE", "path": "/messages", "status": 400},
        {"method": "POST", "path": "/_emulator/reset", "status": 400},
        {"method": "POST", "path": ["/messages"], "status": 400},
        {"method": "POST", "path": "/messages"},
        {"method": "POST", "path": "/messages", "status": 99},
        {"method": "POST", "path": "/messages", "error": "nope"},
        {"method": "POST", "path": "/messages", "error": "non_template", "status": 400},
        {"method": "POST", "path": "/messages", "status": 400, "body": {}, "text": "x"},
        {"method": "POST", "path": "/messages", "status": 400, "times": 0},
        {"method": "POST", "path": "/messages", "status": 400, "to": "abc"},
        {"method": "POST", "path": "/messages", "status": 400, "headers": {"Content-Length": "1"}},
        {"method": "POST", "path": "/messages", "status": 400, "headers": {"X": "a\nb"}},
        {"method": "POST", "path": "/messages", "status": 400, "retry_after": 1},
        {"method": "POST", "path": "/messages", "status": 400, "unknown": 1},
    ],
)
async def test_arming_is_validated(spec: dict[str, Any]) -> None:
    async with asgi_client() as client:
        response = await client.post("/_emulator/answers", json=spec)
        assert response.status_code == 400 and response.json()["error"]["code"] == 100
        assert (await client.post("/_emulator/answers", json=spec, headers={"D360-API-KEY": "x"})).status_code == 401


async def test_config_routes_can_be_armed_too() -> None:
    async with asgi_client() as client:
        spec = {"method": "GET", "path": "/v1/configs/templates", "status": 200, "body": {"waba_templates": []}}
        assert (await client.post("/_emulator/answers", json=spec)).status_code == 200
        assert (await client.get("/v1/configs/templates")).json() == {"waba_templates": []}
        assert (await client.get("/v1/configs/templates")).json()["total"] == 3
