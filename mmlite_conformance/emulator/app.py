"""Starlette application factory: binds the route registries to one EmulatorState."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

from mmlite_conformance.emulator import routes_config, routes_control, routes_platform, routes_send
from mmlite_conformance.emulator.config import EmulatorConfig
from mmlite_conformance.emulator.dispatch import StaticRoutes
from mmlite_conformance.emulator.errors import ApiError
from mmlite_conformance.emulator.http import RouteSpec, bind, error_response, json_response
from mmlite_conformance.emulator.journal import SCOPE_KEY, JournalMiddleware
from mmlite_conformance.emulator.limits import LimitsMiddleware
from mmlite_conformance.emulator.openapi import build_openapi
from mmlite_conformance.emulator.routes_graph import graph_routes
from mmlite_conformance.emulator.state import EmulatorState

ROUTE_REGISTRY: tuple[RouteSpec, ...] = (
    *routes_send.ROUTES,
    *routes_config.ROUTES,
    *routes_control.ROUTES,
    *routes_platform.ROUTES,
)
_HTTP_ERRORS = {404: "not_found", 405: "method_not_allowed"}


def allowed_methods(routes: list[Route], request: Request) -> str:
    methods = {m for route in routes if route.matches(request.scope)[0] is Match.PARTIAL for m in route.methods or ()}
    return ", ".join(sorted(methods))


def create_app(config: EmulatorConfig | None = None) -> Starlette:
    state = EmulatorState(config or EmulatorConfig())
    spec = build_openapi(graph_alias=state.config.graph_alias, smart_routing=state.config.smart_routing)

    async def openapi(request: Request) -> Response:
        return json_response(spec)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        key = _HTTP_ERRORS.get(status, "invalid_parameter")
        note = request.scope.get(SCOPE_KEY)
        if note is not None and status == 404:
            note["surface"] = "unknown"
        response = error_response(ApiError(key), "graph", state)
        if status == 405:  # every method of the path (Starlette would name only the first route's)
            response.headers["Allow"] = allowed_methods(routes, request)
        return response

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await state.aclose()

    routes = [Route(r.path, bind(r, state), methods=list(r.methods)) for r in ROUTE_REGISTRY]
    if state.config.graph_alias:  # opt-in: 360dialog serves no Graph paths (A80)
        routes += graph_routes(state)
    routes.append(Route("/openapi.json", openapi, methods=["GET"]))
    # the journal is a middleware only when enabled, so a request costs nothing more when it is off
    middleware = [Middleware(LimitsMiddleware, state=state)]
    if state.journal is not None:
        middleware.append(Middleware(JournalMiddleware, state=state))
    middleware.append(Middleware(StaticRoutes, routes=routes))  # innermost: sees what the router would
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={404: http_error, 405: http_error},
        lifespan=lifespan,
    )
    app.state.emulator = state
    return app
