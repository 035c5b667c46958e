"""Webhook certification controls: signature forms, wrong and absent signatures, repeats and bursts (loopback only)."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from mmlite_conformance.emulator import (
    META_SIGNATURE_HEADER,
    SIGNATURE_HEADER,
    ConfigError,
    EmulatorConfig,
    WebhookSettings,
)
from tests.emulator.emulator_helpers import Receiver, ServerFactory, asgi_client, fast_config, serving

pytestmark = pytest.mark.unit
SECRET = "s3cret"
DIALOG, META = SIGNATURE_HEADER.lower(), META_SIGNATURE_HEADER.lower()


def _config(secret: str | None = SECRET, forms: tuple[str, ...] = ("360dialog",)) -> EmulatorConfig:
    hooks = WebhookSettings(secret, timeout=2.0, max_attempts=1, signature_headers=forms)
    return fast_config(webhooks=hooks)


def _digest(raw: bytes, key: str = SECRET) -> str:
    return hmac.new(key.encode(), raw, hashlib.sha256).hexdigest()


def _notify(serve: ServerFactory, receiver: Receiver, config: EmulatorConfig, **body: Any) -> dict[str, Any]:
    _, client = serve(config)
    client.post("/waba_webhook", json={"url": receiver.url})
    answer = client.post("/_emulator/notifications", json={"kind": "account_update", "wait": True, **body})
    assert answer.status_code == 200, answer.text
    delivery: dict[str, Any] = answer.json()["delivery"]
    return delivery


# signatures ---------------------------------------------------------------------------------------------------------
def _verifies(headers: dict[str, str], raw: bytes, form: str, key: str = SECRET) -> bool:
    """What a receiver of each form checks: 360dialog's bare hex digest, or Meta's "sha256=" and the digest."""
    expected = {DIALOG: _digest(raw, key), META: "sha256=" + _digest(raw, key)}
    header = DIALOG if form == "360dialog" else META
    return header in headers and hmac.compare_digest(headers[header], expected[header])


def test_default_signature_is_both_forms(serve: ServerFactory, receiver: Receiver) -> None:
    assert WebhookSettings().signature_headers == ("360dialog", "meta")
    hooks = WebhookSettings(SECRET, timeout=2.0, max_attempts=1)  # the forms left at their default (A40)
    delivery = _notify(serve, receiver, fast_config(webhooks=hooks))
    hit = receiver.hits[0]
    assert _verifies(hit.headers, hit.raw, "360dialog") and _verifies(hit.headers, hit.raw, "meta")
    assert delivery["signature"] == "valid"
    # failing inputs: another body or another secret verifies in neither form
    for form in ("360dialog", "meta"):
        assert not _verifies(hit.headers, hit.raw + b" ", form)
        assert not _verifies(hit.headers, hit.raw, form, key="other")


def test_one_form_can_still_be_chosen(serve: ServerFactory, receiver: Receiver) -> None:
    _notify(serve, receiver, _config(forms=("360dialog",)))
    _notify(serve, receiver, _config(forms=("meta",)))
    dialog_only, meta_only = receiver.wait_for(2)
    assert _verifies(dialog_only.headers, dialog_only.raw, "360dialog") and META not in dialog_only.headers
    assert _verifies(meta_only.headers, meta_only.raw, "meta") and DIALOG not in meta_only.headers


@pytest.mark.parametrize("forms", [("meta",), ("360dialog", "meta")])
def test_signature_forms_verify_against_the_secret(
    serve: ServerFactory, receiver: Receiver, forms: tuple[str, ...]
) -> None:
    assert _notify(serve, receiver, _config(forms=forms))["signature"] == "valid"
    hit = receiver.hits[0]
    assert hmac.compare_digest(hit.headers[META], "sha256=" + _digest(hit.raw))
    assert (DIALOG in hit.headers) == ("360dialog" in forms)
    if "360dialog" in forms:
        assert hmac.compare_digest(hit.headers[DIALOG], _digest(hit.raw))


@pytest.mark.parametrize(
    ("secret", "forms", "headers"),
    [
        (SECRET, ("360dialog", "meta"), {DIALOG, META}),
        (SECRET, ("360dialog",), {DIALOG}),
        (None, ("360dialog",), {DIALOG, META}),  # no secret: both forms, with a digest nobody can verify
    ],
)
def test_wrong_signature(
    serve: ServerFactory, receiver: Receiver, secret: str | None, forms: tuple[str, ...], headers: set[str]
) -> None:
    assert _notify(serve, receiver, _config(secret, forms), signature="wrong")["signature"] == "wrong"
    hit = receiver.hits[0]
    assert {DIALOG, META} & hit.headers.keys() == headers
    right = _digest(hit.raw)
    assert hit.headers.get(DIALOG, "") != right and hit.headers.get(META, "") != "sha256=" + right
    assert len(hit.headers.get(DIALOG, "0" * 64)) == 64 and hit.headers.get(META, "sha256=").startswith("sha256=")


def test_no_signature(serve: ServerFactory, receiver: Receiver) -> None:
    assert _notify(serve, receiver, _config(forms=("360dialog", "meta")), signature="none")["signature"] == "none"
    assert {DIALOG, META} & receiver.hits[0].headers.keys() == set()


def test_valid_without_a_secret_sends_no_signature(serve: ServerFactory, receiver: Receiver) -> None:
    assert _notify(serve, receiver, _config(None))["signature"] == "none"
    assert {DIALOG, META} & receiver.hits[0].headers.keys() == set()


def test_signature_settings_are_validated() -> None:
    for forms in [(), ("hub",), ("meta", "meta")]:
        with pytest.raises(ConfigError, match="signature"):
            EmulatorConfig(webhooks=WebhookSettings(signature_headers=forms))


def test_cli_signature_form() -> None:
    import argparse

    from mmlite_conformance.cli import main
    from mmlite_conformance.emulator.cli import UsageError, add_arguments, build_config

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    chosen = {
        form: build_config(parser.parse_args(["--webhook-signature-form", form])).webhooks.signature_headers
        for form in ("360dialog", "meta", "both")
    }
    assert chosen == {"360dialog": ("360dialog",), "meta": ("meta",), "both": ("360dialog", "meta")}
    assert build_config(parser.parse_args([])).webhooks.signature_headers == ("360dialog", "meta")
    with pytest.raises(UsageError, match="--webhook-signature-form"):
        build_config(parser.parse_args(["--webhook-signature-form", "hub"]))
    assert main(["emulator", "--webhook-signature-form", "hub"]) == 2


# repeats ------------------------------------------------------------------------------------------------------------
def test_repeat_posts_the_same_bytes(serve: ServerFactory, receiver: Receiver) -> None:
    _, client = serve(_config())
    client.post("/waba_webhook", json={"url": receiver.url})
    answer = client.post("/_emulator/notifications", json={"kind": "user_actions", "wait": True, "repeat": 2}).json()
    first, second = receiver.wait_for(2)
    assert first.raw == second.raw and first.headers[DIALOG] == second.headers[DIALOG]
    assert [d["outcome"] for d in answer["deliveries"]] == ["delivered", "delivered"]
    assert answer["delivery"] == answer["deliveries"][-1]
    assert client.post("/_emulator/notifications", json={"kind": "custom", "repeat": 11}).status_code == 400


# bursts -------------------------------------------------------------------------------------------------------------
@dataclass
class BurstServer:
    """A loopback webhook endpoint that counts requests in flight (answered after `delay` s with `status`)."""

    url: str = ""
    delay: float = 0.0
    status: int = 200
    hits: list[dict[str, str]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def burst_server() -> Iterator[BurstServer]:
    state = BurstServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            with state.lock:
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
                state.hits.append({k.lower(): v for k, v in self.headers.items()})
            time.sleep(state.delay)
            with state.lock:  # before answering: the client cannot have its answer (and a free slot) earlier
                state.in_flight -= 1
            self.send_response(state.status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128
        daemon_threads = True

    httpd = Server(("127.0.0.1", 0), Handler)
    with serving(httpd, state):
        yield state


Burst = Callable[..., dict[str, Any]]
STATUS = {"message_id": "wamid.burst", "recipient_id": "5521912345678", "category": "marketing_lite"}


@pytest.fixture
def burst(serve: ServerFactory, burst_server: BurstServer) -> Burst:
    _, client = serve(_config())
    client.post("/waba_webhook", json={"url": burst_server.url})

    def post(**body: Any) -> dict[str, Any]:
        request = {"kind": "status", "params": STATUS, **body}
        answer = client.post("/_emulator/notifications/burst", json=request, timeout=30)
        assert answer.status_code == 200, answer.text
        report: dict[str, Any] = answer.json()
        return report

    return post


def test_burst_at_the_numbers_throughput(burst: Burst, burst_server: BurstServer) -> None:
    burst_server.delay = 0.01
    report = burst(count=80, concurrency=16, within=1.0)
    assert (report["count"], report["concurrency"], report["delivered_2xx"]) == (80, 16, 80)
    assert [d["status"] for d in report["deliveries"]] == [200] * 80 and len(burst_server.hits) == 80
    assert 0.9 <= report["released_within_s"] <= 1.0 + 0.25
    assert burst_server.max_in_flight <= 16
    assert 0 < report["p99_latency_ms"] <= report["max_latency_ms"] < 5000
    assert all(hit[DIALOG] == burst_server.hits[0][DIALOG] for hit in burst_server.hits)  # the same signed bytes
    assert report["signature"] == "valid" and report["payload"]["entry"][0]["changes"][0]["value"]["statuses"]


def test_burst_respects_its_concurrency_against_a_slow_server(burst: Burst, burst_server: BurstServer) -> None:
    burst_server.delay = 0.3
    report = burst(count=12, concurrency=4, within=0.05)
    assert burst_server.max_in_flight == 4
    latencies = [d["latency_ms"] for d in report["deliveries"]]
    assert all(300 <= latency < 2000 for latency in latencies), latencies
    assert report["max_latency_ms"] == max(latencies) and report["p99_latency_ms"] == max(latencies)
    assert report["released_within_s"] >= 0.55  # three waves: a copy waits for a free connection
    assert report["delivered_2xx"] == 12


def test_burst_reports_answers_and_timeouts(burst: Burst, burst_server: BurstServer) -> None:
    burst_server.status = 503
    report = burst(count=3, within=0, signature="wrong")
    assert [(d["status"], d["outcome"]) for d in report["deliveries"]] == [(503, "failed")] * 3
    assert report["delivered_2xx"] == 0 and report["signature"] == "wrong"
    burst_server.status, burst_server.delay = 200, 0.5
    late = burst(count=2, within=0, timeout=0.1)
    assert late["deliveries"] == [{"status": None, "latency_ms": None, "outcome": "failed"}] * 2
    assert late["max_latency_ms"] is None and late["p99_latency_ms"] is None


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_burst_bounds_and_no_webhook(anyio_backend: str) -> None:
    refused: list[dict[str, Any]] = [
        {},
        {"count": 0},
        {"count": 501},
        {"count": 1, "concurrency": 0},
        {"count": 1, "concurrency": 65},
        {"count": 1, "within": -1},
        {"count": 1, "within": 61},
        {"count": 1, "timeout": 0},
        {"count": 1, "signature": "forged"},
        {"count": 1, "repeat": 2},
    ]
    async with asgi_client() as client:
        for bad in refused:
            answer = await client.post("/_emulator/notifications/burst", json={"kind": "account_update", **bad})
            assert answer.status_code == 400, bad
            assert answer.json()["error"]["code"] == 100
        report = (
            await client.post(
                "/_emulator/notifications/burst",
                json={"kind": "custom", "count": 3, "params": {"field": "future", "value": {}}},
            )
        ).json()
    assert report["deliveries"] == [{"status": None, "latency_ms": None, "outcome": "no_webhook"}] * 3
    assert (report["released_within_s"], report["delivered_2xx"], report["signature"]) == (None, 0, "none")


def test_openapi_describes_signatures_and_bursts() -> None:
    from mmlite_conformance.emulator.openapi import build_openapi

    spec = build_openapi()
    schemas = spec["components"]["schemas"]
    assert "/_emulator/notifications/burst" in spec["paths"]
    assert {"signature", "repeat"} <= schemas["NotificationRequest"]["properties"].keys()
    assert schemas["BurstRequest"]["required"] == ["kind", "count"]
    assert "signature" in schemas["DeliveryReport"]["required"]
    assert {"A40", "A41"} <= {a["id"] for a in spec["x-assumptions"]}
