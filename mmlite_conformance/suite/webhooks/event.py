"""One webhook delivery as received, and the self-describing predicates that waits match it with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

#: where the receiver takes deliveries unless told otherwise (also what a tape event without a path was posted to)
DEFAULT_PATH: Final = "/webhook"


@dataclass(slots=True, frozen=True)
class WebhookEvent:
    """One request the receiver got; `body` is the parsed JSON or None, `raw` the text as received."""

    sequence: int
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw: str
    received_at: float


Predicate = Callable[[WebhookEvent], bool]


@dataclass(slots=True, frozen=True)
class Expectation:
    """A predicate that can describe itself, so waits and their errors read like the step that waits."""

    description: str
    test: Predicate

    def __call__(self, event: WebhookEvent) -> bool:
        return self.test(event)

    def __str__(self) -> str:
        return self.description


def describe(predicate: Predicate) -> str:
    """What a wait was for: an Expectation's description, else a function's name."""
    return str(getattr(predicate, "description", None) or getattr(predicate, "__name__", None) or predicate)
