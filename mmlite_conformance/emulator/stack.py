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


def _guarded_httptools() -> type[asyncio.Protocol]:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    base = HttpToolsProtocol

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        """Closes a connection whose request headers are not complete HEADER_TIMEOUT s after it opened (or after
        the request's first byte), and refuses headers over MAX_HEADER_BYTES."""

        _header_deadline: HeaderDeadline | None = None
        _header_bytes = 0
        watchdogs = WatchdogSlot()  # one per server: a queued deadline per request instead of a loop timer

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(cast(asyncio.Transport, transport))
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            base.on_message_begin(self)
            self._header_bytes = 0
            if self._header_deadline is None:
                self._arm()

        # the parser calls these once per header: the count is inline and the base method named, not looked up
        # through super() (about 1.5 us of a request with five headers)
        def on_url(self, url: bytes) -> None:
            size = self._header_bytes + len(url)
            if size > MAX_HEADER_BYTES:
                raise HeaderLimitError
            self._header_bytes = size
            base.on_url(self, url)

        def on_header(self, name: bytes, value: bytes) -> None:
            size = self._header_bytes + len(name) + len(value)
            if size > MAX_HEADER_BYTES:
                raise HeaderLimitError
            self._header_bytes = size
            base.on_header(self, name, value)

        def on_headers_complete(self) -> None:
            self._disarm()
            base.on_headers_complete(self)

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
