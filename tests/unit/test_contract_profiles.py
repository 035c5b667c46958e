"""The contract profile: read with the other settings, each target's default, the URL it implies, the choices."""

from __future__ import annotations

from typing import Any

import pytest

from mmlite_conformance.contract import ALPHA_MM_LITE_URL
from mmlite_conformance.suite.checks import ConformanceError
from mmlite_conformance.suite.config import (
    GA_MM_LITE_URL,
    code_texts,
    contract_choice,
)
from mmlite_conformance.suite.conformance import Conformance
from mmlite_conformance.suite.targets import create_target
from tests.unit.conformance_kit import judging
from tests.unit.test_config import LIVE_ENV, load, problems_of

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("target", "expected"), [("replay", "alpha"), ("emulator", "alpha"), ("live", "ga")])
def test_each_target_has_its_default_profile(target: str, expected: str) -> None:
    environ = {**LIVE_ENV, "MMLITE_TARGET": target}
    settings = load({}, environ)
    assert (settings.contract, create_target(settings).contract_profile) == (expected, expected)


def test_option_and_environment_choose_the_profile_option_first() -> None:
    assert load({"target": "emulator"}, {"MMLITE_CONTRACT": "ga"}).contract == "ga"
    assert load({"target": "emulator", "contract": "alpha"}, {"MMLITE_CONTRACT": "ga"}).contract == "alpha"
    assert load({}, {**LIVE_ENV, "MMLITE_CONTRACT": " Alpha "}).contract == "alpha"


def test_the_default_mm_lite_url_of_a_live_run_follows_the_profile() -> None:
    assert load({}, LIVE_ENV).mm_lite_url == GA_MM_LITE_URL == "https://waba-v2.360dialog.io/marketing_messages"
    assert load({"contract": "alpha"}, LIVE_ENV).mm_lite_url == ALPHA_MM_LITE_URL
    given = {**LIVE_ENV, "MMLITE_MM_LITE_URL": "https://mm.example.org/x"}
    assert load({}, given).mm_lite_url == "https://mm.example.org/x"


def test_replay_keeps_the_alpha_url_of_its_cassettes_in_either_profile() -> None:
    assert load({"contract": "ga"}, {}).mm_lite_url == ALPHA_MM_LITE_URL


def test_a_bad_profile_is_one_clear_problem_listed_with_the_others() -> None:
    problems = problems_of({"target": "emulator", "contract": "beta"}, {"MMLITE_WEBHOOK_TIMEOUT": "x"})
    assert len(problems) == 2
    assert problems[1].startswith("--contract='beta' is not a contract profile; choose one of: alpha (")
    assert problems_of({}, {"MMLITE_CONTRACT": "GA2"})[0].startswith("MMLITE_CONTRACT='GA2' is not a contract")


def test_the_platform_target_judges_its_own_requirements() -> None:
    environ = {"MMLITE_PLATFORM_URL": "http://127.0.0.1:9/driver"}
    assert load({"target": "platform"}, {**environ, "MMLITE_CONTRACT": "ga"}).contract == "platform"
    problems = problems_of({"target": "platform", "contract": "ga"}, environ)
    assert problems == ("--contract does not apply to the platform target, which judges its own requirements.",)


def test_a_contract_choice_names_every_profile() -> None:
    choice = contract_choice('alpha "marketing", ga "marketing_lite" or "marketing"')
    assert (choice.accepted("alpha"), choice.accepted("ga")) == (("marketing",), ("marketing_lite", "marketing"))
    assert choice.described() == "alpha 'marketing'; ga 'marketing_lite' or 'marketing'"
    assert contract_choice("alpha a refusal, ga a refusal or a Cloud API fallback").accepted("ga") == (
        "a refusal",
        "a Cloud API fallback",
    )


@pytest.mark.parametrize("bad", ["alpha 1", "ga 1, alpha 2, ga 3", "alpha 1, beta 2", "x alpha 1, ga 2", ""])
def test_a_malformed_contract_choice_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a contract choice"):
        contract_choice(bad)


