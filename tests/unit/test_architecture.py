"""The layering in ARCHITECTURE.md holds: who may import whom, and steps stay free of plumbing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "mmlite_conformance"

#: module -> the package modules it may import (ARCHITECTURE.md, "Allowed imports")
ALLOWED: dict[str, set[str]] = {
    "config": set(),
    "redaction": {"evidence"},
    "evidence": set(),
    "schemas": {"evidence"},
    "checks": {"evidence"},
    "client": {"config", "evidence", "redaction"},
    "receiver": {"redaction", "evidence"},
    "recording": {"config", "redaction", "evidence"},
    "targets": {"config", "client", "receiver", "recording", "redaction", "emulator"},
    "reporting": {"evidence", "redaction", "config"},
    "plugin": {
        "config",
        "redaction",
        "evidence",
        "schemas",
        "checks",
        "client",
        "receiver",
        "recording",
        "targets",
        "reporting",
        "vocabulary",
        "__init__",
    },
    "vocabulary": {"checks", "client", "config", "receiver"},
    "cli": {"emulator"},
    "__init__": set(),
}
MODULES = {p.stem for p in PACKAGE.glob("*.py")} | {"emulator"}
FORBIDDEN_IN_STEPS = {"httpx", "json", "vcr", "jsonschema", "requests", "socket"}


def _package_imports(path: Path) -> set[str]:
    """First-level package modules a file imports (`emulator` for anything below it)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative import inside the package
                base = path.relative_to(PACKAGE).parts[:-1]
                names.append(".".join(["mmlite_conformance", *base, *(node.module or "").split(".")]).rstrip("."))
            elif node.module:
                names.append(node.module)
                names += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "mmlite_conformance":
                # `from mmlite_conformance import __version__` imports the package itself, not a module
                found.add(parts[1] if len(parts) > 1 and parts[1] in MODULES else "__init__")
    return found


def _top_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_every_suite_module_has_a_rule() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules <= set(ALLOWED), f"add these modules to ARCHITECTURE.md and ALLOWED: {modules - set(ALLOWED)}"


@pytest.mark.parametrize("module", sorted(ALLOWED))
def test_suite_module_imports_only_what_it_may(module: str) -> None:
    path = PACKAGE / f"{module}.py"
    if not path.exists():
        pytest.skip(f"{module}.py does not exist")
    imported = _package_imports(path) - {module}
    assert imported <= ALLOWED[module], f"{module} imports {sorted(imported - ALLOWED[module])}"


def test_emulator_imports_nothing_from_the_suite() -> None:
    offenders = {}
    for path in (PACKAGE / "emulator").rglob("*.py"):
        outside = _package_imports(path) - {"emulator"}
        if outside:
            offenders[str(path.relative_to(ROOT))] = sorted(outside)
    assert not offenders, f"the emulator must stay independent of the suite: {offenders}"


def test_steps_hold_no_plumbing() -> None:
    offenders = {}
    for path in (ROOT / "steps").glob("*.py"):
        bad = _top_imports(path) & FORBIDDEN_IN_STEPS
        if bad:
            offenders[path.name] = sorted(bad)
    assert not offenders, f"steps must delegate HTTP/JSON/recording to the library: {offenders}"
