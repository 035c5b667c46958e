"""The shipped prose and benchmarks name no machine of ours and no instructions a partner never saw."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
#: an absolute path that exists only on the machine the project was built on
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|root|home/\w+)/")
#: words addressed to the people who wrote the project, not to a partner reading it
INTERNAL_WORDS = re.compile(r"\bthe brief\b", re.IGNORECASE)
SHIPPED = ("README.md", "ARCHITECTURE.md", "docs/*.md", "features/*.md", "features/**/*.feature", "benchmarks/*.py")


def _shipped_files() -> list[Path]:
    return sorted({path for pattern in SHIPPED for path in ROOT.glob(pattern)})


def _findings(text: str) -> list[str]:
    return [m.group(0) for pattern in (MACHINE_PATH, INTERNAL_WORDS) for m in pattern.finditer(text)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Run: /work/venv/bin/python benchmarks/emulator_bench.py", ["/work/"]),
        ("see /root/.cache/x and /home/ana/x", ["/root/", "/home/ana/"]),
        ("Checked with gherkin (the command in the brief)", ["the brief"]),
        ("python benchmarks/replay_bench.py --venv /tmp/v; https://example.org/work/x; ./work/y", []),
    ],
)
def test_the_patterns_find_what_they_mean(text: str, found: list[str]) -> None:
    assert _findings(text) == found


def test_shipped_text_is_portable() -> None:
    files = _shipped_files()
    assert any(f.parent.name == "benchmarks" for f in files) and (ROOT / "features" / "STEPS.md") in files
    found = {str(f.relative_to(ROOT)): hits for f in files if (hits := _findings(f.read_text(encoding="utf-8")))}
    assert found == {}
