"""What every artefact says about the run (RunInfo) and the redactor the run lends to scrub third-party output."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pytest

from mmlite_conformance.version import suite_version

REPORT_TITLE = "MM Lite conformance report"


class Redacts(Protocol):
    """What the report needs from `redaction.Redactor` (idempotent: redacting twice changes nothing)."""

    def redact_text(self, text: str, /) -> str: ...

    def redact_json(self, obj: Any, /) -> Any: ...


class NoRedaction:
    """Used when the suite's plugin configured no redactor (e.g. the project's own tests)."""

    def redact_text(self, text: str, /) -> str:
        return text

    def redact_json(self, obj: Any, /) -> Any:
        return obj


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_run_id() -> str:
    """A run id that sorts by time: `20250601T101500Z-1a2b3c4d` (UTC second, then 32 random bits)."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


@dataclass(slots=True)
class RunInfo:
    """The run header of every artefact: what was tested, against what, from which recordings."""

    target: str = "unknown"
    run_id: str = field(default_factory=new_run_id)
    #: which contract the run judged against: "alpha" (the API today), "platform" (a partner's platform)
    contract_profile: str = "alpha"
    cloud_base_url: str = ""
    mm_lite_url: str = ""
    suite_version: str = field(default_factory=suite_version)
    started_at: str = field(default_factory=_utc_now)
    cassette_provenance: str = ""
    #: the target's words for answers that did not come from 360dialog (shown when a scenario was simulated)
    simulation_banner: str = ""
    #: things the run noticed outside any scenario (e.g. a platform's late requests for earlier actions), redacted
    warnings: list[str] = field(default_factory=list)
    #: the cassette folder, and the files in it the run replayed or recorded (relative, in the order first used)
    cassette_dir: str = ""
    cassettes: list[str] = field(default_factory=list)
    #: files the target left beside the reports (a platform run: journal.json)
    target_files: list[str] = field(default_factory=list)

    def used_cassettes(self, folder: Path, *files: Path) -> None:
        for name in (path.relative_to(folder).as_posix() for path in files):
            if name not in self.cassettes:
                self.cassettes.append(name)


RUN_INFO = pytest.StashKey[RunInfo]()
REDACTOR = pytest.StashKey[Redacts]()


def run_info(config: pytest.Config) -> RunInfo:
    return config.stash.get(RUN_INFO, None) or RunInfo()


def redactor(config: pytest.Config) -> Redacts:
    return config.stash.get(REDACTOR, None) or NoRedaction()
