"""Helpers for the emulator tests: payloads, a webhook receiver record, fast configs, clients, schema validators."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx

from mmlite_conformance.emulator import DEFAULT_API_KEY, EmulatorConfig, EmulatorServer

KEY = {"D360-API-KEY": DEFAULT_API_KEY}
RECIPIENT = "5521912345678"
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"

#: the `serve` fixture: starts an EmulatorServer (fast_config() by default) with a client
ServerFactory = Callable[..., tuple[EmulatorServer, httpx.Client]]


def template_send(name: str = "marketing_text_no_param", to: str = RECIPIENT, **extra: Any) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {"name": name, "language": {"code": "en", "policy": "deterministic"}},
        **extra,
    }


def text_send(to: str = RECIPIENT, body: str = "hello") -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": body}}


@dataclass
class Hit:
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)


@dataclass
class Receiver:
    """Loopback webhook receiver; answers `fail_first` requests with 500 before accepting."""

    url: str = ""
    hits: list[Hit] = field(default_factory=list)
    fail_first: int = 0
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Hit]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.hits) >= count:
                    return list(self.hits)
            time.sleep(0.005)
        raise AssertionError(f"expected {count} webhooks, got {len(self.hits)}")

    def statuses(self) -> list[str]:
        return [h.json["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] for h in self.hits]


def _zero() -> Any:
    from mmlite_conformance.emulator import DeliveryDelays

    return DeliveryDelays(0.0, 0.0, 0.0)


def fast_config(**overrides: Any) -> EmulatorConfig:
    """Frozen clock, zero delivery delays, quick retries: deterministic and fast."""
    from mmlite_conformance.emulator import DeliveryDelays, WebhookSettings

    values: dict[str, Any] = {
        "frozen_clock": True,
        "delays": DeliveryDelays(0.0, 0.0, 0.0),
        "webhooks": WebhookSettings(timeout=2.0, max_attempts=3, backoff_initial=0.01, backoff_max=0.05),
    }
    values.update(overrides)
    return EmulatorConfig(**values)


@asynccontextmanager
async def asgi_client(config: EmulatorConfig | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of a fresh app (no lifespan: the dispatcher is closed here)."""
    from mmlite_conformance.emulator import create_app

    app = create_app(config or fast_config())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator", headers=KEY) as client:
        yield client
    await app.state.emulator.aclose()


def schema_validator(name: str) -> Any:
    """A Draft 2020-12 validator of one of the project's schemas (schemas/<name>.schema.json), refs resolved."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    documents = [json.loads(path.read_text()) for path in sorted(SCHEMAS.glob("*.schema.json"))]
    registry: Registry[Any] = Registry().with_resources((doc["$id"], Resource.from_contents(doc)) for doc in documents)
    target = next(doc for doc in documents if doc["$id"].endswith(f"/{name}.schema.json"))
    return Draft202012Validator(target, registry=registry)


class _Served(Protocol):
    url: str


ServedT = TypeVar("ServedT", bound=_Served)


@contextmanager
def serving(httpd: ThreadingHTTPServer, state: ServedT) -> Iterator[ServedT]:
    """A loopback test receiver served in a thread, its URL in `state.url`; shut down afterwards."""
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/hook"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
