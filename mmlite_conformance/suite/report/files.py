"""The artefacts pytest writes (HTML, JUnit XML, Cucumber JSON): where they are, and rewriting them atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

#: pytest's options naming the written artefacts: pytest-html, junitxml, pytest-bdd's Cucumber JSON
ARTEFACT_OPTIONS = ("htmlpath", "xmlpath", "cucumber_json_path")
#: the machine-readable record of a run, written beside the JUnit file (read by `mmlite-conformance bundle`)
RUN_RECORD = "run.json"


def artefact(config: pytest.Config, option: str) -> Path | None:
    value = getattr(config.option, option, None)
    return Path(os.path.expandvars(str(value))).expanduser() if value else None


def reports_folder(config: pytest.Config) -> Path | None:
    """Where the run's own files go beside pytest's (run.json, journal.json): the JUnit file's folder, else the
    first written artefact's."""
    found = (artefact(config, option) for option in ("xmlpath", *ARTEFACT_OPTIONS))
    return next((path.parent for path in found if path is not None), None)


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, text: str) -> None:
    """Replace the file in one step, with the mode an ordinary write gives (0644 under umask 022): mkstemp's
    temporary file is 0600, which would make this report unreadable to the others' readers."""
    handle, temp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    Path(temp).chmod(0o666 & ~_current_umask())
    Path(temp).replace(path)
