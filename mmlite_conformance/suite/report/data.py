"""A scenario's evidence as JSON-ready data, for the report's "Evidence (JSON)" link."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from mmlite_conformance.suite.evidence import ScenarioEvidence, StepEvidence

#: types returned as they are, and the containers walked directly: exact types only, so a subclass (or a dataclass)
#: still takes the general path below; evidence is mostly these, and the general path's checks cost most of a report
_PLAIN = frozenset({str, int, float, bool, type(None)})


def to_jsonable(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if kind is list:
        return [to_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def has_records(step: StepEvidence) -> bool:
    return bool(step.exchanges or step.verdicts or step.observations or step.webhooks or step.notes)


def _step_as_dict(step: StepEvidence) -> dict[str, Any]:
    return {
        "keyword": step.keyword,
        "text": step.text,
        "docstring": step.docstring,
        "status": step.status,
        "error": step.error,
        "exchanges": [e.as_dict() for e in step.exchanges],
        "schema_verdicts": [
            {"kind": v.kind, "schema_id": v.schema_id, "valid": v.valid, "errors": list(v.errors)}
            for v in step.verdicts
        ],
        "observations": [dataclasses.asdict(o) | {"judged": False} for o in step.observations],
        "webhooks": to_jsonable(step.webhooks),
        "notes": list(step.notes),
    }


def evidence_as_dict(evidence: ScenarioEvidence) -> dict[str, Any]:
    """The scenario's evidence as JSON-ready data; already redacted, as every record was when captured."""
    data: dict[str, Any] = {
        "requirement_ids": list(evidence.requirement_ids),
        "feature": evidence.feature,
        "scenario": evidence.scenario,
        "description": evidence.description,
        "target": evidence.target,
        "provenance": to_jsonable(evidence.provenance),
    }
    if has_records(evidence.setup):
        data["setup"] = _step_as_dict(evidence.setup)
    data["steps"] = [_step_as_dict(step) for step in evidence.steps]
    result: dict[str, Any] = to_jsonable(data)
    return result
