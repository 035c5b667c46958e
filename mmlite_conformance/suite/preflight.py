"""Run-wide problems, found before the first scenario and reported once: any of them would fail every scenario."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Sequence
from pathlib import Path

from mmlite_conformance.suite.recording import RecordingMode

#: how many cassette names a message lists before it counts the rest
SHOWN: int = 3


def listen_problem(listen: tuple[str, int] | None) -> str | None:
    """The receiver's fixed address (`MMLITE_WEBHOOK_LISTEN`) must be free; port 0 picks a free one."""
    if listen is None or listen[1] == 0:
        return None
    host, port = listen
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(
            socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
        )  # a port in TIME_WAIT is free; one listened on is not
        try:
            probe.bind((host, port))
        except OSError as error:
            return f"MMLITE_WEBHOOK_LISTEN={host}:{port}: the suite's receiver cannot listen there ({error.strerror})."
    return None


def cassette_problems(folder: Path, names: Sequence[str], mode: RecordingMode) -> list[str]:
    """The cassette folder as the recording mode needs it: replay reads the selected scenarios' cassettes from an
    existing folder; a new recording must not find theirs there already (it never replaces a cassette)."""
    if mode == "off" or not names:
        return []
    if folder.exists() and not folder.is_dir():
        return [f"--cassette-dir={folder}: not a folder."]
    present = [name for name in names if (folder / name).is_file()]
    if mode == "replay":
        if not folder.is_dir():
            return [f"--cassette-dir={folder}: no such folder; replay needs the cassettes recorded there."]
        if not present:
            return [f"--cassette-dir={folder}: none of the {len(names)} selected scenarios has a cassette there."]
    if mode == "record-new" and present:
        return [
            f"--record would replace {len(present)} cassette(s) in {folder} ({_listed(present)}); a recording never "
            "replaces one: record into another --cassette-dir, or replace them with --record=overwrite."
        ]
    return []


def reports_problems(files: Iterable[Path]) -> list[str]:
    """Each report's folder must be a folder the run can write in (created if missing)."""
    problems: list[str] = []
    for folder in dict.fromkeys(path.parent for path in files):
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if existing is None:
            continue
        if not existing.is_dir():
            problems.append(f"{existing}: not a folder, so the reports cannot be written under it.")
        elif not os.access(existing, os.W_OK | os.X_OK):
            problems.append(f"{existing}: not writable, so the reports cannot be written there.")
    return list(dict.fromkeys(problems))


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:SHOWN])
    return shown if len(names) <= SHOWN else f"{shown} and {len(names) - SHOWN} more"
