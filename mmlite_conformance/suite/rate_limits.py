"""Rate limits are the environment's, not verdicts: an HTTP 429 is waited out and retried within a budget."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Final, NoReturn

RATE_LIMITED: Final = 429
#: the wait before a retry when a 429 says nothing of when to come back; doubled at each further refusal
FIRST_BACKOFF_S: Final = 1.0


class RateLimitBudgetSpentError(Exception):
    """The target kept refusing for rate past the wait budget: the run cannot judge it (`skipped: environment`)."""


def _spent(reason: str) -> NoReturn:
    raise RateLimitBudgetSpentError(reason)


@dataclass(slots=True)
class RateLimitPacer:
    """Decides, for each answer, whether to wait and send again; one pacer per scenario shares one budget.

    `pause` is the target's (a replay plays the recorded retry back without sleeping); `note` writes each wait into
    the scenario's evidence; `give_up` ends the scenario once the budget is spent (the suite's plugin passes
    `pytest.skip`, so that neither the step nor the scenario reads as failed in any report).
    """

    budget_s: float
    pause: Callable[[float], None] = time.sleep
    note: Callable[[str], None] = lambda _text: None
    give_up: Callable[[str], NoReturn] = _spent
    spent_s: float = 0.0
    refusals: int = field(default=0)

    def should_retry(self, label: str, status: int, headers: Mapping[str, str], body: Any) -> bool:
        """After a 429 that carries no message id (nothing was sent), waits and answers True; past the budget
        raises RateLimitBudgetSpentError. Any other answer: False (it is the verdict's to judge)."""
        if status != RATE_LIMITED or carries_message_id(body):
            return False
        self.refusals += 1
        announced = retry_after(headers)
        wait = announced if announced is not None else FIRST_BACKOFF_S * 2 ** (self.refusals - 1)
        said = f"Retry-After {announced:g} s" if announced is not None else "no Retry-After"
        code = graph_code(body)
        refused = f"HTTP 429{f' (code {code})' if code is not None else ''} to {label}"
        left = self.budget_s - self.spent_s
        if wait > left:
            self.give_up(
                f"environment: rate limited: {refused}, {said}; waiting {wait:g} s more would exceed the "
                f"{self.budget_s:g} s wait budget (MMLITE_RATE_LIMIT_BUDGET), {self.spent_s:g} s already spent"
            )
        self.note(f"rate limited: {refused}, {said}; waited {wait:g} s and sent it again (nothing had been sent)")
        self.pause(wait)
        self.spent_s += wait
        return True


def retry_after(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); None if absent or unreadable."""
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def carries_message_id(body: Any) -> bool:
    """A send answer with a message id was accepted and billed: it is never sent again."""
    messages = body.get("messages") if isinstance(body, Mapping) else None
    return isinstance(messages, list) and any(isinstance(m, Mapping) and m.get("id") for m in messages)


def graph_code(body: Any) -> object:
    """The Graph error code, wherever 360dialog's envelope puts it (`error` or `detail.error`)."""
    if not isinstance(body, Mapping):
        return None
    for holder in (body, body.get("detail")):
        error = holder.get("error") if isinstance(holder, Mapping) else None
        if isinstance(error, Mapping) and "code" in error:
            return error["code"]
    return None
