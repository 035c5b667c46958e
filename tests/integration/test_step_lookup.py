"""The faster step lookup answers what pytest-bdd's own answers, step by step, overrides by module included."""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mmlite_conformance.suite import step_lookup

pytestmark = pytest.mark.integration
pytest_plugins = ["pytester"]

FEATURE = """\
Feature: Lookups
  Scenario: a step defined once
    Given a value
    Then the value came from {origin}

  Scenario: a parsed step
    Given a value
    When it is suffixed with "{suffix}"
    Then the value came from {origin}{suffix}
"""

#: installs the lookup under test over pytest-bdd's and compares every answer with the original one's
CONFTEST = """\
import importlib, json, os
from pytest_bdd import given, when, parsers

import lookup_under_test

bdd_scenario = importlib.import_module("pytest_bdd.scenario")
ORIGINAL = bdd_scenario.find_fixturedefs_for_step
lookup_under_test.install(bdd_scenario)
UNDER_TEST = bdd_scenario.find_fixturedefs_for_step
COMPARED = {"lookups": 0, "different": 0}


def compared(step, fixturemanager, node):
    answer = list(UNDER_TEST(step=step, fixturemanager=fixturemanager, node=node))
    expected = list(ORIGINAL(step=step, fixturemanager=fixturemanager, node=node))
    COMPARED["lookups"] += 1
    COMPARED["different"] += answer != expected
    return iter(answer)


bdd_scenario.find_fixturedefs_for_step = compared


def pytest_unconfigure(config):
    with open(os.environ["LOOKUP_LOG"], "w") as log:
        json.dump(COMPARED, log)


@given("a value", target_fixture="value")
def _():
    return "conftest"


@when(parsers.parse('it is suffixed with "{suffix}"'), target_fixture="value")
def _(value, suffix):
    return value + suffix
"""

TEST_MODULE = """\
from pytest_bdd import given, then, parsers, scenarios

scenarios("{feature}")
{override}

@then(parsers.parse("the value came from {{origin}}"))
def _(value, origin):
    assert value == origin
"""

MODULE_OVERRIDE = """
@given("a value", target_fixture="value")
def _():
    return "module"
"""

#: the lookup this module proves: the suite's own
FASTER = """\
from mmlite_conformance.suite import step_lookup


def install(bdd_scenario):
    assert step_lookup.install()
"""

#: a deliberately wrong lookup: one cache for every module, so a module's own definition is missed or leaks out
TEXT_ONLY_CACHE = """\
import itertools

CACHE = {}


def install(bdd_scenario):
    original = bdd_scenario.find_fixturedefs_for_step

    def find(step, fixturemanager, node):
        key = (step.type, step.name)
        if key not in CACHE:
            CACHE[key] = list(original(step=step, fixturemanager=fixturemanager, node=node))
        return iter(CACHE[key])

    bdd_scenario.find_fixturedefs_for_step = find
"""


def _project(pytester: pytest.Pytester, lookup: str) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(lookup_under_test=lookup)
    for name, origin, override in (("test_a", "module", MODULE_OVERRIDE), ("test_b", "conftest", "")):
        (pytester.path / f"{name}.feature").write_text(FEATURE.format(origin=origin, suffix="!"))
        pytester.makepyfile(**{name: TEST_MODULE.format(feature=f"{name}.feature", override=override)})


def _run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, lookup: str
) -> tuple[pytest.RunResult, dict[str, int]]:
    _project(pytester, lookup)
    log = pytester.path / "lookups.json"
    monkeypatch.setenv("LOOKUP_LOG", str(log))
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2]))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    return result, json.loads(log.read_text())


def test_the_faster_lookup_answers_as_pytest_bdd_does_module_overrides_included(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, compared = _run(pytester, monkeypatch, FASTER)
    result.assert_outcomes(passed=4)
    assert compared == {"lookups": 10, "different": 0}


def test_the_comparison_catches_a_lookup_that_ignores_where_the_test_is(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    result, compared = _run(pytester, monkeypatch, TEXT_ONLY_CACHE)
    assert compared["lookups"] == 10
    assert compared["different"] >= 2  # "a value" in the second module, in both of its scenarios
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 2, textwrap.shorten(result.stdout.str(), 500)


def test_install_is_idempotent_and_keeps_pytest_bdds_name() -> None:
    bdd_scenario: Any = importlib.import_module("pytest_bdd.scenario")
    before = bdd_scenario.find_fixturedefs_for_step
    try:
        assert step_lookup.install() and step_lookup.install()
        installed = bdd_scenario.find_fixturedefs_for_step
        assert installed.__name__ == "find_fixturedefs_for_step"
        assert step_lookup.install() and bdd_scenario.find_fixturedefs_for_step is installed
    finally:
        bdd_scenario.find_fixturedefs_for_step = before


class _Unhashable:
    __hash__ = None  # type: ignore[assignment]

    def __call__(self, value: int, *, scale: float = 1.0) -> float:
        return value * scale


def test_step_signatures_are_read_once_and_answer_as_inspect_does() -> None:
    bdd_scenario: Any = importlib.import_module("pytest_bdd.scenario")
    bdd_utils: Any = importlib.import_module("pytest_bdd.utils")
    before = (bdd_scenario.find_fixturedefs_for_step, bdd_scenario.signature, bdd_utils.signature)
    try:
        assert step_lookup.install()
        assert bdd_scenario.signature is bdd_utils.signature is step_lookup.remembered_signature

        def step(request: object, value: int = 3, *args: object, flag: bool, **kwargs: object) -> None: ...

        for function in (step, _run, _Unhashable(), len, functools.partial(step, value=1)):
            assert step_lookup.remembered_signature(function) == inspect.signature(function)
        assert step_lookup.remembered_signature(step) is step_lookup.remembered_signature(step)
        assert bdd_utils.get_required_args(step) == ["request"]
    finally:
        bdd_scenario.find_fixturedefs_for_step, bdd_scenario.signature, bdd_utils.signature = before
