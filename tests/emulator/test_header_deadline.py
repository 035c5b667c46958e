"""The header deadline kept by one watchdog timer per server: each connection's own, ended by complete headers."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from mmlite_conformance.emulator import stack
from tests.emulator.emulator_helpers import ServerFactory

pytestmark = [pytest.mark.integration]

DEADLINE = 0.3
CLOCK = b"GET /_emulator/clock HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture(autouse=True)
def short_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    if not stack.has("httptools"):
        pytest.skip("the header deadline is httptools' guard")
    monkeypatch.setattr(stack, "HEADER_TIMEOUT", DEADLINE)


def _closed_after(sock: socket.socket, start: float) -> float:
    while sock.recv(65536):
        pass
    return time.monotonic() - start


def test_two_silent_connections_are_closed_each_at_its_own_deadline(serve: ServerFactory) -> None:
    server, _ = serve()
    opened = []
    for _ in range(2):
        opened.append((socket.create_connection(("127.0.0.1", server.port), timeout=10), time.monotonic()))
        time.sleep(DEADLINE / 2)
    for sock, start in opened:
        with sock:
            assert DEADLINE - 0.05 < _closed_after(sock, start) < 3


def test_complete_headers_end_the_deadline_of_a_kept_alive_connection(serve: ServerFactory) -> None:
    server, _ = serve()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        for _ in range(4):  # the last request comes well after the connection's first deadline
            sock.sendall(CLOCK)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
            time.sleep(DEADLINE / 2)


def test_a_head_that_arrives_whole_arms_no_deadline(serve: ServerFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the connection's first deadline is set: each later head comes whole in its chunk and needs none."""
    armed: list[float] = []

    class Counted(stack.HeaderDeadline):
        def __init__(self, at: float, transport: Any) -> None:
            armed.append(at)
            super().__init__(at, transport)

    monkeypatch.setattr(stack, "HeaderDeadline", Counted)
    server, _ = serve()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        for _ in range(5):
            sock.sendall(CLOCK)
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    assert len(armed) == 1


def test_a_head_left_open_after_a_complete_request_is_closed_at_its_deadline(serve: ServerFactory) -> None:
    server, _ = serve()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(CLOCK)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        time.sleep(DEADLINE)  # past the connection's first deadline, which its complete head ended
        start = time.monotonic()
        sock.sendall(CLOCK[:20])
        assert DEADLINE - 0.05 < _closed_after(sock, start) < 3


def test_a_pipelined_head_left_open_gets_its_own_deadline(serve: ServerFactory) -> None:
    """A chunk that ends one request and begins the next: the open head is watched from that chunk on."""
    server, _ = serve()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        start = time.monotonic()
        sock.sendall(CLOCK + CLOCK[:20])
        answers = b""
        while chunk := sock.recv(65536):
            answers += chunk
        assert answers.count(b"HTTP/1.1 200") == 1 and DEADLINE - 0.05 < time.monotonic() - start < 3


def test_a_head_spread_over_chunks_is_served_when_complete(serve: ServerFactory) -> None:
    server, _ = serve()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        for piece in (CLOCK[:5], CLOCK[5:30], CLOCK[30:]):
            sock.sendall(piece)
            time.sleep(DEADLINE / 6)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
