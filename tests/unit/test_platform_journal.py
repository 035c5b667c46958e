"""The request journal as the suite reads it: entries as the emulator serves them, and the window after an action."""

from __future__ import annotations

import time
from typing import Any

import pytest

from mmlite_conformance.suite.platform.control import EmulatorControl
from mmlite_conformance.suite.platform.journal import Journal, Request

pytestmark = pytest.mark.unit

RECIPIENT = "5521912345678"
OTHER = "5521912340000"


def entry(seq: int, to: Any = RECIPIENT, *, path: str = "/messages", retry_after: str | None = None) -> dict[str, Any]:
    """A journal entry shaped as `GET /_emulator/journal` serves it (docs/emulator.md, "Request journal")."""
    headers = {"content-type": "application/json"}
    if retry_after is not None:
        headers["retry-after"] = retry_after
    return {
        "seq": seq,
        "time_ms": 1767225600123.456 + seq,
        "method": "POST",
        "path": path,
        "query": "",
        "surface": "360dialog",
        "auth": {"form": "bare", "valid": True},
        "account": "sandbox",
        "content_type": "application/json",
        "body": {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": "hi"}},
        "response": {"status": 200, "headers": headers, "body": {"messaging_product": "whatsapp"}},
        "armed": None,
    }


class ScheduledControl(EmulatorControl):
    """The emulator's journal over time: each entry appears `at` seconds after the control is made."""

    def __init__(self, schedule: list[tuple[float, dict[str, Any]]]) -> None:  # no HTTP client: journal() only
        self.schedule = schedule
        self.started = time.monotonic()
        self.reads: list[int] = []

    def journal(self, after: int) -> tuple[list[dict[str, Any]], int]:
        self.reads.append(after)
        now = time.monotonic() - self.started
        arrived = [e for at, e in self.schedule if at <= now]
        return [e for e in arrived if e["seq"] > after], max((e["seq"] for e in arrived), default=0)


class EndlessControl(EmulatorControl):
    """A platform that never stops: every read of the journal finds one more request for the recipient."""

    def __init__(self) -> None:
        self.last = 0

    def journal(self, after: int) -> tuple[list[dict[str, Any]], int]:
        self.last += 1
        return [entry(self.last)], self.last


def mine(request: Request) -> bool:
    return request.recipient == RECIPIENT


# --- Request.from_entry ----------------------------------------------------------------------------------------


def test_an_entry_becomes_a_request() -> None:
    raw = entry(7, retry_after="2")
    request = Request.from_entry(raw)
    assert (request.seq, request.time_ms, request.method, request.path) == (7, 1767225600130.456, "POST", "/messages")
    assert (request.surface, request.auth_form, request.auth_valid) == ("360dialog", "bare", True)
    assert request.body == raw["body"]
    assert (request.status, request.answer) == (200, {"messaging_product": "whatsapp"})
    assert request.retry_after == 2.0
    assert request.raw is raw
    assert request.recipient == RECIPIENT


@pytest.mark.parametrize(
    ("to", "digits"),
    [
        ("5521912345678", "5521912345678"),
        ("+5521912345678", "5521912345678"),
        ("+55 21 91234 5678", "5521912345678"),
        ("+55 (21) 91234-5678", "5521912345678"),
        (5521912345678, None),  # not a string: attributed to nobody
        (None, None),
    ],
)
def test_the_recipient_is_the_digits_of_to(to: Any, digits: str | None) -> None:
    assert Request.from_entry(entry(1, to)).recipient == digits


@pytest.mark.parametrize("body", [None, {"text": "to=5521912345678"}, ["5521912345678"], "to=5521912345678"])
def test_a_body_that_is_not_a_json_object_with_to_names_no_recipient(body: Any) -> None:
    assert Request.from_entry({**entry(1), "body": body}).recipient is None


@pytest.mark.parametrize(
    ("header", "seconds"),
    [(None, None), ("2", 2.0), ("0", 0.0), ("1.5", 1.5), (" 3 ", 3.0), ("Wed, 21 Oct 2026 07:28:00 GMT", None)],
)
def test_retry_after_is_read_in_seconds_or_not_at_all(header: str | None, seconds: float | None) -> None:
    assert Request.from_entry(entry(1, retry_after=header)).retry_after == seconds


def test_an_entry_without_auth_or_response_still_reads() -> None:
    raw = {"seq": 3, "time_ms": 1.0, "method": "GET", "path": "/v1/configs/templates", "body": None}
    request = Request.from_entry(raw)
    assert (request.auth_form, request.auth_valid, request.status, request.answer) == ("None", False, 0, None)
    assert request.retry_after is None and request.recipient is None


# --- Journal ---------------------------------------------------------------------------------------------------


def test_the_journal_starts_at_its_current_end_and_marks_move_it() -> None:
    control = ScheduledControl([(0, entry(1)), (0, entry(2)), (0.1, entry(3))])
    journal = Journal(control)
    assert journal.position == 2
    assert [r.seq for r in journal.since(1)] == [2]
    time.sleep(0.15)
    assert journal.mark() == 3 == journal.position
    assert journal.since(journal.position) == []


def test_nothing_within_first_within_is_an_empty_window() -> None:
    control = ScheduledControl([(0, entry(1, OTHER))])
    window = Journal(control).window(0, mine, first_within=0.2, settle=0.2, cap=10)
    assert window.requests == ()
    assert [r.seq for r in window.others] == [1]
    assert window.ended == "nothing within 0.2 s"
    assert window.waited >= 0.2


def test_requests_then_quiet_end_the_window_after_settle() -> None:
    late = 5.0  # far beyond the window: it must have ended before
    control = ScheduledControl([(0.0, entry(1)), (0.1, entry(2)), (late, entry(3))])
    window = Journal(control).window(0, mine, first_within=2, settle=0.3, cap=10)
    assert [r.seq for r in window.requests] == [1, 2]
    assert window.ended == "0.3 s without a new request"
    assert window.waited >= 0.1 + 0.3
    assert window.waited < late


def test_a_first_request_later_than_settle_but_within_first_within_is_waited_for() -> None:
    control = ScheduledControl([(0.3, entry(1))])
    window = Journal(control).window(0, mine, first_within=2, settle=0.2, cap=10)
    assert [r.seq for r in window.requests] == [1]
    assert window.waited >= 0.3 + 0.2


def test_a_retry_after_served_extends_the_settle() -> None:
    control = ScheduledControl([(0.0, entry(1, retry_after="0.6"))])
    window = Journal(control).window(0, mine, first_within=2, settle=0.2, cap=10)
    assert [r.seq for r in window.requests] == [1]
    assert window.ended == "0.2 s without a new request"
    assert window.waited >= 0.6 + 0.2  # without the Retry-After it would have ended after about 0.2 s


def test_the_cap_ends_a_window_that_keeps_receiving() -> None:
    window = Journal(EndlessControl()).window(0, mine, first_within=2, settle=0.2, cap=0.5)
    assert window.ended == "the 0.5 s cap"
    assert window.waited >= 0.5
    assert len(window.requests) >= 2
    seqs = [r.seq for r in window.requests]
    assert seqs == sorted(set(seqs))


def test_the_cap_also_ends_a_wait_for_the_first_request() -> None:
    window = Journal(ScheduledControl([])).window(0, mine, first_within=5, settle=0.2, cap=0.2)
    assert window.requests == () and window.ended == "the 0.2 s cap"


def test_requests_that_do_not_belong_go_to_others() -> None:
    schedule = [
        (0.0, entry(1, OTHER)),
        (0.0, entry(2)),
        (0.05, entry(3, None, path="/v1/configs/templates")),
        (0.1, entry(4)),
    ]
    window = Journal(ScheduledControl(schedule)).window(0, mine, first_within=2, settle=0.2, cap=10)
    assert [r.seq for r in window.requests] == [2, 4]
    assert [r.seq for r in window.others] == [1, 3]


def test_a_window_reads_only_after_its_start() -> None:
    control = ScheduledControl([(0.0, entry(1)), (0.0, entry(2)), (0.0, entry(3, OTHER))])
    window = Journal(control).window(1, mine, first_within=2, settle=0.2, cap=10)
    assert [r.seq for r in window.requests] == [2]
    assert [r.seq for r in window.others] == [3]
    assert control.reads[1] == 1 and set(control.reads[2:]) == {3}  # after the first read, from the last seen


def test_others_do_not_extend_the_window() -> None:
    schedule = [(0.0, entry(1))] + [(0.05 * i, entry(1 + i, OTHER)) for i in range(1, 200)]
    window = Journal(ScheduledControl(schedule)).window(0, mine, first_within=2, settle=0.2, cap=10)
    assert [r.seq for r in window.requests] == [1]
    assert window.ended == "0.2 s without a new request"
    assert window.others  # seen, kept, and no reason to keep watching
