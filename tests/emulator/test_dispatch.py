"""Static routes found by a dict lookup reach the endpoint Starlette's router would reach, and nothing else."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Match, Route

from mmlite_conformance.emulator.app import create_app
from mmlite_conformance.emulator.config import EmulatorConfig
from mmlite_conformance.emulator.dispatch import StaticRoutes, static_endpoints
from tests.emulator.emulator_helpers import KEY, template_send

pytestmark = pytest.mark.unit


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _scope(method: str, path: str) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": b""}


def _router_choice(routes: list[Route], method: str, path: str) -> Any:
    """The endpoint of the router's first full match (what Starlette's Router.app does), or None."""
    for route in routes:
        match, _ = route.matches(_scope(method, path))
        if match is Match.FULL:
            return route.endpoint
    return None


def _static_layer(app: Any) -> StaticRoutes:
    layer = app.build_middleware_stack()
    while not isinstance(layer, StaticRoutes):
        layer = layer.app
    return layer


@pytest.mark.parametrize("graph_alias", [False, True])
def test_every_static_route_is_the_routers_first_full_match(graph_alias: bool) -> None:
    app = create_app(EmulatorConfig(graph_alias=graph_alias))
    routes = [route for route in app.routes if isinstance(route, Route)]
    endpoints = _static_layer(app).endpoints
    assert ("POST", "/marketing_messages") in endpoints and ("POST", "/messages") in endpoints
    for (method, path), endpoint in endpoints.items():
        assert endpoint is _router_choice(routes, method, path), (method, path)
    static = {(m, r.path) for r in routes if not r.param_convertors for m in r.methods or () if m != "HEAD"}
    assert set(endpoints) == static  # the registry has no shadowed static route: every one is looked up


async def _one(request: Request) -> Response:
    return PlainTextResponse("one")


async def _two(request: Request) -> Response:
    return PlainTextResponse("two")


def test_a_path_an_earlier_pattern_answers_stays_with_the_router() -> None:
    routes = [Route("/items/{name}", _one, methods=["GET"]), Route("/items/all", _two, methods=["GET", "POST"])]
    assert static_endpoints(routes) == {("POST", "/items/all"): _two}  # GET /items/all is the pattern's
    assert _router_choice(routes, "GET", "/items/all") is _one


def test_the_first_of_two_routes_of_one_path_and_method_wins_and_head_stays_with_the_router() -> None:
    routes = [Route("/x", _one, methods=["GET"]), Route("/x", _two, methods=["GET", "DELETE"])]
    assert static_endpoints(routes) == {("GET", "/x"): _one, ("DELETE", "/x"): _two}


@pytest.mark.anyio
async def test_other_requests_go_on_to_the_router_unchanged() -> None:
    passed: list[str] = []

    async def router(scope: Any, receive: Any, send: Any) -> None:
        passed.append(f"{scope['method']} {scope['path']}")

    layer = StaticRoutes(router, [Route("/x", _one, methods=["GET"])])
    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    for method, path in (("POST", "/x"), ("HEAD", "/x"), ("GET", "/x/"), ("GET", "/y")):
        await layer(_scope(method, path), receive, send)
    await layer(_scope("GET", "/x") | {"root_path": "/mounted"}, receive, send)
    assert passed == ["POST /x", "HEAD /x", "GET /x/", "GET /y", "GET /x"] and sent == []
    await layer(_scope("GET", "/x"), receive, send)
    assert sent[-1]["body"] == b"one"


@pytest.mark.anyio
async def test_answers_through_the_lookup_are_the_routers_answers() -> None:
    """The same app with the lookup taken out (every request through the router) answers byte for byte alike."""
    plain = create_app()
    plain.user_middleware = [m for m in plain.user_middleware if getattr(m, "cls", None) is not StaticRoutes]
    requests = [
        ("POST", "/marketing_messages", {"messaging_product": "whatsapp", "to": "5521912345678", "type": "text"}),
        ("POST", "/messages", {"messaging_product": "whatsapp"}),
        ("POST", "/marketing_messages", template_send()),
        ("GET", "/v1/configs/webhook", None),
        ("DELETE", "/messages", None),
        ("GET", "/openapi.json", None),
    ]
    answers: list[list[tuple[int, str, bytes]]] = []
    for app in (create_app(), plain):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator", headers=KEY) as client:
            answers.append([])
            for method, path, body in requests:
                answer = await client.request(method, path, json=body)
                answers[-1].append((answer.status_code, answer.headers.get("allow", ""), answer.content))
    assert answers[0] == answers[1]
    assert [status for status, _, _ in answers[0]] == [400, 400, 200, 200, 405, 200]
