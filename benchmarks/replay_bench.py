"""Prints the wall time of a full replay run beside a bare pytest-bdd run of as many trivial scenarios (goal <= 1.3x).

Usage: python benchmarks/replay_bench.py [--rounds N] [--venv DIR]
Both runs use a runtime-only install (`pip install <checkout>`, no extras), which the benchmark creates in a
temporary folder unless --venv names one to create or reuse, and both write the same three reports (HTML,
JUnit XML, Cucumber JSON). Each run is a whole `python -m pytest` process, start-up included, interleaved round by
round (every other round in the reverse order) so that a noisy machine affects both alike; the goal is judged on
the median of each round's ratio. Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 1.3
BARE_CONFIG = "[pytest]\nbdd_features_base_dir = features/\n"
BARE_STEPS = """from pytest_bdd import given, parsers, then, when


@given(parsers.parse("a number {value:d}"), target_fixture="number")
def a_number(value):
    return value


@when("it is doubled", target_fixture="doubled")
def doubled(number):
    return number * 2


@then(parsers.parse("the result is {value:d}"))
def the_result_is(doubled, value):
    assert doubled == value
"""
BARE_TEST = 'from pytest_bdd import scenarios\n\nscenarios(".")\n'


def _clean_env() -> dict[str, str]:
    """The suite's own variables dropped, and bytecode caching on, as on a partner's machine: with
    PYTHONDONTWRITEBYTECODE set, pytest re-does its assertion rewriting of every plugin on every run."""
    skipped = ("MMLITE_", "D360_", "PYTEST_ADDOPTS", "PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV")
    return {k: v for k, v in os.environ.items() if not k.startswith(skipped)}


def runtime_install(folder: Path) -> Path:
    """A venv in `folder` with the checkout installed without extras (reused when it already has it)."""
    python = folder / "bin" / "python"
    if not python.exists():
        print(f"creating a runtime-only install in {folder} ...", flush=True)
        venv.create(folder, with_pip=True)
        command = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(ROOT)]
        subprocess.run(command, env=_clean_env(), check=True, capture_output=True)
    return python


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one whole run; CPU time is the steadier on a busy machine."""
    started, cpu_before = time.perf_counter(), _cpu_of_children()
    done = subprocess.run(command, cwd=cwd, env=_clean_env(), capture_output=True, text=True, check=False)
    elapsed, cpu = time.perf_counter() - started, _cpu_of_children() - cpu_before
    if done.returncode != 0:
        sys.exit(f"benchmark run failed ({' '.join(command)}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed, cpu


def _scenario_count(python: Path) -> int:
    command = [str(python), "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(command, cwd=ROOT, env=_clean_env(), capture_output=True, text=True, check=True)
    return sum(1 for line in done.stdout.splitlines() if line.startswith("steps/"))


def write_bare_project(folder: Path, count: int) -> None:
    """A pytest-bdd project of `count` three-step scenarios that do nothing but pass."""
    features = folder / "features"
    features.mkdir(parents=True)
    scenarios = "".join(
        f"\n  Scenario: trivial {i}\n    Given a number {i}\n    When it is doubled\n    Then the result is {2 * i}\n"
        for i in range(count)
    )
    (features / "trivial.feature").write_text(f"Feature: Trivial\n{scenarios}")
    (folder / "pytest.ini").write_text(BARE_CONFIG)
    (folder / "conftest.py").write_text(BARE_STEPS)
    (folder / "test_trivial.py").write_text(BARE_TEST)


def _reports(folder: Path, stem: str) -> list[str]:
    return [
        f"--html={folder / f'{stem}.html'}",
        "--self-contained-html",
        f"--junitxml={folder / f'{stem}.xml'}",
        f"--cucumberjson={folder / f'{stem}.json'}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--rounds",
        type=int,
        default=21,
        help="interleaved rounds (default 21: on a shared machine fewer let one busy spell move the median)",
    )
    parser.add_argument("--venv", type=Path, help="a runtime-only install to create or reuse (default: a temp one)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        python = runtime_install(arguments.venv or scratch / "venv")
        count = _scenario_count(python)
        bare, reports = scratch / "bare", scratch / "reports"
        write_bare_project(bare, count)
        pytest_cmd = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        commands = {
            "replay": ([*pytest_cmd, *_reports(reports, "replay")], ROOT),
            "bare_bdd": ([*pytest_cmd, *_reports(reports, "bare")], bare),
            "bare_bdd_no_reports": (pytest_cmd, bare),
        }
        for command, cwd in commands.values():  # warm the file system cache and .pyc files
            _timed(command, cwd)
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu_times: dict[str, list[float]] = {name: [] for name in commands}
        for round_number in range(arguments.rounds):
            # every other round in the reverse order, so that a machine slowing down or speeding up within a round
            # favours neither run
            order = list(commands.items())
            for name, (command, cwd) in order if round_number % 2 == 0 else reversed(order):
                wall, cpu_time = _timed(command, cwd)
                times[name].append(wall)
                cpu_times[name].append(cpu_time)
    medians = {name: statistics.median(values) for name, values in times.items()}
    cpu = {name: statistics.median(values) for name, values in cpu_times.items()}
    # each round's replay run against the bare run made beside it: a busy spell of the machine (seconds long, often
    # 30% or more here) then weighs on both sides of a ratio, where it would move one median but not the other
    paired = [r / b for r, b in zip(times["replay"], times["bare_bdd"], strict=True)]
    ratio = statistics.median(paired)
    replay = times["replay"]
    print(f"scenario instances: {count}; runtime-only install; {arguments.rounds} rounds, whole processes")
    print(
        f"full replay run, three reports:            median {medians['replay']:.3f} s "
        f"(min {min(replay):.3f}, max {max(replay):.3f})"
    )
    print(f"bare pytest-bdd, {count} trivial, three reports: median {medians['bare_bdd']:.3f} s")
    print(f"bare pytest-bdd, {count} trivial, no reports:    median {medians['bare_bdd_no_reports']:.3f} s")
    print(f"CPU time (user + system), medians: replay {cpu['replay']:.3f} s, bare pytest-bdd {cpu['bare_bdd']:.3f} s")
    print(f"CPU ratio: {cpu['replay'] / cpu['bare_bdd']:.2f}x (of the medians)")
    print(f"ratio of the medians: {medians['replay'] / medians['bare_bdd']:.2f}x")
    print(f"round by round: {' '.join(f'{r:.2f}' for r in paired)}")
    print(f"ratio (median of the rounds): {ratio:.2f}x (goal <= {GOAL}x) -> {'met' if ratio <= GOAL else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
