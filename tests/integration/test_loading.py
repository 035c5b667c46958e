"""`pytest /path/to/checkout` from another folder runs the suite alone, never the project's own tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, SUITE_VARIABLES

pytestmark = [pytest.mark.integration]


def test_pytest_on_the_checkout_from_elsewhere_collects_only_the_suite(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(SUITE_VARIABLES) and k != "PYTEST_ADDOPTS"}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(ROOT), "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    collected = [line for line in done.stdout.splitlines() if "::" in line]
    assert collected, done.stdout[-2000:]
    assert [line for line in collected if not line.startswith("steps/test_features.py::")] == []
    assert "tests/" not in done.stdout and "examples/" not in done.stdout and "benchmarks/" not in done.stdout
