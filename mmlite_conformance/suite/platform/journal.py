"""The emulator's request journal as the suite reads it: entries attributed to an action, in a bounded window."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mmlite_conformance.suite.platform.control import EmulatorControl

#: how often the journal is read while a window is open
POLL_SECONDS = 0.05


@dataclass(slots=True, frozen=True)
class Request:
    """One request the platform sent (raw: phone numbers in clear; evidence gets a redacted copy)."""

    seq: int
    time_ms: float
    method: str
    path: str
    surface: str
    auth_form: str
    auth_valid: bool
    body: Any
    status: int
    answer: Any
    retry_after: float | None
    raw: Mapping[str, Any]

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any]) -> Request:
        auth = entry.get("auth") or {}
        response = entry.get("response") or {}
        retry_after = (response.get("headers") or {}).get("retry-after")
        return cls(
            seq=int(entry["seq"]),
            time_ms=float(entry["time_ms"]),
            method=str(entry["method"]),
            path=str(entry["path"]),
            surface=str(entry.get("surface")),
            auth_form=str(auth.get("form")),
            auth_valid=bool(auth.get("valid")),
            body=entry.get("body"),
            status=int(response.get("status") or 0),
            answer=response.get("body"),
            retry_after=_seconds(retry_after),
            raw=entry,
        )

    @property
    def recipient(self) -> str | None:
        """The digits of the body's `to`, by which a request is attributed to the action that named them."""
        to = self.body.get("to") if isinstance(self.body, Mapping) else None
        return "".join(ch for ch in to if ch.isdigit()) if isinstance(to, str) else None


@dataclass(slots=True, frozen=True)
class Window:
    """What the platform sent for one action: the attributable requests and how the window ended."""

    requests: tuple[Request, ...]
    others: tuple[Request, ...]
    waited: float
    ended: str


class Journal:
    """Reads the journal from a position on; a window follows one action."""

    def __init__(self, control: EmulatorControl) -> None:
        self._control = control
        self.position = control.journal(after=0)[1]

    def mark(self) -> int:
        """The journal's current end: what the next window starts after."""
        self.position = self._control.journal(after=self.position)[1]
        return self.position

    def since(self, mark: int) -> list[Request]:
        entries, _last = self._control.journal(after=mark)
        return [Request.from_entry(entry) for entry in entries]

    def window(
        self,
        since: int,
        belongs: Callable[[Request], bool],
        *,
        first_within: float,
        settle: float,
        cap: float,
    ) -> Window:
        """Wait up to `first_within` s for the first request that `belongs`, then until `settle` s pass without a new
        one (extended by any Retry-After the emulator served), never longer than `cap` s in all."""
        started = time.monotonic()
        mine: list[Request] = []
        others: list[Request] = []
        last_new = started
        seen = since
        while True:
            entries, _last = self._control.journal(after=seen)
            for request in (Request.from_entry(entry) for entry in entries):
                seen = request.seq
                if belongs(request):
                    mine.append(request)
                    last_new = time.monotonic() + (request.retry_after or 0.0)
                else:
                    others.append(request)
            now = time.monotonic()
            if now - started >= cap:
                return Window(tuple(mine), tuple(others), now - started, f"the {cap:g} s cap")
            if not mine and now - started >= first_within:
                return Window((), tuple(others), now - started, f"nothing within {first_within:g} s")
            if mine and now - last_new >= settle:
                return Window(tuple(mine), tuple(others), now - started, f"{settle:g} s without a new request")
            time.sleep(POLL_SECONDS)


def _seconds(value: object) -> float | None:
    """A Retry-After in seconds, or None when absent or not a number."""
    try:
        return None if value is None else float(str(value))
    except ValueError:
        return None
