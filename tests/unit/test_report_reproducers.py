"""The report's reproducer tabs (no script, ids unique on the page) and its links to the cited contract headings."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from mmlite_conformance.suite.contract_refs import DOCS_FOLDER, ContractIndex
from mmlite_conformance.suite.evidence import Exchange, Observation, ScenarioEvidence
from mmlite_conformance.suite.report import REDACTOR, html
from mmlite_conformance.suite.report.evidence_files import documents_entry, record_entry, write_evidence, written_files
from mmlite_conformance.suite.report.run import RUN_INFO, RunInfo
from mmlite_conformance.suite.snippets import LANGUAGES
from tests.fake_redactor import ReplacingRedactor

pytestmark = pytest.mark.unit

KEY = "CANARY-KEY-5e6f7a"
REDACTOR_ = ReplacingRedactor({KEY: "<D360-API-KEY>"})
INDEX = ContractIndex.of({"CONTRACT": "# C\n## §2 Auth\n## §6 Errors\n### §6.2 Catalogue\n", "CURRENT-API": "# A\n"})


def _exchange(body: str = '{"text": "<b>hi</b> & \'bye\'"}') -> Exchange:
    return Exchange.capture(
        REDACTOR_,
        label="send",
        method="POST",
        url="http://127.0.0.1:9/messages",
        request_headers={"D360-API-KEY": KEY, "Content-Type": "application/json", "Host": "x"},
        request_body=body,
        status=200,
        response_headers={},
        response_body={"ok": True},
        elapsed_ms=1.0,
    )


def test_each_exchange_shows_every_language_as_a_tab_without_script() -> None:
    page = html.exchange(_exchange()) + html.exchange(_exchange())
    assert "<script" not in page
    ids = re.findall(r"id='([^']+)'", page)
    assert len(ids) == 2 * len(LANGUAGES) and len(set(ids)) == len(ids)  # unique across the page
    assert sorted(re.findall(r"for='([^']+)'", page)) == sorted(ids)  # each label opens its own tab
    groups = re.findall(r"name='([^']+)'", page)
    assert len(set(groups)) == 2  # one radio group per exchange, never shared with another exchange
    assert page.count(" checked>") == 2  # the first tab (curl) of each group is open
    labels = re.findall(r"<label for='[^']+'>([^<]+)</label>", page)
    assert labels == [language.label for language in LANGUAGES.values()] * 2
    assert KEY not in page and "process.env.D360_API_KEY" in page and "os.environ[&quot;D360_API_KEY&quot;]" in page
    assert "<b>hi</b>" not in page  # snippets are escaped like every value


def test_the_style_shows_the_checked_tab_of_every_language() -> None:
    for key in LANGUAGES:
        assert f".mml-tab-{key}:checked~.mml-panel-{key}{{display:block}}" in html.style()
    assert ".mml-tabs>.mml-panel{display:none" in html.style()


def test_each_reference_links_its_heading_and_an_unknown_one_stays_text() -> None:
    text = "CONTRACT §2, §6.2 <and> §13.9; RFC 9110 §10.2.3"
    assert html.linked(text, INDEX) == (
        "CONTRACT <a class='mml-ref' href='contract/contract.md#2-auth'>§2</a>, "
        "<a class='mml-ref' href='contract/contract.md#62-catalogue'>§6.2</a> &lt;and&gt; §13.9; "
        "RFC 9110 §10.2.3"
    )
    assert html.linked("no reference <here>", INDEX) == "no reference &lt;here&gt;"


def test_observations_link_their_sources() -> None:
    seen = html.observation(Observation("a topic", "201", "CONTRACT §6.2 is silent", "CONTRACT §2"))
    assert seen.count("class='mml-ref'") == 2


def _config(folder: Path) -> pytest.Config:
    option = SimpleNamespace(htmlpath=str(folder / "report.html"), xmlpath=str(folder / "junit.xml"))
    config = SimpleNamespace(option=option, stash=pytest.Stash())
    config.stash[REDACTOR] = REDACTOR_
    config.stash[RUN_INFO] = RunInfo(target="replay")
    return cast(pytest.Config, config)


def _item(config: pytest.Config, function: str) -> pytest.Item:
    item = SimpleNamespace(config=config, originalname=function, name=function, path=Path("steps/test_x.py"))
    return cast(pytest.Item, item)


def _evidence(source: str) -> ScenarioEvidence:
    evidence = ScenarioEvidence(requirement_ids=("S1a",), feature="F", scenario="A send")
    evidence.begin_step("When", "the partner sends")
    evidence.add_observation(Observation("status", "201", "open", source))
    return evidence


def test_the_cited_documents_are_copied_beside_the_evidence_once_and_named_in_run_json(tmp_path: Path) -> None:
    config = _config(tmp_path)
    write_evidence(_item(config, "test_plain"), _evidence("the guide"), "f.feature")
    assert not (tmp_path / "contract").exists()  # nothing cited, nothing copied
    write_evidence(_item(config, "test_a"), _evidence("CONTRACT §2"), "f.feature")
    write_evidence(_item(config, "test_b"), _evidence("CONTRACT §6.2; CURRENT-API §1.2"), "f.feature")
    copied = tmp_path / "contract"
    assert sorted(p.name for p in copied.iterdir()) == ["contract.md", "current-api.md"]
    assert (copied / "contract.md").read_bytes() == (DOCS_FOLDER / "contract.md").read_bytes()
    assert documents_entry(config, tmp_path) == {"folder": "contract", "files": ["contract.md", "current-api.md"]}
    assert len(record_entry(config, tmp_path)["files"]) == 3  # the evidence files alone, one per scenario
    assert all(path.suffix == ".json" for path in written_files(config))  # the final scrub reads only the evidence


def test_a_document_that_cannot_be_copied_is_said_once_per_run(tmp_path: Path) -> None:
    config = _config(tmp_path)
    (tmp_path / "contract").write_text("a file where the folder would go")  # every copy fails
    for name in ("test_a", "test_b", "test_c"):
        write_evidence(_item(config, name), _evidence("CONTRACT §2"), "f.feature")
    warnings = config.stash[RUN_INFO].warnings
    assert len(warnings) == 1 and warnings[0].startswith("cited document contract.md not copied: "), warnings
    assert documents_entry(config, tmp_path)["files"] == []
