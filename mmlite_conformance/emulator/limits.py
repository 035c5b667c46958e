"""Guards of the HTTP server: a body-size limit (413), a body deadline (408), a header deadline and size (A42)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from mmlite_conformance.emulator.errors import ApiError
from mmlite_conformance.emulator.http import error_response

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from mmlite_conformance.emulator.state import EmulatorState

MAX_BODY = 1024 * 1024  # bytes of a request body
BODY_TIMEOUT = 5.0  # seconds from the first read of a body to its last byte
HEADER_TIMEOUT = 5.0  # seconds from a connection (or a request's first byte) to the end of its headers
MAX_HEADER_BYTES = 64 * 1024  # request line and headers
IDLE_TIMEOUT = 5  # seconds a keep-alive connection may stay idle (uvicorn's timeout_keep_alive)


class BodyLimitError(Exception):
    """The body went over MAX_BODY or BODY_TIMEOUT; `key` names the refusal in errors.TRANSPORT."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() and len(value) < 19 else None
    return None


class LimitsMiddleware:
    """Outermost: refuses a declared or streamed body over MAX_BODY and one that arrives too slowly, then closes."""

    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = declared_length(scope)
        if length is not None and length > MAX_BODY:
            await self._refuse(scope, receive, send, "body_too_large")
            return
        received, complete, deadline, started = 0, False, 0.0, False

        async def guarded() -> Message:
            nonlocal received, complete, deadline
            if complete:  # after the body only a disconnect can come: no deadline for that
                return await receive()
            if not deadline:
                deadline = asyncio.get_running_loop().time() + BODY_TIMEOUT
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyLimitError("body_timeout") from None
            received += len(message.get("body", b""))
            if received > MAX_BODY:
                raise BodyLimitError("body_too_large")
            complete = not message.get("more_body", False)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, guarded, watched)
        except BodyLimitError as exc:
            if started:
                raise
            await self._refuse(scope, receive, send, exc.key)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, key: str) -> None:
        response = error_response(ApiError(key), "graph", self.state)
        response.headers["Connection"] = "close"  # the rest of the body is not read: end the connection
        await response(scope, receive, send)
