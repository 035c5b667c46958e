"""The body deadline (408) kept by one watchdog timer per loop: each request's own deadline, only while it waits."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import MutableMapping
from typing import Any

import pytest

from mmlite_conformance.emulator import limits
from mmlite_conformance.emulator.config import EmulatorConfig
from mmlite_conformance.emulator.state import EmulatorState
from tests.emulator.emulator_helpers import KEY, ServerFactory

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

DEADLINE = 0.3


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def short_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "BODY_TIMEOUT", DEADLINE)


class Client:
    """An ASGI client that sends the body in the chunks given, each after its delay (None: never sends it)."""

    def __init__(self, chunks: list[tuple[float | None, bytes]]) -> None:
        self.chunks = chunks
        self.sent: list[MutableMapping[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        if not self.chunks:
            await asyncio.sleep(3600)  # a disconnect never comes
        delay, body = self.chunks.pop(0)
        await asyncio.sleep(3600 if delay is None else delay)
        return {"type": "http.request", "body": body, "more_body": bool(self.chunks)}

    async def send(self, message: MutableMapping[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int | None:
        return next((m["status"] for m in self.sent if m["type"] == "http.response.start"), None)


def _scope() -> dict[str, Any]:
    return {"type": "http", "method": "POST", "path": "/x", "headers": [(b"content-length", b"10")]}


def _middleware(app: Any) -> limits.LimitsMiddleware:
    return limits.LimitsMiddleware(app, EmulatorState(EmulatorConfig()))


async def _ok(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def call(middleware: limits.LimitsMiddleware, client: Client) -> None:
    async with asyncio.timeout(5):  # a deadline that never fires fails the test instead of hanging it
        await middleware(_scope(), client.receive, client.send)


def read_then(pause: float, reads: int = 1) -> Any:
    """An app that reads `reads` messages, sleeping `pause` s after each, then answers 200."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        for _ in range(reads):
            await receive()
            await asyncio.sleep(pause)
        await _ok(scope, receive, send)

    return app


async def test_a_body_that_never_ends_is_a_408_at_its_deadline() -> None:
    client = Client([(0.0, b"{"), (None, b"}")])
    start = time.monotonic()
    await call(_middleware(read_then(0, reads=2)), client)
    assert client.status == 408 and DEADLINE - 0.01 < time.monotonic() - start < DEADLINE + 0.2


async def test_a_complete_body_has_no_deadline_left_for_a_slow_handler() -> None:
    client = Client([(0.0, b"{}")])
    await call(_middleware(read_then(DEADLINE * 2)), client)
    assert client.status == 200


async def test_finished_requests_leave_the_watchdog_at_once_under_steady_load() -> None:
    middleware = _middleware(read_then(0))
    for _ in range(50):
        await call(middleware, Client([(0.0, b"{}")]))
    assert len(middleware.watchdogs.get(asyncio.get_running_loop()).queue) == 1  # the last one, until the next arrives


async def test_a_deadline_passed_outside_a_read_refuses_the_next_read() -> None:
    client = Client([(0.0, b"{"), (0.0, b"}")])
    await call(_middleware(read_then(DEADLINE + 0.1, reads=2)), client)
    assert client.status == 408


async def test_each_request_keeps_its_own_deadline_on_one_timer() -> None:
    middleware = _middleware(read_then(0, reads=2))
    early, late = Client([(0.0, b"{"), (None, b"}")]), Client([(0.0, b"{"), (None, b"}")])
    fast = Client([(0.0, b"{"), (0.05, b"}")])

    async def timed(client: Client, after: float) -> float:
        await asyncio.sleep(after)
        start = time.monotonic()
        await call(middleware, client)
        return time.monotonic() - start

    spans = await asyncio.gather(timed(early, 0), timed(fast, 0.05), timed(late, 0.15))
    assert (early.status, fast.status, late.status) == (408, 200, 408)
    assert all(DEADLINE - 0.01 < span < DEADLINE + 0.2 for span in (spans[0], spans[2]))  # late: re-armed, not early
    assert not middleware.watchdogs.get(asyncio.get_running_loop()).queue  # nothing kept once all expired or finished


