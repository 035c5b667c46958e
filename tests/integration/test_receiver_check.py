"""S1a's first scenario (the receiver is reachable) fails when the webhook URL does not lead to the receiver."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from threading import Thread

import httpx
import pytest

from mmlite_conformance.suite.config import Secret, Settings
from mmlite_conformance.suite.redaction import Redactor, derive_pseudonym_key
from mmlite_conformance.suite.targets import LiveTarget
from mmlite_conformance.suite.webhooks import WebhookTimeoutError

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _target(public_url: str, listen: tuple[str, int] = ("127.0.0.1", 0)) -> Iterator[LiveTarget]:
    settings = Settings(
        target="live",
        record=None,
        api_key=Secret("k" * 24),
        not_onboarded_api_key=None,
        recipient="5511987650001",
        webhook_listen=listen,
        webhook_public_url=public_url,
    )
    target = LiveTarget(settings)
    target.start(Redactor([], [], derive_pseudonym_key(None)))
    try:
        yield target
    finally:
        target.stop()


def test_a_webhook_url_where_nothing_listens_fails_the_step() -> None:
    with _target(f"http://127.0.0.1:{_free_port()}/webhook") as target, pytest.raises(httpx.ConnectError):
        target.post_test_notification("abc123")


def test_a_webhook_url_that_answers_but_is_not_the_receiver_fails_the_wait() -> None:
    class Elsewhere(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # a tunnel pointing at the wrong service: 200, but not our receiver
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            return None

    other = HTTPServer(("127.0.0.1", 0), Elsewhere)
    Thread(target=other.serve_forever, daemon=True).start()
    try:
        with _target(f"http://127.0.0.1:{other.server_address[1]}/webhook") as target:
            marker = target.post_test_notification("abc123")
            assert target.receiver is not None
            with pytest.raises(WebhookTimeoutError, match="abc123"):
                target.receiver.store.wait_for(lambda event: marker in event.raw, timeout=0.5, description=marker)
    finally:
        other.shutdown()


def test_the_receiver_behind_the_webhook_url_gets_the_notification() -> None:
    port = _free_port()
    with _target(f"http://127.0.0.1:{port}/webhook", listen=("127.0.0.1", port)) as target:
        marker = target.post_test_notification("abc123")
        assert target.receiver is not None
        assert marker in target.receiver.store.wait_for(lambda e: marker in e.raw, timeout=2).raw
