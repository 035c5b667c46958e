"""Request plumbing shared by the routes: JSON bodies, authentication, errors, armed answers, route specs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from mmlite_conformance.emulator import faults as fx
from mmlite_conformance.emulator.answers import INVALID_TOKEN, ArmedAnswer
from mmlite_conformance.emulator.errors import ApiError, InvalidTokenError, invalid_parameter, render_error
from mmlite_conformance.emulator.errors import render_invalid_token as _render_invalid_token
from mmlite_conformance.emulator.journal import SCOPE_KEY
from mmlite_conformance.emulator.jsonio import UnsafeJsonError, dumps, loads
from mmlite_conformance.emulator.state import AccountState, EmulatorState
from mmlite_conformance.emulator.validation import PHONE_PUNCTUATION

Handler = Callable[[Request, EmulatorState], Awaitable[Response]]


class MalformedBodyError(Exception):
    """A body that is not JSON; raised only under the server_error_on_malformed fault."""


class RouteSpec(NamedTuple):
    path: str
    methods: tuple[str, ...]
    handler: Handler
    envelope: str = "graph"  # error envelope of this endpoint: "detail" (MM Lite) or "graph"


def routes(path: str, **handlers: Handler) -> list[RouteSpec]:
    """The routes of one path, one handler per HTTP method: `routes("/x", GET=read, POST=write)`."""
    return [RouteSpec(path, (method,), handler) for method, handler in handlers.items()]


class JsonBytesResponse(Response):
    """Encoded JSON with exactly Starlette's two headers (content-length, content-type), set without Starlette's
    header assembly per response (its checks of media type and charset for arbitrary bodies)."""

    media_type = "application/json"

    def __init__(self, body: bytes, status_code: int = 200) -> None:
        self.status_code = status_code
        self.body = body
        self.background = None
        self.raw_headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if headers:
        return Response(dumps(body), status, headers, media_type="application/json")
    return JsonBytesResponse(dumps(body), status)


async def read_body(request: Request) -> bytes:
    """The whole body, read from the ASGI channel directly (Starlette's body() runs an async generator per request,
    a tenth of a send's cost) and kept where Starlette keeps it, so each later read answers the same."""
    cached = getattr(request, "_body", None)
    if isinstance(cached, bytes):
        return cached
    chunks: list[bytes] = []
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    setattr(request, "_body", body)  # noqa: B010 - Starlette's own cache attribute, not declared on the class
    return body


def header(request: Request, name: bytes) -> str | None:
    """The first value of a header (`name` in lower case, as servers pass names), as Starlette's `headers.get`
    reads it, without building its Headers object for one lookup."""
    headers: list[tuple[bytes, bytes]] = request.scope["headers"]
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


def authenticate(request: Request, state: EmulatorState, *, control: bool = False) -> AccountState:
    """The key's account; a key disabled through the control surface is refused except by /_emulator/ routes."""
    account = state.account_for(header(request, b"d360-api-key"))
    if account is None or not (account.api_key_valid or control):
        raise InvalidTokenError
    return account


async def read_json(request: Request, state: EmulatorState, *, optional: bool = False) -> dict[str, Any]:
    raw = await read_body(request)
    if optional and not raw.strip():
        return {}
    content_type = header(request, b"content-type") or ""
    if content_type.split(";", 1)[0].strip().lower() != "application/json":
        raise invalid_parameter("The request body must be sent with Content-Type: application/json.")
    try:
        body = loads(raw)
    except UnsafeJsonError as exc:
        raise invalid_parameter(f"The request body is not acceptable JSON: {exc}") from exc
    except ValueError as exc:
        if fx.SERVER_ERROR_ON_MALFORMED in state.faults:
            raise MalformedBodyError from exc
        raise invalid_parameter("The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise invalid_parameter("The request body must be a JSON object.")
    return body


def error_response(error: ApiError, envelope: str, state: EmulatorState) -> Response:
    rendered = render_error(error, envelope, state.ids.fbtrace(), state.faults)
    return Response(rendered.body, rendered.status, rendered.headers, media_type="application/json")


def invalid_token_response(state: EmulatorState) -> Response:
    rendered = _render_invalid_token(state.faults)
    return Response(rendered.body, rendered.status, rendered.headers, media_type="application/json")


async def _recipient(request: Request) -> str | None:
    try:
        to = loads(await read_body(request)).get("to")
    except (ValueError, AttributeError):
        return None
    return to.translate(PHONE_PUNCTUATION) if isinstance(to, str) else None


async def armed_answer(request: Request, state: EmulatorState, spec: RouteSpec) -> Response | None:
    """The armed answer for this request (authentication first), or None for normal processing."""
    account = authenticate(request, state)
    key, method = account.config.api_key, request.method
    to = await _recipient(request) if state.answers.needs_recipient(key, method, spec.path) else None
    answer = state.answers.take(key, method, spec.path, to)
    if answer is None:
        return None
    note = request.scope.get(SCOPE_KEY)
    if note is not None:
        note["armed"] = answer.id
    return render_answer(answer, spec.envelope, state)


def render_answer(answer: ArmedAnswer, envelope: str, state: EmulatorState) -> Response:
    if answer.error == INVALID_TOKEN:
        response = invalid_token_response(state)
    elif answer.error is not None:
        response = error_response(ApiError(answer.error, retry_after=answer.retry_after), envelope, state)
    elif answer.text is not None:
        response = Response(answer.text, answer.status or 200, media_type="text/plain")
    else:
        response = json_response(answer.body, answer.status or 200)
    for name, value in answer.headers.items():
        response.headers[name] = value
    return response


def bind(spec: RouteSpec, state: EmulatorState) -> Callable[[Request], Awaitable[Response]]:
    handler, envelope = spec.handler, spec.envelope
    armable = not spec.path.startswith("/_emulator/")

    async def endpoint(request: Request) -> Response:
        try:
            if armable and state.answers.live:
                answered = await armed_answer(request, state, spec)
                if answered is not None:
                    return answered
            return await handler(request, state)
        except ApiError as error:
            return error_response(error, envelope, state)
        except InvalidTokenError:
            return invalid_token_response(state)
        except MalformedBodyError:
            return Response(b"Internal Server Error", 500, media_type="text/plain")

    endpoint.__name__ = handler.__name__
    return endpoint
