"""Plugin decisions that need no pytest run: the redactor knows everything before the first capture; the suite's
plugin is absent from the project's own test runs."""

from __future__ import annotations

import pytest

from mmlite_conformance.suite.config import Secret, Settings
from mmlite_conformance.suite.plugin import build_redactor
from mmlite_conformance.suite.targets import EmulatorTarget, LiveTarget

pytestmark = pytest.mark.unit

REAL_NUMBER = "5521987654321"


def test_the_redactor_hides_both_keys_and_the_number() -> None:
    settings = Settings(
        target="live",
        record=None,
        api_key=Secret("a" * 24),
        not_onboarded_api_key=Secret("b" * 24),
        recipient=REAL_NUMBER,
    )
    text = build_redactor(settings, LiveTarget(settings)).redact_text(f"{'a' * 24} {'b' * 24} +{REAL_NUMBER}")
    assert "a" * 24 not in text and "b" * 24 not in text and REAL_NUMBER not in text


def test_the_redactor_knows_the_sandbox_number_before_anything_shows_it() -> None:
    settings = Settings(
        target="emulator", record=None, api_key=Secret("k" * 24), not_onboarded_api_key=None, recipient=REAL_NUMBER
    )
    text = build_redactor(settings, EmulatorTarget(settings)).redact_text("a template from +55 11 95555-0100")
    assert "95555" not in text


def test_the_project_tests_run_without_the_suite_plugin(pytestconfig: pytest.Config) -> None:
    """tests/pytest.ini roots these runs in tests/, so the repository's conftest.py (the suite) is never read."""
    names = {pytestconfig.pluginmanager.get_name(p) for p in pytestconfig.pluginmanager.get_plugins()}
    assert not {"mmlite_conformance.suite.plugin", "mmlite_conformance.suite.report.plugin"} & names
    assert pytestconfig.rootpath.name == "tests"
