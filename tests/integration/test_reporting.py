"""Reporting: a sample pytest-bdd project run in a subprocess leaks no secret and carries the evidence."""

from __future__ import annotations

import base64
import html
import json
import os
import re
import stat
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mmlite_conformance.suite import report
from mmlite_conformance.suite.evidence import Exchange, Observation, ScenarioEvidence, SchemaVerdict
from tests.fake_redactor import ReplacingRedactor

pytestmark = pytest.mark.integration

CANARY_KEY = "CANARY-KEY-7f3a9c"
CANARY_PHONE = "5521987654321"
ENV_SECRET = "CANARY-ENV-0b1d2e"  # only in the environment: the redactor does not know it
LEAKS = (CANARY_KEY, CANARY_PHONE, ENV_SECRET)
CANARY_REDACTOR = ReplacingRedactor({CANARY_KEY: "<D360-API-KEY>", CANARY_PHONE: "5500000000001"})

FAKE_REDACTOR = f'''
from typing import Any


class FakeRedactor:
    """Stands in for redaction.Redactor: key -> placeholder, the one phone -> a pseudonym; idempotent."""

    def learn(self, obj: Any) -> None:
        pass

    def redact_headers(self, headers: Any) -> dict[str, str]:
        return {{k: self.redact_text(v) for k, v in dict(headers).items()}}

    def redact_text(self, text: str) -> str:
        text = text.replace("{CANARY_KEY}", "<D360-API-KEY>")
        return text.replace("+{CANARY_PHONE}", "+5500000000001").replace("{CANARY_PHONE}", "5500000000001")

    def redact_json(self, obj: Any) -> Any:
        if isinstance(obj, dict):
            return {{self.redact_text(str(k)): self.redact_json(v) for k, v in obj.items()}}
        if isinstance(obj, list):
            return [self.redact_json(v) for v in obj]
        return self.redact_text(obj) if isinstance(obj, str) else obj
'''

CONFTEST = f'''
import logging

import pytest
from pytest_bdd import given, parsers, then, when

from mmlite_conformance.suite import report
from mmlite_conformance.suite.evidence import Exchange, Observation, SchemaVerdict
from fake_redactor import FakeRedactor

# the way the root conftest loads it
pytest_plugins = ["mmlite_conformance.suite.report.plugin"]

KEY = "{CANARY_KEY}"
PHONE = "{CANARY_PHONE}"
RED = FakeRedactor()


def pytest_configure(config):
    config.stash[report.REDACTOR] = RED
    config.stash[report.RUN_INFO] = report.RunInfo(
        target="replay", cloud_base_url="https://waba-v2.360dialog.io", mm_lite_url="https://waba-v2.360dialog.io",
        suite_version="9.9.9", started_at="2025-01-02T03:04:05+00:00",
        cassette_provenance="replayed from cassettes/",
        simulation_banner="Cassettes recorded from the embedded emulator")


def pytest_unconfigure(config):
    """Record what the final artefact scrub had left to catch, per file."""
    with open("scrub.log", "w", encoding="utf-8") as log:
        for path, count in config.stash[report.FINAL_SCRUB].fragments.items():
            log.write(f"{{path}} {{count}}\\n")


@pytest.fixture(autouse=True)
def broken_setup(request):
    if "setup_fails" in request.node.name:
        # like the main plugin's scenario_evidence fixture: evidence exists before pytest-bdd's before_scenario
        report.evidence_for(request.node)
        raise RuntimeError(f"cassette missing for key {{KEY}} and {{PHONE}}")


def _evidence(request):
    return report.evidence_for(request.node)


@given("a partner with an API key", target_fixture="api_key")
def api_key():
    return KEY


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # another plugin's extra, added before the suite's hook sees the report
    report = yield
    if report.when == "call" and "accepted" in item.name:
        from pytest_html import extras as html_extras

        report.extras = [*getattr(report, "extras", []), html_extras.text(f"plugin extra {{KEY}} {{PHONE}}")]
    return report


@when("the partner sends a template message")
def send(request, extras):
    # an extra through pytest-html's fixture: merged only after the suite's makereport hook
    from pytest_html import extras as html_extras

    extras.append(html_extras.text(f"fixture extra {{KEY}} {{PHONE}}"))
    # raw values, redacted where they are captured, the way the suite's client, checks and receiver do it
    _evidence(request).simulated = True
    _evidence(request).add_exchange(Exchange.capture(RED,
        label="send template", method="POST", url="https://waba-v2.360dialog.io/marketing_messages",
        request_headers={{"D360-API-KEY": "<D360-API-KEY>", "Content-Type": "application/json"}},
        request_body={{"to": PHONE, "type": "template", "template": {{"name": "promo <b>&"}}}},
        status=200, response_headers={{"x-echo-key": KEY}},
        response_body={{"contacts": [{{"input": "+" + PHONE, "wa_id": PHONE}}], "messages": [{{"id": "wamid.X"}}]}},
        elapsed_ms=12.34))
    _evidence(request).add_verdict(SchemaVerdict("send_response", "https://example/send.json", True))
    _evidence(request).add_webhook(RED.redact_json({{"statuses": [{{"recipient_id": PHONE, "status": "delivered"}}]}}))
    _evidence(request).add_note(RED.redact_text("note mentioning " + PHONE))


@then("the response has a message id")
def has_id(request):
    error = RED.redact_text("$.x: bad " + PHONE)
    _evidence(request).add_verdict(SchemaVerdict("webhook", "https://example/wh.json", False, (error,)))


@then("the platform leaks nothing")
def leaks(api_key):
    print("stdout with", api_key, PHONE)
    logging.getLogger("sample").warning("log with %s %s", api_key, PHONE)
    assert api_key == "expected", f"key {{api_key}} was sent for {{PHONE}}"


@then("this step is never reached")
def never():
    pass


@then("an observation is recorded")
def observe(request):
    _evidence(request).add_observation(Observation(
        topic="pricing.category", observed=RED.redact_text("marketing_lite for " + PHONE),
        contract="CONTRACT.md section 11 fixes no value", source="emulator assumption A1"))


@given("a skip with a secret reason")
def skip_it():
    pytest.skip(f"no live key {{KEY}} for {{PHONE}}")
'''

