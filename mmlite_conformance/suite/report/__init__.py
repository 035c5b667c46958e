"""The evidence in pytest-html, JUnit XML and Cucumber JSON; `report.plugin` is the pytest plugin."""

from __future__ import annotations

from mmlite_conformance.suite.report.collect import SCENARIO_EVIDENCE, evidence_for
from mmlite_conformance.suite.report.cucumber import fix_cucumber_statuses
from mmlite_conformance.suite.report.data import evidence_as_dict
from mmlite_conformance.suite.report.files import ARTEFACT_OPTIONS, artefact, reports_folder
from mmlite_conformance.suite.report.ledger import ScenarioOutcome
from mmlite_conformance.suite.report.run import REDACTOR, REPORT_TITLE, RUN_INFO, Redacts, RunInfo, new_run_id
from mmlite_conformance.suite.report.scrub import FINAL_SCRUB, FinalScrub, scrub_file
from mmlite_conformance.suite.report.sections import (
    STEP_SECTIONS,
    SUMMARY_SECTIONS,
    Summary,
    render_requirements_table,
    render_run_header,
    render_scenario_html,
    step_section,
    summary_section,
)
from mmlite_conformance.suite.report.staging import stage_reports
from mmlite_conformance.suite.report.tags import natural_key, requirement_ids_from_tags

__all__ = [
    "ARTEFACT_OPTIONS",
    "FINAL_SCRUB",
    "REDACTOR",
    "REPORT_TITLE",
    "RUN_INFO",
    "SCENARIO_EVIDENCE",
    "STEP_SECTIONS",
    "SUMMARY_SECTIONS",
    "FinalScrub",
    "Redacts",
    "RunInfo",
    "ScenarioOutcome",
    "Summary",
    "artefact",
    "evidence_as_dict",
    "evidence_for",
    "fix_cucumber_statuses",
    "natural_key",
    "new_run_id",
    "render_requirements_table",
    "render_run_header",
    "render_scenario_html",
    "reports_folder",
    "requirement_ids_from_tags",
    "scrub_file",
    "stage_reports",
    "step_section",
    "summary_section",
]
