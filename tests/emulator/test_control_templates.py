"""Control templates (create, category/status change, sync) and PUT /_emulator/account with api_key_valid."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.emulator.emulator_helpers import asgi_client, fast_config, template_send

pytestmark = [pytest.mark.unit, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def listed(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    templates = (await client.get("/v1/configs/templates")).json()["waba_templates"]
    found: dict[str, Any] = next(t for t in templates if t["name"] == name)
    return found


async def mm_send(client: httpx.AsyncClient, name: str) -> httpx.Response:
    return await client.post("/marketing_messages", json=template_send(name))


async def test_category_change_routes_sends() -> None:
    async with asgi_client(fast_config(journal=True)) as client:
        created = await client.post(
            "/_emulator/templates", json={"name": "order_news", "language": "en", "category": "UTILITY"}
        )
        assert created.status_code == 200
        body = created.json()
        assert (body["status"], body["category"], body["synced"], body["replaced"]) == (
            "APPROVED",
            "UTILITY",
            True,
            False,
        )
        assert (await listed(client, "order_news"))["category"] == "UTILITY"
        refused = await mm_send(client, "order_news")
        assert refused.status_code == 400 and refused.json()["detail"]["error"]["code"] == 131055
        assert (await client.post("/messages", json=template_send("order_news"))).status_code == 200
        patched = await client.patch("/_emulator/templates/order_news/en", json={"category": "MARKETING"})
        assert patched.json()["category"] == "MARKETING" and patched.json()["id"] == body["id"]
        assert (await listed(client, "order_news"))["category"] == "MARKETING"
        assert (await mm_send(client, "order_news")).status_code == 200
        journal = (await client.get("/_emulator/journal")).json()["entries"]
        assert all(not e["path"].startswith("/_emulator") for e in journal)  # only API requests


async def test_unsynced_template_waits_for_the_sync_delay() -> None:
    async with asgi_client(fast_config(template_sync_delay=600)) as client:
        spec = {"name": "fresh", "language": "pt_BR", "category": "MARKETING", "synced": False}
        assert (await client.post("/_emulator/templates", json=spec)).json()["synced"] is False
        payload = template_send("fresh")
        payload["template"]["language"]["code"] = "pt_BR"
        early = await client.post("/marketing_messages", json=payload)
        assert early.status_code == 400 and early.json()["detail"]["error"]["code"] == 131009
        await client.post("/_emulator/clock/advance", json={"seconds": 600})
        assert (await client.post("/marketing_messages", json=payload)).status_code == 200


async def test_status_replace_and_validation() -> None:
    async with asgi_client() as client:
        spec = {"name": "promo", "language": "en", "category": "MARKETING", "status": "PAUSED"}
        first = (await client.post("/_emulator/templates", json=spec)).json()
        assert first["status"] == "PAUSED"
        paused = await mm_send(client, "promo")
        assert paused.status_code == 400 and paused.json()["detail"]["error"]["code"] == 132001
        assert (await client.patch("/_emulator/templates/promo/en", json={"status": "APPROVED"})).status_code == 200
        assert (await mm_send(client, "promo")).status_code == 200
        replaced = (await client.post("/_emulator/templates", json={**spec, "status": "APPROVED"})).json()
        assert replaced["replaced"] is True and replaced["id"] == first["id"]
        replaced_predefined = await client.post(
            "/_emulator/templates", json={"name": "marketing_text_no_param", "language": "en", "category": "UTILITY"}
        )
        assert replaced_predefined.json()["category"] == "UTILITY"
        assert (await mm_send(client, "marketing_text_no_param")).status_code == 400
        assert (await client.patch("/_emulator/templates/nope/en", json={"category": "UTILITY"})).status_code == 404
        for bad in (
            {},
            {"category": "PROMO"},
            {"status": "GONE"},
            {"category": "UTILITY", "extra": 1},
        ):
            assert (await client.patch("/_emulator/templates/promo/en", json=bad)).status_code == 400, bad
        for bad_create in (
            {"name": "Bad Name", "language": "en", "category": "MARKETING"},
            {"name": "x", "language": "en"},
            {"name": "x", "language": "en", "category": "MARKETING", "synced": "yes"},
            {"name": "x", "language": "en", "category": "MARKETING", "message_send_ttl_seconds": 5},
            {"name": "x", "language": "en", "category": "MARKETING", "components": "BODY"},
        ):
            assert (await client.post("/_emulator/templates", json=bad_create)).status_code == 400, bad_create
        assert (await client.post("/_emulator/templates", json=spec, headers={"D360-API-KEY": "x"})).status_code == 401


async def test_api_key_can_be_disabled_and_enabled() -> None:
    async with asgi_client() as client:
        off = await client.put("/_emulator/account", json={"api_key_valid": False})
        assert off.json()["api_key_valid"] is False and off.json()["mm_lite_onboarded"] is True
        for response in (
            await mm_send(client, "marketing_text_no_param"),
            await client.get("/v1/configs/templates"),
            await client.post("/waba_webhook", json={"url": "http://127.0.0.1:9/x"}),
        ):
            assert (response.status_code, response.json()) == (401, {"error": "Invalid api token."})
        assert (await client.get("/_emulator/account")).status_code == 200  # the control surface still knows the key
        await client.put("/_emulator/account", json={"api_key_valid": True})
        assert (await mm_send(client, "marketing_text_no_param")).status_code == 200
        await client.put("/_emulator/account", json={"api_key_valid": False, "mm_lite_onboarded": False})
        await client.post("/_emulator/reset")
        account = (await client.get("/_emulator/account")).json()
        assert account["api_key_valid"] is True and account["mm_lite_onboarded"] is True


@pytest.mark.parametrize("body", [{}, {"api_key_valid": "no"}, {"mm_lite_onboarded": 1}, {"other": True}])
async def test_put_account_needs_a_boolean_field(body: dict[str, Any]) -> None:
    async with asgi_client() as client:
        response = await client.put("/_emulator/account", json=body)
        assert response.status_code == 400 and response.json()["error"]["code"] == 100


async def test_onboarding_field_still_works_alone() -> None:
    async with asgi_client() as client:
        assert (await client.put("/_emulator/account", json={"mm_lite_onboarded": False})).status_code == 200
        refused = await mm_send(client, "marketing_text_no_param")
        assert refused.status_code == 403