async def test_a_cancellation_from_outside_stays_a_cancellation() -> None:
    client = Client([(None, b"{}")])
    task = asyncio.ensure_future(call(_middleware(read_then(0)), client))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert client.status is None


def test_two_slow_bodies_over_a_socket_each_get_a_408_at_their_own_deadline(serve: ServerFactory) -> None:
    server, client = serve()
    head = (
        f"POST /messages HTTP/1.1\r\nHost: 127.0.0.1\r\nD360-API-KEY: {KEY['D360-API-KEY']}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    ).encode()
    socks = []
    for _ in range(2):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        sock.sendall(head)
        socks.append((sock, time.monotonic()))
        time.sleep(DEADLINE / 2)
    for sock, start in socks:
        with sock:
            answer = sock.recv(65536)
            elapsed = time.monotonic() - start
        assert answer.startswith(b"HTTP/1.1 408") and DEADLINE - 0.05 < elapsed < 3
    assert client.get("/_emulator/account").status_code == 200


async def test_the_running_loop_is_asked_once_not_at_every_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """asyncio.get_running_loop() makes a getpid() system call on Python 3.11: the watchdog's loop, running on this
    thread, stands in for it after the first request (and the deadline still holds the request's own task)."""
    asked: list[int] = []
    real = asyncio.get_running_loop

    def counting() -> asyncio.AbstractEventLoop:
        asked.append(1)
        return real()

    monkeypatch.setattr(asyncio, "get_running_loop", counting)

    async def read_whole_body(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        await _ok(scope, receive, send)

    middleware = _middleware(read_whole_body)
    clients = [Client([(0.0, b"{}")]) for _ in range(5)]
    for client in clients:
        await call(middleware, client)
    never_ending = Client([(0.0, b"{"), (None, b"}")])
    await call(middleware, never_ending)
    assert [client.status for client in clients] == [200] * 5 and never_ending.status == 408
    assert len(asked) == 1


def test_a_new_loop_gets_its_own_watchdog() -> None:
    """One app served on two loops, one after the other (as the tests do): the second asks for its loop again."""
    middleware = _middleware(read_then(0))
    loops: list[asyncio.AbstractEventLoop] = []
    for _ in range(2):

        async def serve_one() -> None:
            await call(middleware, Client([(0.0, b"{}")]))
            assert middleware.watchdogs.running().loop is asyncio.get_running_loop()
            loops.append(asyncio.get_running_loop())

        asyncio.run(serve_one())
    assert loops[0] is not loops[1]


class HeldBody:
    """A server's request cycle as uvicorn keeps it: the body bytes not yet read, and whether more may come."""

    def __init__(self, body: bytes, more_body: bool) -> None:
        self.body, self.more_body = body, more_body

    async def receive(self) -> dict[str, Any]:
        if not self.more_body:
            body, self.body = self.body, b""
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # the rest never comes
        raise AssertionError("unreachable")


async def _send_into(client: Client, held: HeldBody, middleware: limits.LimitsMiddleware) -> None:
    scope = {**_scope(), "headers": [(b"content-length", str(len(held.body)).encode())]}
    async with asyncio.timeout(5):
        await middleware(scope, held.receive, client.send)


async def test_a_body_the_server_already_holds_whole_needs_no_deadline() -> None:
    middleware, client = _middleware(read_then(0)), Client([])
    await _send_into(client, HeldBody(b"{}", more_body=False), middleware)
    assert client.status == 200 and middleware.watchdogs.current is None  # no deadline was ever set


async def test_a_whole_body_over_the_limit_is_still_a_413() -> None:
    middleware, client = _middleware(read_then(0)), Client([])
    await _send_into(client, HeldBody(b"x" * (limits.MAX_BODY + 1), more_body=False), middleware)
    assert client.status == 413


async def test_a_body_the_server_holds_in_part_is_watched() -> None:
    middleware, client = _middleware(read_then(0)), Client([])
    await _send_into(client, HeldBody(b"{", more_body=True), middleware)
    assert client.status == 408
