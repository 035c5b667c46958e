"""Fixtures for the emulator tests: a loopback webhook receiver and on-demand servers."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from mmlite_conformance.emulator import EmulatorConfig, EmulatorServer
from tests.emulator.emulator_helpers import KEY, Hit, Receiver, ServerFactory, fast_config, serving


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", "0")))
            with state.lock:
                state.attempts += 1
                failing = state.attempts <= state.fail_first
                if not failing:
                    state.hits.append(Hit({k.lower(): v for k, v in self.headers.items()}, raw))
            self.send_response(500 if failing else 200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with serving(httpd, state):
        yield state


@pytest.fixture
def serve() -> Iterator[ServerFactory]:
    """Start EmulatorServers on demand; each comes with a client; all stopped at teardown (client first)."""
    started: list[tuple[EmulatorServer, httpx.Client]] = []

    def factory(config: EmulatorConfig | None = None) -> tuple[EmulatorServer, httpx.Client]:
        server = EmulatorServer(config or fast_config()).start()
        client = httpx.Client(base_url=server.base_url, headers=KEY, timeout=10)
        started.append((server, client))
        return server, client

    yield factory
    for server, client in started:
        client.close()
        server.stop()
