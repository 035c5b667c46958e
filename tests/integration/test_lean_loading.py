"""A run imports what its target uses: a replay run neither the emulator, nor the receiver, nor the platform's
steps, driver and session (start-up cost, issue 14); the platform target still gets every one of its steps."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, SUITE_VARIABLES

pytestmark = [pytest.mark.integration]

#: what a guide run (replay) has no use for, each with the module that brings it
UNUSED_BY_REPLAY = (
    "mmlite_conformance.emulator",
    "mmlite_conformance.suite.targets.emulator",
    "mmlite_conformance.suite.targets.live",
    "mmlite_conformance.suite.targets.platform",
    "mmlite_conformance.suite.webhooks.server",
    "mmlite_conformance.suite.platform.session",
    "steps.platform_steps",
    "steps.platform_error_steps",
    "steps.platform_webhook_steps",
)
PLATFORM_STEPS = ("steps.platform_steps", "steps.platform_error_steps", "steps.platform_webhook_steps")
SPY = """
import sys


def pytest_collection_finish(session):
    print("LOADED:" + ",".join(sorted(sys.modules)))
"""


def loaded_modules(tmp_path: Path, *arguments: str) -> set[str]:
    """The modules a suite run has imported once it has collected (`--collect-only`: nothing is run or written)."""
    (tmp_path / "import_spy.py").write_text(SPY)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(SUITE_VARIABLES) and k != "PYTEST_ADDOPTS"}
    environ["PYTHONPATH"] = str(tmp_path)
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-p", "import_spy"]
    done = subprocess.run(
        [*command, *arguments], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    line = next(line for line in done.stdout.splitlines() if line.startswith("LOADED:"))
    return set(line.removeprefix("LOADED:").split(","))


def test_a_replay_run_imports_nothing_only_other_targets_use(tmp_path: Path) -> None:
    loaded = loaded_modules(tmp_path)
    assert "mmlite_conformance.suite.targets.replay" in loaded  # the spy sees the suite's modules
    assert [name for name in UNUSED_BY_REPLAY if name in loaded] == []


def test_the_platform_target_registers_its_steps(tmp_path: Path) -> None:
    loaded = loaded_modules(tmp_path, "--target", "platform")
    assert [name for name in PLATFORM_STEPS if name not in loaded] == []