FEATURE = """
@messages
Feature: Sending MM Lite messages
  The partner sends template messages through MM Lite.

  @S1a
  Scenario: A template message is accepted
    The guide: a template message to an onboarded number returns a wamid.
    Given a partner with an API key
    When the partner sends a template message
    Then the response has a message id

  @S2a @S1b
  Scenario: A failure shows no secret
    Given a partner with an API key
    When the partner sends a template message
    Then the platform leaks nothing
    And this step is never reached

  @S10a
  Scenario: An undocumented value is observed
    Given a partner with an API key
    When the partner sends a template message
    Then an observation is recorded

  @SCa
  Scenario: A skipped scenario
    Given a skip with a secret reason

  @S4a
  Scenario: The setup fails
    Given a partner with an API key
    Then the response has a message id

  @S3d
  Scenario: A step nobody wrote
    Given a partner with an API key
    When the partner does something nobody wrote
"""

PYTEST_INI = """
[pytest]
bdd_features_base_dir = features/
render_collapsed = passed
junit_family = xunit2
markers =
    messages
    S1a
    S1b
    S2a
    S3d
    S4a
    S10a
    SCa
"""


#: the sample's scenario functions, in the order they run (each writes reports/evidence/messages/<function>.json)
SCENARIO_FUNCTIONS = [
    "test_a_template_message_is_accepted",
    "test_a_failure_shows_no_secret",
    "test_an_undocumented_value_is_observed",
    "test_a_skipped_scenario",
    "test_the_setup_fails",
    "test_a_step_nobody_wrote",
]


