"""run.json's requirements: each requirement's worst verdict, its observations, its scenarios' verdicts."""

from __future__ import annotations

import pytest

from mmlite_conformance.suite.report.ledger import ScenarioOutcome
from mmlite_conformance.suite.report.record import requirements

pytestmark = pytest.mark.unit


def test_each_requirement_gets_its_worst_verdict_and_its_observations() -> None:
    scenarios = [
        ScenarioOutcome("f", "a", ("S2a",), outcome="passed", notes=("observed 200",)),
        ScenarioOutcome("f", "b", ("S2a", "S10"), outcome="failed"),
        ScenarioOutcome("f", "c", ("P3d",), outcome="attested"),
        ScenarioOutcome("f", "d", ("P2g",), outcome="skipped: not supported"),
        ScenarioOutcome("f", "e", ()),
    ]
    table = requirements(scenarios)
    assert list(table) == ["P2g", "P3d", "S2a", "S10", "(no requirement id)"]
    assert table["S2a"]["verdict"] == "failed"
    assert table["S2a"]["observations"] == ["observed 200"]
    assert [s["verdict"] for s in table["S2a"]["scenarios"]] == ["passed", "failed"]
    assert (table["P3d"]["verdict"], table["P2g"]["verdict"]) == ("attested", "skipped: not supported")
    assert table["(no requirement id)"]["verdict"] == "not run"
