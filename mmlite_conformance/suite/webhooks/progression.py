"""A message's statuses read by meaning: what arrived, in which order, and whether the timestamps contradict it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

#: the progression of a delivered message; `failed` ends it and `played` (voice) lies beyond it
RANK: Final = {"sent": 0, "delivered": 1, "read": 2}
#: a status that may never arrive on its own, and the later status that then stands for it: `delivered` is skipped
#: when delivery and reading coincide (CONTRACT §7.1)
SKIPPABLE: Final = {"delivered": "read"}


@dataclass(slots=True, frozen=True)
class Contradiction:
    """Two statuses whose timestamps run against the progression (the later status stamped earlier)."""

    earlier: str
    earlier_at: int
    later: str
    later_at: int

    def __str__(self) -> str:
        return f"{self.later} is stamped {self.later_at}, before {self.earlier} ({self.earlier_at})"


@dataclass(slots=True, frozen=True)
class Progression:
    """The statuses of one message as they arrived, and what they mean for an expected progression."""

    expected: tuple[str, ...]
    arrived: tuple[str, ...]
    #: the earliest timestamp each status carried (a duplicate repeats it, or comes later)
    stamped: Mapping[str, int]

    @property
    def missing(self) -> tuple[str, ...]:
        """Expected statuses that did not arrive and that no later status stands for."""
        seen = set(self.arrived)
        return tuple(s for s in self.expected if s not in seen and SKIPPABLE.get(s) not in seen)

    @property
    def skipped(self) -> tuple[str, ...]:
        seen = set(self.arrived)
        return tuple(s for s in self.expected if s not in seen and SKIPPABLE.get(s) in seen)

    @property
    def duplicates(self) -> tuple[str, ...]:
        return tuple(sorted({s for s in self.arrived if self.arrived.count(s) > 1}))

    @property
    def reordered(self) -> bool:
        """The first arrival of each status is not in the progression's order (legitimate: order is not kept)."""
        firsts = list(dict.fromkeys(s for s in self.arrived if s in RANK))
        return firsts != sorted(firsts, key=RANK.__getitem__)

    @property
    def contradictions(self) -> tuple[Contradiction, ...]:
        ranked = sorted((s for s in self.stamped if s in RANK), key=RANK.__getitem__)
        return tuple(
            Contradiction(earlier, self.stamped[earlier], later, self.stamped[later])
            for index, earlier in enumerate(ranked)
            for later in ranked[index + 1 :]
            if self.stamped[later] < self.stamped[earlier]
        )

    def remarks(self) -> list[str]:
        """What is legitimate but worth telling: reordering, duplicates, a skipped status."""
        notes = []
        if self.reordered:
            notes.append(f"the statuses arrived as {', '.join(self.arrived)} (arrival order is not guaranteed)")
        if self.duplicates:
            notes.append(f"{', '.join(self.duplicates)} arrived more than once (read as one)")
        for status in self.skipped:
            notes.append(f"{status} never arrived on its own; {SKIPPABLE[status]} stands for it")
        return notes


def progression(statuses: Iterable[Mapping[str, Any]], expected: Sequence[str]) -> Progression:
    """Reads a message's status objects (from any number of notifications, each possibly holding several)."""
    arrived: list[str] = []
    stamped: dict[str, int] = {}
    for status in statuses:
        name = status.get("status")
        if not isinstance(name, str):
            continue
        arrived.append(name)
        at = _timestamp(status.get("timestamp"))
        if at is not None:
            stamped[name] = min(at, stamped.get(name, at))
    return Progression(expected=tuple(expected), arrived=tuple(arrived), stamped=stamped)


def stand_ins(status: str) -> tuple[str, ...]:
    """The statuses whose arrival ends a wait for `status`: itself, the one that may stand for it, and `failed`."""
    return tuple(dict.fromkeys(s for s in (status, SKIPPABLE.get(status), "failed") if s))


def _timestamp(value: Any) -> int | None:
    """Unix seconds, sent as a string of digits (or, by some senders, a number); anything else cannot be judged."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
