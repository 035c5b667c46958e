"""Checks of how a platform reacted to an error it met: what it sent next, to where, and when."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from mmlite_conformance.suite.platform.checks import PlatformChecks
from mmlite_conformance.suite.platform.journal import Request, Window

MM_LITE_PATH = "/marketing_messages"
CLOUD_API_PATH = "/messages"
#: the start of the message of 360dialog's terms error (guide 3.c); its code contradicts it, so it is not used
TERMS_MESSAGE = "(#200) You must accept the Marketing Messages Lite API terms"
INVALID_TOKEN_BODY = {"error": "Invalid api token."}
#: how much earlier than Retry-After a retry may come (clocks and scheduling)
RETRY_TOLERANCE_S = 0.1


def error_code(answer: Any) -> int | None:
    """The Graph error code of an answer, wherever 360dialog's envelope puts it."""
    if not isinstance(answer, Mapping):
        return None
    error = answer.get("detail", {}).get("error") if isinstance(answer.get("detail"), Mapping) else answer.get("error")
    code = error.get("code") if isinstance(error, Mapping) else None
    return code if isinstance(code, int) else None


def error_message(answer: Any) -> str:
    if not isinstance(answer, Mapping):
        return ""
    detail = answer.get("detail")
    error = detail.get("error") if isinstance(detail, Mapping) else answer.get("error")
    message = error.get("message") if isinstance(error, Mapping) else None
    return message if isinstance(message, str) else ""


class ReactionChecks(PlatformChecks):
    """The rules of the platform's reactions (CURRENT-API §2.2 R3-R5, R12-R14, R16)."""

    __slots__ = ()

    def met(self, window: Window | None, what: str, meets: Any) -> Request:
        """The first request of the window that met the arranged error; fails with "the platform never met ..."."""
        requests = window.requests if window is not None else ()
        first = next((r for r in requests if meets(r)), None)
        if first is None:
            sent = ", ".join(f"{r.method} {r.path} -> {r.status}" for r in requests) or "nothing"
            raise self.fail(f"the platform never met {what} (it sent {sent})")
        return first

    def none_after(self, window: Window, first: Request, path: str, what: str) -> None:
        later = [r for r in window.requests if r.seq > first.seq and r.path == path]
        if later:
            raise self.fail(
                f"after {what}, the platform sent {len(later)} more request(s) to {path} for that recipient"
            )

    def at_most(self, requests: Sequence[Request], limit: int, what: str) -> None:
        if len(requests) > limit:
            listed = ", ".join(f"{r.method} {r.path} -> {r.status}" for r in requests)
            raise self.fail(f"expected at most {limit} {what}; the platform sent {len(requests)}: {listed}")

    def exactly(self, requests: Sequence[Request], count: int, what: str) -> None:
        if len(requests) != count:
            raise self.fail(f"expected exactly {count} {what}; the platform sent {len(requests)}")

    def waited_retry_after(self, requests: Sequence[Request]) -> list[str]:
        """Every request after a 429 came at least its Retry-After later (tolerance 0.1 s), and the wait after a
        second 429 was no shorter than after the first. Returns the rule as applied, one line per retry."""
        applied: list[str] = []
        previous_gap: float | None = None
        for limited, retry in itertools.pairwise(requests):
            if limited.status != 429:
                continue
            gap = (retry.time_ms - limited.time_ms) / 1000
            wanted = limited.retry_after or 0.0
            applied.append(f"next attempt {gap:.2f} s after a Retry-After of {wanted:g} s")
            if gap < wanted - RETRY_TOLERANCE_S:
                raise self.fail(f"the platform retried {gap:.2f} s after a 429 with Retry-After {wanted:g} s")
            if previous_gap is not None and gap < previous_gap - RETRY_TOLERANCE_S:
                raise self.fail(
                    f"the wait after the second 429 ({gap:.2f} s) was shorter than after the first "
                    f"({previous_gap:.2f} s)"
                )
            previous_gap = gap
        if not applied:
            raise self.fail("the platform never retried after the 429 it met")
        return applied

    def finally_accepted(self, requests: Sequence[Request]) -> None:
        if not requests or not 200 <= requests[-1].status < 300:
            raise self.fail("the message was never accepted: the platform gave up before the observation ended")
