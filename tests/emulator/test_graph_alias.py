"""The opt-in Graph alias (A80-A83): off by default, Bearer keys, the key's phone_number_id, Graph errors, journal."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from mmlite_conformance.emulator import DEFAULT_API_KEY, EmulatorServer, RateLimits, create_app
from mmlite_conformance.emulator.cli import add_arguments, build_config
from mmlite_conformance.emulator.config import NOT_ONBOARDED_API_KEY, AccountConfig, ConfigError, EmulatorConfig
from mmlite_conformance.emulator.openapi import build_openapi
from mmlite_conformance.emulator.state import EmulatorState
from tests.emulator.emulator_helpers import asgi_client, fast_config, template_send, text_send

if TYPE_CHECKING:
    from schemathesis.specs.openapi.schemas import OpenApiCase

pytestmark = [pytest.mark.unit, pytest.mark.anyio]

SANDBOX_ID = "100000000000001"
NOT_ONBOARDED_ID = "100000000000002"
BEARER = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
MESSAGES = f"/v21.0/{SANDBOX_ID}/messages"
MARKETING = f"/v21.0/{SANDBOX_ID}/marketing_messages"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@asynccontextmanager
async def graph_client(**overrides: Any) -> AsyncIterator[tuple[httpx.AsyncClient, EmulatorState]]:
    """A client of an app with the alias on (no D360-API-KEY by default) and the app's state."""
    app = create_app(fast_config(graph_alias=True, journal=True, **overrides))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
        yield client, app.state.emulator
    await app.state.emulator.aclose()


