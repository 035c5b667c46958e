"""The report's pytest plugin: each hook delegates in one line (pytest-bdd's own plugin.py is the model)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import pytest

from mmlite_conformance.suite.report import attach, collect, failure, metadata, scrub, staging, terminal
from mmlite_conformance.suite.report.run import REPORT_TITLE, redactor, run_info


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    metadata.clean_metadata(config)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    # again, before pytest-html (trylast) builds the Environment table and before the terminal prints its header
    metadata.clean_metadata(session.config)


@pytest.fixture(scope="session", autouse=True)
def _mmlite_run_id(record_testsuite_property: Callable[[str, object], None], pytestconfig: pytest.Config) -> None:
    """The run id as a JUnit testsuite property (`run_id`), the same id as the HTML header's and run.json's."""
    record_testsuite_property("run_id", run_info(pytestconfig).run_id)


# --- pytest-bdd -> evidence ------------------------------------------------------------------------------------------


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_before_scenario(request: pytest.FixtureRequest, feature: Any, scenario: Any) -> None:
    collect.before_scenario(request, feature, scenario)


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_before_step(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any) -> None:
    collect.before_step(request, feature, scenario, step)


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_after_step(request: pytest.FixtureRequest) -> None:
    collect.after_step(request)


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_step_error(request: pytest.FixtureRequest, exception: BaseException) -> None:
    collect.step_error(request, exception)


@pytest.hookimpl(optionalhook=True)
def pytest_bdd_step_func_lookup_error(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any) -> None:
    collect.step_undefined(request, feature, scenario, step)


# --- pytest's reports -------------------------------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    failure.before_report(call)
    report: pytest.TestReport = yield
    failure.show_failing_step(item, call, report)
    return attach.report_made(item, report)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    report: pytest.CollectReport = yield
    return scrub.scrub_report(report, redactor(collector.config))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    attach.report_logged(report)


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish(session: pytest.Session) -> Generator[None, Any, Any]:
    result = yield  # pytest-html, junitxml and pytest-bdd write their files in this hook
    if staging.ran(session.config):
        attach.finish_artefacts(session.config)
    staging.put_in_place(session.config)
    return result


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    staging.scenario_ran(item.config)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    why = staging.withheld(terminalreporter.config)
    if why is not None:
        terminalreporter.write_line(f"mmlite-conformance: no report written ({why}); the last run's are as they were")
    elif staging.ran(terminalreporter.config):
        terminal.write_summary(terminalreporter)
    scrub.say_what_the_final_scrub_found(terminalreporter)


# --- pytest-html ------------------------------------------------------------------------------------------------------


@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report: Any) -> None:
    report.title = REPORT_TITLE
    metadata.empty_html_environment(report)


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_html(report: pytest.TestReport, data: list[str]) -> None:
    attach.drop_empty_log(data)


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_header(cells: list[str]) -> None:
    attach.results_header(cells)


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_row(report: pytest.TestReport, cells: list[str]) -> None:
    attach.results_row(report, cells)


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(
    prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
) -> None:
    attach.results_summary(session, prefix, summary)
