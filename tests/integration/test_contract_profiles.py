"""The suite against the emulator in both contract profiles, and proof that the profile changes verdicts."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.integration.conftest import SuiteRun
from tests.integration.platform_kit import failures
from tests.integration.test_fault_matrix import S1D, S3B, S3C, SCB_CLOUD

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RunSuite = Callable[..., SuiteRun]
GUIDE_SCENARIOS = 30

#: the emulator in today's smart routing, judged by the guide's (alpha) expectations: only this test wires it so
SMART_ROUTING_ALPHA = '''
"""The emulator with smart routing on, judged in the alpha profile: what a live run on GA would meet with alpha."""

import dataclasses
from typing import Any

from mmlite_conformance.suite import targets
from mmlite_conformance.suite.targets import EmulatorTarget


@targets.register
class SmartRoutingTarget(EmulatorTarget):
    name = "smartrouting"

    def _emulator_config(self) -> Any:
        return dataclasses.replace(super()._emulator_config(), smart_routing=True)
'''


def _record(run: SuiteRun) -> dict[str, Any]:
    return dict(json.loads((run.reports / "run.json").read_text()))


@pytest.mark.parametrize(
    ("contract", "mm_lite_route"), [("alpha", "/mmlite/marketing_messages"), ("ga", "/marketing_messages")]
)
def test_the_emulator_passes_in_both_profiles(run_suite: RunSuite, contract: str, mm_lite_route: str) -> None:
    run = run_suite("--target", "emulator", env={"MMLITE_CONTRACT": contract})
    assert run.returncode == 0, run.output[-3000:]
    assert len(run.passed()) == GUIDE_SCENARIOS and not run.failed()
    record = _record(run)
    assert record["contract_profile"] == contract
    assert urlsplit(str(record["base_urls"]["mm_lite"])).path == mm_lite_route  # the URL follows the profile
    report = (run.reports / "report.html").read_text()
    assert f"contract profile: {contract}" in run.output
    category = "marketing_lite" if contract == "ga" else "marketing"
    shown = html.unescape(html.unescape(report))  # the report's JSON blob escapes the observation twice
    assert f"Cloud API): observed '{category}', judged by contract profile {contract}" in shown


def test_alpha_expectations_fail_against_smart_routing(run_suite: RunSuite, tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "smart_routing_target.py").write_text(SMART_ROUTING_ALPHA)
    env = {"PYTHONPATH": str(plugins)}
    alpha = run_suite("-p", "smart_routing_target", "--target", "smartrouting", env=env)
    assert alpha.failed() == {S1D, SCB_CLOUD}, alpha.output[-3000:]
    expected = (
        'every status webhook with pricing says the contract profile\'s category: alpha "marketing", ga '
        '"marketing_lite"'
    )
    message = "ConformanceError: expected pricing.category 'marketing' on every priced status, got ['marketing_lite'"
    for name, failure in failures(alpha.reports).items():
        assert expected in failure.step and failure.message.startswith(message), (name, failure)
    ga = run_suite(
        "-p", "smart_routing_target", "--target", "smartrouting", "--contract", "ga", env=env, reports=tmp_path / "ga"
    )
    assert ga.returncode == 0 and not ga.failed(), ga.output[-3000:]


def test_the_same_recorded_answers_pass_alpha_and_fail_ga_where_today_differs(run_suite: RunSuite) -> None:
    run = run_suite("--contract", "ga")  # the shipped cassettes were recorded in the guide's world
    assert run.failed() == {S1D, SCB_CLOUD}, run.output[-3000:]
    assert _record(run)["contract_profile"] == "ga"


def test_134100_fails_alpha_at_the_code_and_needs_its_own_text_in_ga(run_suite: RunSuite, tmp_path: Path) -> None:
    """The wrong_error_code fault answers 134100 with 131055's texts: alpha refuses the code, ga the text."""
    fault = ("--target", "emulator", "--emulator-fault", "wrong_error_code", "-k", "refuses_authentication")
    alpha = run_suite(*fault)
    ga = run_suite(*fault, "--contract", "ga", reports=tmp_path / "ga")
    assert alpha.failed() == ga.failed() == set(S3B), (alpha.output[-2000:], ga.output[-2000:])
    alpha_steps = {failure.step for failure in failures(alpha.reports).values()}
    ga_failures = set(failures(ga.reports).values())
    assert all("the contract profile's error code: alpha 131055" in step for step in alpha_steps)
    assert all("expected the error message to start with '(#134100) Only" in f.message for f in ga_failures)
    assert all(f.step.startswith("And the error message starts with the text of its code") for f in ga_failures)


def test_a_fallback_passes_ga_only_when_its_statuses_are_priced_as_the_cloud_apis(
    run_suite: RunSuite, tmp_path: Path
) -> None:
    """ga's emulator serves a number not onboarded through the Cloud API (A87); the not_onboarded_allowed fault has
    MM Lite serve it instead: both answer 200, only the pricing of the statuses tells them apart."""
    select = ("--target", "emulator", "--contract", "ga", "-k", "has_not_accepted_the_terms")
    fallback = run_suite(*select)
    assert fallback.passed() == {S3C} and not fallback.failed(), fallback.output[-3000:]
    evidence = json.loads((fallback.reports / "evidence" / "3_expected_errors" / f"{S3C}.json").read_text())
    observed = [o["observed"] for step in evidence["steps"] for o in step["observations"]]
    assert "a Cloud API fallback (HTTP 200), judged by contract profile ga" in observed
    served = run_suite(*select, "--emulator-fault", "not_onboarded_allowed", reports=tmp_path / "served")
    assert served.failed() == {S3C}, served.output[-3000:]
    (failure,) = failures(served.reports).values()
    assert failure.step.startswith("And a fallback is priced as the Cloud API prices a marketing template")
    assert failure.message.startswith(
        "ConformanceError: expected pricing.category 'marketing' on every priced status, got ['marketing_lite']"
    )


def test_a_bad_profile_is_one_configuration_error(run_suite: RunSuite) -> None:
    run = run_suite("--target", "emulator", "--contract", "beta")
    assert run.returncode == 4
    assert run.output.count("is not a contract profile") == 1
    assert "Traceback" not in run.output
