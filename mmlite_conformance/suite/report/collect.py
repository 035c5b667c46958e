"""pytest-bdd's hooks -> ScenarioEvidence: the one place a scenario's evidence is created and its steps recorded.

Gherkin text and step errors are redacted here, where they enter the evidence; everything else a fixture or step
records arrives redacted already.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from mmlite_conformance.suite.evidence import ScenarioEvidence, StepEvidence
from mmlite_conformance.suite.report.guide import requirement_words, scenario_name
from mmlite_conformance.suite.report.ledger import ledger
from mmlite_conformance.suite.report.run import Redacts, redactor, run_info
from mmlite_conformance.suite.report.tags import requirement_ids_from_tags

_MAX_ERROR_CHARS = 500
UNDEFINED_STEP = "undefined step: no step definition matches this sentence"


@dataclass(slots=True, frozen=True)
class PlannedStep:
    keyword: str
    text: str
    line: int
    docstring: str = ""


@dataclass(slots=True)
class StepProgress:
    """Per item: the scenario's steps as planned, how many began, and whether they are final (and reported)."""

    planned: list[PlannedStep] = field(default_factory=list)
    begun: int = 0
    feature_uri: str = ""
    finished: bool = False


SCENARIO_EVIDENCE = pytest.StashKey[ScenarioEvidence]()
_PROGRESS = pytest.StashKey[StepProgress]()


def evidence_for(item: pytest.Item) -> ScenarioEvidence:
    """The item's evidence, created on first use (by a fixture, or by pytest-bdd's first hook)."""
    evidence = item.stash.get(SCENARIO_EVIDENCE, None)
    if evidence is None:
        evidence = item.stash[SCENARIO_EVIDENCE] = ScenarioEvidence(requirement_ids=(), feature="", scenario=item.name)
    return evidence


def progress_of(item: pytest.Item) -> StepProgress:
    progress = item.stash.get(_PROGRESS, None)
    if progress is None:
        progress = item.stash[_PROGRESS] = StepProgress()
    return progress


def _one_line(exception: BaseException, red: Redacts) -> str:
    text = red.redact_text(str(exception))
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    message = f"{type(exception).__name__}: {first}" if first else type(exception).__name__
    return message if len(message) <= _MAX_ERROR_CHARS else message[: _MAX_ERROR_CHARS - 1] + "…"


def _describe(item: pytest.Item, feature: Any, scenario: Any) -> ScenarioEvidence:
    """The evidence, told what scenario it belongs to (from pytest-bdd's feature and scenario objects)."""
    red = redactor(item.config)
    evidence = evidence_for(item)
    rule = getattr(scenario, "rule", None)
    evidence.requirement_ids = requirement_ids_from_tags(
        getattr(scenario, "tags", ()), getattr(feature, "tags", ()), getattr(rule, "tags", ()) if rule else ()
    )
    evidence.feature = red.redact_text(str(getattr(feature, "name", "") or getattr(feature, "rel_filename", "")))
    evidence.scenario = red.redact_text(scenario_name(item, scenario))
    words = red.redact_text(requirement_words(scenario))
    for rid in evidence.requirement_ids:
        ledger(item.config).words.setdefault(rid, words)
    evidence.description = red.redact_text(str(getattr(scenario, "description", "") or ""))
    if not evidence.target:
        evidence.target = run_info(item.config).target
    progress = progress_of(item)
    progress.feature_uri = str(getattr(feature, "rel_filename", ""))
    progress.planned = [
        PlannedStep(
            red.redact_text(str(s.keyword).strip()),
            red.redact_text(str(s.name)),
            int(getattr(s, "line_number", 0) or 0),
            _docstring(s, red),
        )
        for s in getattr(scenario, "steps", ())
    ]
    return evidence


def _begin_step(item: pytest.Item, feature: Any, scenario: Any, step: Any) -> StepEvidence:
    evidence = item.stash.get(SCENARIO_EVIDENCE, None) or _describe(item, feature, scenario)
    red = redactor(item.config)
    progress_of(item).begun += 1
    begun = evidence.begin_step(red.redact_text(str(step.keyword).strip()), red.redact_text(str(step.name)))
    begun.docstring = _docstring(step, red)
    return begun


def _docstring(step: Any, red: Redacts) -> str:
    """The step's docstring argument, redacted where it enters the evidence (it may hold a body and a number)."""
    text = getattr(step, "docstring", None)
    return red.redact_text(str(text)) if text else ""


def _running_step(item: pytest.Item) -> StepEvidence | None:
    evidence = item.stash.get(SCENARIO_EVIDENCE, None)
    return evidence.steps[-1] if evidence is not None and evidence.steps else None


def before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    _describe(request.node, feature, scenario)


def before_step(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any) -> None:
    _begin_step(request.node, feature, scenario, step)


def after_step(request: pytest.FixtureRequest) -> None:
    if (step := _running_step(request.node)) is not None:
        step.status = "passed"


def step_error(request: pytest.FixtureRequest, exception: BaseException) -> None:
    if (step := _running_step(request.node)) is not None:
        step.status = "failed"
        step.error = _one_line(exception, redactor(request.config))


def step_undefined(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any) -> None:
    begun = _begin_step(request.node, feature, scenario, step)
    begun.status = "failed"
    begun.error = UNDEFINED_STEP


def _from_template(item: pytest.Item) -> ScenarioEvidence | None:
    """For a scenario that never started (setup failed or skipped): describe it from pytest-bdd's template."""
    try:
        from pytest_bdd.scenario import scenario_wrapper_template_registry

        function = getattr(item, "function", None)
        template = None if function is None else scenario_wrapper_template_registry.get(function)
        if template is None:
            return None
        callspec = getattr(item, "callspec", None)
        example = callspec.params.get("_pytest_bdd_example", {}) if callspec is not None else {}
        scenario = template.render(example)
    except Exception:  # internal API of pytest-bdd: without it the scenario just has no section
        return None
    return _describe(item, scenario.feature, scenario)


def evidence_at(item: pytest.Item, report: pytest.TestReport) -> ScenarioEvidence | None:
    """The item's evidence when this report is made, if it is a scenario (described from its template when its
    setup failed: pytest-bdd's before_scenario runs in the call phase)."""
    evidence = item.stash.get(SCENARIO_EVIDENCE, None)
    if report.when == "setup" and not report.passed and not progress_of(item).planned:
        evidence = _from_template(item) or evidence
    return evidence


def finish_steps(item: pytest.Item, evidence: ScenarioEvidence, report: pytest.TestReport) -> None:
    """The running step takes the report's outcome; the steps that never began are listed as not run."""
    progress = progress_of(item)
    running = evidence.steps[-1] if evidence.steps and progress.begun else None
    if running is not None and running.status == "not run":
        running.status = "skipped" if report.skipped else "failed" if report.failed else running.status
    for planned in progress.planned[progress.begun :]:
        evidence.steps.append(
            StepEvidence(keyword=planned.keyword, text=planned.text, status="not run", docstring=planned.docstring)
        )
    progress.finished = True
