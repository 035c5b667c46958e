"""The request journal: every auth form, unmatched paths, exclusions, bodies, paging with after=, the bound."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from mmlite_conformance.emulator import DEFAULT_API_KEY, EmulatorServer, create_app
from mmlite_conformance.emulator.dispatch import StaticRoutes
from mmlite_conformance.emulator.journal import STORE_LIMIT, TEXT_LIMIT, Journal, auth_form, content
from mmlite_conformance.emulator.limits import LimitsMiddleware
from tests.emulator.emulator_helpers import KEY, RECIPIENT, asgi_client, fast_config, template_send

pytestmark = [pytest.mark.unit, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def entries(client: httpx.AsyncClient, after: int = 0) -> list[dict[str, Any]]:
    response = await client.get("/_emulator/journal", params={"after": after})
    assert response.status_code == 200
    page: list[dict[str, Any]] = response.json()["entries"]
    return page


async def test_off_by_default_no_middleware_and_a_clear_error() -> None:
    app = create_app(fast_config())
    middleware = [repr(m).split("(")[1].split(",")[0] for m in app.user_middleware]
    assert middleware == [LimitsMiddleware.__name__, StaticRoutes.__name__]  # no journal between them
    assert app.state.emulator.journal is None
    async with asgi_client() as client:
        response = await client.get("/_emulator/journal")
        assert response.status_code == 400
        assert "--journal" in response.json()["error"]["error_data"]["details"]


@pytest.mark.parametrize(
    ("headers", "form", "valid", "account"),
    [
        ({"D360-API-KEY": DEFAULT_API_KEY}, "bare", True, "sandbox"),
        ({"D360-API-KEY": f"Bearer {DEFAULT_API_KEY}"}, "bearer", True, "sandbox"),
        ({"D360-API-KEY": "wrong"}, "bare", False, None),
        ({"D360-API-KEY": "Bearer wrong"}, "bearer", False, None),
        ({"D360-API-KEY": ""}, "other", False, None),
        ({"D360-API-KEY": f"bearer  {DEFAULT_API_KEY}"}, "other", True, "sandbox"),
        ({"Authorization": f"Bearer {DEFAULT_API_KEY}"}, "other", False, None),
        ({}, "missing", False, None),
    ],
)
async def test_every_auth_form(headers: dict[str, str], form: str, valid: bool, account: str | None) -> None:
    async with asgi_client(fast_config(journal=True)) as client:
        client.headers.pop("D360-API-KEY")
        before = time.time() * 1000
        response = await client.post("/marketing_messages?x=1", json=template_send(), headers=headers)
        (entry,) = await entries(client)
    assert entry["auth"] == {"form": form, "valid": valid}
    assert entry["account"] == account
    assert DEFAULT_API_KEY not in str(entry["auth"]) and entry["account"] != DEFAULT_API_KEY
    assert entry["seq"] == 1 and before <= entry["time_ms"] <= time.time() * 1000
    assert (entry["method"], entry["path"], entry["query"], entry["surface"]) == (
        "POST",
        "/marketing_messages",
        "x=1",
        "360dialog",
    )
    assert entry["content_type"] == "application/json" and entry["body"] == template_send()
    assert entry["response"]["status"] == response.status_code == (200 if valid else 401)
    assert entry["response"]["body"] == response.json()
    assert entry["response"]["headers"] == {"content-type": "application/json"}
    assert entry["armed"] is None


async def test_unmatched_paths_methods_and_exclusions() -> None:
    async with asgi_client(fast_config(journal=True)) as client:
        assert (await client.get("/v17.0/123/messages")).status_code == 404
        assert (await client.get("/marketing_messages")).status_code == 405
        await client.get("/openapi.json")
        await client.get("/_emulator/account")
        await client.post("/_emulator/reset")
        await client.post("/messages", content=b"{not json", headers={"content-type": "text/plain"})
        await client.get("/v1/configs/templates", params={"limit": 1})
        got = await entries(client)
    assert [(e["method"], e["path"], e["surface"], e["response"]["status"]) for e in got] == [
        ("GET", "/v17.0/123/messages", "unknown", 404),
        ("GET", "/marketing_messages", "360dialog", 405),
        ("POST", "/messages", "360dialog", 400),
        ("GET", "/v1/configs/templates", "360dialog", 200),
    ]
    assert got[0]["body"] is None and got[0]["response"]["body"]["error"]["code"] == 100
    assert got[2]["body"] == {"text": "{not json"} and got[2]["content_type"] == "text/plain"
    assert got[3]["query"] == "limit=1" and got[3]["response"]["body"]["count"] == 1


async def test_after_paging_and_clearing() -> None:
    async with asgi_client(fast_config(journal=True)) as client:
        for _ in range(5):
            await client.get("/waba_webhook")
        assert [e["seq"] for e in await entries(client, 2)] == [3, 4, 5]
        assert await entries(client, 5) == [] and await entries(client, 99) == []
        assert (await client.get("/_emulator/journal")).json()["last"] == 5
        assert (await client.get("/_emulator/journal", params={"after": "-1"})).status_code == 400
        assert (await client.delete("/_emulator/journal")).json() == {"cleared": 5, "last": 5}
        await client.get("/waba_webhook")
        assert [e["seq"] for e in await entries(client)] == [6]


async def test_bounded() -> None:
    async with asgi_client(fast_config(journal=True, max_journal_entries=3)) as client:
        for _ in range(7):
            await client.get("/waba_webhook")
        assert [e["seq"] for e in await entries(client)] == [5, 6, 7]
        assert [e["seq"] for e in await entries(client, 5)] == [6, 7]
        assert (await client.get("/_emulator/journal")).json()["last"] == 7


async def test_response_headers_and_reset_keeps_the_journal() -> None:
    config = fast_config(journal=True)
    async with asgi_client(config) as client:
        await client.post("/_emulator/answers", json={"method": "POST", "path": "/messages", "error": "throughput"})
        await client.post("/messages", json=template_send())
        await client.post("/_emulator/reset")
        (entry,) = await entries(client)
    assert entry["response"]["status"] == 429
    assert entry["response"]["headers"] == {"content-type": "application/json", "retry-after": "1"}
    assert entry["armed"] == "a1"


def test_body_rendering_and_auth_form_units() -> None:
    assert content(b"") is None and content(b'{"a": 1}') == {"a": 1} and content(b"[1]") == [1]
    big = content(b"x" * (TEXT_LIMIT + 10))
    assert big == {"text": "x" * TEXT_LIMIT}
    assert content(b"\xff\xfe") == {"text": "\ufffd\ufffd"}
    assert auth_form("k", False) == "bare" and auth_form("Bearer k", True) == "bearer"
    assert auth_form(None, True) == "other" and auth_form(None, False) == "missing"
    assert auth_form("Bearer ", False) == "other" and auth_form("a b", False) == "other"


def test_bodies_are_kept_as_bounded_bytes_and_parsed_on_read() -> None:
    journal = Journal(2)
    huge = b'{"a": "' + b"x" * STORE_LIMIT + b'"}'
    journal.add({"response": {"status": 200, "headers": {}}, "armed": None}, huge, b'{"ok": true}')
    (entry,) = journal.after(0)
    assert len(journal.entries[0].request_body) == STORE_LIMIT
    assert entry["body"] == {"text": huge[:TEXT_LIMIT].decode()}
    assert entry["response"] == {"status": 200, "headers": {}, "body": {"ok": True}} and entry["seq"] == 1


def test_over_real_http_the_body_reaches_the_route() -> None:
    with EmulatorServer(fast_config(journal=True)) as server, httpx.Client(base_url=server.base_url) as client:
        sent = client.post("/marketing_messages", json=template_send(), headers=KEY)
        assert sent.status_code == 200
        (entry,) = client.get("/_emulator/journal").json()["entries"]
    assert entry["body"]["to"] == RECIPIENT and entry["response"]["body"] == sent.json()
