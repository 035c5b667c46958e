"""A failed scenario as the terminal shows it: the Gherkin step and the redacted reason first, internal frames cut."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from _pytest._code.code import ReprFileLocation, TerminalRepr

from mmlite_conformance.suite.report import collect
from mmlite_conformance.suite.report.run import redactor

if TYPE_CHECKING:
    from _pytest._io import TerminalWriter

#: frames under these folders are pytest's, pytest-bdd's or the suite's machinery, not the step a partner reads
INTERNAL_PACKAGES = ("_pytest", "pluggy", "pytest_bdd", "mmlite_conformance")
FULLTRACE_HINT = "(pytest --fulltrace shows every frame)"


@dataclass(eq=False)
class StepFailureRepr(TerminalRepr):
    """What pytest prints for a failure in a step; `reprcrash` feeds the short summary and JUnit's message."""

    step: str
    where: str
    reason: str
    frames: list[str]
    reprcrash: ReprFileLocation

    def toterminal(self, tw: TerminalWriter) -> None:
        tw.line(self.step, bold=True, red=True)
        tw.line(f"  {self.where}")
        for line in self.reason.splitlines() or [""]:
            tw.line(f"E   {line}", bold=True, red=True)
        for frame in self.frames:
            tw.line(f"  at {frame}")
        tw.line(FULLTRACE_HINT)


def before_report(call: pytest.CallInfo[None]) -> None:
    """A failure raised with `pytrace=False` (`pytest.fail(..., pytrace=False)` inside an `except`) is its message
    alone: without this pytest prints the exception it replaced as well, the same words twice."""
    error = call.excinfo.value if call.excinfo is not None else None
    if isinstance(error, pytest.fail.Exception) and not error.pytrace:
        error.__suppress_context__ = True


def show_failing_step(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    """A failure in a Gherkin step is told as that step, the reason and the step bindings' frames."""
    if not (report.failed and report.when == "call" and call.excinfo is not None):
        return
    if item.config.getoption("fulltrace", False):
        return
    progress = collect.progress_of(item)
    if not progress.begun or len(progress.planned) < progress.begun:
        return
    step = progress.planned[progress.begun - 1]
    error = call.excinfo.value
    red = redactor(item.config)
    message = red.redact_text(str(error)).strip()
    reason = message if isinstance(error, pytest.fail.Exception) else f"{type(error).__name__}: {message}"
    scenario = collect.evidence_for(item).scenario
    uri = progress.feature_uri
    report.longrepr = StepFailureRepr(
        step=f"{step.keyword} {step.text}",
        where=f"{uri}:{step.line}, scenario: {scenario}",
        reason=reason,
        frames=_own_frames(call.excinfo.traceback, item.config.rootpath),
        reprcrash=ReprFileLocation(uri, step.line, f"{step.keyword} {step.text}: {(reason.splitlines() or [''])[0]}"),
    )


def _own_frames(traceback: Any, root: Path) -> list[str]:
    """`steps/x.py:12` for each frame outside pytest, pytest-bdd and the suite's package (the step bindings)."""
    frames = []
    for entry in traceback:
        path = Path(str(entry.path))
        if any(part in INTERNAL_PACKAGES or part == "site-packages" for part in path.parts):
            continue
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        frames.append(f"{shown}:{entry.lineno + 1}")
    return frames
