"""S2c takes its guard and its wait from MMLITE_TEMPLATE_SYNC_WAIT, not from numbers written in the feature."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.integration.conftest import SuiteRun

RunSuite = Callable[..., SuiteRun]
pytestmark = [pytest.mark.integration]

SYNC = "test_a_send_before_the_sync_delay_fails_with_131009_a_send_after_it_succeeds"


def test_the_configured_window_moves_the_emulator_clock_past_the_sync_delay(run_suite: RunSuite) -> None:
    run = run_suite("--target", "emulator", "-m", "S2c", env={"MMLITE_TEMPLATE_SYNC_WAIT": "700"})
    assert run.outcomes.get(SYNC) == "passed", run.output[-2000:]


def test_a_window_shorter_than_the_sync_delay_fails_the_second_send(run_suite: RunSuite) -> None:
    # the emulator's sync takes 10 minutes: after a 5-minute window the template is still syncing (131009)
    run = run_suite("--target", "emulator", "-m", "S2c", env={"MMLITE_TEMPLATE_SYNC_WAIT": "300"})
    assert run.outcomes.get(SYNC) == "failed", run.output[-2000:]
    assert "131009" in run.output


def test_a_zero_window_skips_the_early_send_as_environment(run_suite: RunSuite) -> None:
    run = run_suite("--target", "emulator", "-m", "S2c", env={"MMLITE_TEMPLATE_SYNC_WAIT": "0"})
    assert run.outcomes.get(SYNC) == "skipped", run.output[-2000:]
    assert "environment: approval took longer than the sync window (0 s, MMLITE_TEMPLATE_SYNC_WAIT)" in run.output
