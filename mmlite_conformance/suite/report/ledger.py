"""What the run learned per report and per scenario: kept beside pytest's reports, never written onto them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

import pytest


@dataclass(slots=True)
class ScenarioOutcome:
    """One row of the requirements table's input: a scenario and how it ended."""

    feature: str
    scenario: str
    requirement_ids: tuple[str, ...]
    outcome: str = "not run"
    observations: int = 0
    simulated: bool = False
    #: each observation's one-line summary (redacted when captured), for run.json
    notes: tuple[str, ...] = ()


@dataclass(slots=True)
class ReportFacts:
    """What the evidence said when one report was made (read again when pytest logs it)."""

    ledger: RunLedger
    requirement_ids: tuple[str, ...]
    feature: str
    scenario: str
    observations: int
    simulated: bool
    attested: bool = False
    notes: tuple[str, ...] = ()
    #: (feature uri, each step with its Cucumber status), once the scenario's steps are final
    cucumber: tuple[str, list[dict[str, Any]]] | None = None


@dataclass(slots=True)
class RunLedger:
    """The run's scenarios (for the requirements table) and their Cucumber steps (for the status repair)."""

    scenarios: dict[str, ScenarioOutcome] = field(default_factory=dict)
    #: (feature uri, test name) -> each step with its Cucumber status
    cucumber: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    #: requirement id -> the guide step's words (its Rule's title in the feature file), redacted
    words: dict[str, str] = field(default_factory=dict)

    def simulated(self) -> int:
        return sum(1 for outcome in self.scenarios.values() if outcome.simulated)


LEDGER = pytest.StashKey[RunLedger]()
#: report -> its facts; module-wide because `pytest_runtest_logreport` and pytest-html's row hook get no config
_FACTS: WeakKeyDictionary[pytest.TestReport, ReportFacts] = WeakKeyDictionary()


def ledger(config: pytest.Config) -> RunLedger:
    found = config.stash.get(LEDGER, None)
    if found is None:
        found = config.stash[LEDGER] = RunLedger()
    return found


def remember(report: pytest.TestReport, facts: ReportFacts) -> None:
    _FACTS[report] = facts


def facts_of(report: pytest.TestReport) -> ReportFacts | None:
    return _FACTS.get(report)


#: the classes of a skip (../shared/design.md, "Verdicts"), by the start of its reason
SKIP_CLASSES = ("not applicable", "not supported", "needs", "environment")


def skip_verdict(report: pytest.TestReport) -> str:
    """`skipped: <class>` from the skip's reason ("not applicable: ...", "needs a person ..."), or `skipped`."""
    longrepr = report.longrepr
    reason = str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr or "")
    reason = reason.removeprefix("Skipped: ").strip()
    kind = next((k for k in SKIP_CLASSES if reason.startswith(k)), None)
    return f"skipped: {kind}" if kind else "skipped"


def verdict(report: pytest.TestReport, attested: bool) -> str:
    """One report's verdict in the suite's set: passed, attested, failed, error, skipped: <class>."""
    if report.skipped and not hasattr(report, "wasxfail"):
        return skip_verdict(report)
    if report.failed:
        return "failed" if report.when == "call" else "error"
    return "attested" if attested else "passed"


def _merge_outcome(current: str, report: pytest.TestReport, attested: bool) -> str:
    if report.when == "setup":
        return verdict(report, attested) if not report.passed else current
    if report.when == "call":
        if hasattr(report, "wasxfail"):
            return "xfailed" if report.skipped else "passed"
        return verdict(report, attested)
    if report.failed and current in {"passed", "not run"}:
        return "error"
    return current


def tally(report: pytest.TestReport) -> None:
    """Fold a logged report into its scenario's outcome and keep its Cucumber steps."""
    facts = _FACTS.get(report)
    if facts is None:
        return
    outcome = facts.ledger.scenarios.get(report.nodeid)
    if outcome is None:
        outcome = facts.ledger.scenarios[report.nodeid] = ScenarioOutcome(
            feature=facts.feature, scenario=facts.scenario or report.nodeid, requirement_ids=facts.requirement_ids
        )
    outcome.requirement_ids = facts.requirement_ids or outcome.requirement_ids
    outcome.observations = max(outcome.observations, facts.observations)
    outcome.notes = facts.notes or outcome.notes
    outcome.outcome = _merge_outcome(outcome.outcome, report, facts.attested)
    outcome.simulated = outcome.simulated or facts.simulated
    if facts.cucumber:
        uri, steps = facts.cucumber
        facts.ledger.cucumber[(uri, report.nodeid.split("::")[-1])] = steps
