"""The receiver's limits over raw loopback sockets: garbage is answered 4xx, slow senders are cut off, bursts kept."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import pytest

from mmlite_conformance.suite.webhooks import WebhookReceiver, WebhookStore, WebhookTimeoutError, statuses
from mmlite_conformance.suite.webhooks.limits import MAX_BODY_BYTES, MAX_CONNECTIONS, MAX_JSON_DEPTH
from tests.payloads import status_body

pytestmark = pytest.mark.integration

LINE = b"POST /webhook HTTP/1.1\r\n"
#: short enough for quick tests, long enough for a loaded CI machine to send a complete request
TIMEOUT = 0.5


@dataclass(slots=True)
class Answer:
    status: int | None  # None: the connection ended without an answer
    text: str
    seconds: float


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(request_timeout=TIMEOUT) as running:
        yield running


def _connect(receiver: WebhookReceiver) -> socket.socket:
    assert receiver.address is not None
    return socket.create_connection(receiver.address, timeout=10)


def _read_answer(conn: socket.socket, started: float) -> Answer:
    """Everything until the server closes or one whole answer arrived."""
    data = b""
    while True:
        head, _, rest = data.partition(b"\r\n\r\n")
        if _ and len(rest) >= _content_length(head):
            break
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    if not data:
        return Answer(None, "", time.monotonic() - started)
    head, _, rest = data.partition(b"\r\n\r\n")
    return Answer(int(head.split(b" ", 2)[1]), rest.decode(), time.monotonic() - started)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def _send(receiver: WebhookReceiver, data: bytes) -> Answer:
    with _connect(receiver) as conn:
        started = time.monotonic()
        conn.sendall(data)
        return _read_answer(conn, started)


def _post(body: bytes, content_type: str = "application/json", extra: str = "") -> bytes:
    head = f"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    return (head + extra + "\r\n").encode() + body


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_a_360dialog_notification_is_answered_200_at_once_and_stored(receiver: WebhookReceiver) -> None:
    body = json.dumps(status_body("wamid.OK", "delivered")).encode()
    answer = _send(receiver, _post(body))
    assert answer.status == 200 and answer.seconds < 5
    (event,) = receiver.store.events()
    assert statuses(event)[0]["status"] == "delivered"
    assert receiver.refused == {}


def test_malformed_json_is_refused_400_and_not_stored(receiver: WebhookReceiver) -> None:
    answer = _send(receiver, _post(b'{"entry": [', "application/json; charset=utf-8"))
    assert answer.status == 400 and "declared JSON that does not parse" in answer.text
    assert receiver.store.events() == []
    assert receiver.refused == {"malformed_json": 1}
    # the same bytes not declared JSON are kept as text, as a timeout message shows them
    assert _send(receiver, _post(b'{"entry": [', "text/plain")).status == 200
    assert receiver.store.events()[0].raw == '{"entry": ['


def test_5000_levels_of_nesting_are_answered_400_not_a_dropped_connection(receiver: WebhookReceiver) -> None:
    answer = _send(receiver, _post(_nested(5000)))
    assert answer.status == 400 and f"deeper than {MAX_JSON_DEPTH}" in answer.text
    assert receiver.store.events() == [] and receiver.refused == {"too_deep": 1}


def test_the_depth_limit_sits_exactly_at_its_value(receiver: WebhookReceiver) -> None:
    assert _send(receiver, _post(_nested(MAX_JSON_DEPTH))).status == 200
    assert _send(receiver, _post(_nested(MAX_JSON_DEPTH + 1))).status == 400
    assert len(receiver.store.events()) == 1 and receiver.refused == {"too_deep": 1}


def test_a_declared_length_of_10_to_the_12_is_answered_413_without_reading(receiver: WebhookReceiver) -> None:
    head = (
        b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000000\r\n\r\n"
    )
    answer = _send(receiver, head + b'{"a": 1')  # only the head and a few bytes: the rest never comes
    assert answer.status == 413 and answer.seconds < TIMEOUT  # not the timeout: no byte of the body was waited for
    assert receiver.store.events() == [] and receiver.refused == {"too_large": 1}


def test_a_2_mib_body_is_answered_413_and_the_client_reads_it(receiver: WebhookReceiver) -> None:
    big = json.dumps({"pad": "x" * (2 * MAX_BODY_BYTES)}).encode()
    with httpx.Client(timeout=10) as client:
        declared = client.post(receiver.url, content=big, headers={"Content-Type": "application/json"})

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(big), 65536):
                yield big[start : start + 65536]

        chunked = client.post(receiver.url, content=chunks())
        within = client.post(receiver.url, json={"pad": "x" * (MAX_BODY_BYTES - 100)})
    assert (declared.status_code, chunked.status_code, within.status_code) == (413, 413, 200)
    assert "body over 1 MiB" in declared.text
    assert len(receiver.store.events()) == 1 and receiver.refused == {"too_large": 2}


def test_a_client_that_writes_its_whole_body_first_still_reads_the_413(receiver: WebhookReceiver) -> None:
    # http.client stops at the first failed write: were the socket closed with the body unread, the kernel's reset
    # would reach it as BrokenPipeError instead of the answer
    assert receiver.address is not None
    for _ in range(3):
        conn = http.client.HTTPConnection(*receiver.address, timeout=10)
        try:
            conn.request("POST", "/webhook", body=b"x" * (2 * MAX_BODY_BYTES), headers={"Content-Type": "text/plain"})
            assert conn.getresponse().status == 413
        finally:
            conn.close()
    assert receiver.refused == {"too_large": 3}


def test_expect_100_continue_over_the_limit_is_answered_413_instead(receiver: WebhookReceiver) -> None:
    answer = _send(receiver, _post(b"", extra="Expect: 100-continue\r\n").replace(b"Length: 0", b"Length: 5000000"))
    assert answer.status == 413


@pytest.mark.parametrize(
    ("request_bytes", "status", "reason"),
    [
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n", 400, "malformed_request"),
        (LINE + b"Content-Length: abc\r\n\r\n", 400, "malformed_request"),
        (LINE + b"Content-Length: -1\r\n\r\n", 400, "malformed_request"),
        (LINE + b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400, "malformed_request"),
        (
            LINE + b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
            400,
            "malformed_request",
        ),
        (
            LINE + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
            400,
            "malformed_request",
        ),
        (b"PUT /webhook HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", 405, "method"),
        (LINE + b"X-Pad: " + b"a" * 70_000 + b"\r\n\r\n", 431, "headers_too_large"),
        (LINE + b"X-Pad: 1\r\n" * 101 + b"\r\n", 431, "headers_too_large"),
        (b"POST /webhook HTTP/7.0\r\n\r\n", 400, "malformed_request"),
    ],
    ids=[
        "tls-hello",
        "length-abc",
        "length-negative",
        "two-lengths",
        "length-and-chunked",
        "bad-chunk-size",
        "put",
        "long-header",
        "101-headers",
        "http-7",
    ],
)
def test_garbage_is_answered_4xx_and_counted(
    receiver: WebhookReceiver, request_bytes: bytes, status: int, reason: str
) -> None:
    answer = _send(receiver, request_bytes)
    assert answer.status == status
    assert receiver.store.events() == [] and receiver.refused == {reason: 1}


def test_a_head_over_its_budget_is_refused_431(receiver: WebhookReceiver) -> None:
    headers = b"".join(b"X-Pad-%d: %s\r\n" % (n, b"a" * 1000) for n in range(80))  # 80 KiB in 80 lines
    answer = _send(receiver, b"POST /webhook HTTP/1.1\r\n" + headers + b"\r\n")
    assert answer.status == 431 and receiver.refused == {"headers_too_large": 1}


def test_many_concurrent_complete_posts_are_all_answered_and_stored(receiver: WebhookReceiver) -> None:
    count = 150
    barrier = threading.Barrier(count)

    def post(n: int) -> int | None:
        data = _post(json.dumps(status_body(f"wamid.C{n}", "sent")).encode())
        with _connect(receiver) as conn:
            barrier.wait(timeout=10)
            conn.sendall(data)
            return _read_answer(conn, time.monotonic()).status

    with ThreadPoolExecutor(max_workers=count) as pool:
        answers = list(pool.map(post, range(count)))  # a reset would raise here
    assert answers == [200] * count
    ids = {statuses(event)[0]["id"] for event in receiver.store.events()}
    assert ids == {f"wamid.C{n}" for n in range(count)}


@pytest.mark.parametrize(
    "partial",
    [b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Le", b"POST /webhook HTTP/1.1\r\n", _post(b'{"a": [1, 2]}')[:-5]],
    ids=["half-sent-head", "request-line-only", "half-sent-body"],
)
def test_a_half_sent_request_is_answered_408_after_the_timeout_and_not_stored(
    receiver: WebhookReceiver, partial: bytes
) -> None:
    answer = _send(receiver, partial)
    assert answer.status == 408
    assert TIMEOUT * 0.9 <= answer.seconds < TIMEOUT + 2
    assert receiver.store.events() == [] and receiver.refused == {"incomplete": 1}


@pytest.mark.parametrize(
    "partial", [b"POST /webhook HTTP/1.1\r\n", _post(b'{"a": [1, 2]}')[:-5]], ids=["mid-head", "mid-body"]
)
def test_a_sender_that_closes_mid_request_is_counted_not_stored(receiver: WebhookReceiver, partial: bytes) -> None:
    with _connect(receiver) as conn:
        conn.sendall(partial)
        conn.shutdown(socket.SHUT_WR)
        answer = _read_answer(conn, time.monotonic())
    assert answer.status == 408 and answer.seconds < TIMEOUT
    assert receiver.store.events() == [] and receiver.refused == {"incomplete": 1}


def test_a_complete_request_then_a_close_of_the_sending_side_is_stored(receiver: WebhookReceiver) -> None:
    with _connect(receiver) as conn:
        conn.sendall(_post(b'{"a": [1, 2]}'))
        conn.shutdown(socket.SHUT_WR)
        assert _read_answer(conn, time.monotonic()).status == 200
    assert [e.body for e in receiver.store.events()] == [{"a": [1, 2]}]


def test_an_idle_connection_is_closed_after_the_timeout_silently(receiver: WebhookReceiver) -> None:
    with _connect(receiver) as conn:
        answer = _read_answer(conn, time.monotonic())
    assert answer.status is None and TIMEOUT * 0.9 <= answer.seconds < TIMEOUT + 2
    assert receiver.store.events() == [] and receiver.refused == {}


def test_a_slow_drip_is_cut_at_the_deadline_not_at_each_byte(receiver: WebhookReceiver) -> None:
    data = _post(b'{"entry": []}')
    with _connect(receiver) as conn:
        started = time.monotonic()
        with pytest.raises(OSError):  # the drip ends when the server closes
            for byte in data:
                conn.sendall(bytes([byte]))
                time.sleep(TIMEOUT / 5)  # each byte well within the timeout, the whole far beyond it
                if time.monotonic() - started > 10 * TIMEOUT:
                    pytest.fail("the server never cut the drip")
    assert time.monotonic() - started < TIMEOUT + 2
    assert receiver.store.events() == [] and receiver.refused == {"incomplete": 1}


def test_keep_alive_requests_each_get_a_fresh_deadline(receiver: WebhookReceiver) -> None:
    with _connect(receiver) as conn:
        for n in range(3):
            time.sleep(TIMEOUT * 0.6)  # in all longer than one timeout, each wait shorter
            conn.sendall(_post(b'{"n": %d}' % n))
            assert _read_answer(conn, time.monotonic()).status == 200
    assert [e.body for e in receiver.store.events()] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_stop_ends_a_half_sent_connection_at_once() -> None:
    receiver = WebhookReceiver(request_timeout=30).start()
    conn = _connect(receiver)
    try:
        conn.sendall(b"POST /webhook HTTP/1.1\r\n")
        time.sleep(0.05)
        started = time.monotonic()
        receiver.stop()
        assert _read_answer(conn, started).seconds < 2  # not the 30 s deadline
    finally:
        conn.close()
    assert receiver.store.events() == []


def test_the_store_evicts_the_oldest_by_bytes() -> None:
    store = WebhookStore(max_bytes=20_000)
    for n in range(10):
        store.deliver("POST", "/webhook", {}, json.dumps({"n": n, "pad": "x" * 3000}))
    kept = [e.body["n"] for e in store.events()]
    assert kept == [7, 8, 9]  # three of ~6,200 bytes (text, and its strings again once parsed) fit, a fourth not
    assert 18_000 < store.held_bytes <= 20_000
    store.deliver("POST", "/webhook", {}, "y" * 30_000)  # bigger than the bound alone: kept, as the newest
    assert [len(e.raw) for e in store.events()] == [30_000]
    assert store.held_bytes == 30_000
    with pytest.raises(ValueError, match="max_bytes must be at least 1"):
        WebhookStore(max_bytes=0)


def test_the_byte_bound_counts_parsed_values_not_only_text() -> None:
    store = WebhookStore(max_bytes=1_000_000)
    store.deliver("POST", "/webhook", {}, "[" + ",".join(["{}"] * 2000) + "]")  # 6 KB of text, 2,001 values
    store.deliver("POST", "/webhook", {}, "x" * 6001)  # the same text length, not JSON: no parsed values
    parsed, text = store.events()
    assert store.held_bytes > 2000 * 64 + 6001 * 2
    assert (parsed.body is not None, text.body) == (True, None)


def test_a_receiver_applies_its_byte_bound() -> None:
    with WebhookReceiver(max_bytes=65_000, request_timeout=TIMEOUT) as small, httpx.Client() as client:
        for n in range(20):
            assert client.post(small.url, json={"n": n, "pad": "x" * 10_000}).status_code == 200
        kept = [e.body["n"] for e in small.store.events()]
    assert kept == [17, 18, 19]  # about 20,400 bytes each


def test_a_timeout_message_says_what_was_refused(receiver: WebhookReceiver) -> None:
    _send(receiver, _post(_nested(5000)))
    _send(receiver, _post(b"{", "application/json"))
    with pytest.raises(WebhookTimeoutError) as caught:
        receiver.store.wait_for(lambda event: True, timeout=0.05, description="anything")
    assert "2 deliveries refused by the receiver: 1 malformed json (" in str(caught.value)
    assert "1 too deep (JSON nested deeper than 64 levels)" in str(caught.value)
    receiver.store.clear()  # a scenario starts from no refusals; the receiver keeps the run's count
    assert receiver.store.refused == {} and receiver.refused == {"malformed_json": 1, "too_deep": 1}
    with pytest.raises(WebhookTimeoutError) as again:
        receiver.store.wait_for(lambda event: True, timeout=0.05, description="anything")
    assert "refused" not in str(again.value)


def test_over_the_connection_cap_a_request_waits_for_a_free_slot_and_is_answered() -> None:
    timeout = 2.0  # far longer than opening the idle connections takes, so a request served beside them shows
    with WebhookReceiver(request_timeout=timeout) as receiver:
        first_opened = time.monotonic()
        idle = [_connect(receiver) for _ in range(MAX_CONNECTIONS)]
        try:
            time.sleep(0.1)  # every idle connection is accepted and holds a slot until its deadline
            answer = _send(receiver, _post(b'{"late": true}'))
            answered_after = time.monotonic() - first_opened
        finally:
            for conn in idle:
                conn.close()
        assert answer.status == 200
        assert answered_after >= timeout * 0.9  # served when the first idle ones were cut off, not beside them
        assert [e.body for e in receiver.store.events()] == [{"late": True}]


def test_the_listen_backlog_holds_a_burst_of_connects(receiver: WebhookReceiver) -> None:
    assert receiver._server is not None
    assert receiver._server.request_queue_size >= 128
    conns = [_connect(receiver) for _ in range(300)]  # more than MAX_CONNECTIONS: the rest wait, not reset
    try:
        for conn in conns:
            conn.sendall(_post(b"{}"))
        answers = [_read_answer(conn, time.monotonic()).status for conn in conns]
    finally:
        for conn in conns:
            conn.close()
    assert answers == [200] * 300
