"""The webhook tape beside each cassette: where the recording came from, and the webhooks the receiver got."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmlite_conformance.suite.recording.errors import CassetteError
from mmlite_conformance.suite.recording.files import read_tape
from mmlite_conformance.suite.recording.naming import tape_name

#: provenance key -> its words: `recorded_on` is the real date; `recorded_at` the recording's clock (the emulator's is
#: frozen on purpose, so re-recording is byte-identical)
_FACTS = (
    ("recorded_on", "on"),
    ("recorded_at", "clock at recording"),
    ("suite_version", "suite"),
    ("emulator_seed", "seed"),
)


@dataclass(slots=True, frozen=True)
class Tape:
    """One scenario instance's tape (already redacted where it was recorded)."""

    provenance: Mapping[str, Any]
    events: tuple[Mapping[str, Any], ...]

    @property
    def origin(self) -> str:
        """Where and when the recording was made, in one sentence (the catalog's exchanges carry no provenance)."""
        note = str(self.provenance.get("note") or f"recorded from the {self.provenance.get('target', '?')} target")
        facts = [f"{label} {self.provenance[key]}" for key, label in _FACTS if self.provenance.get(key) is not None]
        return note + (f" ({', '.join(facts)})" if facts else "")


def read_tapes(cassettes: Path, names: Iterable[str]) -> dict[str, Tape]:
    """cassette name -> its tape, for each of `names` that has one; a corrupt tape raises its one-line error."""
    tapes: dict[str, Tape] = {}
    for name in names:
        where = tape_name(name)
        path = cassettes / where
        if not path.is_file():
            continue
        try:
            provenance, events = read_tape(path, scenario=name, where=where, fail=_failure(where))
        except CassetteError as error:
            raise ValueError(error.message) from None
        tapes[name] = Tape(provenance, tuple(events))
    return tapes


def _failure(where: str) -> Callable[[str], CassetteError]:
    return lambda message: CassetteError(message, where)