def test_code_texts() -> None:
    assert code_texts('131055 "(#131055) Method", 134100 "(#134100) Only"') == {
        131055: "(#131055) Method",
        134100: "(#134100) Only",
    }
    with pytest.raises(ValueError, match="not a list of codes"):
        code_texts('131055 "a" and more')


@pytest.fixture
def conformance() -> Conformance:
    return judging("S3b", "the refusal", "the answer is judged")


class _Response:
    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body, self.ok = status, body, 200 <= status < 300


def _refusal(code: int, message: str) -> _Response:
    return _Response(400, {"detail": {"error": {"code": code, "message": message}}})


def test_the_error_code_of_the_profile(conformance: Conformance) -> None:
    ga = contract_choice("alpha 131055, ga 134100 or 131055")
    v23 = _refusal(134100, "(#134100) Only marketing messages supported")
    conformance.error_code_of_profile(v23, ga.accepted("ga"), "ga", ga.described())
    with pytest.raises(ConformanceError, match=r"expected error code 131055, got 134100 \(contract profile alpha"):
        conformance.error_code_of_profile(v23, ga.accepted("alpha"), "alpha", ga.described())
    observed = [o.summary() for o in conformance.evidence.observations]
    assert observed[0].startswith("error code (")
    assert "observed 134100, judged by contract profile ga" in observed[0]
    assert "documented per profile: alpha '131055'; ga '134100' or '131055'" in observed[0]


def test_the_text_follows_the_code_that_came_back(conformance: Conformance) -> None:
    texts = {131055: "(#131055) Method not allowed", 134100: "(#134100) Only marketing messages supported"}
    conformance.error_text_of_code(
        _refusal(134100, "(#134100) Only marketing messages supported"), texts, details=False
    )
    with pytest.raises(ConformanceError, match=r"expected the error message to start with '\(#134100\) Only"):
        conformance.error_text_of_code(_refusal(134100, "(#131055) Method not allowed"), texts, details=False)
    with pytest.raises(ConformanceError, match="no text is documented for error code 131008"):
        conformance.error_text_of_code(_refusal(131008, "(#131008) x"), texts, details=False)


def test_the_answer_of_the_profile(conformance: Conformance) -> None:
    choice = contract_choice("alpha a refusal, ga a refusal or a Cloud API fallback")
    served = _Response(200, {"messaging_product": "whatsapp", "contacts": [{}], "messages": [{"id": "wamid.X"}]})
    assert conformance.answer_of_profile(served, choice.accepted("ga"), "ga", choice.described()) == (
        "a Cloud API fallback"
    )
    with pytest.raises(ConformanceError, match=r"expected a refusal, got a Cloud API fallback \(HTTP 200"):
        conformance.answer_of_profile(served, choice.accepted("alpha"), "alpha", choice.described())
    refused = _refusal(131055, "(#200) You must accept")
    assert conformance.answer_of_profile(refused, choice.accepted("alpha"), "alpha", choice.described()) == "a refusal"
    with pytest.raises(ConformanceError, match=r"expected a refusal, got HTTP 500"):
        conformance.answer_of_profile(_Response(500, {}), choice.accepted("alpha"), "alpha", choice.described())


def test_the_pricing_category_of_the_profile(conformance: Conformance) -> None:
    choice = contract_choice('alpha "marketing", ga "marketing_lite"')
    statuses: list[dict[str, Any]] = [{"status": "sent", "pricing": {"category": "marketing_lite"}}, {"status": "read"}]
    conformance.pricing_category_of_profile(statuses, choice.accepted("ga"), "ga", choice.described())
    with pytest.raises(ConformanceError, match=r"expected pricing.category 'marketing' on every priced status, got"):
        conformance.pricing_category_of_profile(statuses, choice.accepted("alpha"), "alpha", choice.described())
