"""The reaction checks (issue 9) and the webhook/attestation judgements of Conformance: each with a passing input,
a failing input and its message."""

from __future__ import annotations

from typing import Any

import pytest

from mmlite_conformance.suite.checks import ConformanceError
from mmlite_conformance.suite.conformance import Conformance
from mmlite_conformance.suite.evidence import ScenarioEvidence
from mmlite_conformance.suite.platform.control import Delivery
from mmlite_conformance.suite.platform.journal import Request, Window
from mmlite_conformance.suite.platform.reactions import ReactionChecks, error_code, error_message
from mmlite_conformance.suite.redaction import OFFLINE_PSEUDONYM_KEY, Redactor
from mmlite_conformance.suite.schemas import SchemaRegistry, default_schema_dir

pytestmark = pytest.mark.unit

CHECKS = ReactionChecks(redact_json=lambda x: x, redact_text=lambda s: s)
MM, CLOUD = "/marketing_messages", "/messages"


def sent(
    seq: int, path: str = MM, status: int = 200, at: float = 0.0, retry_after: str | None = None, answer: Any = None
) -> Request:
    headers = {"retry-after": retry_after} if retry_after is not None else {}
    return Request.from_entry(
        {
            "seq": seq,
            "time_ms": 1_000_000.0 + at * 1000,
            "method": "POST",
            "path": path,
            "surface": "360dialog",
            "auth": {"form": "bare", "valid": True},
            "body": {"to": "5521912345678"},
            "response": {"status": status, "headers": headers, "body": answer},
        }
    )


def window(*requests: Request) -> Window:
    return Window(requests, (), 1.0, "settled")


def wrapped(code: int, message: str = "m") -> dict[str, Any]:
    return {"detail": {"error": {"code": code, "message": message}}}


def test_error_code_and_message_are_read_from_either_envelope() -> None:
    assert (error_code(wrapped(131055)), error_message(wrapped(100, "(#100) x"))) == (131055, "(#100) x")
    assert error_code({"error": {"code": 131009}}) == 131009
    assert (error_code({"error": "Invalid api token."}), error_message(None)) == (None, "")


def test_met_finds_the_request_that_met_the_error_or_says_it_never_did() -> None:
    first = sent(2, status=400, answer=wrapped(100))
    assert CHECKS.met(window(sent(1, CLOUD), first), "100", lambda r: r.status == 400) is first
    with pytest.raises(ConformanceError, match=r"the platform never met 100 \(it sent POST /messages -> 200\)"):
        CHECKS.met(window(sent(1, CLOUD)), "100", lambda r: r.status == 400)
    with pytest.raises(ConformanceError, match=r"never met 100 \(it sent nothing\)"):
        CHECKS.met(None, "100", lambda r: True)


def test_none_after_allows_other_paths_but_not_the_same_one_again() -> None:
    first = sent(1, status=400)
    CHECKS.none_after(window(first, sent(2, CLOUD)), first, MM, "the error 100")
    with pytest.raises(ConformanceError, match="after the error 100, the platform sent 1 more request"):
        CHECKS.none_after(window(first, sent(2, CLOUD), sent(3)), first, MM, "the error 100")


def test_at_most_and_exactly_count_requests() -> None:
    CHECKS.at_most([sent(1)], 1, "fallback")
    with pytest.raises(ConformanceError, match="expected at most 1 fallback; the platform sent 2"):
        CHECKS.at_most([sent(1), sent(2)], 1, "fallback")
    CHECKS.exactly([sent(1, CLOUD)], 1, "request to /messages")
    with pytest.raises(ConformanceError, match="expected exactly 1 request to /messages; the platform sent 0"):
        CHECKS.exactly([], 1, "request to /messages")


