"""The suite's evidence added to pytest's reports and artefacts: extras, properties, the results table, the summary."""

from __future__ import annotations

from typing import Any

import pytest

from mmlite_conformance.suite.evidence import ScenarioEvidence
from mmlite_conformance.suite.report import collect, metadata, scrub
from mmlite_conformance.suite.report.cucumber import cucumber_steps, fix_cucumber_statuses, stamp_run_id
from mmlite_conformance.suite.report.evidence_files import LINK_NAME, write_evidence
from mmlite_conformance.suite.report.files import artefact
from mmlite_conformance.suite.report.html import esc
from mmlite_conformance.suite.report.ledger import ReportFacts, facts_of, ledger, remember, tally
from mmlite_conformance.suite.report.record import write_run_record
from mmlite_conformance.suite.report.run import redactor, run_info
from mmlite_conformance.suite.report.sections import (
    Summary,
    render_requirements_table,
    render_run_header,
    render_scenario_html,
)


def _properties(evidence: ScenarioEvidence) -> list[tuple[str, object]]:
    """JUnit properties: the requirement ids, the target, an attestation, and each observation."""
    props: list[tuple[str, object]] = [("requirement", rid) for rid in evidence.requirement_ids]
    if evidence.attested:
        props.append(("verdict", "attested"))
    if evidence.target:
        props.append(("target", evidence.target))
    return props + [("observation", o.summary()) for o in evidence.observations]


def _html_extras(evidence: ScenarioEvidence, config: pytest.Config, evidence_url: str | None) -> list[dict[str, Any]]:
    """The scenario's section, and a link to its evidence file (a relative URL: browsers open it, not a data: URL)."""
    try:
        from pytest_html import extras
    except ImportError:  # pragma: no cover - pytest-html is a dependency
        return []
    link = [extras.url(evidence_url, name=LINK_NAME)] if evidence_url is not None else []
    return [extras.html(render_scenario_html(evidence, run_info(config))), *link]


def _attach(item: pytest.Item, report: pytest.TestReport, evidence: ScenarioEvidence) -> None:
    progress = collect.progress_of(item)
    if not progress.finished and (report.when == "call" or (report.when == "setup" and not report.passed)):
        collect.finish_steps(item, evidence, report)
        evidence_url = write_evidence(item, evidence, progress.feature_uri)
        scrub.add_own_extras(report, _html_extras(evidence, item.config, evidence_url))
        props = _properties(evidence)
        item.user_properties.extend(props)
        report.user_properties.extend(props)
    elif report.when == "teardown" and not progress.finished:
        report.user_properties.extend(_properties(evidence))
    steps = (progress.feature_uri, cucumber_steps(evidence, progress.planned)) if progress.finished else None
    facts = ReportFacts(
        ledger=ledger(item.config),
        requirement_ids=evidence.requirement_ids,
        feature=evidence.feature,
        scenario=evidence.scenario,
        observations=len(evidence.observations),
        simulated=evidence.simulated,
        attested=evidence.attested,
        notes=tuple(o.summary() for o in evidence.observations),
        cucumber=steps,
    )
    remember(report, facts)


def report_made(item: pytest.Item, report: pytest.TestReport) -> pytest.TestReport:
    """Other plugins' extras scrubbed, the scenario's evidence attached, then pytest's own text scrubbed."""
    red = redactor(item.config)
    scrub.scrub_plugin_extras(report, red)
    evidence = collect.evidence_at(item, report)
    if evidence is not None:
        _attach(item, report, evidence)
    scrub.scrub_report(report, red)
    return report


def report_logged(report: pytest.TestReport) -> None:
    """Extras added through pytest-html's fixture scrubbed; the report's outcome folded into its scenario's."""
    scrub.scrub_fixture_extras(report)
    tally(report)


def results_header(cells: list[str]) -> None:
    cells.insert(1, '<th class="sortable" data-column-type="requirement">Requirement</th>')
    cells.insert(2, '<th class="sortable" data-column-type="scenario">Scenario</th>')


def results_row(report: pytest.TestReport, cells: list[str]) -> None:
    """pytest-html's row, scrubbed, with the scenario's requirement ids and name after the result."""
    scrub.scrub_cells(report, cells)
    facts = facts_of(report)
    requirements = ", ".join(facts.requirement_ids) if facts else ""
    cells.insert(1, f'<td class="col-requirement">{esc(requirements)}</td>')
    cells.insert(2, f'<td class="col-scenario">{esc(facts.scenario if facts else "")}</td>')


def results_summary(session: pytest.Session, prefix: list[str], summary: list[str]) -> None:
    found = ledger(session.config)
    environment = metadata.environment_rows(session.config)
    run = Summary(run_info(session.config), list(found.scenarios.values()), found.words, environment)
    prefix.append(render_run_header(run))
    summary.append(render_requirements_table(run))


#: what pytest-html writes into a scenario's log box when nothing was captured
NO_LOG = "No log output captured."


def drop_empty_log(data: list[str]) -> None:
    """A scenario with nothing captured gets no log box (pytest-html draws none for an empty log)."""
    if data == [NO_LOG]:
        data.clear()


def finish_artefacts(config: pytest.Config) -> None:
    """After pytest-html, junitxml and pytest-bdd have written their files: true Cucumber statuses, final scrub."""
    cucumber, steps = artefact(config, "cucumber_json_path"), ledger(config).cucumber
    if cucumber is not None and steps:
        fix_cucumber_statuses(cucumber, steps)
    if cucumber is not None:
        stamp_run_id(cucumber, run_info(config).run_id)
    write_run_record(config)
    scrub.scrub_written_files(config)
