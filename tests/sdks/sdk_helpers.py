"""Helpers for the third-party SDK tests: the two surfaces, a loopback ASGI server, the emulator's control calls."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn

from mmlite_conformance.contract import API_KEY_HEADER
from mmlite_conformance.emulator import DEFAULT_API_KEY, EmulatorConfig, WebhookSettings
from mmlite_conformance.emulator.server import bind_socket
from tests.emulator.emulator_helpers import fast_config

PHONE_NUMBER_ID = "100000000000001"  # the default account's (docs/emulator.md, Accounts)
RECIPIENT = "5521912345678"
US_RECIPIENT = "12025550123"  # a marketing template to +1 fails with 131049 (A24)
APP_SECRET = "sdk-tests-app-secret"
WRONG_KEY = "not-a-key-of-the-emulator"
GRAPH_VERSION = "v23.0"

#: the two ways an SDK built for Meta's Graph API reaches the emulator
DIALOG360 = "360dialog"  # base URL, path (no /{version}/{phone_number_id}) and key header (D360-API-KEY) adapted
GRAPH = "graph"  # the opt-in Graph-style alias routes: only the base URL changes
SURFACES = (DIALOG360, GRAPH)


def has_graph_alias() -> bool:
    """Whether this emulator has the opt-in Graph-style routes (`--graph-alias`, issue 12)."""
    return "graph_alias" in {f.name for f in dataclasses.fields(EmulatorConfig)}


def sdk_config(surface: str) -> EmulatorConfig:
    """Fast and deterministic, webhooks signed in both forms (SDKs built for Meta check X-Hub-Signature-256)."""
    overrides: dict[str, Any] = {
        "webhooks": WebhookSettings(
            secret=APP_SECRET,
            signature_headers=("360dialog", "meta"),
            timeout=2.0,
            max_attempts=2,
            backoff_initial=0.01,
            backoff_max=0.05,
        )
    }
    if surface == GRAPH:
        if not has_graph_alias():
            pytest.fail("the emulator has no opt-in Graph-style routes yet (EmulatorConfig.graph_alias)")
        overrides["graph_alias"] = True
    return fast_config(**overrides)


class Dialog360Transport(httpx.BaseTransport):
    """What a partner changes in a Graph SDK to reach 360dialog: host, path and key header; the body is untouched."""

    def __init__(self, base_url: str, *, keep_path: bool = False) -> None:
        self._base = httpx.URL(base_url)
        self._keep_path = keep_path  # GRAPH surface: only the base URL changes
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if not self._keep_path:
            # /v23.0/<phone_number_id>/messages -> /messages
            path = "/" + "/".join(path.split("/")[3:])
            token = request.headers.pop("Authorization", "").removeprefix("Bearer ")
            request.headers[API_KEY_HEADER] = token
        request.url = request.url.copy_with(
            scheme=self._base.scheme, host=self._base.host, port=self._base.port, path=path
        )
        request.headers["Host"] = f"{self._base.host}:{self._base.port}"
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


@dataclass(slots=True)
class Event:
    """One handler call of an SDK: which handler, for which message id, with what."""

    handler: str
    message_id: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Events:
    items: list[Event] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, event: Event) -> None:
        with self.lock:
            self.items.append(event)

    def wait_for(self, handler: str, message_id: str, count: int = 1, timeout: float = 5.0) -> list[Event]:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                found = [e for e in self.items if e.handler == handler and e.message_id == message_id]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.01)


@contextmanager
def serve_asgi(app: Any) -> Iterator[str]:
    """An ASGI app (an SDK's own webhook server) on a loopback port in a thread; yields its base URL."""
    sock = bind_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()


class Sandbox:
    """The emulator's own API and control routes, called plainly (not through an SDK) to arrange a test."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._client = httpx.Client(base_url=base_url, headers={API_KEY_HEADER: DEFAULT_API_KEY}, timeout=10)

    def close(self) -> None:
        self._client.close()

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self._client.post(path, json=body)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def set_webhook(self, url: str) -> None:
        self._post("/waba_webhook", {"url": url})

    def inbound_text(self, text: str, sender: str = RECIPIENT) -> str:
        """A user's text message, posted to the webhook; its message id."""
        answer = self._post("/_emulator/inbound", {"from": sender, "text": text, "wait": True})
        return str(answer["message_id"])

    def drain(self) -> None:
        self._post("/_emulator/deliveries/drain", {"timeout": 5})