async def journal(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/_emulator/journal", headers={"D360-API-KEY": DEFAULT_API_KEY})
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


async def test_off_by_default_the_graph_paths_are_unknown() -> None:
    async with asgi_client(fast_config(journal=True)) as client:
        response = await client.post(MESSAGES, json=text_send(), headers=BEARER)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == 100
        assert "error" in response.json() and "detail" not in response.json()
        (entry,) = (await client.get("/_emulator/journal")).json()["entries"]
        assert (entry["path"], entry["surface"]) == (MESSAGES, "unknown")
    assert EmulatorConfig().graph_alias is False


async def test_a_text_and_a_template_go_through_the_alias_and_the_journal_says_graph() -> None:
    async with graph_client() as (client, state):
        text = await client.post(MESSAGES, json=text_send(), headers=BEARER)
        assert text.status_code == 200, text.text
        assert text.json()["messages"][0]["id"].startswith("wamid.")
        assert "message_status" not in text.json()["messages"][0]
        template = await client.post(MARKETING, json=template_send(), headers=BEARER)
        assert template.status_code == 200, template.text
        assert template.json()["messages"][0]["message_status"] == "accepted"
        assert [r.category for r in state.default_account.messages.values()] == ["service", "marketing_lite"]
        native = await client.post("/messages", json=text_send(), headers={"D360-API-KEY": DEFAULT_API_KEY})
        entries = await journal(client)
    assert native.status_code == 200
    seen = [(e["path"], e["surface"], e["auth"], e["account"]) for e in entries]
    assert seen == [
        (MESSAGES, "graph", {"form": "bearer", "valid": True}, "sandbox"),
        (MARKETING, "graph", {"form": "bearer", "valid": True}, "sandbox"),
        ("/messages", "360dialog", {"form": "bare", "valid": True}, "sandbox"),
    ]


@pytest.mark.parametrize("phone_number_id", [NOT_ONBOARDED_ID, "123", "1000000000000011"])
async def test_a_phone_number_id_that_is_not_the_keys_is_refused(phone_number_id: str) -> None:
    async with graph_client() as (client, state):
        response = await client.post(f"/v21.0/{phone_number_id}/messages", json=text_send(), headers=BEARER)
        assert response.status_code == 400
        error = response.json()["error"]
        assert (error["code"], error["type"]) == (100, "GraphMethodException")
        assert f"Object with ID '{phone_number_id}' does not exist" in error["message"]
        assert error["fbtrace_id"] and "detail" not in response.json()
        assert not state.default_account.messages  # nothing was sent
        # the other account's key reaches its own phone number
        other = {"Authorization": f"Bearer {NOT_ONBOARDED_API_KEY}"}
        if phone_number_id == NOT_ONBOARDED_ID:
            assert (
                await client.post(f"/v21.0/{NOT_ONBOARDED_ID}/messages", json=text_send(), headers=other)
            ).is_success


@pytest.mark.parametrize(
    ("headers", "journal_form"),
    [
        ({}, "missing"),
        ({"D360-API-KEY": DEFAULT_API_KEY}, "missing"),  # 360dialog's header is not read on the alias
        ({"Authorization": "Bearer wrong"}, "bearer"),
        ({"Authorization": DEFAULT_API_KEY}, "bare"),  # not the Bearer form
        ({"Authorization": f"bearer {DEFAULT_API_KEY}"}, "other"),
        ({"Authorization": "Bearer "}, "other"),
    ],
)
async def test_a_missing_or_wrong_token_gets_graphs_401(headers: dict[str, str], journal_form: str) -> None:
    async with graph_client() as (client, _state):
        response = await client.post(MESSAGES, json=text_send(), headers=headers)
        assert response.status_code == 401
        error = response.json()["error"]
        assert (error["code"], error["type"]) == (190, "OAuthException")
        assert error["message"].startswith("Invalid OAuth access token")
        (entry,) = await journal(client)
    assert (entry["surface"], entry["auth"], entry["account"]) == (
        "graph",
        {"form": journal_form, "valid": False},
        None,
    )


async def test_a_disabled_key_gets_graphs_401_too() -> None:
    async with graph_client() as (client, _state):
        await client.put("/_emulator/account", json={"api_key_valid": False}, headers={"D360-API-KEY": DEFAULT_API_KEY})
        response = await client.post(MESSAGES, json=text_send(), headers=BEARER)
    assert response.status_code == 401 and response.json()["error"]["code"] == 190


async def test_mm_lite_errors_come_in_graphs_envelope_on_the_alias_only() -> None:
    async with graph_client() as (client, _state):
        on_alias = await client.post(MARKETING, json=text_send(), headers=BEARER)
        on_360 = await client.post("/marketing_messages", json=text_send(), headers={"D360-API-KEY": DEFAULT_API_KEY})
        other = {"Authorization": f"Bearer {NOT_ONBOARDED_API_KEY}"}
        terms = await client.post(f"/v21.0/{NOT_ONBOARDED_ID}/marketing_messages", json=template_send(), headers=other)
    assert on_alias.status_code == on_360.status_code == 400
    assert on_alias.json() == {
        "error": {**on_360.json()["detail"]["error"], "fbtrace_id": on_alias.json()["error"]["fbtrace_id"]}
    }
    assert terms.status_code == 403
    assert terms.json()["error"]["code"] == 131055 and "detail" not in terms.json()


@pytest.mark.parametrize("version", ["latest", "21.0", "v21"])
async def test_a_version_segment_that_is_not_vn_n_is_unknown(version: str) -> None:
    async with graph_client() as (client, _state):
        response = await client.post(f"/{version}/{SANDBOX_ID}/messages", json=text_send(), headers=BEARER)
        (entry,) = await journal(client)
    assert response.status_code == 404 and response.json()["error"]["code"] == 100
    assert entry["surface"] == "unknown"


async def test_another_method_is_a_405_marked_graph() -> None:
    async with graph_client() as (client, _state):
        response = await client.get(MESSAGES, headers=BEARER)
        (entry,) = await journal(client)
    assert (response.status_code, response.headers["allow"], response.json()["error"]["code"]) == (405, "POST", 100)
    assert entry["surface"] == "graph"


async def test_armed_answers_of_the_360dialog_route_answer_the_alias() -> None:
    async with graph_client() as (client, state):
        armed = await client.post(
            "/_emulator/answers",
            json={"method": "POST", "path": "/messages", "status": 503, "body": {"busy": True}},
            headers={"D360-API-KEY": DEFAULT_API_KEY},
        )
        assert armed.status_code == 200, armed.text
        response = await client.post(MESSAGES, json=text_send(), headers=BEARER)
        (entry,) = await journal(client)
    assert (response.status_code, response.json()) == (503, {"busy": True})
    assert (entry["armed"], entry["surface"]) == ("a1", "graph") and not state.default_account.messages


async def test_openapi_describes_the_alias_only_when_it_is_served() -> None:
    off, on = build_openapi(), build_openapi(graph_alias=True)
    graph = {"/{version}/{phone_number_id}/messages", "/{version}/{phone_number_id}/marketing_messages"}
    assert not graph & set(off["paths"]) and "GraphBearer" not in off["components"]["securitySchemes"]
    assert graph <= set(on["paths"]) and "GraphBearer" in on["components"]["securitySchemes"]
    assert (off["x-modes"], on["x-modes"]) == (
        {"graph_alias": False, "smart_routing": False},
        {"graph_alias": True, "smart_routing": False},
    )
    async with graph_client() as (client, _state):
        served = (await client.get("/openapi.json")).json()
    assert served["x-modes"]["graph_alias"] is True and graph <= set(served["paths"])


def _cli(*argv: str) -> EmulatorConfig:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return build_config(parser.parse_args(list(argv)))


def test_the_cli_flags_turn_each_mode_on_and_both_are_off_by_default() -> None:
    default = _cli()
    assert (default.graph_alias, default.smart_routing) == (False, False)
    assert _cli("--graph-alias").graph_alias is True
    assert _cli("--smart-routing").smart_routing is True


def test_phone_number_ids_must_be_distinct() -> None:
    twin = AccountConfig("other-key", "twin", "5511955550900", SANDBOX_ID, "200000000000900")
    with pytest.raises(ConfigError, match="phone_number_ids must be unique"):
        EmulatorConfig(accounts=(*EmulatorConfig().accounts, twin))
    distinct = AccountConfig("other-key", "own", "5511955550900", "100000000000900", "200000000000900")
    assert len(EmulatorConfig(accounts=(*EmulatorConfig().accounts, distinct)).accounts) == 3


GRAPH_SCHEMA = schemathesis.openapi.from_dict(build_openapi(graph_alias=True)).include(path_regex=r"^/\{version\}/")


@pytest.fixture(scope="module")
def alias_url() -> Iterator[str]:
    config = fast_config(graph_alias=True, rate_limits=RateLimits(enabled=False), journal=True)
    with EmulatorServer(config) as server:
        yield server.base_url


@pytest.mark.integration
@GRAPH_SCHEMA.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_generated_alias_requests_get_documented_answers(case: OpenApiCase, alias_url: str) -> None:
    """Generated Graph requests (mostly a phone_number_id that is not the key's, some the key's): never a 5xx, and
    each status and body is the one the description documents."""
    if case.path_parameters is not None and case.path_parameters.get("phone_number_id", "").endswith("1"):
        case.path_parameters["phone_number_id"] = SANDBOX_ID  # reach the send handlers too, not only the refusal
    response = case.call(base_url=alias_url, headers=BEARER, timeout=10)
    assert response.status_code < 500, response.text[:300]
    # statuses and bodies as documented; a schema-valid body may still be refused by a business rule (400, 403)
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance, response_schema_conformance])
