"""The whole suite against the embedded emulator's realistic profile, seed after seed: no scenario fails on what the
real platform documents doing, and every variation of the profile was really injected along the way."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mmlite_conformance.emulator.realism import VARIATIONS
from mmlite_conformance.suite.targets.emulator import PROFILE_FILE
from tests.integration.conftest import SuiteRun, suite_process

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MX_RECIPIENT = "525512345678"  # 52 + 10 digits: answered as 521 + 10 digits
#: seed -> recipient (None: the suite's offline recipient, a Brazilian mobile with its ninth digit)
SEEDS: dict[int, str | None] = {1: None, 2: None, 3: None, 4: MX_RECIPIENT, 5: MX_RECIPIENT}


@dataclass(slots=True)
class ProfiledRun:
    run: SuiteRun
    profile: dict[str, Any]

    def injected(self) -> dict[str, int]:
        return {v["name"]: v["injected"] for v in self.profile["variations"]}


def _run(seed: int, recipient: str | None, reports: Path) -> ProfiledRun:
    env = {"MMLITE_WEBHOOK_TIMEOUT": "2", "MMLITE_EMULATOR_PROFILE": "realistic"}  # a missing status fails in 2 s
    if recipient is not None:
        env["MMLITE_RECIPIENT"] = recipient
    run = suite_process("--target", "emulator", f"--emulator-seed={seed}", reports=reports, env=env)
    profile_file = reports / PROFILE_FILE
    profile = json.loads(profile_file.read_text(encoding="utf-8")) if profile_file.is_file() else {}
    return ProfiledRun(run, profile)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, ProfiledRun]:
    root = tmp_path_factory.mktemp("realistic")
    return {seed: _run(seed, recipient, root / f"seed-{seed}") for seed, recipient in SEEDS.items()}


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_no_scenario_fails_under_the_realistic_profile(seed: int, runs: dict[int, ProfiledRun]) -> None:
    done = runs[seed]
    assert done.run.outcomes, done.run.output[-3000:]
    assert done.profile.get("profile") == "realistic" and done.profile.get("seed") == seed, done.run.output[-3000:]
    failures = "\n".join(line for line in done.run.output.splitlines() if line.startswith(("FAILED", "ERROR", "E ")))
    assert done.run.failed() == set(), f"seed {seed}, injected {done.injected()}:\n{failures[-4000:]}"
    assert done.run.returncode == 0, done.run.output[-3000:]


def test_every_variation_was_injected_across_the_seeds(runs: dict[int, ProfiledRun]) -> None:
    totals = dict.fromkeys(VARIATIONS, 0)
    for done in runs.values():
        for name, count in done.injected().items():
            totals[name] += count
    assert {name for name, count in totals.items() if count == 0} == set(), totals


def test_an_unknown_profile_stops_the_run_in_one_line(tmp_path: Path) -> None:
    run = suite_process("--target", "emulator", "--emulator-profile=lifelike", reports=tmp_path)
    assert run.returncode == 4 and not run.outcomes  # pytest's usage error: nothing ran
    assert "--emulator-profile='lifelike' is not an emulator profile; choose one of: exact, realistic." in run.output
    assert "Traceback" not in run.output and "INTERNALERROR" not in run.output
