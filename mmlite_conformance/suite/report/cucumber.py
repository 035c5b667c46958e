"""Cucumber JSON: each step's status from the evidence, written over what pytest-bdd reported."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mmlite_conformance.suite.evidence import ScenarioEvidence
from mmlite_conformance.suite.report.collect import UNDEFINED_STEP, PlannedStep
from mmlite_conformance.suite.report.files import write_atomically

_STATUS = {"passed": "passed", "failed": "failed", "skipped": "skipped", "not run": "skipped"}


def cucumber_steps(evidence: ScenarioEvidence, planned: Sequence[PlannedStep]) -> list[dict[str, Any]]:
    """Each Gherkin step of the scenario with its Cucumber status (passed / failed / skipped / undefined)."""
    rows = []
    for index, step in enumerate(evidence.steps):
        undefined = step.status == "failed" and step.error == UNDEFINED_STEP
        status = "undefined" if undefined else _STATUS.get(step.status, "skipped")
        line = planned[index].line if index < len(planned) else 0
        row: dict[str, Any] = {"keyword": step.keyword, "name": step.text, "line": line, "status": status}
        if step.docstring:  # Cucumber's own field for a step's docstring argument (it starts on the next line)
            row["doc_string"] = {"value": step.docstring, "line": line + 1 if line else 0}
        rows.append(row)
    return rows


def _missing_step(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "keyword": row["keyword"],
        "name": row["name"],
        "line": row["line"],
        "match": {"location": ""},
        "result": {"status": row["status"], "duration": 0},
    } | ({"doc_string": row["doc_string"]} if "doc_string" in row else {})


def _fix_element(element: dict[str, Any], wanted: Sequence[Mapping[str, Any]]) -> bool:
    steps = element.setdefault("steps", [])
    if len(wanted) < len(steps):
        return False
    changed = len(wanted) > len(steps)
    steps += [_missing_step(row) for row in wanted[len(steps) :]]  # steps pytest-bdd did not report (undefined)
    for step, expected in zip(steps, wanted, strict=True):
        if "doc_string" in expected and step.get("doc_string") != expected["doc_string"]:
            step["doc_string"] = expected["doc_string"]
            changed = True
        result = step.setdefault("result", {})
        if result.get("status") != expected["status"]:
            result["status"] = expected["status"]
            changed = True
        if expected["status"] != "failed" and "error_message" in result:
            del result["error_message"]
            changed = True
    return changed


def fix_cucumber_statuses(path: Path, scenarios: Mapping[tuple[str, str], Sequence[Mapping[str, Any]]]) -> bool:
    """Rewrite each step's status in pytest-bdd's Cucumber JSON from the evidence. pytest-bdd 9 writes a skipped
    scenario's steps as passed, every step after a failure as failed, and leaves an undefined step out (so the
    scenario reads as passed). Keyed by (feature uri, test name). Returns True when the file was rewritten."""
    features = _features(path)
    changed = False
    for feature in features:
        for element in feature.get("elements", []):
            wanted = scenarios.get((str(feature.get("uri", "")), str(element.get("id", ""))))
            if wanted is not None:
                changed = _fix_element(element, wanted) or changed
    if changed:
        write_atomically(path, json.dumps(features))
    return changed


def stamp_run_id(path: Path, run_id: str) -> bool:
    """Each feature of the Cucumber JSON carries the run's id (`run_id`, beside pytest-bdd's own fields)."""
    features = _features(path)
    if not features:
        return False
    for feature in features:
        if isinstance(feature, dict):
            feature["run_id"] = run_id
    write_atomically(path, json.dumps(features))
    return True


def _features(path: Path) -> list[Any]:
    """The features of a Cucumber JSON file; none when it is missing or not a JSON list."""
    try:
        features = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return features if isinstance(features, list) else []
