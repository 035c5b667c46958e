"""Armed answers: canned responses for the next matching requests of one account (Prism / WireMock style)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mmlite_conformance.emulator.errors import CATALOGUE, invalid_parameter
from mmlite_conformance.emulator.validation import PHONE_PUNCTUATION

INVALID_TOKEN = "invalid_token"  # the flat 401 answer, armable like a catalogue key
ERROR_ALIASES = {"rate_limited": "throughput", "pair_rate_limited": "pair_rate"}
RATE_KEYS = frozenset({"throughput", "pair_rate"})
MAX_ANSWERS = 1000
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
HEADER_VALUE = re.compile(r"[ -~]*")
FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})  # the server owns these
MAX_TIMES = 1_000_000
_FIELDS = frozenset({"method", "path", "status", "body", "text", "headers", "times", "to", "error", "retry_after"})


@dataclass(slots=True)
class ArmedAnswer:
    """A canned answer armed for the next `times` matching requests of one account."""

    id: str
    account: str  # the api key of the account it applies to
    method: str
    path: str
    times: int
    status: int | None = None  # None with `error`
    body: Any = None
    text: str | None = None  # a non-JSON body instead of `body`
    headers: dict[str, str] = field(default_factory=dict)
    to: str | None = None  # digits; None matches every request
    error: str | None = None  # a catalogue key (or invalid_token) rendered like the emulator renders it
    retry_after: int | None = None
    served: int = 0

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "method": self.method, "path": self.path}
        if self.error is not None:
            out["error"] = self.error
        else:
            out["status"] = self.status
            out["text" if self.text is not None else "body"] = self.text if self.text is not None else self.body
        if self.headers:
            out["headers"] = self.headers
        if self.retry_after is not None:
            out["retry_after"] = self.retry_after
        if self.to is not None:
            out["to"] = self.to
        out.update({"times": self.times, "served": self.served, "remaining": self.times - self.served})
        return out


def _int(body: Mapping[str, Any], key: str, default: int | None, low: int, high: int) -> int | None:
    value = body.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise invalid_parameter(f"The parameter {key} must be an integer between {low} and {high}.")
    return value


def _error_key(value: Any) -> str:
    key = ERROR_ALIASES.get(value, value) if isinstance(value, str) else None
    if key != INVALID_TOKEN and key not in CATALOGUE:
        raise invalid_parameter(f"The parameter error must be one of: {', '.join(error_keys())}.")
    return str(key)


def error_keys() -> list[str]:
    return sorted([*CATALOGUE, INVALID_TOKEN, *ERROR_ALIASES])


class AnswerBook:
    """Armed answers in arming order; the first live one that matches a request answers it."""

    def __init__(self) -> None:
        self.answers: list[ArmedAnswer] = []
        self.live = 0  # answers with uses left: the per-request check is a single integer test
        self._counter = 0

    def clear(self, account: str | None = None) -> int:
        """Forget the answers of one account (all when None); returns how many were dropped."""
        kept = [a for a in self.answers if account is not None and a.account != account]
        cleared = len(self.answers) - len(kept)
        self.answers = kept
        self.live = sum(1 for a in kept if a.served < a.times)
        return cleared

    def arm(self, account: str, body: Mapping[str, Any], routes: Mapping[tuple[str, str], str]) -> ArmedAnswer:
        """Validate an arming request against the API routes ((method, path) -> envelope) and store it."""
        unknown = sorted(set(body) - _FIELDS)
        if unknown:
            raise invalid_parameter(f"Unknown parameter(s): {', '.join(unknown)}.")
        method, path = body.get("method"), body.get("path")
        method = method.upper() if isinstance(method, str) else None
        if not isinstance(path, str) or (method, path) not in routes:
            known = ", ".join(f"{m} {p}" for m, p in routes)
            raise invalid_parameter(f"The parameters method and path must name an API route: {known}.")
        headers = body.get("headers", {})
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and HEADER_NAME.fullmatch(k) and HEADER_VALUE.fullmatch(v)
            for k, v in headers.items()
        ):
            raise invalid_parameter("The parameter headers must map header names to printable ASCII values.")
        if FRAMING_HEADERS & {k.lower() for k in headers}:
            raise invalid_parameter(f"The parameter headers must not set {', '.join(sorted(FRAMING_HEADERS))}.")
        to = body.get("to")
        if to is not None:
            to = to.translate(PHONE_PUNCTUATION) if isinstance(to, str) else ""
            if not to.isascii() or not to.isdigit():
                raise invalid_parameter("The parameter to must be a phone number.")
        if len(self.answers) >= MAX_ANSWERS:
            raise invalid_parameter(f"At most {MAX_ANSWERS} answers can be armed; DELETE /_emulator/answers first.")
        times = _int(body, "times", 1, 1, MAX_TIMES) or 1
        self._counter += 1
        answer = ArmedAnswer(f"a{self._counter}", account, str(method), str(path), times, headers=dict(headers), to=to)
        if "error" in body:
            if {"status", "body", "text"} & set(body):
                raise invalid_parameter("Give either error or status (with body or text), not both.")
            answer.error = _error_key(body["error"])
            answer.retry_after = _int(body, "retry_after", 1 if answer.error in RATE_KEYS else None, 0, 86_400)
        else:
            answer.status = _int(body, "status", None, 200, 599)
            if answer.status is None:
                raise invalid_parameter("The parameter status (200..599) or error is required.")
            if "body" in body and "text" in body:
                raise invalid_parameter("Give either body (JSON) or text, not both.")
            if "text" in body and not isinstance(body["text"], str):
                raise invalid_parameter("The parameter text must be a string.")
            answer.body, answer.text = body.get("body", {}), body.get("text")
            if "retry_after" in body:
                raise invalid_parameter("The parameter retry_after goes with error; use headers with status.")
        self.answers.append(answer)
        self.live += 1
        return answer

    def take(self, account: str, method: str, path: str, to: str | None) -> ArmedAnswer | None:
        """The answer for this request, counted as served; None when no live answer matches."""
        for answer in self.answers:
            if (
                answer.served < answer.times
                and answer.account == account
                and answer.method == method
                and answer.path == path
                and (answer.to is None or answer.to == to)
            ):
                answer.served += 1
                if answer.served == answer.times:
                    self.live -= 1
                return answer
        return None

    def needs_recipient(self, account: str, method: str, path: str) -> bool:
        """Whether a live answer for this route filters on 'to' (only then is the body parsed up front)."""
        return any(
            a.to is not None and a.served < a.times and a.account == account and a.method == method and a.path == path
            for a in self.answers
        )
