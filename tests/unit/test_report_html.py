"""The report's HTML: escaping only, the section registries, the setup block and the simulation banner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mmlite_conformance.suite import report
from mmlite_conformance.suite.evidence import Exchange, Observation, ScenarioEvidence, SchemaVerdict, StepEvidence
from mmlite_conformance.suite.report import html
from mmlite_conformance.suite.report.sections import STEP_SECTIONS, SUMMARY_SECTIONS, Summary

pytestmark = pytest.mark.unit


class _Placeholder:
    """Redacts one marker, so that a test can tell whether the renderer redacts again (it must not)."""

    def learn(self, obj: Any, /) -> None:
        pass

    def redact_text(self, text: str, /) -> str:
        return text.replace("SECRET", "<KEY>")

    def redact_json(self, obj: Any, /) -> Any:
        return json.loads(self.redact_text(json.dumps(obj))) if obj is not None else None

    def redact_headers(self, headers: Any, /) -> dict[str, str]:
        return {k: self.redact_text(v) for k, v in dict(headers).items()}


def _exchange(**overrides: Any) -> Exchange:
    fields: dict[str, Any] = {
        "label": "send <b>",
        "method": "POST",
        "url": "https://h/messages?k=SECRET",
        "request_headers": {"D360-API-KEY": "SECRET"},
        "request_body": {"text": "a & b"},
        "status": 200,
        "response_headers": {},
        "response_body": '{"ok": true}',
        "elapsed_ms": 12.34,
    }
    return Exchange.capture(_Placeholder(), **(fields | overrides))


def _evidence() -> ScenarioEvidence:
    evidence = ScenarioEvidence(requirement_ids=("S1a", "P1"), feature="F <x>", scenario="S & T", description="D")
    step = evidence.begin_step("When", "the partner sends <it>")
    step.status = "passed"
    evidence.add_exchange(_exchange())
    evidence.add_verdict(SchemaVerdict("send-response", "id", False, ("$.x: <bad>",)))
    evidence.add_observation(Observation("topic", "observed <v>", "contract", "source"))
    evidence.add_webhook({"statuses": [{"status": "read"}]})
    evidence.add_note("note <n>")
    evidence.begin_step("Then", "never")
    return evidence


def test_values_are_escaped_and_never_redacted_again() -> None:
    block = report.render_scenario_html(_evidence())
    assert "<D360" not in block and "&lt;KEY&gt;" in block  # the capture's placeholder, escaped
    for text in ("F &lt;x&gt;", "S &amp; T", "the partner sends &lt;it&gt;", "send &lt;b&gt;", "$.x: &lt;bad&gt;"):
        assert text in block, text
    assert "observed &lt;v&gt;" in block and "note &lt;n&gt;" in block
    assert "&quot;a &amp; b&quot;" in block  # bodies pretty-printed as JSON, then escaped
    assert "12.3 ms" in block and "○ not run</span><b>Then</b> never" in block


def test_html_module_calls_no_redactor() -> None:
    package = Path(html.__file__ or "").parent
    for name in ("html.py", "sections.py"):
        assert "redact_" not in (package / name).read_text(encoding="utf-8"), name


def test_each_step_section_is_registered_in_order() -> None:
    assert list(STEP_SECTIONS) == ["docstring", "exchanges", "schema verdicts", "observations", "webhooks", "notes"]
    assert list(SUMMARY_SECTIONS) == ["run header", "simulation banner", "run warnings", "requirements"]


@pytest.fixture
def extra_section() -> Iterator[None]:
    @report.step_section("word count")
    def _count(step: StepEvidence) -> str:
        return f"<p class='words'>{len(step.text.split())} words</p>"

    yield
    del STEP_SECTIONS["word count"]


def test_a_new_step_section_is_one_function_and_its_registration(extra_section: None) -> None:
    block = report.render_scenario_html(_evidence())
    assert "<p class='words'>4 words</p>" in block  # "the partner sends <it>"
    assert "<p class='words'>1 words</p>" in block


def test_the_setup_block_appears_only_when_fixtures_recorded_something() -> None:
    evidence = _evidence()
    assert "<b>Setup</b>" not in report.render_scenario_html(evidence)
    assert "setup" not in report.evidence_as_dict(evidence)
    fresh = ScenarioEvidence(requirement_ids=(), feature="F", scenario="S")
    fresh.add_note("webhook URL set by a fixture")  # no step began yet: the setup record
    block = report.render_scenario_html(fresh)
    assert "<b>Setup</b>" in block and "webhook URL set by a fixture" in block
    assert report.evidence_as_dict(fresh)["setup"]["notes"] == ["webhook URL set by a fixture"]
    assert report.evidence_as_dict(fresh)["steps"] == []


def _outcome(scenario: str, ids: tuple[str, ...], outcome: str, *, simulated: bool = False) -> report.ScenarioOutcome:
    return report.ScenarioOutcome("F", scenario, ids, outcome=outcome, observations=1, simulated=simulated)


def test_the_banner_counts_simulated_scenarios_in_the_targets_words() -> None:
    info = report.RunInfo(target="replay", simulation_banner="Cassettes recorded from the embedded emulator")
    outcomes = [_outcome("a", ("S1a",), "passed", simulated=True), _outcome("b", ("S1b",), "passed")]
    header = report.render_run_header(Summary(info, outcomes))
    assert (
        "<b>Cassettes recorded from the embedded emulator, not 360dialog's sandbox</b> (1 scenario(s)): this run "
        "shows the suite's behaviour, not the platform's." in header
    )
    assert header.startswith("<style>") and "<div class='mml-run'><h3>Run</h3>" in header
    assert "class='mml-banner'" not in report.render_run_header(Summary(info, outcomes[1:]))  # nothing simulated
    live = report.RunInfo(target="live", simulation_banner="")
    assert "class='mml-banner'" not in report.render_run_header(Summary(live, outcomes))


def test_the_requirements_table_sorts_naturally_and_takes_the_worst_verdict() -> None:
    outcomes = [
        _outcome("x", ("S10a",), "passed"),
        _outcome("y", ("S2a", "P1"), "failed"),
        _outcome("z", ("S2a",), "passed"),
        _outcome("w", (), "skipped"),
    ]
    table = report.render_requirements_table(Summary(report.RunInfo(), outcomes))
    rows = [row.split("'", 1)[0] for row in table.split("data-requirement='")[1:]]
    assert rows == ["P1", "S2a", "S10a", "(no requirement id)"]
    assert "<td class='mml-outcome-failed'>failed</td>" in table.split("data-requirement='S2a'")[1].split("</tr>")[0]


def test_requirement_tags_admit_platform_ids_and_fullmatch() -> None:
    tags = {"@P1a", "S2b", "S2b-extra", "PX", "p1", "Sx", "smoke"}
    assert report.requirement_ids_from_tags(tags) == ("P1a", "PX", "S2b")


def test_the_style_is_a_resource_file() -> None:
    assert html.style().startswith(".mml-scenario{")
    assert report.render_scenario_html(_evidence(), with_style=True).count("<style>") == 1


def test_run_warnings_are_listed_in_the_run_header_only_when_there_are_some() -> None:
    from mmlite_conformance.suite.report import RunInfo, Summary, render_run_header

    assert "Warnings" not in render_run_header(Summary(RunInfo(target="platform")))
    late = ["POST /messages for the earlier action came late"]
    header = render_run_header(Summary(RunInfo(target="platform", warnings=late)))
    assert "Warnings (1)" in header and "came late" in header
