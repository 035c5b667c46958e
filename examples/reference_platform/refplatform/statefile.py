"""Where a running service is recorded: ``<state dir>/service.json`` = {"pid", "control_url", ...}.

The state directory is REFERENCE_PLATFORM_STATE_DIR, or a folder under the system temp dir keyed by the
emulator URL, so that two runs against two emulators never talk to each other's service.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

ENV_STATE_DIR = "REFERENCE_PLATFORM_STATE_DIR"
FILE_NAME = "service.json"
LOG_NAME = "service.log"


def state_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    explicit = env.get(ENV_STATE_DIR)
    if explicit:
        return Path(explicit)
    key = hashlib.sha256(env.get("MMLITE_EMULATOR_URL", "default").encode()).hexdigest()[:16]
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"mmlite-reference-platform-{uid}" / key


def read(directory: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((directory / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("pid"), int) else None


def write(directory: Path, data: dict[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{FILE_NAME}.{os.getpid()}"
    temporary.write_text(json.dumps(data), encoding="utf-8")
    temporary.replace(directory / FILE_NAME)  # atomic: readers never see half a file


def remove(directory: Path, pid: int) -> None:
    """Remove the state file if it still describes process `pid`."""
    current = read(directory)
    if current is not None and current["pid"] == pid:
        with contextlib.suppress(OSError):
            (directory / FILE_NAME).unlink()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped) is not alive
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"