@dataclass
class SampleRun:
    returncode: int
    output: str
    html: str
    junit: str
    cucumber: str
    scrub_log: str
    #: each scenario's evidence file, by its path under reports/
    evidence: dict[str, str]

    @property
    def blob(self) -> dict[str, Any]:
        found = re.search(r'data-jsonblob="([^"]*)"', self.html)
        assert found, "pytest-html 4 page without its data-jsonblob"
        data: dict[str, Any] = json.loads(html.unescape(found.group(1)))
        return data

    def data_uris(self) -> list[str]:
        """The decoded JSON and text links: base64 hides them from a plain substring search."""
        return [
            base64.b64decode(m).decode()
            for m in re.findall(r"data:(?:application/json|text/plain);[^,]*base64,([A-Za-z0-9+/=]+)", self.html)
        ]

    def test(self, fragment: str) -> dict[str, Any]:
        matches = [tests[0] for nodeid, tests in self.blob["tests"].items() if fragment in nodeid]
        assert len(matches) == 1, (fragment, list(self.blob["tests"]))
        found: dict[str, Any] = matches[0]
        return found


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> SampleRun:
    root = tmp_path_factory.mktemp("reporting_project")
    (root / "features").mkdir()
    (root / "features" / "messages.feature").write_text(FEATURE, encoding="utf-8")
    (root / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
    (root / "fake_redactor.py").write_text(textwrap.dedent(FAKE_REDACTOR), encoding="utf-8")
    (root / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (root / "test_features.py").write_text('from pytest_bdd import scenarios\n\nscenarios(".")\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "MMLITE_", "D360"))}
    env |= {
        "MMLITE_D360_API_KEY": ENV_SECRET,  # a secret-looking name: never in the Environment table
        "BUILD_URL": f"https://ci.example/job/1?token={ENV_SECRET}",  # a CI variable pytest-metadata copies
        "JOB_NAME": "conformance",
        "PYTHONPATH": str(root),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "-v", "--tb=long",
        "--html=reports/report.html", "--self-contained-html", "--junitxml=reports/junit.xml",
        "--cucumberjson=reports/cucumber.json", "--metadata", "D360_API_KEY", CANARY_KEY,
    ]  # fmt: skip
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=60, check=False)
    reports = root / "reports"
    assert (reports / "report.html").is_file(), done.stdout + done.stderr
    return SampleRun(
        returncode=done.returncode,
        output=done.stdout + done.stderr,
        html=(reports / "report.html").read_text(encoding="utf-8"),
        junit=(reports / "junit.xml").read_text(encoding="utf-8"),
        cucumber=(reports / "cucumber.json").read_text(encoding="utf-8"),
        scrub_log=(root / "scrub.log").read_text(encoding="utf-8"),
        evidence={
            path.relative_to(reports).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted((reports / "evidence").rglob("*.json"))
        },
    )


def test_the_sample_run_has_the_expected_outcomes(sample_run: SampleRun) -> None:
    assert sample_run.returncode == 1, sample_run.output
    assert "3 failed" not in sample_run.output
    assert re.search(r"2 failed, 2 passed, 1 skipped, 1 error", sample_run.output), sample_run.output


@pytest.mark.parametrize("artefact", ["output", "html", "junit", "cucumber", "evidence"])
def test_no_artefact_holds_the_key_or_a_real_phone_number(sample_run: SampleRun, artefact: str) -> None:
    found = getattr(sample_run, artefact)
    text = "\n".join(found.values()) if isinstance(found, dict) else found
    for leak in LEAKS:
        assert leak not in text, f"{leak} in {artefact}"
    if artefact == "evidence":
        assert "pricing.category" in text  # the evidence files are there, redacted
        assert "5500000000001" in text
    if artefact == "html":
        decoded = "\n".join(sample_run.data_uris())
        assert "plugin extra <D360-API-KEY> 5500000000001" in decoded  # both kinds of foreign extras are there
        assert "fixture extra <D360-API-KEY> 5500000000001" in decoded
        for leak in LEAKS:
            assert leak not in decoded  # ... and redacted
    if artefact == "output":
        assert "<D360-API-KEY>" in text  # the failure is still explained, with the placeholder


def test_the_hooks_redact_everything_before_the_final_scrub(sample_run: SampleRun) -> None:
    lines = sample_run.scrub_log.split()
    files = ["reports/report.html", "reports/junit.xml", "reports/cucumber.json", "reports/run.json"]
    files += [f"reports/evidence/messages/{name}.json" for name in SCENARIO_FUNCTIONS]
    assert lines == [part for name in files for part in (name, "0")]  # the evidence files too, in the order run
    assert "the final scrub had to redact" not in sample_run.output


def test_the_html_report_renders_each_scenario_step_by_step(sample_run: SampleRun) -> None:
    assert '<title id="head-title">MM Lite conformance report</title>' in sample_run.html
    accepted = sample_run.test("a_template_message_is_accepted")
    block = next(e["content"] for e in accepted["extras"] if e["format_type"] == "html")
    for text in (
        "S1a",
        "Sending MM Lite messages",
        "A template message is accepted",
        "returns a wamid",  # the description: the requirement text
        "a partner with an API key",
        "the partner sends a template message",
        "the response has a message id",
        "✓ passed",
        "POST https://waba-v2.360dialog.io/marketing_messages",
        "12.3 ms",
        "curl -sS -X POST",
        "$D360_API_KEY",
        "promo &lt;b&gt;&amp;",  # bodies are escaped
        "&lt;D360-API-KEY&gt;",
        "schema <b>send_response</b>: valid",
        "schema <b>webhook</b>: invalid",
        "Webhook events received (1)",
        "5500000000001",
        "replayed from cassettes/",
    ):
        assert text in block, text
    assert '<td class="col-requirement">S1a</td>' in accepted["resultsTableRow"]
    assert '<td class="col-scenario">A template message is accepted</td>' in accepted["resultsTableRow"]
    links = [(e["name"], e["content"]) for e in accepted["extras"] if e["format_type"] in {"json", "url"}]
    assert links == [("Evidence (JSON)", "evidence/messages/test_a_template_message_is_accepted.json")]
    assert "data:application/json" not in sample_run.html  # browsers refuse to open a data: URL in a new tab


def test_each_scenario_has_an_evidence_file_the_html_links(sample_run: SampleRun) -> None:
    assert list(sample_run.evidence) == sorted(f"evidence/messages/{name}.json" for name in SCENARIO_FUNCTIONS)
    for nodeid, [test] in sample_run.blob["tests"].items():
        [href] = [e["content"] for e in test["extras"] if e["format_type"] == "url"]
        data = json.loads(sample_run.evidence[href])  # the link names a file the run wrote, relative to the page
        function = nodeid.split("::")[-1]
        assert href == f"evidence/messages/{function}.json"
        assert "test_" + data["scenario"].lower().replace(" ", "_") == function  # that scenario's evidence
        assert data["requirement_ids"] and data["steps"], href
    observed = json.loads(sample_run.evidence["evidence/messages/test_an_undocumented_value_is_observed.json"])
    assert observed["steps"][2]["observations"][0]["judged"] is False


def test_failed_skipped_and_undefined_steps_are_shown(sample_run: SampleRun) -> None:
    failed = sample_run.test("a_failure_shows_no_secret")
    block = next(e["content"] for e in failed["extras"] if e["format_type"] == "html")
    assert re.search(r"✗ failed</span><b>Then</b> the platform leaks nothing", block)
    assert re.search(r"○ not run</span><b>And</b> this step is never reached", block)
    assert "AssertionError: key &lt;D360-API-KEY&gt; was sent for 5500000000001" in block
    assert "stdout with &lt;D360-API-KEY&gt;" in failed["log"]
    undefined = sample_run.test("a_step_nobody_wrote")
    block = next(e["content"] for e in undefined["extras"] if e["format_type"] == "html")
    assert "undefined step" in block
    assert "the partner does something nobody wrote" in block
    skipped = sample_run.test("a_skipped_scenario")
    block = next(e["content"] for e in skipped["extras"] if e["format_type"] == "html")
    assert "↷ skipped</span><b>Given</b> a skip with a secret reason" in block


def test_a_scenario_whose_setup_failed_still_lists_its_steps(sample_run: SampleRun) -> None:
    broken = sample_run.test("the_setup_fails")
    assert broken["result"] == "Error"
    block = next(e["content"] for e in broken["extras"] if e["format_type"] == "html")
    assert "<span class='mml-req'>S4a</span>" in block
    assert "<b>Scenario:</b> The setup fails" in block
    assert "○ not run</span><b>Given</b> a partner with an API key" in block
    assert "○ not run</span><b>Then</b> the response has a message id" in block
    assert "RuntimeError: cassette missing for key &lt;D360-API-KEY&gt; and 5500000000001" in broken["log"]


def test_observations_are_visibly_not_judged(sample_run: SampleRun) -> None:
    observed = sample_run.test("an_undocumented_value_is_observed")
    block = next(e["content"] for e in observed["extras"] if e["format_type"] == "html")
    assert "Observation — not judged:</b> pricing.category: observed marketing_lite for 5500000000001" in block
    assert "Contract: CONTRACT.md section 11 fixes no value" in block
    assert "Source: emulator assumption A1" in block


def test_the_summary_has_a_run_header_and_a_naturally_sorted_requirements_table(sample_run: SampleRun) -> None:
    page = sample_run.html
    assert "Cassettes recorded from the embedded emulator, not 360dialog's sandbox" in page
    assert "(3 scenario(s))" in page  # the three scenarios whose evidence says they were simulated
    for text in ("https://waba-v2.360dialog.io", "9.9.9", "2025-01-02T03:04:05+00:00", "replayed from cassettes/"):
        assert text in page
    rows = re.findall(r"<tr class='mml-requirement' data-requirement='([^']+)'>(.*?)</tr>", page)
    assert [rid for rid, _ in rows] == ["S1a", "S1b", "S2a", "S3d", "S4a", "S10a", "SCa"]
    cells = dict(rows)
    assert "mml-outcome-passed'>passed</td>" in cells["S1a"]
    assert "mml-outcome-failed'>failed</td>" in cells["S2a"]
    assert "A failure shows no secret" in cells["S2a"]
    assert "mml-outcome-skipped'>skipped</td>" in cells["SCa"]
    assert "mml-outcome-error'>error</td>" in cells["S4a"]
    assert cells["S10a"].endswith("<td>1</td>")  # one observation


def test_the_environment_is_trimmed_into_the_run_header_with_no_secret_variable(sample_run: SampleRun) -> None:
    assert sample_run.blob["environment"] == {}  # pytest-html's table at the page top would repeat the run header
    header = sample_run.html[sample_run.html.find("<div class='mml-run'>") :]
    header = header[: header.find("</table>")]
    assert "<td><b>Target</b></td><td>replay</td>" in header
    assert "<tr class='mml-env'><td><b>JOB_NAME</b></td><td>conformance</td></tr>" in header
    assert "<tr class='mml-env'><td><b>Python</b></td>" in header
    assert "MM Lite target" not in header  # said once, as "Target"
    assert "BUILD_URL" not in header  # its value carries a secret from the environment
    assert "D360_API_KEY" not in header
    assert "No log output captured." not in sample_run.html
    assert sample_run.blob["renderCollapsed"] == ["passed"]


def test_junit_has_requirement_target_and_observation_properties(sample_run: SampleRun) -> None:
    cases = {case.get("name"): case for case in ET.fromstring(sample_run.junit).iter("testcase")}

    def props(name_fragment: str) -> list[tuple[str | None, str | None]]:
        [case] = [c for n, c in cases.items() if n and name_fragment in n]
        return [(p.get("name"), p.get("value")) for p in case.iter("property")]

    assert props("a_template_message_is_accepted") == [("requirement", "S1a"), ("target", "replay")]
    assert props("a_failure_shows_no_secret")[:2] == [("requirement", "S1b"), ("requirement", "S2a")]
    assert (
        "observation",
        "pricing.category: observed marketing_lite for 5500000000001 "
        "(contract: CONTRACT.md section 11 fixes no value; emulator assumption A1)",
    ) in props("an_undocumented_value_is_observed")
    assert props("a_skipped_scenario") == [("requirement", "SCa"), ("target", "replay")]
    assert props("the_setup_fails") == [("requirement", "S4a"), ("target", "replay")]
    [failure] = [c.find("failure") for n, c in cases.items() if n and "a_failure_shows_no_secret" in n]
    assert failure is not None
    assert "<D360-API-KEY>" in (failure.get("message") or "")


def test_cucumber_json_has_the_scenarios_with_redacted_errors_and_true_statuses(sample_run: SampleRun) -> None:
    [feature] = json.loads(sample_run.cucumber)
    elements = {element["name"]: element for element in feature["elements"]}
    assert list(elements) == [
        "A template message is accepted",
        "A failure shows no secret",
        "An undocumented value is observed",
        "A skipped scenario",
        "A step nobody wrote",
    ]

    def statuses(name: str) -> list[str]:
        return [step["result"]["status"] for step in elements[name]["steps"]]

    assert statuses("A template message is accepted") == ["passed"] * 3
    # pytest-bdd alone writes "failed" for the never-reached step and "passed" for the skipped one
    assert statuses("A failure shows no secret") == ["passed", "passed", "failed", "skipped"]
    assert statuses("A skipped scenario") == ["skipped"]
    assert statuses("A step nobody wrote") == ["passed", "undefined"]
    failed_step = elements["A failure shows no secret"]["steps"][2]["result"]
    assert "AssertionError: key <D360-API-KEY> was sent for 5500000000001" in failed_step["error_message"]
    assert [t["name"] for t in elements["A failure shows no secret"]["tags"]] == ["S1b", "S2a"]


# --- the module's functions, in-process --------------------------------------------------------------------------


def test_requirement_ids_come_from_tags_and_sort_naturally() -> None:
    tags = {"@S10a", "S2b", "SCa", "S1a", "smoke", "S", "s1a", "S3c", "Sx1"}
    assert report.requirement_ids_from_tags(tags, {"S1a"}) == ("S1a", "S2b", "S3c", "S10a", "SCa")


def test_scrub_file_keeps_each_format_valid(tmp_path: Path) -> None:
    red = CANARY_REDACTOR
    xml_file = tmp_path / "junit.xml"
    xml_file.write_text(f'<?xml version="1.0" encoding="utf-8"?><a m="{CANARY_KEY}">x {CANARY_PHONE}</a>')
    json_file = tmp_path / "cucumber.json"
    json_file.write_text(json.dumps([{"error_message": f"k={CANARY_KEY}"}]))
    html_file = tmp_path / "report.html"
    html_file.write_text(f'<p data-x="{CANARY_KEY}">{CANARY_KEY}</p>')
    clean = tmp_path / "clean.txt"
    clean.write_text("nothing here")
    assert all(report.scrub_file(p, red) for p in (xml_file, json_file, html_file))
    assert not report.scrub_file(clean, red)
    assert ET.fromstring(xml_file.read_text()).get("m") == "<D360-API-KEY>"
    assert json.loads(json_file.read_text()) == [{"error_message": "k=<D360-API-KEY>"}]
    assert html_file.read_text() == '<p data-x="&lt;D360-API-KEY&gt;">&lt;D360-API-KEY&gt;</p>'
    assert not report.scrub_file(xml_file, red)  # idempotent


def test_rendering_escapes_what_was_redacted_at_capture() -> None:
    red = CANARY_REDACTOR
    evidence = ScenarioEvidence(requirement_ids=("S1a",), feature="F <x>", scenario="S", description="D")
    evidence.begin_step("Given", red.redact_text(f"a number {CANARY_PHONE}")).status = "passed"  # as collect does
    evidence.add_exchange(
        Exchange.capture(
            red,
            label="l",
            method="GET",
            url=f"https://h/{CANARY_PHONE}",
            request_headers={"D360-API-KEY": CANARY_KEY},
            request_body=None,
            status=None,
            response_headers={},
            response_body=None,
            elapsed_ms=1.0,
        )
    )
    evidence.add_verdict(SchemaVerdict("k", "id", True))
    evidence.add_observation(Observation("t", "o", "c", "s"))
    block = report.render_scenario_html(evidence)
    data = json.dumps(report.evidence_as_dict(evidence))
    for leak in (CANARY_KEY, CANARY_PHONE):
        assert leak not in block
        assert leak not in data
    assert "F &lt;x&gt;" in block
    assert "no response" in block
    assert '"judged": false' in data


def test_a_replay_run_gives_a_reviewer_words_examples_docstrings_modes_and_a_summary(run_suite: Any) -> None:
    run = run_suite("-k", "S2a or S2b or S3d")
    assert run.returncode == 0, run.output[-3000:]
    files = [run.reports / name for name in ("report.html", "junit.xml", "cucumber.json", "run.json")]
    assert len({stat.S_IMODE(path.stat().st_mode) for path in files}) == 1, [oct(p.stat().st_mode) for p in files]
    record = json.loads((run.reports / "run.json").read_text(encoding="utf-8"))
    words = record["requirements"]["S2b"]["words"]
    assert words == "A marketing message may carry a time-to-live between 12 hours and 30 days"
    page = (run.reports / "report.html").read_text(encoding="utf-8")
    assert f"<div class='mml-words'>{html.escape(words, quote=True)}</div>" in page
    assert "A TTL outside the marketing range is refused — ttl=43199" in page
    assert "A TTL outside the marketing range is refused — ttl=-1" in page
    cucumber = json.loads((run.reports / "cucumber.json").read_text(encoding="utf-8"))
    docstrings = [
        s["doc_string"]["value"] for f in cucumber for e in f["elements"] for s in e["steps"] if "doc_string" in s
    ]
    assert any('"messaging_product": "whatsapp"' in d for d in docstrings), docstrings
    assert "mml-docstring" in page
    assert "target: replay · contract profile: alpha" in run.output
    assert "requirements passed (3): S2a S2b S3d" in run.output
    assert f"written: {run.reports / 'run.json'}" in run.output
