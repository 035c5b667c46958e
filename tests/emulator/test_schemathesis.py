"""Property-based runs of /openapi.json against the real server: no 5xx per case, and `st run --checks all`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from mmlite_conformance.emulator import EmulatorServer, RateLimits, WebhookSettings
from mmlite_conformance.emulator.openapi import build_openapi
from tests.emulator.emulator_helpers import KEY, fast_config

if TYPE_CHECKING:
    from schemathesis.specs.openapi.schemas import OpenApiCase

pytestmark = pytest.mark.integration

schema = schemathesis.openapi.from_dict(build_openapi())
CONFIG = Path(__file__).with_name("schemathesis.toml")  # the expected statuses of business rules, with reasons
MIN_CASES = 2000


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    config = fast_config(
        rate_limits=RateLimits(enabled=False),
        webhooks=WebhookSettings(timeout=0.5, max_attempts=1),
        journal=True,  # the journal middleware sees every generated request too
    )
    with EmulatorServer(config) as server:
        yield server.base_url


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_server_errors(case: OpenApiCase, base_url: str) -> None:
    if case.path == "/_emulator/deliveries/drain":
        case.body = {"timeout": 0}  # a generated timeout would only make the run slower
    if case.path == "/_emulator/notifications/burst" and isinstance(case.body, dict):
        case.body.update(within=0, timeout=0.5)  # generated spans and timeouts would only make the run slower
    response = case.call(base_url=base_url, headers=KEY, timeout=10)
    # armed answers (a generated 5xx among them) and a disabled key would leak into the next cases: undo them
    if case.path == "/_emulator/answers" and case.method == "POST":
        httpx.delete(f"{base_url}/_emulator/answers", headers=KEY, timeout=10)
    if case.path == "/_emulator/account" and case.method == "PUT":
        httpx.put(f"{base_url}/_emulator/account", json={"api_key_valid": True}, headers=KEY, timeout=10)
    assert response.status_code < 500, f"{case.method} {case.path} -> {response.status_code}: {response.text[:300]}"


def test_schemathesis_checks_all_finds_nothing(base_url: str, tmp_path: Path) -> None:
    """The CLI with every check (positive and negative data, status codes, headers, response schemas, undeclared
    methods, ...): at least 2,000 generated cases, no failure, so no 5xx either."""
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    if st is None:
        pytest.skip("schemathesis' st command is not installed")
    httpx.post(f"{base_url}/_emulator/reset", timeout=10)
    command = [st, "--config-file", str(CONFIG), "run", f"{base_url}/openapi.json", "--checks", "all"]
    command += ["-H", f"D360-API-KEY: {KEY['D360-API-KEY']}", "--max-examples", "30", "--seed", "1", "--no-color"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=170, check=False, cwd=tmp_path)
    output = done.stdout + done.stderr
    summary = re.search(r"(\d+) generated, (\d+) passed", output)  # "N generated, N passed": no failure
    assert done.returncode == 0 and summary is not None, output[-6000:]
    assert int(summary.group(1)) >= MIN_CASES and summary.group(1) == summary.group(2), output[-6000:]
