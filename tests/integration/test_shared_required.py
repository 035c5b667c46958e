"""A missing ../shared skips the tests that read it, and fails them when MMLITE_REQUIRE_SHARED=1 (as .ci/run sets)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT
from tests.shared import DIR_VARIABLE, REQUIRE_VARIABLE

pytestmark = pytest.mark.integration

#: a test that reads ../shared when it runs, and the parameter that stands for Meta's OpenAPI when it is absent
SHARED_TESTS = (
    "tests/unit/test_schemas.py::test_every_shared_example_is_classified",
    "tests/unit/test_schemas.py::test_meta_openapi_example_validates[meta-openapi-absent]",
)


def _run_without_shared(tmp_path: Path, *, required: bool) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name != REQUIRE_VARIABLE}
    env[DIR_VARIABLE] = str(tmp_path / "no-shared-here")
    if required:
        env[REQUIRE_VARIABLE] = "1"
    command = [sys.executable, "-m", "pytest", *SHARED_TESTS, "-p", "no:cacheprovider", "-q"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_missing_shared_skips(tmp_path: Path) -> None:
    done = _run_without_shared(tmp_path, required=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 skipped" in done.stdout and "failed" not in done.stdout


def test_missing_shared_fails_when_required(tmp_path: Path) -> None:
    done = _run_without_shared(tmp_path, required=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 failed" in done.stdout and "skipped" not in done.stdout
    assert f"{REQUIRE_VARIABLE}=1 requires it" in done.stdout
