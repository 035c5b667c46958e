"""The opt-in Graph alias of the send routes (A80-A83): `/{version}/{phone_number_id}/messages` and
`/marketing_messages` with `Authorization: Bearer <key>`, answered as 360dialog's routes answer, in Graph's envelope."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mmlite_conformance.emulator import routes_send
from mmlite_conformance.emulator.errors import ApiError, ErrorSpec
from mmlite_conformance.emulator.http import RouteSpec, bind, error_response
from mmlite_conformance.emulator.journal import SCOPE_KEY
from mmlite_conformance.emulator.state import AccountState, EmulatorState

GRAPH_SURFACE = "graph"
VERSION = re.compile(r"v[0-9]{1,3}\.[0-9]{1,3}")
KEY_HEADER = b"d360-api-key"
#: the alias takes every method and answers all but POST with its own 405 (journalled as surface 'graph')
EVERY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
#: the Graph path's last segment -> the 360dialog route that serves it
ALIASED: dict[str, RouteSpec] = {
    spec.path.lstrip("/"): spec for spec in routes_send.ROUTES if spec.path in ("/messages", "/marketing_messages")
}
GRAPH_INVALID_TOKEN = ErrorSpec(
    "graph_invalid_token", 401, 190, "Invalid OAuth access token - Cannot parse access token", None
)
GRAPH_NOT_FOUND = ErrorSpec("graph_not_found", 404, 100, "Unknown path components", None, "OAuthException")


class GraphError(ApiError):
    """A Graph answer of the alias only: outside the catalogue, so no control call can arm it."""

    def __init__(self, spec: ErrorSpec) -> None:
        super().__init__("invalid_parameter")
        self.spec, self.details = spec, None


def unknown_object(phone_number_id: str) -> GraphError:
    """Graph's answer for an object id the token cannot reach (A82): the id is echoed when it is one."""
    shown = phone_number_id if phone_number_id.isascii() and phone_number_id.isdigit() else "?"
    message = (
        f"Unsupported post request. Object with ID '{shown[:32]}' does not exist, cannot be loaded due to missing "
        "permissions, or does not support this operation. Please read the Graph API documentation at "
        "https://developers.facebook.com/docs/graph-api"
    )
    return GraphError(ErrorSpec("graph_unknown_object", 400, 100, message, None, "GraphMethodException"))


def bearer_key(header: str | None) -> str | None:
    """The key of `Authorization: Bearer <key>`, or None for any other form (as the journal reads it, A81)."""
    if header is None or not header.startswith("Bearer "):
        return None
    return header[7:].strip() or None


def graph_account(request: Request, state: EmulatorState) -> tuple[str, AccountState]:
    """The key and account of a Graph request whose path names the account's phone number (A81, A82)."""
    key = bearer_key(request.headers.get("authorization"))
    account = state.account_for(key) if key is not None else None
    if key is None or account is None or not account.api_key_valid:
        raise GraphError(GRAPH_INVALID_TOKEN)
    if request.path_params["phone_number_id"] != account.config.phone_number_id:
        raise unknown_object(request.path_params["phone_number_id"])
    return key, account


def as_360dialog(request: Request, key: str) -> Request:
    """The same request with the key in D360-API-KEY, for 360dialog's handler (body and journal note shared)."""
    scope = dict(request.scope)
    headers = [(name, value) for name, value in scope["headers"] if name.lower() != KEY_HEADER]
    scope["headers"] = [*headers, (KEY_HEADER, key.encode("latin-1"))]
    return Request(scope, request.receive)


def alias_endpoint(spec: RouteSpec, state: EmulatorState) -> Callable[[Request], Awaitable[Response]]:
    served = bind(RouteSpec(spec.path, spec.methods, spec.handler, "graph"), state)  # its armed answers too (A83)

    async def graph_send(request: Request) -> Response:
        note = request.scope.get(SCOPE_KEY)
        if not VERSION.fullmatch(request.path_params["version"]):
            if note is not None:
                note["surface"] = "unknown"
            return error_response(GraphError(GRAPH_NOT_FOUND), "graph", state)
        if note is not None:
            note["surface"] = GRAPH_SURFACE
        if request.method != "POST":  # answered here, so that the journal marks a 405 on the alias 'graph' too
            refused = error_response(ApiError("method_not_allowed"), "graph", state)
            refused.headers["Allow"] = "POST"
            return refused
        try:
            key, _account = graph_account(request, state)
        except ApiError as error:
            return error_response(error, "graph", state)
        return await served(as_360dialog(request, key))

    graph_send.__name__ = f"graph_{spec.handler.__name__}"
    return graph_send


def graph_routes(state: EmulatorState) -> list[Route]:
    """The alias's Starlette routes, bound only when the configuration enables it (off: those paths are a 404)."""
    return [
        Route(f"/{{version}}/{{phone_number_id}}/{name}", alias_endpoint(spec, state), methods=list(EVERY_METHOD))
        for name, spec in ALIASED.items()
    ]
