"""Every check proven able to fail: disabled one at a time, each makes at least one of the checks' unit tests fail."""

from __future__ import annotations

import enum
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from mmlite_conformance.suite.checks import Checker, ConformanceError
from mmlite_conformance.suite.platform.checks import PlatformChecks
from mmlite_conformance.suite.platform.journal import Window
from tests.unit.checks_kit import CHECK, Answer
from tests.unit.checks_mutants import CLASSES, NOT_CHECKS, UNCHECKED, check_names, mutants, plausible

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
#: the tests that must notice a disabled check: the checks' unit tests
KILLERS = sorted(
    str(path.relative_to(ROOT))
    for path in (ROOT / "tests" / "unit").glob("test_*.py")
    if path.name.startswith(("test_checks", "test_platform_checks", "test_platform_reactions"))
    and path.name != Path(__file__).name
)


@dataclass(slots=True, frozen=True)
class MutationRun:
    tests: list[str]
    baseline_failures: list[str]
    killed_by: dict[str, str | None]


@pytest.fixture(scope="module")
def mutation_run(tmp_path_factory: pytest.TempPathFactory) -> MutationRun:
    """The killers run once unmutated, then against each mutant, in one fresh interpreter (a few seconds)."""
    out = tmp_path_factory.mktemp("mutation") / "killed.json"
    plugin = ("-p", "tests.unit.checks_mutants", "-p", "no:cacheprovider", "-q", f"--mutate-checks={out}")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *plugin, *KILLERS],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    return MutationRun(**json.loads(out.read_text(encoding="utf-8")))


def test_the_killers_pass_unmutated(mutation_run: MutationRun) -> None:
    assert len(mutation_run.tests) > 150, KILLERS
    assert mutation_run.baseline_failures == []


@pytest.mark.parametrize("label", [m.label for m in mutants()])
def test_disabling_the_check_fails_a_test(mutation_run: MutationRun, label: str) -> None:
    assert mutation_run.killed_by[label], f"{label} disabled, and every test of {', '.join(KILLERS)} still passed"


def test_the_kill_rate_per_class_is_reported(
    mutation_run: MutationRun, record_property: Callable[[str, object], None], capsys: pytest.CaptureFixture[str]
) -> None:
    total = Counter(label.split(".")[0] for label in mutation_run.killed_by)
    killed = Counter(label.split(".")[0] for label, killer in mutation_run.killed_by.items() if killer)
    rates = {owner: f"{killed[owner]}/{total[owner]}" for owner in total}
    assert set(rates) == {owner.__name__ for owner in CLASSES}
    record_property("check_kill_rate", json.dumps(rates))
    survivors = sorted(label for label, killer in mutation_run.killed_by.items() if not killer)
    with capsys.disabled():
        print(f"\ncheck mutants killed: {rates}; surviving: {', '.join(survivors) or 'none'}")
    assert survivors == []


# --- the mutants themselves ------------------------------------------------------------------------------------


def test_every_public_method_is_a_mutant_or_named_as_not_a_check() -> None:
    public = {f"{c.__name__}.{n}" for c in CLASSES for n in vars(c) if not n.startswith("_") and callable(vars(c)[n])}
    assert {m.label for m in mutants()} | {f"Checker.{n}" for n in NOT_CHECKS} == public
    assert {"ok_status", "error_details", "differ_only_in_url", "path_ends_with"} <= set(check_names(Checker))


def test_every_stated_unchecked_form_names_a_method_that_exists() -> None:
    labels = {m.label for m in mutants()}
    assert set(UNCHECKED) <= labels, "a check with a stated unchecked form was renamed or removed"


def test_a_disabled_check_passes_what_it_should_refuse_and_is_restored_afterwards() -> None:
    by_label = {m.label: m for m in mutants()}
    refused = Answer(500, {"error": "x"})
    with by_label["Checker.ok_status"].applied():
        CHECK.ok_status(refused)  # does not raise
    with pytest.raises(ConformanceError):
        CHECK.ok_status(refused)
    with by_label["Checker.graph_error"].applied():  # its input, unchecked
        assert CHECK.graph_error(Answer(401, {"error": "Invalid api token."})) == {"error": "Invalid api token."}
    with by_label["Checker.pricing_category"].applied():  # the original's value, its failure swallowed
        assert CHECK.pricing_category([{"pricing": {"category": "marketing"}}], "marketing_lite") == 0
    with by_label["PlatformChecks.sent_something"].applied():
        assert PlatformChecks(lambda x: x, lambda s: s).sent_something(Window((), (), 1.0, "nothing"), "send") == ()


class _Kind(enum.StrEnum):
    FIRST = "first"
    SECOND = "second"


@pytest.mark.parametrize(
    ("annotation", "value"),
    [(str, ""), (int, 0), (list[str], []), (dict[str, int], {}), (_Kind | None, _Kind.FIRST), (bool, False)],
)
def test_a_swallowed_failure_returns_a_plausible_value_of_the_annotated_type(annotation: object, value: object) -> None:
    assert plausible(annotation) == value
