"""360dialog's smart routing on /messages (A84-A86): off bills marketing (A23); on routes via MM Lite or falls back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from mmlite_conformance.emulator import DEFAULT_API_KEY, create_app
from mmlite_conformance.emulator import faults as fx
from mmlite_conformance.emulator.config import NOT_ONBOARDED_API_KEY
from mmlite_conformance.emulator.routing import Route, route_cloud_send
from mmlite_conformance.emulator.state import EmulatorState, MessageRecord
from tests.emulator.emulator_helpers import KEY, Receiver, ServerFactory, fast_config, template_send, text_send

pytestmark = [pytest.mark.unit, pytest.mark.anyio]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@asynccontextmanager
async def emulator(**overrides: Any) -> AsyncIterator[tuple[httpx.AsyncClient, EmulatorState]]:
    app = create_app(fast_config(**overrides))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator", headers=KEY) as client:
        yield client, app.state.emulator
    await app.state.emulator.aclose()


def last_record(state: EmulatorState, key: str = DEFAULT_API_KEY) -> MessageRecord:
    return next(reversed(state.accounts[key].messages.values()))


async def create_marketing_template(client: httpx.AsyncClient, name: str, **extra: Any) -> None:
    body = {"name": name, "category": "MARKETING", "language": "en", "components": [{"type": "BODY"}], **extra}
    assert (await client.post("/v1/configs/templates", json=body)).status_code == 200


async def test_off_by_default_a_marketing_template_on_messages_is_billed_marketing() -> None:
    async with emulator() as (client, state):
        assert state.config.smart_routing is False
        response = await client.post("/messages", json=template_send())
        assert response.status_code == 200
        assert (last_record(state).api, last_record(state).category) == ("cloud", "marketing")


async def test_on_a_marketing_template_goes_via_mm_lite_and_the_answer_does_not_say_so() -> None:
    async with emulator(smart_routing=True) as (client, state):
        routed = await client.post("/messages", json=template_send())
        assert routed.status_code == 200
        record = last_record(state)
    async with emulator() as (client, _state):
        plain = await client.post("/messages", json=template_send())
    assert (record.api, record.category) == ("mm_lite", "marketing_lite")
    assert routed.json() == plain.json()  # same ids (same seed), no message_status: the client cannot tell (A86)
    assert "message_status" not in routed.json()["messages"][0]


@pytest.mark.parametrize(
    ("send", "category"),
    [(text_send(), "service"), (template_send("utility_order_update"), "utility")],
)
async def test_on_non_marketing_sends_stay_on_the_cloud_api(send: dict[str, Any], category: str) -> None:
    async with emulator(smart_routing=True) as (client, state):
        assert (await client.post("/messages", json=send)).status_code == 200
        assert (last_record(state).api, last_record(state).category) == ("cloud", category)


async def test_on_a_number_not_onboarded_falls_back_to_the_cloud_api() -> None:
    async with emulator(smart_routing=True) as (client, state):
        other = {"D360-API-KEY": NOT_ONBOARDED_API_KEY}
        response = await client.post("/messages", json=template_send(), headers=other)
        assert response.status_code == 200 and "error" not in response.json()
        record = last_record(state, NOT_ONBOARDED_API_KEY)
        assert (record.api, record.category) == ("cloud", "marketing")
        refused = await client.post("/marketing_messages", json=template_send(), headers=other)
        assert refused.status_code == 403  # the MM Lite route itself still refuses (A04): only /messages falls back


async def test_on_a_template_within_its_sync_delay_falls_back_until_it_is_synced() -> None:
    async with emulator(smart_routing=True) as (client, state):
        await create_marketing_template(client, "fresh_promo", message_send_ttl_seconds=43200)
        assert (await client.post("/messages", json=template_send("fresh_promo"))).status_code == 200
        early = last_record(state)
        await client.post("/_emulator/clock/advance", json={"seconds": 600})
        assert (await client.post("/messages", json=template_send("fresh_promo"))).status_code == 200
        synced = last_record(state)
    assert (early.api, early.category, early.expires_at) == ("cloud", "marketing", None)
    assert (synced.api, synced.category) == ("mm_lite", "marketing_lite")
    assert synced.expires_at == synced.sent_at + 43200  # the template's TTL applies on the MM Lite leg (A84)


async def test_on_an_unknown_template_is_refused_as_without_routing() -> None:
    async with emulator(smart_routing=True) as (client, state):
        response = await client.post("/messages", json=template_send("no_such_template"))
        assert response.status_code == 400 and response.json()["error"]["code"] == 132001
        assert not state.default_account.messages


def test_the_route_names_its_fallback_and_honours_the_faults() -> None:
    state = EmulatorState(fast_config(smart_routing=True))
    account = state.accounts[NOT_ONBOARDED_API_KEY]
    template = next(t for t in account.templates.values() if t.category == "MARKETING")
    assert route_cloud_send(state, account, template, 0.0) == Route("cloud", "marketing", fallback="not_onboarded")
    allowed = EmulatorState(fast_config(smart_routing=True, faults=frozenset({fx.NOT_ONBOARDED_ALLOWED})))
    assert route_cloud_send(allowed, allowed.accounts[NOT_ONBOARDED_API_KEY], template, 0.0).api == "mm_lite"
    billed = EmulatorState(fast_config(smart_routing=True, faults=frozenset({fx.MARKETING_INSTEAD_OF_MARKETING_LITE})))
    assert route_cloud_send(billed, billed.default_account, template, 0.0) == Route("mm_lite", "marketing")
    assert route_cloud_send(state, account, None, 0.0) == Route("cloud", "service")


def test_on_the_status_webhooks_carry_marketing_lite(serve: ServerFactory, receiver: Receiver) -> None:
    _server, client = serve(fast_config(smart_routing=True))
    assert client.post("/v1/configs/webhook", json={"url": receiver.url}).status_code == 200
    response = client.post("/messages", json=template_send())
    assert response.status_code == 200
    hits = receiver.wait_for(2)
    statuses = [h.json["entry"][0]["changes"][0]["value"]["statuses"][0] for h in hits]
    priced = [s["pricing"]["category"] for s in statuses if "pricing" in s]
    assert priced and set(priced) == {"marketing_lite"}
    assert {s["id"] for s in statuses} == {response.json()["messages"][0]["id"]}


async def test_mm_lite_answers_the_terms_error_to_a_number_not_onboarded_unless_the_fallback_is_on() -> None:
    """A87: off, the terms error (A04); on, the Cloud API serves the send: its answer and its bill say so."""
    not_onboarded = {"D360-API-KEY": NOT_ONBOARDED_API_KEY}
    async with emulator() as (client, _state):
        refused = await client.post("/marketing_messages", json=template_send(), headers=not_onboarded)
    assert refused.status_code == 403 and refused.json()["detail"]["error"]["code"] == 131055
    async with emulator(mm_lite_fallback=True) as (client, state):
        served = await client.post("/marketing_messages", json=template_send(), headers=not_onboarded)
        onboarded = await client.post("/marketing_messages", json=template_send())
        fallback, mm_lite = last_record(state, NOT_ONBOARDED_API_KEY), last_record(state)
    assert served.status_code == 200 and "message_status" not in served.json()["messages"][0]
    assert (fallback.api, fallback.category, fallback.expires_at) == ("cloud", "marketing", None)
    assert onboarded.json()["messages"][0]["message_status"] == "accepted"  # an onboarded number: MM Lite as ever
    assert (mm_lite.api, mm_lite.category) == ("mm_lite", "marketing_lite")


async def test_the_not_onboarded_allowed_fault_wins_over_the_fallback() -> None:
    """The fault has MM Lite itself serve the number (billed marketing_lite): what S3c's pricing step exposes."""
    async with emulator(mm_lite_fallback=True, faults=frozenset({fx.NOT_ONBOARDED_ALLOWED})) as (client, state):
        served = await client.post(
            "/marketing_messages", json=template_send(), headers={"D360-API-KEY": NOT_ONBOARDED_API_KEY}
        )
        record = last_record(state, NOT_ONBOARDED_API_KEY)
    assert served.status_code == 200
    assert (record.api, record.category) == ("mm_lite", "marketing_lite")
