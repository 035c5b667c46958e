"""Fixtures for the third-party SDK tests: an emulator per surface, pywa wired to it, the pinned Node SDKs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from pywa.client import WhatsApp
from pywa.handlers import MessageHandler, MessageStatusHandler
from pywa.types.message import Message
from pywa.types.message_status import MessageStatus
from starlette.applications import Starlette

from mmlite_conformance.emulator import DEFAULT_API_KEY, EmulatorServer
from tests.sdks.node_sdks import NodeSdks, install_node_sdks
from tests.sdks.sdk_helpers import (
    APP_SECRET,
    GRAPH,
    PHONE_NUMBER_ID,
    SURFACES,
    WRONG_KEY,
    Dialog360Transport,
    Event,
    Events,
    Sandbox,
    sdk_config,
    serve_asgi,
)


@dataclass(slots=True)
class PywaWorld:
    """pywa's client (sending, and receiving through its own Starlette routes) against one emulator surface."""

    surface: str
    wa: WhatsApp
    wrong_key: WhatsApp
    events: Events
    sandbox: Sandbox


def _session(base_url: str, surface: str) -> httpx.Client:
    return httpx.Client(transport=Dialog360Transport(base_url, keep_path=surface == GRAPH), timeout=10)


def _record_handlers(wa: WhatsApp, events: Events) -> None:
    def on_status(_: WhatsApp, status: MessageStatus[Any]) -> None:
        code = status.error.code if status.error is not None else None
        events.add(Event("status", status.id, {"status": status.status.value, "error_code": code}))

    def on_message(_: WhatsApp, message: Message) -> None:
        events.add(Event("message", message.id, {"text": message.text, "from": message.from_user.wa_id}))

    wa.add_handlers(MessageStatusHandler(on_status), MessageHandler(on_message))


@pytest.fixture(scope="module", params=SURFACES)
def pywa_world(request: pytest.FixtureRequest) -> Iterator[PywaWorld]:
    surface: str = request.param
    with EmulatorServer(sdk_config(surface)) as emulator:
        app = Starlette()
        events = Events()
        session, wrong_key_session = _session(emulator.base_url, surface), _session(emulator.base_url, surface)
        wa = WhatsApp(
            phone_id=PHONE_NUMBER_ID,
            token=DEFAULT_API_KEY,
            session=session,
            server=cast(Any, app),  # pywa serves Starlette (CustomServerType) though it annotates Flask | FastAPI
            webhook_endpoint="/webhook",
            verify_token="sdk-tests-verify-token",
            app_secret=APP_SECRET,  # pywa checks X-Hub-Signature-256 with it
        )
        _record_handlers(wa, events)
        sandbox = Sandbox(emulator.base_url)
        with serve_asgi(app) as hook_base:
            sandbox.set_webhook(f"{hook_base}/webhook")
            wrong_key = WhatsApp(phone_id=PHONE_NUMBER_ID, token=WRONG_KEY, session=wrong_key_session)
            yield PywaWorld(surface, wa, wrong_key, events, sandbox)
            sandbox.drain()
        for client in (session, wrong_key_session, sandbox):
            client.close()


@pytest.fixture(scope="session")
def node_sdks() -> NodeSdks:
    """Installed once per machine into a cache outside the repository (see node_sdks.cache_root)."""
    return install_node_sdks(Path(__file__).parent / "node")