def test_retries_honour_retry_after_and_a_growing_back_off() -> None:
    good = [sent(1, status=429, retry_after="1"), sent(2, status=429, at=1.2, retry_after="1"), sent(3, at=3.5)]
    assert CHECKS.waited_retry_after(good) == [
        "next attempt 1.20 s after a Retry-After of 1 s",
        "next attempt 2.30 s after a Retry-After of 1 s",
    ]
    jitter_just_under = [sent(1, status=429, retry_after="1"), sent(2, at=0.95)]  # within the 0.1 s tolerance
    assert len(CHECKS.waited_retry_after(jitter_just_under)) == 1
    early = [sent(1, status=429, retry_after="1"), sent(2, at=0.1)]
    with pytest.raises(ConformanceError, match=r"retried 0.10 s after a 429 with Retry-After 1 s"):
        CHECKS.waited_retry_after(early)
    shrinking = [sent(1, status=429, retry_after="1"), sent(2, status=429, at=2.0, retry_after="1"), sent(3, at=3.1)]
    with pytest.raises(ConformanceError, match=r"the wait after the second 429 \(1.10 s\) was shorter"):
        CHECKS.waited_retry_after(shrinking)
    with pytest.raises(ConformanceError, match="never retried after the 429"):
        CHECKS.waited_retry_after([sent(1, status=429, retry_after="1")])


def test_the_message_must_end_accepted() -> None:
    CHECKS.finally_accepted([sent(1, status=429), sent(2)])
    with pytest.raises(ConformanceError, match="the platform gave up before the observation ended"):
        CHECKS.finally_accepted([sent(1, status=429)])


def conformance() -> Conformance:
    redactor = Redactor([], [], OFFLINE_PSEUDONYM_KEY)
    return Conformance(
        redact_json=redactor.redact_json,
        redact_text=redactor.redact_text,
        schemas=SchemaRegistry.from_directory(default_schema_dir()),
        evidence=ScenarioEvidence(requirement_ids=("P3a",), feature="f", scenario="s"),
        redactor=redactor,
    )


def delivery(status: int | None, latency: float | None = 12.0, outcome: str = "delivered") -> Delivery:
    return Delivery("status", "http://127.0.0.1:1/hook", status, latency, outcome)


def test_notifications_are_judged_by_their_first_answer_and_its_latency() -> None:
    judge = conformance()
    judge.answered_in_time([delivery(200), delivery(204)], 5000.0)
    assert [o.observed for o in judge.evidence.observations] == ["HTTP 204 to a status notification"]
    with pytest.raises(ConformanceError, match="answered a status notification with failed, HTTP 500"):
        judge.answered_in_time([delivery(500, outcome="failed")], 5000.0)
    with pytest.raises(ConformanceError, match=r"took 6000 ms to answer a status notification \(limit 5 s\)"):
        judge.answered_in_time([delivery(200, latency=6000.0)], 5000.0)
    with pytest.raises(ConformanceError, match="gave no timed answer to a status notification"):
        judge.answered_in_time([delivery(200, latency=None)], 5000.0)


def test_a_wrong_signature_must_get_a_4xx() -> None:
    conformance().refused_4xx(delivery(401))
    with pytest.raises(ConformanceError, match=r"expected a 4xx for a wrongly signed notification; .* answered 200"):
        conformance().refused_4xx(delivery(200))


def test_an_arranging_notification_needs_a_2xx() -> None:
    conformance().webhook_accepted(delivery(200))
    with pytest.raises(ConformanceError, match="did not accept the status notification the next action depends on"):
        conformance().webhook_accepted(delivery(None, None, "failed"))


def test_attestation_gives_the_verdict_attested_never_passed_and_a_no_fails() -> None:
    judge = conformance()
    judge.attest("the reports show marketing_lite", True)
    assert judge.evidence.attested
    refused = conformance()
    with pytest.raises(ConformanceError, match="the operator did not confirm that the reports show marketing_lite"):
        refused.attest("the reports show marketing_lite", False)
    assert not refused.evidence.attested
