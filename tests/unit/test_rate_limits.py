"""Rate limits: a 429 is waited out and sent again within the budget, never a request that got a message id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from mmlite_conformance.suite.client import ApiClient, Endpoints
from mmlite_conformance.suite.config import Secret
from mmlite_conformance.suite.evidence import Exchange
from mmlite_conformance.suite.rate_limits import RateLimitBudgetSpentError, RateLimitPacer, retry_after
from mmlite_conformance.suite.redaction import Redactor

RATE_LIMITED_BODY = {"error": {"code": 130429, "message": "(#130429) Rate limit hit"}}
SENT_BODY = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "1", "wa_id": "1"}],
    "messages": [{"id": "wamid.A"}],
}


class Waits:
    def __init__(self) -> None:
        self.paused: list[float] = []
        self.notes: list[str] = []

    def pacer(self, budget_s: float = 120.0) -> RateLimitPacer:
        return RateLimitPacer(budget_s=budget_s, pause=self.paused.append, note=self.notes.append)


def test_a_429_with_retry_after_is_waited_out_and_noted() -> None:
    waits = Waits()
    pacer = waits.pacer()
    assert pacer.should_retry("send", 429, {"Retry-After": "3"}, RATE_LIMITED_BODY)
    assert waits.paused == [3.0]
    assert waits.notes == [
        "rate limited: HTTP 429 (code 130429) to send, Retry-After 3 s; waited 3 s and sent it again "
        "(nothing had been sent)"
    ]


def test_without_retry_after_the_waits_double() -> None:
    waits = Waits()
    pacer = waits.pacer()
    for _ in range(3):
        assert pacer.should_retry("send", 429, {}, {"detail": {"error": {"code": 131056}}})
    assert waits.paused == [1.0, 2.0, 4.0]
    assert "code 131056" in waits.notes[0] and "no Retry-After" in waits.notes[0]


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, SENT_BODY), (400, RATE_LIMITED_BODY), (500, None), (429, SENT_BODY)],
    ids=["success", "another error", "server error", "429 with a message id"],
)
def test_only_a_429_that_sent_nothing_is_sent_again(status: int, body: Any) -> None:
    waits = Waits()
    assert not waits.pacer().should_retry("send", status, {"retry-after": "1"}, body)
    assert waits.paused == []


def test_past_the_budget_the_scenario_is_skipped_as_environment() -> None:
    waits = Waits()
    pacer = waits.pacer(budget_s=5)
    assert pacer.should_retry("send", 429, {"retry-after": "4"}, RATE_LIMITED_BODY)
    with pytest.raises(RateLimitBudgetSpentError, match=r"^environment: rate limited: HTTP 429 \(code 130429\)") as e:
        pacer.should_retry("send", 429, {"retry-after": "4"}, RATE_LIMITED_BODY)
    assert "5 s wait budget (MMLITE_RATE_LIMIT_BUDGET), 4 s already spent" in str(e.value)
    assert waits.paused == [4.0]


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after({"Retry-After": "7"}) == 7.0
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (retry_after({"retry-after": soon}) or 0) <= 30
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None


def test_the_client_records_the_refusal_and_the_retry() -> None:
    answers = iter(
        [httpx.Response(429, json=RATE_LIMITED_BODY, headers={"Retry-After": "1"}), httpx.Response(200, json=SENT_BODY)]
    )
    sent: list[httpx.Request] = []

    def transport(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return next(answers)

    recorded: list[Exchange] = []
    waits = Waits()
    client = ApiClient(
        httpx.Client(transport=httpx.MockTransport(transport)),
        Endpoints("http://127.0.0.1:1", "http://127.0.0.1:1/marketing_messages"),
        Secret("key-0123456789"),
        Redactor(["key-0123456789"], [], b"k"),
        record=recorded.append,
        pacer=waits.pacer(),
    )
    response = client.request("send via MM Lite", "POST", "/marketing_messages", json={"to": "1"})
    assert response.status == 200 and len(sent) == 2
    assert [(e.label, e.status) for e in recorded] == [
        ("send via MM Lite", 429),
        ("send via MM Lite (sent again after HTTP 429)", 200),
    ]
    assert sent[0].content == sent[1].content
    assert waits.paused == [1.0]
