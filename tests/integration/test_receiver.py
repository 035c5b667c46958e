"""WebhookReceiver over real loopback HTTP: storing, waiting, timeouts, the bound, tapes and concurrency."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from mmlite_conformance.suite.redaction import OFFLINE_PSEUDONYM_KEY, Redactor
from mmlite_conformance.suite.webhooks import (
    WebhookEvent,
    WebhookReceiver,
    WebhookTimeoutError,
    from_tape,
    inbound_messages,
    is_inbound_text,
    is_status,
    statuses,
    to_tape,
)
from tests.payloads import USER, inbound_body, status_body

pytestmark = pytest.mark.integration

REDACTOR = Redactor(["Live_key_0123456789"], [USER], OFFLINE_PSEUDONYM_KEY)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(redactor=REDACTOR) as running:
        yield running


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as client:
        yield client


def test_url_is_loopback_and_every_post_is_answered_200(receiver: WebhookReceiver, http: httpx.Client) -> None:
    assert receiver.url.startswith("http://127.0.0.1:") and receiver.url.endswith("/webhook")
    assert http.post(receiver.url, json=status_body("wamid.A", "sent")).status_code == 200
    base = receiver.url.removesuffix("/webhook")
    assert http.post(f"{base}/any/other/path?x=1", content=b"not json").status_code == 200
    events = receiver.store.events()
    assert [e.sequence for e in events] == [1, 2]
    first, second = events
    assert first.method == "POST" and first.path == "/webhook"
    assert first.body == status_body("wamid.A", "sent")
    assert first.headers["content-type"] == "application/json"
    assert all(name == name.lower() for name in first.headers)
    assert second.path == "/any/other/path?x=1" and second.body is None and second.raw == "not json"
    assert second.received_at >= first.received_at


def test_get_verification_echoes_the_challenge(receiver: WebhookReceiver, http: httpx.Client) -> None:
    response = http.get(receiver.url, params={"hub.mode": "subscribe", "hub.challenge": "1158201444"})
    assert response.status_code == 200 and response.text == "1158201444"
    assert http.get(receiver.url).text == "OK"
    assert [e.method for e in receiver.store.events()] == ["GET", "GET"]


def test_chunked_body_is_read(receiver: WebhookReceiver, http: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"entry": '
        yield b"[]}"

    assert http.post(receiver.url, content=chunks()).status_code == 200
    assert receiver.store.events()[0].body == {"entry": []}


def test_wait_for_returns_an_event_already_received(receiver: WebhookReceiver, http: httpx.Client) -> None:
    http.post(receiver.url, json=status_body("wamid.A", "delivered"))
    event = receiver.store.wait_for(is_status("wamid.A", "delivered"), timeout=0.01)
    assert statuses(event)[0]["status"] == "delivered"


def test_wait_for_blocks_until_a_matching_event_arrives(receiver: WebhookReceiver) -> None:
    def later() -> None:
        time.sleep(0.1)
        with httpx.Client() as client:
            client.post(receiver.url, json=status_body("wamid.B", "sent"))
            client.post(receiver.url, json=status_body("wamid.B", "read"))

    worker = threading.Thread(target=later)
    worker.start()
    started = time.monotonic()
    event = receiver.store.wait_for(is_status("wamid.B", ("delivered", "read")), timeout=5, description="read of B")
    worker.join()
    assert event.sequence == 2
    assert time.monotonic() - started < 4


def test_timeout_names_what_was_awaited_and_what_arrived_redacted(
    receiver: WebhookReceiver, http: httpx.Client
) -> None:
    http.post(receiver.url, json=status_body("wamid.A", "sent"))
    http.post(receiver.url, json=inbound_body(f"call me at {USER}"))
    http.post(receiver.url, content=b"garbage")
    started = time.monotonic()
    with pytest.raises(WebhookTimeoutError) as caught:
        receiver.store.wait_for(is_status("wamid.A", "delivered"), timeout=0.3)
    assert 0.25 <= time.monotonic() - started < 3
    message = str(caught.value)
    assert "status delivered for wamid.A" in message and "within 0.3 s" in message
    assert "3 event(s) arrived" in message
    assert "#1 POST /webhook: status sent for wamid.A" in message
    assert "inbound text" in message
    assert "non-JSON body, 7 chars" in message
    assert USER not in message


def test_timeout_without_a_redactor_shows_no_numbers_or_texts(http: httpx.Client) -> None:
    with WebhookReceiver() as bare:
        http.post(bare.url, json=inbound_body(f"secret text {USER}"))
        with pytest.raises(WebhookTimeoutError) as caught:
            bare.store.wait_for(lambda event: False, timeout=0.05, description="nothing")
    message = str(caught.value)
    assert "nothing" in message and "inbound text" in message
    assert USER not in message and "secret text" not in message


def test_wait_for_all_shares_the_timeout_and_lists_the_missing(receiver: WebhookReceiver, http: httpx.Client) -> None:
    http.post(receiver.url, json=status_body("wamid.C", "sent"))
    http.post(receiver.url, json=status_body("wamid.C", "delivered"))
    sent, delivered = receiver.store.wait_for_all(
        is_status("wamid.C", "sent"), is_status("wamid.C", "delivered"), timeout=1
    )
    assert (sent.sequence, delivered.sequence) == (1, 2)
    with pytest.raises(WebhookTimeoutError) as caught:
        receiver.store.wait_for_all(is_status("wamid.C", "sent"), is_status("wamid.C", "read"), timeout=0.1)
    message = str(caught.value).splitlines()[0]
    assert "status read for wamid.C" in message and "status sent" not in message


def test_clear_keeps_sequence_numbers_increasing(receiver: WebhookReceiver, http: httpx.Client) -> None:
    http.post(receiver.url, json={})
    receiver.store.clear()
    assert receiver.store.events() == []
    http.post(receiver.url, json={})
    assert [e.sequence for e in receiver.store.events()] == [2]


def test_the_store_is_bounded(http: httpx.Client) -> None:
    with WebhookReceiver(max_events=5) as small:
        for n in range(12):
            http.post(small.url, json={"n": n})
        events = small.store.events()
    assert [e.body["n"] for e in events] == [7, 8, 9, 10, 11]
    assert [e.sequence for e in events] == [8, 9, 10, 11, 12]


def test_concurrent_posts_are_all_kept(receiver: WebhookReceiver) -> None:
    threads, per_thread = 8, 25
    errors: list[BaseException] = []

    def post_many(worker: int) -> None:
        try:
            with httpx.Client(timeout=10.0) as client:
                for n in range(per_thread):
                    response = client.post(receiver.url, json=status_body(f"wamid.{worker}.{n}", "sent"))
                    assert response.status_code == 200
        except BaseException as error:  # surfaced in the main thread below
            errors.append(error)

    workers = [threading.Thread(target=post_many, args=(w,)) for w in range(threads)]
    for w in workers:
        w.start()
    receiver.store.wait_for(is_status(f"wamid.{threads - 1}.{per_thread - 1}", "sent"), timeout=20)
    for w in workers:
        w.join()
    assert errors == []
    events = receiver.store.events()
    assert len(events) == threads * per_thread
    assert sorted(e.sequence for e in events) == list(range(1, threads * per_thread + 1))
    ids = {statuses(e)[0]["id"] for e in events}
    assert ids == {f"wamid.{w}.{n}" for w in range(threads) for n in range(per_thread)}


def test_waiters_in_several_threads_are_all_woken(receiver: WebhookReceiver, http: httpx.Client) -> None:
    found: list[WebhookEvent] = []

    def wait(message_id: str) -> None:
        found.append(receiver.store.wait_for(is_status(message_id, "sent"), timeout=5))

    waiters = [threading.Thread(target=wait, args=(f"wamid.W{n}",)) for n in range(4)]
    for w in waiters:
        w.start()
    for n in range(4):
        http.post(receiver.url, json=status_body(f"wamid.W{n}", "sent"))
    for w in waiters:
        w.join()
    assert len(found) == 4


def test_tape_round_trip_through_a_tape_store(receiver: WebhookReceiver, http: httpx.Client) -> None:
    http.post(receiver.url, json=status_body("wamid.F", "delivered"), headers={"X-Trace": "t1"})
    http.post(receiver.url, json=inbound_body("Hello 4711"))
    http.post(receiver.url, content=f"plain {USER}".encode(), headers={"Content-Type": "text/plain"})
    tape = to_tape(receiver.store.events(), REDACTOR)
    text = json.dumps(tape)
    assert USER not in text
    assert [item["sequence"] for item in tape] == [1, 2, 3]
    assert all(not {"date", "host", "user-agent", "content-length"} & set(item["headers"]) for item in tape)
    assert tape[0]["headers"]["x-trace"] == "t1"
    assert tape[2]["body"] is None and tape[2]["text"] == f"plain {REDACTOR.pseudonym(USER)}"

    replayed = from_tape(json.loads(text))
    assert replayed.closed
    assert replayed.wait_for(is_status("wamid.F", "delivered"), timeout=5).sequence == 1
    inbound = replayed.wait_for(is_inbound_text("hello 4711"), timeout=5)
    assert inbound_messages(inbound)[0]["from"] == REDACTOR.pseudonym(USER)
    assert to_tape(replayed.events(), REDACTOR) == tape  # a tape re-recorded from a tape is the same tape


def test_stopped_receiver_refuses_connections_and_has_no_url(http: httpx.Client) -> None:
    receiver = WebhookReceiver().start()
    url = receiver.url
    receiver.stop()
    with pytest.raises(RuntimeError, match="not running"):
        _ = receiver.url
    with pytest.raises(httpx.ConnectError):
        http.post(url, json={})


def test_wait_for_nothing_returns_at_once(receiver: WebhookReceiver) -> None:
    assert receiver.store.wait_for_all(timeout=10) == []


def test_the_receiver_learns_what_a_body_carries_before_storing_it(http: httpx.Client) -> None:
    other = "5511912345678"
    redactor = Redactor([], [], OFFLINE_PSEUDONYM_KEY)
    with WebhookReceiver(redactor=redactor) as learning:
        http.post(learning.url, json=status_body("wamid.L", "sent", recipient=other))
        event = learning.store.events()[0]
    assert statuses(event)[0]["recipient_id"] == other  # the store keeps the raw event for assertions
    assert redactor.redact_text(f"call {other}") == f"call {redactor.pseudonym(other)}"
