"""Emulator profiles: exact (the contract's plain answers) or realistic (seeded, counted platform variations)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

T = TypeVar("T")


class Variation(NamedTuple):
    """Something the real platform documents doing that a strict double never does."""

    name: str
    area: str
    assumption: str  # the id of its entry in assumptions.py
    description: str


VARIATIONS: dict[str, Variation] = {}


def _variation(name: str, area: str, assumption: str, description: str) -> str:
    VARIATIONS[name] = Variation(name, area, assumption, description)
    return name


DELAY_JITTER = _variation(
    "delay_jitter",
    "webhooks",
    "A43",
    "Each status of a message comes up to 2 emulator seconds later than the one before it (its timestamp moves; on "
    "a running clock its delivery waits too).",
)
OUT_OF_ORDER = _variation(
    "out_of_order_arrival",
    "webhooks",
    "A44",
    "A message's statuses arrive in another order (two neighbours swapped, or all reversed); their timestamps keep "
    "the progression.",
)
BATCHED = _variation(
    "batched_statuses", "webhooks", "A45", "Two or more statuses of a message arrive in one notification."
)
DUPLICATE = _variation(
    "duplicate_status", "webhooks", "A46", "One status of a message is delivered a second time, after the others."
)
WA_ID_BR = _variation(
    "wa_id_br_without_ninth_digit",
    "numbers",
    "A47",
    "A Brazilian mobile (55 + DDD + 9 + 8 digits) has a wa_id, status recipient_id and inbound 'from' without the "
    "ninth digit.",
)
WA_ID_MX = _variation(
    "wa_id_mx_with_1",
    "numbers",
    "A47",
    "A Mexican number (52 + 10 digits) has a wa_id, status recipient_id and inbound 'from' of 521 + 10 digits.",
)
RATE_LIMITED_ONCE = _variation(
    "send_rate_limited_once",
    "rate_limits",
    "A48",
    "A send that would be accepted is answered 429, code 130429, Retry-After: 1, and nothing is sent; the next "
    "send is never refused this way.",
)
UNKNOWN_RESPONSE_FIELD = _variation(
    "unknown_response_field",
    "responses",
    "A49",
    "An accepted send's answer carries a field the contract does not name (top level, contacts[0] or messages[0]).",
)
UNKNOWN_WEBHOOK_FIELD = _variation(
    "unknown_webhook_field",
    "webhooks",
    "A49",
    "A status or inbound notification carries a field the contract does not name (in the change value or an item).",
)

#: the name and value of the field the unknown-field variations add
UNKNOWN_FIELD = "emulator_unannounced"
UNKNOWN_VALUE: Mapping[str, str] = {"note": "a field the contract does not name; clients ignore what they do not know"}


@dataclass(slots=True, frozen=True)
class Profile:
    """A named set of variations, each with its chance per opportunity, and the status jitter."""

    name: str
    description: str
    #: variation -> chance per opportunity (absent: never)
    chances: Mapping[str, float] = field(default_factory=dict)
    jitter_max: float = 0.0  # emulator seconds a status may come later than the one before it


EXACT = "exact"
PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(EXACT, "The contract's plain answers: no variation (the default; recordings are byte-identical)."),
        Profile(
            "realistic",
            "Seeded variations the real platform documents: jitter, reordering, batching and duplicates of status "
            "webhooks, BR/MX wa_id forms, a 429 now and then, unknown fields.",
            {
                DELAY_JITTER: 1.0,
                OUT_OF_ORDER: 0.35,
                BATCHED: 0.3,
                DUPLICATE: 0.3,
                WA_ID_BR: 1.0,
                WA_ID_MX: 1.0,
                RATE_LIMITED_ONCE: 0.1,
                UNKNOWN_RESPONSE_FIELD: 0.3,
                UNKNOWN_WEBHOOK_FIELD: 0.3,
            },
            jitter_max=2.0,
        ),
    )
}

BR_MOBILE = re.compile(r"55([1-9][0-9])9([0-9]{8})")
MX_NUMBER = re.compile(r"52([0-9]{10})")
#: variation, the numbers it applies to, and the wa_id WhatsApp gives them
NUMBER_FORMS: tuple[tuple[str, re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (WA_ID_BR, BR_MOBILE, lambda m: f"55{m.group(1)}{m.group(2)}"),
    (WA_ID_MX, MX_NUMBER, lambda m: f"521{m.group(1)}"),
)


class UnknownProfileError(ValueError):
    """Raised for a profile name that is not in the registry."""


def validate_profile(name: str) -> str:
    if name not in PROFILES:
        raise UnknownProfileError(f"unknown profile: {name!r} (choose one of: {', '.join(PROFILES)})")
    return name


class Realism:
    """A profile in use: its own random stream (same seed and same requests: same variations) and what it injected.

    Only variations the profile gives a chance draw from the stream, so the exact profile never draws. The stream and
    the counts span the emulator's life: `/_emulator/reset` rewinds neither."""

    def __init__(self, profile: str, seed: int) -> None:
        self.profile = PROFILES[validate_profile(profile)]
        # the variations this profile can inject: every other opportunity is passed over without a look
        self._drawn = frozenset(name for name, p in self.profile.chances.items() if p > 0)
        self.seed = seed
        self.counts: dict[str, int] = dict.fromkeys(VARIATIONS, 0)
        self._rng = random.Random(seed)
        self._refused_last = False

    @property
    def varies(self) -> bool:
        return bool(self.profile.chances)

    def chance(self, variation: str) -> bool:
        """Whether to inject `variation` at this opportunity; counted when it is."""
        p = self.profile.chances.get(variation, 0.0)
        if p <= 0 or (p < 1 and self._rng.random() >= p):
            return False
        self.counts[variation] += 1
        return True

    def uniform(self, high: float) -> float:
        return self._rng.uniform(0.0, high)

    def choice(self, options: Sequence[T]) -> T:
        return options[self._rng.randrange(len(options))]

    def randrange(self, start: int, stop: int) -> int:
        return self._rng.randrange(start, stop)

    def whatsapp_id(self, number: str) -> str:
        """The wa_id WhatsApp answers for `number` (digits): itself, or its BR/MX form."""
        for variation, pattern, rewrite in NUMBER_FORMS:
            if variation in self._drawn and (match := pattern.fullmatch(number)) and self.chance(variation):
                return rewrite(match)
        return number

    def refuses_send(self) -> bool:
        """A 429 for a send that would be accepted; never twice in a row, so the client's retry goes through."""
        if self._refused_last:
            self._refused_last = False
            return False
        self._refused_last = RATE_LIMITED_ONCE in self._drawn and self.chance(RATE_LIMITED_ONCE)
        return self._refused_last

    def add_unknown_field(self, variation: str, places: Sequence[dict[str, Any]]) -> None:
        """Put the unknown field into one of `places` (objects of one body), when the variation is drawn."""
        if variation in self._drawn and places and self.chance(variation):
            self.choice(places)[UNKNOWN_FIELD] = dict(UNKNOWN_VALUE)

    def describe(self) -> dict[str, Any]:
        chances = self.profile.chances
        return {
            "profile": self.profile.name,
            "description": self.profile.description,
            "seed": self.seed,
            "variations": [
                {
                    "name": v.name,
                    "area": v.area,
                    "assumption": v.assumption,
                    "description": v.description,
                    "chance": chances.get(v.name, 0.0),
                    "injected": self.counts[v.name],
                }
                for v in VARIATIONS.values()
            ],
            "profiles": [{"name": p.name, "description": p.description} for p in PROFILES.values()],
        }
