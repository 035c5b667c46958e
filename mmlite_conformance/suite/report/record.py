"""run.json: the run's machine-readable record (verdicts, provenance, files used) that the bundle command reads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mmlite_conformance.suite.report.evidence_files import documents_entry, record_entry
from mmlite_conformance.suite.report.files import RUN_RECORD, artefact, reports_folder
from mmlite_conformance.suite.report.ledger import ScenarioOutcome, ledger
from mmlite_conformance.suite.report.run import RunInfo, redactor, run_info
from mmlite_conformance.suite.report.sections import requirement_verdict
from mmlite_conformance.suite.report.tags import natural_key

#: the record's own format, bumped when a field changes meaning
RECORD_FORMAT = 1
#: pytest's artefact option -> the record's name for that report
_REPORT_NAMES = {"htmlpath": "html", "xmlpath": "junit", "cucumber_json_path": "cucumber"}
_UNNAMED = "(no requirement id)"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def requirements(
    scenarios: Iterable[ScenarioOutcome], words: Mapping[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """Each requirement id (naturally sorted): the guide's words, its worst verdict, its observations and its
    scenarios' verdicts."""
    grouped: dict[str, list[ScenarioOutcome]] = {}
    for outcome in scenarios:
        for rid in outcome.requirement_ids or (_UNNAMED,):
            grouped.setdefault(rid, []).append(outcome)
    return {
        rid: {
            "words": (words or {}).get(rid, ""),
            "verdict": requirement_verdict(m.outcome for m in grouped[rid]),
            "observations": [note for m in grouped[rid] for note in m.notes],
            "scenarios": [{"feature": m.feature, "scenario": m.scenario, "verdict": m.outcome} for m in grouped[rid]],
        }
        for rid in sorted(grouped, key=lambda r: (r == _UNNAMED, natural_key(r)))
    }


def _reports(config: pytest.Config, folder: Path) -> dict[str, str]:
    found = {name: artefact(config, option) for option, name in _REPORT_NAMES.items()}
    return {name: _relative(path, folder) for name, path in found.items() if path is not None}


def _relative(path: Path, folder: Path) -> str:
    return path.name if path.resolve().parent == folder.resolve() else str(path.resolve())


def _cassettes(info: RunInfo) -> dict[str, Any]:
    folder = Path(info.cassette_dir)
    files = [{"path": name, "sha256": _sha256(folder / name)} for name in info.cassettes if (folder / name).is_file()]
    return {"folder": info.cassette_dir, "files": files}


def run_record(config: pytest.Config, folder: Path) -> dict[str, Any]:
    info, found = run_info(config), ledger(config)
    scenarios = list(found.scenarios.values())
    return {
        "format": RECORD_FORMAT,
        "run_id": info.run_id,
        "suite_version": info.suite_version,
        "target": info.target,
        "contract_profile": info.contract_profile,
        "base_urls": {"cloud_api": info.cloud_base_url, "mm_lite": info.mm_lite_url},
        "started_at": info.started_at,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "provenance": {
            "summary": info.cassette_provenance,
            "scenarios": len(scenarios),
            "simulated_scenarios": sum(1 for s in scenarios if s.simulated),
            "simulation_banner": info.simulation_banner,
        },
        "warnings": list(info.warnings),
        "requirements": requirements(scenarios, found.words),
        "reports": _reports(config, folder),
        "evidence": record_entry(config, folder),
        "documents": documents_entry(config, folder),
        "cassettes": _cassettes(info),
        "target_files": [name for name in info.target_files if (folder / name).is_file()],
    }


def write_run_record(config: pytest.Config) -> Path | None:
    """Write run.json beside the JUnit file, redacted like every artefact; returns its path."""
    folder = reports_folder(config)
    if folder is None or not folder.is_dir():
        return None
    path = folder / RUN_RECORD
    record = redactor(config).redact_json(run_record(config, folder))
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
