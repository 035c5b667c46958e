"""A failure as the terminal shows it: the Gherkin step and the redacted reason first, no internal frames, once."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, SuiteRun

RunSuite = Callable[..., SuiteRun]
pytestmark = [pytest.mark.integration]
INTERNAL_FRAMES = ("_pytest", "pluggy", "pytest_bdd/", "mmlite_conformance/suite/")


def _failure_section(output: str) -> str:
    start = output.index("= FAILURES =")
    return output[start : output.index("short test summary", start)]


def test_a_conformance_failure_names_its_step_before_the_reason(run_suite: RunSuite) -> None:
    run = run_suite("--target", "emulator", "--emulator-fault=missing_wa_id", "-x")
    assert run.returncode == 1, run.output[-3000:]
    section = _failure_section(run.output)
    lines = [line for line in section.splitlines() if line.strip() and not line.startswith("_")]
    assert lines[1] == 'And the response matches the "send-response" schema', section
    assert lines[2].startswith("  features/") and ".feature:" in lines[2] and "scenario: " in lines[2], section
    assert lines[3].startswith("E   ConformanceError: send-response: INVALID"), section
    assert any(line.startswith("  at steps/") for line in lines), section
    assert not [frame for frame in INTERNAL_FRAMES if frame in section], section


def test_fulltrace_still_shows_every_frame(run_suite: RunSuite) -> None:
    run = run_suite("--target", "emulator", "--emulator-fault=missing_wa_id", "-x", "--fulltrace")
    assert "_pytest" in _failure_section(run.output)


@pytest.mark.parametrize("fulltrace", [False, True], ids=["default", "fulltrace"])
def test_an_error_raised_while_setting_up_a_fixture_is_printed_once(
    run_suite: RunSuite, tmp_path: Path, fulltrace: bool
) -> None:
    cassettes = tmp_path / "cassettes"
    shutil.copytree(ROOT / "cassettes", cassettes)
    for cassette in (cassettes / "1_cloud_api").glob("*.yaml"):
        cassette.unlink()
    run = run_suite(f"--cassette-dir={cassettes}", "-x", *(["--fulltrace"] if fulltrace else []))
    section = _failure_section(run.output)
    assert "During handling" not in section, section  # pytest.fail inside an except: not the replaced error too
    if not fulltrace:  # (a full trace also shows the message among a frame's local variables)
        assert section.count("no cassette for scenario") == 1, section
        assert section.index("Given the sandbox account is ready") < section.index("no cassette for scenario")
