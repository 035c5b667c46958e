"""OpenAPI paths of the opt-in Graph alias (A80-A83), described only when the emulator serves it."""

from __future__ import annotations

from typing import Any

from mmlite_conformance.emulator.openapi_control import body, ref, resp

GRAPH_SECURITY: dict[str, Any] = {
    "GraphBearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "The 360dialog key as a Graph access token: Authorization: Bearer <key> (A81)",
    }
}
_PARAMETERS = [
    {
        "name": "version",
        "in": "path",
        "required": True,
        "description": "Graph API version, e.g. v21.0 (any vN.N; the emulator has one behaviour for all)",
        "schema": {"type": "string", "pattern": "^v[0-9]{1,3}\\.[0-9]{1,3}$"},
    },
    {
        "name": "phone_number_id",
        "in": "path",
        "required": True,
        "description": "the phone_number_id of the key's account; another id is a 400 code 100 (A82)",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
]
_TEXTS = {
    "400": "Invalid parameter (code 100), a phone_number_id not the key's (code 100, A82) or a documented error",
    "401": "Missing or wrong bearer token (code 190, A81); an armed invalid_token answer is 360dialog's flat body",
    "403": "MM Lite terms not accepted (code 131055)",
    "404": "A version segment that is not vN.N (code 100)",
    "429": "Rate limit (130429 throughput, 131056 pair rate); Retry-After header",
}


def _send(summary: str, request: str, *statuses: str) -> dict[str, Any]:
    errors = {status: resp(_TEXTS[status], ref("GraphError")) for status in statuses}
    errors["401"] = resp(_TEXTS["401"], {"anyOf": [ref("GraphError"), ref("InvalidTokenError")]})
    return {
        "post": {
            "summary": summary,
            "tags": ["graph-alias"],
            "parameters": _PARAMETERS,
            "security": [{"GraphBearer": []}],
            "requestBody": body(ref(request)),
            "responses": {"200": resp("Accepted", ref("SendResponse")), **errors},
        }
    }


def graph_paths() -> dict[str, Any]:
    """The Graph-style twins of /messages and /marketing_messages: the same answers, every error in Graph's envelope."""
    return {
        "/{version}/{phone_number_id}/messages": _send(
            "Graph alias of POST /messages (opt-in: --graph-alias)", "CloudMessage", "400", "404", "429"
        ),
        "/{version}/{phone_number_id}/marketing_messages": _send(
            "Graph alias of POST /marketing_messages (opt-in: --graph-alias)",
            "MarketingMessage",
            "400",
            "403",
            "404",
            "429",
        ),
    }
