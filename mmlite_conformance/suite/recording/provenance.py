"""The provenance block of a webhook tape: where, when and from which suite a recording was made."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from mmlite_conformance.version import suite_version

__all__ = ["EMULATOR_NOTE", "LIVE_NOTE", "make_provenance"]

EMULATOR_NOTE = "recorded from the embedded emulator, not from 360dialog's sandbox"
LIVE_NOTE = "recorded from 360dialog's live sandbox"


def make_provenance(
    *,
    target: str,
    note: str,
    recorded_at: date,
    scenario: str,
    requirement_ids: Sequence[str],
    emulator_seed: int | None,
    version_label: str | None = None,
) -> dict[str, Any]:
    """The provenance block; the key order is part of the tape's bytes (re-recording must change none)."""
    if isinstance(recorded_at, datetime):
        recorded_at = recorded_at.astimezone(UTC).date()
    return {
        "target": target,
        "recorded_at": recorded_at.isoformat(),
        "suite_version": version_label or suite_version(),
        "emulator_seed": emulator_seed,
        "scenario": scenario,
        "requirement_ids": list(requirement_ids),
        "note": note,
    }
