"""The provenance block of a webhook tape: where, when and from which suite a recording was made."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from mmlite_conformance.version import suite_version

__all__ = ["EMULATOR_NOTE", "LIVE_NOTE", "VARYING_FIELDS", "comparable_tape", "make_provenance"]

EMULATOR_NOTE = "recorded from the embedded emulator, not from 360dialog's sandbox"
LIVE_NOTE = "recorded from 360dialog's live sandbox"
#: provenance fields that differ between two recordings of the same exchanges (the real day a tape was made):
#: a byte-for-byte comparison of recordings leaves them out (`comparable_tape`)
VARYING_FIELDS = ("recorded_on",)


def make_provenance(
    *,
    target: str,
    note: str,
    recorded_at: date,
    scenario: str,
    requirement_ids: Sequence[str],
    emulator_seed: int | None,
    version_label: str | None = None,
    recorded_on: date | None = None,
    emulator_faults: Sequence[str] = (),
    emulator_profile: str | None = None,
) -> dict[str, Any]:
    """The provenance block. `recorded_at` is the target's clock (the emulator's is frozen, so re-recording is
    byte-identical); `recorded_on` is the real day, in VARYING_FIELDS. Faults and a varying emulator profile are
    named only when there are some, so a default recording keeps the shipped tapes' bytes."""
    if isinstance(recorded_at, datetime):
        recorded_at = recorded_at.astimezone(UTC).date()
    provenance: dict[str, Any] = {
        "target": target,
        "recorded_at": recorded_at.isoformat(),
        "suite_version": version_label or suite_version(),
        "emulator_seed": emulator_seed,
        "scenario": scenario,
        "requirement_ids": list(requirement_ids),
        "note": note,
    }
    if recorded_on is not None:
        provenance["recorded_on"] = recorded_on.isoformat()
    if emulator_faults:
        provenance["emulator_faults"] = sorted(emulator_faults)
    if emulator_profile:
        provenance["emulator_profile"] = emulator_profile
    return provenance


def comparable_tape(text: str | bytes) -> Any:
    """A tape's content without the provenance fields that differ between recordings (VARYING_FIELDS)."""
    data = json.loads(text)
    provenance = data.get("provenance") if isinstance(data, dict) else None
    if isinstance(provenance, dict):
        data["provenance"] = {k: v for k, v in provenance.items() if k not in VARYING_FIELDS}
    return data
