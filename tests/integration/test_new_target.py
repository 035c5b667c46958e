"""A new kind of run is one module with a Target subclass and its registration: a throwaway one runs a scenario."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import SuiteRun

pytestmark = [pytest.mark.integration, pytest.mark.slow]

THROWAWAY = '''
"""A target that exists only in this test: the emulator, under another name and with words of its own."""

from pathlib import Path

from mmlite_conformance.suite import targets
from mmlite_conformance.suite.targets import EmulatorTarget, RunWords


@targets.register
class RehearsalTarget(EmulatorTarget):
    name = "rehearsal"

    def run_words(self, cassette_dir: Path) -> RunWords:
        return RunWords("a rehearsal against the embedded emulator", "Rehearsed on the embedded emulator")
'''


def test_a_target_registered_from_another_module_runs_a_scenario(
    run_suite: Callable[..., SuiteRun], tmp_path: Path
) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "rehearsal_target.py").write_text(THROWAWAY)
    run = run_suite(
        "-p",
        "rehearsal_target",
        "--target",
        "rehearsal",
        "-k",
        "test_mm_lite_refuses_a_plain_text_message",
        env={"PYTHONPATH": str(plugins)},
    )
    assert run.returncode == 0, run.output[-3000:]
    assert run.outcomes == {"test_mm_lite_refuses_a_plain_text_message": "passed"}
    report = (run.reports / "report.html").read_text()
    assert "a rehearsal against the embedded emulator" in report
    assert "Rehearsed on the embedded emulator" in report


def test_an_unregistered_target_name_is_a_configuration_error(run_suite: Callable[..., SuiteRun]) -> None:
    run = run_suite("--target", "rehearsal")
    assert run.returncode == 4
    assert "--target='rehearsal' is not a target; choose one of: replay, emulator, live, platform." in run.output
