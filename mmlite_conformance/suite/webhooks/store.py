"""The webhook event store: bounded in count and bytes, thread-safe; waits take self-describing predicates and time
out readably."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping
from typing import Any, Final

from mmlite_conformance.suite.redaction import Redactor
from mmlite_conformance.suite.webhooks.event import Predicate, WebhookEvent, describe
from mmlite_conformance.suite.webhooks.limits import REFUSALS, describe_refusals, lenient_json
from mmlite_conformance.suite.webhooks.payloads import shorten_wamids, summarise

DEFAULT_MAX_EVENTS: Final = 1000
#: what the held events may cost, as `footprint` estimates it (a run's ~1,000 notifications need a few MiB)
DEFAULT_MAX_BYTES: Final = 32 * 1024 * 1024
#: roughly what one parsed JSON value costs in memory (a small dict, list, string or number and its reference)
VALUE_BYTES: Final = 64
#: how many of the events that did arrive a timeout message lists
SHOWN_ON_TIMEOUT: Final = 20
_UNPARSED: Final[Any] = object()


class WebhookTimeoutError(Exception):
    """No event matched in time; the message lists, redacted, what did arrive."""


class WebhookStore:
    """The events of one run or scenario, oldest first: at most `max_events` of them, and the oldest are dropped
    while their `footprint` adds up to more than `max_bytes` (the newest event is always kept).

    Thread-safe: server threads deliver, test code waits on a Condition. A store is open (more may arrive, waits
    last up to their timeout) until `close()`; a closed store (a replayed tape) answers every wait at once.
    The receiver also notes here what it refused, so a timeout message can say that deliveries were refused.
    """

    def __init__(
        self,
        *,
        max_events: int = DEFAULT_MAX_EVENTS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        redactor: Redactor | None = None,
    ) -> None:
        if max_events < 1:
            raise ValueError("max_events must be at least 1")
        if max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        self.redactor = redactor
        self.max_events, self.max_bytes = max_events, max_bytes
        self._events: deque[WebhookEvent] = deque()
        self._sizes: deque[int] = deque()
        self._held_bytes = 0
        self._refused: Counter[str] = Counter()
        self._condition = threading.Condition()
        self._sequence = itertools.count(1)
        #: None while more may arrive; once closed, where the events came from, as timeout messages say it
        self._closed_as: str | None = None

    def deliver(
        self, method: str, path: str, headers: Mapping[str, str], raw: str, *, body: Any = _UNPARSED
    ) -> WebhookEvent:
        """Store one event and wake the waiters; `body` is `raw` parsed, parsed here unless the caller did it."""
        with self._condition:
            if self._closed_as is not None:
                raise RuntimeError("the store is closed: nothing more can arrive")
            event = WebhookEvent(
                sequence=next(self._sequence),
                method=method.upper(),
                path=path,
                headers={k.lower(): v for k, v in headers.items()},
                body=lenient_json(raw) if body is _UNPARSED else body,
                raw=raw,
                received_at=time.time(),
            )
            size = footprint(event)
            self._events.append(event)
            self._sizes.append(size)
            self._held_bytes += size
            while len(self._events) > self.max_events or (self._held_bytes > self.max_bytes and len(self._events) > 1):
                self._events.popleft()
                self._held_bytes -= self._sizes.popleft()
            self._condition.notify_all()
        return event

    def note_refused(self, reason: str) -> None:
        """The receiver refused a request (`reason`: a key of limits.REFUSALS); counted until `clear()`."""
        if reason not in REFUSALS:
            raise ValueError(f"unknown refusal: {reason}")
        with self._condition:
            self._refused[reason] += 1

    @property
    def refused(self) -> dict[str, int]:
        """Requests the receiver refused since the last `clear()`, by reason."""
        with self._condition:
            return dict(self._refused)

    @property
    def held_bytes(self) -> int:
        """The summed `footprint` of the events held now."""
        with self._condition:
            return self._held_bytes

    def close(self, where: str) -> None:
        """Nothing more will arrive (e.g. a recorded tape): waits end at once, and their errors say the events
        were looked for `where` ("on the recorded tape") instead of how long was waited."""
        with self._condition:
            self._closed_as = where
            self._condition.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed_as is not None

    def events(self) -> list[WebhookEvent]:
        with self._condition:
            return list(self._events)

    def clear(self) -> None:
        """Forget stored events and refusals; sequence numbers keep increasing."""
        with self._condition:
            self._events.clear()
            self._sizes.clear()
            self._held_bytes = 0
            self._refused.clear()

    def wait_for(self, predicate: Predicate, timeout: float, description: str | None = None) -> WebhookEvent:
        """The first stored event (already received or arriving within `timeout` s) that satisfies `predicate`."""
        label = description or describe(predicate)
        return self._wait([(label, predicate)], timeout)[0]

    def wait_for_all(self, *predicates: Predicate, timeout: float) -> list[WebhookEvent]:
        """One event per predicate, in the predicates' order; the timeout is shared."""
        return self._wait([(describe(p), p) for p in predicates], timeout)

    def _wait(self, wanted: list[tuple[str, Predicate]], timeout: float) -> list[WebhookEvent]:
        if not wanted:
            return []
        deadline = time.monotonic() + timeout
        found: list[WebhookEvent | None] = [None] * len(wanted)
        scanned = 0
        while True:
            with self._condition:
                fresh = [e for e in self._events if e.sequence > scanned]
                if not fresh:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or self.closed:
                        break
                    self._condition.wait(remaining)
                    continue
            # predicates run outside the lock: a slow or re-entrant one must not block the server threads
            for event in fresh:
                for index, (_label, predicate) in enumerate(wanted):
                    if found[index] is None and predicate(event):
                        found[index] = event
            scanned = fresh[-1].sequence
            if all(e is not None for e in found):
                return [e for e in found if e is not None]
        missing = [label for (label, _p), event in zip(wanted, found, strict=True) if event is None]
        raise WebhookTimeoutError(self._timeout_message(missing, timeout))

    def _timeout_message(self, missing: list[str], timeout: float) -> str:
        arrived = self.events()
        where = self._closed_as or f"within {timeout:g} s"
        wanted = "; ".join(self._redact(m) for m in missing)
        lines = [f"no webhook event matched: {wanted} {where}.", f"{len(arrived)} event(s) arrived:"]
        lines += [f"  {summarise(e, self.redactor)}" for e in arrived[-SHOWN_ON_TIMEOUT:]]
        if len(arrived) > SHOWN_ON_TIMEOUT:
            lines.insert(2, f"  ... {len(arrived) - SHOWN_ON_TIMEOUT} earlier event(s) not shown")
        refusals = describe_refusals(self.refused)
        if refusals:
            lines.append(f"{refusals}.")
        return "\n".join(lines)

    def _redact(self, text: str) -> str:
        return self.redactor.redact_text(text) if self.redactor else shorten_wamids(text)


def footprint(event: WebhookEvent) -> int:
    """An estimate, in bytes, of what holding `event` costs: its text and headers and, for a parsed body, the text
    again (its strings) plus VALUE_BYTES per JSON value (counted from commas and opening brackets, in C: an upper
    bound, never a walk)."""
    text = event.raw
    parsed = len(text) + VALUE_BYTES * (text.count(",") + text.count("[") + text.count("{") + 1)
    headers = sum(len(k) + len(v) for k, v in event.headers.items())
    return len(text) + headers + (parsed if event.body is not None else 0)
