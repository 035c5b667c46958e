"""The pinned Node SDKs: installed with npm from the lockfile into a cache outside the repository, drivers run there."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

#: set to 1 (as .ci/run does) to fail instead of skipping when node or npm is missing or the install fails
REQUIRE_NODE_ENV = "MMLITE_REQUIRE_NODE"
#: where the installs are cached (default: $XDG_CACHE_HOME or ~/.cache, then mmlite-conformance/node-sdks)
CACHE_ENV = "MMLITE_NODE_SDK_CACHE"
INSTALL_TIMEOUT = 300.0
DRIVER_TIMEOUT = 60.0
_PACKAGE_FILES = ("package.json", "package-lock.json")


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_NODE_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_NODE_ENV}=1)", pytrace=False)
    pytest.skip(reason)


def cache_root() -> Path:
    if configured := os.environ.get(CACHE_ENV):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "mmlite-conformance" / "node-sdks"


def install_key(source: Path) -> str:
    digest = hashlib.sha256()
    for name in _PACKAGE_FILES:
        digest.update((source / name).read_bytes())
    return digest.hexdigest()[:16]


@dataclass(slots=True, frozen=True)
class NodeSdks:
    """A folder holding node_modules (the pinned SDKs) and copies of the drivers, which import from it."""

    folder: Path
    node: str

    def run(self, driver: str, settings: dict[str, Any]) -> dict[str, Any]:
        """Run a driver with its settings as JSON on stdin; its report is the JSON on its last stdout line."""
        completed = subprocess.run(
            [self.node, str(self.folder / driver)],
            input=json.dumps(settings),
            capture_output=True,
            text=True,
            timeout=DRIVER_TIMEOUT,
            cwd=self.folder,
            check=False,
        )
        lines = completed.stdout.strip().splitlines()
        if completed.returncode != 0 or not lines:
            raise AssertionError(f"{driver} exited {completed.returncode}:\n{completed.stderr[-4000:]}")
        report: dict[str, Any] = json.loads(lines[-1])
        report["stderr"] = completed.stderr
        return report


def install_node_sdks(source: Path) -> NodeSdks:
    """npm ci from source's lockfile into the cache (once per lockfile), then copy the drivers beside it."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("node and npm are needed for the Node SDK tests and are not on PATH")
    assert node is not None and npm is not None
    folder = cache_root() / install_key(source)
    if not (folder / "node_modules" / ".mmlite-installed").is_file():
        _install(source, folder, npm)
    for driver in source.glob("*.mjs"):
        shutil.copyfile(driver, folder / driver.name)
    return NodeSdks(folder, node)


def _install(source: Path, folder: Path, npm: str) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="install-", dir=folder.parent))
    try:
        for name in _PACKAGE_FILES:
            shutil.copyfile(source / name, staging / name)
        command = [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"]
        try:
            done = subprocess.run(
                command, cwd=staging, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            _unavailable(f"npm ci of the pinned Node SDKs took over {INSTALL_TIMEOUT:.0f} s")
        if done.returncode != 0:
            _unavailable(f"npm ci of the pinned Node SDKs failed: {done.stderr.strip()[-500:]}")
        (staging / "node_modules" / ".mmlite-installed").write_text("ok\n")
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
