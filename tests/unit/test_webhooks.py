"""The webhook store, tapes and body readers without a server: closed stores, timeouts, the tape's exact form."""

from __future__ import annotations

import threading
import time

import pytest

from mmlite_conformance.suite.redaction import OFFLINE_PSEUDONYM_KEY, Redactor
from mmlite_conformance.suite.webhooks import (
    WebhookEvent,
    WebhookStore,
    WebhookTimeoutError,
    from_tape,
    inbound_messages,
    is_inbound_text,
    is_status,
    statuses,
    summarise,
    to_tape,
)
from tests.payloads import USER, status_body, webhook

pytestmark = pytest.mark.unit

REDACTOR = Redactor(["Live_key_0123456789"], [USER], OFFLINE_PSEUDONYM_KEY)


def test_a_tape_store_fails_at_once_when_the_tape_lacks_the_event() -> None:
    replayed = from_tape([{"body": status_body("wamid.G", "sent")}])
    started = time.monotonic()
    with pytest.raises(WebhookTimeoutError, match="on the recorded tape"):
        replayed.wait_for(is_status("wamid.G", "read"), timeout=30)
    assert time.monotonic() - started < 1
    with pytest.raises(RuntimeError, match="closed"):  # nothing can feed a tape
        replayed.deliver("POST", "/webhook", {}, "{}")


def test_closing_ends_a_wait_that_is_under_way() -> None:
    store = WebhookStore(redactor=REDACTOR)
    failures: list[str] = []

    def wait() -> None:
        with pytest.raises(WebhookTimeoutError) as caught:
            store.wait_for(is_status("wamid.X", "sent"), timeout=30)
        failures.append(str(caught.value))

    waiter = threading.Thread(target=wait)
    started = time.monotonic()
    waiter.start()
    time.sleep(0.05)
    store.close("among the events so far")
    waiter.join(timeout=5)
    assert time.monotonic() - started < 5
    assert failures and "status sent for wamid.X among the events so far." in failures[0]


def test_an_open_store_waits_out_its_timeout() -> None:
    store = WebhookStore()
    assert not store.closed
    with pytest.raises(WebhookTimeoutError, match=r"within 0\.05 s"):
        store.wait_for(lambda event: False, timeout=0.05, description="nothing")


def test_deliver_parses_the_body_unless_given() -> None:
    store = WebhookStore()
    parsed = store.deliver("post", "/webhook", {"Content-Type": "application/json"}, '{"a": 1}')
    given = store.deliver("POST", "/webhook", {}, '{"a": 1}', body={"a": "as given"})
    text = store.deliver("POST", "/webhook", {}, "not json")
    assert (parsed.method, parsed.headers, parsed.body) == ("POST", {"content-type": "application/json"}, {"a": 1})
    assert given.body == {"a": "as given"} and text.body is None
    assert [e.sequence for e in store.events()] == [1, 2, 3]


def test_a_store_holds_at_least_one_event() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        WebhookStore(max_events=0)


def test_a_timeout_lists_the_last_twenty_events() -> None:
    store = from_tape([{"body": status_body(f"wamid.{n}", "sent")} for n in range(25)], redactor=REDACTOR)
    with pytest.raises(WebhookTimeoutError) as caught:
        store.wait_for(is_status("wamid.0", "read"), timeout=1)
    lines = str(caught.value).splitlines()
    assert lines[1:3] == ["25 event(s) arrived:", "  ... 5 earlier event(s) not shown"]
    assert lines[3] == "  #6 POST /webhook: status sent for wamid.5" and len(lines) == 23


def test_the_tape_keeps_its_exact_form() -> None:
    """Re-recorded tapes must not change: numbering, header filtering, redaction and the `text` of non-JSON bodies."""
    events = [
        WebhookEvent(
            7, "POST", f"/webhook?to={USER}", {"host": "x", "x-trace": "t1"}, status_body("wamid.A", "sent"), "", 1.0
        ),
        WebhookEvent(9, "POST", "/webhook", {"date": "today"}, None, f"plain {USER}", 2.0),
    ]
    pseudonym = REDACTOR.pseudonym(USER)
    assert to_tape(events, REDACTOR) == [
        {
            "sequence": 1,
            "method": "POST",
            "path": f"/webhook?to={pseudonym}",
            "headers": {"x-trace": "t1"},
            "body": REDACTOR.redact_json(status_body("wamid.A", "sent")),
        },
        {
            "sequence": 2,
            "method": "POST",
            "path": "/webhook",
            "headers": {},
            "body": None,
            "text": f"plain {pseudonym}",
        },
    ]
    assert status_body("wamid.A", "sent")["entry"][0]["changes"][0]["value"]["statuses"][0]["recipient_id"] == USER


def test_helpers_tolerate_odd_bodies() -> None:
    odd = WebhookEvent(1, "POST", "/webhook", {}, {"entry": [None, {"changes": "x"}]}, "", 0.0)
    assert statuses(odd) == [] and inbound_messages(odd) == []
    assert not is_status("wamid.A", "sent")(odd)
    assert not is_inbound_text("hi")(odd)
    assert str(is_status("wamid.A", ("read", "delivered"))) == "status delivered or read for wamid.A"


def test_summaries_name_errors_and_other_fields() -> None:
    failed = WebhookEvent(
        1, "POST", "/webhook?x=1", {}, status_body("wamid.A", "failed", errors=[{"code": 131049}]), "", 0
    )
    other = WebhookEvent(
        2, "POST", "/webhook", {}, webhook({"event": "APPROVED"}, "message_template_status_update"), "", 0
    )
    assert summarise(failed, REDACTOR) == "#1 POST /webhook: status failed for wamid.A (errors 131049)"
    assert summarise(other, REDACTOR) == "#2 POST /webhook: message_template_status_update APPROVED"
    assert summarise(WebhookEvent(3, "POST", "/webhook", {}, {}, "{}", 0)).endswith("JSON without entry[].changes[]")


def test_without_a_redactor_awaited_wamids_are_shortened() -> None:
    replayed = from_tape([])
    with pytest.raises(WebhookTimeoutError) as caught:
        replayed.wait_for(is_status("wamid.HBgNNTUyMTk5ODc2NTQzMhUCABEYEjU", "read"), timeout=1)
    assert "wamid.…BEYEjU" in str(caught.value) and "NTUyMTk5ODc2NTQzMhUC" not in str(caught.value)
