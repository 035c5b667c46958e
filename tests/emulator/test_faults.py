"""Each catalogued fault measurably changes behaviour: same probe, without and with the fault."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from mmlite_conformance.emulator import FAULTS, NOT_ONBOARDED_API_KEY, RateLimits, WebhookSettings, create_app
from mmlite_conformance.emulator.config import ConfigError
from tests.emulator.emulator_helpers import KEY, RECIPIENT, Receiver, fast_config, template_send, text_send

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
Probe = Callable[[httpx.AsyncClient, Receiver], Awaitable[Any]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _webhooks(client: httpx.AsyncClient, receiver: Receiver, payload: dict[str, Any], path: str) -> list[Any]:
    await client.post("/waba_webhook", json={"url": receiver.url})
    await client.post(path, json=payload)
    await client.post("/_emulator/deliveries/drain", json={"timeout": 5})
    return [h.json["entry"][0]["changes"][0]["value"] for h in receiver.hits]


async def _statuses(client: httpx.AsyncClient, receiver: Receiver, payload: dict[str, Any], path: str) -> list[Any]:
    return [v["statuses"][0]["status"] for v in await _webhooks(client, receiver, payload, path)]


async def _stamped(client: httpx.AsyncClient, receiver: Receiver) -> list[tuple[str, int]]:
    """(status, timestamp) in arrival order; the clock is frozen, so every difference comes from the emulator."""
    values = await _webhooks(client, receiver, text_send(), "/messages")
    return [(v["statuses"][0]["status"], int(v["statuses"][0]["timestamp"])) for v in values]


async def _status(client: httpx.AsyncClient, path: str, payload: Any, **kw: Any) -> int:
    return (await client.post(path, json=payload, **kw)).status_code


async def _fresh_template(client: httpx.AsyncClient) -> None:
    await client.post(
        "/v1/configs/templates", json={"name": "fresh", "category": "MARKETING", "language": "en", "components": []}
    )


async def _sync(client: httpx.AsyncClient, receiver: Receiver) -> int:
    await _fresh_template(client)
    return await _status(client, "/marketing_messages", template_send("fresh"))


async def _listed(client: httpx.AsyncClient, receiver: Receiver) -> bool:
    await _fresh_template(client)
    return "fresh" in {t["name"] for t in (await client.get("/v1/configs/templates")).json()["waba_templates"]}


async def _burst(client: httpx.AsyncClient) -> httpx.Response:
    await client.post("/messages", json=text_send())
    return await client.post("/messages", json=text_send())


PROBES: dict[str, Probe] = {
    "mm_lite_accepts_text": lambda c, r: _status(c, "/marketing_messages", text_send()),
    "mm_lite_accepts_non_marketing": lambda c, r: _status(
        c, "/marketing_messages", template_send("utility_order_update")
    ),
    "not_onboarded_allowed": lambda c, r: _status(
        c, "/marketing_messages", template_send(), headers={"D360-API-KEY": NOT_ONBOARDED_API_KEY}
    ),
    "sync_delay_ignored": _sync,
    "template_list_missing_created": _listed,
    "ttl_not_validated": lambda c, r: _status(c, "/marketing_messages", template_send(message_send_ttl_seconds=5)),
    "wrong_error_code": lambda c, r: _error_codes(c),
    "missing_detail_wrapper": lambda c, r: _body_keys(c, "/marketing_messages", text_send()),
    "http_200_on_errors": lambda c, r: _status(c, "/marketing_messages", text_send()),
    "server_error_on_malformed": lambda c, r: _malformed(c),
    "wrong_key_accepted": lambda c, r: _status(c, "/messages", text_send(), headers={"D360-API-KEY": "wrong"}),
    "invalid_token_body_changed": lambda c, r: _body(c, "/messages", text_send(), {"D360-API-KEY": "wrong"}),
    "missing_wa_id": lambda c, r: _first_keys(c, "contacts"),
    "missing_message_status": lambda c, r: _first_keys(c, "messages"),
    "non_wamid_ids": lambda c, r: _first_id_prefix(c),
    "no_status_webhooks": lambda c, r: _statuses(c, r, text_send(), "/messages"),
    "statuses_out_of_order": lambda c, r: _stamped(c, r),
    "marketing_instead_of_marketing_lite": lambda c, r: _categories(c, r),
    "inbound_not_delivered": lambda c, r: _inbound(c, r),
    "us_recipients_delivered": lambda c, r: _statuses(c, r, template_send(to="16505551234"), "/marketing_messages"),
    "signature_missing": lambda c, r: _signed(c, r),
    "webhook_url_not_stored": lambda c, r: _stored_url(c),
    "webhook_url_rejected": lambda c, r: _status(c, "/waba_webhook", {"url": "https://hooks.example.org/in"}),
    "rate_limits_ignored": lambda c, r: _burst_status(c),
    "retry_after_missing": lambda c, r: _retry_after(c),
}


async def _error_codes(client: httpx.AsyncClient) -> list[Any]:
    """The codes of a text (100) and of a utility template (131055) sent through MM Lite."""
    answers = [
        await client.post("/marketing_messages", json=p) for p in (text_send(), template_send("utility_order_update"))
    ]
    return [answer.json()["detail"]["error"]["code"] for answer in answers]


async def _first_keys(client: httpx.AsyncClient, key: str) -> list[str]:
    """The fields of `key[0]` in an MM Lite send response."""
    return sorted((await client.post("/marketing_messages", json=template_send())).json()[key][0])


async def _body(client: httpx.AsyncClient, path: str, payload: Any, headers: dict[str, str] | None = None) -> Any:
    return (await client.post(path, json=payload, headers=headers)).json()


async def _body_keys(client: httpx.AsyncClient, path: str, payload: Any) -> list[str]:
    return sorted((await client.post(path, json=payload)).json())


async def _malformed(client: httpx.AsyncClient) -> int:
    response = await client.post("/messages", content=b"{oops", headers={"content-type": "application/json"})
    return response.status_code


async def _first_id_prefix(client: httpx.AsyncClient) -> str:
    body = (await client.post("/marketing_messages", json=template_send())).json()
    return str(body["messages"][0]["id"])[:6]


async def _categories(client: httpx.AsyncClient, receiver: Receiver) -> list[Any]:
    values = await _webhooks(client, receiver, template_send(), "/marketing_messages")
    return [v["statuses"][0].get("pricing", {}).get("category") for v in values]


async def _inbound(client: httpx.AsyncClient, receiver: Receiver) -> int:
    await client.post("/waba_webhook", json={"url": receiver.url})
    await client.post("/_emulator/inbound", json={"from": RECIPIENT, "text": "hi"})
    await client.post("/_emulator/deliveries/drain")
    return len(receiver.hits)


async def _signed(client: httpx.AsyncClient, receiver: Receiver) -> list[bool]:
    await _webhooks(client, receiver, text_send(), "/messages")
    return ["x-360dialog-signature" in h.headers for h in receiver.hits]


async def _stored_url(client: httpx.AsyncClient) -> Any:
    await client.post("/v1/configs/webhook", json={"url": "http://127.0.0.1:9/hook"})
    return (await client.get("/v1/configs/webhook")).json()


async def _burst_status(client: httpx.AsyncClient) -> int:
    return (await _burst(client)).status_code


async def _retry_after(client: httpx.AsyncClient) -> str | None:
    return next(iter((await _burst(client)).headers.get_list("retry-after")), None)


def _config(faults: frozenset[str]) -> Any:
    return fast_config(
        faults=faults,
        rate_limits=RateLimits(True, 80.0, 1, 6.0),
        webhooks=WebhookSettings(secret="k", timeout=2, max_attempts=1),
    )


async def _observe(fault: frozenset[str], receiver: Receiver, probe: Probe) -> Any:
    app = create_app(_config(fault))
    receiver.hits.clear()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://e", headers=KEY) as client:
        result = await probe(client, receiver)
    await app.state.emulator.aclose()
    return result


#: fault -> (what its probe sees without the fault, what it sees with it): each states the faulty value it expects
EXPECTED: dict[str, tuple[Any, Any]] = {
    "mm_lite_accepts_text": (400, 200),
    "mm_lite_accepts_non_marketing": (400, 200),
    "not_onboarded_allowed": (403, 200),
    "sync_delay_ignored": (400, 200),
    "template_list_missing_created": (True, False),
    "ttl_not_validated": (400, 200),
    "wrong_error_code": ([100, 131055], [131008, 134100]),
    "missing_detail_wrapper": (["detail"], ["error"]),
    "http_200_on_errors": (400, 200),
    "server_error_on_malformed": (400, 500),
    "wrong_key_accepted": (401, 200),
    "invalid_token_body_changed": (
        {"error": "Invalid api token."},
        {
            "error": {
                "message": "Invalid OAuth access token - Cannot parse access token",
                "type": "OAuthException",
                "code": 190,
            }
        },
    ),
    "missing_wa_id": (["input", "wa_id"], ["input"]),
    "missing_message_status": (["id", "message_status"], ["id"]),
    "non_wamid_ids": ("wamid.", "HBgNNT"),
    "no_status_webhooks": (["sent", "delivered", "read"], []),
    "marketing_instead_of_marketing_lite": (
        ["marketing_lite", "marketing_lite", None],
        ["marketing", "marketing", None],
    ),
    "inbound_not_delivered": (1, 0),
    "us_recipients_delivered": (["failed"], ["sent", "delivered", "read"]),
    "signature_missing": ([True, True, True], [False, False, False]),
    "webhook_url_not_stored": ({"url": "http://127.0.0.1:9/hook"}, {"url": None}),
    "webhook_url_rejected": (200, 400),
    "rate_limits_ignored": (429, 200),
    "retry_after_missing": ("6", None),
}
#: faults whose probe is judged by a test of its own
OWN_TEST = {"statuses_out_of_order": "test_statuses_out_of_order_stamps_read_before_sent"}


def test_every_fault_has_a_probe_and_the_catalogue_is_complete() -> None:
    assert set(PROBES) == set(FAULTS)
    assert set(EXPECTED) | set(OWN_TEST) == set(FAULTS) and not set(EXPECTED) & set(OWN_TEST)
    assert all(callable(globals().get(test)) for test in OWN_TEST.values())
    assert len(FAULTS) >= 15
    for fault in FAULTS.values():
        assert fault.area and fault.description


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_fault_changes_behaviour_to_the_stated_value(name: str, receiver: Receiver) -> None:
    baseline = await _observe(frozenset(), receiver, PROBES[name])
    faulty = await _observe(frozenset({name}), receiver, PROBES[name])
    assert (baseline, faulty) == EXPECTED[name]


async def test_statuses_out_of_order_stamps_read_before_sent(receiver: Receiver) -> None:
    """The arrival order stays sent, delivered, read (reordering alone is legitimate); the timestamps run backwards."""
    start = int(_config(frozenset()).start_time)
    baseline = await _observe(frozenset(), receiver, _stamped)
    faulty = await _observe(frozenset({"statuses_out_of_order"}), receiver, _stamped)
    assert baseline == [("sent", start), ("delivered", start), ("read", start)]
    assert faulty == [("sent", start + 2), ("delivered", start + 1), ("read", start)]


def test_unknown_fault_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown fault"):
        fast_config(faults=frozenset({"no_such_fault"}))
