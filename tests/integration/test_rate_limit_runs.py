"""Rate limits end to end: past the budget "skipped: environment"; a recorded 429 replays with its retry."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.integration.conftest import SuiteRun

RunSuite = Callable[..., SuiteRun]

pytestmark = [pytest.mark.integration, pytest.mark.slow]

#: a seed whose realistic run answers at least one send 429 (the run's own counts prove it, see below)
RATE_LIMITED_SEED = "1"
REALISTIC = {"MMLITE_EMULATOR_PROFILE": "realistic", "MMLITE_WEBHOOK_TIMEOUT": "2"}


def _injected_429s(reports: Path) -> int:
    profile = json.loads((reports / "emulator-profile.json").read_text(encoding="utf-8"))
    return sum(v["injected"] for v in profile["variations"] if v["name"] == "send_rate_limited_once")


def test_past_the_budget_a_rate_limited_scenario_is_skipped_as_environment(run_suite: RunSuite) -> None:
    run = run_suite(
        "--target",
        "emulator",
        f"--emulator-seed={RATE_LIMITED_SEED}",
        env={**REALISTIC, "MMLITE_RATE_LIMIT_BUDGET": "0"},
    )
    assert _injected_429s(run.reports) >= 1, run.output[-2000:]
    skipped = {name for name, outcome in run.outcomes.items() if outcome == "skipped"}
    assert skipped and run.failed() == set(), run.output[-3000:]
    assert run.returncode == 0
    assert "environment: rate limited: HTTP 429 (code 130429)" in run.output
    verdicts = {req["verdict"] for req in json.loads((run.reports / "run.json").read_text())["requirements"].values()}
    assert "skipped: environment" in verdicts, verdicts
    steps = [
        step["result"]["status"]
        for feature in json.loads((run.reports / "cucumber.json").read_text())
        for element in feature["elements"]
        for step in element["steps"]
    ]
    assert "failed" not in steps  # the step that met the limit is skipped, not failed


def test_within_the_budget_the_429_is_waited_out_and_the_run_passes(run_suite: RunSuite) -> None:
    run = run_suite("--target", "emulator", f"--emulator-seed={RATE_LIMITED_SEED}", env=REALISTIC)
    assert _injected_429s(run.reports) >= 1, run.output[-2000:]
    assert run.failed() == set() and set(run.outcomes.values()) == {"passed"}, run.output[-3000:]
    report = (run.reports / "report.html").read_text(encoding="utf-8")
    assert "waited 1 s and sent it again (nothing had been sent)" in report
    assert "(sent again after HTTP 429)" in report


def test_a_recorded_429_and_its_retry_replay_as_recorded(run_suite: RunSuite, tmp_path: Path) -> None:
    cassettes = tmp_path / "cassettes"
    recorded = run_suite(
        "--target",
        "emulator",
        f"--emulator-seed={RATE_LIMITED_SEED}",
        "--record",
        f"--cassette-dir={cassettes}",
        env=REALISTIC,
        reports=tmp_path / "recorded",
    )
    assert recorded.returncode == 0, recorded.output[-3000:]
    refused_then_sent = []
    for cassette in cassettes.rglob("*.yaml"):
        interactions = yaml.safe_load(cassette.read_text(encoding="utf-8"))["interactions"]
        for first, second in itertools.pairwise(interactions):
            if first["response"]["status"]["code"] == 429:
                assert second["request"] == first["request"], f"{cassette.name}: the retry is not the same request"
                refused_then_sent.append(second["response"]["status"]["code"])
    assert refused_then_sent and set(refused_then_sent) == {200}, refused_then_sent

    replayed = run_suite(f"--cassette-dir={cassettes}", reports=tmp_path / "replayed")
    assert replayed.returncode == 0 and set(replayed.outcomes.values()) == {"passed"}, replayed.output[-3000:]
    assert "waited 1 s and sent it again" in (tmp_path / "replayed" / "report.html").read_text(encoding="utf-8")
