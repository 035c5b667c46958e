"""uvicorn's fast stack when installed (httptools, uvloop), no websockets, and the header and idle guards (A42)."""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any, cast

import uvicorn

from mmlite_conformance.emulator.limits import HEADER_TIMEOUT, IDLE_TIMEOUT, MAX_HEADER_BYTES


class HeaderLimitError(Exception):
    """Request line and headers over MAX_HEADER_BYTES: httptools reports it as a parser error (400, closed)."""


def _guarded_httptools() -> type[asyncio.Protocol]:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        """Closes a connection whose request headers are not complete HEADER_TIMEOUT s after it opened (or after
        the request's first byte), and refuses headers over MAX_HEADER_BYTES."""

        _header_timer: asyncio.TimerHandle | None = None
        _header_bytes = 0

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(cast(asyncio.Transport, transport))
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._header_bytes = 0
            if self._header_timer is None:
                self._arm()

        def on_url(self, url: bytes) -> None:
            self._count(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count(len(name) + len(value))
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def _count(self, size: int) -> None:
            self._header_bytes += size
            if self._header_bytes > MAX_HEADER_BYTES:
                raise HeaderLimitError

        def _arm(self) -> None:
            self._header_timer = self.loop.call_later(HEADER_TIMEOUT, self.transport.close)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

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
