"""The routes without path parameters, found by one dict lookup and answered as Starlette's router would."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.routing import Route

if TYPE_CHECKING:
    from starlette.responses import Response
    from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable["Response"]]


def _reaches(route: Route, method: str, path: str) -> bool:
    """Whether Starlette's router would answer `method path` with `route` if it came to it (a full match)."""
    return route.path_regex.match(path) is not None and (route.methods is None or method in route.methods)


def static_endpoints(routes: Sequence[Route]) -> dict[tuple[str, str], Endpoint]:
    """(method, path) -> endpoint of each route without parameters, where the router's first full match is that
    route; HEAD, unlisted methods (405) and paths an earlier pattern answers stay with the router."""
    found: dict[tuple[str, str], Endpoint] = {}
    for index, route in enumerate(routes):
        if route.param_convertors:
            continue
        for method in sorted(route.methods or ()):
            key = (method, route.path)
            if method == "HEAD" or key in found:  # Starlette answers HEAD of a GET route without a body
                continue
            if not any(_reaches(earlier, method, route.path) for earlier in routes[:index]):
                found[key] = route.endpoint
    return found


class StaticRoutes:
    """Innermost middleware: a request to a static route goes straight to its endpoint (the handler bound with its
    error envelope), skipping the router's pattern matching in turn and the per-route exception wrappers; every
    other request, and every non-HTTP scope, goes on to Starlette's router unchanged."""

    def __init__(self, app: ASGIApp, routes: Sequence[Route]) -> None:
        self.app = app
        self.endpoints = static_endpoints(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            endpoint = self.endpoints.get((scope["method"], scope["path"]))
            if endpoint is not None:
                response = await endpoint(Request(scope, receive, send))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
