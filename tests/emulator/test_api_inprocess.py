"""Every endpoint and every catalogued error, in-process through httpx.ASGITransport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from mmlite_conformance.emulator import NOT_ONBOARDED_API_KEY, EmulatorConfig, RateLimits, create_app
from mmlite_conformance.emulator.assumptions import ASSUMPTIONS
from tests.emulator.emulator_helpers import KEY, RECIPIENT, fast_config, template_send, text_send

pytestmark = [pytest.mark.unit, pytest.mark.anyio]
NOT_ONBOARDED = {"D360-API-KEY": NOT_ONBOARDED_API_KEY}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _client(config: EmulatorConfig) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://emulator", headers=KEY) as c:
        yield c
    await app.state.emulator.aclose()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async for c in _client(fast_config()):
        yield c


def graph_error(response: httpx.Response, wrapped: bool) -> dict[str, Any]:
    body = response.json()
    error: dict[str, Any] = body["detail"]["error"] if wrapped else body["error"]
    assert error["type"] == "OAuthException"
    assert isinstance(error["fbtrace_id"], str) and error["fbtrace_id"]
    return error


@pytest.mark.parametrize("path", ["/marketing_messages", "/mmlite/marketing_messages"])
async def test_mm_lite_send_accepted(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(path, json=template_send(to="+55 21 91234-5678", message_activity_sharing=True))
    assert response.status_code == 200
    body = response.json()
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "+55 21 91234-5678", "wa_id": RECIPIENT}]
    assert body["messages"][0]["id"].startswith("wamid.")
    assert body["messages"][0]["message_status"] == "accepted"


@pytest.mark.parametrize("payload", [text_send(), template_send(), template_send("utility_order_update")])
async def test_cloud_send_accepted(client: httpx.AsyncClient, payload: dict[str, Any]) -> None:
    response = await client.post("/messages", json=payload)
    assert response.status_code == 200
    assert "message_status" not in response.json()["messages"][0]


async def test_cloud_accepts_other_types(client: httpx.AsyncClient) -> None:
    payload = {"messaging_product": "whatsapp", "to": RECIPIENT, "type": "image", "image": {"link": "https://x.y/i"}}
    assert (await client.post("/messages", json=payload)).status_code == 200


@pytest.mark.parametrize("header", [DEFAULT := KEY["D360-API-KEY"], f"Bearer {DEFAULT}"])
async def test_bare_and_bearer_keys(client: httpx.AsyncClient, header: str) -> None:
    response = await client.post("/marketing_messages", json=template_send(), headers={"D360-API-KEY": header})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/messages", "/marketing_messages", "/v1/configs/templates", "/_emulator/account"])
@pytest.mark.parametrize("headers", [{"D360-API-KEY": "wrong"}, {"D360-API-KEY": ""}])
async def test_invalid_token(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> None:
    response = await client.request(
        "GET" if "configs" in path or "_emulator" in path else "POST", path, json={}, headers=headers
    )
    assert response.status_code == 401
    assert response.json() == {"error": "Invalid api token."}


async def test_missing_key() -> None:
    app = create_app(fast_config())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://e") as c:
        response = await c.post("/marketing_messages", json=template_send())
    assert response.status_code == 401 and response.json() == {"error": "Invalid api token."}


# (path, payload, headers, status, code, wrapped, message fragment, details fragment)
ERROR_CASES: list[tuple[str, dict[str, Any], dict[str, str] | None, int, int, bool, str, str | None]] = [
    (
        "/marketing_messages",
        text_send(),
        None,
        400,
        100,
        True,
        "(#100) Invalid parameter",
        "Message must be a template",
    ),
    (
        "/marketing_messages",
        template_send("utility_order_update"),
        None,
        400,
        131055,
        True,
        "(#131055) Method not allowed",
        "Only marketing template messages are supported",
    ),
    (
        "/marketing_messages",
        template_send("authentication_code"),
        None,
        400,
        131055,
        True,
        "Method not allowed",
        "Only marketing",
    ),
    (
        "/marketing_messages",
        template_send(),
        NOT_ONBOARDED,
        403,
        131055,
        True,
        "(#200) You must accept the Marketing Messages Lite API terms to use the API.",
        None,
    ),
    ("/marketing_messages", template_send("nope"), None, 400, 132001, True, "(#132001)", "template name (nope)"),
    ("/messages", template_send("nope"), None, 400, 132001, False, "(#132001)", "does not exist in en"),
    (
        "/marketing_messages",
        template_send(message_send_ttl_seconds=43199),
        None,
        400,
        100,
        True,
        "Invalid parameter",
        "message_send_ttl_seconds",
    ),
    (
        "/mmlite/marketing_messages",
        template_send(message_send_ttl_seconds=2592001),
        None,
        400,
        100,
        True,
        "Invalid parameter",
        "43200",
    ),
    (
        "/marketing_messages",
        {**template_send(), "to": None},
        None,
        400,
        100,
        True,
        "Invalid parameter",
        "to is required",
    ),
    (
        "/messages",
        {"to": RECIPIENT, "type": "text", "text": {"body": "x"}},
        None,
        400,
        100,
        False,
        "",
        "messaging_product",
    ),
    ("/messages", {**text_send(), "type": None}, None, 400, 100, False, "", "type is required"),
    ("/messages", {**text_send(), "to": "12"}, None, 400, 100, False, "", "phone number"),
    ("/messages", {**text_send(), "text": {}}, None, 400, 100, False, "", "text.body is required"),
    ("/messages", {**text_send(), "text": {"body": "x" * 4097}}, None, 400, 100, False, "", "4096"),
    ("/messages", {**text_send(), "type": "hologram"}, None, 400, 100, False, "", "Unsupported message type"),
    ("/messages", {**template_send(), "template": {"language": {"code": "en"}}}, None, 400, 100, False, "", "name"),
    ("/messages", {**template_send(), "template": {"name": "x"}}, None, 400, 100, False, "", "template.language"),
    (
        "/messages",
        {**template_send(), "template": {"name": "x", "language": {}}},
        None,
        400,
        100,
        False,
        "",
        "template.language.code",
    ),
    (
        "/marketing_messages",
        {**template_send(), "recipient_type": "group"},
        None,
        400,
        100,
        True,
        "",
        "recipient_type",
    ),
    (
        "/marketing_messages",
        template_send(message_activity_sharing="yes"),
        None,
        400,
        100,
        True,
        "",
        "message_activity_sharing",
    ),
]


@pytest.mark.parametrize(("path", "payload", "headers", "status", "code", "wrapped", "message", "details"), ERROR_CASES)
async def test_error_catalogue(
    client: httpx.AsyncClient,
    path: str,
    payload: dict[str, Any],
    headers: dict[str, str] | None,
    status: int,
    code: int,
    wrapped: bool,
    message: str,
    details: str | None,
) -> None:
    response = await client.post(path, json=payload, headers=headers)
    assert response.status_code == status, response.text
    error = graph_error(response, wrapped)
    assert error["code"] == code
    assert message in error["message"]
    if details is None:
        assert "error_data" not in error
    else:
        assert details in error["error_data"]["details"]
        assert error["error_data"]["messaging_product"] == "whatsapp"


@pytest.mark.parametrize("path", ["/messages", "/marketing_messages"])
@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b"{not json", "application/json"), (b"[1]", "application/json"), (b"{}", "text/plain"), (b"", "")],
)
async def test_malformed_bodies_are_graph_100(
    client: httpx.AsyncClient, path: str, content: bytes, content_type: str
) -> None:
    response = await client.post(path, content=content, headers={"content-type": content_type} if content_type else {})
    assert response.status_code == 400
    assert graph_error(response, path != "/messages")["code"] == 100


async def test_template_sync_delay_then_usable(client: httpx.AsyncClient) -> None:
    created = await client.post(
        "/v1/configs/templates",
        json={"name": "fresh_promo", "category": "MARKETING", "language": "en", "components": [{"type": "BODY"}]},
    )
    assert created.status_code == 200
    assert created.json()["status"] == "PENDING" and created.json()["category"] == "MARKETING"
    send = template_send("fresh_promo")
    assert (await client.post("/messages", json=send)).status_code == 200  # Cloud API ignores the ad sync
    early = await client.post("/marketing_messages", json=send)
    assert early.status_code == 400 and graph_error(early, True)["code"] == 131009
    await client.post("/_emulator/clock/advance", json={"seconds": 599})
    assert (await client.post("/marketing_messages", json=send)).status_code == 400
    await client.post("/_emulator/clock/advance", json={"seconds": 1})
    assert (await client.post("/marketing_messages", json=send)).status_code == 200


async def test_template_approval_delay() -> None:
    async for c in _client(fast_config(template_approval_delay=30)):
        body = {"name": "later", "category": "UTILITY", "language": "en", "components": []}
        assert (await c.post("/v1/configs/templates", json=body)).status_code == 200
        listed = {t["name"]: t for t in (await c.get("/v1/configs/templates")).json()["waba_templates"]}
        assert listed["later"]["status"] == "PENDING"
        assert graph_error(await c.post("/messages", json=template_send("later")), False)["code"] == 132001
        await c.post("/_emulator/clock/advance", json={"seconds": 30})
        listed = {t["name"]: t for t in (await c.get("/v1/configs/templates")).json()["waba_templates"]}
        assert listed["later"]["status"] == "APPROVED"


async def test_template_list_and_validation(client: httpx.AsyncClient) -> None:
    listing = (await client.get("/v1/configs/templates")).json()
    names = {t["name"]: t for t in listing["waba_templates"]}
    assert {"marketing_text_no_param", "utility_order_update", "authentication_code"} <= names.keys()
    assert names["marketing_text_no_param"]["category"] == "MARKETING"
    assert names["marketing_text_no_param"]["components"][0]["text"].startswith("Marketing Text message from +55")
    assert listing["count"] == listing["total"] == 3 and listing["offset"] == 0
    for item in listing["waba_templates"]:
        assert {"name", "language", "category", "status", "components", "id", "namespace"} <= item.keys()
    page = (await client.get("/v1/configs/templates", params={"limit": 1, "offset": 1})).json()
    assert page["count"] == 1 and page["total"] == 3 and page["waba_templates"][0]["name"] == "utility_order_update"
    assert (await client.get("/v1/configs/templates", params={"limit": "x"})).status_code == 400
    good = {"name": "ttl_promo", "category": "MARKETING", "language": "en", "components": []}
    for bad in (
        {**good, "name": "Bad Name"},
        {**good, "name": "x" * 513},
        {**good, "category": "PROMO"},
        {**good, "language": ""},
        {**good, "components": "nope"},
        {**good, "message_send_ttl_seconds": 120},
    ):
        response = await client.post("/v1/configs/templates", json=bad)
        assert response.status_code == 400 and graph_error(response, False)["code"] == 100
    assert (
        await client.post("/v1/configs/templates", json={**good, "message_send_ttl_seconds": 43200})
    ).status_code == 200
    duplicate = await client.post("/v1/configs/templates", json=good)
    assert duplicate.status_code == 400
    listed = {t["name"]: t for t in (await client.get("/v1/configs/templates")).json()["waba_templates"]}
    assert listed["ttl_promo"]["message_send_ttl_seconds"] == 43200


@pytest.mark.parametrize("path", ["/waba_webhook", "/v1/configs/webhook"])
async def test_webhook_configuration(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).json() == {"url": None}
    ok = await client.post(path, json={"url": "https://hooks.example.com/wa", "headers": {"Authorization": "s"}})
    assert ok.status_code == 200 and ok.json()["url"] == "https://hooks.example.com/wa"
    assert (await client.get(path)).json() == {"url": "https://hooks.example.com/wa"}
    assert (await client.post(path, json={"url": "http://127.0.0.1:8080/hook"})).status_code == 200
    assert (await client.post(path, json={"url": "http://localhost:9/x"})).status_code == 200
    for bad in ("https://my_hook.example.com/", "https://hooks.example.com:8443/", "ftp://x.example.com", "nope", ""):
        response = await client.post(path, json={"url": bad})
        assert response.status_code == 400 and graph_error(response, False)["code"] == 100
    assert (await client.post(path, json={"url": "https://a.example.com", "headers": {"a": 1}})).status_code == 400


async def test_account_onboarding_toggle(client: httpx.AsyncClient) -> None:
    account = (await client.get("/_emulator/account", headers=NOT_ONBOARDED)).json()
    assert account["mm_lite_onboarded"] is False
    assert (await client.post("/marketing_messages", json=template_send(), headers=NOT_ONBOARDED)).status_code == 403
    put = await client.put("/_emulator/account", json={"mm_lite_onboarded": True}, headers=NOT_ONBOARDED)
    assert put.json()["mm_lite_onboarded"] is True
    assert (await client.post("/marketing_messages", json=template_send(), headers=NOT_ONBOARDED)).status_code == 200
    assert (await client.put("/_emulator/account", json={"mm_lite_onboarded": "yes"})).status_code == 400
    await client.post("/_emulator/reset")
    assert (await client.get("/_emulator/account", headers=NOT_ONBOARDED)).json()["mm_lite_onboarded"] is False


async def test_clock_endpoints(client: httpx.AsyncClient) -> None:
    start = (await client.get("/_emulator/clock")).json()["now"]
    moved = (await client.post("/_emulator/clock/advance", json={"seconds": 12.5})).json()["now"]
    assert moved == start + 12.5
    for bad in ({}, {"seconds": -1}, {"seconds": "1"}, {"seconds": True}, {"seconds": 1e300}):
        assert (await client.post("/_emulator/clock/advance", json=bad)).status_code == 400
    await client.post("/_emulator/reset")
    assert (await client.get("/_emulator/clock")).json()["now"] == start


async def test_control_misc(client: httpx.AsyncClient) -> None:
    assert (await client.post("/_emulator/deliveries/drain")).json() == {"pending": 0}
    assert (await client.post("/_emulator/deliveries/drain", json={"timeout": 61})).status_code == 400
    assert (await client.get("/_emulator/deliveries")).json()["pending"] == 0
    faults = (await client.get("/_emulator/faults")).json()
    assert faults["active"] == [] and len(faults["catalogue"]) >= 15
    assert (await client.post("/_emulator/messages/wamid.nope/read")).status_code == 404
    inbound = await client.post("/_emulator/inbound", json={"from": RECIPIENT, "text": "Hello"})
    assert inbound.status_code == 200 and inbound.json()["message_id"].startswith("wamid.")
    assert (await client.post("/_emulator/inbound", json={"from": "abc", "text": "Hello"})).status_code == 400
    assert (await client.post("/_emulator/inbound", json={"from": RECIPIENT})).status_code == 400
    assert (await client.get("/nowhere")).status_code == 404
    assert (await client.get("/messages")).status_code == 405


async def test_rate_limits() -> None:
    async for c in _client(fast_config(rate_limits=RateLimits(True, 5.0, 3, 6.0))):
        for _ in range(3):
            assert (await c.post("/messages", json=text_send())).status_code == 200
        pair = await c.post("/marketing_messages", json=template_send())
        assert pair.status_code == 429 and pair.headers["retry-after"] == "6"
        assert graph_error(pair, True)["code"] == 131056
        assert (await c.post("/messages", json=text_send(to="5521900000001"))).status_code == 200
        assert (await c.post("/messages", json=text_send(to="5521900000002"))).status_code == 200
        throughput = await c.post("/messages", json=text_send(to="5521900000003"))
        assert throughput.status_code == 429 and "retry-after" in throughput.headers
        assert graph_error(throughput, False)["code"] == 130429
        await c.post("/_emulator/clock/advance", json={"seconds": 6})
        assert (await c.post("/messages", json=text_send())).status_code == 200


async def test_no_rate_limits() -> None:
    async for c in _client(fast_config(rate_limits=RateLimits(False, 1.0, 1, 6.0))):
        for _ in range(5):
            assert (await c.post("/messages", json=text_send())).status_code == 200


async def test_openapi_lists_endpoints_and_assumptions(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["D360-API-KEY"]["in"] == "header"
    assert [a["id"] for a in spec["x-assumptions"]] == [a.id for a in ASSUMPTIONS]
    for path in (
        "/messages",
        "/marketing_messages",
        "/mmlite/marketing_messages",
        "/waba_webhook",
        "/v1/configs/webhook",
        "/v1/configs/templates",
        "/_emulator/reset",
        "/_emulator/clock/advance",
        "/_emulator/inbound",
        "/_emulator/account",
        "/_emulator/deliveries/drain",
        "/_emulator/faults",
    ):
        assert path in spec["paths"]


async def test_determinism_after_reset(client: httpx.AsyncClient) -> None:
    async def script() -> list[bytes]:
        out = []
        for path, payload in (
            ("/marketing_messages", template_send()),
            ("/marketing_messages", text_send()),
            ("/messages", text_send()),
            ("/v1/configs/templates", {"name": "d", "category": "MARKETING", "language": "en", "components": []}),
            ("/marketing_messages", template_send("d")),
        ):
            out.append((await client.post(path, json=payload)).content)
        out.append((await client.get("/v1/configs/templates")).content)
        return out

    first = await script()
    await client.post("/_emulator/reset")
    assert await script() == first
    other = create_app(fast_config(seed=7))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url="http://e", headers=KEY) as c2:
        seeded = (await c2.post("/marketing_messages", json=template_send())).content
    assert seeded != first[0]


async def test_bounded_message_store() -> None:
    async for c in _client(fast_config(max_messages_per_account=5, rate_limits=RateLimits(enabled=False))):
        ids = [(await c.post("/messages", json=text_send())).json()["messages"][0]["id"] for _ in range(8)]
        assert (await c.get("/_emulator/account")).json()["messages"] == 5
        assert (await c.post(f"/_emulator/messages/{ids[0]}/read")).status_code == 404
        assert (await c.post(f"/_emulator/messages/{ids[-1]}/read")).status_code == 200
