"""uvicorn's fast stack when installed (httptools, uvloop), no websockets, and the header and idle guards (A42)."""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any, cast

import uvicorn

from mmlite_conformance.emulator.limits import HEADER_TIMEOUT, IDLE_TIMEOUT, MAX_HEADER_BYTES, WatchdogSlot


class HeaderLimitError(Exception):
    """Request line and headers over MAX_HEADER_BYTES: httptools reports it as a parser error (400, closed)."""


class HeaderDeadline:
    """When a connection's (or a request's) headers must be complete; past it the connection is closed."""

    __slots__ = ("at", "done", "transport")

    def __init__(self, at: float, transport: asyncio.BaseTransport) -> None:
        self.at = at
        self.transport: asyncio.BaseTransport | None = transport
        self.done = False

    def expire(self) -> None:
        if self.transport is not None:
            self.transport.close()
        self.end()

    def end(self) -> None:
        """The headers are complete or the connection is gone: the watchdog keeps only this small record."""
        self.done = True
        self.transport = None


def head_size(url: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    """What the header limit counts of a request's head: its target and each header's name and value."""
    return len(url) + sum(len(name) + len(value) for name, value in headers)


def _guarded_httptools() -> type[asyncio.Protocol]:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    base = HttpToolsProtocol

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        """Closes a connection whose request headers are not complete HEADER_TIMEOUT s after it opened (or after
        the chunk a request's head began in), and refuses heads over MAX_HEADER_BYTES.

        Per request it costs two calls: a head that arrives whole in one chunk, as nearly every head does, arms no
        deadline, and its size is counted only when that chunk is longer than the limit. A head left open at the end
        of a chunk is counted from then on and watched by a deadline."""

        _header_deadline: HeaderDeadline | None = None
        _chunk = 0  # bytes of the chunk being parsed
        _complete_scope: object = None  # the scope of the last request whose head completed
        _open_scope: object = None  # the scope of a head left open at the end of a chunk
        _open_bytes = 0  # that head's size at the end of its first chunk, and every byte since
        watchdogs = WatchdogSlot()  # one per server: a queued deadline instead of a loop timer

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(cast(asyncio.Transport, transport))
            self._arm()  # the first head must be complete HEADER_TIMEOUT s after the connection opened

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            self._chunk = len(data)
            base.data_received(self, data)
            if self.scope is not self._complete_scope:  # a head is still open after this chunk
                self._head_left_open()

        def on_headers_complete(self) -> None:
            # an upper bound first: the head is no longer than the chunk (and, if it began earlier, what came before)
            bound = self._chunk + (self._open_bytes if self._open_scope is self.scope else 0)
            if bound > MAX_HEADER_BYTES and head_size(self.url, self.headers) > MAX_HEADER_BYTES:
                raise HeaderLimitError  # the parser's error: uvicorn answers 400 and closes
            self._complete_scope = self.scope
            if self._header_deadline is not None:
                self._disarm()
            base.on_headers_complete(self)

        def _head_left_open(self) -> None:
            if self.scope is None or self.transport.is_closing():  # no request begun, or refused already
                return
            if self._open_scope is not self.scope:  # it began in this chunk: count what the parser holds of it
                self._open_scope, self._open_bytes = self.scope, head_size(self.url, self.headers)
            else:
                self._open_bytes += self._chunk
            if self._open_bytes > MAX_HEADER_BYTES:
                message = "Invalid HTTP request received."  # as uvicorn answers a parser error
                self.logger.warning(message)
                self.send_400_response(message)
                return
            if self._header_deadline is None:
                self._arm()

        def _arm(self) -> None:
            deadline = self._header_deadline = HeaderDeadline(self.loop.time() + HEADER_TIMEOUT, self.transport)
            self.watchdogs.get(self.loop).watch(deadline)

        def _disarm(self) -> None:
            if self._header_deadline is not None:
                self._header_deadline.end()
                self._header_deadline = None

    return GuardedHttpToolsProtocol


def has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def stack_options() -> dict[str, Any]:
    """uvicorn.Config keywords: httptools with the guards and uvloop when installed, else h11 and asyncio."""
    options: dict[str, Any] = {"ws": "none", "timeout_keep_alive": IDLE_TIMEOUT}
    if has("httptools"):
        options["http"] = _guarded_httptools()
    else:  # h11 bounds a request's head itself (16 KiB), without a deadline
        options["http"] = "h11"
    options["loop"] = "uvloop" if has("uvloop") else "asyncio"
    return options


def uvicorn_config(app: Any, log_level: str = "warning") -> uvicorn.Config:
    return uvicorn.Config(
        app, log_level=log_level, access_log=False, lifespan="on", timeout_graceful_shutdown=2, **stack_options()
    )
