"""A partner's install (`pip install <checkout>`, no extras) runs the suite: the runtime dependencies are enough."""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: what a wheel build and a replay run need from the checkout; the rest (tests, caches, .venv) stays behind
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "reports",
    "tests", "examples", "benchmarks", "docs",
)  # fmt: skip
#: installed only by the contributor's `.[test]`; none may reach a partner's install
DEVELOPMENT_ONLY = ("hypothesis", "schemathesis", "ruff", "mypy", "pywa", "nacl")

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _environment() -> dict[str, str]:
    """The developer's shell minus what would steer pip or the suite (its own venv, suite variables, addopts)."""
    dropped = ("MMLITE_", "D360_", "PYTEST_ADDOPTS", "VIRTUAL_ENV", "PYTHONPATH")
    return {key: value for key, value in os.environ.items() if not key.startswith(dropped)}


@pytest.fixture(scope="module")
def runtime_install(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A fresh venv holding a copy of the checkout installed without extras: (its python, the copy)."""
    scratch = tmp_path_factory.mktemp("runtime")
    checkout = scratch / "checkout"
    shutil.copytree(ROOT, checkout, ignore=NOT_COPIED)
    (checkout / "reports").mkdir()
    venv.create(scratch / "venv", with_pip=True)
    python = scratch / "venv" / "bin" / "python"
    command = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(checkout)]
    installed = subprocess.run(command, env=_environment(), capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return python, checkout


def _run(python: Path, *arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [str(python), *arguments]
    return subprocess.run(command, cwd=cwd, env=_environment(), capture_output=True, text=True, check=False)


def test_the_runtime_install_holds_no_development_tool(runtime_install: tuple[Path, Path]) -> None:
    python, checkout = runtime_install
    probe = "import importlib.util, sys; print(' '.join(n for n in sys.argv[1:] if importlib.util.find_spec(n)))"
    found = _run(python, "-c", probe, *DEVELOPMENT_ONLY, "pytest_html", "vcr", cwd=checkout)
    assert found.stdout.split() == ["pytest_html", "vcr"], found.stdout + found.stderr


@pytest.mark.parametrize("target", ["replay", "emulator"])
def test_the_suite_passes_in_a_runtime_install(runtime_install: tuple[Path, Path], tmp_path: Path, target: str) -> None:
    python, checkout = runtime_install
    command = ["-m", "pytest", str(checkout), "-q", "-p", "no:cacheprovider", f"--target={target}"]
    done = _run(python, *command, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "30 passed" in done.stdout
    assert {path.name for path in (checkout / "reports").iterdir()} >= {"report.html", "junit.xml", "cucumber.json"}


def test_the_command_line_runs_in_a_runtime_install(runtime_install: tuple[Path, Path], tmp_path: Path) -> None:
    cli = runtime_install[0].parent / "mmlite-conformance"
    for command in ("bundle", "verify", "emulator"):
        helped = subprocess.run([str(cli), command, "--help"], env=_environment(), capture_output=True, text=True)
        assert helped.returncode == 0, helped.stderr
        assert f"usage: mmlite-conformance {command}" in helped.stdout


def test_zz_a_missing_runtime_dependency_fails_the_same_run(runtime_install: tuple[Path, Path], tmp_path: Path) -> None:
    """The check can fail: with jsonschema (which judges every answer) taken out of the venv, the same replay run
    does not pass (runs last: it breaks the module's install on purpose). vcrpy would not do: replay needs it no
    more, only recording does."""
    python, checkout = runtime_install
    removed = _run(python, "-m", "pip", "uninstall", "-y", "-q", "jsonschema", cwd=tmp_path)
    assert removed.returncode == 0, removed.stderr
    done = _run(python, "-m", "pytest", str(checkout), "-q", "-p", "no:cacheprovider", cwd=tmp_path)
    assert done.returncode != 0
    assert "No module named 'jsonschema'" in done.stdout + done.stderr
