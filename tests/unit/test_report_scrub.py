"""The final scrub of written artefacts is a backstop that counts what it changed; Cucumber statuses repaired."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mmlite_conformance.suite import report
from mmlite_conformance.suite.report.scrub import FinalScrub, scrub_markup
from tests.fake_redactor import ReplacingRedactor

pytestmark = pytest.mark.unit


RED = ReplacingRedactor({"SECRET": "<KEY>"})


@pytest.mark.parametrize(
    ("name", "text", "fragments"),
    [
        ("junit.xml", '<?xml version="1.0"?><a m="SECRET" n="SECRET">x SECRET<b>SECRET</b></a>', 4),
        ("cucumber.json", json.dumps([{"a": "SECRET", "b": ["SECRET", "clean"]}]), 2),
        ("report.html", '<p data-x="SECRET">SECRET</p><p>clean</p>', 2),
        ("log.txt", "SECRET\nclean\nSECRET again\n", 2),
        ("clean.html", "<p>nothing here</p>", 0),
    ],
)
def test_scrub_file_counts_the_fragments_it_changed(tmp_path: Path, name: str, text: str, fragments: int) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert report.scrub_file(path, RED) == fragments
    assert "SECRET" not in path.read_text(encoding="utf-8")
    assert report.scrub_file(path, RED) == 0  # idempotent


def test_a_placeholder_never_becomes_markup() -> None:
    assert scrub_markup("<p title='x'>SECRET</p>", RED) == ("<p title='x'>&lt;KEY&gt;</p>", 1)
    assert scrub_markup("bare SECRET", RED) == ("bare &lt;KEY&gt;", 1)


def test_the_final_scrub_speaks_only_when_it_changed_something() -> None:
    assert FinalScrub({"a.html": 0, "b.xml": 0}).message() is None
    found = FinalScrub({"a.html": 2, "b.xml": 0, "c.json": 1})
    assert found.total == 3
    assert (
        found.message() == "mmlite: the final scrub had to redact 3 fragments in a.html, c.json: a capture missed them"
    )


def test_cucumber_statuses_come_from_the_evidence(tmp_path: Path) -> None:
    path = tmp_path / "cucumber.json"
    step = {"keyword": "Given", "name": "a", "line": 3, "result": {"status": "passed"}}
    failed = {"keyword": "Then", "name": "b", "line": 4, "result": {"status": "failed", "error_message": "x"}}
    path.write_text(json.dumps([{"uri": "f.feature", "elements": [{"id": "test_s", "steps": [step, failed]}]}]))
    wanted = [
        {"keyword": "Given", "name": "a", "line": 3, "status": "passed"},
        {"keyword": "Then", "name": "b", "line": 4, "status": "skipped"},
        {"keyword": "And", "name": "c", "line": 5, "status": "undefined"},
    ]
    assert report.fix_cucumber_statuses(path, {("f.feature", "test_s"): wanted})
    [feature] = json.loads(path.read_text())
    steps = feature["elements"][0]["steps"]
    assert [s["result"]["status"] for s in steps] == ["passed", "skipped", "undefined"]
    assert "error_message" not in steps[1]["result"]
    assert not report.fix_cucumber_statuses(path, {("f.feature", "test_s"): wanted})  # nothing left to repair
