"""Prints the wall time of a full replay run beside a bare pytest run of as many trivial tests (goal <= 1.5x).

Usage: python benchmarks/replay_bench.py [--rounds N]
Both runs are whole `python -m pytest` processes (start-up included), interleaved round by round so that a
noisy machine affects both alike; the medians are compared. Nothing here is a test: it prints figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 1.5
FREEZE_PLUGIN = """import gc

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session):
    gc.freeze()
"""


def _clean_env() -> dict[str, str]:
    """The suite's own variables dropped, and bytecode caching on, as on a partner's machine: with
    PYTHONDONTWRITEBYTECODE set, pytest re-does its assertion rewriting of every plugin on every run."""
    skipped = ("MMLITE_", "D360_", "PYTEST_ADDOPTS", "PYTHONDONTWRITEBYTECODE")
    return {k: v for k, v in os.environ.items() if not k.startswith(skipped)}


def _timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=_clean_env(), capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"benchmark run failed ({' '.join(command)}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return elapsed


def _scenario_count() -> int:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "steps", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return sum(1 for line in done.stdout.splitlines() if line.startswith("steps/"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    rounds = parser.parse_args().rounds
    count = _scenario_count()
    with tempfile.TemporaryDirectory() as scratch:
        bare = Path(scratch) / "bare"
        reports = Path(scratch) / "reports"
        bare.mkdir()
        (bare / "test_trivial.py").write_text("".join(f"def test_{i}():\n    assert True\n\n\n" for i in range(count)))
        replay_cmd = [
            sys.executable,
            "-m",
            "pytest",
            "steps",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--html={reports / 'report.html'}",
            "--self-contained-html",
            f"--junitxml={reports / 'junit.xml'}",
            f"--cucumberjson={reports / 'cucumber.json'}",
        ]
        bare_cmd = [sys.executable, "-m", "pytest", str(bare), "-q", "-p", "no:cacheprovider"]
        bare_reports_cmd = [
            *bare_cmd,
            f"--html={reports / 'bare.html'}",
            "--self-contained-html",
            f"--junitxml={reports / 'bare.xml'}",
        ]
        # the suite freezes the garbage collector's view of what lives until exit (plugin.py); a bare run given
        # the same freeze shows how much of the ratio that alone buys
        (bare / "freeze_after_collection.py").write_text(FREEZE_PLUGIN)
        bare_frozen_cmd = [*bare_cmd, "-p", "freeze_after_collection"]
        replay, trivial, trivial_reports, trivial_frozen = [], [], [], []
        _timed(replay_cmd, ROOT)  # warm the file system cache and .pyc files for both
        _timed(bare_cmd, bare)
        for _ in range(rounds):
            replay.append(_timed(replay_cmd, ROOT))
            trivial.append(_timed(bare_cmd, bare))
            trivial_reports.append(_timed(bare_reports_cmd, bare))
            trivial_frozen.append(_timed(bare_frozen_cmd, bare))
    replay_median, bare_median = statistics.median(replay), statistics.median(trivial)
    ratio = replay_median / bare_median
    print(f"scenario instances:                 {count}")
    print(
        f"full replay run (with all reports): median {replay_median:.3f} s  "
        f"(min {min(replay):.3f}, max {max(replay):.3f}, {rounds} rounds)"
    )
    print(
        f"bare pytest, {count} trivial tests:    median {bare_median:.3f} s  "
        f"(min {min(trivial):.3f}, max {max(trivial):.3f})"
    )
    print(f"bare pytest, same + HTML and JUnit:  median {statistics.median(trivial_reports):.3f} s")
    frozen_median = statistics.median(trivial_frozen)
    print(f"bare pytest, same + the suite's gc.freeze: median {frozen_median:.3f} s")
    print("all runs: whole processes, start-up included, bytecode caching on")
    print(f"ratio: {ratio:.2f}x (goal <= {GOAL}x) -> {'met' if ratio <= GOAL else 'MISSED'}")
    print(f"like for like (bare run with the same gc.freeze): {replay_median / frozen_median:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
