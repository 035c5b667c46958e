"""The layering in ARCHITECTURE.md holds: who may import whom, and steps stay free of plumbing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "mmlite_conformance"
SUITE = PACKAGE / "suite"

#: component -> the components it may import (ARCHITECTURE.md, "Who may import whom"); a component is a top-level
#: module of the package (contract, cli, version, emulator) or of the suite (suite.config, suite.report, ...)
ALLOWED: dict[str, set[str]] = {
    "contract": set(),
    "version": set(),
    "emulator": {"contract", "version"},
    # the certification bundle reads the files a run wrote; it never imports the suite or the emulator
    "bundle": {"version"},
    "cli": {"bundle", "emulator", "publish", "suite", "version"},
    # the guide published (catalog, Postman, docs site): reads the suite's features, cassettes and helpers
    "publish": {
        "contract",
        # only publish/site/reference.py, while the docs site is built: it shows the emulator's assumptions table
        "emulator",
        "version",
        "suite.__init__",
        *(f"suite.{path.stem}" for path in SUITE.iterdir() if path.suffix == ".py" or (path / "__init__.py").exists()),
    },
    "__init__": {"version"},
    # the public names steps use, imported on first use
    "suite.__init__": {
        *(f"suite.{name}" for name in ("client", "config", "conformance", "evidence", "person", "targets")),
        "suite.platform",
        "suite.vocabulary",
        "suite.webhooks",
    },
    "suite.options": set(),
    "suite.constants": set(),
    "suite.config": {"contract", "suite.constants"},
    "suite.redaction": {"suite.constants"},
    "suite.evidence": {"suite.snippets"},
    # reproducers of a redacted request (curl, Python, Node.js); the docs site renders them too
    "suite.snippets": {"suite.constants"},
    "suite.schemas": {"suite.evidence", "suite.uri_format"},
    "suite.uri_format": set(),
    "suite.user_ids": {"suite.evidence"},
    "suite.checks": {"suite.evidence", "suite.numbers", "suite.webhooks"},
    "suite.numbers": {"suite.redaction"},
    "suite.netguard": set(),
    "suite.step_lookup": set(),
    "suite.client": {"contract", "suite.config", "suite.evidence", "suite.rate_limits", "suite.redaction"},
    "suite.rate_limits": set(),
    "suite.preflight": {"suite.recording"},
    "suite.webhooks": {"suite.constants", "suite.evidence", "suite.redaction"},
    "suite.recording": {"contract", "suite.config", "suite.constants", "suite.evidence", "suite.redaction", "version"},
    "suite.targets": {
        "contract",
        "emulator",
        "suite.client",
        "suite.config",
        "suite.constants",
        "suite.evidence",
        "suite.netguard",
        "suite.recording",
        "suite.redaction",
        "suite.platform",
        "suite.webhooks",
        "version",
    },
    "suite.platform": {"contract", "suite.checks", "suite.config", "suite.constants"},
    "suite.report": {"suite.constants", "suite.contract_refs", "suite.evidence", "suite.snippets", "version"},
    # contract references resolved to docs/contract.md and docs/current-api.md headings (the report links them)
    "suite.contract_refs": set(),
    "suite.conformance": {
        "suite.checks",
        "suite.evidence",
        "suite.numbers",
        "suite.platform",
        "suite.schemas",
        "suite.user_ids",
        "suite.webhooks",
    },
    "suite.person": {"suite.targets"},
    "suite.vocabulary": {"contract", "suite.checks", "suite.client", "suite.config", "suite.webhooks"},
    "suite.plugin": {
        "contract",
        "version",
        *(f"suite.{name}" for name in ("config", "constants", "redaction", "evidence", "schemas", "checks")),
        *(f"suite.{name}" for name in ("client", "webhooks", "recording", "targets", "report", "conformance")),
        "suite.person",
        "suite.platform",
        "suite.preflight",
        "suite.rate_limits",
        "suite.step_lookup",
        "suite.vocabulary",
    },
}
#: only these modules of the targets package start the emulator (the rest of the suite never imports it)
EMULATOR_IMPORTERS = {"suite/targets/emulator.py", "suite/targets/platform.py", "cli.py", "publish/site/reference.py"}
FORBIDDEN_IN_STEPS = {"httpx", "json", "vcr", "jsonschema", "requests", "socket"}


def _component(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[0] == "suite":
        return "suite.__init__" if len(parts) == 2 and parts[1] == "__init__" else f"suite.{parts[1]}"
    return parts[0]


def _imported_components(path: Path) -> set[str]:
    """The package components a file imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative import inside the package
                base = path.relative_to(PACKAGE).parts[: -node.level]
                names.append(".".join(["mmlite_conformance", *base, *(node.module or "").split(".")]).rstrip("."))
            elif node.module:
                names += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] != "mmlite_conformance" or len(parts) < 2:
                continue
            if parts[1] == "suite":
                found.add(
                    f"suite.{parts[2]}"
                    if (len(parts) > 2 and (SUITE / parts[2]).exists())
                    or (len(parts) > 2 and (SUITE / f"{parts[2]}.py").exists())
                    else "suite.__init__"
                )
            elif (PACKAGE / parts[1]).exists() or (PACKAGE / f"{parts[1]}.py").exists():
                found.add(parts[1])
            else:
                found.add("__init__")  # a name of the package itself, e.g. __version__
    return found


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_component_has_a_rule() -> None:
    components = {_component(p) for p in SOURCES}
    assert components <= set(ALLOWED), f"add these to ARCHITECTURE.md and ALLOWED: {components - set(ALLOWED)}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_module_imports_only_what_its_layer_may(path: Path) -> None:
    component = _component(path)
    imported = _imported_components(path) - {component}
    allowed = ALLOWED[component]
    assert imported <= allowed, f"{component} imports {sorted(imported - allowed)}"


def test_the_emulator_is_imported_only_where_it_is_started() -> None:
    importers = {
        str(p.relative_to(PACKAGE))
        for p in SOURCES
        if _component(p) != "emulator" and "emulator" in _imported_components(p)
    }
    assert importers <= EMULATOR_IMPORTERS, f"only the targets that start the emulator may import it: {importers}"


def test_steps_hold_no_plumbing() -> None:
    offenders = {}
    for path in (ROOT / "steps").glob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
                if node.module.startswith("mmlite_conformance") and node.module != "mmlite_conformance.suite":
                    found.add(node.module)
        bad = {name for name in found if name in FORBIDDEN_IN_STEPS or name.startswith("mmlite_conformance.")}
        if bad:
            offenders[path.name] = sorted(bad)
    assert not offenders, (
        f"steps use only the public names of mmlite_conformance.suite, and no HTTP/JSON/recording: {offenders}"
    )
