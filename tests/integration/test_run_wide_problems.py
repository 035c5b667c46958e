"""Run-wide problems stop the run once, before the first scenario; a run that runs nothing keeps the last evidence."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import SuiteRun

RunSuite = Callable[..., SuiteRun]
pytestmark = [pytest.mark.integration]

EVIDENCE = ("report.html", "junit.xml", "cucumber.json", "run.json")


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def _stopped_once(run: SuiteRun, problem: str) -> None:
    """Exit status 4, the problem said once, no scenario run, no traceback."""
    assert run.returncode == 4, run.output[-2000:]
    assert run.output.count(problem) == 1, run.output[-2000:]
    assert "Traceback" not in run.output and "INTERNALERROR" not in run.output and "FAILED" not in run.output
    assert run.outcomes == {}


def test_a_busy_receiver_port_is_one_message(run_suite: RunSuite, busy_port: int) -> None:
    run = run_suite("--target", "emulator", env={"MMLITE_WEBHOOK_LISTEN": f"127.0.0.1:{busy_port}"})
    _stopped_once(run, f"MMLITE_WEBHOOK_LISTEN=127.0.0.1:{busy_port}: the suite's receiver cannot listen there")


def test_an_unknown_fault_is_one_message(run_suite: RunSuite) -> None:
    _stopped_once(run_suite("--target", "emulator", "--emulator-fault=nonexistent"), "'nonexistent': no such fault")


@pytest.mark.parametrize("kind", ["missing", "empty", "a file"])
def test_an_unusable_cassette_folder_is_one_message(run_suite: RunSuite, tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "cassettes"
    if kind == "empty":
        folder.mkdir()
    elif kind == "a file":
        folder.write_text("")
    expected = {
        "missing": "no such folder; replay needs the cassettes recorded there",
        "empty": "none of the 30 selected scenarios has a cassette there",
        "a file": "not a folder",
    }[kind]
    _stopped_once(run_suite(f"--cassette-dir={folder}"), f"--cassette-dir={folder}: {expected}")


def test_recording_over_existing_cassettes_is_one_message(run_suite: RunSuite) -> None:
    _stopped_once(run_suite("--target", "emulator", "--record"), "--record would replace 30 cassette(s) in ")


def test_reports_under_a_file_is_one_message(run_suite: RunSuite, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    run = run_suite(extra=[f"--html={blocker / 'report.html'}"])
    _stopped_once(run, f"{blocker}: not a folder, so the reports cannot be written under it.")


@pytest.mark.parametrize(
    "args",
    [("--collect-only",), ("-m", "no_such_requirement"), ("--cassette-dir=/nonexistent",)],
    ids=["collect only", "nothing selected", "stopped before the first scenario"],
)
def test_a_run_that_runs_nothing_leaves_the_last_evidence_as_it_was(
    run_suite: RunSuite, tmp_path: Path, args: tuple[str, ...]
) -> None:
    reports = tmp_path / "reports"
    first = run_suite("-m", "S1a", reports=reports)
    assert first.returncode == 0, first.output[-2000:]
    before = _files(reports)
    assert set(EVIDENCE) < set(before) and any(name.startswith("evidence/") for name in before), sorted(before)
    again = run_suite(*args, reports=reports)
    assert again.returncode != 0 or args == ("--collect-only",), again.output[-2000:]
    assert "no report written (no scenario ran); the last run's are as they were" in again.output
    assert _files(reports) == before  # the scenarios' evidence files included
    assert sorted(p.name for p in reports.iterdir() if p.name.startswith(".")) == []  # no staging folder left


def _files(reports: Path) -> dict[str, bytes]:
    return {path.relative_to(reports).as_posix(): path.read_bytes() for path in reports.rglob("*") if path.is_file()}


def test_a_run_that_ran_replaces_the_last_runs_evidence_files(run_suite: RunSuite, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    assert run_suite("-m", "S1a", reports=reports).returncode == 0
    stale = reports / "evidence" / "1_cloud_api" / "test_from_an_earlier_run.json"
    stale.write_text("{}")
    again = run_suite("-m", "S2a", reports=reports)
    assert again.returncode == 0, again.output[-2000:]
    evidence = sorted(name for name in _files(reports) if name.startswith("evidence/"))
    assert evidence and all(name.startswith("evidence/2_first_mm_lite_message/") for name in evidence), evidence
    assert not stale.exists()
