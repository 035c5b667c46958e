"""A Conformance as a scenario's Then-step gets it: offline pseudonyms, the shipped schemas, one step of evidence."""

from __future__ import annotations

from collections.abc import Iterable

from mmlite_conformance.suite.conformance import Conformance
from mmlite_conformance.suite.evidence import ScenarioEvidence
from mmlite_conformance.suite.redaction import OFFLINE_PSEUDONYM_KEY, Redactor
from mmlite_conformance.suite.schemas import SchemaRegistry, default_schema_dir


def judging(requirement: str, scenario: str, step: str, numbers: Iterable[str] = ()) -> Conformance:
    """The judge of `step` (a Then) in `scenario` of `requirement`; the redactor knows `numbers` up front."""
    redactor = Redactor([], list(numbers), OFFLINE_PSEUDONYM_KEY)
    evidence = ScenarioEvidence(requirement_ids=(requirement,), feature="f", scenario=scenario)
    evidence.begin_step("Then", step)
    return Conformance(
        redact_json=redactor.redact_json,
        redact_text=redactor.redact_text,
        schemas=SchemaRegistry.from_directory(default_schema_dir()),
        evidence=evidence,
        redactor=redactor,
    )
