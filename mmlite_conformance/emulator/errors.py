"""Error catalogue and its rendering into 360dialog / Graph envelopes (with fault distortions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from mmlite_conformance.emulator import faults as fx
from mmlite_conformance.emulator.jsonio import dumps


class ErrorSpec(NamedTuple):
    key: str
    status: int
    code: int
    message: str
    details: str | None
    type: str = "OAuthException"


_SPECS = (
    ErrorSpec("invalid_parameter", 400, 100, "(#100) Invalid parameter", "Invalid parameter."),
    ErrorSpec("non_template", 400, 100, "(#100) Invalid parameter", "Message must be a template message."),
    ErrorSpec(
        "non_marketing_template",
        400,
        131055,
        "(#131055) Method not allowed",
        "Only marketing template messages are supported",
    ),
    ErrorSpec(
        "terms_not_accepted",
        403,
        131055,
        "(#200) You must accept the Marketing Messages Lite API terms to use the API.",
        None,
    ),
    ErrorSpec(
        "template_not_found",
        400,
        132001,
        "(#132001) Template name does not exist in the translation",
        "The template does not exist in the specified language or the template has not been approved.",
    ),
    ErrorSpec(
        "template_syncing",
        400,
        131009,
        "(#131009) Parameter value is not valid",
        "One or more parameter values are invalid.",
    ),
    ErrorSpec(
        "throughput",
        429,
        130429,
        "(#130429) Rate limit hit",
        "Cloud API message throughput has been reached.",
    ),
    ErrorSpec(
        "pair_rate",
        429,
        131056,
        "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "Too many messages sent from the sender phone number to the same recipient phone number in a short period "
        "of time.",
    ),
    ErrorSpec("not_found", 404, 100, "(#100) Unsupported request", "Unknown path.", "GraphMethodException"),
    ErrorSpec(
        "method_not_allowed", 405, 100, "(#100) Unsupported request", "Method not allowed.", "GraphMethodException"
    ),
)
CATALOGUE: dict[str, ErrorSpec] = {spec.key: spec for spec in _SPECS}
#: refusals of the HTTP layer (limits.py), not armable: a body over the size limit or too slow to arrive
TRANSPORT: dict[str, ErrorSpec] = {
    spec.key: spec
    for spec in (
        ErrorSpec("body_too_large", 413, 100, "(#100) Invalid parameter", "The request body is too large."),
        ErrorSpec("body_timeout", 408, 100, "(#100) Invalid parameter", "The request body arrived too slowly."),
    )
}

INVALID_TOKEN_BODY: dict[str, Any] = {"error": "Invalid api token."}
# what a Graph-native gateway says instead (fault invalid_token_body_changed)
_GRAPH_INVALID_TOKEN: dict[str, Any] = {
    "error": {
        "message": "Invalid OAuth access token - Cannot parse access token",
        "type": "OAuthException",
        "code": 190,
    }
}
_WRONG_CODES = {100: 131008, 131055: 134100, 131009: 134101, 132001: 132000, 130429: 131048, 131056: 130429}


class ApiError(Exception):
    """An error answer; `details` overrides the catalogue's error_data.details."""

    def __init__(self, key: str, details: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(key)
        self.spec = CATALOGUE[key] if key in CATALOGUE else TRANSPORT[key]
        self.details = details if details is not None else self.spec.details
        self.retry_after = retry_after


class InvalidTokenError(Exception):
    """Wrong or missing D360-API-KEY."""


def invalid_parameter(details: str) -> ApiError:
    return ApiError("invalid_parameter", details)


Envelope = Callable[[dict[str, Any]], dict[str, Any]]
ENVELOPES: dict[str, Envelope] = {
    "detail": lambda error: {"detail": {"error": error}},
    "graph": lambda error: {"error": error},
}


class Rendered(NamedTuple):
    status: int
    body: bytes
    headers: dict[str, str]


def render_error(error: ApiError, envelope: str, fbtrace_id: str, faults: frozenset[str]) -> Rendered:
    spec = error.spec
    code = _WRONG_CODES.get(spec.code, spec.code) if fx.WRONG_ERROR_CODE in faults else spec.code
    graph: dict[str, Any] = {"message": spec.message, "type": spec.type, "code": code}
    if error.details is not None:
        graph["error_data"] = {"messaging_product": "whatsapp", "details": error.details}
    graph["fbtrace_id"] = fbtrace_id
    if fx.MISSING_DETAIL_WRAPPER in faults:
        envelope = "graph"
    headers: dict[str, str] = {}
    if error.retry_after is not None and fx.RETRY_AFTER_MISSING not in faults:
        headers["Retry-After"] = str(error.retry_after)
    status = 200 if fx.HTTP_200_ON_ERRORS in faults else spec.status
    return Rendered(status, dumps(ENVELOPES[envelope](graph)), headers)


def render_invalid_token(faults: frozenset[str]) -> Rendered:
    body = _GRAPH_INVALID_TOKEN if fx.INVALID_TOKEN_BODY_CHANGED in faults else INVALID_TOKEN_BODY
    status = 200 if fx.HTTP_200_ON_ERRORS in faults else 401
    return Rendered(status, dumps(body), {})
