"""Runs the Gherkin suite in a subprocess and reads what it reported: the project's end-to-end harness."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: variables of the developer's own shell that would change what the suite does
SUITE_VARIABLES = ("MMLITE_", "D360_")


@dataclass(slots=True)
class SuiteRun:
    returncode: int
    output: str
    reports: Path
    outcomes: dict[str, str] = field(default_factory=dict)

    def failed(self) -> set[str]:
        return {name for name, outcome in self.outcomes.items() if outcome in {"failed", "error"}}

    def passed(self) -> set[str]:
        return {name for name, outcome in self.outcomes.items() if outcome == "passed"}


def _outcomes(junit: Path) -> dict[str, str]:
    if not junit.exists():
        return {}
    outcomes = {}
    for case in ET.parse(junit).iter("testcase"):
        outcome = "passed"
        for kind in ("failure", "error", "skipped"):
            if case.find(kind) is not None:
                outcome = {"failure": "failed"}.get(kind, kind)
        outcomes[case.get("name", "")] = outcome
    return outcomes


def suite_process(
    *args: str,
    reports: Path,
    env: Mapping[str, str] | None = None,
    extra: Sequence[str] = (),
    answers: str | None = None,
) -> SuiteRun:
    """The suite in a fresh interpreter, as a partner runs it, with its evidence written to `reports`; `answers` is
    what a person types at the prompts (else standard input is empty)."""
    reports.mkdir(parents=True, exist_ok=True)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(SUITE_VARIABLES)}
    environ.update(env or {})
    environ.pop("PYTEST_ADDOPTS", None)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "steps",
        "-p",
        "no:cacheprovider",
        "-q",
        f"--junitxml={reports / 'junit.xml'}",
        f"--html={reports / 'report.html'}",
        "--self-contained-html",
        f"--cucumberjson={reports / 'cucumber.json'}",
        *args,
        *extra,
    ]
    done = subprocess.run(
        command,
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        **({"input": answers} if answers is not None else {"stdin": subprocess.DEVNULL}),
    )
    return SuiteRun(done.returncode, done.stdout + done.stderr, reports, _outcomes(reports / "junit.xml"))


@pytest.fixture
def run_suite(tmp_path: Path) -> Callable[..., SuiteRun]:
    """`run_suite("--target", "emulator", env={...})`: the suite in a fresh interpreter, evidence in tmp_path."""

    def run(
        *args: str, env: Mapping[str, str] | None = None, reports: Path | None = None, extra: Sequence[str] = ()
    ) -> SuiteRun:
        return suite_process(*args, reports=reports or tmp_path / "reports", env=env, extra=extra)

    return run
