"""Each scenario's evidence file: its name, where it is written, what run.json says of it, and the final scrub."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from mmlite_conformance.suite.evidence import ScenarioEvidence
from mmlite_conformance.suite.report import REDACTOR
from mmlite_conformance.suite.report.evidence_files import (
    WrittenEvidence,
    file_name,
    record_entry,
    write_evidence,
    written_files,
)
from mmlite_conformance.suite.report.run import RUN_INFO, RunInfo
from mmlite_conformance.suite.report.scrub import scrub_written_files
from mmlite_conformance.suite.report.staging import STAGING, Staging
from tests.fake_redactor import ReplacingRedactor

pytestmark = pytest.mark.unit

KEY = "CANARY-KEY-5e6f7a"


def _config(html: Path | None, junit: Path | None = None) -> pytest.Config:
    """What the report's functions read of a pytest config: the report options and the stash."""
    option = SimpleNamespace(htmlpath=str(html) if html else None, xmlpath=str(junit) if junit else None)
    config = SimpleNamespace(option=option, stash=pytest.Stash())
    config.stash[REDACTOR] = ReplacingRedactor({KEY: "<D360-API-KEY>"})
    config.stash[RUN_INFO] = RunInfo(target="replay")
    return cast(pytest.Config, config)


def _item(config: pytest.Config, function: str = "test_a_send", example: int | None = None) -> pytest.Item:
    callspec = SimpleNamespace(indices={"_pytest_bdd_example": example}) if example is not None else None
    item = SimpleNamespace(config=config, originalname=function, name=function, path=Path("steps/test_x.py"))
    if callspec is not None:
        item.callspec = callspec
    return cast(pytest.Item, item)


def _evidence(note: str = "sent") -> ScenarioEvidence:
    evidence = ScenarioEvidence(requirement_ids=("S1a",), feature="F", scenario="A send")
    evidence.begin_step("When", "the partner sends")
    evidence.add_note(note)
    return evidence


def test_a_file_is_named_like_the_scenarios_cassette_without_example_values() -> None:
    assert file_name("2_first/ttl.feature", "test_a_ttl_is_refused[+5521987654321]", 3) == (
        "ttl/test_a_ttl_is_refused[ex003].json"
    )
    assert file_name("features\\1_cloud_api.feature", "test_send") == "1_cloud_api/test_send.json"


@pytest.mark.parametrize("feature", ["../../etc/passwd.feature", "..", "/abs/..feature"])
def test_a_name_never_leaves_the_evidence_folder(feature: str) -> None:
    name = file_name(feature, "../../test x")
    assert ".." not in Path(name).parts and not Path(name).is_absolute(), name
    assert len(Path(name).parts) == 2


def test_a_name_taken_twice_gets_a_number() -> None:
    found = WrittenEvidence()
    assert [found.claim("f/s.json") for _ in range(3)] == ["f/s.json", "f/s-2.json", "f/s-3.json"]


def test_the_file_is_beside_the_html_and_the_link_is_relative(tmp_path: Path) -> None:
    config = _config(tmp_path / "out" / "report.html", tmp_path / "out" / "junit.xml")
    url = write_evidence(_item(config, example=1), _evidence(), "features/first.feature")
    assert url == "evidence/first/test_a_send%5Bex001%5D.json"  # percent-encoded: pytest-html puts it in href as is
    [path] = written_files(config)
    assert path == tmp_path / "out" / "evidence" / "first" / "test_a_send[ex001].json"
    assert json.loads(path.read_text())["steps"][0]["notes"] == ["sent"]
    assert record_entry(config, tmp_path / "out") == {"folder": "evidence", "files": ["first/test_a_send[ex001].json"]}


def test_without_an_html_report_the_files_go_beside_the_junit_file(tmp_path: Path) -> None:
    config = _config(None, tmp_path / "junit.xml")
    assert write_evidence(_item(config), _evidence(), "f.feature") == "evidence/f/test_a_send.json"
    assert written_files(config) == [tmp_path / "evidence" / "f" / "test_a_send.json"]


def test_without_any_report_nothing_is_written(tmp_path: Path) -> None:
    config = _config(None)
    assert write_evidence(_item(config), _evidence(), "f.feature") is None
    assert written_files(config) == [] and not any(tmp_path.iterdir())


def test_run_json_names_where_the_folder_will_be_when_it_is_not_beside_it(tmp_path: Path) -> None:
    staged_html = tmp_path / "html" / ".mmlite-staging-x" / "report.html"
    config = _config(staged_html, tmp_path / "xml" / ".mmlite-staging-x" / "junit.xml")
    config.stash[STAGING] = Staging(moves={staged_html: tmp_path / "html" / "report.html"})
    write_evidence(_item(config), _evidence(), "f.feature")
    entry = record_entry(config, tmp_path / "xml" / ".mmlite-staging-x")
    assert entry == {"folder": str((tmp_path / "html" / "evidence").resolve()), "files": ["f/test_a_send.json"]}


def test_a_file_that_cannot_be_written_is_a_warning_and_no_link(tmp_path: Path) -> None:
    (tmp_path / "evidence").write_text("a file where the folder should be")
    config = _config(tmp_path / "report.html")
    assert write_evidence(_item(config), _evidence(), "f.feature") is None
    assert written_files(config) == []
    [warning] = config.stash[RUN_INFO].warnings
    assert warning.startswith("evidence file f/test_a_send.json not written: ")


@pytest.mark.parametrize(("note", "fragments"), [(f"key {KEY}", 1), ("nothing secret", 0)], ids=["leak", "clean"])
def test_the_final_scrub_covers_the_evidence_files(tmp_path: Path, note: str, fragments: int) -> None:
    config = _config(tmp_path / "report.html")
    write_evidence(_item(config), _evidence(note), "f.feature")  # a note that skipped redaction at capture
    [path] = written_files(config)
    found = scrub_written_files(config)
    assert found.fragments[str(path)] == fragments
    assert KEY not in path.read_text()
    data: dict[str, Any] = json.loads(path.read_text())
    assert data["steps"][0]["notes"] == [note.replace(KEY, "<D360-API-KEY>")]
