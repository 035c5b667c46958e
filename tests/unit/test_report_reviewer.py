"""What a certification reviewer reads: the guide's words, outline instances, docstrings, the run header, files."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pytest_metadata.plugin import metadata_key  # type: ignore[import-untyped]

from mmlite_conformance.suite import report
from mmlite_conformance.suite.evidence import ScenarioEvidence, StepEvidence
from mmlite_conformance.suite.recording.provenance import comparable_tape, make_provenance
from mmlite_conformance.suite.report import attach, collect, metadata, terminal
from mmlite_conformance.suite.report.cucumber import cucumber_steps, fix_cucumber_statuses
from mmlite_conformance.suite.report.data import evidence_as_dict
from mmlite_conformance.suite.report.files import write_atomically
from mmlite_conformance.suite.report.guide import guide_words, instance_name, requirement_words
from tests.fake_redactor import ReplacingRedactor

pytestmark = pytest.mark.unit

PHONE = "5521987654321"
RED = ReplacingRedactor({PHONE: "5500000000001"})


@pytest.mark.parametrize(
    ("title", "words"),
    [
        ("a. The webhook listener receives every notification", "The webhook listener receives every notification"),
        ("b./c. A user writes first", "A user writes first"),
        ("P1a. Templates are routed by their category", "Templates are routed by their category"),
        ("A rule without an enumerator", "A rule without an enumerator"),
    ],
)
def test_a_rule_title_gives_the_guide_words_without_its_enumerator(title: str, words: str) -> None:
    assert guide_words(title) == words


def test_a_requirement_takes_its_rules_words_else_its_scenarios_name() -> None:
    in_rule = SimpleNamespace(name="A TTL of 0", rule=SimpleNamespace(name="b. A TTL between 12 hours and 30 days"))
    alone = SimpleNamespace(name="A marketing template is sent through MM Lite", rule=None)
    assert requirement_words(in_rule) == "A TTL between 12 hours and 30 days"
    assert requirement_words(alone) == "A marketing template is sent through MM Lite"


def test_an_outline_instance_is_named_by_the_example_values_its_name_does_not_show() -> None:
    refused = "A TTL outside the marketing range is refused"
    assert instance_name(refused, {"ttl": "43199"}, refused) == f"{refused} — ttl=43199"
    named = instance_name("A utility template goes to /messages", {"category": "utility", "code": "1"}, "A <category>")
    assert named == "A utility template goes to /messages — code=1"
    assert instance_name("A <category> x", {"category": "utility"}, "A <category> x") == "A <category> x"


def _evidence(docstring: str) -> ScenarioEvidence:
    evidence = ScenarioEvidence(requirement_ids=("S2a",), feature="f", scenario="s")
    evidence.steps.append(StepEvidence(keyword="Given", text="the message body:", status="passed", docstring=docstring))
    evidence.steps.append(StepEvidence(keyword="Then", text="it is sent", status="passed"))
    return evidence


def test_a_docstring_enters_the_evidence_redacted() -> None:
    step = SimpleNamespace(docstring=f'{{"to": "{PHONE}"}}')
    assert collect._docstring(step, RED) == '{"to": "5500000000001"}'
    assert collect._docstring(SimpleNamespace(docstring=None), RED) == ""


def test_a_docstring_is_shown_escaped_under_its_step_and_only_there() -> None:
    page = report.render_scenario_html(_evidence('{"to": "<TEST_RECIPIENT>"}'))
    assert "<pre class='mml-docstring'>{&quot;to&quot;: &quot;&lt;TEST_RECIPIENT&gt;&quot;}</pre>" in page
    assert page.count("mml-docstring") == 1
    assert evidence_as_dict(_evidence("body"))["steps"][0]["docstring"] == "body"


def test_a_docstring_reaches_cucumber_as_doc_string(tmp_path: Path) -> None:
    evidence = _evidence('{"type": "template"}')
    planned = [collect.PlannedStep("Given", "the message body:", 12), collect.PlannedStep("Then", "it is sent", 25)]
    rows = cucumber_steps(evidence, planned)
    assert rows[0]["doc_string"] == {"value": '{"type": "template"}', "line": 13}
    assert "doc_string" not in rows[1]
    path = tmp_path / "cucumber.json"
    steps = [{"keyword": "Given", "name": "the message body:", "result": {"status": "passed"}}]
    steps.append({"keyword": "Then", "name": "it is sent", "result": {"status": "passed"}})
    path.write_text(json.dumps([{"uri": "f.feature", "elements": [{"id": "test_s", "steps": steps}]}]))
    assert fix_cucumber_statuses(path, {("f.feature", "test_s"): rows})
    written = json.loads(path.read_text())[0]["elements"][0]["steps"]
    assert written[0]["doc_string"]["value"] == '{"type": "template"}'
    assert "doc_string" not in written[1]


@pytest.fixture
def umask_027() -> Iterator[None]:
    previous = os.umask(0o027)
    yield
    os.umask(previous)


def test_a_rewritten_report_gets_the_mode_an_ordinary_write_gets(tmp_path: Path, umask_027: None) -> None:
    ordinary, rewritten = tmp_path / "run.json", tmp_path / "cucumber.json"
    ordinary.write_text("{}")
    write_atomically(rewritten, "[]")
    assert stat.S_IMODE(rewritten.stat().st_mode) == stat.S_IMODE(ordinary.stat().st_mode) == 0o640


def _config_with(found: dict[str, Any]) -> Any:
    stash = pytest.Stash()
    stash[metadata_key] = found
    return SimpleNamespace(stash=stash)


def test_the_environment_is_trimmed_into_the_run_header() -> None:
    found = {
        "Python": "3.11.7",
        "Platform": "Linux",
        "Packages": {"pytest": "9.2.0", "pluggy": "1.6.0"},
        "Plugins": {"bdd": "9.0.1", "html": "4.2.0", "hypothesis": "6.0"},
        "MM Lite target": "replay",
        "JOB_NAME": "conformance",
    }
    rows = metadata.environment_rows(_config_with(found))
    assert rows == [
        ("Python", "3.11.7"),
        ("Platform", "Linux"),
        ("JOB_NAME", "conformance"),
        ("Versions", "pytest 9.2.0, pytest-bdd 9.0.1, pytest-html 4.2.0"),
    ]
    header = report.render_run_header(report.Summary(report.RunInfo(target="replay"), environment=rows))
    assert "<tr class='mml-env'><td><b>JOB_NAME</b></td><td>conformance</td></tr>" in header
    assert header.count("replay") == 1  # the target once, not again as "MM Lite target"


def test_pytest_htmls_own_environment_table_is_left_empty() -> None:
    data: dict[str, Any] = {"environment": {"Python": "3.11.7"}}
    metadata.empty_html_environment(SimpleNamespace(set_data=data.__setitem__))
    assert data["environment"] == {}


def test_an_empty_log_box_is_dropped_and_a_real_log_kept() -> None:
    empty, real = [attach.NO_LOG], ["E   AssertionError: 400 != 200\n"]
    attach.drop_empty_log(empty)
    attach.drop_empty_log(real)
    assert (empty, real) == ([], ["E   AssertionError: 400 != 200\n"])


def test_the_requirements_table_shows_the_guide_words_beside_each_id() -> None:
    outcomes = [report.ScenarioOutcome("f", "a", ("S2b",), outcome="passed")]
    outcomes.append(report.ScenarioOutcome("f", "b", ("S9z",), outcome="passed"))
    words = {"S2b": "A marketing message may carry a time-to-live"}
    table = report.render_requirements_table(report.Summary(report.RunInfo(), outcomes, words))
    assert "<b>S2b</b><div class='mml-words'>A marketing message may carry a time-to-live</div>" in table
    assert "<b>S9z</b></td>" in table  # no words known: no empty box


def test_the_terminal_summary_names_target_profile_urls_verdicts_and_files() -> None:
    info = report.RunInfo(
        target="emulator", contract_profile="alpha", run_id="r1", cloud_base_url="http://127.0.0.1:1", mm_lite_url=""
    )
    verdicts = {"S1a": "passed", "S1b": "skipped: needs", "S2a": "passed", "S3c": "failed"}
    lines = terminal.summary_lines(info, verdicts, ["reports/report.html", "reports/run.json"])
    assert lines == [
        "target: emulator · contract profile: alpha · run id: r1",
        "Cloud API base URL: http://127.0.0.1:1 · MM Lite URL: —",
        "requirements passed (2): S1a S2a",
        "requirements skipped: needs (1): S1b",
        "requirements failed (1): S3c",
        "written: reports/report.html",
        "written: reports/run.json",
    ]
    assert terminal.summary_lines(info, {}, [])[2] == "requirements: none ran"


def test_provenance_names_the_real_day_faults_and_profile_only_when_there_are_some() -> None:
    base: dict[str, Any] = {
        "target": "emulator",
        "note": "n",
        "recorded_at": date(2026, 1, 1),
        "scenario": "s",
        "requirement_ids": ("S2a",),
        "emulator_seed": 7,
    }
    plain = make_provenance(**base)
    assert not {"recorded_on", "emulator_faults", "emulator_profile"} & set(plain)  # the shipped tapes' bytes
    full = make_provenance(
        **base, recorded_on=date(2026, 12, 7), emulator_faults=("slow", "drop"), emulator_profile="realistic"
    )
    assert (full["recorded_at"], full["recorded_on"]) == ("2026-01-01", "2026-12-07")
    assert (full["emulator_faults"], full["emulator_profile"]) == (["drop", "slow"], "realistic")


def test_recordings_compare_equal_whatever_day_they_were_made_and_unequal_otherwise() -> None:
    def tape(**provenance: str) -> str:
        return json.dumps({"provenance": {"recorded_at": "2026-01-01"} | provenance, "events": []})

    assert comparable_tape(tape(recorded_on="2026-12-07")) == comparable_tape(tape(recorded_on="2027-01-02"))
    assert comparable_tape(tape(recorded_on="2026-12-07")) != comparable_tape(tape(recorded_at="2026-01-02"))
